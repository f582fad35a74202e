"""Routes say where their prices come from and take the catalog's conditional prices: cache writes,
reasoning output, per-request fees, batch and tiers by prompt length; the plan has a price date.

Revision ID: 0005
Revises: 0004
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

ESTIMATES = ("cache_write_share", "price_cache_write_mtok", "reasoning_tokens", "price_reasoning_mtok",
             "price_per_request")


def upgrade() -> None:
    # ADD COLUMN with a constant default needs no table rebuild on SQLite.
    op.add_column("project", sa.Column("price_date", sa.Text(), server_default="", nullable=False))
    op.add_column("routes", sa.Column("price_source", sa.String(length=8), server_default="manual",
                                      nullable=False))
    op.add_column("routes", sa.Column("price_since", sa.Text(), server_default="", nullable=False))
    op.add_column("routes", sa.Column("batch", sa.Boolean(), server_default="0", nullable=False))
    op.add_column("routes", sa.Column("cache_ttl", sa.String(length=4), server_default="5m", nullable=False))
    op.add_column("routes", sa.Column("tiers", sa.Text(), server_default="", nullable=False))
    for name in ESTIMATES:
        op.add_column("routes", sa.Column(f"{name}_base", sa.Float(), server_default="0", nullable=False))
        op.add_column("routes", sa.Column(f"{name}_low", sa.Float(), nullable=True))
        op.add_column("routes", sa.Column(f"{name}_high", sa.Float(), nullable=True))
        op.add_column("routes", sa.Column(f"{name}_dist", sa.String(length=16), nullable=True))
        op.add_column("routes", sa.Column(f"{name}_note", sa.Text(), server_default="", nullable=False))
    # Before version 5 only the catalog set a route's provider: those prices are the catalog's.
    op.execute("UPDATE routes SET price_source = 'catalog' WHERE provider != ''")


def downgrade() -> None:
    with op.batch_alter_table("routes") as batch_op:
        for name in reversed(ESTIMATES):
            for suffix in ("note", "dist", "high", "low", "base"):
                batch_op.drop_column(f"{name}_{suffix}")
        for column in ("tiers", "cache_ttl", "batch", "price_since", "price_source"):
            batch_op.drop_column(column)
    with op.batch_alter_table("project") as batch_op:
        batch_op.drop_column("price_date")

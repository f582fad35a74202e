"""Routes record where their prices came from: the catalog provider and the prices' date.

Revision ID: 0002
Revises: 0001
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # ADD COLUMN with a constant default needs no table rebuild on SQLite.
    op.add_column("routes", sa.Column("provider", sa.Text(), server_default="", nullable=False))
    op.add_column("routes", sa.Column("price_date", sa.Text(), server_default="", nullable=False))


def downgrade() -> None:
    with op.batch_alter_table("routes") as batch_op:
        batch_op.drop_column("price_date")
        batch_op.drop_column("provider")

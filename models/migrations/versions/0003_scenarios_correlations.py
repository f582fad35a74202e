"""Scenarios (named overlays of inputs) and rank correlations between inputs.

Revision ID: 0003
Revises: 0002
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "scenarios",
        sa.Column("id", sa.String(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("probability", sa.Float(), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_table(
        "correlations",
        sa.Column("id", sa.String(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("a_kind", sa.String(length=16), nullable=False),
        sa.Column("a_id", sa.String(), nullable=False),
        sa.Column("a_field", sa.String(), nullable=False),
        sa.Column("b_kind", sa.String(length=16), nullable=False),
        sa.Column("b_id", sa.String(), nullable=False),
        sa.Column("b_field", sa.String(), nullable=False),
        sa.Column("rho", sa.Float(), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_table(
        "scenario_overrides",
        sa.Column("scenario_id", sa.String(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("object_id", sa.String(), nullable=False),
        sa.Column("field", sa.String(), nullable=False),
        sa.Column("value_base", sa.Float(), nullable=False),
        sa.Column("value_low", sa.Float(), nullable=True),
        sa.Column("value_high", sa.Float(), nullable=True),
        sa.Column("value_dist", sa.String(length=16), nullable=True),
        sa.ForeignKeyConstraint(["scenario_id"], ["scenarios.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("scenario_id", "kind", "object_id", "field"),
    )


def downgrade() -> None:
    op.drop_table("scenario_overrides")
    op.drop_table("correlations")
    op.drop_table("scenarios")

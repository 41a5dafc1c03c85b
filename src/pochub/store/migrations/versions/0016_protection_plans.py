"""community protection plans: every version, dated and attributed

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-05 08:30:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """The protection_plans table (one row per version; the newest is the plan)."""
    op.create_table(
        "protection_plans",
        sa.Column("plan_id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("community_id", sa.String(64), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("document", sa.Text(), nullable=False),
        sa.Column("changed_by", sa.String(80), nullable=False),
        sa.Column("changed_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("plan_id", name="pk_protection_plans"),
        sa.UniqueConstraint("community_id", "version", name="uq_protection_plans_community_id"),
    )


def downgrade() -> None:
    """Drop the plans."""
    op.drop_table("protection_plans")

"""community profiles: every version of what a community says about itself, dated and attributed

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-05 08:15:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """The community_profiles table (one row per version; the newest is the profile)."""
    op.create_table(
        "community_profiles",
        sa.Column("profile_id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("community_id", sa.String(64), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("document", sa.Text(), nullable=False),
        sa.Column("changed_by", sa.String(80), nullable=False),
        sa.Column("changed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("note", sa.Text(), nullable=False, server_default=""),
        sa.PrimaryKeyConstraint("profile_id", name="pk_community_profiles"),
        sa.UniqueConstraint("community_id", "version", name="uq_community_profiles_community_id"),
    )


def downgrade() -> None:
    """Drop the profiles."""
    op.drop_table("community_profiles")

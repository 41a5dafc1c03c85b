"""actors: one registry of actors across sources

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-04 16:40:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """The registry's source names (rebuilt on every import) and the analyst's aliases."""
    op.create_table(
        "actor_names",
        sa.Column("name", sa.String(length=500), nullable=False),
        sa.Column("actor", sa.String(length=500), nullable=False),
        sa.Column("sources", sa.String(length=200), nullable=False),
        sa.Column("events", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_actor_names")),
    )
    op.create_index("ix_actor_names_actor", "actor_names", ["actor"], unique=False)
    op.create_table(
        "actor_aliases",
        sa.Column("name", sa.String(length=500), nullable=False),
        sa.Column("actor", sa.String(length=500), nullable=False),
        sa.Column("analyst", sa.String(length=80), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_actor_aliases")),
    )


def downgrade() -> None:
    """Drop the registry."""
    op.drop_table("actor_aliases")
    op.drop_index("ix_actor_names_actor", table_name="actor_names")
    op.drop_table("actor_names")

"""analysis: population for exposure

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-04 16:40:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Population points (a grid's cells or a table of points): the threat matrix's exposure where no community
    is known."""
    op.create_table(
        "population_points",
        sa.Column("point_id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("latitude", sa.Float(), nullable=False),
        sa.Column("longitude", sa.Float(), nullable=False),
        sa.Column("population", sa.Float(), nullable=False),
        sa.Column("source", sa.String(length=500), nullable=False),
        sa.PrimaryKeyConstraint("point_id", name=op.f("pk_population_points")),
    )
    op.create_index("ix_population_points_source", "population_points", ["source"], unique=False)


def downgrade() -> None:
    """Drop the population points."""
    op.drop_index("ix_population_points_source", table_name="population_points")
    op.drop_table("population_points")

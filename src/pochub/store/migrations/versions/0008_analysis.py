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
    """Population points (a grid's cells or a table of points) and area populations (a boundary file's population
    property): the threat matrix's exposure where no community is known."""
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
    op.create_table(
        "area_populations",
        sa.Column("pcode", sa.String(length=32), nullable=False),
        sa.Column("population", sa.BigInteger(), nullable=False),
        sa.Column("source", sa.String(length=500), nullable=False),
        sa.PrimaryKeyConstraint("pcode", name=op.f("pk_area_populations")),
    )


def downgrade() -> None:
    """Drop the population points and area populations."""
    op.drop_table("area_populations")
    op.drop_index("ix_population_points_source", table_name="population_points")
    op.drop_table("population_points")

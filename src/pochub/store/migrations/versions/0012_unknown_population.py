"""unknown population and older vintages: a community's population may be unknown (null), not 0; each import
records the rows it kept as stored because they were an older vintage

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-04 17:40:00

Gazetteers (the DRC's RGC localities, health facilities) give places without population: stored as unknown, so
that exposure and plans never read them as empty places.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """communities.population nullable; imports.older (0 for imports recorded before)."""
    with op.batch_alter_table("communities") as batch:
        batch.alter_column("population", existing_type=sa.Integer(), nullable=True)
    with op.batch_alter_table("imports") as batch:
        batch.add_column(sa.Column("older", sa.Integer(), nullable=False, server_default="0"))


def downgrade() -> None:
    """Unknown population becomes 0 again (the state before this revision); the older counts are dropped."""
    with op.batch_alter_table("imports") as batch:
        batch.drop_column("older")
    op.execute(sa.text("UPDATE communities SET population = 0 WHERE population IS NULL"))
    with op.batch_alter_table("communities") as batch:
        batch.alter_column("population", existing_type=sa.Integer(), nullable=False)

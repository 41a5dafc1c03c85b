"""coverage unknown: a community's phone and radio coverage may be unknown (null), not "no"

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-04 17:00:00

Communities imported before this revision without the coverage columns were stored as "no coverage"; that
cannot be told apart from a real "no" any more, so stored values are kept as they are.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Both columns nullable, without a default."""
    with op.batch_alter_table("communities") as batch:
        for column in ("phone_coverage", "radio_coverage"):
            batch.alter_column(column, existing_type=sa.Boolean(), nullable=True, server_default=None)


def downgrade() -> None:
    """Unknown becomes "no" again."""
    for column in ("phone_coverage", "radio_coverage"):
        op.execute(sa.text(f"UPDATE communities SET {column} = false WHERE {column} IS NULL"))
    with op.batch_alter_table("communities") as batch:
        for column in ("phone_coverage", "radio_coverage"):
            batch.alter_column(column, existing_type=sa.Boolean(), nullable=False, server_default="0")

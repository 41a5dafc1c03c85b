"""fuzzed places: the alert's location as viewers, partners and exports see it, stored beside the true one

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-04 17:00:00

Existing alerts are filled in by the alert service when the server starts
(pochub.services.alert_places.fill_fuzzed_places): the offset derives from the secret key, which a migration
never reads. Until then their fuzzed columns are empty, and the roles that see fuzzed places see no location
for them, never the true one.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Three nullable columns on alerts."""
    with op.batch_alter_table("alerts") as batch:
        batch.add_column(sa.Column("fuzzed_latitude", sa.Float(), nullable=True))
        batch.add_column(sa.Column("fuzzed_longitude", sa.Float(), nullable=True))
        batch.add_column(sa.Column("fuzzed_pcode", sa.String(length=32), nullable=True))


def downgrade() -> None:
    """Drop them."""
    with op.batch_alter_table("alerts") as batch:
        batch.drop_column("fuzzed_pcode")
        batch.drop_column("fuzzed_longitude")
        batch.drop_column("fuzzed_latitude")

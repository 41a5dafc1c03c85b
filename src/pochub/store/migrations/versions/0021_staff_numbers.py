"""staff numbers: the phones of staff whose structured SMS intake reads into a classified alert

Revision ID: 0021
Revises: 0020
Create Date: 2026-12-06 14:00:00

Issue 18, item 4: a field officer or CLA without data texts ``ALERT <place> <threat> <urgency> <text>`` to the
intake number; only an SMS from a number registered here, of an active user, is read as structured (any other
sender's is an ordinary community alert). A number is stored as informants' numbers are: encrypted under the
mission's key, with a keyed hash of its international form to find it (unique: a number belongs to one user).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0021"
down_revision = "0020"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """The staff_numbers table."""
    op.create_table(
        "staff_numbers",
        sa.Column("number_id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("number_key", sa.String(64), nullable=False),
        sa.Column("number", sa.LargeBinary(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_by", sa.String(80), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.user_id"], name="fk_staff_numbers_user_id_users", ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("number_id", name="pk_staff_numbers"),
        sa.UniqueConstraint("number_key", name="uq_staff_numbers_number_key"),
    )
    op.create_index("ix_staff_numbers_user_id", "staff_numbers", ["user_id"])


def downgrade() -> None:
    """Drop the table."""
    op.drop_index("ix_staff_numbers_user_id", table_name="staff_numbers")
    op.drop_table("staff_numbers")

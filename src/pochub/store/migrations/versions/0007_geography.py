"""geography: no schema change (areas are assigned into the existing columns)

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-04 16:40:00
"""

from __future__ import annotations

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Nothing to change: one geography assigns areas into the existing pcode columns (kept so that the
    revision chain stays as released)."""


def downgrade() -> None:
    """Nothing to undo."""

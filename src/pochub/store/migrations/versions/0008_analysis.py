"""analysis: population for exposure

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-04 16:40:00
"""

from __future__ import annotations

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Placeholder filled by the work on issue 13 (population, risk)."""


def downgrade() -> None:
    """Placeholder filled by the work on issue 13 (population, risk)."""

"""actors: one registry of actors across sources

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-04 16:40:00
"""

from __future__ import annotations

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Placeholder filled by the work on issue 12 (actor registry)."""


def downgrade() -> None:
    """Placeholder filled by the work on issue 12 (actor registry)."""

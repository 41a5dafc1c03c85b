"""geography: area assignment, vintages, actor registry

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
    """Placeholder filled by the work on issue 12 (one geography, vintages, actors)."""


def downgrade() -> None:
    """Placeholder filled by the work on issue 12 (one geography, vintages, actors)."""

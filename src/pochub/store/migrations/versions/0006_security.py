"""security: gateways, tokens, throttling, audit hardening

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-04 16:40:00
"""

from __future__ import annotations

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Placeholder filled by the work on issue 11 (protection)."""


def downgrade() -> None:
    """Placeholder filled by the work on issue 11 (protection)."""

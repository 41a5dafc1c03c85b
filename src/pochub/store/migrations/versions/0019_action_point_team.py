"""action points link to a joint team: the team whose recommendation an action point carries

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-06 09:00:00

Issue 17, item 2: an action point links to what it addresses, a team report among them. The column is empty for
every action point stored before; a team deleted later leaves its action points without the link (SET NULL).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0019"
down_revision = "0018"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """The action_points.team_id column, its foreign key to joint_teams and its index."""
    with op.batch_alter_table("action_points") as batch:
        batch.add_column(sa.Column("team_id", sa.Integer(), nullable=True))
        batch.create_foreign_key(
            "fk_action_points_team_id_joint_teams",
            "joint_teams",
            ["team_id"],
            ["team_id"],
            ondelete="SET NULL",
        )
        batch.create_index("ix_action_points_team_id", ["team_id"])


def downgrade() -> None:
    """Drop the link."""
    with op.batch_alter_table("action_points") as batch:
        batch.drop_index("ix_action_points_team_id")
        batch.drop_constraint("fk_action_points_team_id_joint_teams", type_="foreignkey")
        batch.drop_column("team_id")

"""joint protection teams and joint assessment missions, their steps and the threats they heard

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-05 08:50:00

Issue 17, item 3: a team requested from a threat, an alert or a community, its members by component, its plan
(base, escort, travel time in the season), every step of its lifecycle, and the threats it heard (one row each,
read by the threat matrix beside the concerns communities raise in engagements).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0018"
down_revision = "0017"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """The joint_teams, joint_team_steps and joint_team_findings tables."""
    op.create_table(
        "joint_teams",
        sa.Column("team_id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("kind", sa.String(8), nullable=False),
        sa.Column("origin", sa.String(16), nullable=False),
        sa.Column("origin_ref", sa.String(200), nullable=False),
        sa.Column("community_id", sa.String(64), nullable=False),
        sa.Column("purpose", sa.Text(), nullable=False),
        sa.Column("members", sa.Text(), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("departs", sa.DateTime(timezone=True)),
        sa.Column("base_id", sa.String(64)),
        sa.Column("escort_unit", sa.String(64)),
        sa.Column("travel_hours", sa.Float()),
        sa.Column("season", sa.String(16)),
        sa.Column("route_note", sa.Text(), nullable=False, server_default=""),
        sa.Column("needs", sa.Text(), nullable=False, server_default="[]"),
        sa.Column("recommendations", sa.Text(), nullable=False, server_default="[]"),
        sa.Column("cancel_reason", sa.Text(), nullable=False, server_default=""),
        sa.Column("requested_by", sa.String(80), nullable=False),
        sa.Column("requested_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False, server_default="1"),
        sa.PrimaryKeyConstraint("team_id", name="pk_joint_teams"),
    )
    op.create_index("ix_joint_teams_community_id", "joint_teams", ["community_id"])
    op.create_index("ix_joint_teams_status", "joint_teams", ["status"])
    op.create_table(
        "joint_team_steps",
        sa.Column("step_id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("team_id", sa.Integer(), nullable=False),
        sa.Column("action", sa.String(20), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("note", sa.Text(), nullable=False, server_default=""),
        sa.Column("actor", sa.String(80), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["team_id"],
            ["joint_teams.team_id"],
            name="fk_joint_team_steps_team_id_joint_teams",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("step_id", name="pk_joint_team_steps"),
    )
    op.create_index("ix_joint_team_steps_team_id", "joint_team_steps", ["team_id"])
    op.create_table(
        "joint_team_findings",
        sa.Column("finding_id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("team_id", sa.Integer(), nullable=False),
        sa.Column("community_id", sa.String(64), nullable=False),
        sa.Column("threat_type", sa.String(40), nullable=False),
        sa.Column("perpetrator", sa.Text(), nullable=False, server_default=""),
        sa.Column("place", sa.Text(), nullable=False, server_default=""),
        sa.Column("note", sa.Text(), nullable=False, server_default=""),
        sa.Column("heard_on", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["team_id"],
            ["joint_teams.team_id"],
            name="fk_joint_team_findings_team_id_joint_teams",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("finding_id", name="pk_joint_team_findings"),
    )
    op.create_index("ix_joint_team_findings_team_id", "joint_team_findings", ["team_id"])
    op.create_index("ix_joint_team_findings_community_id", "joint_team_findings", ["community_id"])


def downgrade() -> None:
    """Drop the joint teams' tables."""
    op.drop_table("joint_team_findings")
    op.drop_table("joint_team_steps")
    op.drop_table("joint_teams")

"""forum meetings, their attendance and decisions, action points and their steps, checklist assessments kept

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-05 08:40:00

Issue 17, items 1, 2 and 4: meetings of the structure's bodies, attendance by post, decisions, the action points
they give (or a checklist assessment's remedial measures give) and every step of each; checklist assessments are
kept so a re-assessment is compared with the previous one, task by task.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0017"
down_revision = "0016"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """The meetings, meeting_attendance, decisions, action_points, action_point_steps and checklist_assessments
    tables."""
    op.create_table(
        "meetings",
        sa.Column("meeting_id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("body_id", sa.String(120), nullable=False),
        sa.Column("held_on", sa.Date(), nullable=False),
        sa.Column("agenda", sa.Text(), nullable=False),
        sa.Column("note", sa.Text(), nullable=False, server_default=""),
        sa.Column("recorded_by", sa.String(80), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("meeting_id", name="pk_meetings"),
    )
    op.create_index("ix_meetings_body_id", "meetings", ["body_id"])
    op.create_table(
        "meeting_attendance",
        sa.Column("meeting_id", sa.Integer(), nullable=False),
        sa.Column("post", sa.String(120), nullable=False),
        sa.ForeignKeyConstraint(
            ["meeting_id"],
            ["meetings.meeting_id"],
            name="fk_meeting_attendance_meeting_id_meetings",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("meeting_id", "post", name="pk_meeting_attendance"),
    )
    op.create_table(
        "decisions",
        sa.Column("decision_id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("meeting_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["meeting_id"],
            ["meetings.meeting_id"],
            name="fk_decisions_meeting_id_meetings",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("decision_id", name="pk_decisions"),
    )
    op.create_index("ix_decisions_meeting_id", "decisions", ["meeting_id"])
    op.create_table(
        "action_points",
        sa.Column("action_point_id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("decision_id", sa.Integer()),
        sa.Column("body_id", sa.String(120), nullable=False),
        sa.Column("what", sa.Text(), nullable=False),
        sa.Column("owner_post", sa.String(120), nullable=False),
        sa.Column("due", sa.Date(), nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("note", sa.Text(), nullable=False, server_default=""),
        sa.Column("threat_key", sa.String(200), nullable=False, server_default=""),
        sa.Column("alert_reference", sa.String(40), nullable=False, server_default=""),
        sa.Column("community_id", sa.String(64), nullable=False, server_default=""),
        sa.Column("commitment_id", sa.Integer()),
        sa.Column("checklist_task", sa.String(80), nullable=False, server_default=""),
        sa.Column("escalated_to", sa.String(120), nullable=False, server_default=""),
        sa.Column("created_by", sa.String(80), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False, server_default="1"),
        sa.ForeignKeyConstraint(
            ["decision_id"],
            ["decisions.decision_id"],
            name="fk_action_points_decision_id_decisions",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("action_point_id", name="pk_action_points"),
    )
    op.create_index("ix_action_points_status", "action_points", ["status"])
    op.create_index("ix_action_points_body_id", "action_points", ["body_id"])
    op.create_index("ix_action_points_owner_post", "action_points", ["owner_post"])
    op.create_table(
        "action_point_steps",
        sa.Column("step_id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("action_point_id", sa.Integer(), nullable=False),
        sa.Column("action", sa.String(20), nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("note", sa.Text(), nullable=False, server_default=""),
        sa.Column("actor", sa.String(80), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["action_point_id"],
            ["action_points.action_point_id"],
            name="fk_action_point_steps_action_point_id_action_points",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("step_id", name="pk_action_point_steps"),
    )
    op.create_index("ix_action_point_steps_action_point_id", "action_point_steps", ["action_point_id"])
    op.create_table(
        "checklist_assessments",
        sa.Column("assessment_id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("as_of", sa.Date(), nullable=False),
        sa.Column("score", sa.Float(), nullable=False),
        sa.Column("document", sa.Text(), nullable=False),
        sa.Column("recorded_by", sa.String(80), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("assessment_id", name="pk_checklist_assessments"),
    )


def downgrade() -> None:
    """Drop the tables (children first)."""
    op.drop_table("checklist_assessments")
    op.drop_index("ix_action_point_steps_action_point_id", table_name="action_point_steps")
    op.drop_table("action_point_steps")
    for index in ("ix_action_points_owner_post", "ix_action_points_body_id", "ix_action_points_status"):
        op.drop_index(index, table_name="action_points")
    op.drop_table("action_points")
    op.drop_index("ix_decisions_meeting_id", table_name="decisions")
    op.drop_table("decisions")
    op.drop_table("meeting_attendance")
    op.drop_index("ix_meetings_body_id", table_name="meetings")
    op.drop_table("meetings")

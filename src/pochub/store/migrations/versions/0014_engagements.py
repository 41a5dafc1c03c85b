"""engagements with communities, the commitments made in them and every step of each commitment

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-05 08:00:00

Participants are stored in aggregate (by sex and age group), never by name.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """The engagements, commitments and commitment_steps tables."""
    op.create_table(
        "engagements",
        sa.Column("engagement_id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("community_id", sa.String(64), nullable=False),
        sa.Column("kind", sa.String(40), nullable=False),
        sa.Column("held_on", sa.DateTime(timezone=True), nullable=False),
        sa.Column("mission_posts", sa.Text(), nullable=False),
        sa.Column("participants", sa.Text(), nullable=False),
        sa.Column("concerns", sa.Text(), nullable=False),
        sa.Column("requests", sa.Text(), nullable=False),
        sa.Column("recorded_by", sa.String(80), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("engagement_id", name="pk_engagements"),
    )
    op.create_index("ix_engagements_community_id", "engagements", ["community_id"])
    op.create_table(
        "commitments",
        sa.Column("commitment_id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("engagement_id", sa.Integer(), nullable=False),
        sa.Column("community_id", sa.String(64), nullable=False),
        sa.Column("what", sa.Text(), nullable=False),
        sa.Column("owner_post", sa.String(200), nullable=False),
        sa.Column("due", sa.Date(), nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("outcome", sa.Text(), nullable=False, server_default=""),
        sa.Column("feedback_channel", sa.String(40)),
        sa.Column("feedback_message", sa.Text()),
        sa.Column("feedback_given_at", sa.DateTime(timezone=True)),
        sa.Column("version", sa.Integer(), nullable=False, server_default="1"),
        sa.ForeignKeyConstraint(
            ["engagement_id"],
            ["engagements.engagement_id"],
            name="fk_commitments_engagement_id_engagements",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("commitment_id", name="pk_commitments"),
    )
    op.create_index("ix_commitments_status", "commitments", ["status"])
    op.create_index("ix_commitments_community_id", "commitments", ["community_id"])
    op.create_table(
        "commitment_steps",
        sa.Column("step_id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("commitment_id", sa.Integer(), nullable=False),
        sa.Column("action", sa.String(20), nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("note", sa.Text(), nullable=False, server_default=""),
        sa.Column("actor", sa.String(80), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["commitment_id"],
            ["commitments.commitment_id"],
            name="fk_commitment_steps_commitment_id_commitments",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("step_id", name="pk_commitment_steps"),
    )
    op.create_index("ix_commitment_steps_commitment_id", "commitment_steps", ["commitment_id"])


def downgrade() -> None:
    """Drop the three tables."""
    op.drop_table("commitment_steps")
    op.drop_table("commitments")
    op.drop_table("engagements")

"""perception surveys: the surveys (what each mapped question measures) and their respondents' mapped answers

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-05 07:30:00

A respondent's row holds the community, the wave, the survey weight and the mapped answers only: who answered
(name, number, KoBo's uuid, GPS) is never stored.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """The surveys and survey_responses tables."""
    op.create_table(
        "surveys",
        sa.Column("survey_id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("minimum", sa.Integer(), nullable=False),
        sa.Column("measures", sa.Text(), nullable=False),
        sa.Column("source", sa.Text(), nullable=False),
        sa.Column("imported_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("survey_id", name="pk_surveys"),
        sa.UniqueConstraint("name", name="uq_surveys_name"),
    )
    op.create_table(
        "survey_responses",
        sa.Column("response_id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("survey_id", sa.Integer(), nullable=False),
        sa.Column("community_id", sa.String(64), nullable=False),
        sa.Column("wave", sa.String(64), nullable=False),
        sa.Column("weight", sa.Float(), nullable=False),
        sa.Column("answers", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["survey_id"],
            ["surveys.survey_id"],
            name="fk_survey_responses_survey_id_surveys",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("response_id", name="pk_survey_responses"),
    )
    op.create_index("ix_survey_responses_survey_id", "survey_responses", ["survey_id", "wave"])
    op.create_index("ix_survey_responses_community_id", "survey_responses", ["community_id"])


def downgrade() -> None:
    """Drop both tables (the answers with them)."""
    op.drop_index("ix_survey_responses_community_id", table_name="survey_responses")
    op.drop_index("ix_survey_responses_survey_id", table_name="survey_responses")
    op.drop_table("survey_responses")
    op.drop_table("surveys")

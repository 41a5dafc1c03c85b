"""Engagements and commitments stored on both backends: a CLA records a visit with a concern and a commitment,
the field officer closes it with feedback, the board lists overdue first, every step is dated and attributed, and
nobody acts on or sees another area's communities (an id from elsewhere answers as if it did not exist)."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from sqlalchemy import Engine, insert, select

from pochub.core.models.access import Role, User
from pochub.core.models.alerts import Feedback, FeedbackChannel
from pochub.core.models.taxonomy import ThreatType
from pochub.core.perspectives.engagements import (
    AgeGroup,
    Commitment,
    CommitmentAction,
    CommitmentStatus,
    Concern,
    Engagement,
    EngagementKind,
    Sex,
)
from pochub.errors import Forbidden, InvalidInput, InvalidTransition, NotFound
from pochub.services import engagements
from pochub.store import tables

CLA = User(1, "cla.beni", Role.CLA, field_office="Beni", area_pcodes=("CD61",))
OFFICER = User(2, "fo.beni", Role.FIELD_OFFICER, field_office="Beni", area_pcodes=("CD61",))
OTHER = User(3, "cla.bunia", Role.CLA, field_office="Bunia", area_pcodes=("CD54",))
ADVISER = User(4, "adviser", Role.POC_ADVISER)
VIEWER = User(5, "viewer", Role.VIEWER)
NOW = datetime(2026, 5, 10, 12, tzinfo=UTC)


@pytest.fixture
def mission(engine: Engine) -> Engine:
    with engine.begin() as conn:
        conn.execute(
            insert(tables.communities),
            [
                {
                    "community_id": "C1",
                    "name": "Mavivi",
                    "latitude": 0.4,
                    "longitude": 29.4,
                    "pcode": "CD6101",
                },
                {
                    "community_id": "C2",
                    "name": "Bunia",
                    "latitude": 1.6,
                    "longitude": 30.2,
                    "pcode": "CD5401",
                },
            ],
        )
    return engine


def _visit(community: str = "C1", *commitments: Commitment) -> Engagement:
    return Engagement(
        community, EngagementKind.VISIT, datetime(2026, 5, 2, 9, tzinfo=UTC), ("CLA Beni",),
        {(Sex.FEMALE, AgeGroup.ADULT): 9, (Sex.MALE, AgeGroup.OLDER): 4},
        (Concern(ThreatType.ABDUCTION, "road to the fields", "men from the hills"),),
        ("a patrol on market days",),
        commitments or (Commitment("Night patrol on the market road", "Field office Beni", date(2026, 5, 8)),),
    )  # fmt: skip


def test_a_visit_with_a_commitment_is_closed_with_feedback(mission: Engine) -> None:
    engagement_id = engagements.record_engagement(mission, CLA, _visit(), now=NOW)
    [record] = engagements.community_engagements(mission, OFFICER, "C1")
    assert record.engagement_id == engagement_id and record.recorded_by == "cla.beni"
    assert (
        record.engagement.participant_total == 13
        and record.engagement.concerns[0].threat_type is ThreatType.ABDUCTION
    )
    [commitment] = record.commitments
    assert commitment.overdue  # due on 8 May, still open
    board = engagements.commitments_board(mission, OFFICER, today=date(2026, 5, 10))
    assert [r.commitment_id for r in board] == [commitment.commitment_id]

    engagements.act_on_commitment(
        mission,
        OFFICER,
        commitment.commitment_id,
        CommitmentAction.DELIVER,
        outcome="Patrols since 9 May",
        now=NOW,
    )
    with pytest.raises(InvalidInput, match="only with the feedback"):
        engagements.act_on_commitment(
            mission, OFFICER, commitment.commitment_id, CommitmentAction.CLOSE, now=NOW
        )
    told = Feedback(FeedbackChannel.COMMUNITY_MEETING, "Patrols pass the market road at night now.", NOW)
    closed = engagements.act_on_commitment(
        mission, OFFICER, commitment.commitment_id, CommitmentAction.CLOSE, feedback=told, now=NOW
    )
    assert closed.status is CommitmentStatus.CLOSED
    assert engagements.commitments_board(mission, OFFICER, today=date(2026, 5, 10)) == []
    [shown] = engagements.commitments_board(mission, ADVISER, today=date(2026, 5, 10), include_closed=True)
    assert shown.commitment.feedback is not None and shown.commitment.feedback.message.startswith(
        "Patrols pass"
    )
    with pytest.raises(InvalidTransition):
        engagements.act_on_commitment(
            mission, OFFICER, commitment.commitment_id, CommitmentAction.START, now=NOW
        )
    with mission.connect() as conn:
        steps = conn.execute(
            select(tables.commitment_steps.c.action, tables.commitment_steps.c.actor).order_by(
                tables.commitment_steps.c.step_id
            )
        ).all()
        audited = conn.execute(
            select(tables.audit_log.c.entity).where(tables.audit_log.c.action == "write")
        ).scalars()
        assert sorted(set(audited)) == ["commitment", "engagement"]
    assert [tuple(s) for s in steps] == [("made", "cla.beni"), ("deliver", "fo.beni"), ("close", "fo.beni")]


def test_the_board_puts_overdue_first_then_awaiting_feedback(mission: Engine) -> None:
    engagements.record_engagement(
        mission, CLA,
        _visit("C1", Commitment("Later", "FO", date(2026, 6, 30)), Commitment("Late", "FO", date(2026, 5, 5)),
               Commitment("Told soon", "FO", date(2026, 6, 1))),
        now=NOW,
    )  # fmt: skip
    board = engagements.commitments_board(mission, CLA, today=date(2026, 5, 10))
    told_soon = next(r for r in board if r.commitment.what == "Told soon")
    engagements.act_on_commitment(
        mission, CLA, told_soon.commitment_id, CommitmentAction.GIVE_UP, outcome="No boat", now=NOW
    )
    order = [r.commitment.what for r in engagements.commitments_board(mission, CLA, today=date(2026, 5, 10))]
    assert order == ["Late", "Told soon", "Later"]


def test_no_one_reaches_another_areas_community(mission: Engine) -> None:
    engagements.record_engagement(mission, CLA, _visit(), now=NOW)
    with pytest.raises(NotFound):
        engagements.record_engagement(mission, OTHER, _visit("C1"), now=NOW)
    with pytest.raises(NotFound):
        engagements.community_engagements(mission, OTHER, "C1")
    assert engagements.commitments_board(mission, OTHER, today=date(2026, 5, 10)) == []
    [record] = engagements.commitments_board(mission, CLA, today=date(2026, 5, 10))
    # an id from another area answers exactly as an id that does not exist
    with pytest.raises(NotFound) as elsewhere:
        engagements.act_on_commitment(mission, OTHER, record.commitment_id, CommitmentAction.START, now=NOW)
    with pytest.raises(NotFound) as missing:
        engagements.act_on_commitment(mission, OTHER, 99999, CommitmentAction.START, now=NOW)
    assert str(elsewhere.value).replace(str(record.commitment_id), "N") == str(missing.value).replace(
        "99999", "N"
    )
    with pytest.raises(Forbidden):
        engagements.record_engagement(mission, VIEWER, _visit(), now=NOW)
    with pytest.raises(Forbidden):
        engagements.act_on_commitment(mission, VIEWER, record.commitment_id, CommitmentAction.START, now=NOW)

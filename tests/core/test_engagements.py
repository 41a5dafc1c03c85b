"""Engagements and commitments: the commitment's transition table refuses every illegal step, closing needs
feedback, overdue and awaiting-feedback are what a board needs, and an engagement is checked as a person would."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from pochub.core.models.access import Role
from pochub.core.models.alerts import Feedback, FeedbackChannel
from pochub.core.models.taxonomy import ThreatType
from pochub.core.perspectives.engagements import (
    ENGAGING_ROLES,
    TRANSITIONS,
    AgeGroup,
    Commitment,
    CommitmentAction,
    CommitmentStatus,
    Concern,
    Engagement,
    EngagementKind,
    Sex,
    check_engagement,
    commitment_step,
)
from pochub.errors import Forbidden, InvalidInput, InvalidTransition

TOLD = Feedback(
    FeedbackChannel.COMMUNITY_MEETING,
    "The patrol now passes the market on Thursdays.",
    datetime(2026, 5, 2, tzinfo=UTC),
)
PROMISE = Commitment("Night patrol on the market road", "Field office Beni", date(2026, 4, 30))


def _act(commitment: Commitment, action: CommitmentAction, role: Role = Role.CLA) -> Commitment:
    return commitment_step(commitment, action, role, outcome="done as agreed", feedback=TOLD)


def test_a_commitment_is_kept_and_closed_with_feedback() -> None:
    started = _act(PROMISE, CommitmentAction.START)
    delivered = _act(started, CommitmentAction.DELIVER)
    assert delivered.awaiting_feedback() and not delivered.overdue(date(2026, 6, 1))
    with pytest.raises(InvalidInput, match="only with the feedback"):
        commitment_step(delivered, CommitmentAction.CLOSE, Role.FIELD_OFFICER)
    closed = commitment_step(delivered, CommitmentAction.CLOSE, Role.FIELD_OFFICER, feedback=TOLD)
    assert (
        closed.status is CommitmentStatus.CLOSED
        and closed.feedback == TOLD
        and not closed.awaiting_feedback()
    )


def test_giving_up_also_needs_a_reason_and_feedback() -> None:
    with pytest.raises(InvalidInput, match="why the commitment cannot be kept"):
        commitment_step(PROMISE, CommitmentAction.GIVE_UP, Role.POC_ADVISER)
    given_up = commitment_step(
        PROMISE, CommitmentAction.GIVE_UP, Role.POC_ADVISER, outcome="No troops this season"
    )
    assert given_up.status is CommitmentStatus.CANNOT_KEEP and given_up.awaiting_feedback()
    assert PROMISE.overdue(date(2026, 5, 1)) and not given_up.overdue(date(2026, 5, 1))


def test_roles_that_do_not_engage_are_refused() -> None:
    for role in set(Role) - ENGAGING_ROLES:
        with pytest.raises(Forbidden):
            _act(PROMISE, CommitmentAction.START, role)


@given(
    st.sampled_from(list(CommitmentStatus)),
    st.sampled_from(list(CommitmentAction)),
    st.sampled_from(sorted(ENGAGING_ROLES)),
)
def test_no_illegal_step_is_accepted(status: CommitmentStatus, action: CommitmentAction, role: Role) -> None:
    commitment = Commitment("x", "post", date(2026, 1, 1), status)
    if (status, action) in TRANSITIONS:
        after = _act(commitment, action, role)
        assert after.status is TRANSITIONS[(status, action)]
    else:
        with pytest.raises(InvalidTransition):
            _act(commitment, action, role)


@given(st.lists(st.sampled_from(list(CommitmentAction)), max_size=8))
def test_closed_is_reached_only_through_feedback_and_is_final(actions: list[CommitmentAction]) -> None:
    commitment = PROMISE
    for action in actions:
        try:
            commitment = _act(commitment, action)
        except InvalidTransition:
            continue
        if commitment.status is CommitmentStatus.CLOSED:
            assert commitment.feedback is not None
    if commitment.status is CommitmentStatus.CLOSED:
        for action in CommitmentAction:
            with pytest.raises(InvalidTransition):
                _act(commitment, action)


def _visit(**changes: object) -> Engagement:
    values: dict[str, object] = {
        "community_id": "C-0001",
        "kind": EngagementKind.FOCUS_GROUP,
        "held_on": datetime(2026, 4, 20, 10, tzinfo=UTC),
        "mission_posts": ("CLA Beni",),
        "participants": {(Sex.FEMALE, AgeGroup.ADULT): 12, (Sex.FEMALE, AgeGroup.OLDER): 3},
        "concerns": (Concern(ThreatType.ABDUCTION, "road to the fields", "the armed group from the hills"),),
        "commitments": (PROMISE,),
    }
    values.update(changes)
    return Engagement(**values)  # type: ignore[arg-type]


def test_an_engagement_is_checked_as_a_person_would() -> None:
    assert check_engagement(_visit(), date(2026, 4, 21)).participant_total == 15
    for changes, reason in (
        ({"held_on": datetime(2026, 5, 1, tzinfo=UTC)}, "once it has taken place"),
        ({"mission_posts": (" ",)}, "at least one mission post"),
        ({"participants": {}}, "count the participants"),
        ({"participants": {(Sex.MALE, AgeGroup.CHILD): -1, (Sex.MALE, AgeGroup.ADULT): 4}}, "whole numbers"),
        ({"commitments": (Commitment("Patrol", "", date(2026, 5, 1)),)}, "which post owns it"),
        ({"commitments": (Commitment("Patrol", "FO", date(2026, 4, 1)),)}, "due before the engagement"),
    ):
        with pytest.raises(InvalidInput, match=reason):
            check_engagement(_visit(**changes), date(2026, 4, 21))

"""Joint teams in the core: composition flagged, the lifecycle as a transition table refusing illegal steps."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from pochub.core.models.access import Role
from pochub.core.models.taxonomy import ThreatType
from pochub.core.teams.missions import (
    TRANSITIONS,
    Component,
    Finding,
    Findings,
    Member,
    Origin,
    Plan,
    Team,
    TeamAction,
    TeamKind,
    TeamStatus,
    check_request,
    component_of_post,
    missing_components,
    team_step,
)
from pochub.errors import Forbidden, InvalidInput, InvalidTransition

PLAN = Plan(datetime(2026, 12, 1, 6, tzinfo=UTC), "BASE-1", "UNIT-1", 2.5, "dry")
FINDINGS = Findings(
    (Finding(ThreatType.ABDUCTION, "the men from the hills"),), ("water",), ("patrol the market",)
)


def team(status: TeamStatus = TeamStatus.REQUESTED, members: tuple[Member, ...] = ()) -> Team:
    return Team(
        TeamKind.JPT, Origin.THREAT, "KT01|abduction", "C1", "hear the threats",
        members or (Member(Component.CIVIL_AFFAIRS, "ca"), Member(Component.FORCE, "fc")), status,
    )  # fmt: skip


def test_missing_components_are_flagged_by_kind() -> None:
    members = (Member(Component.CIVIL_AFFAIRS, "ca"), Member(Component.FORCE, "fc"))
    assert missing_components(TeamKind.JPT, members) == (
        Component.HUMAN_RIGHTS, Component.CHILD_PROTECTION, Component.UNPOL, Component.CLA,
    )  # fmt: skip
    assert Component.CLA not in missing_components(TeamKind.JAM, members)
    assert missing_components(TeamKind.JAM, tuple(Member(c, c.value) for c in Component)) == ()


def test_posts_map_to_components() -> None:
    assert component_of_post("chief_civil_affairs", "civilian") is Component.CIVIL_AFFAIRS
    assert component_of_post("director_human_rights", "civilian") is Component.HUMAN_RIGHTS
    assert component_of_post("senior_child_protection_adviser", "civilian") is Component.CHILD_PROTECTION
    assert component_of_post("police_operations", "police") is Component.UNPOL
    assert component_of_post("force_u3", "military") is Component.FORCE
    assert component_of_post("chief_joc", "civilian") is None


def test_a_full_lifecycle() -> None:
    t = team_step(team(), TeamAction.PLAN, Role.POC_ADVISER, plan=PLAN)
    t = team_step(t, TeamAction.DEPLOY, Role.FIELD_OFFICER)
    t = team_step(t, TeamAction.REPORT, Role.FIELD_OFFICER, findings=FINDINGS)
    t = team_step(t, TeamAction.CLOSE, Role.ADMIN)
    assert t.status is TeamStatus.CLOSED and t.plan == PLAN and t.findings == FINDINGS


def test_refusals() -> None:
    with pytest.raises(Forbidden):
        team_step(team(), TeamAction.PLAN, Role.VIEWER, plan=PLAN)
    with pytest.raises(InvalidInput):
        team_step(team(), TeamAction.PLAN, Role.ADMIN)
    with pytest.raises(InvalidInput):
        team_step(team(TeamStatus.DEPLOYED), TeamAction.REPORT, Role.ADMIN, findings=Findings())
    with pytest.raises(InvalidInput):
        team_step(team(), TeamAction.CANCEL, Role.ADMIN, reason="  ")
    cancelled = team_step(team(), TeamAction.CANCEL, Role.ADMIN, reason="road cut")
    assert cancelled.cancel_reason == "road cut"
    with pytest.raises(InvalidInput):
        check_request(Team(TeamKind.JAM, Origin.ALERT, "A-1", "C1", "", (Member(Component.FORCE, "fc"),)))
    with pytest.raises(InvalidInput):
        check_request(Team(TeamKind.JAM, Origin.ALERT, "A-1", "C1", "assess", ()))


@given(st.sampled_from(list(TeamStatus)), st.sampled_from(list(TeamAction)))
def test_the_transition_table_decides_every_step(status: TeamStatus, action: TeamAction) -> None:
    before = team(status)
    allowed = (status, action) in TRANSITIONS
    try:
        after = team_step(before, action, Role.POC_ADVISER, plan=PLAN, findings=FINDINGS, reason="why")
    except InvalidTransition:
        assert not allowed
        assert before.status is status  # nothing changed
    else:
        assert allowed
        assert after.status is TRANSITIONS[(status, action)]
    # nothing leaves a closed or cancelled team
    if status in (TeamStatus.CLOSED, TeamStatus.CANCELLED):
        assert not allowed

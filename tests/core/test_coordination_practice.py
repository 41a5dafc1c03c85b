"""Forums and action points in the core: the action point's transition table refuses every illegal step, overdue
is monotone in time and escalation climbs the structure's path; attendance is checked against the terms of
reference; the agenda is drafted from plain data."""

from __future__ import annotations

from datetime import date, timedelta
from importlib import resources

import pytest
import yaml
from hypothesis import given
from hypothesis import strategies as st

from pochub.core.coordination_practice.actions import (
    ACTION_TRANSITIONS,
    ActionLinks,
    ActionPoint,
    ActionStatus,
    ActionStep,
    action_step,
    escalation_body,
    escalation_level,
)
from pochub.core.coordination_practice.agenda import (
    AgendaInputs,
    CoverageGap,
    OpenActionPoint,
    OverdueItem,
    RiskNow,
    draft_agenda,
)
from pochub.core.coordination_practice.forums import Decision, Meeting, attendance_check, check_meeting
from pochub.core.models.coordination import Structure
from pochub.core.workflow.structure import parse_structure
from pochub.errors import InvalidInput, InvalidTransition

STRUCTURE: Structure = parse_structure(
    yaml.safe_load(
        resources.files("pochub.structures")
        .joinpath("templates/poc_advisers_as_coordinators.yaml")
        .read_text("utf-8")
    )
)
POINT = ActionPoint(
    "Patrol the market road at night",
    "head_of_office_fo_north",
    date(2026, 5, 10),
    "field_poc_wg_north",
    links=ActionLinks(community_id="C-0001"),
)


@given(st.sampled_from(list(ActionStatus)), st.sampled_from(list(ActionStep)))
def test_no_illegal_transition_is_accepted(status: ActionStatus, step: ActionStep) -> None:
    point = ActionPoint("x", "poc_officer", date(2026, 1, 1), "mission_poc_wg", status=status)
    target = ACTION_TRANSITIONS.get((status, step))
    if target is None:
        with pytest.raises(InvalidTransition):
            action_step(point, step, note="because")
    else:
        assert action_step(point, step, note="because").status is target


@given(st.lists(st.sampled_from(list(ActionStep)), max_size=6))
def test_ended_points_never_move(steps: list[ActionStep]) -> None:
    point = POINT
    for step in steps:
        try:
            after = action_step(point, step, note="reason")
        except InvalidTransition:
            continue
        assert point.status not in (ActionStatus.DONE, ActionStatus.DROPPED)
        point = after


def test_a_drop_needs_a_reason() -> None:
    with pytest.raises(InvalidInput):
        action_step(POINT, ActionStep.DROP, note="  ")
    assert action_step(POINT, ActionStep.DROP, note="the road is closed").note == "the road is closed"


@given(st.integers(-30, 400), st.integers(0, 400), st.sampled_from(list(ActionStatus)))
def test_overdue_is_monotone_in_time(offset: int, later: int, status: ActionStatus) -> None:
    point = ActionPoint("x", "poc_officer", date(2026, 5, 10), "field_poc_wg_north", status=status)
    first = date(2026, 5, 10) + timedelta(days=offset)
    second = first + timedelta(days=later)
    if point.overdue(first):
        assert point.overdue(second)
    assert escalation_level(point, first) <= escalation_level(point, second)


def test_escalation_climbs_the_path_and_stops_at_its_top() -> None:
    assert escalation_body(POINT, STRUCTURE, date(2026, 5, 10)) is None
    assert escalation_body(POINT, STRUCTURE, date(2026, 5, 11)) == "mission_poc_wg"
    assert escalation_body(POINT, STRUCTURE, date(2026, 5, 18)) == "smg_protection"
    assert escalation_body(POINT, STRUCTURE, date(2026, 9, 1)) == "smg_protection"
    done = action_step(POINT, ActionStep.COMPLETE)
    assert escalation_body(done, STRUCTURE, date(2026, 9, 1)) is None


def test_attendance_flags_quorum_and_missing_components() -> None:
    check = attendance_check(
        STRUCTURE, "field_poc_wg_north", ("head_of_office_fo_north", "poc_focal_point_fo_north")
    )
    assert not check.quorate
    assert set(check.missing_components) == {"military", "police"}
    assert str(check.flags()[0]).startswith("no quorum: 2 member(s) present of 4")
    full = attendance_check(
        STRUCTURE,
        "field_poc_wg_north",
        (
            "head_of_office_fo_north",
            "civil_affairs_officer_fo_north",
            "sector_commander_fo_north",
            "police_sector_coordinator_fo_north",
            "poc_officer",
        ),
    )
    assert full.quorate and full.missing_components == () and full.others_present == ("poc_officer",)


def test_a_meeting_is_checked_as_a_secretariat_would() -> None:
    meeting = Meeting(
        "field_poc_wg_north",
        date(2026, 5, 1),
        ("Top risks",),
        ("head_of_office_fo_north",),
        (Decision("Patrol", (POINT,)),),
    )
    assert check_meeting(meeting, STRUCTURE, date(2026, 5, 2)).body_id == "field_poc_wg_north"
    with pytest.raises(InvalidInput):
        check_meeting(meeting, STRUCTURE, date(2026, 4, 30))
    other = ActionPoint("x", "poc_officer", date(2026, 5, 10), "mission_poc_wg")
    with pytest.raises(InvalidInput):
        check_meeting(
            Meeting("field_poc_wg_north", date(2026, 5, 1), (), ("poc_officer",), (Decision("d", (other,)),)),
            STRUCTURE,
            date(2026, 5, 2),
        )
    with pytest.raises(InvalidInput):
        check_meeting(
            Meeting("field_poc_wg_north", date(2026, 5, 1), (), ("nobody",)), STRUCTURE, date(2026, 5, 2)
        )
    late = ActionPoint("x", "poc_officer", date(2026, 4, 1), "field_poc_wg_north")
    with pytest.raises(InvalidInput):
        check_meeting(
            Meeting("field_poc_wg_north", date(2026, 5, 1), (), ("poc_officer",), (Decision("d", (late,)),)),
            STRUCTURE,
            date(2026, 5, 2),
        )


def test_the_agenda_orders_what_the_data_says() -> None:
    agenda = draft_agenda(
        AgendaInputs(
            "mission_poc_wg",
            date(2026, 5, 20),
            date(2026, 5, 6),
            risks=(
                RiskNow("a", "Attacks on villages", 7.0, 5.5),
                RiskNow("b", "Abductions", 8.2),
                RiskNow("c", "Looting", 3.0, 3.0),
            ),
            overdue_alerts=(OverdueItem("AL-1", "Kibo", 2), OverdueItem("AL-2", "Besu", 5)),
            open_action_points=(
                OpenActionPoint("AP-2", "late", "poc_officer", date(2026, 5, 1)),
                OpenActionPoint("AP-3", "soon", "poc_officer", date(2026, 6, 1)),
            ),
            coverage_gaps=(CoverageGap("Kibo", 100), CoverageGap("Besu", 900)),
        )
    )
    by_key = {item.key: item for item in agenda.items}
    assert [str(line) for line in by_key["risks"].lines] == [
        "Abductions: 8.2 (new since the last meeting)",
        "Attacks on villages: 7.0 (+1.5 since the last meeting)",
        "Looting: 3.0 (unchanged)",
    ]
    assert str(by_key["alerts"].lines[0]).startswith("AL-2")
    assert str(by_key["action_points"].lines[0]).endswith("overdue")
    assert str(by_key["coverage"].lines[0]) == "Besu: 900 people"
    assert by_key["commitments"].lines == ()
    assert "coverage" not in {
        i.key for i in draft_agenda(AgendaInputs("mission_poc_wg", date(2026, 5, 20))).items
    }

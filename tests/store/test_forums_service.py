"""Forums and action points stored on both backends, from the demo mission: a PoC adviser records a field forum's
meeting (quorum and missing components flagged), a decision gives an action point owned by a field office's post;
it becomes overdue and escalates once per body through the outbox; its owner starts and completes it and the
board follows; the next agenda is drafted from the data; a checklist assessment's measures become action points
and a re-assessment is compared task by task; roles that may not act are refused."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import Engine, select

from pochub.core.coordination_practice.actions import ActionLinks, ActionPoint, ActionStatus, ActionStep
from pochub.core.coordination_practice.forums import Decision, Meeting
from pochub.core.models.access import Role, User
from pochub.core.toolkit.checklist import Answer, assess
from pochub.errors import Forbidden, InvalidInput, InvalidTransition, NotFound
from pochub.services import action_points, forums
from pochub.store import tables
from tests.worker_passes import OnePass

ADVISER = User(1, "adviser", Role.POC_ADVISER)
VIEWER = User(2, "viewer", Role.VIEWER)
OWNER = User(3, "ho.besu", Role.FIELD_OFFICER, field_office="fo_besu", area_pcodes=("KT02",),
             structure_role="head_of_office_fo_besu")  # fmt: skip
SECRETARIAT = User(4, "fp.besu", Role.FIELD_OFFICER, field_office="fo_besu", area_pcodes=("KT02",),
                   structure_role="poc_focal_point_fo_besu")  # fmt: skip
ELSEWHERE = User(5, "fo.kimundaro", Role.FIELD_OFFICER, field_office="fo_kimundaro", area_pcodes=("KT04",),
                 structure_role="head_of_office_fo_kimundaro")  # fmt: skip
PARTNER = User(6, "partner", Role.PARTNER)
BODY = "field_poc_wg_besu"
HELD = datetime(2026, 3, 2, 10, tzinfo=UTC)


def _meeting(due: date) -> Meeting:
    point = ActionPoint(
        "Night patrols on the Besu market road", "head_of_office_fo_besu", due, BODY,
        links=ActionLinks(threat_key="KT02|attack|armed group"),
    )  # fmt: skip
    return Meeting(
        BODY, HELD.date(), ("Top risks", "Open action points"),
        ("head_of_office_fo_besu", "poc_focal_point_fo_besu", "civil_affairs_officer_fo_besu"),
        (Decision("Patrols at night on market days", (point,)),),
    )  # fmt: skip


def test_a_forum_decides_and_its_action_point_is_followed_to_closure(demo_engine: Engine) -> None:
    meeting_id = forums.record_meeting(demo_engine, ADVISER, _meeting(date(2026, 3, 9)), now=HELD)
    recorded = forums.meeting(demo_engine, ADVISER, meeting_id)
    assert not recorded.check.quorate  # three of seven, quorum four
    assert set(recorded.check.missing_components) == {"military", "police"}
    (point,) = recorded.decisions[0].action_points
    board = action_points.action_points_board(demo_engine, OWNER, owner_post="head_of_office_fo_besu",
                                              today=date(2026, 3, 10))  # fmt: skip
    assert point.action_point_id in [r.action_point_id for r in board]
    assert next(r for r in board if r.action_point_id == point.action_point_id).overdue
    # another office's reader does not see it; a partner reads nothing
    with pytest.raises(NotFound):
        action_points.action_point(demo_engine, ELSEWHERE, point.action_point_id)
    with pytest.raises(Forbidden):
        action_points.action_points_board(demo_engine, PARTNER)
    # overdue: escalates along the path, once per body, through the outbox
    late = datetime(2026, 3, 11, 6, tzinfo=UTC)
    assert point.reference in action_points.escalate_overdue_action_points(demo_engine, now=late)
    assert point.reference not in action_points.escalate_overdue_action_points(demo_engine, now=late)
    weeks_later = datetime(2026, 3, 20, 6, tzinfo=UTC)
    assert point.reference in action_points.escalate_overdue_action_points(demo_engine, now=weeks_later)
    with demo_engine.connect() as conn:
        rows = conn.execute(
            select(tables.outbox.c.target, tables.outbox.c.payload).where(
                tables.outbox.c.kind == "action_point_escalated"
            )
        ).all()
    mine = [r.target for r in rows if json.loads(r.payload)["action_point"] == point.reference]
    assert mine == ["mission_poc_wg", "smg_protection"]
    # only the owner or an adviser updates; the table refuses illegal steps
    with pytest.raises(Forbidden):
        action_points.update_action_point(demo_engine, SECRETARIAT, point.action_point_id, ActionStep.START)
    started = action_points.update_action_point(demo_engine, OWNER, point.action_point_id, ActionStep.START)
    assert started.point.status is ActionStatus.IN_PROGRESS
    with pytest.raises(InvalidTransition):
        action_points.update_action_point(demo_engine, OWNER, point.action_point_id, ActionStep.START)
    done = action_points.update_action_point(demo_engine, OWNER, point.action_point_id, ActionStep.COMPLETE,
                                             note="patrols held twice a week")  # fmt: skip
    assert done.point.status is ActionStatus.DONE and not done.overdue
    open_ids = [
        r.action_point_id for r in action_points.action_points_board(demo_engine, ADVISER, body_id=BODY)
    ]
    assert point.action_point_id not in open_ids
    steps = [
        s["action"] for s in action_points.action_point_steps(demo_engine, ADVISER, point.action_point_id)
    ]
    assert steps == ["made", "escalate", "escalate", "start", "complete"]


def test_who_may_record_a_meeting(demo_engine: Engine) -> None:
    with pytest.raises(Forbidden):
        forums.record_meeting(demo_engine, VIEWER, _meeting(date(2026, 3, 30)), now=HELD)
    with pytest.raises(Forbidden):
        forums.record_meeting(demo_engine, ELSEWHERE, _meeting(date(2026, 3, 30)), now=HELD)
    meeting_id = forums.record_meeting(demo_engine, SECRETARIAT, _meeting(date(2026, 3, 30)), now=HELD)
    assert meeting_id in [m.meeting_id for m in forums.body_meetings(demo_engine, VIEWER, BODY)]
    with pytest.raises(NotFound):
        forums.body_meetings(demo_engine, ELSEWHERE, BODY)
    with pytest.raises(InvalidInput):  # due before the meeting
        forums.record_meeting(demo_engine, ADVISER, _meeting(date(2026, 3, 1)), now=HELD)


def test_the_next_agenda_is_drafted_from_the_data(demo_engine: Engine) -> None:
    forums.record_meeting(demo_engine, ADVISER, _meeting(date(2026, 12, 30)), now=HELD)
    agenda = forums.draft_next_agenda(demo_engine, ADVISER, BODY, meeting_on=date(2026, 4, 1),
                                      now=datetime(2026, 4, 1, tzinfo=UTC))  # fmt: skip
    keys = [item.key for item in agenda.items]
    assert keys == ["risks", "alerts", "commitments", "action_points", "reviews"]
    assert agenda.last_meeting_on == HELD.date()
    points = next(i for i in agenda.items if i.key == "action_points")
    assert any("Night patrols" in str(line) for line in points.lines)


def test_checklist_measures_become_action_points_and_reassessments_are_compared(demo_engine: Engine) -> None:
    structure = forums.forum_structure(demo_engine)
    first = assess([], date(2026, 1, 15), structure=structure)
    recorded = action_points.record_checklist_assessment(
        demo_engine, ADVISER, first, body_id="mission_poc_wg", now=datetime(2026, 1, 15, tzinfo=UTC)
    )
    assert recorded.previous_as_of is None and recorded.action_points
    assert all(c.previous_score is None for c in recorded.changes)
    key = first.tasks[0].items[0].question.key
    second = assess([Answer(key, "yes", "done")], date(2026, 3, 15), structure=structure)
    again = action_points.record_checklist_assessment(
        demo_engine, ADVISER, second, body_id="mission_poc_wg", now=datetime(2026, 3, 15, tzinfo=UTC)
    )
    assert again.previous_as_of == date(2026, 1, 15)
    assert not again.action_points  # the open measures already have their action points
    task = next(c for c in again.changes if c.task == first.tasks[0].task.key)
    if first.tasks[0].items[0].status != "yes":
        assert key in task.improved and (task.change or 0) > 0
    with pytest.raises(Forbidden):
        action_points.record_checklist_assessment(demo_engine, VIEWER, second, body_id="mission_poc_wg")


def test_the_escalation_worker_escalates_action_points_beside_alerts(demo_engine: Engine) -> None:
    from pochub.config import Settings
    from pochub.services.workers import run_escalation

    meeting_id = forums.record_meeting(demo_engine, ADVISER, _meeting(date(2026, 3, 3)), now=HELD)
    (point,) = forums.meeting(demo_engine, ADVISER, meeting_id).decisions[0].action_points
    url = demo_engine.url.render_as_string(hide_password=False)
    run_escalation(demo_engine, Settings(database_url=url, workers=False), OnePass())
    after = action_points.action_point(demo_engine, ADVISER, point.action_point_id)
    assert after.escalated_to == "smg_protection"  # months late: the top of the path


def test_action_points_opened_and_ended_in_a_week(demo_engine: Engine) -> None:
    monday = datetime(2026, 4, 6, tzinfo=UTC)
    meeting = Meeting(BODY, date(2026, 4, 7), (), ("head_of_office_fo_besu",),
                      (Decision("d", (ActionPoint("Weekly count", "head_of_office_fo_besu", date(2026, 4, 8), BODY),)),))  # fmt: skip
    meeting_id = forums.record_meeting(demo_engine, ADVISER, meeting, now=monday + timedelta(days=1))
    (point,) = forums.meeting(demo_engine, ADVISER, meeting_id).decisions[0].action_points
    action_points.update_action_point(demo_engine, ADVISER, point.action_point_id, ActionStep.COMPLETE,
                                      now=monday + timedelta(days=3))  # fmt: skip
    week = action_points.action_points_in_period(demo_engine, ADVISER, monday, monday + timedelta(days=7))
    assert point.action_point_id in {r.action_point_id for r in week.opened}
    assert point.action_point_id in {r.action_point_id for r in week.done}
    before = action_points.action_points_in_period(demo_engine, ADVISER, monday - timedelta(days=7), monday)
    assert point.action_point_id not in {r.action_point_id for r in (*before.opened, *before.done)}

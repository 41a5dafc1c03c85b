"""The demo mission's quarter of forums (issue 17, item 7): the PoC working group every fortnight and each field
forum every month over the last quarter, with attendance (some meetings without quorum or missing a component),
decisions and action points in every state (open, in progress, done, dropped, overdue and escalated), and the
checklist assessed twice (its measures made action points, the second compared with the first).
"""

from __future__ import annotations

import random
from datetime import UTC, datetime, time, timedelta

from sqlalchemy import Engine, func, select

from pochub.core.coordination_practice.actions import ActionLinks, ActionPoint, ActionStep
from pochub.core.coordination_practice.forums import Decision, Meeting
from pochub.core.models.access import Role, User
from pochub.core.models.coordination import Structure
from pochub.core.toolkit.checklist import Answer, assess
from pochub.errors import InvalidInput
from pochub.services import action_points
from pochub.services.forums import forum_structure, record_meeting
from pochub.services.threats import assess as assess_threats
from pochub.store import tables

DEMO_SECRETARIAT = User(0, "demo.secretariat", Role.POC_ADVISER, display_name="PoC working group secretariat")

DECISIONS = (
    ("Reinforce night patrols on the market road on market days", "Night patrols on market days"),
    ("Ask the community alert network to test its phones weekly", "Weekly phone test with the alert network"),
    ("Send a joint protection team to the displaced site", "Joint protection team visit planned"),
    ("Brief the local authorities on the early warning indicators", "Briefing of the local authorities"),
    ("Review the escort arrangements for the road to the mine", "Escort arrangements reviewed"),
)


def create_demo_forums(engine: Engine, *, seed: int = 1, now: datetime | None = None) -> dict[str, int]:
    """Record the demo quarter of forums (idempotent: nothing is written when meetings exist); counts written."""
    with engine.connect() as conn:
        if conn.execute(select(func.count()).select_from(tables.meetings)).scalar_one():
            return {"meetings": 0, "action_points": 0}
    moment = now or datetime.now(UTC)
    today = moment.date()
    rng = random.Random(seed)
    structure = forum_structure(engine)
    plan: list[tuple[str, int]] = []
    if structure.body("mission_poc_wg") is not None:
        plan += [("mission_poc_wg", days) for days in range(84, 0, -14)]
    plan += [(b.id, days) for b in structure.bodies if b.field_office for days in (80, 50, 20)]
    top_rows = _top_rows(engine, structure)
    meetings = points = 0
    made: list[int] = []
    for number, (body_id, days_ago) in enumerate(plan):
        body = structure.body(body_id)
        assert body is not None
        held = today - timedelta(days=days_ago)
        members = list(dict.fromkeys(body.member_roles))
        present = members if number % 4 else members[: max(1, body.quorum or 2) - 1]  # every 4th: no quorum
        decisions = []
        for text, what in rng.sample(DECISIONS, 2):
            owner = body.chair if body.field_office else rng.choice(members)
            due = held + timedelta(days=rng.choice((7, 14, 21, 45)))
            row = top_rows.get(body_id, "")  # every other meeting's points address the body's top risk
            links = ActionLinks(threat_key=row) if row and not number % 2 else ActionLinks()
            decisions.append(Decision(text, (ActionPoint(what, owner, due, body_id, links=links),)))
        meeting = Meeting(
            body_id, held, ("Top risks and changes since the last meeting", "Overdue alerts", "Open action points"),
            tuple(present), tuple(decisions),
        )  # fmt: skip
        meeting_id = record_meeting(
            engine, DEMO_SECRETARIAT, meeting, now=datetime.combine(held, time(10), UTC)
        )
        meetings += 1
        with engine.connect() as conn:
            made += [
                r.action_point_id
                for r in conn.execute(
                    select(tables.action_points.c.action_point_id)
                    .join(
                        tables.decisions, tables.decisions.c.decision_id == tables.action_points.c.decision_id
                    )
                    .where(tables.decisions.c.meeting_id == meeting_id)
                )
            ]
    # every state: the oldest ones done or dropped, some started, the rest left open (the late ones overdue)
    for index, action_point_id in enumerate(made):
        step_at = moment - timedelta(days=max(1, len(made) - index))
        if index % 5 == 0:
            action_points.update_action_point(engine, DEMO_SECRETARIAT, action_point_id, ActionStep.COMPLETE,
                                              note="done as decided", now=step_at)  # fmt: skip
        elif index % 7 == 1:
            action_points.update_action_point(engine, DEMO_SECRETARIAT, action_point_id, ActionStep.DROP,
                                              note="overtaken by events", now=step_at)  # fmt: skip
        elif index % 3 == 0:
            action_points.update_action_point(engine, DEMO_SECRETARIAT, action_point_id, ActionStep.START,
                                              now=step_at)  # fmt: skip
        points += 1
    action_points.escalate_overdue_action_points(engine, now=moment, worker="demo")
    if structure.body("mission_poc_wg") is not None:
        first = assess([], today - timedelta(days=90), structure=structure)
        action_points.record_checklist_assessment(
            engine, DEMO_SECRETARIAT, first, body_id="mission_poc_wg", now=moment - timedelta(days=90)
        )
        improved = [
            Answer(item.question.key, "yes", "done since the last assessment")
            for task in first.tasks[:3]
            for item in task.items[:1]
        ]
        second = assess(improved, today - timedelta(days=5), structure=structure)
        action_points.record_checklist_assessment(
            engine, DEMO_SECRETARIAT, second, body_id="mission_poc_wg", now=moment - timedelta(days=5)
        )
    return {"meetings": meetings, "action_points": points}


def _top_rows(engine: Engine, structure: Structure) -> dict[str, str]:
    """The key of each body's top risk: the highest row of the threat matrix in the body's area (its own area, else
    its field office's, else the whole mission); none when the matrix has no row there."""
    try:
        records = assess_threats(engine, level=2).records
    except InvalidInput:
        return {}
    found: dict[str, str] = {}
    for body in structure.bodies:
        office = structure.field_office(body.field_office) if body.field_office else None
        areas = body.area_pcodes or (office.area_pcodes if office is not None else ())
        row = next((r for r in records if not areas or r.area_pcode.startswith(areas)), None)
        if row is not None:
            found[body.id] = row.key
    return found

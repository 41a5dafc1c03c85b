"""`pochub actions escalate` (issue 17, item 2), both backends, on the demo mission: a PoC working group decision's
action point owned by a field office's post, due two days ago, is escalated by one pass to the senior management
group (one outbox notification, one step by the command line), and not again by the next pass; the count is said
in French too."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import Engine, select

from pochub.core.coordination_practice.actions import ActionPoint
from pochub.core.coordination_practice.forums import Decision, Meeting
from pochub.core.models.access import Role, User
from pochub.services import forums
from pochub.store import tables

ADVISER = User(1, "adviser.esc", Role.POC_ADVISER)


def test_one_escalation_pass_on_the_command_line(cli: Any, demo_engine: Engine) -> None:
    today = datetime.now(UTC).date()
    held = today - timedelta(days=9)
    point = ActionPoint(
        "Agree the escort for the market road (escalation test)", "head_of_office_fo_besu",
        today - timedelta(days=2), "mission_poc_wg",
    )  # fmt: skip
    structure = forums.forum_structure(demo_engine)
    body = structure.body("mission_poc_wg")
    assert body is not None
    meeting_id = forums.record_meeting(
        demo_engine, ADVISER,
        Meeting("mission_poc_wg", held, ("Open action points",), body.member_roles, (Decision("Escort", (point,)),)),
    )  # fmt: skip
    (number,) = [
        p.action_point_id for p in forums.meeting(demo_engine, ADVISER, meeting_id).decisions[0].action_points
    ]
    db = ("--database", demo_engine.url.render_as_string(hide_password=False))

    first = cli(*db, "actions", "escalate")
    assert first.code == 0, first.err
    assert f"AP-{number}" in first.out.split()
    second = cli(*db, "actions", "escalate", "--language", "fr")
    assert second.code == 0 and f"AP-{number}" not in second.out.split()
    assert "point(s) d'action en retard remonté(s)" in second.err
    with demo_engine.connect() as conn:
        outbox = conn.execute(
            select(tables.outbox.c.kind, tables.outbox.c.target, tables.outbox.c.payload).where(
                tables.outbox.c.dedupe_key.like(f"action_point:{number}:%")
            )
        ).all()
        steps = conn.execute(
            select(tables.action_point_steps.c.action, tables.action_point_steps.c.actor).where(
                tables.action_point_steps.c.action_point_id == number
            )
        ).all()
    assert [(o.kind, o.target) for o in outbox] == [("action_point_escalated", "smg_protection")]
    assert json.loads(outbox[0].payload)["owner_post"] == "head_of_office_fo_besu"
    assert ("escalate", "cli") in {(s.action, s.actor) for s in steps}

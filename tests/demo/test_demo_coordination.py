"""The demo mission's coordination practice (issue 17, item 7) as people use it, on both backends: demo sign-ins hold
posts of the structure (the adviser the senior PoC adviser's, `head` the first field office's head of office), so
the head of office closes an action point their post owns; the demo teams stand away from the bases, so their
plans travel (more than 0.0 h); a team's recommendations are action points linked to it; the action points that
address a threat name a row of the threat matrix; and the same seed gives the same mission."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, select

from pochub.config import Settings
from pochub.core.coordination_practice.actions import ActionStatus, ActionStep
from pochub.core.models.access import Role, User
from pochub.core.threats.keys import parse_threat_key
from pochub.services.access import get_user
from pochub.services.action_points import action_points_board, update_action_point
from pochub.services.demo_forums import create_demo_forums
from pochub.services.demo_mission import DemoAccount, create_demo_accounts, load_demo
from pochub.services.demo_teams import create_demo_teams
from pochub.services.joint_teams import list_teams
from pochub.services.structures import require_structure
from pochub.services.threats import assess
from pochub.store import tables
from pochub.store.database import connect, upgrade

NOW = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
ADMIN = User(0, "demo.check", Role.ADMIN)


def _build(engine: Engine) -> tuple[list[DemoAccount], dict[str, int], dict[str, int]]:
    load_demo(engine, Settings(), seed=2, n_communities=150, n_events=400)
    accounts = create_demo_accounts(engine, require_structure(engine).field_offices[0].id)
    return accounts, create_demo_teams(engine, seed=2, now=NOW), create_demo_forums(engine, seed=2, now=NOW)


def _summary(engine: Engine) -> tuple[Any, ...]:
    """What the demo made that the seed decides: its teams and its action points."""
    teams = tuple(
        (r.team_id, r.team.community_id, r.team.status.value, r.team.plan.escort_unit if r.team.plan else None,
         r.team.plan.travel_hours if r.team.plan else None)
        for r in list_teams(engine, ADMIN)
    )  # fmt: skip
    p = tables.action_points.c
    with engine.connect() as conn:
        points = tuple(
            conn.execute(
                select(
                    p.action_point_id, p.body_id, p.owner_post, p.status, p.threat_key, p.team_id, p.due
                ).order_by(p.action_point_id)
            ).all()
        )
    return teams, points


def test_the_demo_holds_owners_travelling_teams_and_linked_action_points(
    engine: Engine, tmp_path: Path
) -> None:
    accounts, teams, forums = _build(engine)
    office = require_structure(engine).field_offices[0].id
    posts = {a.username: a.post for a in accounts}
    assert posts["head"] == f"head_of_office_{office}" and posts["adviser"] == "senior_poc_adviser"
    head = get_user(engine, "head")
    assert (head.role, head.field_office, head.structure_role) == (Role.FIELD_OFFICER, office, posts["head"])
    assert get_user(engine, "adviser").structure_role == "senior_poc_adviser"

    # the head of office closes an action point their post owns (a field forum of their office gave it)
    own = action_points_board(engine, head, owner_post=head.structure_role, today=NOW.date())
    assert own, "the demo gives the head of office action points"
    closed = update_action_point(
        engine, head, own[0].action_point_id, ActionStep.COMPLETE, note="done", now=NOW
    )
    assert closed.point.status is ActionStatus.DONE

    # the teams deployed travel to communities away from the bases
    assert teams == {"deployed": 2, "requested": 1, "action_points": 2}
    planned = [r.team.plan for r in list_teams(engine, ADMIN) if r.team.plan is not None]
    assert len(planned) == 2 and all(plan.travel_hours > 0 for plan in planned), planned

    # a team's recommendations are action points linked to it; the others address a row of the matrix
    _, points = _summary(engine)
    linked = [row for row in points if row.team_id is not None]
    reported = {r.team_id for r in list_teams(engine, ADMIN) if r.team.findings is not None}
    assert len(linked) == teams["action_points"] and {row.team_id for row in linked} <= reported
    assert forums["action_points"] >= 6
    keys = {row.threat_key for row in points if row.threat_key}
    rows = {r.key for r in assess(engine, level=2).records}
    assert keys and all(parse_threat_key(key) is not None for key in keys) and keys <= rows

    # the same seed gives the same mission
    other = connect(f"sqlite:///{tmp_path / 'again.db'}")
    try:
        upgrade(other)
        _build(other)
        assert _summary(other)[0] == _summary(engine)[0]
        again = [(r.body_id, r.owner_post, r.threat_key, r.team_id, r.due) for r in _summary(other)[1]]
        assert again == [(r.body_id, r.owner_post, r.threat_key, r.team_id, r.due) for r in points]
    finally:
        other.dispose()

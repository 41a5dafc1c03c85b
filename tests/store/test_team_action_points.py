"""A joint team's recommendations become action points linked to the team (issue 17, items 2 and 3), both backends,
on the demo mission: a PoC adviser makes them action points of the PoC working group owned by a field office's post
(once: asking again makes none); the board, one action point and the team filter name the team to the readers who
may read it, and to no one else: the owner post of another area reads the action point but never the team (not its
number, not its page), another office's officer reads neither, a curious partner reads no action point at all.
Roles that do not run the body's meetings, teams the user may not read and teams that have not reported are
refused."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import Engine, select

from pochub.core.models.access import Role, User
from pochub.core.models.taxonomy import ThreatType
from pochub.core.teams.missions import Component, Finding, Findings, Member, Origin, Team, TeamKind
from pochub.errors import Forbidden, InvalidInput, NotFound
from pochub.services import action_points, joint_teams
from pochub.store import tables

ADVISER = User(1, "adviser.tap", Role.POC_ADVISER)
VIEWER = User(2, "viewer.tap", Role.VIEWER)
PARTNER = User(3, "partner.tap", Role.PARTNER)
OWNER = User(4, "ho.besu.tap", Role.FIELD_OFFICER, field_office="fo_besu", area_pcodes=("KT02",),
             structure_role="head_of_office_fo_besu")  # fmt: skip
BESU_SECRETARIAT = User(5, "fp.besu.tap", Role.FIELD_OFFICER, field_office="fo_besu", area_pcodes=("KT02",),
                        structure_role="poc_focal_point_fo_besu")  # fmt: skip
KIMUNDARO = User(6, "ho.kimundaro.tap", Role.FIELD_OFFICER, field_office="fo_kimundaro", area_pcodes=("KT04",),
                 structure_role="head_of_office_fo_kimundaro")  # fmt: skip
WG = "mission_poc_wg"
NOW = datetime(2026, 11, 20, 8, tzinfo=UTC)
DUE = date(2026, 12, 4)
RECOMMENDED = ("an alert network with the village committee", "patrols on the road to the fields")


def _community(engine: Engine, area: str) -> str:
    with engine.connect() as conn:
        found = (
            conn.execute(
                select(tables.communities.c.community_id)
                .where(tables.communities.c.pcode.like(f"{area}%"))
                .order_by(tables.communities.c.community_id)
            )
            .scalars()
            .first()
        )
    assert found is not None, area
    return found


def _reported_team(engine: Engine, area: str) -> int:
    """A team to a community of ``area``, planned, deployed and reported with two recommendations."""
    community = _community(engine, area)
    team_id = joint_teams.request_team(
        engine, ADVISER,
        Team(TeamKind.JPT, Origin.COMMUNITY, community, community, "hear the community",
             (Member(Component.CIVIL_AFFAIRS, "chief_civil_affairs"),)),
        now=NOW,
    )  # fmt: skip
    joint_teams.plan_team(engine, ADVISER, team_id, departs=NOW, season="dry", now=NOW)
    joint_teams.deploy_team(engine, ADVISER, team_id, now=NOW)
    findings = Findings((Finding(ThreatType.ABDUCTION, "the men from the hills"),), ("a radio",), RECOMMENDED)
    joint_teams.report_team(engine, ADVISER, team_id, findings, now=NOW)
    return team_id


def test_recommendations_become_action_points_that_name_the_team_to_its_readers_only(
    demo_engine: Engine,
) -> None:
    team_id = _reported_team(demo_engine, "KT04")  # Kimundaro's area: the Besu owner may not read the team

    with pytest.raises(Forbidden):  # a viewer runs no forum
        joint_teams.recommendations_to_action_points(
            demo_engine, VIEWER, team_id, body_id=WG, owner_post="head_of_office_fo_besu", due=DUE, now=NOW
        )
    with pytest.raises(NotFound):  # Besu's secretariat runs its forum but may not read Kimundaro's team
        joint_teams.recommendations_to_action_points(
            demo_engine, BESU_SECRETARIAT, team_id, body_id="field_poc_wg_besu",
            owner_post="head_of_office_fo_besu", due=DUE, now=NOW,
        )  # fmt: skip
    made = joint_teams.recommendations_to_action_points(
        demo_engine, ADVISER, team_id, body_id=WG, owner_post="head_of_office_fo_besu", due=DUE, now=NOW
    )
    assert len(made) == 2
    again = joint_teams.recommendations_to_action_points(
        demo_engine, ADVISER, team_id, body_id=WG, owner_post="head_of_office_fo_besu", due=DUE, now=NOW
    )
    assert again == ()  # a recommendation gives one action point, however often it is asked

    # the adviser reads the team: the board names it, its page and API address in the JSON
    board = action_points.action_points_board(demo_engine, ADVISER, team_id=team_id, today=NOW.date())
    assert sorted(r.action_point_id for r in board) == sorted(made)
    assert {r.point.what for r in board} == set(RECOMMENDED)
    assert {r.team_id for r in board} == {team_id}
    assert board[0].as_dict()["team"] == {
        "id": team_id, "page": f"/teams/{team_id}", "api": f"/api/v1/teams/{team_id}"
    }  # fmt: skip
    assert board[0].as_dict()["links"]["team_id"] == team_id

    # the owner post of Besu reads its action points but never Kimundaro's team: no number, no address
    owned = {
        r.action_point_id: r
        for r in action_points.action_points_board(demo_engine, OWNER, owner_post="head_of_office_fo_besu")
    }
    assert set(made) <= set(owned)
    for action_point_id in made:
        for record in (
            owned[action_point_id],
            action_points.action_point(demo_engine, OWNER, action_point_id),
        ):
            shown = record.as_dict()
            assert record.team_id is None and shown["team"] is None and shown["links"]["team_id"] is None
            assert f"/teams/{team_id}" not in str(shown)
    assert action_points.action_points_board(demo_engine, OWNER, team_id=team_id) == []
    with pytest.raises(NotFound):
        joint_teams.team(demo_engine, OWNER, team_id)
    # the owner completes one: what the update answers does not name the team either
    updated = action_points.update_action_point(demo_engine, OWNER, made[0], action_points.ActionStep.COMPLETE,
                                                note="the network meets weekly", now=NOW)  # fmt: skip
    assert updated.team_id is None and updated.as_dict()["team"] is None
    period = action_points.action_points_in_period(
        demo_engine, OWNER, NOW - timedelta(days=1), NOW + timedelta(days=1)
    )
    assert made[0] in {r.action_point_id for r in period.done}
    assert all(r.team_id is None for r in (*period.opened, *period.done))

    # Kimundaro's officer reads the team, but not the working group's action points Besu's post owns
    assert joint_teams.team(demo_engine, KIMUNDARO, team_id).team_id == team_id
    assert not set(made) & {
        r.action_point_id for r in action_points.action_points_board(demo_engine, KIMUNDARO)
    }
    assert action_points.action_points_board(demo_engine, KIMUNDARO, team_id=team_id) == []
    # a curious partner reads no action point, by the board, by number or by team
    with pytest.raises(Forbidden):
        action_points.action_points_board(demo_engine, PARTNER, team_id=team_id)
    with pytest.raises(Forbidden):
        action_points.action_point(demo_engine, PARTNER, made[1])

    with demo_engine.connect() as conn:
        stored = conn.execute(
            select(tables.action_points.c.team_id, tables.action_points.c.decision_id).where(
                tables.action_points.c.action_point_id.in_(made)
            )
        ).all()
        audited = conn.execute(
            select(tables.audit_log.c.detail).where(
                tables.audit_log.c.entity == "joint_team", tables.audit_log.c.entity_id == str(team_id)
            )
        ).all()
    assert {(r.team_id, r.decision_id) for r in stored} == {(team_id, None)}
    assert f"2 recommendation(s) made action points of {WG}" in {r.detail for r in audited}


def test_a_team_of_the_owners_area_is_named_to_the_owner(demo_engine: Engine) -> None:
    team_id = _reported_team(demo_engine, "KT02")  # Besu's area
    made = joint_teams.recommendations_to_action_points(
        demo_engine, BESU_SECRETARIAT, team_id, body_id="field_poc_wg_besu", owner_post="head_of_office_fo_besu",
        due=DUE, now=NOW,
    )  # fmt: skip
    assert len(made) == 2
    board = action_points.action_points_board(demo_engine, OWNER, team_id=team_id)
    assert sorted(r.action_point_id for r in board) == sorted(made)
    assert all(r.as_dict()["team"]["page"] == f"/teams/{team_id}" for r in board)
    assert action_points.action_point(demo_engine, OWNER, made[0]).team_id == team_id


def test_refused_before_the_report_and_for_posts_outside_the_structure(demo_engine: Engine) -> None:
    community = _community(demo_engine, "KT02")
    requested = joint_teams.request_team(
        demo_engine, ADVISER,
        Team(TeamKind.JAM, Origin.COMMUNITY, community, community, "assess", (Member(Component.UNPOL, "p"),)),
        now=NOW,
    )  # fmt: skip
    with pytest.raises(InvalidInput):
        joint_teams.recommendations_to_action_points(
            demo_engine, ADVISER, requested, body_id=WG, owner_post="head_of_office_fo_besu", due=DUE, now=NOW
        )
    reported = _reported_team(demo_engine, "KT02")
    with pytest.raises(InvalidInput):  # no such post
        joint_teams.recommendations_to_action_points(
            demo_engine, ADVISER, reported, body_id=WG, owner_post="nobody", due=DUE, now=NOW
        )
    with pytest.raises(InvalidInput):  # due before the day it is decided
        joint_teams.recommendations_to_action_points(
            demo_engine, ADVISER, reported, body_id=WG, owner_post="head_of_office_fo_besu",
            due=NOW.date() - timedelta(days=1), now=NOW,
        )  # fmt: skip
    with pytest.raises(NotFound):
        joint_teams.recommendations_to_action_points(
            demo_engine, ADVISER, 10**6, body_id=WG, owner_post="head_of_office_fo_besu", due=DUE, now=NOW
        )
    assert action_points.action_points_board(demo_engine, ADVISER, team_id=reported) == []  # none half-made

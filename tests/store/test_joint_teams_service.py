"""Joint teams on the demo mission, both backends: a team requested from a threat row is planned with the fastest
available ground unit and its travel time by road in the season, deployed, and its findings change the community's
profile (a new version) and the threat matrix's evidence (the threat heard counts as the community naming it);
recommendations are listed for forums; illegal steps, wrong roles and another area's teams are refused; every step
is dated, attributed and audited."""

from __future__ import annotations

from datetime import UTC, datetime

import numpy as np
import pytest
from sqlalchemy import Engine, select

from pochub.config import Settings
from pochub.core.geography.areas import AreaIndex
from pochub.core.models.access import Role, User
from pochub.core.models.taxonomy import ThreatType
from pochub.core.teams.missions import (
    Component,
    Finding,
    Findings,
    Member,
    Origin,
    Team,
    TeamKind,
    TeamStatus,
)
from pochub.errors import Forbidden, InvalidTransition, NotFound
from pochub.services import joint_teams, profiles
from pochub.services.demo_mission import create_demo_alerts
from pochub.services.threats import assess
from pochub.store import repositories, tables

ADVISER = User(1, "adviser.jt", Role.POC_ADVISER)
VIEWER = User(2, "viewer.jt", Role.VIEWER)
NOW = datetime(2026, 11, 20, 8, tzinfo=UTC)


def _row_and_member(engine: Engine) -> tuple[str, str, str]:
    """A matrix row's key, its threat type and a community of its area."""
    matrix = assess(engine, level=2)
    with engine.connect() as conn:
        communities = repositories.load_communities(conn)
        index = AreaIndex.build(repositories.load_admin_areas(conn, 2), 2)
    codes, _ = index.locate(
        np.array([c.latitude for c in communities]), np.array([c.longitude for c in communities])
    )
    for row in matrix.records:
        member = next((c for c, code in zip(communities, codes, strict=True) if code == row.area_pcode), None)
        if member is not None:
            return row.key, row.threat_type, member.community_id
    raise AssertionError("no matrix row with a community")


def test_a_team_from_a_threat_row_changes_profile_and_matrix(demo_engine: Engine) -> None:
    key, threat_type, community = _row_and_member(demo_engine)
    heard = next(t for t in ThreatType if t.value != threat_type)
    before = assess(demo_engine, level=2)
    before_row = next(r for r in before.records if r.key == key)
    version_before = profiles.community_profile(demo_engine, ADVISER, community).version
    team_id = joint_teams.request_team(
        demo_engine, ADVISER,
        Team(TeamKind.JPT, Origin.THREAT, key, community, "hear the threat",
             (Member(Component.CIVIL_AFFAIRS, "chief_civil_affairs"), Member(Component.FORCE, "force_u3"))),
        now=NOW,
    )  # fmt: skip
    record = joint_teams.team(demo_engine, ADVISER, team_id)
    assert record.team.status is TeamStatus.REQUESTED
    assert Component.HUMAN_RIGHTS in record.team.missing and Component.CLA in record.team.missing

    options = joint_teams.escort_options(demo_engine, community, "dry")
    assert options and options == sorted(options, key=lambda o: (o[2], o[0]))
    planned = joint_teams.plan_team(demo_engine, ADVISER, team_id, departs=NOW, season="dry", now=NOW)
    assert planned.plan is not None
    assert planned.plan.escort_unit == options[0][0] and planned.plan.base == options[0][1]
    assert planned.plan.travel_hours == pytest.approx(options[0][2], abs=0.01)
    # the escort is busy now: another team's options leave it out
    assert options[0][0] not in {o[0] for o in joint_teams.escort_options(demo_engine, community, "dry")}

    with pytest.raises(InvalidTransition):
        joint_teams.report_team(demo_engine, ADVISER, team_id, Findings(needs=("water",)), now=NOW)
    joint_teams.deploy_team(demo_engine, ADVISER, team_id, now=NOW)
    findings = Findings(
        (Finding(ThreatType(threat_type), "the armed men"), Finding(heard, "the recruiters")),
        ("a water point",), ("patrol the market road on Thursdays",),
    )  # fmt: skip
    joint_teams.report_team(demo_engine, ADVISER, team_id, findings, now=NOW)

    profile = profiles.community_profile(demo_engine, ADVISER, community)
    assert profile.version == version_before + 1
    assert ("the recruiters", heard) in {
        (t.perpetrator, t.threat_type) for t in profile.profile.named_threats
    }
    assert "a water point" in profile.profile.needs
    after = assess(demo_engine, level=2)
    after_row = next(r for r in after.records if r.key == key)
    assert after_row.named_by_communities >= before_row.named_by_communities + 2  # profile and finding

    recommendations = joint_teams.team_recommendations(demo_engine, ADVISER)
    assert ("patrol the market road on Thursdays", team_id) in {(r.text, r.team_id) for r in recommendations}
    closed = joint_teams.close_team(demo_engine, ADVISER, team_id, now=NOW)
    assert closed.status is TeamStatus.CLOSED
    steps = joint_teams.team(demo_engine, ADVISER, team_id).steps
    assert [s[0] for s in steps] == ["request", "plan", "deploy", "report", "close"]
    assert all(s[3] == ADVISER.username for s in steps)
    with demo_engine.connect() as conn:
        audited = conn.execute(
            select(tables.audit_log.c.detail).where(
                tables.audit_log.c.entity == "joint_team", tables.audit_log.c.entity_id == str(team_id)
            )
        ).all()
    assert len(audited) == 5
    with pytest.raises(InvalidTransition):
        joint_teams.cancel_team(demo_engine, ADVISER, team_id, "too late", now=NOW)


def test_roles_and_areas(demo_engine: Engine) -> None:
    _, _, community = _row_and_member(demo_engine)
    team = Team(
        TeamKind.JAM, Origin.COMMUNITY, community, community, "assess", (Member(Component.UNPOL, "p"),)
    )
    with pytest.raises(Forbidden):
        joint_teams.request_team(demo_engine, VIEWER, team, now=NOW)
    team_id = joint_teams.request_team(demo_engine, ADVISER, team, now=NOW)
    with demo_engine.connect() as conn:
        pcode = conn.execute(
            select(tables.communities.c.pcode).where(tables.communities.c.community_id == community)
        ).scalar_one()
    elsewhere = User(3, "fo.elsewhere", Role.FIELD_OFFICER, field_office="X", area_pcodes=("ZZ99",))
    here = User(4, "fo.here", Role.FIELD_OFFICER, field_office="Y", area_pcodes=(pcode[:4],))
    with pytest.raises(NotFound):
        joint_teams.team(demo_engine, elsewhere, team_id)
    assert team_id not in {r.team_id for r in joint_teams.list_teams(demo_engine, elsewhere)}
    assert team_id in {r.team_id for r in joint_teams.list_teams(demo_engine, here)}
    cancelled = joint_teams.cancel_team(demo_engine, here, team_id, "the road is cut", now=NOW)
    assert cancelled.status is TeamStatus.CANCELLED and cancelled.cancel_reason == "the road is cut"


def test_a_team_from_an_alert_needs_a_readable_operational_alert(demo_engine: Engine) -> None:
    _, _, community = _row_and_member(demo_engine)
    members = (Member(Component.UNPOL, "p"),)
    unknown = Team(TeamKind.JPT, Origin.ALERT, "NO-SUCH-ALERT", community, "answer the alert", members)
    with pytest.raises(NotFound):
        joint_teams.request_team(demo_engine, ADVISER, unknown, now=NOW)
    create_demo_alerts(
        demo_engine, Settings(database_url=demo_engine.url.render_as_string(hide_password=False))
    )
    with demo_engine.connect() as conn:
        reference = conn.execute(
            select(tables.alerts.c.reference).where(tables.alerts.c.exercise_id.is_(None)).limit(1)
        ).scalar_one()
    if reference:
        team = Team(TeamKind.JPT, Origin.ALERT, reference, community, "answer the alert", members)
        assert joint_teams.request_team(demo_engine, ADVISER, team, now=NOW) > 0

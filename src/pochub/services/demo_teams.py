"""The demo mission's joint teams (issue 17, item 7): two teams deployed and reported with findings, one requested,
made through the services a field office uses from the threat matrix's top rows. Made once: a store that holds
teams gets none."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

import numpy as np
from sqlalchemy import Engine, func, select

from pochub.core.geography.areas import AreaIndex, haversine_km
from pochub.core.models.access import Role, User
from pochub.core.models.coordination import Structure
from pochub.core.models.taxonomy import ThreatType
from pochub.core.teams.missions import (
    Component,
    Finding,
    Findings,
    Member,
    Origin,
    Team,
    TeamKind,
    component_of_post,
)
from pochub.errors import Infeasible, InvalidInput
from pochub.services import joint_teams
from pochub.services.demo_mission import _staff
from pochub.services.structures import require_structure
from pochub.services.threats import assess
from pochub.store import repositories, tables

AWAY_KM = 5.0
"""How far from every base a demo team's community stands, when its area has one so far."""


def create_demo_teams(engine: Engine, *, seed: int = 1, now: datetime | None = None) -> dict[str, int]:
    """Store the demo's joint teams, each at a community of a top row's area away from the bases when there is one
    (its plan travels); the first report's recommendations become action points linked to the team. Returns how
    many teams were deployed (and reported) and requested, and how many action points the recommendations gave
    (empty when teams already exist, or when the matrix has no row with a community)."""
    with engine.connect() as conn:
        if conn.execute(select(func.count()).select_from(tables.joint_teams)).scalar_one():
            return {}
    moment = now or datetime.now(UTC)
    structure = require_structure(engine)
    adviser = _staff(engine, "demo_poc_adviser", Role.POC_ADVISER, None, "PoC adviser (demo staff)")
    members: list[Member] = []
    for post in structure.roles:
        component = component_of_post(post.id, post.component)
        if component is not None and component not in {m.component for m in members}:
            members.append(Member(component, post.id))
    if not members:
        return {}
    try:
        matrix = assess(engine, level=2)
    except InvalidInput:
        return {}
    with engine.connect() as conn:
        communities = repositories.load_communities(conn)
        index = AreaIndex.build(repositories.load_admin_areas(conn, 2), 2)
        bases = conn.execute(select(tables.bases.c.latitude, tables.bases.c.longitude)).all()
    codes, _ = index.locate(
        np.array([c.latitude for c in communities]), np.array([c.longitude for c in communities])
    )
    away = _away_from_bases(communities, bases)
    rows: list[tuple[str, str, str]] = []
    used: set[str] = set()
    for record in matrix.records:  # the top risks first, one team per community, away from a base when one is
        candidates = [c for c, code in zip(communities, codes, strict=True)
                      if code == record.area_pcode and c.community_id not in used]  # fmt: skip
        member = next(
            (c for c in candidates if c.community_id in away), candidates[0] if candidates else None
        )
        if member is not None:
            used.add(member.community_id)
            rows.append((record.key, record.threat_type, member.community_id))
        if len(rows) == 3:
            break
    made = {"deployed": 0, "requested": 0, "action_points": 0}
    for number, (key, threat_type, community) in enumerate(rows):
        # the first team goes without a child protection officer: the page flags it
        chosen = tuple(m for m in members if number != 0 or m.component is not Component.CHILD_PROTECTION)
        requested_at = moment - timedelta(days=20 - 7 * number)
        team = Team(
            TeamKind.JPT if number != 1 else TeamKind.JAM, Origin.THREAT, key, community,
            "hear the community on the threat the matrix ranks high", chosen,
        )  # fmt: skip
        team_id = joint_teams.request_team(engine, adviser, team, now=requested_at)
        if number == 2:
            made["requested"] += 1
            continue
        try:
            joint_teams.plan_team(
                engine, adviser, team_id, departs=requested_at + timedelta(days=2), season="dry",
                now=requested_at + timedelta(days=1),
            )  # fmt: skip
        except Infeasible:  # no ground unit reaches it: the team stays requested
            continue
        joint_teams.deploy_team(engine, adviser, team_id, now=requested_at + timedelta(days=2))
        others = [t for t in ThreatType if t.value != threat_type]
        findings = Findings(
            (Finding(ThreatType(threat_type), "the armed men from the hills", note="heard from the women's group"),
             Finding(others[(seed + number) % len(others)], "the recruiters", note="heard from the elders")),
            ("a safe water point inside the village", "a phone or radio for the alert focal point"),
            ("patrol the road to the fields on market days", "a community alert network with the village committee"),
        )  # fmt: skip
        joint_teams.report_team(engine, adviser, team_id, findings, now=requested_at + timedelta(days=4))
        made["deployed"] += 1
        if made["deployed"] == 1:  # the first report's recommendations followed up by the PoC working group
            made["action_points"] = len(
                _follow_up(engine, adviser, structure, team_id, community, requested_at + timedelta(days=5))
            )
    return made


def _away_from_bases(communities: Sequence[Any], bases: Sequence[Any]) -> set[str]:
    """The communities at least ``AWAY_KM`` from every base: a team sent there travels (a community where a base
    stands would show a travel time of 0.0 h)."""
    if not bases or not communities:
        return set()
    lat = np.array([c.latitude for c in communities], dtype=np.float64)
    lon = np.array([c.longitude for c in communities], dtype=np.float64)
    nearest = np.full(len(communities), np.inf)
    for base in bases:
        far = haversine_km(lat, lon, np.full_like(lat, base.latitude), np.full_like(lon, base.longitude))
        nearest = np.minimum(nearest, far)
    return {c.community_id for c, km in zip(communities, nearest, strict=True) if km >= AWAY_KM}


def _follow_up(
    engine: Engine, adviser: User, structure: Structure, team_id: int, community_id: str, moment: datetime
) -> tuple[int, ...]:
    """The team's recommendations made action points of the PoC working group (``ActionLinks.team_id``), owned by
    the head of office of the field office whose area holds the community (else the group's secretariat), due three
    weeks on; none without the group."""
    body = structure.body("mission_poc_wg")
    if body is None:
        return ()
    with engine.connect() as conn:
        pcode = conn.execute(
            select(tables.communities.c.pcode).where(tables.communities.c.community_id == community_id)
        ).scalar_one_or_none()
    office = next((o for o in structure.field_offices if pcode and pcode.startswith(o.area_pcodes)), None)
    owner = f"head_of_office_{office.id}" if office is not None else body.secretariat or body.chair
    if owner is None or structure.post(owner) is None:
        return ()
    return joint_teams.recommendations_to_action_points(
        engine, adviser, team_id, body_id=body.id, owner_post=owner, due=moment.date() + timedelta(days=21),
        now=moment,
    )  # fmt: skip

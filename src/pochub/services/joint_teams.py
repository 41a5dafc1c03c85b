"""Joint protection teams and joint assessment missions (issue 17, item 3): request, plan, deploy, report, close.

Area rules are the engagements' (:func:`pochub.services.engagements.community_for`): a field officer requests and
acts on teams for communities of their area only, and sees only those. A plan comes from the allocation engine:
the escort is the fastest available ground unit (one not already escorting a planned or deployed team), the travel
time is its hours from its home base to the community by road in the season (:func:`services.allocation.
load_network`, :meth:`Network.hours`). A report stores the threats heard (one row each in joint_team_findings,
which the threat matrix counts with the concerns communities raise in engagements, see
:func:`pochub.services.threats.area_contexts`), and saves a new version of the community's profile with the threats
heard and the needs added. Recommendations are listed by :func:`team_recommendations` for forums to turn into
action points, which :func:`recommendations_to_action_points` does: each action point links to the team, and that
link is shown only to readers who may read the team (:mod:`pochub.services.team_access`). Every write is audited
and every step kept, dated and attributed.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime
from typing import Any

import numpy as np
from sqlalchemy import Connection, Engine, insert, select, update

from pochub.core.allocation._geodesy import Points
from pochub.core.coordination_practice.actions import ActionLinks, ActionPoint, check_action_point
from pochub.core.models.access import User
from pochub.core.models.coordination import structure_in
from pochub.core.models.taxonomy import ThreatType
from pochub.core.perspectives.profiles import NamedThreat, from_document
from pochub.core.teams.missions import (
    TEAM_ROLES,
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
    team_step,
)
from pochub.core.text import N_, Message, Text
from pochub.errors import Conflict, Forbidden, Infeasible, InvalidInput, NotFound
from pochub.services import profiles
from pochub.services.action_points import insert_action_point, may_run_forum, require_structure_for_forums
from pochub.services.alert_views import readable_alert
from pochub.services.allocation import Site, load_network
from pochub.services.engagements import community_for
from pochub.services.structures import current_structure
from pochub.services.team_access import readable_team
from pochub.services.threat_names import threat_texts
from pochub.store import audit, tables


@dataclass(frozen=True)
class TeamRecord:
    """A stored team with its community's name, who asked and the steps so far."""

    team_id: int
    team: Team
    community: str
    requested_by: str
    requested_at: datetime
    steps: tuple[tuple[str, str, str, str, datetime], ...]
    """(action, status after, note, actor, at), oldest first."""
    origin_text: Text = ""
    """What the team answers as a person reads it: a threat row as ``<area>: <threat> (<perpetrator>)``, never
    its key; an alert's reference or a community's id as they are."""


@dataclass(frozen=True)
class Recommendation:
    """A team's recommendation, for a forum to turn into an action point."""

    team_id: int
    community_id: str
    community: str
    text: str
    reported_at: datetime | None


def _may_act(user: User) -> None:
    if user.role not in TEAM_ROLES:
        raise Forbidden(Message(N_("a {role} may not act on joint teams"), role=user.role.value))


def request_team(engine: Engine, user: User, team: Team, *, now: datetime | None = None) -> int:
    """Store a requested team; its id. Refused for roles that do not act on teams, communities outside the
    user's area, and alerts the user may not read or that belong to an exercise (exercise data stays apart)."""
    moment = now or datetime.now(UTC)
    _may_act(user)
    check_request(team)
    with engine.begin() as conn:
        community_for(conn, user, team.community_id)
        if team.origin is Origin.ALERT:  # an alert the user may read, and never an exercise's
            alert = readable_alert(conn, team.origin_ref.strip(), user)
            if alert.exercise_id is not None:
                raise InvalidInput(N_("a joint team is not requested from an exercise's alert"))
        team_id = conn.execute(
            insert(tables.joint_teams).values(
                kind=team.kind.value, origin=team.origin.value, origin_ref=team.origin_ref.strip(),
                community_id=team.community_id, purpose=team.purpose.strip(),
                members=json.dumps([{"component": m.component.value, "post": m.post.strip()} for m in team.members]),
                status=TeamStatus.REQUESTED.value, requested_by=user.username, requested_at=moment,
            )
        ).inserted_primary_key[0]  # type: ignore[index]  # fmt: skip
        _step(conn, int(team_id), "request", TeamStatus.REQUESTED, team.purpose.strip(), user, moment)
    return int(team_id)


def _step(
    conn: Connection, team_id: int, action: str, status: TeamStatus, note: str, user: User, moment: datetime
) -> None:
    conn.execute(
        insert(tables.joint_team_steps).values(
            team_id=team_id, action=action, status=status.value, note=note, actor=user.username, at=moment
        )
    )
    audit.record(
        conn, actor=user.username, role=user.role.value, action="write", entity="joint_team",
        entity_id=str(team_id), detail=action, at=moment,
    )  # fmt: skip


def _team(conn: Connection, row: Any) -> Team:
    plan = None
    if row.departs is not None and row.base_id is not None:
        plan = Plan(
            row.departs, row.base_id, row.escort_unit or "", float(row.travel_hours or 0.0), row.season or "",
            row.route_note,
        )  # fmt: skip
    findings = None
    if row.status in (TeamStatus.REPORTED.value, TeamStatus.CLOSED.value):
        heard = conn.execute(
            select(tables.joint_team_findings)
            .where(tables.joint_team_findings.c.team_id == row.team_id)
            .order_by(tables.joint_team_findings.c.finding_id)
        ).all()
        findings = Findings(
            tuple(Finding(ThreatType(h.threat_type), h.perpetrator, h.place, h.note) for h in heard),
            tuple(json.loads(row.needs)), tuple(json.loads(row.recommendations)),
        )  # fmt: skip
    return Team(
        TeamKind(row.kind), Origin(row.origin), row.origin_ref, row.community_id, row.purpose,
        tuple(Member(Component(m["component"]), m["post"]) for m in json.loads(row.members)),
        TeamStatus(row.status), plan, findings, row.cancel_reason,
    )  # fmt: skip


def _load(conn: Connection, user: User, team_id: int) -> tuple[Any, Team, str]:
    row, name = readable_team(conn, user, team_id)  # another area's team answers as if it did not exist
    return row, _team(conn, row), name


def _save_step(
    conn: Connection, user: User, row: Any, after: Team, action: TeamAction, note: str, moment: datetime,
    **values: Any,
) -> None:  # fmt: skip
    done = conn.execute(
        update(tables.joint_teams)
        .where(tables.joint_teams.c.team_id == row.team_id, tables.joint_teams.c.version == row.version)
        .values(status=after.status.value, version=row.version + 1, **values)
    )
    if done.rowcount != 1:
        raise Conflict(N_("someone changed this team at the same moment: reload it"))
    _step(conn, row.team_id, action.value, after.status, note, user, moment)


def escort_options(
    engine: Engine,
    community_id: str,
    season: str,
    *,
    off_road_kmh: float = 5.0,
    exclude_team: int | None = None,
) -> list[tuple[str, str, float]]:
    """(unit, home base, hours) of every available ground unit to the community by road in ``season``, fastest
    first; a unit escorting a planned or deployed team is not available."""
    network = load_network(engine, season, off_road_kmh)
    with engine.connect() as conn:
        place = conn.execute(
            select(tables.communities.c.latitude, tables.communities.c.longitude).where(
                tables.communities.c.community_id == community_id
            )
        ).first()
        busy = {
            r.escort_unit
            for r in conn.execute(
                select(tables.joint_teams.c.escort_unit, tables.joint_teams.c.team_id).where(
                    tables.joint_teams.c.status.in_([TeamStatus.PLANNED.value, TeamStatus.DEPLOYED.value])
                )
            )
            if r.escort_unit and r.team_id != exclude_team
        }
        rows = conn.execute(
            select(
                tables.units.c.unit_id,
                tables.units.c.home_base,
                tables.bases.c.latitude,
                tables.bases.c.longitude,
            )
            .join(tables.bases, tables.bases.c.base_id == tables.units.c.home_base)
            .where(tables.units.c.air.is_(False))
            .order_by(tables.units.c.unit_id)
        ).all()
    if place is None:
        raise NotFound(Message(N_("no community '{community}'"), community=community_id))
    free = [r for r in rows if r.unit_id not in busy]
    if not free:
        return []
    sites = [Site(r.unit_id, r.unit_id, r.latitude, r.longitude) for r in free]
    hours = network.hours(sites, Points.from_arrays([place.latitude], [place.longitude]))[:, 0]
    found = [(r.unit_id, r.home_base, float(h)) for r, h in zip(free, hours, strict=True) if np.isfinite(h)]
    return sorted(found, key=lambda option: (option[2], option[0]))


def plan_team(
    engine: Engine,
    user: User,
    team_id: int,
    *,
    departs: datetime,
    season: str,
    off_road_kmh: float = 5.0,
    route_note: str = "",
    now: datetime | None = None,
) -> Team:
    """Plan the team: the fastest available ground unit escorts it from its home base; the travel time is by road
    in ``season``. Refused when no ground unit can reach the community."""
    moment = now or datetime.now(UTC)
    _may_act(user)
    with engine.connect() as conn:
        row, team, _ = _load(conn, user, team_id)
    options = escort_options(
        engine, team.community_id, season, off_road_kmh=off_road_kmh, exclude_team=team_id
    )
    if not options:
        raise Infeasible(N_("no available ground unit can escort the team to this community"))
    unit, base, hours = options[0]
    plan = Plan(departs, base, unit, round(hours, 2), season, route_note.strip())
    after = team_step(team, TeamAction.PLAN, user.role, plan=plan)
    with engine.begin() as conn:
        row, _, _ = _load(conn, user, team_id)
        _save_step(
            conn, user, row, after, TeamAction.PLAN, f"{unit} from {base}, {plan.travel_hours} h ({season})", moment,
            departs=departs, base_id=base, escort_unit=unit, travel_hours=plan.travel_hours, season=season,
            route_note=plan.route_note,
        )  # fmt: skip
    return after


def deploy_team(engine: Engine, user: User, team_id: int, *, now: datetime | None = None) -> Team:
    """The team has left."""
    return _simple(engine, user, team_id, TeamAction.DEPLOY, "", now)


def close_team(engine: Engine, user: User, team_id: int, *, now: datetime | None = None) -> Team:
    """The team's report is taken up; the team is closed."""
    return _simple(engine, user, team_id, TeamAction.CLOSE, "", now)


def cancel_team(
    engine: Engine, user: User, team_id: int, reason: str, *, now: datetime | None = None
) -> Team:
    """The team will not go (or comes back without reporting), for ``reason``."""
    return _simple(engine, user, team_id, TeamAction.CANCEL, reason, now)


def _simple(
    engine: Engine, user: User, team_id: int, action: TeamAction, reason: str, now: datetime | None
) -> Team:
    moment = now or datetime.now(UTC)
    _may_act(user)
    with engine.begin() as conn:
        row, team, _ = _load(conn, user, team_id)
        after = team_step(team, action, user.role, reason=reason)
        extra = {"cancel_reason": after.cancel_reason} if action is TeamAction.CANCEL else {}
        _save_step(conn, user, row, after, action, after.cancel_reason, moment, **extra)
    return after


def report_team(
    engine: Engine, user: User, team_id: int, findings: Findings, *, now: datetime | None = None
) -> Team:
    """Store the team's findings: the threats heard (counted by the threat matrix), the needs and the
    recommendations; the community's profile gets a new version with the threats heard and the needs added (none
    when it already held them all)."""
    moment = now or datetime.now(UTC)
    _may_act(user)
    with engine.begin() as conn:
        row, team, _ = _load(conn, user, team_id)
        after = team_step(team, TeamAction.REPORT, user.role, findings=findings)
        for finding in findings.threats:
            conn.execute(
                insert(tables.joint_team_findings).values(
                    team_id=team_id, community_id=team.community_id, threat_type=finding.threat_type.value,
                    perpetrator=finding.perpetrator.strip(), place=finding.place.strip(), note=finding.note.strip(),
                    heard_on=moment,
                )
            )  # fmt: skip
        _save_step(
            conn, user, row, after, TeamAction.REPORT,
            f"{len(findings.threats)} threats, {len(findings.needs)} needs, "
            f"{len(findings.recommendations)} recommendations", moment,
            needs=json.dumps([n.strip() for n in findings.needs if n.strip()]),
            recommendations=json.dumps([r.strip() for r in findings.recommendations if r.strip()]),
        )  # fmt: skip
        _update_profile(conn, user, team_id, team.community_id, findings, moment)
    return after


def _update_profile(
    conn: Connection, user: User, team_id: int, community_id: str, findings: Findings, moment: datetime
) -> int | None:
    """A new profile version with what the team heard added; None when nothing was new."""
    current = conn.execute(
        select(tables.community_profiles.c.version, tables.community_profiles.c.document)
        .where(tables.community_profiles.c.community_id == community_id)
        .order_by(tables.community_profiles.c.version.desc())
        .limit(1)
    ).first()
    version = current.version if current is not None else 0
    profile = from_document(json.loads(current.document)) if current is not None else from_document({})
    threats = list(profile.named_threats)
    for finding in findings.threats:
        heard = NamedThreat(finding.threat_type, finding.perpetrator.strip())
        if all((t.threat_type, t.perpetrator) != (heard.threat_type, heard.perpetrator) for t in threats):
            threats.append(heard)
    needs = list(profile.needs) + [
        n.strip() for n in findings.needs if n.strip() and n.strip() not in profile.needs
    ]
    if len(threats) == len(profile.named_threats) and len(needs) == len(profile.needs):
        return None
    updated = replace(profile, named_threats=tuple(threats), needs=tuple(needs))
    return profiles._save(  # inside this report's transaction
        conn, user, community_id, updated, version, f"joint team {team_id}", moment
    )


def team(engine: Engine, user: User, team_id: int) -> TeamRecord:
    """One team with its steps; NotFound outside the user's area."""
    with engine.connect() as conn:
        row, found, name = _load(conn, user, team_id)
        steps = conn.execute(
            select(tables.joint_team_steps)
            .where(tables.joint_team_steps.c.team_id == team_id)
            .order_by(tables.joint_team_steps.c.step_id)
        ).all()
        origin: Text = found.origin_ref
        if found.origin is Origin.THREAT:
            origin = threat_texts(conn, [found.origin_ref]).get(found.origin_ref, found.origin_ref)
    return TeamRecord(
        team_id, found, name, row.requested_by, row.requested_at,
        tuple((s.action, s.status, s.note, s.actor, s.at) for s in steps), origin,
    )  # fmt: skip


def list_teams(engine: Engine, user: User, *, status: TeamStatus | None = None) -> list[TeamRecord]:
    """The teams of the user's area, newest first."""
    query = select(tables.joint_teams.c.team_id).order_by(tables.joint_teams.c.team_id.desc())
    if status is not None:
        query = query.where(tables.joint_teams.c.status == status.value)
    with engine.connect() as conn:
        ids = [r.team_id for r in conn.execute(query)]
    found: list[TeamRecord] = []
    for team_id in ids:
        try:
            found.append(team(engine, user, team_id))
        except NotFound:
            continue
    return found


def team_recommendations(engine: Engine, user: User) -> list[Recommendation]:
    """Recommendations of reported and closed teams of the user's area, oldest first: what forums turn into
    action points (issue 17, item 2)."""
    found: list[Recommendation] = []
    for record in reversed(list_teams(engine, user)):
        if record.team.findings is None:
            continue
        reported = next((s[4] for s in record.steps if s[0] == TeamAction.REPORT.value), None)
        found.extend(
            Recommendation(record.team_id, record.team.community_id, record.community, text, reported)
            for text in record.team.findings.recommendations
        )
    return found


def recommendations_to_action_points(
    engine: Engine,
    user: User,
    team_id: int,
    *,
    body_id: str,
    owner_post: str,
    due: date,
    now: datetime | None = None,
) -> tuple[int, ...]:
    """Make the team's recommendations action points of ``body_id`` (the forum that follows them up), owned by
    ``owner_post`` and due on ``due``, each linked to the team; a recommendation this team already gave an action
    point is not made again. The ids made, in the recommendations' order. Refused for users who do not run the
    body's meetings, teams the user may not read (NotFound, as for none) and teams that have not reported."""
    moment = now or datetime.now(UTC)
    with engine.begin() as conn:
        structure = require_structure_for_forums(conn)
        may_run_forum(user, structure, body_id)
        _, team, _ = _load(conn, user, team_id)
        if team.findings is None:
            raise InvalidInput(N_("the team has not reported: it has no recommendation yet"))
        if not team.findings.recommendations:
            raise InvalidInput(N_("the team made no recommendation"))
        already = {
            r.what
            for r in conn.execute(
                select(tables.action_points.c.what).where(tables.action_points.c.team_id == team_id)
            )
        }
        made = []
        for text in dict.fromkeys(r.strip() for r in team.findings.recommendations if r.strip()):
            if text in already:
                continue
            point = ActionPoint(text, owner_post, due, body_id, links=ActionLinks(team_id=team_id))
            check_action_point(point, structure, moment.date())
            made.append(insert_action_point(conn, user, point, decision_id=None, now=moment))
        audit.record(
            conn, actor=user.username, role=user.role.value, action="write", entity="joint_team",
            entity_id=str(team_id), detail=f"{len(made)} recommendation(s) made action points of {body_id}", at=moment,
        )  # fmt: skip
    return tuple(made)


def team_document(record: TeamRecord) -> dict[str, Any]:
    """A team as JSON, for the command line and the API."""
    team = record.team
    plan = team.plan
    findings = team.findings
    return {
        "team": record.team_id, "kind": team.kind.value, "origin": team.origin.value, "origin_ref": team.origin_ref,
        "community_id": team.community_id, "community": record.community, "purpose": team.purpose,
        "status": team.status.value,
        "members": [{"component": m.component.value, "post": m.post} for m in team.members],
        "missing_components": [c.value for c in team.missing],
        "plan": None if plan is None else {
            "departs": plan.departs.isoformat(), "base": plan.base, "escort_unit": plan.escort_unit,
            "travel_hours": plan.travel_hours, "season": plan.season, "route_note": plan.route_note,
        },
        "findings": None if findings is None else {
            "threats": [{"threat_type": f.threat_type.value, "perpetrator": f.perpetrator, "place": f.place}
                        for f in findings.threats],
            "needs": list(findings.needs), "recommendations": list(findings.recommendations),
        },
        "cancel_reason": team.cancel_reason, "requested_by": record.requested_by,
        "requested_at": record.requested_at.isoformat(),
    }  # fmt: skip


def post_titles(engine: Engine, language: str) -> dict[str, str]:
    """The structure's post titles by id in ``language`` (empty without a structure): pages name a team's
    members by their post's title."""
    with engine.connect() as conn:
        structure = current_structure(conn)
    if structure is None:
        return {}
    return {post.id: str(post.title) for post in structure_in(structure, language).roles}

"""Scoring and the after-action review: each team's decisions scored with their explanations (stored), and the
review's timeline, key moments, scores and lessons."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import orjson
from sqlalchemy import Engine, insert, select

from pochub.core.exercise.scenario import (
    ExpectedResponse,
    InjectKind,
)
from pochub.core.exercise.scoring import (
    AlertPlay,
    ScoringRules,
    TeamScore,
    lessons,
    score_team,
)
from pochub.core.models.access import User
from pochub.core.models.alerts import (
    ActionName,
    Decision,
    Phase,
    Tier,
    Urgency,
    Verification,
)
from pochub.core.text import N_, Message, Text, to_document
from pochub.core.workflow.lifecycle import (
    ACTION_LABELS,
    ACTION_ROLES,
)
from pochub.i18n import DEFAULT_LANGUAGE, localised
from pochub.services import alerts as alert_service
from pochub.services.exercises.clock import tick
from pochub.services.exercises.coverage import Mission, Moment, Situation, coverage_at, load_mission
from pochub.services.exercises.records import (
    DECISIONS,
    DELIVERIES,
    INJECTS,
    MEMBERS,
    SCORES,
    aware,
    exercise_row,
    require_facilitator,
    team_rows,
)
from pochub.services.structures import current_structure
from pochub.store import tables


@dataclass(frozen=True)
class Play:
    """Everything scoring and the review read of one exercise."""

    row: Any
    teams: list[Any]
    injects: list[Any]
    deliveries: list[Any]
    decisions: list[Any]
    alerts: dict[str, Any]
    mission: Mission


def _load_play(engine: Engine, exercise_id: int) -> Play:
    with engine.connect() as conn:
        row = exercise_row(conn, exercise_id)
        teams = team_rows(conn, exercise_id)
        injects = list(
            conn.execute(select(INJECTS).where(INJECTS.c.exercise_id == exercise_id).order_by(INJECTS.c.at))
        )
        deliveries = list(
            conn.execute(
                select(DELIVERIES).join(INJECTS, INJECTS.c.inject_id == DELIVERIES.c.inject_id).where(INJECTS.c.exercise_id == exercise_id)
            )
        )  # fmt: skip
        decisions = list(
            conn.execute(select(DECISIONS).where(DECISIONS.c.exercise_id == exercise_id).order_by(DECISIONS.c.at, DECISIONS.c.decision_id))
        )  # fmt: skip
        team_ids = [t.team_id for t in teams]
        alerts = {
            a.reference: a
            for a in conn.execute(
                select(tables.alerts).where(tables.alerts.c.exercise_id.in_(team_ids or [-1]))
            )
        }
        mission = load_mission(conn)
    return Play(row, teams, injects, deliveries, decisions, alerts, mission)


def _situation(play: Play, team_id: int, at: datetime, upto: int | None = None) -> Situation:
    """The situation of a team at ``at``, counting its decisions up to decision ``upto`` (all when None)."""
    by_id = {i.inject_id: i for i in play.injects}
    closed_by: dict[str, datetime] = {}
    moved: dict[str, str] = {}
    for d in play.decisions:
        if d.team_id != team_id or aware(d.at) > at or (upto is not None and d.decision_id > upto):
            continue
        if d.action == "close":
            closed_by[d.alert_reference] = aware(d.at)
        if d.action == "deploy":
            for unit in orjson.loads(d.detail).get("deployed_units", []):
                moved[unit] = d.alert_reference
    open_alerts = []
    for delivery in play.deliveries:
        if (
            delivery.team_id != team_id
            or delivery.alert_reference is None
            or aware(delivery.delivered_at) > at
        ):
            continue
        inject = by_id[delivery.inject_id]
        expected = orjson.loads(inject.details).get("expected") or {}
        if not expected.get("respond", True) or delivery.alert_reference in closed_by:
            continue
        alert = play.alerts.get(delivery.alert_reference)
        lat = alert.latitude if alert is not None and alert.latitude is not None else inject.latitude
        lon = alert.longitude if alert is not None and alert.longitude is not None else inject.longitude
        if lat is not None and lon is not None:
            open_alerts.append((delivery.alert_reference, float(lat), float(lon)))
    moved = {u: ref for u, ref in moved.items() if ref not in closed_by}
    unavailable: set[str] = set()
    cut: set[str] = set()
    season = "dry"
    for inject in play.injects:
        if aware(inject.at) > at:
            continue
        details = orjson.loads(inject.details)
        if inject.kind == InjectKind.UNIT_UNAVAILABLE.value:
            until = details.get("until")
            if until is None or datetime.fromisoformat(until) > at:
                unavailable |= set(details.get("unit_ids", []))
        if inject.kind == InjectKind.ROAD_CUT.value:
            cut |= set(details.get("road_ids", []))
            season = details.get("season") or season
    return Situation(at, open_alerts, moved, frozenset(unavailable), frozenset(cut), season)


def _plays(play: Play, team: Any, rules: Any, standard_hours: float) -> tuple[list[AlertPlay], list[Moment]]:
    by_id = {i.inject_id: i for i in play.injects}
    plays: list[AlertPlay] = []
    moments: list[Moment] = []
    for delivery in sorted(play.deliveries, key=lambda d: (aware(d.delivered_at), d.inject_id)):
        if delivery.team_id != team.team_id or delivery.alert_reference is None:
            continue
        inject = by_id[delivery.inject_id]
        details = orjson.loads(inject.details)
        expected = ExpectedResponse.from_dict(details["expected"]) if details.get("expected") else None
        if expected is None:
            continue
        reference = delivery.alert_reference
        mine = [d for d in play.decisions if d.alert_reference == reference and d.team_id == team.team_id]
        first = {d.action: d for d in reversed(mine)}  # the first decision of each action
        urgency = inject.urgency or Urgency.HIGH.value
        deadlines = {step: rules.deadline(step, urgency) for step in ("acknowledge", "verify", "decide")}
        verify = orjson.loads(first["verify"].detail) if "verify" in first else {}
        decide = orjson.loads(first["decide"].detail) if "decide" in first else {}
        deploy = first.get("deploy")
        units = tuple(orjson.loads(deploy.detail).get("deployed_units", [])) if deploy is not None else ()
        comparison = None
        unavailable: tuple[str, ...] = ()
        if deploy is not None:
            at = aware(deploy.at)
            situation = _situation(play, team.team_id, at, deploy.decision_id)
            unavailable = tuple(u for u in units if u in situation.unavailable)
            moment = coverage_at(
                play.mission, situation, standard_hours, team.name, f"{team.name} deploys on {inject.title}"
            )
            if moment is not None:
                comparison = moment.comparison
                moments.append(moment)
        plays.append(
            AlertPlay(
                inject_id=inject.inject_id, title=inject.title, reference=reference,
                delivered_at=aware(delivery.delivered_at), expected=expected, deadlines=deadlines,
                acknowledged_at=aware(first["acknowledge"].at) if "acknowledge" in first else None,
                verified_at=aware(first["verify"].at) if "verify" in first else None,
                verification=Verification(verify["verification"]) if verify.get("verification") else None,
                decided_at=aware(first["decide"].at) if "decide" in first else None,
                decision=Decision(decide["decision"]) if decide.get("decision") else None,
                tier=Tier(decide["tier"]) if decide.get("tier") else None,
                phase=Phase(decide["phase"]) if decide.get("phase") else None,
                units=units or tuple(decide.get("units", [])), unavailable_units=unavailable,
                deployed_at=aware(deploy.at) if deploy is not None else None,
                feedback_at=aware(first["give_feedback"].at) if "give_feedback" in first else None,
                closed_at=aware(first["close"].at) if "close" in first else None, coverage=comparison,
            )
        )  # fmt: skip
    return plays, moments


def _team_document(score: TeamScore) -> dict[str, Any]:
    return {
        "team": score.team,
        "total": score.total,
        "criteria": dict(score.criteria),
        "explanation": [to_document(line) for line in score.explanation],
        "decisions": [
            {
                "inject_id": d.inject_id,
                "title": d.title,
                "reference": d.reference,
                "total": d.total,
                "scores": [
                    {
                        "criterion": s.criterion,
                        "value": s.value,
                        "weight": s.weight,
                        "explanation": to_document(s.explanation),
                    }
                    for s in d.scores
                ],
            }
            for d in score.decisions
        ],
    }


CRITERION_STEPS = {
    "acknowledge": ActionName.ACKNOWLEDGE,
    "respond": ActionName.DECIDE,
    "coverage": ActionName.DEPLOY,
    "doctrine": ActionName.DECIDE,
    "feedback": ActionName.GIVE_FEEDBACK,
}
"""The lifecycle step each scoring criterion judges: a team none of whose members may take it is not scored on it."""


def _not_applicable(engine: Engine, team_id: int) -> dict[str, Text]:
    """The criteria the team cannot meet whatever it does (no member's role may take the step), with why."""
    with engine.connect() as conn:
        roles = set(
            conn.execute(
                select(tables.users.c.role)
                .join(MEMBERS, MEMBERS.c.user_id == tables.users.c.user_id)
                .where(MEMBERS.c.team_id == team_id)
            ).scalars()
        )
    return {
        name: Message(
            N_("not applicable: no member of the team may {step}"), step=Message(ACTION_LABELS[step])
        )
        for name, step in CRITERION_STEPS.items()
        if not roles & ACTION_ROLES[step]
    }


def _scored(engine: Engine, exercise_id: int) -> tuple[Play, list[TeamScore], list[Moment], dict[str, Any]]:
    play = _load_play(engine, exercise_id)
    settings = orjson.loads(play.row.settings)
    standard = float(settings.get("standard_hours", 2.0))
    with engine.connect() as conn:
        rules = alert_service.rules_for(conn)
    teams: list[TeamScore] = []
    moments: list[Moment] = []
    for team in play.teams:
        plays, team_moments = _plays(play, team, rules, standard)
        teams.append(score_team(team.name, plays, ScoringRules(), _not_applicable(engine, team.team_id)))
        moments += team_moments
    return play, teams, moments, settings


def score(
    engine: Engine,
    exercise_id: int,
    user: User,
    *,
    now: datetime | None = None,
    language: str = DEFAULT_LANGUAGE,
) -> dict[str, Any]:
    """Score every team (per decision and in total, each score with its explanation); the scores are stored with
    their explanations as messages (each reader sees them in their language), returned in ``language``."""
    require_facilitator(user)
    status = tick(engine, exercise_id, now=now)
    _, teams, _, _ = _scored(engine, exercise_id)
    document = {
        "exercise_id": exercise_id,
        "name": status["name"],
        "scored_at": status["exercise_time"],
        "teams": [_team_document(t) for t in teams],
        "ranking": [t.team for t in sorted(teams, key=lambda t: -t.total)],
        "lessons": [to_document(lesson) for lesson in lessons(teams)],
    }
    with engine.begin() as conn:
        conn.execute(
            insert(SCORES).values(
                exercise_id=exercise_id, computed_at=datetime.fromisoformat(status["exercise_time"]),
                document=orjson.dumps(document).decode(),
            )
        )  # fmt: skip
    shown: dict[str, Any] = localised(document, language)
    return shown


@dataclass(frozen=True)
class Review:
    """The after-action review's content: timeline, key moments (maps), optimal plans, scores, lessons."""

    exercise: dict[str, Any]
    timeline: list[dict[str, Any]]
    moments: list[Moment]
    scores: list[dict[str, Any]]
    lessons: tuple[Text, ...]
    posts: dict[str, str] = field(default_factory=dict)
    """The structure's post titles by post id (language maps where the structure has them)."""
    units: dict[str, str] = field(default_factory=dict)
    """The units' names by unit id: the review names units, not their ids."""


def review(engine: Engine, exercise_id: int, user: User, *, now: datetime | None = None) -> Review:
    """Everything the after-action review shows, computed from the stored play."""
    require_facilitator(user)
    status = tick(engine, exercise_id, now=now)
    play, teams, moments, _ = _scored(engine, exercise_id)
    names = {t.team_id: t.name for t in play.teams}
    timeline: list[dict[str, Any]] = []
    for inject in play.injects:
        if inject.delivered_at is None:
            continue
        details = orjson.loads(inject.details)
        timeline.append({
            "at": aware(inject.at), "who": "facilitator", "kind": inject.kind, "what": inject.title,
            "detail": inject.text + (f" (real date {details['source_date']})" if details.get("source_date") else ""),
        })  # fmt: skip
    for d in play.decisions:
        detail = orjson.loads(d.detail)
        # the facts the decision left (its codes, labelled by the document), not the alert's status
        facts = {k: v for k, v in detail.items() if v not in (None, [], "") and k != "status"}
        timeline.append({
            "at": aware(d.at), "who": f"{names.get(d.team_id, '?')}: {d.actor}", "team": names.get(d.team_id, "?"),
            "actor": d.actor, "post": d.post_id, "kind": d.action, "what": d.alert_reference, "facts": facts,
        })  # fmt: skip
    timeline.sort(key=lambda e: e["at"])
    end_moments = []
    for team in play.teams:
        final = coverage_at(
            play.mission, _situation(play, team.team_id, datetime.fromisoformat(status["exercise_time"])),
            float(orjson.loads(play.row.settings).get("standard_hours", 2.0)), team.name, f"{team.name} at the end",
        )  # fmt: skip
        if final is not None:
            end_moments.append(final)
    with engine.connect() as conn:
        structure = current_structure(conn)
        unit_names = {
            r.unit_id: r.name for r in conn.execute(select(tables.units.c.unit_id, tables.units.c.name))
        }
    posts = {post.id: post.title for post in structure.roles} if structure is not None else {}
    return Review(
        status,
        timeline,
        moments + end_moments,
        [_team_document(t) for t in teams],
        lessons(teams),
        posts,
        unit_names,
    )


def latest_scores(engine: Engine, exercise_id: int) -> dict[str, Any] | None:
    """The exercise's last stored scores (every team's, with their explanations), if it was scored."""
    with engine.connect() as conn:
        document = conn.execute(
            select(SCORES.c.document)
            .where(SCORES.c.exercise_id == exercise_id)
            .order_by(SCORES.c.score_id.desc())
            .limit(1)
        ).scalar_one_or_none()
    found: dict[str, Any] | None = orjson.loads(document) if document else None
    return found

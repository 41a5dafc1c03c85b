"""Training exercises on the mission's own engine: create, run (clock, injects, escalation), play, score, review.

Each team plays its own copy of every inject: an alert inject becomes one alert per team, received through the
normal intake and lifecycle with ``alerts.exercise_id`` set to the TEAM's id (``exercise_teams.team_id``), so that
operational lists, counts, exports, metrics and notifications leave it out, and teams never see or merge each
other's alerts. Every time stamp of an exercise alert is exercise time (the exercise clock's, not the wall
clock's); the operational escalation worker leaves exercise alerts alone and ``tick`` escalates them on
exercise time. Events replayed from real data stay in ``exercise_injects``; the ``events`` table is never written.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import numpy as np
import orjson
import shapely
from sqlalchemy import Connection, Engine, insert, select, update
from sqlalchemy.exc import IntegrityError

from pochub.config import Settings
from pochub.core.allocation._geodesy import Points
from pochub.core.allocation.covering import MaximalCovering
from pochub.core.allocation.solver import HighsSolver
from pochub.core.allocation.travel import RoadGraph, Season, SpeedProfile
from pochub.core.exercise.clock import ClockStatus, ExerciseClock, check_speed
from pochub.core.exercise.scenario import (
    EventRecord,
    ExpectedResponse,
    Inject,
    InjectKind,
    MissionPicture,
    day_start,
    demo_scenario,
    difficulty,
    replay,
)
from pochub.core.exercise.scoring import (
    AlertPlay,
    CoverageComparison,
    ScoringRules,
    TeamScore,
    lessons,
    score_team,
)
from pochub.core.models.access import Role, User, in_area
from pochub.core.models.alerts import (
    OPEN_STATUSES,
    ActionName,
    Channel,
    Decision,
    Phase,
    Report,
    Tier,
    Urgency,
    Verification,
)
from pochub.core.models.capacities import Unit
from pochub.core.models.places import Community, Road
from pochub.core.text import N_, Message, Text, joined, to_document
from pochub.core.workflow.lifecycle import (
    ACTION_LABELS,
    ACTION_ROLES,
    SYSTEM,
    Action,
    Actor,
    Escalate,
    apply,
)
from pochub.core.workflow.structure import field_office_of
from pochub.errors import Conflict, Forbidden, InvalidInput, InvalidTransition, NotFound
from pochub.i18n import DEFAULT_LANGUAGE, localised
from pochub.services import alerts as alert_service
from pochub.services.alert_views import list_alerts
from pochub.services.allocation import Network, Site
from pochub.store import alert_repository, audit, repositories, tables
from pochub.store.alert_repository import AlertFilter

FACILITATOR = "exercise-facilitator"
"""The actor of intake and escalation inside an exercise (the machinery, not a trainee)."""
FACILITATOR_ROLES = frozenset({Role.ADMIN, Role.TRAINER})
EX = tables.exercises
TEAMS = tables.exercise_teams
MEMBERS = tables.exercise_members
INJECTS = tables.exercise_injects
DELIVERIES = tables.exercise_deliveries
DECISIONS = tables.exercise_decisions
SCORES = tables.exercise_scores
OPEN = sorted(s.value for s in OPEN_STATUSES)


def _now(real: datetime | None) -> datetime:
    return real or datetime.now(UTC)


def _utc(moment: datetime | None) -> datetime | None:
    return alert_repository.utc(moment)


def _aware(moment: datetime | None) -> datetime:
    value = _utc(moment)
    assert value is not None
    return value


# --- exercises and their clocks ---


def _clock(row: Any) -> ExerciseClock:
    return ExerciseClock(
        start=_aware(row.scenario_start),
        end=_aware(row.scenario_end),
        speed=row.speed,
        status=ClockStatus(row.status),
        elapsed=timedelta(seconds=row.elapsed_seconds),
        anchor=_utc(row.anchor_at),
    )


def _clock_values(clock: ExerciseClock) -> dict[str, Any]:
    return {
        "status": clock.status.value,
        "speed": clock.speed,
        "elapsed_seconds": clock.elapsed.total_seconds(),
        "anchor_at": clock.anchor,
    }


def _exercise(conn: Connection, exercise_id: int) -> Any:
    row = conn.execute(select(EX).where(EX.c.exercise_id == exercise_id)).first()
    if row is None:
        raise NotFound(Message(N_("no exercise {exercise_id}"), exercise_id=exercise_id))
    return row


def exercise_by_name(engine: Engine, name_or_id: str) -> int:
    """The id of an exercise given by id or by name."""
    with engine.connect() as conn:
        if name_or_id.isdigit():
            return int(_exercise(conn, int(name_or_id)).exercise_id)
        found = conn.execute(select(EX.c.exercise_id).where(EX.c.name == name_or_id)).scalar_one_or_none()
    if found is None:
        raise NotFound(Message(N_("no exercise named {name}"), name=repr(name_or_id)))
    return int(found)


def _require_facilitator(user: User) -> None:
    if user.role not in FACILITATOR_ROLES:
        raise Forbidden(N_("only trainers and administrators run exercises"))


def _store_injects(conn: Connection, exercise_id: int, injects: Iterable[Inject]) -> int:
    rows = [
        {
            "exercise_id": exercise_id,
            "kind": i.kind.value,
            "at": i.at,
            "title": i.title[:300],
            "text": i.text,
            "latitude": i.latitude,
            "longitude": i.longitude,
            "pcode": i.pcode,
            "community_id": i.community_id,
            "threat_type": i.threat_type,
            "urgency": i.urgency.value if i.urgency else None,
            "details": orjson.dumps(i.details()).decode(),
            "origin": i.origin,
        }
        for i in injects
    ]
    if rows:
        conn.execute(insert(INJECTS), rows)
    return len(rows)


def _create(
    engine: Engine,
    *,
    name: str,
    source: str,
    description: str,
    settings: dict[str, Any],
    start: datetime,
    duration: timedelta,
    speed: float,
    injects: Sequence[Inject],
    user: User,
    now: datetime | None,
) -> dict[str, Any]:
    _require_facilitator(user)
    name = name.strip()
    if not name or len(name) > 200:
        raise InvalidInput(N_("an exercise needs a name of 1 to 200 characters"))
    clock = ExerciseClock(start=start, end=start + duration, speed=check_speed(speed))
    outside = [i.title for i in injects if not clock.start <= i.at <= clock.end]
    if outside:
        raise InvalidInput(
            Message(
                N_("injects outside the exercise's time ({start} to {end}): {titles}"),
                start=clock.start,
                end=clock.end,
                titles=", ".join(outside[:5]),
            )
        )
    moment = _now(now)
    try:
        with engine.begin() as conn:
            exercise_id = int(
                conn.execute(
                    insert(EX)
                    .values(
                        name=name, source=source, description=description,
                        settings=orjson.dumps(settings).decode(), scenario_start=clock.start,
                        scenario_end=clock.end, created_by=user.username, created_at=moment, **_clock_values(clock),
                    )
                    .returning(EX.c.exercise_id)
                ).scalar_one()
            )  # fmt: skip
            _store_injects(conn, exercise_id, injects)
            audit.record(
                conn, actor=user.username, role=user.role.value, action="write", entity="exercise",
                entity_id=str(exercise_id), detail=f"created from {source}: {len(injects)} injects", at=moment,
            )  # fmt: skip
    except IntegrityError:
        raise Conflict(Message(N_("an exercise named {name} exists already"), name=repr(name))) from None
    return exercise_status(engine, exercise_id, now=now)


def _event_records(conn: Connection) -> list[EventRecord]:
    events = tables.events
    rows = conn.execute(
        select(
            events.c.source, events.c.source_id, events.c.event_date, events.c.latitude, events.c.longitude,
            events.c.location, events.c.admin1_name, events.c.admin1_pcode, events.c.admin2_pcode,
            events.c.threat_type, events.c.source_event_type, events.c.source_sub_event_type, events.c.actor1,
            events.c.fatalities_best, events.c.civilian_targeting,
        ).where(events.c.duplicate_of.is_(None))
    ).all()  # fmt: skip
    return [
        EventRecord(
            r.source,
            r.source_id,
            r.event_date,
            r.latitude,
            r.longitude,
            r.location or "",
            r.admin1_name or "",
            r.admin2_pcode or r.admin1_pcode,
            r.threat_type,
            r.source_event_type,
            r.source_sub_event_type or "",
            r.actor1 or "",
            int(r.fatalities_best),
            bool(r.civilian_targeting),
        )
        for r in rows
    ]


def _units(conn: Connection) -> list[Unit]:
    return [
        Unit(
            r.unit_id,
            r.name,
            r.unit_type,
            r.strength,
            r.home_base,
            tuple(r.tiers.split(",")),
            r.road_speed_kmh,
            bool(r.air),
        )
        for r in conn.execute(select(tables.units))
    ]


def create_demo_exercise(
    engine: Engine,
    user: User,
    *,
    name: str,
    level: str = "normal",
    seed: int = 1,
    speed: float = 60.0,
    standard_hours: float = 2.0,
    now: datetime | None = None,
) -> dict[str, Any]:
    """An exercise from the demo mission in the store: its latest violence replayed, with the difficulty's
    rumours, unit outages and roads cut by rain (the same seed and difficulty give the same injects)."""
    chosen = difficulty(level)
    with engine.connect() as conn:
        events = _event_records(conn)
        communities = repositories.load_communities(conn)
        units = _units(conn)
        roads = [
            r.road_id
            for r in conn.execute(
                select(tables.roads.c.road_id, tables.roads.c.surface).order_by(tables.roads.c.road_id)
            )
            if r.surface in ("earth", "gravel", "unpaved", "track")
        ]
    if not events:
        raise InvalidInput(N_("the store holds no events: load the demo mission first (`pochub demo`)"))
    last = max(e.event_date for e in events)
    start = day_start(last - timedelta(days=chosen.period_days - 1))
    picture = MissionPicture(tuple(events), tuple(communities), tuple(units), tuple(roads))
    injects = demo_scenario(picture, chosen, np.random.default_rng(seed), start=start)
    return _create(
        engine, name=name, source="demo",
        description=f"Demo mission, {chosen.name}: the {chosen.period_days} days to {last} replayed over "
                    f"{chosen.duration_hours:g} exercise hours",
        settings={"difficulty": chosen.name, "seed": seed, "standard_hours": standard_hours,
                  "period": [start.date().isoformat(), last.isoformat()]},
        start=start, duration=timedelta(hours=chosen.duration_hours), speed=speed, injects=injects, user=user,
        now=now,
    )  # fmt: skip


@dataclass(frozen=True)
class Area:
    """The chosen area of a replay: admin-1 names (any of them) and/or a bounding box."""

    admin1: tuple[str, ...] = ()
    bbox: tuple[float, float, float, float] | None = None

    def holds(self, event: EventRecord) -> bool:
        """Is the event inside the area?"""
        if self.admin1 and event.admin1.casefold() not in {a.casefold() for a in self.admin1}:
            return False
        if self.bbox is not None:
            min_lon, min_lat, max_lon, max_lat = self.bbox
            return min_lon <= event.longitude <= max_lon and min_lat <= event.latitude <= max_lat
        return True


def read_real_events(path: Path, fmt: str, *, first: date, last: date, area: Area) -> list[EventRecord]:
    """The events of a real file (ACLED, UCDP GED or HXL) in the period and the area, read but never stored."""
    from pochub.ingest.acled import ACLED
    from pochub.ingest.events import ImportOptions, read_events
    from pochub.ingest.hxl import HXL
    from pochub.ingest.ucdp import UCDP

    formats = {"acled": ACLED, "ucdp": UCDP, "hxl": HXL}
    if fmt not in formats:
        raise InvalidInput(Message(N_("the format is one of {formats}"), formats=", ".join(formats)))
    if not path.exists():
        raise InvalidInput(Message(N_("{path}: no such file"), path=str(path)))
    found: list[EventRecord] = []
    for batch in read_events(path, formats[fmt], ImportOptions()):
        frame = batch.events
        if frame.height == 0:
            continue
        for r in frame.iter_rows(named=True):
            moment = r["event_date"]
            if moment is None or not first <= moment <= last:
                continue
            record = EventRecord(
                r["source"] or fmt, str(r["source_id"]), moment, float(r["latitude"]), float(r["longitude"]),
                r["location"] or "", r["admin1_name"] or "", r["admin2_pcode"] or r["admin1_pcode"],
                r["threat_type"], r["source_event_type"] or "", r["source_sub_event_type"] or "", r["actor1"] or "",
                int(r["fatalities_best"] or 0), bool(r["civilian_targeting"]),
            )  # fmt: skip
            if area.holds(record):
                found.append(record)
    return found


def client_data_file(settings: Settings, name: str) -> Path:
    """The data file a client of the API or the pages names for a real-data exercise, only inside the exercise
    data folder (``settings.exercise_data``, else the shared data folder): the server's other files (its key,
    /etc/passwd) are neither read nor echoed in an error, nor is their existence told."""
    root = (settings.exercise_data or settings.shared).resolve()
    candidate = (root / name).resolve()  # an absolute name stays absolute: checked like any other
    if not candidate.is_relative_to(root) or not candidate.is_file():
        raise InvalidInput(Message(N_("{name}: no such file in the exercise data folder"), name=name))
    return candidate


def create_replay_exercise(
    engine: Engine,
    user: User,
    *,
    name: str,
    path: Path,
    fmt: str,
    first: date,
    last: date,
    area: Area,
    duration_hours: float = 24.0,
    limit: int = 12,
    speed: float = 60.0,
    standard_hours: float = 2.0,
    now: datetime | None = None,
) -> dict[str, Any]:
    """An exercise replaying a real period of real data from a chosen area, compressed to exercise time."""
    if duration_hours <= 0:
        raise InvalidInput(N_("the exercise needs a positive duration"))
    events = read_real_events(path, fmt, first=first, last=last, area=area)
    start = day_start(first)
    duration = timedelta(hours=duration_hours)
    injects = replay(events, first=first, last=last, start=start, duration=duration, origin=fmt, limit=limit)
    where = ", ".join(area.admin1) or (f"bbox {area.bbox}" if area.bbox else "the whole file")
    return _create(
        engine, name=name, source=fmt,
        description=f"{path.name}: {where}, {first} to {last} ({len(events)} events, {len(injects)} replayed) "
                    f"over {duration_hours:g} exercise hours",
        settings={"file": path.name, "area": {"admin1": list(area.admin1), "bbox": area.bbox},
                  "period": [first.isoformat(), last.isoformat()], "standard_hours": standard_hours},
        start=start, duration=duration, speed=speed, injects=injects, user=user, now=now,
    )  # fmt: skip


def create_scripted_exercise(
    engine: Engine,
    user: User,
    *,
    name: str,
    injects_yaml: str,
    start: datetime,
    duration_hours: float = 24.0,
    speed: float = 60.0,
    standard_hours: float = 2.0,
    now: datetime | None = None,
) -> dict[str, Any]:
    """An exercise of the facilitator's scripted injects only."""
    from pochub.ingest.scenario import parse_injects

    injects = parse_injects(injects_yaml, start)
    return _create(
        engine, name=name, source="scripted", description="Scripted by the facilitator",
        settings={"standard_hours": standard_hours}, start=start, duration=timedelta(hours=duration_hours),
        speed=speed, injects=injects, user=user, now=now,
    )  # fmt: skip


def add_injects(
    engine: Engine, exercise_id: int, user: User, injects_yaml: str, *, now: datetime | None = None
) -> dict[str, Any]:
    """Add the facilitator's injects (YAML) to an exercise; offsets count from the current exercise time."""
    from pochub.ingest.scenario import parse_injects

    _require_facilitator(user)
    moment = _now(now)
    with engine.begin() as conn:
        row = _exercise(conn, exercise_id)
        clock = _clock(row)
        if clock.status is ClockStatus.FINISHED:
            raise InvalidTransition(N_("the exercise is finished"))
        injects = parse_injects(injects_yaml, clock.now(moment), source="injects")
        late = [i.title for i in injects if i.at > clock.end]
        if late:
            raise InvalidInput(
                Message(
                    N_("injects after the exercise ends ({end}): {titles}"),
                    end=clock.end,
                    titles=", ".join(late[:5]),
                )
            )
        injects = tuple(replace(i, origin="facilitator") for i in injects)
        count = _store_injects(conn, exercise_id, injects)
        audit.record(
            conn, actor=user.username, role=user.role.value, action="write", entity="exercise",
            entity_id=str(exercise_id), detail=f"{count} inject(s) added", at=moment,
        )  # fmt: skip
    return tick(engine, exercise_id, now=now)


# --- teams ---


def add_team(
    engine: Engine,
    exercise_id: int,
    user: User,
    *,
    name: str,
    members: Sequence[tuple[str, str | None]],
    now: datetime | None = None,
) -> dict[str, Any]:
    """A team of trainees (username, the post of the coordination structure they play); one team each."""
    _require_facilitator(user)
    if not name.strip():
        raise InvalidInput(N_("a team needs a name"))
    if not members:
        raise InvalidInput(N_("a team needs at least one member"))
    with engine.begin() as conn:
        row = _exercise(conn, exercise_id)
        if row.status == ClockStatus.FINISHED.value:
            raise InvalidTransition(N_("the exercise is finished"))
        structure = alert_service.rules_for(conn).structure
        posts = {p.id for p in structure.roles}
        try:
            team_id = int(
                conn.execute(
                    insert(TEAMS)
                    .values(exercise_id=exercise_id, name=name.strip())
                    .returning(TEAMS.c.team_id)
                ).scalar_one()
            )
        except IntegrityError:
            raise Conflict(
                Message(
                    N_("exercise {exercise_id} has a team {name} already"),
                    exercise_id=exercise_id,
                    name=repr(name),
                )
            ) from None
        taken = {
            r.user_id
            for r in conn.execute(
                select(MEMBERS.c.user_id)
                .join(TEAMS, TEAMS.c.team_id == MEMBERS.c.team_id)
                .where(TEAMS.c.exercise_id == exercise_id, TEAMS.c.team_id != team_id)
            )
        }
        for username, post in members:
            trainee = conn.execute(
                select(tables.users.c.user_id, tables.users.c.active).where(
                    tables.users.c.username == username
                )
            ).first()
            if trainee is None or not trainee.active:
                raise NotFound(Message(N_("no active user {username}"), username=repr(username)))
            if trainee.user_id in taken:
                raise Conflict(
                    Message(N_("{username} is in another team of this exercise"), username=username)
                )
            if post is not None and post not in posts:
                raise InvalidInput(
                    Message(
                        N_("{post} is not a role of the coordination structure (known: {known})"),
                        post=repr(post),
                        known=", ".join(sorted(posts)),
                    )
                )
            try:
                conn.execute(insert(MEMBERS).values(team_id=team_id, user_id=trainee.user_id, post_id=post))
            except IntegrityError:
                raise InvalidInput(Message(N_("{username} is listed twice"), username=username)) from None
        audit.record(
            conn, actor=user.username, role=user.role.value, action="write", entity="exercise",
            entity_id=str(exercise_id), detail=f"team {name} ({len(members)} members)", at=_now(now),
        )  # fmt: skip
    return exercise_status(engine, exercise_id, now=now)


def _teams(conn: Connection, exercise_id: int) -> list[Any]:
    return list(
        conn.execute(select(TEAMS).where(TEAMS.c.exercise_id == exercise_id).order_by(TEAMS.c.team_id))
    )


def team_of(conn: Connection, exercise_id: int, user: User) -> tuple[int, str, str | None]:
    """The user's team in the exercise: (team id, name, post); Forbidden when they play in none."""
    found = conn.execute(
        select(TEAMS.c.team_id, TEAMS.c.name, MEMBERS.c.post_id)
        .join(MEMBERS, MEMBERS.c.team_id == TEAMS.c.team_id)
        .where(TEAMS.c.exercise_id == exercise_id, MEMBERS.c.user_id == user.user_id)
    ).first()
    if found is None:
        raise Forbidden(
            Message(
                N_("{username} plays in no team of exercise {exercise_id}"),
                username=user.username,
                exercise_id=exercise_id,
            )
        )
    return int(found.team_id), str(found.name), found.post_id


# --- the clock, delivery of injects, escalation on exercise time ---


def _set_clock(
    engine: Engine, exercise_id: int, user: User, change: str, now: datetime | None, **values: Any
) -> dict[str, Any]:
    _require_facilitator(user)
    moment = _now(now)
    with engine.begin() as conn:
        row = _exercise(conn, exercise_id)
        clock = _clock(row)
        if change == "start":
            if not _teams(conn, exercise_id):
                raise InvalidTransition(N_("add at least one team before starting the exercise"))
            clock = clock.started(moment)
        elif change == "pause":
            clock = clock.paused(moment)
        elif change == "speed":
            clock = clock.with_speed(moment, float(values["speed"]))
        elif change == "advance":
            clock = clock.advanced(moment, timedelta(hours=float(values["hours"])))
        elif change == "finish":
            clock = clock.finished(moment)
        conn.execute(update(EX).where(EX.c.exercise_id == exercise_id).values(**_clock_values(clock)))
        audit.record(
            conn, actor=user.username, role=user.role.value, action="write", entity="exercise",
            entity_id=str(exercise_id), detail=f"clock {change} at exercise time {clock.now(moment).isoformat()}",
            at=moment,
        )  # fmt: skip
    return (
        tick(engine, exercise_id, now=now)
        if change != "finish"
        else exercise_status(engine, exercise_id, now=now)
    )


def start(engine: Engine, exercise_id: int, user: User, *, now: datetime | None = None) -> dict[str, Any]:
    """Start or resume the exercise clock; injects due are delivered at once."""
    return _set_clock(engine, exercise_id, user, "start", now)


def pause(engine: Engine, exercise_id: int, user: User, *, now: datetime | None = None) -> dict[str, Any]:
    """Stop exercise time (trainees cannot act while it is paused)."""
    return _set_clock(engine, exercise_id, user, "pause", now)


def set_speed(
    engine: Engine, exercise_id: int, user: User, speed: float, *, now: datetime | None = None
) -> dict[str, Any]:
    """Run the clock at ``speed`` exercise seconds per real second from now on."""
    return _set_clock(engine, exercise_id, user, "speed", now, speed=speed)


def advance(
    engine: Engine, exercise_id: int, user: User, hours: float, *, now: datetime | None = None
) -> dict[str, Any]:
    """Move exercise time on by ``hours`` (injects falling due are delivered, overdue alerts escalate)."""
    return _set_clock(engine, exercise_id, user, "advance", now, hours=hours)


def finish(engine: Engine, exercise_id: int, user: User, *, now: datetime | None = None) -> dict[str, Any]:
    """End the exercise; exercise time stops where it is."""
    tick(engine, exercise_id, now=now)
    return _set_clock(engine, exercise_id, user, "finish", now)


def _deliver(engine: Engine, settings: Settings, inject: Any, team_id: int, moment: datetime) -> None:
    """One inject to one team: an alert through the normal intake, or a situation message."""
    reference = None
    if InjectKind(inject.kind) in (InjectKind.COMMUNITY_ALERT, InjectKind.RUMOUR, InjectKind.EVENT):
        report = Report(
            channel=Channel.EXERCISE,
            external_id=f"exercise:{inject.inject_id}:{team_id}",
            received_at=_aware(inject.at),
            text=inject.text,
            latitude=inject.latitude,
            longitude=inject.longitude,
            pcode=inject.pcode,
            community_id=inject.community_id,
            urgency=Urgency(inject.urgency) if inject.urgency else None,
            alert_network="exercise",
        )
        result = alert_service.receive_report(
            engine, settings, report, actor=Actor(FACILITATOR, SYSTEM), now=moment, exercise_id=team_id
        )
        reference = result.reference
    try:
        with engine.begin() as conn:
            conn.execute(
                insert(DELIVERIES).values(
                    inject_id=inject.inject_id,
                    team_id=team_id,
                    alert_reference=reference,
                    delivered_at=_aware(inject.at),
                )
            )
    except IntegrityError:
        pass  # delivered by a concurrent tick: intake returned the same alert


def _escalate(engine: Engine, team_ids: Sequence[int], moment: datetime) -> list[str]:
    """Escalate the teams' overdue alerts on exercise time (the operational worker leaves them alone)."""
    escalated: list[str] = []
    if not team_ids:
        return escalated
    alerts = tables.alerts
    with engine.begin() as conn:
        rules = alert_service.rules_for(conn)
        ids = conn.execute(
            select(alerts.c.alert_id).where(
                alerts.c.exercise_id.in_(team_ids), alerts.c.state.in_(OPEN), alerts.c.due_at < moment - rules.grace
            )
        ).scalars().all()  # fmt: skip
        for alert_id in ids:
            row = alert_repository.lock_alert_by_id(conn, alert_id)
            state, effects = apply(
                alert_repository.state_from_row(row),
                Escalate(),
                Actor(FACILITATOR, SYSTEM),
                moment,
                rules=rules,
            )
            alert_repository.save_state(conn, row.alert_id, row.version, state, moment)
            alert_repository.record_effects(
                conn, row.alert_id, effects, alert_service._payload(row.reference, state), row.exercise_id
            )
            escalated.append(row.reference)
    return escalated


def tick(
    engine: Engine, exercise_id: int, *, settings: Settings | None = None, now: datetime | None = None
) -> dict[str, Any]:
    """Bring the exercise up to its current time: deliver the injects due to every team, escalate overdue alerts."""
    chosen = settings or Settings()
    moment = _now(now)
    with engine.connect() as conn:
        row = _exercise(conn, exercise_id)
        clock = _clock(row)
        teams = [t.team_id for t in _teams(conn, exercise_id)]
        at = clock.now(moment)
        due = conn.execute(
            select(INJECTS).where(INJECTS.c.exercise_id == exercise_id, INJECTS.c.at <= at).order_by(INJECTS.c.at, INJECTS.c.inject_id)
        ).all()  # fmt: skip
        done = {
            (d.inject_id, d.team_id)
            for d in conn.execute(
                select(DELIVERIES.c.inject_id, DELIVERIES.c.team_id)
                .join(INJECTS, INJECTS.c.inject_id == DELIVERIES.c.inject_id)
                .where(INJECTS.c.exercise_id == exercise_id)
            )
        }
    if clock.status is not ClockStatus.PLANNED and teams:
        for inject in due:
            for team_id in teams:
                if (inject.inject_id, team_id) not in done:
                    _deliver(engine, chosen, inject, team_id, at)
            if inject.delivered_at is None:
                with engine.begin() as conn:
                    conn.execute(
                        update(INJECTS)
                        .where(INJECTS.c.inject_id == inject.inject_id)
                        .values(delivered_at=_aware(inject.at))
                    )
        if clock.status is ClockStatus.RUNNING or clock.status is ClockStatus.PAUSED:
            _escalate(engine, teams, at)
    return exercise_status(engine, exercise_id, now=now)


def exercise_status(engine: Engine, exercise_id: int, *, now: datetime | None = None) -> dict[str, Any]:
    """The exercise: its clock, teams and members, and injects delivered and to come."""
    moment = _now(now)
    with engine.connect() as conn:
        row = _exercise(conn, exercise_id)
        clock = _clock(row)
        teams = []
        for team in _teams(conn, exercise_id):
            members = conn.execute(
                select(tables.users.c.username, tables.users.c.role, MEMBERS.c.post_id)
                .join(MEMBERS, MEMBERS.c.user_id == tables.users.c.user_id)
                .where(MEMBERS.c.team_id == team.team_id)
                .order_by(tables.users.c.username)
            ).all()
            teams.append({
                "team_id": team.team_id, "name": team.name, "alerts_exercise_id": team.team_id,
                "members": [{"username": m.username, "role": m.role, "post": m.post_id} for m in members],
            })  # fmt: skip
        injects = conn.execute(
            select(INJECTS.c.kind, INJECTS.c.delivered_at).where(INJECTS.c.exercise_id == exercise_id)
        ).all()
    delivered = sum(1 for i in injects if i.delivered_at is not None)
    return {
        "exercise_id": row.exercise_id,
        "name": row.name,
        "source": row.source,
        "description": row.description,
        "settings": orjson.loads(row.settings),
        "status": ClockStatus.FINISHED.value if clock.over(moment) and clock.status is not ClockStatus.PLANNED else clock.status.value,
        "speed": clock.speed,
        "scenario_start": clock.start.isoformat(),
        "scenario_end": clock.end.isoformat(),
        "exercise_time": clock.now(moment).isoformat(),
        "teams": teams,
        "injects": {"total": len(injects), "delivered": delivered, "to_come": len(injects) - delivered},
    }  # fmt: skip


READINESS_STEPS = (
    ActionName.ACKNOWLEDGE, ActionName.VERIFY, ActionName.CLASSIFY, ActionName.TRANSMIT, ActionName.DECIDE,
    ActionName.DEPLOY, ActionName.RECORD_OUTCOME, ActionName.GIVE_FEEDBACK, ActionName.CLOSE,
)  # fmt: skip
"""The lifecycle steps a team must be able to take for an alert to go from received to closed."""
ALERT_INJECTS = (InjectKind.COMMUNITY_ALERT.value, InjectKind.RUMOUR.value, InjectKind.EVENT.value)


def team_readiness(engine: Engine, exercise_id: int) -> dict[int, list[Message]]:
    """Per team, what would make the exercise unfair to it, said before it starts: lifecycle steps none of its
    members' roles may take (the team cannot close an alert, and is not scored on those steps), and alert injects
    outside every member's area of responsibility (the team never sees them)."""
    from pochub.services.access import get_user

    with engine.connect() as conn:
        structure = alert_service.rules_for(conn).structure
        injects = conn.execute(
            select(INJECTS.c.pcode).where(
                INJECTS.c.exercise_id == exercise_id, INJECTS.c.kind.in_(ALERT_INJECTS)
            )
        ).all()
        teams = [
            (
                team.team_id,
                list(
                    conn.execute(
                        select(tables.users.c.username)
                        .join(MEMBERS, MEMBERS.c.user_id == tables.users.c.user_id)
                        .where(MEMBERS.c.team_id == team.team_id)
                    ).scalars()
                ),
            )
            for team in _teams(conn, exercise_id)
        ]
    found: dict[int, list[Message]] = {}
    for team_id, usernames in teams:
        users = [get_user(engine, name) for name in usernames]
        warnings: list[Message] = []
        missing = [step for step in READINESS_STEPS if not any(u.role in ACTION_ROLES[step] for u in users)]
        if missing:
            warnings.append(
                Message(
                    N_("no member's role may {steps}: the team cannot take an alert to its close"),
                    steps=joined([ACTION_LABELS[step] for step in missing]),
                )
            )
        if injects:
            seen = 0
            for inject in injects:
                office = field_office_of(structure, inject.pcode)
                where = office.id if office is not None else None
                if any(in_area(u, pcode=inject.pcode, field_office=where) for u in users):
                    seen += 1
            if seen < len(injects):
                warnings.append(
                    Message(
                        N_(
                            "{unseen} of {total} alert injects fall outside every member's area: the team will not see them"
                        ),
                        unseen=len(injects) - seen,
                        total=len(injects),
                    )
                )
        found[team_id] = warnings
    return found


def list_exercises(engine: Engine) -> list[dict[str, Any]]:
    """Every exercise, newest first."""
    with engine.connect() as conn:
        rows = conn.execute(select(EX).order_by(EX.c.exercise_id.desc())).all()
    now = datetime.now(UTC)
    return [
        {
            "exercise_id": r.exercise_id,
            "name": r.name,
            "source": r.source,
            "status": r.status,
            "exercise_time": _clock(r).now(now).isoformat(),
        }
        for r in rows
    ]


def injects_of(engine: Engine, exercise_id: int, *, delivered_only: bool = False) -> list[dict[str, Any]]:
    """The exercise's injects in time order (the facilitator sees them all; teams only the delivered ones)."""
    with engine.connect() as conn:
        _exercise(conn, exercise_id)
        query = select(INJECTS).where(INJECTS.c.exercise_id == exercise_id)
        if delivered_only:
            query = query.where(INJECTS.c.delivered_at.is_not(None))
        rows = conn.execute(query.order_by(INJECTS.c.at, INJECTS.c.inject_id)).all()
    return [_inject_view(r, answer=not delivered_only) for r in rows]


def _inject_view(row: Any, *, answer: bool) -> dict[str, Any]:
    details = orjson.loads(row.details)
    view = {
        "inject_id": row.inject_id, "kind": row.kind, "at": _aware(row.at).isoformat(), "title": row.title,
        "text": row.text, "latitude": row.latitude, "longitude": row.longitude, "pcode": row.pcode,
        "community_id": row.community_id, "threat_type": row.threat_type, "urgency": row.urgency,
        "origin": row.origin, "delivered": row.delivered_at is not None, "roads": details.get("road_ids", []),
        "units": details.get("unit_ids", []), "until": details.get("until"), "source_event": details.get("source_event"),
        "source_date": details.get("source_date"),
    }  # fmt: skip
    if answer:
        view["expected"] = details.get("expected")
    return view


# --- playing: the trainees' feed and actions ---


def team_feed(
    engine: Engine, settings: Settings, exercise_id: int, user: User, *, now: datetime | None = None
) -> dict[str, Any]:
    """What a trainee's team sees: its alerts (as the normal alert list shows them) and situation messages."""
    status = tick(engine, exercise_id, settings=settings, now=now)
    with engine.connect() as conn:
        team_id, name, post = team_of(conn, exercise_id, user)
        messages = conn.execute(
            select(INJECTS.c.at, INJECTS.c.kind, INJECTS.c.title, INJECTS.c.text)
            .join(DELIVERIES, DELIVERIES.c.inject_id == INJECTS.c.inject_id)
            .where(DELIVERIES.c.team_id == team_id, DELIVERIES.c.alert_reference.is_(None))
            .order_by(INJECTS.c.at)
        ).all()
    items, total = list_alerts(engine, settings, user, AlertFilter(exercise_id=team_id), limit=500, offset=0)
    for item in items:  # overdue on exercise time, not on the wall clock
        due = item["due_at"]
        item["overdue"] = bool(
            due and datetime.fromisoformat(due) < datetime.fromisoformat(status["exercise_time"])
        )
    return {
        "exercise_time": status["exercise_time"],
        "status": status["status"],
        "team": {"team_id": team_id, "name": name, "post": post},
        "alerts": items,
        "alerts_total": total,
        "messages": [
            {"at": _aware(m.at).isoformat(), "kind": m.kind, "title": m.title, "text": m.text}
            for m in messages
        ],
    }


def _decision_detail(action: Action, state: Any) -> dict[str, Any]:
    detail: dict[str, Any] = {"status": state.status.value}
    if state.verification is not None:
        detail["verification"] = state.verification.value
    if state.response is not None:
        response = state.response
        detail.update(
            decision=response.decision.value,
            tier=response.tier.value if response.tier else None,
            phase=response.phase.value if response.phase else None,
            units=list(response.units),
            reason=response.reason,
        )
    if action.name.value == "deploy":
        detail["deployed_units"] = list(state.deployed_units)
    if state.feedback is not None:
        detail["feedback_channel"] = state.feedback.channel.value
    return detail


def team_act(
    engine: Engine,
    settings: Settings,
    exercise_id: int,
    reference: str,
    action: Action,
    user: User,
    *,
    now: datetime | None = None,
) -> dict[str, Any]:
    """A trainee's lifecycle action on their team's alert, at exercise time, through the normal lifecycle."""
    moment = _now(now)
    status = tick(engine, exercise_id, settings=settings, now=now)
    if status["status"] != ClockStatus.RUNNING.value:
        raise InvalidTransition(
            Message(N_("the exercise is {status}: trainees act only while it runs"), status=status["status"])
        )
    at = datetime.fromisoformat(status["exercise_time"])
    with engine.connect() as conn:
        team_id, _, post = team_of(conn, exercise_id, user)
        owner = conn.execute(
            select(tables.alerts.c.exercise_id).where(tables.alerts.c.reference == reference)
        ).scalar_one_or_none()
    if owner != team_id:
        raise NotFound(Message(N_("no alert {reference} in your team's play"), reference=repr(reference)))
    state = alert_service.act(engine, settings, reference, action, user, now=at, exercise=True)
    with engine.begin() as conn:
        conn.execute(
            insert(DECISIONS).values(
                exercise_id=exercise_id, team_id=team_id, alert_reference=reference, action=action.name.value,
                actor=user.username, post_id=post, at=at, real_at=moment,
                detail=orjson.dumps(_decision_detail(action, state)).decode(),
            )
        )  # fmt: skip
    return {
        "reference": reference,
        "state": state.status.value,
        "next_step": state.next_step,
        "due_at": state.due_at.isoformat() if state.due_at else None,
        "exercise_time": at.isoformat(),
    }


# --- coverage at a moment: the team's posture against the optimal plan ---


@dataclass(frozen=True)
class Mission:
    """The mission's static picture, loaded once per scoring run."""

    communities: list[Community]
    units: list[Unit]
    bases: dict[str, Site]
    roads: list[Road]
    off_road_kmh: float = 20.0
    radius_km: float = 25.0
    networks: dict[tuple[frozenset[str], str], Network] = field(default_factory=dict)

    def network(self, cut: frozenset[str], season: str) -> Network:
        """The road network without the cut roads, in the season (cached)."""
        key = (cut, season)
        if key not in self.networks:
            kept = [r for r in self.roads if r.road_id not in cut]
            graph = RoadGraph.from_roads(kept, SpeedProfile().with_season(Season(season))) if kept else None
            self.networks[key] = Network(graph, self.off_road_kmh, Season(season))
        return self.networks[key]


def _mission(conn: Connection) -> Mission:
    bases = {
        r.base_id: Site(r.base_id, r.name, r.latitude, r.longitude)
        for r in conn.execute(select(tables.bases))
    }
    roads = [
        Road(r.road_id, r.road_class, r.surface, shapely.from_wkb(r.geometry), r.speed_kmh)
        for r in conn.execute(select(tables.roads))
    ]
    return Mission(repositories.load_communities(conn), _units(conn), bases, roads)


def _km(lat1: float, lon1: float, lat2: np.ndarray, lon2: np.ndarray) -> np.ndarray:
    """Great-circle kilometres from one point to many."""
    p1, p2 = math.radians(lat1), np.radians(lat2)
    dphi, dlmb = p2 - p1, np.radians(lon2) - math.radians(lon1)
    a = np.sin(dphi / 2) ** 2 + math.cos(p1) * np.cos(p2) * np.sin(dlmb / 2) ** 2
    return np.asarray(2 * 6371.0088 * np.arcsin(np.sqrt(np.minimum(a, 1.0))), dtype=np.float64)


@dataclass(frozen=True)
class Situation:
    """What held at one exercise moment: open real alerts, moved units, unavailable units, cut roads."""

    at: datetime
    alerts: list[tuple[str, float, float]]  # (reference, lat, lon) of open alerts of real threats
    moved: dict[str, str]  # unit id -> reference of the alert it went to
    unavailable: frozenset[str]
    cut: frozenset[str]
    season: str


@dataclass(frozen=True)
class Moment:
    """A key moment of the review: the comparison and what the map draws."""

    team: str
    at: datetime
    title: str
    comparison: CoverageComparison
    demand: list[tuple[str, float, float, float, bool]]  # (name, lat, lon, weight, covered by the team)
    alerts: list[tuple[str, float, float]]
    fixed: list[Site]
    team_sites: list[Site]
    optimal_sites: list[Site]


def coverage_at(
    mission: Mission, situation: Situation, standard_hours: float, team: str, title: str
) -> Moment | None:
    """Civilians at risk within the standard of the team's posture, and of the optimal plan with as many units
    moved (maximal covering on HiGHS, the bases of the units left in place fixed)."""
    if not situation.alerts:
        return None
    lat = np.array([c.latitude for c in mission.communities], dtype=np.float64)
    lon = np.array([c.longitude for c in mission.communities], dtype=np.float64)
    near = np.zeros(len(mission.communities), dtype=bool)
    for _, alat, alon in situation.alerts:
        if len(lat):
            near |= _km(alat, alon, lat, lon) <= mission.radius_km
    if near.any():
        chosen = [c for c, n in zip(mission.communities, near, strict=True) if n]
        demand = [(c.name, c.latitude, c.longitude, float(c.population or 1)) for c in chosen]
        measure = "civilians"
    else:
        demand = [(ref, alat, alon, 1.0) for ref, alat, alon in situation.alerts]
        measure = "places"
    alert_sites = {ref: Site(ref, ref, alat, alon) for ref, alat, alon in situation.alerts}
    staying = [
        u
        for u in mission.units
        if u.unit_id not in situation.unavailable and u.unit_id not in situation.moved
    ]
    fixed = list(
        {u.home_base: mission.bases[u.home_base] for u in staying if u.home_base in mission.bases}.values()
    )
    team_sites = list(
        {ref: alert_sites[ref] for ref in situation.moved.values() if ref in alert_sites}.values()
    )
    candidates = list(alert_sites.values()) + [
        Site(f"near:{n}", n, la, lo) for n, la, lo, _ in demand if measure == "civilians"
    ]
    network = mission.network(situation.cut, situation.season)
    points = Points.from_arrays([d[1] for d in demand], [d[2] for d in demand])
    sites = fixed + candidates
    cost = network.hours(sites, points).T  # demand x sites
    weights = np.array([d[3] for d in demand], dtype=np.float64)
    team_columns = list(range(len(fixed))) + [
        len(fixed) + list(alert_sites).index(s.site_id) for s in team_sites
    ]
    team_time = cost[:, team_columns].min(axis=1) if team_columns else np.full(len(demand), np.inf)
    team_covered = team_time <= standard_hours
    p = min(max(1, len(team_sites)), len(candidates))
    result = MaximalCovering.from_cost_matrix(
        cost, weights, standard_hours, p, list(range(len(fixed)))
    ).solve(HighsSolver(time_limit_seconds=20))
    optimal = [sites[int(i)] for i in result.sites]
    comparison = CoverageComparison(
        at=situation.at, at_risk=float(weights.sum()), team_covered=float(weights[team_covered].sum()),
        optimal_covered=max(float(result.covered_weight), float(weights[team_covered].sum())),
        units_moved=len(situation.moved), standard_hours=standard_hours,
        team_sites=tuple(s.name for s in team_sites), optimal_sites=tuple(s.name for s in optimal), measure=measure,
    )  # fmt: skip
    return Moment(
        team, situation.at, title, comparison,
        [(d[0], d[1], d[2], d[3], bool(c)) for d, c in zip(demand, team_covered, strict=True)],
        situation.alerts, fixed, team_sites, optimal,
    )  # fmt: skip


# --- scoring and the after-action review ---


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
        row = _exercise(conn, exercise_id)
        teams = _teams(conn, exercise_id)
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
        mission = _mission(conn)
    return Play(row, teams, injects, deliveries, decisions, alerts, mission)


def _situation(play: Play, team_id: int, at: datetime, upto: int | None = None) -> Situation:
    """The situation of a team at ``at``, counting its decisions up to decision ``upto`` (all when None)."""
    by_id = {i.inject_id: i for i in play.injects}
    closed_by: dict[str, datetime] = {}
    moved: dict[str, str] = {}
    for d in play.decisions:
        if d.team_id != team_id or _aware(d.at) > at or (upto is not None and d.decision_id > upto):
            continue
        if d.action == "close":
            closed_by[d.alert_reference] = _aware(d.at)
        if d.action == "deploy":
            for unit in orjson.loads(d.detail).get("deployed_units", []):
                moved[unit] = d.alert_reference
    open_alerts = []
    for delivery in play.deliveries:
        if (
            delivery.team_id != team_id
            or delivery.alert_reference is None
            or _aware(delivery.delivered_at) > at
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
        if _aware(inject.at) > at:
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
    for delivery in sorted(play.deliveries, key=lambda d: (_aware(d.delivered_at), d.inject_id)):
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
            at = _aware(deploy.at)
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
                delivered_at=_aware(delivery.delivered_at), expected=expected, deadlines=deadlines,
                acknowledged_at=_aware(first["acknowledge"].at) if "acknowledge" in first else None,
                verified_at=_aware(first["verify"].at) if "verify" in first else None,
                verification=Verification(verify["verification"]) if verify.get("verification") else None,
                decided_at=_aware(first["decide"].at) if "decide" in first else None,
                decision=Decision(decide["decision"]) if decide.get("decision") else None,
                tier=Tier(decide["tier"]) if decide.get("tier") else None,
                phase=Phase(decide["phase"]) if decide.get("phase") else None,
                units=units or tuple(decide.get("units", [])), unavailable_units=unavailable,
                deployed_at=_aware(deploy.at) if deploy is not None else None,
                feedback_at=_aware(first["give_feedback"].at) if "give_feedback" in first else None,
                closed_at=_aware(first["close"].at) if "close" in first else None, coverage=comparison,
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
    _require_facilitator(user)
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


def review(engine: Engine, exercise_id: int, user: User, *, now: datetime | None = None) -> Review:
    """Everything the after-action review shows, computed from the stored play."""
    _require_facilitator(user)
    status = tick(engine, exercise_id, now=now)
    play, teams, moments, _ = _scored(engine, exercise_id)
    names = {t.team_id: t.name for t in play.teams}
    timeline: list[dict[str, Any]] = []
    for inject in play.injects:
        if inject.delivered_at is None:
            continue
        details = orjson.loads(inject.details)
        timeline.append({
            "at": _aware(inject.at), "who": "facilitator", "kind": inject.kind, "what": inject.title,
            "detail": inject.text + (f" (real date {details['source_date']})" if details.get("source_date") else ""),
        })  # fmt: skip
    for d in play.decisions:
        detail = orjson.loads(d.detail)
        summary = ", ".join(
            f"{k} {v}" for k, v in detail.items() if v not in (None, [], "") and k != "status"
        )
        timeline.append({
            "at": _aware(d.at), "who": f"{names.get(d.team_id, '?')}: {d.actor}" + (f" ({d.post_id})" if d.post_id else ""),
            "kind": d.action, "what": d.alert_reference, "detail": summary,
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
    return Review(status, timeline, moments + end_moments, [_team_document(t) for t in teams], lessons(teams))

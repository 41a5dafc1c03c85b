"""Scenario set-up: create an exercise from the demo mission, a real period of real data or the facilitator's
scripted injects, add injects to it, and list them."""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import numpy as np
import orjson
from sqlalchemy import Connection, Engine, insert, select
from sqlalchemy.exc import IntegrityError

from pochub.config import Settings
from pochub.core.exercise.clock import ClockStatus, ExerciseClock, check_speed
from pochub.core.exercise.scenario import (
    EventRecord,
    Inject,
    InjectKind,
    MissionPicture,
    day_start,
    demo_scenario,
    difficulty,
    replay,
    with_answer_key,
)
from pochub.core.models.access import User
from pochub.core.models.alerts import Urgency
from pochub.core.text import N_, Message
from pochub.errors import Conflict, InvalidInput, InvalidTransition
from pochub.services.exercises.clock import exercise_status, tick
from pochub.services.exercises.records import (
    EX,
    INJECTS,
    aware,
    clock_of,
    clock_values,
    exercise_row,
    load_units,
    real_moment,
    require_facilitator,
)
from pochub.services.perspectives import perceived_points
from pochub.store import audit, repositories, tables


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
    require_facilitator(user)
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
    moment = real_moment(now)
    try:
        with engine.begin() as conn:
            exercise_id = int(
                conn.execute(
                    insert(EX)
                    .values(
                        name=name, source=source, description=description,
                        settings=orjson.dumps(settings).decode(), scenario_start=clock.start,
                        scenario_end=clock.end, created_by=user.username, created_at=moment, **clock_values(clock),
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
        units = load_units(conn)
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

    require_facilitator(user)
    moment = real_moment(now)
    with engine.begin() as conn:
        row = exercise_row(conn, exercise_id)
        clock = clock_of(row)
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


def injects_of(engine: Engine, exercise_id: int, *, delivered_only: bool = False) -> list[dict[str, Any]]:
    """The exercise's injects in time order (the facilitator sees them all; teams only the delivered ones)."""
    with engine.connect() as conn:
        exercise_row(conn, exercise_id)
        query = select(INJECTS).where(INJECTS.c.exercise_id == exercise_id)
        if delivered_only:
            query = query.where(INJECTS.c.delivered_at.is_not(None))
        rows = conn.execute(query.order_by(INJECTS.c.at, INJECTS.c.inject_id)).all()
    return [_inject_view(r, answer=not delivered_only) for r in rows]


def _inject_view(row: Any, *, answer: bool) -> dict[str, Any]:
    details = orjson.loads(row.details)
    view = {
        "inject_id": row.inject_id, "kind": row.kind, "at": aware(row.at).isoformat(), "title": row.title,
        "text": row.text, "latitude": row.latitude, "longitude": row.longitude, "pcode": row.pcode,
        "community_id": row.community_id, "threat_type": row.threat_type, "urgency": row.urgency,
        "origin": row.origin, "delivered": row.delivered_at is not None, "roads": details.get("road_ids", []),
        "units": details.get("unit_ids", []), "until": details.get("until"), "source_event": details.get("source_event"),
        "source_date": details.get("source_date"),
    }  # fmt: skip
    if answer:
        view["expected"] = details.get("expected")
    return view


def is_area(engine: Engine, pcode: str) -> bool:
    """Is ``pcode`` a stored admin area's (an inject's place must be one)?"""
    areas = tables.admin_areas
    with engine.connect() as conn:
        return conn.execute(select(areas.c.pcode).where(areas.c.pcode == pcode)).first() is not None


URGENT_CONCERNS = frozenset(
    {"killing", "abduction_forced_disappearance", "sexual_violence", "forced_recruitment"}
)
"""Concerns that make a community-voice inject high urgency (the others routine)."""


def add_community_injects(
    engine: Engine,
    exercise_id: int,
    user: User,
    *,
    count: int = 3,
    days: int = 180,
    now: datetime | None = None,
) -> dict[str, Any]:
    """Add injects drawn from what communities said: the latest concerns raised in engagements (threat, place and
    perpetrator as the community named them), then the communities most of whose people say in the latest
    perception survey that they do not feel safe, become community alerts of an anticipated threat, spread over the
    exercise time left; the doctrine answer is pre-emption. Trainees hear what the mission's communities said."""
    require_facilitator(user)
    if not 1 <= count <= 20:
        raise InvalidInput(
            Message(N_("add between 1 and 20 injects from communities, not {count}"), count=count)
        )
    moment = real_moment(now)
    with engine.begin() as conn:
        row = exercise_row(conn, exercise_id)
        clock = clock_of(row)
        if clock.status is ClockStatus.FINISHED:
            raise InvalidTransition(N_("the exercise is finished"))
        since = moment - timedelta(days=days)
        heard = conn.execute(
            select(tables.engagements.c.held_on, tables.engagements.c.kind, tables.engagements.c.concerns,
                   tables.communities.c.community_id, tables.communities.c.name, tables.communities.c.pcode,
                   tables.communities.c.latitude, tables.communities.c.longitude)
            .join(tables.communities, tables.communities.c.community_id == tables.engagements.c.community_id)
            .where(tables.engagements.c.held_on >= since)
            .order_by(tables.engagements.c.held_on.desc())
        ).all()  # fmt: skip
        concerns = [(r, c) for r in heard for c in json.loads(r.concerns)][:count]
        places = {
            p.community_id: p
            for p in conn.execute(
                select(tables.communities.c.community_id, tables.communities.c.name, tables.communities.c.pcode,
                       tables.communities.c.latitude, tables.communities.c.longitude)
            )
        }  # fmt: skip
    # the rest from the latest perception survey: the communities most of whose people say they do not feel safe
    feared = sorted(
        (p for p in perceived_points(engine, user) if p["unsafe"] >= 0.5),
        key=lambda p: (-p["unsafe"], p["name"]),
    )[: max(0, count - len(concerns))]
    if not concerns and not feared:
        raise InvalidInput(
            N_(
                "no concern was raised in engagements in the last months and no survey shows fear: record them first"
            )
        )
    with engine.begin() as conn:
        start, end = clock.now(moment), clock.end
        step = (end - start) / (len(concerns) + len(feared) + 1)
        injects = []
        for number, (r, concern) in enumerate(concerns, start=1):
            threat = concern["threat_type"]
            words = (
                f"At a {r.kind.replace('_', ' ')} on {r.held_on.date().isoformat()}, people of {r.name} said"
            )
            where = f" on {concern['place']}" if concern.get("place") else ""
            who = f", by {concern['perpetrator']}" if concern.get("perpetrator") else ""
            injects.append(
                with_answer_key(
                    Inject(
                        InjectKind.COMMUNITY_ALERT, start + step * number, f"What {r.name} said",
                        text=f"{words} they fear {threat.replace('_', ' ')}{where}{who}.",
                        latitude=r.latitude, longitude=r.longitude, pcode=r.pcode, community_id=r.community_id,
                        threat_type=threat,
                        urgency=Urgency.HIGH if threat in URGENT_CONCERNS else Urgency.ROUTINE,
                        origin="communities",
                    ),
                    anticipated=True,
                )
            )  # fmt: skip
        for number, point in enumerate(feared, start=len(concerns) + 1):
            place = places[point["community_id"]]
            injects.append(
                with_answer_key(
                    Inject(
                        InjectKind.COMMUNITY_ALERT, start + step * number, f"What {place.name} feels",
                        text=(f"In the {point['survey']} ({point['wave']}), {round(point['unsafe'] * 100)} % of the "
                              f"people of {place.name} said they do not feel safe; they fear an attack."),
                        latitude=place.latitude, longitude=place.longitude, pcode=place.pcode,
                        community_id=place.community_id, urgency=Urgency.ROUTINE, origin="communities",
                    ),
                    anticipated=True,
                )
            )  # fmt: skip
        added = _store_injects(conn, exercise_id, injects)
        audit.record(
            conn, actor=user.username, role=user.role.value, action="write", entity="exercise",
            entity_id=str(exercise_id), detail=f"{added} inject(s) from communities' concerns and surveys", at=moment,
        )  # fmt: skip
    return tick(engine, exercise_id, now=now)

"""Read queries behind the reports: the days' events grouped by area, and open alerts counted by state."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import Connection, func, select

from pochub.core.models.alerts import OPEN_STATUSES, AlertStatus
from pochub.store.tables import alerts, events

EVENT_FIELDS = (
    "id",
    "event_date",
    "source",
    "category",
    "threat_type",
    "actor1",
    "location",
    "fatalities_best",
    "civilian_fatalities",
    "notes",
)
"""What a report says of each event."""


def _area_columns(level: int) -> tuple[Any, Any]:
    code = events.c[f"admin{level}_pcode"]
    name = events.c[f"admin{level}_name"]
    return func.coalesce(code, func.nullif(name, ""), "").label("area_pcode"), func.coalesce(
        func.nullif(name, ""), code, ""
    ).label("area_name")


def events_by_area(conn: Connection, start: date, end: date, level: int) -> list[dict[str, Any]]:
    """Per area of ``level`` (P-code, else the source's name; "" when unknown): the de-duplicated events of
    [start, end] with their fatalities, civilian fatalities and threats, most fatalities first."""
    code, name = _area_columns(level)
    ev = events.c
    query = (
        select(
            code,
            func.max(name).label("area_name"),
            func.count().label("events"),
            func.coalesce(func.sum(ev.fatalities_best), 0).label("fatalities"),
            func.coalesce(func.sum(ev.civilian_fatalities), 0).label("civilian_fatalities"),
            func.count(ev.threat_type).label("threat_events"),
        )
        .where(ev.duplicate_of.is_(None), ev.event_date.between(start, end))
        .group_by(code)
    )
    rows = [
        {
            "area_pcode": r.area_pcode,
            "area_name": r.area_name,
            "events": int(r.events),
            "fatalities": int(r.fatalities),
            "civilian_fatalities": int(r.civilian_fatalities),
            "threat_events": int(r.threat_events),
        }
        for r in conn.execute(query)
    ]
    return sorted(rows, key=lambda r: (-r["fatalities"], -r["events"], r["area_pcode"]))


def events_of_days(conn: Connection, start: date, end: date, level: int, limit: int) -> list[dict[str, Any]]:
    """The de-duplicated events of [start, end] with their area, deadliest first, at most ``limit``."""
    code, name = _area_columns(level)
    ev = events.c
    query = (
        select(code, name, *[ev[f] for f in EVENT_FIELDS])
        .where(ev.duplicate_of.is_(None), ev.event_date.between(start, end))
        .order_by(ev.fatalities_best.desc(), ev.event_date.desc(), ev.id)
        .limit(limit)
    )
    return [dict(row._mapping) for row in conn.execute(query)]


def open_alerts_by_state(conn: Connection) -> dict[str, int]:
    """Open real alerts (not closed or reviewed; exercises left out) per state, every open state listed."""
    a = alerts.c
    query = (
        select(a.state, func.count())
        .where(a.exercise_id.is_(None), a.state.in_([s.value for s in OPEN_STATUSES]))
        .group_by(a.state)
    )
    counted = {state: int(n) for state, n in conn.execute(query)}
    return {s.value: counted.get(s.value, 0) for s in AlertStatus if s in OPEN_STATUSES}

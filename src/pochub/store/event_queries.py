"""Read queries over stored events: counts, summaries by key, bounding-box and date filters, streaming export."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from typing import Any

import polars as pl
from sqlalchemy import ColumnElement, Connection, Select, func, select

from pochub.core.geography.areas import OUTSIDE
from pochub.core.models.events import EVENT_COLUMNS
from pochub.core.models.filters import EventFilter as EventFilter
from pochub.errors import InvalidInput
from pochub.store.tables import admin_areas, events

SUMMARY_KEYS = ("type", "category", "threat", "month", "year", "area", "actor", "source")
SOURCE_NAMES = "source's names"
"""How areas are labelled when no boundary is stored at the level: each source's own admin names."""


def apply_filter(query: Select[Any], chosen: EventFilter) -> Select[Any]:
    """Add the conditions of ``chosen`` to ``query``."""
    ev = events.c
    if not chosen.include_duplicates:
        query = query.where(ev.duplicate_of.is_(None))
    if chosen.start:
        query = query.where(ev.event_date >= chosen.start)
    if chosen.end:
        query = query.where(ev.event_date <= chosen.end)
    if chosen.bbox:
        min_lon, min_lat, max_lon, max_lat = chosen.bbox
        query = query.where(ev.longitude.between(min_lon, max_lon), ev.latitude.between(min_lat, max_lat))
    if chosen.source:
        query = query.where(ev.source == chosen.source)
    if chosen.category:
        query = query.where(ev.category == chosen.category)
    if chosen.threat_only:
        query = query.where(ev.threat_type.is_not(None))
    return query


def _key_expression(conn: Connection, key: str) -> ColumnElement[Any]:
    ev = events.c
    postgres = conn.dialect.name == "postgresql"
    if key == "month":
        return func.to_char(ev.event_date, "YYYY-MM") if postgres else func.strftime("%Y-%m", ev.event_date)
    if key == "year":
        return func.to_char(ev.event_date, "YYYY") if postgres else func.strftime("%Y", ev.event_date)
    columns: dict[str, ColumnElement[Any]] = {
        "type": ev.source_event_type,
        "category": ev.category,
        "threat": func.coalesce(ev.threat_type, "none"),
        "actor": func.coalesce(ev.actor1, ""),
        "source": ev.source,
    }
    if key not in columns:
        raise InvalidInput(f"cannot summarise by {key!r}; choose one of {', '.join(SUMMARY_KEYS)}")
    return columns[key]


def has_boundaries(conn: Connection, level: int) -> bool:
    """Whether admin areas of ``level`` are stored (then events are grouped by their P-codes)."""
    query = select(func.count()).select_from(admin_areas).where(admin_areas.c.level == level)
    return bool(conn.execute(query).scalar_one())


def _area_summary(conn: Connection, event_filter: EventFilter, level: int) -> list[dict[str, Any]]:
    """Per area of ``level``: with boundaries, per P-code with the boundary's name (events beyond every boundary
    under one "outside the boundaries" row); without, per source's name, labelled as such."""
    ev = events.c
    code_col = getattr(ev, f"admin{level}_pcode")
    name_col = getattr(ev, f"admin{level}_name")
    measures = (
        func.count().label("events"),
        func.coalesce(func.sum(ev.fatalities_best), 0).label("fatalities"),
        func.coalesce(func.sum(ev.civilian_fatalities), 0).label("civilian_fatalities"),
    )
    if has_boundaries(conn, level):
        a = admin_areas.c
        joined = events.outerjoin(admin_areas, (a.pcode == code_col) & (a.level == level))
        query = select(a.pcode.label("key"), a.name.label("name"), *measures).select_from(joined)
        rows = conn.execute(apply_filter(query.group_by(a.pcode, a.name), event_filter)).all()
        basis = f"boundaries of level {level}"
        named = [(r.key or OUTSIDE, r.name or OUTSIDE, r) for r in rows]
    else:
        key_expr = func.coalesce(func.nullif(name_col, ""), code_col, "").label("key")
        rows = conn.execute(apply_filter(select(key_expr, *measures).group_by(key_expr), event_filter)).all()
        basis = SOURCE_NAMES
        named = [(r.key, r.key, r) for r in rows]
    result = [
        {
            "key": key,
            "name": name,
            "area_basis": basis,
            "events": int(r.events),
            "fatalities": int(r.fatalities),
            "civilian_fatalities": int(r.civilian_fatalities),
        }
        for key, name, r in named
    ]
    return sorted(result, key=lambda r: (r["key"] == OUTSIDE, -r["events"], str(r["key"])))


def summary(conn: Connection, key: str, event_filter: EventFilter, *, level: int = 1) -> list[dict[str, Any]]:
    """Events, fatalities and civilian fatalities per value of ``key``, largest first (by key for time keys).
    Areas are those of admin ``level`` (see ``_area_summary``)."""
    if key == "area":
        if level not in (1, 2):
            raise InvalidInput(f"events have areas at admin level 1 or 2, not {level}")
        return _area_summary(conn, event_filter, level)
    ev = events.c
    key_expr = _key_expression(conn, key).label("key")
    query = select(
        key_expr,
        func.count().label("events"),
        func.coalesce(func.sum(ev.fatalities_best), 0).label("fatalities"),
        func.coalesce(func.sum(ev.civilian_fatalities), 0).label("civilian_fatalities"),
    ).group_by(key_expr)
    rows = conn.execute(apply_filter(query, event_filter)).all()
    result = [
        {
            "key": r.key,
            "events": int(r.events),
            "fatalities": int(r.fatalities),
            "civilian_fatalities": int(r.civilian_fatalities),
        }
        for r in rows
    ]
    if key in ("month", "year"):
        return sorted(result, key=lambda r: str(r["key"]))
    return sorted(result, key=lambda r: (-r["events"], str(r["key"])))


def count(conn: Connection, event_filter: EventFilter) -> int:
    """Number of events matching the filter."""
    return int(
        conn.execute(apply_filter(select(func.count()).select_from(events), event_filter)).scalar_one()
    )


def stream(
    conn: Connection, event_filter: EventFilter, limit: int | None = None, chunk: int = 10_000
) -> Iterator[dict[str, Any]]:
    """Events as dicts of the event columns (plus id and duplicate_of), in (source, source_id) order."""
    ev = events.c
    query = apply_filter(
        select(ev.id, *[getattr(ev, c) for c in EVENT_COLUMNS], ev.duplicate_of), event_filter
    ).order_by(ev.source, ev.source_id)
    if limit is not None:
        query = query.limit(limit)
    result = conn.execution_options(yield_per=chunk).execute(query)
    for row in result:
        yield dict(row._mapping)


FRAME_SCHEMA: dict[str, pl.DataType] = {
    "id": pl.Int64(),
    "source": pl.String(),
    "source_id": pl.String(),
    "event_date": pl.Date(),
    "latitude": pl.Float64(),
    "longitude": pl.Float64(),
    "admin1_pcode": pl.String(),
    "admin1_name": pl.String(),
    "admin2_pcode": pl.String(),
    "admin2_name": pl.String(),
    "category": pl.String(),
    "threat_type": pl.String(),
    "actor1": pl.String(),
    "inter1": pl.Int16(),
    "civilian_targeting": pl.Boolean(),
    "fatalities_best": pl.Int64(),
    "civilian_fatalities": pl.Int64(),
    "source_grade": pl.String(),
}
"""The event columns analyses read, with their types."""


def frame(conn: Connection, event_filter: EventFilter, chunk: int = 100_000) -> pl.DataFrame:
    """Events matching the filter as a Polars frame of ``FRAME_SCHEMA`` columns (fetched in chunks)."""
    query = apply_filter(select(*[getattr(events.c, c) for c in FRAME_SCHEMA]), event_filter)
    result = conn.execution_options(yield_per=chunk).execute(query)
    parts = [
        pl.DataFrame([tuple(r) for r in rows], schema=FRAME_SCHEMA, orient="row")
        for rows in result.partitions(chunk)
    ]
    return pl.concat(parts) if parts else pl.DataFrame(schema=FRAME_SCHEMA)


def date_range(conn: Connection, event_filter: EventFilter) -> tuple[date | None, date | None]:
    """First and last event date matching the filter."""
    ev = events.c
    query = apply_filter(select(func.min(ev.event_date), func.max(ev.event_date)), event_filter)
    first, last = conn.execute(query).one()
    return first, last


def by_ids(conn: Connection, ids: list[int]) -> dict[int, dict[str, Any]]:
    """Events by id (any number, fetched in chunks), as dicts of the event columns."""
    ev = events.c
    found: dict[int, dict[str, Any]] = {}
    for start in range(0, len(ids), 1000):
        part = ids[start : start + 1000]
        query = select(ev.id, *[getattr(ev, c) for c in EVENT_COLUMNS if c != "raw"]).where(ev.id.in_(part))
        found.update({row.id: dict(row._mapping) for row in conn.execute(query)})
    return found

"""What the operational picture's cached layers are read from: the data's version (row counts and latest ids of
the tables behind the layers, cheap to read on every request) and the roads as stored."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Engine, func, select

from pochub.store import tables


def data_version(engine: Engine) -> tuple[Any, ...]:
    """What changes when the data behind a layer change: row counts and latest ids of the tables read."""
    values: list[Any] = []
    with engine.connect() as conn:
        for table in (tables.communities, tables.bases, tables.units, tables.roads, tables.structures):
            values.append(conn.execute(select(func.count()).select_from(table)).scalar_one())
        values.extend(conn.execute(select(func.count(), func.max(tables.events.c.id))).one())
        values.extend(conn.execute(select(func.count(), func.max(tables.imports.c.id))).one())
        overrides = tables.threat_overrides.c.override_id
        values.extend(conn.execute(select(func.count(), func.max(overrides))).one())
    return tuple(values)


def roads(engine: Engine) -> list[tuple[str, str, str, bytes]]:
    """Every road as (id, class, surface, line as WKB)."""
    r = tables.roads.c
    with engine.connect() as conn:
        rows = conn.execute(select(r.road_id, r.road_class, r.surface, r.geometry)).all()
    return [(road_id, road_class, surface, blob) for road_id, road_class, surface, blob in rows]

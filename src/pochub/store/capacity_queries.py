"""Read queries over the mission's capacities: bases (with the units they host) and units (at their home base)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from typing import Any

from sqlalchemy import Connection, Select, func, select

from pochub.core.models.filters import BaseFilter as BaseFilter
from pochub.core.models.filters import UnitFilter as UnitFilter
from pochub.store.tables import bases, units


def apply_base_filter(query: Select[Any], chosen: BaseFilter) -> Select[Any]:
    """Add the conditions of ``chosen`` to ``query``."""
    b = bases.c
    if chosen.base_type:
        query = query.where(b.base_type == chosen.base_type)
    if chosen.area:
        query = query.where(b.pcode.startswith(chosen.area, autoescape=True))
    if chosen.bbox:
        min_lon, min_lat, max_lon, max_lat = chosen.bbox
        query = query.where(b.longitude.between(min_lon, max_lon), b.latitude.between(min_lat, max_lat))
    return query


def _units_at(conn: Connection, base_ids: list[str]) -> dict[str, list[str]]:
    hosted: dict[str, list[str]] = defaultdict(list)
    if base_ids:
        query = select(units.c.home_base, units.c.unit_id).where(units.c.home_base.in_(base_ids))
        for base_id, unit_id in conn.execute(query.order_by(units.c.unit_id)):
            hosted[base_id].append(unit_id)
    return hosted


def _bases_with_units(conn: Connection, rows: Sequence[Any]) -> list[dict[str, Any]]:
    hosted = _units_at(conn, [r.base_id for r in rows])
    return [
        {
            "base_id": r.base_id,
            "name": r.name,
            "base_type": r.base_type,
            "latitude": r.latitude,
            "longitude": r.longitude,
            "pcode": r.pcode,
            "capacity": int(r.capacity),
            "unit_ids": hosted.get(r.base_id, []),
        }
        for r in rows
    ]


def count_bases(conn: Connection, chosen: BaseFilter) -> int:
    """How many bases match."""
    return int(conn.execute(apply_base_filter(select(func.count()).select_from(bases), chosen)).scalar_one())


def list_bases(conn: Connection, chosen: BaseFilter, limit: int, offset: int) -> list[dict[str, Any]]:
    """One page of the matching bases in id order, each with the ids of the units based there."""
    query = apply_base_filter(select(bases), chosen).order_by(bases.c.base_id).limit(limit).offset(offset)
    return _bases_with_units(conn, conn.execute(query).all())


def base(conn: Connection, base_id: str) -> dict[str, Any] | None:
    """One base by id (with its units), or None."""
    rows = conn.execute(select(bases).where(bases.c.base_id == base_id)).all()
    return _bases_with_units(conn, rows)[0] if rows else None


def apply_unit_filter(query: Select[Any], chosen: UnitFilter) -> Select[Any]:
    """Add the conditions of ``chosen`` to ``query`` (which must join the home base)."""
    u = units.c
    if chosen.unit_type:
        query = query.where(u.unit_type == chosen.unit_type)
    if chosen.readiness:
        query = query.where(u.readiness == chosen.readiness)
    if chosen.area:
        query = query.where(bases.c.pcode.startswith(chosen.area, autoescape=True))
    if chosen.home_base:
        query = query.where(u.home_base == chosen.home_base)
    if chosen.air is not None:
        query = query.where(u.air == chosen.air)
    return query


_UNIT_COLUMNS = (
    *units.c,
    bases.c.name.label("base_name"),
    bases.c.base_type,
    bases.c.latitude,
    bases.c.longitude,
    bases.c.pcode,
)
_AT_HOME = units.join(bases, units.c.home_base == bases.c.base_id)


def _unit(row: Any) -> dict[str, Any]:
    return {
        "unit_id": row.unit_id,
        "name": row.name,
        "unit_type": row.unit_type,
        "strength": int(row.strength),
        "tiers": [t for t in row.tiers.split(";") if t],
        "road_speed_kmh": float(row.road_speed_kmh),
        "air": bool(row.air),
        "readiness": row.readiness,
        "home_base": {
            "base_id": row.home_base,
            "name": row.base_name,
            "base_type": row.base_type,
            "latitude": row.latitude,
            "longitude": row.longitude,
            "pcode": row.pcode,
        },
    }


def count_units(conn: Connection, chosen: UnitFilter) -> int:
    """How many units match."""
    return int(
        conn.execute(apply_unit_filter(select(func.count()).select_from(_AT_HOME), chosen)).scalar_one()
    )


def list_units(conn: Connection, chosen: UnitFilter, limit: int, offset: int) -> list[dict[str, Any]]:
    """One page of the matching units in id order, each with its home base and where that base is."""
    query = apply_unit_filter(select(*_UNIT_COLUMNS).select_from(_AT_HOME), chosen)
    return [_unit(row) for row in conn.execute(query.order_by(units.c.unit_id).limit(limit).offset(offset))]


def unit(conn: Connection, unit_id: str) -> dict[str, Any] | None:
    """One unit by id (with its home base), or None."""
    query = select(*_UNIT_COLUMNS).select_from(_AT_HOME).where(units.c.unit_id == unit_id)
    row = conn.execute(query).first()
    return _unit(row) if row else None

"""Read queries over the mission's capacities: bases (with the units they host) and units (at their home base)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, Select, func, select

from pochub.store.tables import bases, units

BBox = tuple[float, float, float, float]
"""min_lon, min_lat, max_lon, max_lat."""


@dataclass(frozen=True)
class BaseFilter:
    """Which bases a query covers: of a type, under a P-code, inside a box."""

    base_type: str | None = None
    area: str | None = None
    bbox: BBox | None = None

    def apply(self, query: Select[Any]) -> Select[Any]:
        """Add this filter's conditions to ``query``."""
        b = bases.c
        if self.base_type:
            query = query.where(b.base_type == self.base_type)
        if self.area:
            query = query.where(b.pcode.startswith(self.area, autoescape=True))
        if self.bbox:
            min_lon, min_lat, max_lon, max_lat = self.bbox
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
    return int(conn.execute(chosen.apply(select(func.count()).select_from(bases))).scalar_one())


def list_bases(conn: Connection, chosen: BaseFilter, limit: int, offset: int) -> list[dict[str, Any]]:
    """One page of the matching bases in id order, each with the ids of the units based there."""
    query = chosen.apply(select(bases)).order_by(bases.c.base_id).limit(limit).offset(offset)
    return _bases_with_units(conn, conn.execute(query).all())


def base(conn: Connection, base_id: str) -> dict[str, Any] | None:
    """One base by id (with its units), or None."""
    rows = conn.execute(select(bases).where(bases.c.base_id == base_id)).all()
    return _bases_with_units(conn, rows)[0] if rows else None


@dataclass(frozen=True)
class UnitFilter:
    """Which units a query covers: of a type, of a readiness, based under a P-code or at one base, flying."""

    unit_type: str | None = None
    readiness: str | None = None
    area: str | None = None
    home_base: str | None = None
    air: bool | None = None

    def apply(self, query: Select[Any]) -> Select[Any]:
        """Add this filter's conditions to ``query`` (which must join the home base)."""
        u = units.c
        if self.unit_type:
            query = query.where(u.unit_type == self.unit_type)
        if self.readiness:
            query = query.where(u.readiness == self.readiness)
        if self.area:
            query = query.where(bases.c.pcode.startswith(self.area, autoescape=True))
        if self.home_base:
            query = query.where(u.home_base == self.home_base)
        if self.air is not None:
            query = query.where(u.air == self.air)
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
    return int(conn.execute(chosen.apply(select(func.count()).select_from(_AT_HOME))).scalar_one())


def list_units(conn: Connection, chosen: UnitFilter, limit: int, offset: int) -> list[dict[str, Any]]:
    """One page of the matching units in id order, each with its home base and where that base is."""
    query = chosen.apply(select(*_UNIT_COLUMNS).select_from(_AT_HOME))
    return [_unit(row) for row in conn.execute(query.order_by(units.c.unit_id).limit(limit).offset(offset))]


def unit(conn: Connection, unit_id: str) -> dict[str, Any] | None:
    """One unit by id (with its home base), or None."""
    query = select(*_UNIT_COLUMNS).select_from(_AT_HOME).where(units.c.unit_id == unit_id)
    row = conn.execute(query).first()
    return _unit(row) if row else None

"""The mission's capacities as the edges list them: bases with the units they host, and units at their home base,
filtered, counted and paged; and which base each unit calls home, by name, for the map's reach of each base."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, Engine, select

from pochub.core.models.filters import BaseFilter, UnitFilter
from pochub.store import capacity_queries, tables


@dataclass(frozen=True)
class CapacityPage:
    """One page of bases or units and how many match in all."""

    total: int
    items: list[dict[str, Any]]


def base_page(conn: Connection, chosen: BaseFilter, limit: int, offset: int) -> CapacityPage:
    """One page of the matching bases in id order, each with the ids of the units based there."""
    total = capacity_queries.count_bases(conn, chosen)
    return CapacityPage(total, capacity_queries.list_bases(conn, chosen, limit, offset))


def base(conn: Connection, base_id: str) -> dict[str, Any] | None:
    """One base with its units, or None."""
    return capacity_queries.base(conn, base_id)


def unit_page(conn: Connection, chosen: UnitFilter, limit: int, offset: int) -> CapacityPage:
    """One page of the matching units in id order, each with its home base and where that base is."""
    total = capacity_queries.count_units(conn, chosen)
    return CapacityPage(total, capacity_queries.list_units(conn, chosen, limit, offset))


def unit(conn: Connection, unit_id: str) -> dict[str, Any] | None:
    """One unit with its home base, or None."""
    return capacity_queries.unit(conn, unit_id)


@dataclass(frozen=True)
class HomeBases:
    """Each unit's home base id, and each base's name."""

    base_of: dict[str, str]
    names: dict[str, str]


def home_bases(engine: Engine) -> HomeBases:
    """Which base each unit calls home, and the bases' names."""
    with engine.connect() as conn:
        base_of = dict(conn.execute(select(tables.units.c.unit_id, tables.units.c.home_base)).all())
        names = dict(conn.execute(select(tables.bases.c.base_id, tables.bases.c.name)).all())
    return HomeBases(base_of, names)

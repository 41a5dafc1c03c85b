"""The units an officer may name in a response decision, nearest first: grouped by the field office whose area
holds their home base, each with its travel time to the alert by the plan's travel model (roads of the season
from the base, off-road legs, straight across country where faster; air units along the great circle).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from sqlalchemy import Engine, func, select

from pochub.core.allocation._geodesy import Points
from pochub.core.allocation.travel import Season, SpeedProfile, great_circle_time_matrix
from pochub.core.models.access import covers_pcode
from pochub.core.models.coordination import FieldOffice
from pochub.services.allocation import Network, Site, load_network
from pochub.store import tables
from pochub.store.capacity_queries import UnitFilter, list_units

SEASON = Season.DRY
"""The season the unit list's travel times assume (the page says so)."""


@dataclass(frozen=True)
class UnitGroup:
    """The units of one field office (or of no office), nearest first."""

    office_id: str
    office_name: str
    units: list[dict[str, Any]]


@lru_cache(maxsize=4)
def _network(engine: Engine, roads: int, last_road: str, season: Season) -> Network:
    """The season's road network, built once per database and road set (every decision form reuses it)."""
    return load_network(engine, season.value, SpeedProfile().off_road_kmh)


def network_for(engine: Engine, season: Season = SEASON) -> Network:
    """The road network of ``engine``'s database (cached while its roads do not change)."""
    with engine.connect() as conn:
        roads, last = conn.execute(
            select(func.count(), func.max(tables.roads.c.road_id)).select_from(tables.roads)
        ).one()
    return _network(engine, int(roads), str(last), season)


def units_by_travel(
    engine: Engine,
    offices: Sequence[FieldOffice],
    latitude: float | None,
    longitude: float | None,
) -> list[UnitGroup]:
    """Every unit with ``hours`` to the place (None when the alert has no place or no route), grouped by field
    office (the alert's nearest office first), nearest units first in each group."""
    units = unit_choices(engine)
    if latitude is not None and longitude is not None and units:
        target = Points.from_arrays([latitude], [longitude])
        ground = [u for u in units if not u["air"]]
        if ground:
            sites = [
                Site(u["unit_id"], u["name"], u["home_base"]["latitude"], u["home_base"]["longitude"])
                for u in ground
            ]
            for unit, hours in zip(ground, network_for(engine).hours(sites, target)[:, 0], strict=True):
                unit["hours"] = float(hours) if math.isfinite(hours) else None
        for unit in (u for u in units if u["air"]):
            base = Points.from_arrays([unit["home_base"]["latitude"]], [unit["home_base"]["longitude"]])
            speed = unit["road_speed_kmh"] if unit["road_speed_kmh"] > 0 else 180.0
            unit["hours"] = float(great_circle_time_matrix(base, target, speed)[0, 0])
    groups: dict[str, UnitGroup] = {}
    for unit in units:
        unit.setdefault("hours", None)
        office = next((o for o in offices if covers_pcode(o.area_pcodes, unit["home_base"]["pcode"])), None)
        key = office.id if office else ""
        group = groups.setdefault(key, UnitGroup(key, office.name if office else "", []))
        group.units.append(unit)

    def nearest(unit: dict[str, Any]) -> tuple[float, str]:
        return (unit["hours"] if unit["hours"] is not None else math.inf, unit["name"])

    for group in groups.values():
        group.units.sort(key=nearest)
    return sorted(
        groups.values(),
        key=lambda g: (nearest(g.units[0])[0] if g.units else math.inf, g.office_id == "", g.office_name),
    )


def unit_choices(engine: Engine) -> list[dict[str, Any]]:
    """The mission's units (the store's), for the response decision and the deployment."""
    with engine.connect() as conn:
        return list_units(conn, UnitFilter(), limit=5000, offset=0)


def unit_names(engine: Engine) -> dict[str, str]:
    """Every unit's name by its id (an alert's decisions name units by id)."""
    units = tables.units
    with engine.connect() as conn:
        return {r.unit_id: r.name for r in conn.execute(select(units.c.unit_id, units.c.name))}

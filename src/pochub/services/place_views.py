"""Places as every edge shows them: communities (as GeoJSON Features without their focal point's name, a person at
risk if identified; ``has_focal_point`` says whether there is one, the same on the API and on the map) and admin
areas with their boundaries, filtered, counted and paged."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, Engine, select

from pochub.core.geography.geojson import feature, point_geometry
from pochub.core.models.filters import AreaFilter, CommunityFilter
from pochub.store import place_queries, tables


@dataclass(frozen=True)
class PlacePage:
    """One page of places and how many match in all."""

    total: int
    items: list[dict[str, Any]]


def community_feature(row: dict[str, Any]) -> dict[str, Any]:
    """A community row as a Feature (the focal point's name dropped)."""
    properties = {k: v for k, v in row.items() if k not in ("latitude", "longitude", "focal_point")}
    properties["has_focal_point"] = bool(row["focal_point"])
    return feature(point_geometry(row["longitude"], row["latitude"]), properties, row["community_id"])


def community_page(conn: Connection, chosen: CommunityFilter, limit: int, offset: int) -> PlacePage:
    """One page of the matching communities in id order, as Features (``community_feature``)."""
    total = place_queries.count_communities(conn, chosen)
    rows = place_queries.list_communities(conn, chosen, limit, offset)
    return PlacePage(total, [community_feature(r) for r in rows])


def community(conn: Connection, community_id: str) -> dict[str, Any] | None:
    """One community as a Feature (``community_feature``), or None."""
    row = place_queries.community(conn, community_id)
    return community_feature(row) if row else None


def all_communities(engine: Engine) -> list[dict[str, Any]]:
    """Every community as a Feature (``community_feature``), in id order: the map's layer."""
    with engine.connect() as conn:
        rows = place_queries.list_communities(conn, CommunityFilter(), 1_000_000, 0)
    return [community_feature(r) for r in rows]


def area_parents(engine: Engine) -> dict[str, str | None]:
    """Each stored admin area's P-code and the P-code of the area it lies in (None at the top)."""
    a = tables.admin_areas.c
    with engine.connect() as conn:
        return {r.pcode: r.parent_pcode for r in conn.execute(select(a.pcode, a.parent_pcode))}


def area_page(
    conn: Connection, chosen: AreaFilter, limit: int, offset: int, tolerance: float, zoom: int | None = None
) -> PlacePage:
    """One page of the matching admin areas in P-code order, boundaries simplified to ``tolerance`` degrees or,
    given ``zoom``, to what a map at that zoom draws (a pixel; coordinates snapped to a tenth of one)."""
    total = place_queries.count_areas(conn, chosen)
    return PlacePage(total, place_queries.list_areas(conn, chosen, limit, offset, tolerance, zoom))


def mission_extent(conn: Connection) -> tuple[float, float, float, float] | None:
    """The box the mission's admin areas lie in (what a map's first view frames), None without boundaries."""
    return place_queries.areas_extent(conn)


def area_levels(conn: Connection) -> list[dict[str, Any]]:
    """The stored admin levels with how many areas each has and the boundary versions they came from."""
    return place_queries.area_levels(conn)


def area(conn: Connection, pcode: str, tolerance: float) -> dict[str, Any] | None:
    """One admin area by P-code (boundary simplified to ``tolerance``), or None."""
    return place_queries.area(conn, pcode, tolerance)

"""Read queries over places: communities (filtered, counted, paged) and admin areas (by level, simplified)."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import shapely
from shapely.geometry.base import BaseGeometry
from sqlalchemy import ColumnElement, Connection, Select, func, or_, select

from pochub.core.geography.repair import POLYGONAL, as_polygonal, polygon_parts
from pochub.core.geography.view import for_zoom
from pochub.core.models.filters import AreaFilter as AreaFilter
from pochub.core.models.filters import CommunityFilter as CommunityFilter
from pochub.store.tables import admin_areas, communities

KM_PER_DEGREE = 111.32
"""Kilometres per degree of latitude (and of longitude at the equator)."""


def within_area(pcode: ColumnElement[Any], area: str) -> ColumnElement[bool]:
    """``pcode`` is ``area``, lies under it through the stored boundaries' ``parent_pcode`` links (a recursive
    query: a hierarchy whose codes share no prefix), or starts with it (OCHA P-codes nest by prefix)."""
    a = admin_areas.alias("nested")
    seed = select(a.c.pcode).where(or_(a.c.pcode == area, a.c.parent_pcode == area))
    tree = seed.cte("area_tree", recursive=True)
    child = admin_areas.alias("child")
    tree = tree.union_all(select(child.c.pcode).where(child.c.parent_pcode == tree.c.pcode))
    return or_(pcode.in_(select(tree.c.pcode)), pcode.startswith(area, autoescape=True))


def apply_community_filter(query: Select[Any], chosen: CommunityFilter) -> Select[Any]:
    """Add the conditions of ``chosen`` to ``query``."""
    c = communities.c
    if chosen.bbox:
        min_lon, min_lat, max_lon, max_lat = chosen.bbox
        query = query.where(c.longitude.between(min_lon, max_lon), c.latitude.between(min_lat, max_lat))
    if chosen.area:
        query = query.where(within_area(c.pcode, chosen.area))
    if chosen.min_population is not None:
        query = query.where(c.population >= chosen.min_population)
    return query


def _community(row: Any) -> dict[str, Any]:
    return {
        "community_id": row.community_id,
        "name": row.name,
        "latitude": row.latitude,
        "longitude": row.longitude,
        "population": row.population,
        "pcode": row.pcode,
        "vulnerable_groups": [g for g in row.vulnerable_groups.split(";") if g],
        "self_protection_capacities": [g for g in row.self_protection_capacities.split(";") if g],
        "focal_point": row.focal_point,
        "phone_coverage": None if row.phone_coverage is None else bool(row.phone_coverage),
        "radio_coverage": None if row.radio_coverage is None else bool(row.radio_coverage),
    }


def count_communities(conn: Connection, chosen: CommunityFilter) -> int:
    """How many communities match."""
    return int(
        conn.execute(
            apply_community_filter(select(func.count()).select_from(communities), chosen)
        ).scalar_one()
    )


def list_communities(
    conn: Connection, chosen: CommunityFilter, limit: int, offset: int
) -> list[dict[str, Any]]:
    """One page of the matching communities, in id order, as dicts (groups and capacities as lists)."""
    query = (
        apply_community_filter(select(communities), chosen)
        .order_by(communities.c.community_id)
        .limit(limit)
        .offset(offset)
    )
    return [_community(row) for row in conn.execute(query)]


def community(conn: Connection, community_id: str) -> dict[str, Any] | None:
    """One community by id, or None."""
    row = conn.execute(select(communities).where(communities.c.community_id == community_id)).first()
    return _community(row) if row else None


def apply_area_filter(query: Select[Any], chosen: AreaFilter) -> Select[Any]:
    """Add the conditions of ``chosen`` to ``query`` (the box tests the stored bounds, not the shape)."""
    a = admin_areas.c
    if chosen.level is not None:
        query = query.where(a.level == chosen.level)
    if chosen.area:
        query = query.where(within_area(a.pcode, chosen.area))
    if chosen.bbox:
        min_lon, min_lat, max_lon, max_lat = chosen.bbox
        query = query.where(
            a.max_lon >= min_lon, a.min_lon <= max_lon, a.max_lat >= min_lat, a.min_lat <= max_lat
        )
    return query


def area_levels(conn: Connection) -> list[dict[str, Any]]:
    """The stored admin levels with how many areas each has and the boundary versions they came from."""
    a = admin_areas.c
    rows = conn.execute(
        select(
            a.level, func.count().label("areas"), func.min(a.boundary_version), func.max(a.boundary_version)
        )
        .group_by(a.level)
        .order_by(a.level)
    ).all()
    return [
        {"level": int(level), "areas": int(n), "boundary_versions": sorted({first, last})}
        for level, n, first, last in rows
    ]


def areas_extent(conn: Connection) -> tuple[float, float, float, float] | None:
    """The box every stored admin area lies in (min_lon, min_lat, max_lon, max_lat), None when none is stored."""
    a = admin_areas.c
    row = conn.execute(
        select(func.min(a.min_lon), func.min(a.min_lat), func.max(a.max_lon), func.max(a.max_lat))
    ).one()
    return None if row[0] is None else (float(row[0]), float(row[1]), float(row[2]), float(row[3]))


def count_areas(conn: Connection, chosen: AreaFilter) -> int:
    """How many admin areas match."""
    return int(
        conn.execute(apply_area_filter(select(func.count()).select_from(admin_areas), chosen)).scalar_one()
    )


def _simplified(wkb: list[bytes], tolerance: float, zoom: int | None = None) -> list[BaseGeometry]:
    """Stored boundaries as polygons only (a collection stored before imports were repaired keeps its polygons),
    simplified to ``tolerance`` degrees, or as a map at ``zoom`` draws them (core.geography.view.for_zoom)."""
    shapes = shapely.from_wkb(np.array(wkb, dtype=object))
    if zoom is not None:
        shapes = for_zoom(shapes, zoom)
    elif tolerance > 0:
        shapes = shapely.simplify(shapes, tolerance, preserve_topology=True)
    return [s if s.geom_type in POLYGONAL else as_polygonal(polygon_parts(s)) for s in shapes]


def _area(row: Any, shape: BaseGeometry) -> dict[str, Any]:
    return {
        "pcode": row.pcode,
        "name": row.name,
        "level": int(row.level),
        "parent_pcode": row.parent_pcode,
        "boundary_version": row.boundary_version,
        "bbox": (row.min_lon, row.min_lat, row.max_lon, row.max_lat),
        "geometry": shape,
    }


def list_areas(
    conn: Connection,
    chosen: AreaFilter,
    limit: int,
    offset: int,
    tolerance: float = 0.0,
    zoom: int | None = None,
) -> list[dict[str, Any]]:
    """One page of the matching areas in P-code order, their boundaries simplified to ``tolerance`` degrees
    (topology kept, so no ring collapses into an invalid shape) or, given ``zoom``, to a pixel of a map at it."""
    query = (
        apply_area_filter(select(admin_areas), chosen)
        .order_by(admin_areas.c.pcode)
        .limit(limit)
        .offset(offset)
    )
    rows = conn.execute(query).all()
    shapes = _simplified([r.geometry for r in rows], tolerance, zoom) if rows else []
    return [_area(row, shape) for row, shape in zip(rows, shapes, strict=True)]


def area(conn: Connection, pcode: str, tolerance: float = 0.0) -> dict[str, Any] | None:
    """One admin area by P-code (boundary simplified to ``tolerance``), or None."""
    row = conn.execute(select(admin_areas).where(admin_areas.c.pcode == pcode)).first()
    return _area(row, _simplified([row.geometry], tolerance)[0]) if row else None


def top_level_area_km2(conn: Connection) -> float:
    """The surface of the top-level boundaries in square kilometres (equirectangular at each area's centre:
    close enough to bound a grid's size before building it). Zero when no boundary is stored."""
    a = admin_areas.c
    top = conn.execute(select(func.min(a.level))).scalar_one()
    if top is None:
        return 0.0
    rows = conn.execute(select(a.geometry, a.min_lat, a.max_lat).where(a.level == top)).all()
    total = 0.0
    for wkb, min_lat, max_lat in rows:
        degrees2 = float(shapely.area(shapely.from_wkb(wkb)))
        total += degrees2 * KM_PER_DEGREE**2 * math.cos(math.radians((min_lat + max_lat) / 2))
    return total


def area_names(conn: Connection, level: int) -> dict[str, str]:
    """P-code -> name of the stored areas of ``level`` (empty when none is stored)."""
    a = admin_areas.c
    return {str(p): str(n) for p, n in conn.execute(select(a.pcode, a.name).where(a.level == level))}

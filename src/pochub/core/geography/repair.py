"""Areas from files made valid and kept polygonal: the one place polygons from boundary or area files are repaired.

Published boundaries are often invalid: OSM multipolygons with collapsed rings ("too few points"), COD-AB communes
whose ring crosses itself. ``shapely.make_valid`` mends them but may return a collection of polygons *and* lines or
points (the collapsed parts), and on some inputs GEOS refuses the default method ("Overlay input is
mixed-dimension"). An admin area is a surface: only its polygons are kept; what was dropped is said.
"""

from __future__ import annotations

from dataclasses import dataclass

import shapely
from shapely.errors import GEOSException
from shapely.geometry.base import BaseGeometry

POLYGONAL = ("Polygon", "MultiPolygon")
SLIVER_SHARE = 1e-4
"""A polygon part smaller than this share of its area's surface is reported as a sliver (kept, not dropped)."""


@dataclass(frozen=True)
class Repair:
    """How one geometry was repaired: why it was invalid, the parts dropped and the slivers left."""

    reason: str
    dropped: tuple[str, ...] = ()
    slivers: int = 0

    def describe(self) -> str:
        """One line for a summary: the reason, what was dropped, how many slivers."""
        text = f"invalid ({self.reason})"
        if self.dropped:
            text += (
                f"; dropped {len(self.dropped)} non-polygon part(s): {', '.join(sorted(set(self.dropped)))}"
            )
        if self.slivers:
            text += f"; {self.slivers} sliver(s) kept"
        return text


def polygon_parts(geometry: BaseGeometry) -> list[shapely.Polygon]:
    """The non-empty polygons of any geometry (Polygon, MultiPolygon, GeometryCollection; lines, points: none)."""
    if geometry.is_empty:
        return []
    if geometry.geom_type == "Polygon":
        return [geometry]
    if geometry.geom_type in ("MultiPolygon", "GeometryCollection"):
        return [p for part in geometry.geoms for p in polygon_parts(part)]
    return []


def _non_polygon_parts(geometry: BaseGeometry) -> list[str]:
    if geometry.is_empty:
        return []
    if geometry.geom_type in ("MultiPolygon", "Polygon"):
        return []
    if geometry.geom_type == "GeometryCollection":
        return [t for part in geometry.geoms for t in _non_polygon_parts(part)]
    return [geometry.geom_type]


def as_polygonal(parts: list[shapely.Polygon]) -> BaseGeometry:
    """One Polygon when there is one part, else a MultiPolygon (empty when there is none)."""
    if len(parts) == 1:
        return parts[0]
    return shapely.MultiPolygon(parts)


def _made_valid(geometry: BaseGeometry) -> BaseGeometry:
    """``make_valid`` by line work (keeps every enclosed region); where GEOS refuses it, by structure."""
    try:
        return shapely.make_valid(geometry)
    except GEOSException:
        return shapely.make_valid(geometry, method="structure", keep_collapsed=False)


def make_polygonal(geometry: BaseGeometry) -> tuple[BaseGeometry, Repair | None]:
    """The geometry as a valid Polygon or MultiPolygon, and how it was repaired (None when it was valid).

    Raises ValueError when no polygon is left (a line or point given as an area)."""
    if geometry.geom_type in POLYGONAL and geometry.is_valid and not geometry.is_empty:
        return geometry, None
    reason = shapely.is_valid_reason(geometry) if not geometry.is_valid else "not a polygon"
    repaired = _made_valid(geometry) if not geometry.is_valid else geometry
    parts = polygon_parts(repaired)
    if not parts:
        raise ValueError(f"no polygon in the {geometry.geom_type} ({reason})")
    result = as_polygonal(parts)
    if not result.is_valid:  # touching parts of a collection may overlap once gathered
        result = as_polygonal(polygon_parts(shapely.union_all(parts)))
    total = float(result.area)
    slivers = sum(1 for p in polygon_parts(result) if total > 0 and p.area < SLIVER_SHARE * total)
    return result, Repair(reason, tuple(_non_polygon_parts(repaired)), slivers)

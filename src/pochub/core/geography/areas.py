"""Which administrative area holds each point: a shapely STRtree query, vectorised over all points.

One geography: with boundaries at a level, a point's area is the polygon that holds it, else the nearest polygon
within a tolerance (points on a coast or just across a border drawn differently by the source), else it is
"outside the boundaries": a marker that is counted and shown, never a new area named after a source's spelling.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import polars as pl
import shapely
from numpy.typing import NDArray

from pochub.core.models.places import AdminArea
from pochub.core.text import N_

OUTSIDE = N_("outside the boundaries")
"""The area key (and name) of a point beyond every boundary of the level, farther than the tolerance (a key in
data and JSON; pages, documents and the CLI show it translated)."""
KM_PER_DEGREE = 111.32
"""Kilometres per degree of latitude (and of longitude at the equator)."""
INSIDE, NEAREST, BEYOND = "inside", "nearest", "outside"
"""How a point got its area: inside a polygon, the nearest one within the tolerance, or none."""


@dataclass(frozen=True)
class Assignment:
    """The area of each point, how it was found and how far the nearest area was (0 inside; km)."""

    pcodes: NDArray[np.object_]
    names: NDArray[np.object_]
    methods: NDArray[np.object_]
    distance_km: NDArray[np.float64]

    def counts(self) -> dict[str, int]:
        """How many points were inside, nearest within the tolerance, or outside the boundaries."""
        return {m: int((self.methods == m).sum()) for m in (INSIDE, NEAREST, BEYOND)}


def haversine_km(
    lat1: NDArray[np.float64], lon1: NDArray[np.float64], lat2: NDArray[np.float64], lon2: NDArray[np.float64]
) -> NDArray[np.float64]:
    """Great-circle distance in kilometres, element-wise."""
    p1, p2 = np.radians(lat1), np.radians(lat2)
    dlat, dlon = p2 - p1, np.radians(lon2 - lon1)
    a = np.sin(dlat / 2) ** 2 + np.cos(p1) * np.cos(p2) * np.sin(dlon / 2) ** 2
    return np.asarray(2 * 6371.0088 * np.arcsin(np.sqrt(np.clip(a, 0, 1))), dtype=np.float64)


@dataclass(frozen=True)
class AreaIndex:
    """A spatial index over the admin areas of one level."""

    level: int
    pcodes: NDArray[np.object_]
    names: NDArray[np.object_]
    tree: shapely.STRtree

    @classmethod
    def build(cls, areas: Sequence[AdminArea], level: int) -> AreaIndex:
        """Index the areas of ``level``."""
        chosen = [a for a in areas if a.level == level]
        geometries = [a.geometry for a in chosen]
        return cls(
            level,
            np.array([a.pcode for a in chosen], dtype=object),
            np.array([a.name for a in chosen], dtype=object),
            shapely.STRtree(geometries),
        )

    def __len__(self) -> int:
        return len(self.pcodes)

    def _pairs(self, boxes: NDArray[np.object_]) -> tuple[NDArray[np.intp], NDArray[np.intp]]:
        """(query, area) pairs whose bounding boxes meet, grouped by area."""
        query_at, area_at = self.tree.query(boxes)
        order = np.argsort(area_at, kind="stable")
        return query_at[order], area_at[order]

    def _by_area(self, area_at: NDArray[np.intp]) -> list[tuple[int, slice]]:
        """Each area with candidates and the slice of the (sorted) pairs that are its."""
        if not len(area_at):
            return []
        areas, starts = np.unique(area_at, return_index=True)
        ends = [*starts[1:], len(area_at)]
        return [(int(a), slice(int(b), int(e))) for a, b, e in zip(areas, starts, ends, strict=True)]

    def locate(
        self, latitudes: NDArray[np.float64], longitudes: NDArray[np.float64]
    ) -> tuple[NDArray[np.object_], NDArray[np.object_]]:
        """P-code and name of the area holding each point (None outside every area; first area on a border).
        Candidates by bounding box, then one prepared, vectorised point-in-polygon test per area."""
        codes = np.full(len(latitudes), None, dtype=object)
        names = np.full(len(latitudes), None, dtype=object)
        if len(self) == 0 or len(latitudes) == 0:
            return codes, names
        lat = np.asarray(latitudes, dtype=np.float64)
        lon = np.asarray(longitudes, dtype=np.float64)
        point_at, area_at = self._pairs(shapely.points(lon, lat))
        found = np.full(len(lat), -1, dtype=np.intp)
        for area, part in reversed(self._by_area(area_at)):  # the first area wins on a shared border
            geometry = self.tree.geometries[area]
            shapely.prepare(geometry)
            candidates = point_at[part]
            inside = shapely.intersects_xy(geometry, lon[candidates], lat[candidates])
            found[candidates[inside]] = area
        placed = found >= 0
        codes[placed] = self.pcodes[found[placed]]
        names[placed] = self.names[found[placed]]
        return codes, names

    def _nearest(
        self, lat: NDArray[np.float64], lon: NDArray[np.float64], tolerance_km: float
    ) -> tuple[NDArray[np.intp], NDArray[np.float64]]:
        """The nearest area within ``tolerance_km`` of each point (-1 when none) and its distance in km:
        boxes of the tolerance around the points, a prepared distance-within test per area, then the exact
        great-circle distance for the few pairs left."""
        degrees = tolerance_km / KM_PER_DEGREE
        widen = 1.05 * degrees / np.cos(np.radians(np.minimum(np.abs(lat) + degrees, 80.0)))
        boxes = shapely.box(lon - widen, lat - degrees, lon + widen, lat + degrees)
        point_at, area_at = self._pairs(boxes)
        keep = np.zeros(len(point_at), dtype=bool)
        points = shapely.points(lon, lat)
        for area, part in self._by_area(area_at):
            geometry = self.tree.geometries[area]
            shapely.prepare(geometry)
            candidates = point_at[part]
            keep[part] = shapely.dwithin(geometry, points[candidates], widen[candidates])
        point_at, area_at = point_at[keep], area_at[keep]
        best = np.full(len(lat), -1, dtype=np.intp)
        distance = np.full(len(lat), np.inf)
        if len(point_at):  # the nearest candidate in degrees (one per point), then its distance in km
            degrees_away = shapely.distance(points[point_at], self.tree.geometries.take(area_at))
            order = np.lexsort((degrees_away, point_at))
            first = order[np.unique(point_at[order], return_index=True)[1]]
            point_at, area_at = point_at[first], area_at[first]
            lines = shapely.shortest_line(points[point_at], self.tree.geometries.take(area_at))
            ends = shapely.get_coordinates(lines).reshape(-1, 2, 2)
            km = haversine_km(ends[:, 0, 1], ends[:, 0, 0], ends[:, 1, 1], ends[:, 1, 0])
            within = km <= tolerance_km
            point_at, area_at, km = point_at[within], area_at[within], km[within]
            order = np.lexsort((km, point_at))  # by point, nearest first
            first = order[np.unique(point_at[order], return_index=True)[1]]
            best[point_at[first]] = area_at[first]
            distance[point_at[first]] = km[first]
        return best, distance

    def assign(
        self, latitudes: NDArray[np.float64], longitudes: NDArray[np.float64], tolerance_km: float
    ) -> Assignment:
        """The area of each point: the polygon holding it, else the nearest within ``tolerance_km``, else none
        (``OUTSIDE``). Vectorised per area (a few hundred areas), never a loop over the points."""
        lat = np.asarray(latitudes, dtype=np.float64)
        lon = np.asarray(longitudes, dtype=np.float64)
        codes, names = self.locate(lat, lon)
        methods = np.where(codes != None, INSIDE, BEYOND).astype(object)  # noqa: E711 (element-wise)
        distance = np.where(codes != None, 0.0, np.inf)  # noqa: E711
        rest = np.flatnonzero(codes == None)  # noqa: E711
        if len(self) and len(rest) and tolerance_km > 0:
            best, km = self._nearest(lat[rest], lon[rest], tolerance_km)
            near = best >= 0
            chosen = rest[near]
            codes[chosen] = self.pcodes[best[near]]
            names[chosen] = self.names[best[near]]
            methods[chosen] = NEAREST
            distance[chosen] = km[near]
        return Assignment(codes, names, methods, distance)


def assign_finest(
    indexes: Sequence[AreaIndex],
    latitudes: NDArray[np.float64],
    longitudes: NDArray[np.float64],
    tolerance_km: float,
) -> Assignment:
    """The finest area of each point: the first index (finest level first) that places it, inside or within
    ``tolerance_km``; a point beyond a fine level's coverage (health areas of two provinces) takes its province."""
    lat = np.asarray(latitudes, dtype=np.float64)
    lon = np.asarray(longitudes, dtype=np.float64)
    n = len(lat)
    result = Assignment(
        np.full(n, None, dtype=object),
        np.full(n, None, dtype=object),
        np.full(n, BEYOND, dtype=object),
        np.full(n, np.inf),
    )
    for index in indexes:
        rest = np.flatnonzero(result.methods == BEYOND)
        if not len(rest):
            break
        found = index.assign(lat[rest], lon[rest], tolerance_km)
        placed = found.methods != BEYOND
        at = rest[placed]
        result.pcodes[at] = found.pcodes[placed]
        result.names[at] = found.names[placed]
        result.methods[at] = found.methods[placed]
        result.distance_km[at] = found.distance_km[placed]
    return result


def with_area_keys(events: pl.DataFrame, level: int, boundary_names: Mapping[str, str]) -> pl.DataFrame:
    """Events with ``area_pcode`` and ``area_name`` at admin ``level``: with boundaries of the level, the event's
    P-code and the boundary's name (``OUTSIDE`` for an event in none of them, whatever the source called the
    place); without, the source's own name (else its code): one area key per place, never both spellings."""
    code, name = f"admin{level}_pcode", f"admin{level}_name"
    if boundary_names:
        known = pl.col(code).is_in(list(boundary_names))
        return events.with_columns(
            area_pcode=pl.when(known).then(pl.col(code)).otherwise(pl.lit(OUTSIDE)),
            area_name=pl.when(known)
            .then(pl.col(code).replace_strict(dict(boundary_names), default=None, return_dtype=pl.String))
            .otherwise(pl.lit(OUTSIDE)),
        )
    source = pl.coalesce(pl.when(pl.col(name) != "").then(pl.col(name)), pl.col(code))
    return events.with_columns(area_pcode=source, area_name=source)

"""The demo country: an irregular outline, admin-2 districts from a Voronoi partition, admin-1 provinces.

Districts are Voronoi cells of well-spread seed points clipped to the outline; each seed becomes the
district's seat town and gives the district its name. Provinces are grown from four far-apart districts
over the district adjacency graph, so each province is a contiguous union. All geometries are snapped to a
1e-6 degree grid, which keeps shared edges identical and the output byte-stable.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import shapely
from numpy.typing import NDArray
from shapely.geometry import MultiPoint, Polygon, box
from shapely.geometry.base import BaseGeometry

from pochub.demo.names import NameMaker

CENTRE_LON = 23.0
CENTRE_LAT = 4.0
BOUNDS = (20.05, 1.05, 25.95, 6.95)
"""The country stays inside lon 20-26 E, lat 1-7 N."""
GRID = 1e-6
"""Precision grid of all boundaries, in degrees."""
KM_PER_DEG_LAT = 110.57
KM_PER_DEG_LON = 111.32 * float(np.cos(np.radians(CENTRE_LAT)))
COUNTRY_CODE = "KT"
N_DISTRICTS = 24
N_PROVINCES = 4

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.int64]


def to_km(lon: FloatArray, lat: FloatArray) -> FloatArray:
    """Project degrees to a local equirectangular plane in km (good to a fraction of a percent here)."""
    return np.column_stack(((lon - CENTRE_LON) * KM_PER_DEG_LON, (lat - CENTRE_LAT) * KM_PER_DEG_LAT))


def to_degrees(xy: FloatArray) -> tuple[FloatArray, FloatArray]:
    """Inverse of ``to_km``: (lon, lat) arrays."""
    return xy[:, 0] / KM_PER_DEG_LON + CENTRE_LON, xy[:, 1] / KM_PER_DEG_LAT + CENTRE_LAT


@dataclass(frozen=True)
class Province:
    """An admin-1 area."""

    pcode: str
    name: str
    geometry: BaseGeometry


@dataclass(frozen=True)
class District:
    """An admin-2 area, with the seat town that gives it its name."""

    pcode: str
    name: str
    geometry: BaseGeometry
    province: int
    seat_lon: float
    seat_lat: float


@dataclass(frozen=True)
class Geography:
    """The country, its provinces and districts, and which district holds the capital."""

    country: BaseGeometry
    provinces: tuple[Province, ...]
    districts: tuple[District, ...]
    capital_district: int

    def district_of(self, lon: FloatArray, lat: FloatArray) -> IntArray:
        """Index of the district strictly containing each point, or -1 (outside, or on a boundary)."""
        tree = shapely.STRtree([d.geometry for d in self.districts])
        points, hits = tree.query(shapely.points(lon, lat), predicate="within")
        found = np.full(len(lon), -1, dtype=np.int64)
        counts = np.bincount(points, minlength=len(lon))
        found[points] = hits
        found[counts != 1] = -1
        return found

    def inside(self, lon: FloatArray, lat: FloatArray) -> NDArray[np.bool_]:
        """True for points inside the country."""
        return np.asarray(shapely.contains_xy(self.country, lon, lat), dtype=np.bool_)


def country_outline(rng: np.random.Generator) -> Polygon:
    """An irregular, star-shaped (hence simple) outline: a wobbly ellipse with a rough border."""
    n = 96
    angles = np.linspace(0.0, 2.0 * np.pi, n, endpoint=False) + rng.uniform(-0.02, 0.02, n)
    radius = np.ones(n)
    for harmonic in range(2, 7):
        radius += (
            rng.uniform(0.05, 0.15) / np.sqrt(harmonic - 1) * np.cos(harmonic * angles + rng.uniform(0, 6.3))
        )
    radius *= 1.0 + rng.normal(0.0, 0.015, n)
    lon = CENTRE_LON + 2.55 * radius * np.cos(angles)
    lat = CENTRE_LAT + 2.45 * radius * np.sin(angles)
    outline = Polygon(np.column_stack((lon, lat))).intersection(box(*BOUNDS))
    return _polygonal(shapely.set_precision(shapely.make_valid(outline), GRID))


def _polygonal(geometry: BaseGeometry) -> Polygon:
    """The largest polygon of a geometry (make_valid may return a collection)."""
    parts = [g for g in shapely.get_parts(geometry) if isinstance(g, Polygon)]
    return max(parts, key=lambda g: g.area)


def _clean_area(geometry: BaseGeometry) -> BaseGeometry:
    """A valid Polygon or MultiPolygon on the precision grid."""
    valid = shapely.set_precision(shapely.make_valid(geometry), GRID)
    parts = [g for g in shapely.get_parts(valid) if isinstance(g, Polygon) and g.area > 0]
    return parts[0] if len(parts) == 1 else shapely.MultiPolygon(parts)


def uniform_points(rng: np.random.Generator, area: BaseGeometry, count: int) -> tuple[FloatArray, FloatArray]:
    """``count`` points uniformly distributed inside ``area`` (rejection sampling on its bounding box)."""
    xmin, ymin, xmax, ymax = area.bounds
    lon_parts: list[FloatArray] = []
    lat_parts: list[FloatArray] = []
    total = 0
    while total < count:
        lon = rng.uniform(xmin, xmax, 2 * count)
        lat = rng.uniform(ymin, ymax, 2 * count)
        keep = shapely.contains_xy(area, lon, lat)
        lon_parts.append(lon[keep])
        lat_parts.append(lat[keep])
        total += int(keep.sum())
    return np.concatenate(lon_parts)[:count], np.concatenate(lat_parts)[:count]


def spread_seeds(rng: np.random.Generator, area: BaseGeometry, count: int) -> tuple[FloatArray, FloatArray]:
    """Well-spread points inside ``area``: k-means centres of uniform points, snapped to the nearest one."""
    lon, lat = uniform_points(rng, area, 4000)
    xy = to_km(lon, lat)
    centres = xy[rng.choice(len(xy), size=count, replace=False)]
    for _ in range(25):
        label = np.argmin(((xy[:, None, :] - centres[None, :, :]) ** 2).sum(axis=2), axis=1)
        for k in range(count):
            members = xy[label == k]
            if len(members):
                centres[k] = members.mean(axis=0)
    nearest = np.argmin(((centres[:, None, :] - xy[None, :, :]) ** 2).sum(axis=2), axis=1)
    return np.round(lon[nearest], 4), np.round(lat[nearest], 4)


def voronoi_districts(country: BaseGeometry, lon: FloatArray, lat: FloatArray) -> list[BaseGeometry]:
    """Voronoi cells of the seeds (in seed order) clipped to the country."""
    seeds = MultiPoint(np.column_stack((lon, lat)))
    cells = shapely.voronoi_polygons(seeds, extend_to=country.envelope.buffer(1.0), ordered=True)
    return [_clean_area(cell.intersection(country)) for cell in shapely.get_parts(cells)]


def adjacency(cells: list[BaseGeometry]) -> NDArray[np.bool_]:
    """Which cells share a stretch of boundary (touching at a corner does not count)."""
    n = len(cells)
    shared = np.zeros((n, n), dtype=np.bool_)
    for i in range(n):
        for j in range(i + 1, n):
            if cells[i].distance(cells[j]) < 10 * GRID:
                edge = shapely.intersection(cells[i].boundary, cells[j].buffer(10 * GRID))
                shared[i, j] = shared[j, i] = edge.length > 1e-3
    return shared


def grow_provinces(centres: FloatArray, shared: NDArray[np.bool_], count: int) -> IntArray:
    """Group cells into ``count`` contiguous regions grown in turn from far-apart seed cells."""
    seeds = [int(np.argmax(centres[:, 0]))]
    while len(seeds) < count:
        gap = np.min(((centres[:, None, :] - centres[seeds][None, :, :]) ** 2).sum(axis=2), axis=1)
        seeds.append(int(np.argmax(gap)))
    region = np.full(len(centres), -1, dtype=np.int64)
    region[seeds] = np.arange(count)
    while (region < 0).any():
        grown = False
        for k in range(count):
            candidates = np.flatnonzero(shared[region == k].any(axis=0) & (region < 0))
            if len(candidates):
                gap = ((centres[candidates] - centres[seeds[k]]) ** 2).sum(axis=1)
                region[candidates[np.argmin(gap)]] = k
                grown = True
        if not grown:  # a cell cut off from every region: join the nearest seed
            lost = np.flatnonzero(region < 0)
            gap = ((centres[lost][:, None, :] - centres[seeds][None, :, :]) ** 2).sum(axis=2)
            region[lost] = np.argmin(gap, axis=1)
    return region


def build_geography(rng: np.random.Generator, names: NameMaker) -> Geography:
    """Draw the country, its 24 districts and 4 provinces, with hierarchical P-codes."""
    country = country_outline(rng)
    seat_lon, seat_lat = spread_seeds(rng, country, N_DISTRICTS)
    cells = voronoi_districts(country, seat_lon, seat_lat)
    seats = to_km(seat_lon, seat_lat)
    region = grow_provinces(seats, adjacency(cells), N_PROVINCES)
    capital = int(np.argmin((seats**2).sum(axis=1) + rng.uniform(0, 900, len(seats))))
    order = sorted(range(N_PROVINCES), key=lambda k: (k != region[capital], -seats[region == k, 1].mean()))
    provinces: list[Province] = []
    districts: list[District] = []
    for number, k in enumerate(order, start=1):
        pcode = f"{COUNTRY_CODE}{number:02d}"
        members = sorted(np.flatnonzero(region == k), key=lambda i: (-seat_lat[i], seat_lon[i]))
        geometry = _clean_area(shapely.union_all([cells[i] for i in members], grid_size=GRID))
        provinces.append(Province(pcode, names.place(), geometry))
        for sub, i in enumerate(members, start=1):
            districts.append(
                District(
                    f"{pcode}{sub:02d}",
                    names.place(),
                    cells[i],
                    number - 1,
                    float(seat_lon[i]),
                    float(seat_lat[i]),
                )
            )
    capital_index = next(
        i
        for i, d in enumerate(districts)
        if (d.seat_lon, d.seat_lat) == (seat_lon[capital], seat_lat[capital])
    )
    outline = _clean_area(shapely.union_all([d.geometry for d in districts], grid_size=GRID))
    return Geography(outline, tuple(provinces), tuple(districts), capital_index)

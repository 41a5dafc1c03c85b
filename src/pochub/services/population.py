"""Population use cases: import a population grid or table of points, and sum people per admin area (the threat
matrix's exposure where no community is known)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import shapely
from sqlalchemy import Connection, Engine, delete, insert, select

from pochub.core.geography.areas import AreaIndex
from pochub.errors import InvalidInput
from pochub.ingest.population import AREA_SUFFIXES, read_area_populations, read_population
from pochub.store import repositories, tables


@dataclass(frozen=True)
class PopulationSummary:
    """What a population import did."""

    file: str
    read_as: str
    points: int
    people: float
    replaced: int

    def as_dict(self) -> dict[str, object]:
        """The figures, for JSON output."""
        return dict(self.__dict__)


MATCH_OVERLAP = 0.8
"""Intersection over union from which a population polygon is a stored area (same area, other drawing)."""


def import_area_populations(engine: Engine, path: Path) -> PopulationSummary:
    """Store the population of each stored admin area that a polygon of the file matches (intersection over union
    at least ``MATCH_OVERLAP``, any level), in place of the file's earlier import; polygons matching no stored area
    are counted, not stored. Boundaries must be imported first."""
    given = read_area_populations(path)
    t = tables.area_populations
    with engine.begin() as conn:
        areas = repositories.load_admin_areas(conn)
        if not areas:
            raise InvalidInput(
                f"{path}: import the boundaries first (pochub import boundaries): area populations "
                "are matched to stored areas"
            )
        tree = shapely.STRtree([a.geometry for a in areas])
        matched: dict[str, int] = {}
        for shape, people in zip(given.shapes, given.population, strict=True):
            best, overlap = None, 0.0
            for index in tree.query(shape, predicate="intersects"):
                area = areas[int(index)]
                union = shapely.area(shapely.union(shape, area.geometry))
                share = shapely.area(shapely.intersection(shape, area.geometry)) / union if union else 0.0
                if share > overlap:
                    best, overlap = area, share
            if best is not None and overlap >= MATCH_OVERLAP:
                matched[best.pcode] = people
        replaced = conn.execute(delete(t).where(t.c.source == path.name)).rowcount or 0
        if matched:
            conn.execute(
                insert(t),
                [
                    {"pcode": code, "population": people, "source": path.name}
                    for code, people in matched.items()
                ],
            )
    unmatched = len(given.shapes) - len(matched)
    return PopulationSummary(
        str(path),
        f"GeoJSON areas: {len(given.shapes)} with a population, {given.without_population} without, "
        f"{unmatched} matching no stored area",
        len(matched),
        float(sum(matched.values())),
        int(replaced),
    )


def stored_area_populations(conn: Connection) -> dict[str, int]:
    """People per admin area P-code, as boundary files gave them."""
    t = tables.area_populations.c
    return {str(code): int(people) for code, people in conn.execute(select(t.pcode, t.population))}


def import_population(engine: Engine, path: Path) -> PopulationSummary:
    """Store the file's population: area populations from a boundary GeoJSON, else population points (a CSV or a
    GeoTIFF grid) in place of any stored before (one population layer: two grids of the same people would count
    them twice); all or nothing."""
    if path.suffix.lower() in AREA_SUFFIXES:
        return import_area_populations(engine, path)
    points = read_population(path)
    source = path.name
    t = tables.population_points
    with engine.begin() as conn:
        replaced = conn.execute(delete(t)).rowcount or 0
        rows = [
            {"latitude": float(la), "longitude": float(lo), "population": float(p), "source": source}
            for la, lo, p in zip(points.latitude, points.longitude, points.population, strict=True)
        ]
        for start in range(0, len(rows), 10_000):
            conn.execute(insert(t), rows[start : start + 10_000])
    return PopulationSummary(str(path), points.read_as, len(rows), round(points.total), int(replaced))


@dataclass(frozen=True)
class AreaPopulation:
    """People of an area from the population points, and the share of the area the points' extent covers (a
    grid cropped to a region counts only part of a larger area: its sum is then a lower bound)."""

    people: int
    covered: float


def area_populations(conn: Connection, level: int) -> dict[str, AreaPopulation]:
    """People per admin area of ``level`` from the stored population points (a point counts in the polygon that
    holds it; points beyond every area count nowhere), with the share of each area inside the points' extent.
    Empty when no points or no boundaries are stored."""
    t = tables.population_points.c
    rows = conn.execute(select(t.latitude, t.longitude, t.population)).all()
    areas = repositories.load_admin_areas(conn, level)
    if not rows or not areas:
        return {}
    values = np.array(rows, dtype=np.float64)
    codes, _ = AreaIndex.build(areas, level).locate(values[:, 0], values[:, 1])
    totals: dict[str, float] = {}
    for code, people in zip(codes, values[:, 2], strict=True):
        if code is not None:
            totals[str(code)] = totals.get(str(code), 0.0) + float(people)
    extent = shapely.box(
        values[:, 1].min() - EXTENT_MARGIN,
        values[:, 0].min() - EXTENT_MARGIN,
        values[:, 1].max() + EXTENT_MARGIN,
        values[:, 0].max() + EXTENT_MARGIN,
    )
    shapes = {a.pcode: a.geometry for a in areas}
    result = {}
    for code, people in totals.items():
        shape = shapes[code]
        covered = shapely.area(shapely.intersection(shape, extent)) / shape.area if shape.area else 1.0
        result[code] = AreaPopulation(round(people), round(float(covered), 3))
    return result


EXTENT_MARGIN = 0.05
"""Degrees added around the points' extent (half a 0.1° cell: points are cell centres)."""

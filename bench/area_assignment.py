"""Area assignment benchmark: pochub's ``AreaIndex.assign`` (bounding-box candidates, then one prepared,
vectorised point-in-polygon and distance-within test per area; nearest area within 25 km for the rest) against
the anchor, shapely's own ``STRtree.query(points, predicate="intersects")`` then ``STRtree.query_nearest`` (what
the import did before), on real boundaries and the 61,296 real points of UCDP GED 20.1.

Both sides give every point inside an area the same area (checked; a point in two overlapping polygons may be
given either, and both must hold it: the table counts them); for the nearest areas the table gives the share
that agrees, since the anchor measures distance in degrees.

    .venv/bin/python bench/area_assignment.py           # 3 runs per case
    .venv/bin/python bench/area_assignment.py --quick   # 1 run
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable
from functools import partial
from typing import TypeVar

import numpy as np
import polars as pl
import shapely
from numpy.typing import NDArray

from _common import Stat, machine_markdown, md_table, shared_dir
from pochub.core.geography.areas import KM_PER_DEGREE, AreaIndex
from pochub.ingest.boundaries import read_boundaries

T = TypeVar("T")
TOLERANCE_KM = 25.0
SYNTHETIC = 60_000
"""Uniform random points over each boundary file's box (widened by a degree): the size of a large event file."""
CASES = {
    "DRC provinces (OSM, 24 areas)": ("admin-boundaries-osm/cod_admin1_osm_q8.geojson", 1, {}),
    "CAR communes (COD-AB, 175 areas)": (
        "cod-ab-car/caf_admbnda_adm3_200k_sigcaf_reach_itos_v2.geojson",
        3,
        {},
    ),
    "DRC health areas (615 areas)": (
        "drc-health-areas/drc_health_areas_nordkivu_ituri.geojson",
        2,
        {"pcode_field": "CODEAS", "name_field": "NOMAS", "skip_invalid": True},
    ),
}


def anchor(index: AreaIndex, lat: NDArray[np.float64], lon: NDArray[np.float64]) -> NDArray[np.object_]:
    """shapely's tree predicate for the points inside, its nearest query (in degrees) for the rest."""
    codes = np.full(len(lat), None, dtype=object)
    points = shapely.points(lon, lat)
    point_at, area_at = index.tree.query(points, predicate="intersects")
    first = np.unique(point_at, return_index=True)[1]
    codes[point_at[first]] = index.pcodes[area_at[first]]
    rest = np.flatnonzero(codes == None)  # noqa: E711
    degrees = TOLERANCE_KM / (KM_PER_DEGREE * np.cos(np.radians(min(float(np.abs(lat).max()), 80.0))))
    near_at, area_near = index.tree.query_nearest(points[rest], max_distance=degrees, all_matches=False)
    codes[rest[near_at]] = index.pcodes[area_near]
    return codes


def timed(run: Callable[[], T], repeats: int) -> tuple[Stat, T]:
    """Median (min-max) seconds of ``repeats`` runs, and the last result."""
    times = []
    for _ in range(repeats):
        started = time.perf_counter()
        result = run()
        times.append(time.perf_counter() - started)
    return Stat.of(times), result


def compare(
    case: str,
    index: AreaIndex,
    chosen_lat: NDArray[np.float64],
    chosen_lon: NDArray[np.float64],
    repeats: int,
) -> list[str]:
    """One table row: both sides timed on the points, their areas compared."""
    ours, assignment = timed(partial(index.assign, chosen_lat, chosen_lon, TOLERANCE_KM), repeats)
    theirs, codes = timed(partial(anchor, index, chosen_lat, chosen_lon), repeats)
    found = assignment.pcodes
    inside = assignment.methods == "inside"
    differ = np.flatnonzero(inside & (found != codes))
    geometry = dict(zip(index.pcodes, index.tree.geometries, strict=True))
    for at in differ:  # a point in two overlapping areas: each side may keep either, both must hold it
        point = shapely.Point(chosen_lon[at], chosen_lat[at])
        assert geometry[found[at]].intersects(point) and geometry[codes[at]].intersects(point)
    nearest = assignment.methods == "nearest"
    agree = float((found[nearest] == codes[nearest]).mean()) if nearest.any() else 1.0
    counts = assignment.counts()
    return [
        case,
        f"{len(chosen_lat):,}",
        f"{counts['inside']:,} / {counts['nearest']:,} / {counts['outside']:,}",
        ours.fmt(",.3f"),
        theirs.fmt(",.3f"),
        f"{theirs.median / ours.median:.1f}x",
        f"{agree:.1%}",
        f"{len(differ):,}",
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="one run per case")
    args = parser.parse_args()
    repeats = 1 if args.quick else 3
    shared = shared_dir() / "data"
    points = pl.read_csv(shared / "ucdp-ged201-points/ged201_points.csv")
    lat, lon = points["latitude"].to_numpy(), points["longitude"].to_numpy()
    rows = []
    for case, (path, level, options) in CASES.items():
        areas = read_boundaries(shared / path, level, **options).areas  # type: ignore[arg-type]
        index = AreaIndex.build(areas, level)
        # points near the areas: the GED points within the boundaries' box, widened by a degree
        west, south, east, north = shapely.total_bounds([a.geometry for a in areas])
        near = (lon > west - 1) & (lon < east + 1) & (lat > south - 1) & (lat < north + 1)
        rng = np.random.default_rng(0)
        uniform = (rng.uniform(south - 1, north + 1, SYNTHETIC), rng.uniform(west - 1, east + 1, SYNTHETIC))
        for points_name, (chosen_lat, chosen_lon) in (
            ("UCDP GED 20.1", (lat[near], lon[near])),
            ("uniform", uniform),
        ):
            rows.append(compare(f"{case}, {points_name}", index, chosen_lat, chosen_lon, repeats))
            print(rows[-1], file=sys.stderr)
    print(machine_markdown())
    print()
    print(
        f"Points in each boundary file's box (widened by 1 degree): the real UCDP GED 20.1 events there, and "
        f"{SYNTHETIC:,} uniform random points; tolerance {TOLERANCE_KM:g} km; median (min–max) of {repeats} "
        "run(s), seconds."
    )
    print()
    print(
        md_table(
            [
                "boundaries",
                "points",
                "inside / nearest / outside",
                "pochub (s)",
                "shapely tree predicate + nearest (s)",
                "speed-up",
                "nearest areas agreeing",
                "points in two overlapping areas",
            ],
            rows,
        )
    )


if __name__ == "__main__":
    main()

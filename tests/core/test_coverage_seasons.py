"""Closing or slowing roads never raises coverage: no trip gets shorter, no community is reached sooner.

Places snap to their nearest node of the open network, the same in every season. When they snapped to the nearest
node with an *open* road, rain moved a village from an isolated earth track onto a connected road, and the rainy
season covered more of the demo mission than the dry one (47.1 % against 46.6 % at 1 h).
"""

from __future__ import annotations

import numpy as np
import shapely
from hypothesis import given, settings
from hypothesis import strategies as st

from pochub.core.allocation._geodesy import Points
from pochub.core.allocation.travel import (
    RoadGraph,
    Season,
    SeasonRule,
    SpeedProfile,
    network_coverage,
    travel_time_matrix,
)
from pochub.core.models.places import Road
from pochub.services.allocation import Network, Site

CLASSES = ("primary", "secondary", "tertiary", "track")

coordinate = st.floats(min_value=0.0, max_value=0.5, allow_nan=False)
point = st.tuples(coordinate, coordinate)
# a road: two ends (snapped to a coarse grid so that roads share nodes), its class, and what the harsher season
# does to it: None leaves it as it is, 0 closes it, else its speed is multiplied by the factor
grid = st.integers(0, 10).map(lambda i: i * 0.05)
road = st.tuples(
    grid, grid, grid, grid, st.sampled_from(CLASSES), st.one_of(st.none(), st.just(0.0), st.floats(0.01, 1.0))
)


def graphs(lines: list[tuple[float, float, float, float, str, float | None]]) -> tuple[RoadGraph, RoadGraph]:
    """The roads open at full speed, and the same roads with the given closures and slowdowns (each road its own
    surface, so that the season's rules can close or slow any road on its own)."""
    kept = [line for line in lines if line[:2] != line[2:4]]
    geometries = [shapely.LineString([(x0, y0), (x1, y1)]) for x0, y0, x1, y1, _, _ in kept]
    surfaces = [f"road{i}" for i in range(len(kept))]
    rules = tuple(
        SeasonRule(Season.RAINY, surface, factor)
        for surface, (*_, factor) in zip(surfaces, kept, strict=True)
        if factor is not None
    )
    open_ = RoadGraph.from_lines(geometries, [k[4] for k in kept], surfaces, SpeedProfile(rules=rules))
    return open_, open_.with_profile(open_.profile.with_season(Season.RAINY))


def points(pairs: list[tuple[float, float]]) -> Points:
    return Points.from_arrays([y for _, y in pairs], [x for x, _ in pairs])


@settings(max_examples=120, deadline=None)
@given(
    lines=st.lists(road, min_size=1, max_size=10),
    origins=st.lists(point, min_size=1, max_size=3),
    places=st.lists(point, min_size=1, max_size=8),
    standard=st.floats(min_value=0.05, max_value=4.0),
)
def test_closures_and_slowdowns_never_raise_coverage(
    lines: list[tuple[float, float, float, float, str, float | None]],
    origins: list[tuple[float, float]],
    places: list[tuple[float, float]],
    standard: float,
) -> None:
    open_, degraded = graphs(lines)
    if open_.edge_count == 0:
        return
    sites, demand = points(origins), points(places)
    before = travel_time_matrix(open_, sites, demand, off_road_kmh=20.0)
    after = travel_time_matrix(degraded, sites, demand, off_road_kmh=20.0)
    assert (after >= before).all()  # no trip is shorter
    assert (after.min(axis=0) >= before.min(axis=0)).all()  # no community reached sooner
    covered_before = network_coverage(open_, demand, sites, standard, off_road_kmh=20.0).toarray()
    covered_after = network_coverage(degraded, demand, sites, standard, off_road_kmh=20.0).toarray()
    assert not (covered_after & ~covered_before).any()  # every pair covered after was covered before
    assert covered_after.any(axis=1).sum() <= covered_before.any(axis=1).sum()
    # the service adds the straight trip across country: still never sooner
    bases = [Site(f"b{i}", "base", y, x) for i, (x, y) in enumerate(origins)]
    dry, rainy = Network(open_, 20.0, Season.DRY), Network(degraded, 20.0, Season.RAINY)
    assert (rainy.hours(bases, demand).min(axis=0) >= dry.hours(bases, demand).min(axis=0)).all()


def test_a_closed_track_no_longer_moves_a_place_to_a_better_road() -> None:
    """The anomaly itself: a village beside an isolated earth track, 2 km from a paved road to the base."""
    roads = [
        Road("paved", "primary", "paved", shapely.LineString([(0.0, 0.0), (0.3, 0.0)]), None),
        Road("track", "track", "earth", shapely.LineString([(0.3005, 0.02), (0.3005, 0.03)]), None),
    ]
    dry = RoadGraph.from_roads(roads, SpeedProfile())
    rainy = dry.with_profile(dry.profile.with_season(Season.RAINY))
    assert rainy.hours.nnz < dry.hours.nnz  # rain closes the track
    base, village = points([(0.0, 0.0)]), points([(0.3005, 0.0195)])
    np.testing.assert_array_equal(
        rainy.snap(village)[0], dry.snap(village)[0]
    )  # the track's node, both times
    dry_hours = travel_time_matrix(dry, base, village, off_road_kmh=20.0)[0, 0]
    rainy_hours = travel_time_matrix(rainy, base, village, off_road_kmh=20.0)[0, 0]
    assert rainy_hours >= dry_hours

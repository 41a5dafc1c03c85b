"""Travel times: graph building (snapping, junctions, speeds by class and season), time matrices against
hand computations and networkx, and the metric properties of road times."""

from __future__ import annotations

import math

import networkx as nx
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.sparse.csgraph import connected_components
from shapely.geometry import LineString

from pochub.core.allocation import (
    Points,
    RoadGraph,
    Season,
    SeasonRule,
    SpeedProfile,
    great_circle_coverage,
    great_circle_time_matrix,
    helicopter_time_matrix,
    network_hours,
    travel_time_matrix,
)
from pochub.core.allocation._geodesy import haversine_km
from pochub.core.allocation.travel import network_coverage
from pochub.core.models.places import Road

KM_PER_DEGREE = 6371.0088 * math.pi / 180.0
"""Kilometres per degree along the equator (the tests place roads on it, so lengths are easy to check)."""


def equator(*lons: float) -> Points:
    return Points.from_arrays(np.zeros(len(lons)), np.array(lons))


def test_two_lines_meeting_within_the_snap_distance_join() -> None:
    # the second line starts 2 m east of where the first ends
    gap = 0.002 / KM_PER_DEGREE
    lines = [LineString([(0.0, 0.0), (0.1, 0.0)]), LineString([(0.1 + gap, 0.0), (0.2, 0.0)])]
    graph = RoadGraph.from_lines(lines, ["primary", "primary"], snap_metres=5.0)
    assert graph.node_count == 3
    hours = network_hours(graph, [0], np.arange(3))
    assert np.isfinite(hours).all()
    apart = RoadGraph.from_lines(lines, ["primary", "primary"], snap_metres=1.0)
    assert apart.node_count == 4
    assert np.isinf(network_hours(apart, [0], np.arange(4))).sum() == 2


def test_edge_time_is_haversine_length_over_class_speed() -> None:
    line = LineString([(0.0, 0.0), (0.05, 0.0), (0.1, 0.0)])  # interior vertex, not a node
    graph = RoadGraph.from_lines([line], ["secondary"])
    assert graph.node_count == 2 and graph.edge_count == 1
    km = float(haversine_km(np.array(0.0), np.array(0.0), np.array(0.0), np.array(0.1)))
    assert graph.edge_km[0] == pytest.approx(km, rel=1e-12)
    assert graph.hours.max() == pytest.approx(km / 60.0, rel=1e-12)


def test_a_shared_interior_vertex_is_a_junction_but_a_bare_crossing_is_not() -> None:
    horizontal = LineString([(0.0, 0.0), (0.1, 0.0), (0.2, 0.0)])
    through_vertex = LineString([(0.1, -0.1), (0.1, 0.0), (0.1, 0.1)])
    crossing = LineString([(0.15, -0.1), (0.15, 0.1)])  # crosses with no shared vertex (a bridge)
    graph = RoadGraph.from_lines([horizontal, through_vertex, crossing], ["primary"] * 3)
    origin = Points.from_arrays([0.0], [0.0])
    top = Points.from_arrays([0.1, 0.1], [0.1, 0.15])
    times = travel_time_matrix(graph, origin, top)
    assert np.isfinite(times[0, 0])
    assert np.isinf(times[0, 1])


def test_parallel_roads_keep_the_fastest() -> None:
    lines = [LineString([(0.0, 0.0), (0.1, 0.0)]), LineString([(0.0, 0.0), (0.1, 0.0)])]
    graph = RoadGraph.from_lines(lines, ["track", "primary"])
    km = graph.edge_km[0]
    assert network_hours(graph, [0], [1])[0, 0] == pytest.approx(km / 80.0)


def test_rainy_season_closes_earth_tracks_and_slows_earth_and_gravel_roads() -> None:
    lines = [LineString([(0.0, 0.0), (0.1, 0.0)])] * 3 + [LineString([(0.2, 0.0), (0.3, 0.0)])]
    dry = RoadGraph.from_lines(lines[:1], ["secondary"], ["earth"])
    rainy = dry.with_profile(dry.profile.with_season(Season.RAINY))
    assert network_hours(rainy, [0], [1])[0, 0] == pytest.approx(2 * network_hours(dry, [0], [1])[0, 0])
    gravel = RoadGraph.from_lines(lines[:1], ["tertiary"], ["gravel"], SpeedProfile(season=Season.RAINY))
    assert gravel.hours.max() == pytest.approx(gravel.edge_km[0] / 32.0)
    track = RoadGraph.from_lines(lines[3:], ["track"], ["earth"], SpeedProfile(season=Season.RAINY))
    assert track.hours.nnz == 0
    assert np.isinf(travel_time_matrix(track, equator(0.2), equator(0.3))).all()  # no road open between them
    with pytest.raises(ValueError, match="has no road"):
        travel_time_matrix(RoadGraph.from_lines([], []), equator(0.2), equator(0.3))


def test_places_snap_on_the_open_network_in_every_season() -> None:
    # a closed track's node stays the place's node: rain never moves a place onto another, better road
    lines = [LineString([(0.0, 0.0), (0.01, 0.0)]), LineString([(0.0, 0.5), (0.01, 0.5)])]
    graph = RoadGraph.from_lines(lines, ["track", "primary"], ["earth", "paved"])
    point = Points.from_arrays([0.001], [0.0])
    rainy = graph.with_profile(graph.profile.with_season(Season.RAINY))
    assert rainy.hours.nnz < graph.hours.nnz  # the track is closed
    np.testing.assert_array_equal(rainy.snap(point)[0], graph.snap(point)[0])
    node, km = rainy.snap(point)
    assert rainy.node_latitude[node[0]] == pytest.approx(0.0) and km[0] < 1.0


def test_season_rules_can_slow_off_road_travel() -> None:
    profile = SpeedProfile(
        season=Season.RAINY, rules=(SeasonRule(Season.RAINY, "off-road", 0.25),), off_road_kmh=20.0
    )
    assert profile.off_road_speed_kmh() == pytest.approx(5.0)
    with pytest.raises(ValueError, match="closed"):
        SpeedProfile(
            season=Season.RAINY, rules=(SeasonRule(Season.RAINY, "off-road", 0.0),)
        ).off_road_speed_kmh()


def test_unknown_road_class_is_named() -> None:
    with pytest.raises(ValueError, match="'motorway'"):
        RoadGraph.from_lines([LineString([(0, 0), (1, 0)])], ["motorway"])


def test_from_roads_reads_road_records() -> None:
    roads = [Road("r1", "primary", "paved", LineString([(0, 0), (0.1, 0)]))]
    assert RoadGraph.from_roads(roads).edge_count == 1


def test_matrix_adds_off_road_legs_at_both_ends() -> None:
    graph = RoadGraph.from_lines([LineString([(0.0, 0.0), (1.0, 0.0)])], ["primary"])
    origin = Points.from_arrays([0.1], [0.0])  # 0.1 degree north of the west end
    destination = Points.from_arrays([-0.05], [1.0])
    leg_o = 0.1 * KM_PER_DEGREE / 20.0
    leg_d = 0.05 * KM_PER_DEGREE / 20.0
    road = graph.edge_km[0] / 80.0
    times = travel_time_matrix(graph, origin, destination)
    assert times[0, 0] == pytest.approx(leg_o + road + leg_d, rel=1e-9)
    assert travel_time_matrix(graph, origin, destination, off_road_kmh=40.0)[0, 0] == pytest.approx(
        (leg_o + leg_d) / 2 + road, rel=1e-9
    )
    assert np.isinf(travel_time_matrix(graph, origin, destination, cutoff_hours=times[0, 0] - 1e-6)).all()
    assert (
        travel_time_matrix(graph, origin, destination, cutoff_hours=times[0, 0] + 1e-6)[0, 0] == times[0, 0]
    )


def test_no_road_network_means_great_circle_at_off_road_speed() -> None:
    origins, destinations = equator(0.0, 1.0), equator(0.5, 2.0, 3.0)
    times = travel_time_matrix(None, origins, destinations)
    expected = np.abs(np.array([[0.5, 2.0, 3.0], [-0.5, 1.0, 2.0]])) * KM_PER_DEGREE / 20.0
    np.testing.assert_allclose(times, expected, rtol=1e-9)
    assert np.isinf(travel_time_matrix(None, origins, destinations, cutoff_hours=6.0)[0, 2])


def test_helicopter_time_is_preparation_plus_flight_within_range() -> None:
    times = helicopter_time_matrix(
        equator(0.0), equator(1.0, 3.0), cruise_kmh=200.0, preparation_hours=0.5, range_km=300.0
    )
    assert times[0, 0] == pytest.approx(0.5 + KM_PER_DEGREE / 200.0)
    assert np.isinf(times[0, 1])


def test_great_circle_coverage_matches_the_dense_matrix() -> None:
    rng = np.random.default_rng(4)
    demand = Points.from_arrays(rng.uniform(-1, 1, 300), rng.uniform(20, 22, 300))
    sites = Points.from_arrays(rng.uniform(-1, 1, 40), rng.uniform(20, 22, 40))
    dense = great_circle_time_matrix(demand, sites, 20.0) <= 2.0
    np.testing.assert_array_equal(great_circle_coverage(demand, sites, 2.0, 20.0).toarray(), dense)


def random_graph(seed: int, nodes: int, edges: int) -> RoadGraph:
    """Random nodes in a 1-degree square joined by random straight roads of random classes."""
    rng = np.random.default_rng(seed)
    lat, lon = rng.uniform(0, 1, nodes), rng.uniform(30, 31, nodes)
    a, b = rng.integers(0, nodes, edges), rng.integers(0, nodes, edges)
    keep = a != b
    a, b = a[keep], b[keep]
    km = haversine_km(lat[a], lon[a], lat[b], lon[b]) * rng.uniform(1.0, 1.5, a.size)
    classes = rng.choice(["primary", "secondary", "tertiary", "track"], a.size)
    return RoadGraph.build(lat, lon, a, b, km, classes)


@settings(max_examples=40, deadline=None)
@given(st.integers(0, 10_000), st.integers(2, 30), st.integers(0, 60))
def test_road_times_are_a_metric_and_inf_only_when_disconnected(seed: int, nodes: int, edges: int) -> None:
    graph = random_graph(seed, nodes, edges)
    every = np.arange(graph.node_count)
    hours = network_hours(graph, every, every)
    np.testing.assert_allclose(hours, hours.T, rtol=1e-12)  # sums in another order: equal up to rounding
    assert (np.diag(hours) == 0).all()
    # triangle inequality through every intermediate node
    through = hours[:, :, None] + hours[None, :, :]
    assert (hours[:, None, :] <= through + 1e-12).all()
    _, component = connected_components(graph.hours, directed=False)
    np.testing.assert_array_equal(np.isfinite(hours), component[:, None] == component[None, :])
    cutoff = float(np.median(hours[np.isfinite(hours)]))
    limited = network_hours(graph, every, every, cutoff_hours=cutoff)
    np.testing.assert_array_equal(limited, np.where(hours <= cutoff, hours, np.inf))


@settings(max_examples=15, deadline=None)
@given(st.integers(0, 10_000))
def test_road_times_agree_with_networkx(seed: int) -> None:
    graph = random_graph(seed, 40, 90)
    reference = nx.Graph()
    reference.add_nodes_from(range(graph.node_count))
    coo = graph.hours.tocoo()
    reference.add_weighted_edges_from(zip(coo.row.tolist(), coo.col.tolist(), coo.data.tolist(), strict=True))
    ours = network_hours(graph, np.arange(5), np.arange(graph.node_count))
    for source in range(5):
        lengths = nx.single_source_dijkstra_path_length(reference, source)
        expected = np.array([lengths.get(node, np.inf) for node in range(graph.node_count)])
        np.testing.assert_allclose(ours[source], expected, rtol=1e-12, atol=0)


def test_workers_and_blocks_give_the_same_matrix(monkeypatch: pytest.MonkeyPatch) -> None:
    from pochub.core.allocation import travel

    graph = random_graph(7, 300, 900)
    rng = np.random.default_rng(1)
    origins = Points.from_arrays(rng.uniform(0, 1, 50), rng.uniform(30, 31, 50))
    destinations = Points.from_arrays(rng.uniform(0, 1, 80), rng.uniform(30, 31, 80))
    single = travel_time_matrix(graph, origins, destinations, cutoff_hours=3.0)
    monkeypatch.setattr(travel, "BLOCK_ENTRIES", 1_000)  # blocks of 3 sources
    np.testing.assert_array_equal(travel_time_matrix(graph, origins, destinations, cutoff_hours=3.0), single)
    np.testing.assert_array_equal(
        travel_time_matrix(graph, origins, destinations, cutoff_hours=3.0, workers=2), single
    )


def test_points_reject_bad_coordinates() -> None:
    with pytest.raises(ValueError, match="latitude"):
        Points.from_arrays([91.0], [0.0])
    with pytest.raises(ValueError, match="2 latitudes"):
        Points.from_arrays([0.0, 1.0], [0.0])


@settings(max_examples=40, deadline=None)
@given(
    st.integers(0, 10_000),
    st.integers(2, 40),
    st.integers(0, 90),
    st.integers(1, 30),
    st.integers(1, 60),
    st.floats(0.0, 6.0),
)
def test_road_coverage_equals_the_dense_matrix_within_the_standard(
    seed: int, nodes: int, edges: int, site_count: int, demand_count: int, standard: float
) -> None:
    # the fast path (sparse, bounded by the standard, demand sharing its node's search) against the reference
    # (the dense matrix of travel_time_matrix), pair for pair, including sites and points on the same node
    graph = random_graph(seed, nodes, edges)
    if graph.tree_nodes.size == 0:
        return
    rng = np.random.default_rng(seed + 1)
    sites = Points.from_arrays(rng.uniform(0, 1, site_count), rng.uniform(30, 31, site_count))
    demand = Points.from_arrays(
        np.r_[rng.uniform(0, 1, demand_count), sites.latitude[:1]],
        np.r_[rng.uniform(30, 31, demand_count), sites.longitude[:1]],
    )
    dense = standard >= travel_time_matrix(graph, sites, demand, cutoff_hours=standard).T
    covered = network_coverage(graph, demand, sites, standard)
    assert covered.shape == dense.shape and covered.dtype == np.bool_
    np.testing.assert_array_equal(covered.toarray(), dense)


def test_road_coverage_in_blocks_and_processes_is_the_same(monkeypatch: pytest.MonkeyPatch) -> None:
    from pochub.core.allocation import travel

    graph = random_graph(7, 300, 900)
    rng = np.random.default_rng(2)
    sites = Points.from_arrays(rng.uniform(0, 1, 50), rng.uniform(30, 31, 50))
    demand = Points.from_arrays(rng.uniform(0, 1, 400), rng.uniform(30, 31, 400))
    dense = travel_time_matrix(graph, sites, demand, cutoff_hours=2.5).T <= 2.5
    assert 0 < dense.sum() < dense.size
    monkeypatch.setattr(travel, "BLOCK_ENTRIES", 1_000)  # blocks of 2 sites
    np.testing.assert_array_equal(network_coverage(graph, demand, sites, 2.5).toarray(), dense)
    np.testing.assert_array_equal(network_coverage(graph, demand, sites, 2.5, workers=2).toarray(), dense)
    with pytest.raises(ValueError, match="standard"):
        network_coverage(graph, demand, sites, -1.0)


@settings(max_examples=60, deadline=None)
@given(
    st.integers(0, 10_000),
    st.integers(2, 40),
    st.integers(0, 120),
    st.floats(0.0, 1.0),
    st.sampled_from([10, 1_000, 50_000_000]),
)
def test_contraction_hierarchy_equals_scipy_on_integer_weights(
    seed: int, nodes: int, arcs: int, one_way: float, heaviest: int
) -> None:
    # issue 19: pyroutingkit's customizable contraction hierarchy (bench set only, not a runtime dependency)
    # against pochub's scipy kernel on the same integer arcs (some one-way, some both ways, parts
    # disconnected, ties at small weights, sums up to 39 x 5e7, below its 2^31 - 1 for "unreachable"): equal
    # entry for entry
    pyroutingkit = pytest.importorskip("pyroutingkit")
    from scipy import sparse

    from pochub.core.allocation.travel import _node_table

    rng = np.random.default_rng(seed)
    pairs = np.unique(rng.integers(0, nodes, (arcs, 2)), axis=0)
    pairs = pairs[pairs[:, 0] != pairs[:, 1]]
    both = rng.uniform(size=len(pairs)) >= one_way
    tail = np.r_[pairs[:, 0], pairs[both, 1]]
    head = np.r_[pairs[:, 1], pairs[both, 0]]
    keep = np.unique(np.column_stack((tail, head)), axis=0, return_index=True)[1]  # one weight per arc
    tail, head = tail[keep], head[keep]
    weight = rng.integers(1, heaviest + 1, tail.size)
    topology = pyroutingkit.CCHTopology()
    topology.build(
        tail.astype(np.uint32), head.astype(np.uint32), rng.uniform(0, 1, nodes).astype(np.float32),
        rng.uniform(30, 31, nodes).astype(np.float32), nodes,
    )  # fmt: skip
    metric = pyroutingkit.CCHMetric(topology)
    metric.customize(weight.astype(np.uint32))
    every = np.arange(nodes)
    found = metric.distances_many_to_many(every.astype(np.uint32), every.astype(np.uint32)).astype(np.float64)
    found[found >= pyroutingkit.INF_WEIGHT] = np.inf
    matrix = sparse.csr_array((weight.astype(np.float64), (tail, head)), shape=(nodes, nodes))
    expected = _node_table(matrix, every, every, np.full(nodes, np.inf), 1)
    np.testing.assert_array_equal(found, expected)

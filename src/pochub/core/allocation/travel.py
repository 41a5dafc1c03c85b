"""Travel times: a road graph from line segments, speeds by road class and season, and time matrices.

Graph. Every road line is cut into edges at its *nodes*: its two endpoints and any vertex it shares with another
vertex (of another line, or of itself) within ``snap_metres``. Vertices closer than ``snap_metres`` are merged
(a k-d tree on unit vectors finds the pairs; connected components of the pairs are the merged nodes), so lines
digitised to meet but a metre apart still join. A crossing without a shared vertex is not a junction (a bridge,
as in OpenStreetMap). An edge's length is the haversine length of its part of the line; its time is length /
speed, where the speed is the class speed times the first matching :class:`SeasonRule` of the season (factor 0
closes the road). Parallel edges keep the fastest; the graph is undirected. Nodes are numbered along a Hilbert
curve so that Dijkstra's working set stays in cache.

Matrices. Origins and destinations are snapped to their nearest node (great-circle, via a k-d tree) of the
network with every road open, whatever the season closes, and the snap distance is travelled off-road at
``off_road_kmh`` at both ends. Snapping on the open network is what makes closing or slowing roads never shorten a
trip: the same nodes, the same legs, and only longer (or no) roads between them. Snapping to the nearest node with
an *open* road let rain move a place from an isolated earth track onto a connected road, and rain then gained
coverage (47.1 % rainy against 46.6 % dry at 1 h on the demo mission); a place whose roads are all closed is now
reached by road only from its own node (else not at all: the caller may go across country). Node-to-node times come from
``scipy.sparse.csgraph.dijkstra`` run from each distinct origin node at once (compiled code, never a Python loop
over pairs), in blocks of sources so that the (sources x nodes) work array stays small, with ``limit`` set from
the cutoff so searches stop early. Times beyond the cutoff, and between disconnected parts, are ``inf``.
``workers > 1`` runs the blocks in that many processes (scipy's Dijkstra holds the GIL).
"""

from __future__ import annotations

import math
import multiprocessing
from collections.abc import Iterable, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field, replace
from enum import StrEnum

import numpy as np
import shapely
from numpy.typing import ArrayLike, NDArray
from scipy import sparse
from scipy.sparse.csgraph import connected_components, dijkstra
from scipy.spatial import cKDTree

from pochub.core.allocation._geodesy import (
    FloatArray,
    IntArray,
    Points,
    chord_to_km,
    distance_matrix_km,
    haversine_km,
    hilbert_order,
    km_to_chord,
    unit_vectors,
)
from pochub.core.models.places import Road

__all__ = [
    "OFF_ROAD",
    "Points",
    "RoadGraph",
    "Season",
    "SeasonRule",
    "SpeedProfile",
    "great_circle_coverage",
    "great_circle_time_matrix",
    "helicopter_time_matrix",
    "network_coverage",
    "network_hours",
    "travel_time_matrix",
]

OFF_ROAD = "off-road"
"""The surface name season rules use for the off-road legs (snap distances, or the whole trip without roads)."""
BLOCK_ENTRIES = 8_000_000
"""Largest (sources x nodes) float64 block one Dijkstra call fills (64 MB)."""
MIN_EDGE_HOURS = 1e-12
"""Edges shorter than this (merged vertices) still count as edges: csgraph drops explicit zeros in places."""


class Season(StrEnum):
    """The season, which decides which roads are open and how fast."""

    DRY = "dry"
    RAINY = "rainy"


@dataclass(frozen=True)
class SeasonRule:
    """In ``season``, roads of ``surface`` (and of ``road_class``, or of every class when None) go at
    ``factor`` times their class speed; 0 closes them. Surface ``"off-road"`` applies to off-road legs."""

    season: Season
    surface: str
    factor: float
    road_class: str | None = None

    def __post_init__(self) -> None:
        if not 0.0 <= self.factor <= 1.0e3 or math.isnan(self.factor):
            raise ValueError(f"season factor must be a non-negative number, not {self.factor}")

    def matches(self, season: Season, road_class: str, surface: str) -> bool:
        """Whether the rule applies to a road of this class and surface in this season."""
        return (
            self.season == season
            and self.surface == surface
            and (self.road_class is None or self.road_class == road_class)
        )


DEFAULT_ROAD_KMH: tuple[tuple[str, float], ...] = (
    ("primary", 80.0),
    ("secondary", 60.0),
    ("tertiary", 40.0),
    ("track", 20.0),
)
"""Dry-season speeds by road class *(unverified: keep configurable)*."""
DEFAULT_SEASON_RULES: tuple[SeasonRule, ...] = (
    SeasonRule(Season.RAINY, "earth", 0.0, "track"),
    SeasonRule(Season.RAINY, "earth", 0.5),
    SeasonRule(Season.RAINY, "gravel", 0.8),
)
"""Rainy season: earth tracks close, other earth roads halve, gravel roads slow by a fifth *(unverified)*."""


@dataclass(frozen=True)
class SpeedProfile:
    """Speeds by road class (km/h), the season and its rules (first match wins), and the off-road speed."""

    season: Season = Season.DRY
    road_kmh: tuple[tuple[str, float], ...] = DEFAULT_ROAD_KMH
    rules: tuple[SeasonRule, ...] = DEFAULT_SEASON_RULES
    off_road_kmh: float = 20.0

    def __post_init__(self) -> None:
        for name, kmh in self.road_kmh:
            if not kmh > 0.0 or not math.isfinite(kmh):
                raise ValueError(f"speed of road class {name!r} must be a positive number, not {kmh}")
        if not self.off_road_kmh > 0.0 or not math.isfinite(self.off_road_kmh):
            raise ValueError(f"off-road speed must be a positive number, not {self.off_road_kmh}")

    def with_season(self, season: Season) -> SpeedProfile:
        """The same profile in another season."""
        return replace(self, season=season)

    def factor(self, road_class: str, surface: str) -> float:
        """The season's factor for a road of this class and surface (1 when no rule matches)."""
        for rule in self.rules:
            if rule.matches(self.season, road_class, surface):
                return rule.factor
        return 1.0

    def speed_kmh(self, road_class: str, surface: str) -> float:
        """Speed on a road of this class and surface in the profile's season; 0 when closed."""
        speeds = dict(self.road_kmh)
        if road_class not in speeds:
            known = ", ".join(sorted(speeds))
            raise ValueError(f"no speed for road class {road_class!r} (known: {known})")
        return speeds[road_class] * self.factor(road_class, surface)

    def off_road_speed_kmh(self) -> float:
        """Off-road speed in the profile's season (rules on surface ``"off-road"``)."""
        speed = self.off_road_kmh * self.factor(OFF_ROAD, OFF_ROAD)
        if speed <= 0.0:
            raise ValueError(f"off-road travel is closed in the {self.season} season: no last leg possible")
        return speed


@dataclass(frozen=True, eq=False)
class RoadGraph:
    """An undirected road graph: nodes (degrees), edges (km, class, surface) and edge times (hours) under
    ``profile`` as a symmetric CSR matrix; closed edges are left out of ``hours``."""

    node_latitude: FloatArray
    node_longitude: FloatArray
    edge_source: IntArray
    edge_target: IntArray
    edge_km: FloatArray
    edge_class: NDArray[np.str_]
    edge_surface: NDArray[np.str_]
    profile: SpeedProfile
    hours: sparse.csr_array
    tree: cKDTree = field(repr=False)
    """k-d tree over the unit vectors of the nodes with at least one edge, open or closed (``tree_nodes``): places
    snap on the open network, the same in every season."""
    tree_nodes: IntArray = field(repr=False)

    @classmethod
    def from_roads(
        cls, roads: Iterable[Road], profile: SpeedProfile | None = None, snap_metres: float = 5.0
    ) -> RoadGraph:
        """The graph of road records (line geometries with class and surface)."""
        items = list(roads)
        return cls.from_lines(
            [r.geometry for r in items], [r.road_class for r in items], [r.surface for r in items],
            profile, snap_metres,
        )  # fmt: skip

    @classmethod
    def from_lines(
        cls,
        lines: Sequence[shapely.Geometry] | NDArray[np.object_],
        road_classes: Sequence[str] | NDArray[np.str_],
        surfaces: Sequence[str] | NDArray[np.str_] | None = None,
        profile: SpeedProfile | None = None,
        snap_metres: float = 5.0,
    ) -> RoadGraph:
        """The graph of (multi)line geometries in degrees (x = longitude), one class and surface per line."""
        geometries = np.asarray(lines, dtype=object)
        classes = np.asarray(road_classes, dtype=np.str_)
        kinds = np.asarray(surfaces if surfaces is not None else [""] * len(geometries), dtype=np.str_)
        if not len(geometries) == len(classes) == len(kinds):
            raise ValueError(f"{len(geometries)} lines, {len(classes)} classes and {len(kinds)} surfaces")
        parts, owner = shapely.get_parts(geometries, return_index=True)
        coords, line = shapely.get_coordinates(parts, return_index=True)
        source, target, km, segment_line, latitude, longitude = _split_at_nodes(coords, line, snap_metres)
        edge_line = owner[segment_line]
        return cls.build(
            latitude, longitude, source, target, km, classes[edge_line], kinds[edge_line], profile
        )

    @classmethod
    def build(
        cls,
        node_latitude: ArrayLike,
        node_longitude: ArrayLike,
        edge_source: ArrayLike,
        edge_target: ArrayLike,
        edge_km: ArrayLike,
        edge_class: ArrayLike,
        edge_surface: ArrayLike | None = None,
        profile: SpeedProfile | None = None,
    ) -> RoadGraph:
        """The graph of explicit nodes and edges (node indices, lengths in km, classes and surfaces)."""
        points = Points.from_arrays(node_latitude, node_longitude)
        source = np.asarray(edge_source, dtype=np.int64)
        target = np.asarray(edge_target, dtype=np.int64)
        km = np.asarray(edge_km, dtype=np.float64)
        classes = np.asarray(edge_class, dtype=np.str_)
        kinds = np.asarray(edge_surface if edge_surface is not None else [""] * len(source), dtype=np.str_)
        if not len(source) == len(target) == len(km) == len(classes) == len(kinds):
            raise ValueError("edge arrays differ in length")
        if len(source) and (
            min(source.min(), target.min()) < 0 or max(source.max(), target.max()) >= len(points)
        ):
            raise ValueError("an edge refers to a node that does not exist")
        if not (np.isfinite(km).all() and (km >= 0).all()):
            raise ValueError("edge lengths must be finite and non-negative")
        chosen = profile or SpeedProfile()
        hours = _hours_matrix(len(points), source, target, km, classes, kinds, chosen)
        tree, tree_nodes = _road_node_tree(points, source, target)
        return cls(
            points.latitude,
            points.longitude,
            source,
            target,
            km,
            classes,
            kinds,
            chosen,
            hours,
            tree,
            tree_nodes,
        )

    def with_profile(self, profile: SpeedProfile) -> RoadGraph:
        """The same roads under another speed profile (another season, other speeds)."""
        hours = _hours_matrix(
            self.node_count, self.edge_source, self.edge_target, self.edge_km,
            self.edge_class, self.edge_surface, profile,
        )  # fmt: skip
        return replace(self, profile=profile, hours=hours)  # the same nodes to snap to: the open network

    @property
    def node_count(self) -> int:
        """Number of nodes."""
        return int(self.node_latitude.size)

    @property
    def edge_count(self) -> int:
        """Number of edges (open or closed in the profile's season)."""
        return int(self.edge_source.size)

    def snap(self, points: Points) -> tuple[IntArray, FloatArray]:
        """The nearest road node of each point on the open network (whether or not the season closes its roads),
        and the great-circle km to it."""
        if len(points) == 0:
            return np.zeros(0, dtype=np.int64), np.zeros(0)
        if self.tree_nodes.size == 0:
            raise ValueError("the road graph has no road: nothing to snap to")
        chord, index = self.tree.query(points.unit_vectors(), k=1)
        node = self.tree_nodes[np.asarray(index, dtype=np.int64)]
        return node, chord_to_km(np.asarray(chord, dtype=np.float64))


def _road_node_tree(points: Points, source: IntArray, target: IntArray) -> tuple[cKDTree, IntArray]:
    """A k-d tree over the nodes that have an edge (open or closed), and those nodes' indices."""
    nodes = np.unique(np.concatenate((source, target))).astype(np.int64)
    xyz = points.unit_vectors()[nodes]
    return cKDTree(xyz if len(xyz) else np.zeros((0, 3))), nodes


def _split_at_nodes(
    coords: FloatArray, line: IntArray, snap_metres: float
) -> tuple[IntArray, IntArray, FloatArray, IntArray, FloatArray, FloatArray]:
    """Edges of the lines, cut at their nodes: (source, target, km, line of each edge, node lat, node lon)."""
    empty = np.zeros(0, dtype=np.int64)
    if len(coords) == 0:
        return empty, empty, np.zeros(0), empty, np.zeros(0), np.zeros(0)
    lon, lat = coords[:, 0], coords[:, 1]
    cluster, cluster_size = _merge_close(unit_vectors(lat, lon), snap_metres)
    first = np.r_[True, line[1:] != line[:-1]]
    last = np.r_[line[1:] != line[:-1], True]
    is_node = first | last | (cluster_size[cluster] > 1)
    _, first_of_node, node_of_vertex = np.unique(cluster[is_node], return_index=True, return_inverse=True)
    node_of_vertex = node_of_vertex.reshape(-1)
    # one coordinate per node: the first vertex of its cluster; then renumber along a Hilbert curve
    vertex_index = np.flatnonzero(is_node)
    representative = vertex_index[first_of_node]
    node_lat, node_lon = lat[representative], lon[representative]
    order = hilbert_order(node_lat, node_lon)
    rank = np.empty_like(order)
    rank[order] = np.arange(order.size)
    # cumulative length along each line; edges join consecutive nodes of the same line
    step = np.zeros(len(coords))
    same = line[1:] == line[:-1]
    step[1:] = np.where(same, haversine_km(lat[:-1], lon[:-1], lat[1:], lon[1:]), 0.0)
    along = np.cumsum(step)
    start, end = vertex_index[:-1], vertex_index[1:]
    keep = line[start] == line[end]
    start, end = start[keep], end[keep]
    source = rank[node_of_vertex[:-1][keep]]
    target = rank[node_of_vertex[1:][keep]]
    km = along[end] - along[start]
    loop = source == target
    return (
        source[~loop], target[~loop], km[~loop], line[start][~loop],
        node_lat[order], node_lon[order],
    )  # fmt: skip


def _merge_close(xyz: FloatArray, snap_metres: float) -> tuple[IntArray, IntArray]:
    """Cluster label of each vertex (vertices within ``snap_metres`` of each other, transitively) and the
    size of each cluster."""
    n = len(xyz)
    if snap_metres <= 0:  # only identical vertices merge
        _, label = np.unique(xyz, axis=0, return_inverse=True)
        label = label.reshape(-1).astype(np.int64)
        return label, np.bincount(label).astype(np.int64)
    pairs = cKDTree(xyz).query_pairs(km_to_chord(snap_metres / 1000.0), output_type="ndarray")
    if len(pairs) == 0:
        return np.arange(n, dtype=np.int64), np.ones(n, dtype=np.int64)
    links = sparse.coo_array((np.ones(len(pairs)), (pairs[:, 0], pairs[:, 1])), shape=(n, n))
    _, label = connected_components(links, directed=False)
    label = np.asarray(label, dtype=np.int64)
    return label, np.bincount(label).astype(np.int64)


def _hours_matrix(
    n: int,
    source: IntArray,
    target: IntArray,
    km: FloatArray,
    classes: NDArray[np.str_],
    surfaces: NDArray[np.str_],
    profile: SpeedProfile,
) -> sparse.csr_array:
    """Symmetric CSR of edge hours under ``profile``; closed edges left out, parallel edges at their fastest."""
    class_names, class_code = np.unique(classes, return_inverse=True)
    surface_names, surface_code = np.unique(surfaces, return_inverse=True)
    speed_table = np.array(
        [[profile.speed_kmh(str(c), str(s)) for s in surface_names] for c in class_names], dtype=np.float64
    ).reshape(len(class_names), len(surface_names))
    speed = speed_table[class_code.reshape(-1), surface_code.reshape(-1)]
    open_ = speed > 0
    hours = np.maximum(km[open_] / speed[open_], MIN_EDGE_HOURS)
    rows = np.concatenate((source[open_], target[open_]))
    cols = np.concatenate((target[open_], source[open_]))
    data = np.concatenate((hours, hours))
    order = np.lexsort((data, cols, rows))
    rows, cols, data = rows[order], cols[order], data[order]
    first = np.r_[True, (rows[1:] != rows[:-1]) | (cols[1:] != cols[:-1])] if len(rows) else np.zeros(0, bool)
    matrix = sparse.csr_array((data[first], (rows[first], cols[first])), shape=(n, n))
    matrix.sort_indices()
    return matrix


def network_hours(
    graph: RoadGraph,
    sources: ArrayLike,
    targets: ArrayLike,
    cutoff_hours: float = math.inf,
    workers: int = 1,
) -> FloatArray:
    """Shortest road hours between graph nodes (len(sources), len(targets)); ``inf`` beyond the cutoff or
    when disconnected. Dijkstra runs once per distinct source node."""
    src = np.asarray(sources, dtype=np.int64).reshape(-1)
    dst = np.asarray(targets, dtype=np.int64).reshape(-1)
    unique_src, src_inverse = np.unique(src, return_inverse=True)
    unique_dst, dst_inverse = np.unique(dst, return_inverse=True)
    limits = np.full(unique_src.size, float(cutoff_hours))
    table = _node_table(graph.hours, unique_src, unique_dst, limits, workers)
    return table[src_inverse.reshape(-1)][:, dst_inverse.reshape(-1)]


def _node_table(
    hours: sparse.csr_array, sources: IntArray, targets: IntArray, limits: FloatArray, workers: int
) -> FloatArray:
    """Hours from each (distinct) source node to each target node, Dijkstra in blocks of sources; each block
    stops at the largest of its sources' ``limits``."""
    n = hours.shape[0]
    if sources.size == 0 or targets.size == 0:
        return np.full((sources.size, targets.size), np.inf)
    block = max(1, min(BLOCK_ENTRIES // max(n, 1), math.ceil(sources.size / (4 * max(workers, 1)))))
    # sources sorted by limit so that a block's limit (its largest) is close to each member's own
    order = np.argsort(limits, kind="stable")
    blocks = [order[i : i + block] for i in range(0, sources.size, block)]
    tasks = [(hours, sources[b], targets, float(limits[b].max())) for b in blocks]
    table = np.empty((sources.size, targets.size))
    if workers > 1 and len(tasks) > 1:
        context = multiprocessing.get_context("spawn")
        with ProcessPoolExecutor(max_workers=workers, mp_context=context) as pool:
            parts = list(pool.map(_dijkstra_block, *zip(*tasks, strict=True)))
    else:
        parts = [_dijkstra_block(*task) for task in tasks]
    for b, part in zip(blocks, parts, strict=True):
        table[b] = part
    return table


def _dijkstra_block(
    hours: sparse.csr_array, sources: IntArray, targets: IntArray, limit: float
) -> FloatArray:
    """One block of single-source Dijkstra runs (compiled), reduced to the target columns."""
    if limit < 0:
        return np.full((sources.size, targets.size), np.inf)
    distances = dijkstra(hours, directed=True, indices=sources, limit=limit)
    return np.asarray(distances[:, targets], dtype=np.float64)


def travel_time_matrix(
    graph: RoadGraph | None,
    origins: Points,
    destinations: Points,
    cutoff_hours: float = math.inf,
    *,
    off_road_kmh: float | None = None,
    workers: int = 1,
) -> FloatArray:
    """Hours from each origin to each destination (n_origins, n_destinations): off-road to the nearest node,
    by road, off-road from the nearest node; ``inf`` beyond ``cutoff_hours`` or when no road joins them.

    Without a graph (``None``) the trip is the great circle at the off-road speed (default 20 km/h).
    ``off_road_kmh`` overrides the profile's off-road speed (after season rules).
    """
    if cutoff_hours < 0 or math.isnan(cutoff_hours):
        raise ValueError(f"cutoff must be a non-negative number of hours, not {cutoff_hours}")
    if graph is None:
        speed = off_road_kmh if off_road_kmh is not None else SpeedProfile().off_road_kmh
        return great_circle_time_matrix(origins, destinations, speed, cutoff_hours=cutoff_hours)
    speed = off_road_kmh if off_road_kmh is not None else graph.profile.off_road_speed_kmh()
    if not speed > 0:
        raise ValueError(f"off-road speed must be positive, not {speed}")
    if len(origins) == 0 or len(destinations) == 0:
        return np.full((len(origins), len(destinations)), np.inf)
    origin_node, origin_km = graph.snap(origins)
    target_node, target_km = graph.snap(destinations)
    origin_leg, target_leg = origin_km / speed, target_km / speed
    sources, source_of_origin = np.unique(origin_node, return_inverse=True)
    targets, target_of_destination = np.unique(target_node, return_inverse=True)
    source_of_origin = source_of_origin.reshape(-1)
    # each source's search may stop at the cutoff less the shortest off-road legs at both ends
    shortest_leg = np.full(sources.size, np.inf)
    np.minimum.at(shortest_leg, source_of_origin, origin_leg)
    limits = cutoff_hours - shortest_leg - float(target_leg.min())
    table = _node_table(graph.hours, sources, targets, limits, workers)
    times = table[source_of_origin][:, target_of_destination.reshape(-1)]
    times += origin_leg[:, None]
    times += target_leg[None, :]
    times[times > cutoff_hours] = np.inf
    return times


def network_coverage(
    graph: RoadGraph,
    demand: Points,
    sites: Points,
    standard_hours: float,
    *,
    off_road_kmh: float | None = None,
    workers: int = 1,
) -> sparse.csr_array:
    """Which site reaches which demand point by road within ``standard_hours``: a boolean CSR (demand x sites)
    equal to ``travel_time_matrix(graph, sites, demand, standard_hours).T <= standard_hours``, without the dense
    matrix. Demand points are snapped once and share their node's search results; Dijkstra runs from each
    distinct site node (the smaller side in practice), bounded by the standard, one block of sites at a time,
    and only the covered pairs are kept (``workers > 1``: blocks in that many processes)."""
    if math.isnan(standard_hours) or standard_hours < 0:
        raise ValueError(f"the standard must be a non-negative number of hours, not {standard_hours}")
    shape = (len(demand), len(sites))
    if 0 in shape:
        return sparse.csr_array(shape, dtype=np.bool_)
    speed = off_road_kmh if off_road_kmh is not None else graph.profile.off_road_speed_kmh()
    if not speed > 0:
        raise ValueError(f"off-road speed must be positive, not {speed}")
    site_node, site_km = graph.snap(sites)
    demand_node, demand_km = graph.snap(demand)
    site_leg, demand_leg = site_km / speed, demand_km / speed
    sources, source_of_site = np.unique(site_node, return_inverse=True)
    targets, target_of_demand = np.unique(demand_node, return_inverse=True)
    source_of_site = source_of_site.reshape(-1)
    shortest_leg = np.full(sources.size, np.inf)
    np.minimum.at(shortest_leg, source_of_site, site_leg)
    limits = standard_hours - shortest_leg - float(demand_leg.min())
    n = graph.node_count
    block = max(
        1, min(BLOCK_ENTRIES // max(n, len(demand), 1), math.ceil(len(sites) / (4 * max(workers, 1))))
    )
    # sites ordered by their source's limit, so that a block's limit (its largest) is close to each member's own
    order = np.argsort(limits[source_of_site], kind="stable")
    tasks = [
        (graph.hours, sources, source_of_site[b], site_leg[b], b, targets, target_of_demand.reshape(-1),
         demand_leg, float(standard_hours), float(limits[source_of_site[b]].max()))
        for b in (order[i : i + block] for i in range(0, len(sites), block))
    ]  # fmt: skip
    if workers > 1 and len(tasks) > 1:
        context = multiprocessing.get_context("spawn")
        with ProcessPoolExecutor(max_workers=workers, mp_context=context) as pool:
            parts = list(pool.map(_coverage_block, *zip(*tasks, strict=True)))
    else:
        parts = [_coverage_block(*task) for task in tasks]
    rows = np.concatenate([p[0] for p in parts]) if parts else np.zeros(0, dtype=np.int64)
    cols = np.concatenate([p[1] for p in parts]) if parts else np.zeros(0, dtype=np.int64)
    matrix = sparse.csr_array((np.ones(rows.size, dtype=np.bool_), (rows, cols)), shape=shape)
    matrix.sort_indices()
    return matrix


def _coverage_block(
    hours: sparse.csr_array,
    sources: IntArray,
    source_of_site: IntArray,
    site_leg: FloatArray,
    site_index: IntArray,
    targets: IntArray,
    target_of_demand: IntArray,
    demand_leg: FloatArray,
    standard_hours: float,
    limit: float,
) -> tuple[IntArray, IntArray]:
    """(demand, site) pairs within the standard for one block of sites, with the arithmetic (and so the
    rounding) of ``travel_time_matrix``: road hours, plus the site's leg, plus the demand point's leg."""
    if limit < 0:
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
    block_sources, block_of_site = np.unique(source_of_site, return_inverse=True)
    road = _dijkstra_block(hours, sources[block_sources], targets, limit)
    times = road[block_of_site.reshape(-1)][:, target_of_demand]
    times += site_leg[:, None]
    times += demand_leg[None, :]
    site, point = np.nonzero(times <= standard_hours)
    return point.astype(np.int64), site_index[site].astype(np.int64)


def great_circle_time_matrix(
    origins: Points,
    destinations: Points,
    speed_kmh: float,
    *,
    preparation_hours: float = 0.0,
    cutoff_hours: float = math.inf,
) -> FloatArray:
    """Hours along the great circle at ``speed_kmh`` plus a fixed preparation time (n_origins, n_dest);
    ``inf`` beyond the cutoff. The "no road network" case, and the basis of air travel."""
    if not speed_kmh > 0 or not math.isfinite(speed_kmh):
        raise ValueError(f"speed must be a positive number of km/h, not {speed_kmh}")
    if preparation_hours < 0:
        raise ValueError(f"preparation time must not be negative, not {preparation_hours}")
    times = distance_matrix_km(origins, destinations)
    times /= speed_kmh
    times += preparation_hours
    times[times > cutoff_hours] = np.inf
    return times


def helicopter_time_matrix(
    bases: Points,
    destinations: Points,
    *,
    cruise_kmh: float = 200.0,
    preparation_hours: float = 1.0,
    range_km: float = math.inf,
    cutoff_hours: float = math.inf,
) -> FloatArray:
    """Helicopter response hours: preparation time plus great-circle distance at cruise speed; ``inf`` for
    destinations beyond ``range_km`` or the cutoff. Defaults *(unverified)*: 200 km/h, 1 h to launch."""
    times = great_circle_time_matrix(
        bases, destinations, cruise_kmh, preparation_hours=preparation_hours, cutoff_hours=cutoff_hours
    )
    if math.isfinite(range_km):
        times[(times - preparation_hours) * cruise_kmh > range_km] = np.inf
    return times


def great_circle_coverage(
    demand: Points, sites: Points, standard_hours: float, speed_kmh: float
) -> sparse.csr_array:
    """Which site reaches which demand point within ``standard_hours`` along the great circle at
    ``speed_kmh``: a boolean CSR (demand x sites) from a k-d tree radius search, never a dense matrix."""
    if not speed_kmh > 0 or not math.isfinite(speed_kmh):
        raise ValueError(f"speed must be a positive number of km/h, not {speed_kmh}")
    if math.isnan(standard_hours) or standard_hours < 0:
        raise ValueError(f"the standard must be a non-negative number of hours, not {standard_hours}")
    shape = (len(demand), len(sites))
    if 0 in shape:
        return sparse.csr_array(shape, dtype=np.bool_)
    radius = km_to_chord(standard_hours * speed_kmh)
    # a hair of slack so that pairs exactly at the standard stay in; then the exact haversine decides
    pairs = cKDTree(demand.unit_vectors()).sparse_distance_matrix(
        cKDTree(sites.unit_vectors()), radius * (1 + 1e-9) + 1e-12, output_type="ndarray"
    )
    row = pairs["i"].astype(np.int64)
    col = pairs["j"].astype(np.int64)
    km = haversine_km(demand.latitude[row], demand.longitude[row], sites.latitude[col], sites.longitude[col])
    inside = km / speed_kmh <= standard_hours
    matrix = sparse.csr_array(
        (np.ones(int(inside.sum()), dtype=np.bool_), (row[inside], col[inside])), shape=shape
    )
    matrix.sort_indices()
    return matrix

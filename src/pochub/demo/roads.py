"""The demo road network: a minimum spanning tree over the towns plus a few shortcuts, and tracks to villages.

Trunk roads on the tree paths from the capital to the province capitals are primary; other tree edges are
secondary; shortcuts are tertiary; tracks link each cluster of villages to the nearest road. Roads wobble a
little so that they do not look ruled.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import shapely
from numpy.typing import NDArray
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import minimum_spanning_tree, shortest_path
from scipy.spatial import Delaunay
from shapely.geometry import LineString
from shapely.geometry.base import BaseGeometry

from pochub.demo.geography import FloatArray, to_degrees, to_km

SURFACES = ("paved", "gravel", "earth")
SURFACE_ODDS = {
    "primary": (0.85, 0.15, 0.0),
    "secondary": (0.15, 0.65, 0.2),
    "tertiary": (0.0, 0.4, 0.6),
    "track": (0.0, 0.0, 1.0),
}
"""Probability of each surface by road class."""
SHORTCUTS = 6
VILLAGE_CLUSTER_KM = 20.0
TRACK_MIN_KM = 2.0


@dataclass(frozen=True)
class Road:
    """One road edge: a line in degrees, its class and surface."""

    geometry: LineString
    road_class: str
    surface: str


def wobbly_line(rng: np.random.Generator, start: FloatArray, end: FloatArray, wobble: float) -> LineString:
    """A line from ``start`` to ``end`` (km) bending smoothly sideways by up to ``wobble`` of its length."""
    length = float(np.hypot(*(end - start)))
    steps = max(2, int(length / 12.0))
    t = np.linspace(0.0, 1.0, steps + 1)
    normal = np.array([-(end - start)[1], (end - start)[0]]) / max(length, 1e-9)
    phase = rng.uniform(0, 2 * np.pi, 2)
    bend = np.sin(np.pi * t) * (np.sin(2 * np.pi * t + phase[0]) + 0.5 * np.sin(5 * np.pi * t + phase[1]))
    xy = start + t[:, None] * (end - start) + (wobble * length / 1.5) * bend[:, None] * normal
    xy[0], xy[-1] = start, end
    lon, lat = to_degrees(xy)
    return LineString(np.column_stack((np.round(lon, 6), np.round(lat, 6))))


def _surface(rng: np.random.Generator, road_class: str) -> str:
    """A surface drawn with the odds of the road class."""
    return SURFACES[int(rng.choice(3, p=SURFACE_ODDS[road_class]))]


def _edges(xy: FloatArray) -> NDArray[np.int64]:
    """Unique Delaunay edges (i < j) between the points."""
    triangles = Delaunay(xy).simplices
    pairs = np.concatenate([triangles[:, [0, 1]], triangles[:, [1, 2]], triangles[:, [0, 2]]])
    return np.unique(np.sort(pairs, axis=1), axis=0).astype(np.int64)


def trunk_roads(
    rng: np.random.Generator,
    lon: FloatArray,
    lat: FloatArray,
    capital: int,
    hubs: list[int],
    country: BaseGeometry,
) -> list[Road]:
    """Roads between towns: a minimum spanning tree (primary from the capital to ``hubs``) plus shortcuts."""
    xy = to_km(lon, lat)
    edges = _edges(xy)
    length = np.hypot(*(xy[edges[:, 0]] - xy[edges[:, 1]]).T)
    n = len(xy)
    tree = minimum_spanning_tree(coo_matrix((length, (edges[:, 0], edges[:, 1])), shape=(n, n))).tocoo()
    tree_edges = {(min(int(i), int(j)), max(int(i), int(j))) for i, j in zip(tree.row, tree.col, strict=True)}
    primary: set[tuple[int, int]] = set()
    _, predecessors = shortest_path(tree, directed=False, indices=capital, return_predecessors=True)
    for hub in hubs:
        node = hub
        while node != capital and predecessors[node] >= 0:
            parent = int(predecessors[node])
            primary.add((min(node, parent), max(node, parent)))
            node = parent
    roads: list[Road] = []
    for i, j in sorted(tree_edges):
        road_class = "primary" if (i, j) in primary else "secondary"
        roads.append(Road(wobbly_line(rng, xy[i], xy[j], 0.04), road_class, _surface(rng, road_class)))
    shortcuts = 0
    for k in np.argsort(length, kind="stable"):
        i, j = int(edges[k, 0]), int(edges[k, 1])
        if (i, j) in tree_edges or shortcuts >= SHORTCUTS:
            continue
        line = wobbly_line(rng, xy[i], xy[j], 0.03)
        if country.contains(line):
            roads.append(Road(line, "tertiary", _surface(rng, "tertiary")))
            shortcuts += 1
    return roads


def village_tracks(
    rng: np.random.Generator, roads: list[Road], lon: FloatArray, lat: FloatArray
) -> list[Road]:
    """A track from each cluster of villages (a 20 km grid cell) to the nearest road, unless one is near."""
    xy = to_km(lon, lat)
    cell = np.floor(xy / VILLAGE_CLUSTER_KM).astype(np.int64)
    _, group = np.unique(cell, axis=0, return_inverse=True)
    group = group.ravel()
    count = np.bincount(group)
    centre = np.column_stack([np.bincount(group, weights=xy[:, d]) / count for d in range(2)])
    gap = ((xy - centre[group]) ** 2).sum(axis=1)
    order = np.lexsort((gap, group))
    first = order[np.r_[True, group[order][1:] != group[order][:-1]]]
    points = shapely.points(lon[first], lat[first])
    lines = [r.geometry for r in roads]
    (_, nearest), _ = shapely.STRtree(lines).query_nearest(points, return_distance=True, all_matches=False)
    links = shapely.shortest_line(np.array(lines, dtype=object)[nearest], points)
    tracks: list[Road] = []
    for link, village in zip(links, first, strict=True):
        start = np.array(link.coords[0])
        start_km = to_km(start[:1], start[1:])[0]
        if np.hypot(*(start_km - xy[village])) >= TRACK_MIN_KM:
            tracks.append(Road(wobbly_line(rng, start_km, xy[village], 0.05), "track", "earth"))
    return tracks

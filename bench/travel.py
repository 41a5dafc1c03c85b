"""Travel-time benchmark: pochub's ``travel_time_matrix`` (scipy's compiled Dijkstra, run from every distinct
origin node in blocks) against networkx's ``single_source_dijkstra_path_length`` per origin, on the same graph;
then routers side by side on integer-millisecond edge times, and the road coverage matrix within a standard.

The road graph is synthetic: a Delaunay triangulation of N random points over a square of about 670 km
(roughly 3N edges: N = 70,000 gives more than 200,000), each edge a two-point road line with a road class and a
surface drawn with the demo's odds. pochub builds its graph from those lines (snapping, haversine lengths, dry-
season speeds). networkx gets the same graph (pochub's nodes and edge hours) and the same snapped origins and
destinations with the same off-road legs, so the two compute the same matrix; networkx runs on a subset of the
origins (default 20) and its total is extrapolated linearly to all origins, which the table says.

The routers section (``--routers``, on by default) then times scipy's Dijkstra (pochub's kernel), pyroutingkit's
customizable contraction hierarchy (many-to-many), networkx and pandana's contraction hierarchy side by side on the
same arcs with their hours rounded to whole milliseconds, the same snapped node pairs, and checks that every
matrix equals scipy's entry for entry (integer sums are exact, so they can); setup times are reported apart.

    .venv/bin/python bench/travel.py            # 1,000 origins x 20,000 destinations, >= 200,000 edges, 3 runs
                                                # (about 9 min on a quiet two-core machine)
    .venv/bin/python bench/travel.py --cutoffs inf --repeat 2 --nx-origins 10 --pandana-origins 3 \
        --coverage-repeat 1                     # the same sizes, fewer runs (about 5 min quiet)
    .venv/bin/python bench/travel.py --quick    # 100 x 2,000 on about 21,000 edges, 1 run
"""

from __future__ import annotations

import argparse
import math
import os
import statistics
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import networkx as nx
import numpy as np
import shapely
from scipy.spatial import Delaunay

from _common import RESULTS_DIR, Stat, machine_markdown, md_table, text_table
from pochub.core.allocation import Points, RoadGraph, travel_time_matrix
from pochub.core.allocation.travel import network_coverage

KM_PER_DEGREE = 111.195
CLASSES = ("primary", "secondary", "tertiary", "track")
CLASS_ODDS = (0.05, 0.15, 0.30, 0.50)
SURFACES = ("paved", "gravel", "earth")
SURFACE_ODDS = {
    "primary": (0.85, 0.15, 0.0),
    "secondary": (0.15, 0.65, 0.2),
    "tertiary": (0.0, 0.4, 0.6),
    "track": (0.0, 0.0, 1.0),
}
"""As in the demo's road generator."""
HALF_SIDE_DEGREES = 3.0
TARGET_SPEEDUP = 100.0
COVERAGE_TARGET_SECONDS = 60.0
LOADS: list[float] = []
"""1-minute load average after each timed pochub run."""


def log(message: str) -> None:
    """Progress on stderr, with a timestamp."""
    print(f"[{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def road_lines(nodes: int, seed: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Delaunay edges of random points as two-point lines (lon, lat), with classes and surfaces."""
    rng = np.random.default_rng(seed)
    lon = 26.0 + rng.uniform(-HALF_SIDE_DEGREES, HALF_SIDE_DEGREES, nodes)
    lat = rng.uniform(-HALF_SIDE_DEGREES, HALF_SIDE_DEGREES, nodes)
    triangles = Delaunay(np.column_stack((lon, lat))).simplices
    pairs = np.concatenate([triangles[:, [0, 1]], triangles[:, [1, 2]], triangles[:, [0, 2]]])
    pairs = np.unique(np.sort(pairs, axis=1), axis=0)
    coords = np.stack(
        [
            np.column_stack((lon[pairs[:, 0]], lat[pairs[:, 0]])),
            np.column_stack((lon[pairs[:, 1]], lat[pairs[:, 1]])),
        ],
        axis=1,
    )
    classes = rng.choice(CLASSES, size=len(pairs), p=CLASS_ODDS)
    surfaces = np.empty(len(pairs), dtype=object)
    for name in CLASSES:
        mask = classes == name
        surfaces[mask] = rng.choice(SURFACES, size=int(mask.sum()), p=SURFACE_ODDS[name])
    return shapely.linestrings(coords), classes, surfaces.astype(str)


def random_points(count: int, seed: int) -> Points:
    """Points spread over the graph's square."""
    rng = np.random.default_rng(seed)
    return Points.from_arrays(
        rng.uniform(-HALF_SIDE_DEGREES, HALF_SIDE_DEGREES, count),
        26.0 + rng.uniform(-HALF_SIDE_DEGREES, HALF_SIDE_DEGREES, count),
    )


@dataclass(frozen=True)
class Row:
    """One cutoff: pochub's runs (1 and n processes), networkx per origin, agreement."""

    cutoff: float
    ours: Stat
    ours_workers: Stat | None
    nx_per_origin: Stat
    nx_origins: int
    max_abs_diff: float
    finite_share: float


def networkx_rows(
    graph: RoadGraph,
    origins: Points,
    destinations: Points,
    cutoffs: list[float],
    subset: np.ndarray,
    reference: nx.Graph,
) -> dict[float, tuple[np.ndarray, list[float]]]:
    """networkx's rows of the matrix for ``subset`` of the origins and the seconds of each origin, per cutoff;
    the cutoffs alternate origin by origin so that all see the same load on the machine."""
    speed = graph.profile.off_road_speed_kmh()
    origin_node, origin_km = graph.snap(origins)
    target_node, target_km = graph.snap(destinations)
    target_leg = target_km / speed
    found: dict[float, tuple[list[np.ndarray], list[float]]] = {c: ([], []) for c in cutoffs}
    for k in subset:
        for cutoff in cutoffs:
            started = time.perf_counter()
            leg = origin_km[k] / speed
            limit = cutoff - leg - float(target_leg.min())
            lengths = nx.single_source_dijkstra_path_length(
                reference, int(origin_node[k]), cutoff=None if math.isinf(limit) else limit
            )
            road = np.fromiter(
                (lengths.get(int(n), math.inf) for n in target_node), dtype=np.float64, count=target_node.size
            )
            row = leg + road + target_leg
            row[row > cutoff] = math.inf
            found[cutoff][1].append(time.perf_counter() - started)
            found[cutoff][0].append(row)
    return {c: (np.vstack(rows), seconds) for c, (rows, seconds) in found.items()}


MS_PER_HOUR = 3_600_000.0


@dataclass(frozen=True)
class RouterRow:
    """One router on the integer-millisecond graph: setup seconds (not counted), seconds for the node matrix
    (measured, or per source times the sources when ``sources_timed`` is smaller), sources it ran on."""

    name: str
    setup: str
    seconds: Stat
    sources_timed: int
    identical: str


@dataclass(frozen=True)
class RouterComparison:
    """The routers side by side: rows, matrix shape, loads after each timed run, versions."""

    rows: list[RouterRow]
    sources: int
    targets: int
    loads: list[float]
    versions: str


@dataclass(frozen=True)
class Arcs:
    """What every router is timed on: the integer-millisecond arcs, the distinct source and target nodes, and
    scipy's matrix over them (the reference every other router must equal)."""

    graph: RoadGraph
    tail: np.ndarray
    head: np.ndarray
    ms: np.ndarray
    sources: np.ndarray
    targets: np.ndarray
    reference: np.ndarray


def edge_milliseconds(graph: RoadGraph) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """pochub's open arcs (both directions of every road) with their hours rounded to whole milliseconds
    (at least 1): (tail, head, ms). On these integers every router's sums are exact, so they can agree bit for bit."""
    coo = graph.hours.tocoo()
    ms = np.maximum(np.rint(coo.data * MS_PER_HOUR), 1).astype(np.int64)
    return coo.row.astype(np.int64), coo.col.astype(np.int64), ms


def router_comparison(
    graph: RoadGraph, origins: Points, destinations: Points, args: argparse.Namespace
) -> RouterComparison:
    """networkx, pandana's CH, scipy's Dijkstra (pochub's kernel) and pyroutingkit's customizable CH on the same
    integer-millisecond arcs and the same snapped node pairs (distinct origin nodes x distinct destination
    nodes, no cutoff, no off-road legs: those are the same addition for every router); every matrix compared
    entry for entry with scipy's, the run stops if one differs."""
    from scipy import sparse

    from pochub.core.allocation import travel

    tail, head, ms = edge_milliseconds(graph)
    sources = np.unique(graph.snap(origins)[0])
    targets = np.unique(graph.snap(destinations)[0])
    loads: list[float] = []
    rows: list[RouterRow] = []
    weights = sparse.csr_array((ms.astype(np.float64), (tail, head)), shape=graph.hours.shape)
    reference = np.zeros(0)
    for workers in sorted({1, args.workers}):
        seconds = []
        for attempt in range(args.repeat):
            started = time.perf_counter()
            table = travel._node_table(weights, sources, targets, np.full(sources.size, np.inf), workers)
            seconds.append(time.perf_counter() - started)
            loads.append(os.getloadavg()[0])
            log(f"routers: scipy, {workers} process(es), run {attempt + 1}: {seconds[-1]:.2f} s")
            if reference.size and not np.array_equal(table, reference):
                raise SystemExit("scipy's matrices differ between runs")
            reference = table
        rows.append(RouterRow(f"scipy `dijkstra` (pochub's kernel), {workers} process(es)", "-", Stat.of(seconds),
                              sources.size, "reference"))  # fmt: skip
    arcs = Arcs(graph, tail, head, ms, sources, targets, reference)
    rows += cch_rows(arcs, args, loads)
    nx_row, nx_version = networkx_router_row(arcs, args)
    rows.append(nx_row)
    versions = f"networkx {nx_version}"
    if args.pandana_origins > 0:
        pandana_row, version = pandana_router_row(arcs, args)
        rows.append(pandana_row)
        versions += f", pandana {version}"
    import pyroutingkit
    import scipy

    versions += f", scipy {scipy.__version__}, pyroutingkit {getattr(pyroutingkit, '__version__', '0.2.1')}"
    return RouterComparison(rows, sources.size, targets.size, loads, versions)


def as_milliseconds(distances: np.ndarray, unreachable: int) -> np.ndarray:
    """A router's integer distances as float64 with inf where it says unreachable (scipy's convention)."""
    found = distances.astype(np.float64)
    found[distances >= unreachable] = np.inf
    return found


def cch_rows(arcs: Arcs, args: argparse.Namespace, loads: list[float]) -> list[RouterRow]:
    """pyroutingkit: topology (nested dissection, weight-free) built once, one metric customized per thread
    (a metric shared by two threads crashes the process), ``distances_many_to_many`` on all the sources in one
    thread, then split over ``args.workers`` threads (it releases the GIL)."""
    import pyroutingkit

    graph, tail, head, ms, sources = arcs.graph, arcs.tail, arcs.head, arcs.ms, arcs.sources
    started = time.perf_counter()
    topology = pyroutingkit.CCHTopology()
    topology.build(
        tail.astype(np.uint32), head.astype(np.uint32), graph.node_latitude.astype(np.float32),
        graph.node_longitude.astype(np.float32), graph.node_count,
    )  # fmt: skip
    build = time.perf_counter() - started
    metrics, customize = [], []
    for _ in range(max(args.workers, 1)):
        started = time.perf_counter()
        metric = pyroutingkit.CCHMetric(topology)
        metric.customize(ms.astype(np.uint32))
        customize.append(time.perf_counter() - started)
        metrics.append(metric)
    log(f"routers: CCH topology {build:.1f} s, customization {statistics.median(customize):.2f} s")
    setup = f"topology {build:,.1f}, customization {statistics.median(customize):,.2f}"
    src, dst = sources.astype(np.uint32), arcs.targets.astype(np.uint32)
    rows = []
    for threads in sorted({1, args.workers}):
        seconds = []
        for attempt in range(args.repeat):
            started = time.perf_counter()
            if threads == 1:
                found = metrics[0].distances_many_to_many(src, dst)
            else:
                found = many_to_many_threads(metrics[:threads], np.array_split(src, threads), dst)
            seconds.append(time.perf_counter() - started)
            loads.append(os.getloadavg()[0])
            log(f"routers: CCH, {threads} thread(s), run {attempt + 1}: {seconds[-1]:.2f} s")
            if not np.array_equal(as_milliseconds(found, pyroutingkit.INF_WEIGHT), arcs.reference):
                raise SystemExit("pyroutingkit's matrix differs from scipy's on the same integer arcs")
        rows.append(RouterRow(f"pyroutingkit CCH `distances_many_to_many`, {threads} thread(s)", setup,
                              Stat.of(seconds), sources.size, "yes (every entry)"))  # fmt: skip
    return rows


def many_to_many_threads(metrics: list[Any], parts: list[np.ndarray], targets: np.ndarray) -> np.ndarray:
    """``distances_many_to_many`` of each part of the sources on its own metric, one thread each, stacked."""
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(len(parts)) as pool:
        found = pool.map(lambda k: metrics[k].distances_many_to_many(parts[k], targets), range(len(parts)))
        return np.vstack(list(found))


def sampled_row(
    arcs: Arcs, router: str, setup: str, chosen: int, row_of: Callable[[int], np.ndarray]
) -> RouterRow:
    """A router too slow for the whole matrix, timed on its first ``chosen`` sources (``row_of(k)``: source k's
    row), each row checked equal to scipy's; per source times the sources."""
    seconds = []
    for k in range(chosen):
        started = time.perf_counter()
        row = row_of(k)
        seconds.append(time.perf_counter() - started)
        if not np.array_equal(row, arcs.reference[k]):
            raise SystemExit(f"{router}: a row differs from scipy's on the same integer arcs")
    log(f"routers: {router}: {statistics.median(seconds) * 1000:.0f} ms per source, setup {setup} s")
    per = Stat.of(seconds)
    total = Stat(per.median * arcs.sources.size, per.low * arcs.sources.size, per.high * arcs.sources.size)
    return RouterRow(router, setup, total, chosen, "yes (rows compared)")


def networkx_router_row(arcs: Arcs, args: argparse.Namespace) -> tuple[RouterRow, str]:
    """networkx's ``single_source_dijkstra_path_length`` from the first ``args.nx_origins`` sources."""
    started = time.perf_counter()
    network = nx.Graph()
    network.add_nodes_from(range(arcs.graph.node_count))
    upper = arcs.tail < arcs.head
    network.add_weighted_edges_from(
        zip(arcs.tail[upper].tolist(), arcs.head[upper].tolist(), arcs.ms[upper].tolist(), strict=True)
    )
    build = time.perf_counter() - started

    def row_of(k: int) -> np.ndarray:
        lengths = nx.single_source_dijkstra_path_length(network, int(arcs.sources[k]))
        found = (lengths.get(int(n), math.inf) for n in arcs.targets)
        return np.fromiter(found, dtype=np.float64, count=arcs.targets.size)

    chosen = min(args.nx_origins, arcs.sources.size)
    name = "networkx `single_source_dijkstra_path_length`"
    return sampled_row(arcs, name, f"graph {build:,.1f}", chosen, row_of), nx.__version__


def pandana_router_row(arcs: Arcs, args: argparse.Namespace) -> tuple[RouterRow, str]:
    """pandana's contraction hierarchy, ``shortest_path_lengths`` for every (source, target) pair of the first
    ``args.pandana_origins`` sources. pandana keeps impedances as integers of 1/1000 of the unit given: edge
    milliseconds are given as seconds plus a quarter millisecond, so that its cast to an integer cannot fall a
    millisecond short, and its answers times 1000, rounded, are whole milliseconds."""
    import pandana
    import pandas as pd

    graph, upper = arcs.graph, arcs.tail < arcs.head
    started = time.perf_counter()
    network = pandana.Network(
        pd.Series(graph.node_longitude), pd.Series(graph.node_latitude), pd.Series(arcs.tail[upper]),
        pd.Series(arcs.head[upper]), pd.DataFrame({"seconds": (arcs.ms[upper] + 0.25) / 1000.0}), twoway=True,
    )  # fmt: skip
    build = time.perf_counter() - started

    def row_of(k: int) -> np.ndarray:
        pairs = network.shortest_path_lengths(
            np.full(arcs.targets.size, arcs.sources[k]), arcs.targets, imp_name="seconds"
        )
        row = np.rint(np.asarray(pairs, dtype=np.float64) * 1000.0)
        row[row >= 4_294_967_295] = np.inf  # pandana's answer when no path joins them: 4294967.295
        return row

    chosen = min(args.pandana_origins, arcs.sources.size)
    name = "pandana CH `shortest_path_lengths` (pairs)"
    return sampled_row(arcs, name, f"CH {build:,.1f}", chosen, row_of), pandana.__version__


def max_difference(ours: np.ndarray, theirs: np.ndarray) -> float:
    """Largest |difference| where either is finite; inf when one is finite and the other not."""
    if not np.array_equal(np.isfinite(ours), np.isfinite(theirs)):
        return math.inf
    finite = np.isfinite(ours)
    return float(np.abs(ours[finite] - theirs[finite]).max()) if finite.any() else 0.0


def parse_args(argv: Sequence[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--quick", action="store_true", help="smoke mode: small graph, 100 x 2,000, 1 run")
    parser.add_argument("--nodes", type=int, default=None, help="graph points (default 70,000; quick 7,000)")
    parser.add_argument("--origins", type=int, default=None, help="default 1,000 (quick 100)")
    parser.add_argument("--destinations", type=int, default=None, help="default 20,000 (quick 2,000)")
    parser.add_argument("--nx-origins", type=int, default=20, help="origins networkx runs on (extrapolated)")
    parser.add_argument(
        "--repeat", type=int, default=None, help="pochub runs per setting (default 3; quick 1)"
    )
    parser.add_argument("--cutoffs", default="inf,12", help="cutoffs in hours, comma-separated")
    parser.add_argument("--workers", type=int, default=2, help="also time pochub with this many processes")
    parser.add_argument("--seed", type=int, default=20_240_601)
    parser.add_argument("--pandana-origins", type=int, default=10, help="origins pandana runs on (0: skip)")
    parser.add_argument("--coverage-sites", type=int, default=None, help="coverage run sites (default 5,000)")
    parser.add_argument(
        "--coverage-communities", type=int, default=None, help="coverage run communities (default 100,000)"
    )
    parser.add_argument("--standard", type=float, default=4.0, help="coverage standard, hours")
    parser.add_argument(
        "--coverage-repeat",
        type=int,
        default=None,
        help="coverage runs per process count (default --repeat; 0: skip)",
    )
    parser.add_argument(
        "--routers",
        action=argparse.BooleanOptionalAction,
        default=True,
        help="time scipy, pyroutingkit's CCH, networkx and pandana on the same integer-millisecond arcs",
    )
    args = parser.parse_args(list(argv))
    args.coverage_sites = args.coverage_sites or (500 if args.quick else 5_000)
    args.coverage_communities = args.coverage_communities or (10_000 if args.quick else 100_000)
    args.nodes = args.nodes or (7_000 if args.quick else 70_000)
    args.origins = args.origins or (100 if args.quick else 1_000)
    args.destinations = args.destinations or (2_000 if args.quick else 20_000)
    args.repeat = args.repeat or (1 if args.quick else 3)
    args.coverage_repeat = args.repeat if args.coverage_repeat is None else args.coverage_repeat
    args.command = " ".join([".venv/bin/python", "bench/travel.py", *argv])
    return args


def run(argv: Sequence[str] | None = None) -> str:
    """Run the benchmark with command-line ``argv``; print a table, write and return the Markdown section."""
    args = parse_args(sys.argv[1:] if argv is None else argv)
    load_before = os.getloadavg()[0]
    log(f"building {args.nodes:,}-point Delaunay road lines")
    lines, classes, surfaces = road_lines(args.nodes, args.seed)
    started = time.perf_counter()
    graph = RoadGraph.from_lines(lines, classes, surfaces)
    build_seconds = time.perf_counter() - started
    log(f"graph: {graph.node_count:,} nodes, {graph.edge_count:,} edges in {build_seconds:.1f} s")
    origins = random_points(args.origins, args.seed + 1)
    destinations = random_points(args.destinations, args.seed + 2)
    started = time.perf_counter()
    reference = nx.Graph()
    reference.add_nodes_from(range(graph.node_count))
    coo = graph.hours.tocoo()
    upper = coo.row < coo.col
    reference.add_weighted_edges_from(
        zip(coo.row[upper].tolist(), coo.col[upper].tolist(), coo.data[upper].tolist(), strict=True)
    )
    nx_build = time.perf_counter() - started
    subset = np.random.default_rng(args.seed + 3).choice(
        args.origins, min(args.nx_origins, args.origins), replace=False
    )
    cutoffs = [float(c) for c in args.cutoffs.split(",")]
    log(f"networkx on {len(subset)} origins")
    networkx = networkx_rows(graph, origins, destinations, cutoffs, subset, reference)
    rows: list[Row] = []
    for cutoff in cutoffs:
        single, matrix = [], np.zeros(0)
        for attempt in range(args.repeat):
            started = time.perf_counter()
            matrix = travel_time_matrix(graph, origins, destinations, cutoff)
            single.append(time.perf_counter() - started)
            LOADS.append(os.getloadavg()[0])
            log(f"cutoff {cutoff} h: pochub run {attempt + 1}/{args.repeat} {single[-1]:.2f} s")
        parallel = []
        if args.workers > 1:
            for attempt in range(args.repeat):
                started = time.perf_counter()
                again = travel_time_matrix(graph, origins, destinations, cutoff, workers=args.workers)
                parallel.append(time.perf_counter() - started)
                LOADS.append(os.getloadavg()[0])
                log(
                    f"cutoff {cutoff} h: pochub {args.workers} processes run {attempt + 1} {parallel[-1]:.2f} s"
                )
            if not np.array_equal(again, matrix):
                raise SystemExit("the multi-process matrix differs from the single-process one")
        theirs, seconds = networkx[cutoff]
        log(f"cutoff {cutoff} h: networkx {statistics.median(seconds) * 1000:.0f} ms per origin")
        difference = max_difference(matrix[subset], theirs)
        if difference > 1e-9:
            raise SystemExit(f"pochub and networkx disagree by {difference} h at cutoff {cutoff}")
        rows.append(
            Row(
                cutoff, Stat.of(single), Stat.of(parallel) if parallel else None, Stat.of(seconds), len(subset),
                difference, float(np.isfinite(matrix).mean()),
            )
        )  # fmt: skip
    routers = None
    if args.routers:
        log("routers on the same integer-millisecond arcs: scipy, pyroutingkit CCH, networkx, pandana")
        routers = router_comparison(graph, origins, destinations, args)
    coverage = coverage_runs(graph, args)
    return report(args, graph, build_seconds, nx_build, rows, load_before, routers, coverage)


@dataclass(frozen=True)
class CoverageRun:
    """The sparse road coverage matrix: seconds per run, 1-minute loads after each run, covered pairs."""

    seconds: Stat
    loads: list[float]
    pairs: int
    workers: int


def coverage_runs(graph: RoadGraph, args: argparse.Namespace) -> list[CoverageRun]:
    """``network_coverage`` of ``coverage_communities`` communities by ``coverage_sites`` sites within the
    standard, in one process and in ``workers`` processes, ``repeat`` runs each."""
    sites = random_points(args.coverage_sites, args.seed + 4)
    communities = random_points(args.coverage_communities, args.seed + 5)
    found = []
    if args.coverage_repeat <= 0:
        return []
    for workers in sorted({1, args.workers}):
        seconds, loads, pairs = [], [], 0
        for attempt in range(args.coverage_repeat):
            started = time.perf_counter()
            covered = network_coverage(graph, communities, sites, args.standard, workers=workers)
            seconds.append(time.perf_counter() - started)
            loads.append(os.getloadavg()[0])
            pairs = int(covered.nnz)
            log(f"coverage, {workers} process(es), run {attempt + 1}: {seconds[-1]:.1f} s, {pairs:,} pairs")
        found.append(CoverageRun(Stat.of(seconds), loads, pairs, workers))
    return found


def report(
    args: argparse.Namespace,
    graph: RoadGraph,
    build_seconds: float,
    nx_build: float,
    rows: list[Row],
    load_before: float,
    routers: RouterComparison | None = None,
    coverage: Sequence[CoverageRun] = (),
) -> str:
    """Print the table; write and return the Markdown section."""
    header = [
        "cutoff", "pochub 1 process (s)", f"pochub {args.workers} processes (s)", "pochub ms/origin",
        "networkx ms/origin", f"networkx all {args.origins:,} (s, extrapolated)", "speed-up (1 process)",
        f"speed-up ({args.workers} processes)", "max abs diff (h)", "reachable",
    ]  # fmt: skip
    table = []
    for row in rows:
        nx_total = row.nx_per_origin.median * args.origins
        table.append([
            "none" if math.isinf(row.cutoff) else f"{row.cutoff:g} h",
            row.ours.fmt(",.2f"),
            row.ours_workers.fmt(",.2f") if row.ours_workers else "-",
            f"{row.ours.median / args.origins * 1000:,.1f}",
            Stat(*(1000 * v for v in (row.nx_per_origin.median, row.nx_per_origin.low, row.nx_per_origin.high))).fmt(
                ",.0f"
            ),
            f"{nx_total:,.0f}",
            f"{nx_total / row.ours.median:,.0f}x",
            f"{nx_total / row.ours_workers.median:,.0f}x" if row.ours_workers else "-",
            f"{row.max_abs_diff:.1e}",
            f"{row.finite_share:.0%}",
        ])  # fmt: skip
    print(text_table(header, table))
    best = max(
        max(args.origins * r.nx_per_origin.median / s.median for s in (r.ours, r.ours_workers) if s)
        for r in rows
    )
    verdict = "met" if best >= TARGET_SPEEDUP else "**not met**"
    text = "\n\n".join([
        "## Travel-time matrix: pochub vs networkx",
        machine_markdown({"Load": f"1-minute load average {load_before:.1f} on {os.cpu_count()} CPUs at the start"}),
        f"{args.origins:,} origins x {args.destinations:,} destinations on a synthetic road graph of "
        f"{graph.node_count:,} nodes and {graph.edge_count:,} edges (Delaunay triangulation of random points over "
        f"a {2 * HALF_SIDE_DEGREES * KM_PER_DEGREE:,.0f} km square; classes {dict(zip(CLASSES, CLASS_ODDS, strict=True))}; "
        f"dry-season speeds, off-road legs at {graph.profile.off_road_kmh:g} km/h). pochub built the graph from "
        f"the {graph.edge_count:,} road lines in {build_seconds:.1f} s (snapping, lengths, speeds); networkx's "
        f"graph of the same edge hours took {nx_build:.1f} s to build (not counted on either side).",
        f"pochub: `travel_time_matrix(graph, origins, destinations, cutoff)` end to end (snapping, scipy "
        f"`dijkstra` from each distinct origin node with `limit`, assembly), median (min-max) of {args.repeat} "
        f"run(s), in one process and in {args.workers} (spawned, `workers={args.workers}`). networkx "
        f"{nx.__version__}: `single_source_dijkstra_path_length(G, origin_node, cutoff)` then the same leg "
        f"arithmetic, on {rows[0].nx_origins} origins, the cutoffs alternating origin by origin (median (min-max) per origin; the median, times "
        f"{args.origins:,}). Both matrices agree on every compared entry (max abs diff below; inf in both where "
        "unreachable or beyond the cutoff).",
        md_table(header, table),
        f"Target >= {TARGET_SPEEDUP:.0f}x: {verdict} (best {best:,.0f}x). Without a cutoff every origin's "
        f"search settles all {graph.node_count:,} nodes: pochub spends about "
        f"{rows[0].ours.median / args.origins / graph.node_count * 1e9:,.0f} ns per settled node (scipy's compiled "
        f"Dijkstra, a Fibonacci heap) and networkx about "
        f"{rows[0].nx_per_origin.median / graph.node_count * 1e9:,.0f} ns (a Python heap), so the ratio is that "
        "of compiled against interpreted Dijkstra; a further order of magnitude would need fewer settled nodes "
        "per origin (contraction hierarchies with many-to-many queries: the routers' section below measures the "
        "one found on PyPI). scipy's Dijkstra holds the GIL, so the multi-process column is the only "
        f"parallelism; the machine's 1-minute load average was {load_before:.1f} when the benchmark started "
        "(other processes share its cores).",
    ])  # fmt: skip
    text += "\n\n" + extra_sections(args, graph, rows, routers, coverage)
    print(extra_sections(args, graph, rows, routers, coverage))
    print(f"\nReproduce: {args.command}\n", flush=True)
    RESULTS_DIR.mkdir(parents=True, exist_ok=True)
    if not args.quick:
        (RESULTS_DIR / "travel.md").write_text(text + "\n", encoding="utf-8")
    return text


def extra_sections(
    args: argparse.Namespace,
    graph: RoadGraph,
    rows: list[Row],
    routers: RouterComparison | None,
    coverage: Sequence[CoverageRun],
) -> str:
    """The load over the run, pandana's contraction hierarchies on the same pairs, and the coverage run."""
    parts = []
    if LOADS:
        parts.append(
            f"Machine load: 1-minute load average {statistics.median(LOADS):.1f} "
            f"({min(LOADS):.1f}-{max(LOADS):.1f}) after pochub's timed runs, on {os.cpu_count()} CPUs shared with "
            "other work. Reproduce: `.venv/bin/pip install --require-hashes -r requirements/bench.txt` (pandana "
            f"and pyroutingkit are in the bench set), then `{args.command}`."
        )
    if routers is not None:
        parts += router_sections(args, rows, routers)
    if coverage:
        parts.append(
            f"### Road coverage: {args.coverage_sites:,} sites x {args.coverage_communities:,} communities within "
            f"{args.standard:g} h"
        )
        parts.append(
            f"`network_coverage(graph, communities, sites, {args.standard:g})` on the same graph: communities "
            "snapped once and sharing their node's search, Dijkstra from each distinct site node bounded by the "
            "standard, only covered pairs kept (a sparse boolean matrix equal, pair for pair, to the dense "
            "`travel_time_matrix(...) <= standard`, which at this size would need "
            f"{args.coverage_sites * args.coverage_communities * 8 / 2**30:,.1f} GiB). Random sites and "
            "communities over the square; median (min-max) of the runs, with the 1-minute load after each."
        )
        table = [
            [f"{run.workers}", run.seconds.fmt(",.1f"), f"{run.pairs:,}",
             f"{statistics.median(run.loads):.1f} ({min(run.loads):.1f}-{max(run.loads):.1f})"]
            for run in coverage
        ]  # fmt: skip
        parts.append(md_table(["processes", "seconds", "covered pairs", "load after each run"], table))
        best = min(run.seconds.median for run in coverage)
        verdict = "met" if best < COVERAGE_TARGET_SECONDS else "**not met**"
        parts.append(f"Target under {COVERAGE_TARGET_SECONDS:.0f} s: {verdict} (best median {best:,.1f} s).")
    return "\n\n".join(parts)


def times(ratio: float) -> str:
    """A speed-up as people read it: whole numbers from 10, two decimals below."""
    return f"{ratio:,.0f}x" if ratio >= 10 else f"{ratio:.2f}x"


def router_sections(args: argparse.Namespace, rows: list[Row], routers: RouterComparison) -> list[str]:
    """The routers side by side on the same integer-millisecond arcs."""
    networkx = next(r for r in routers.rows if r.name.startswith("networkx"))
    best = min(r.seconds.median for r in routers.rows if "pyroutingkit" in r.name)
    scipy_best = min(r.seconds.median for r in routers.rows if r.name.startswith("scipy"))
    table = [
        [r.name, r.setup, r.seconds.fmt(",.2f") + ("" if r.sources_timed == routers.sources
                                                      else f" (extrapolated from {r.sources_timed} sources)"),
         f"{r.seconds.median / routers.sources * 1000:,.2f}", times(networkx.seconds.median / r.seconds.median),
         r.identical]
        for r in routers.rows
    ]  # fmt: skip
    loads = routers.loads
    verdict = "met" if networkx.seconds.median / best >= TARGET_SPEEDUP else "**not met**"
    return [
        "### Routers on the same integer-millisecond edge times (no cutoff)",
        f"Each road arc's hours rounded to whole milliseconds (at least 1), so every router's path sums are exact "
        f"integers and the matrices can be compared entry for entry ({routers.versions}). The same "
        f"{routers.sources:,} distinct origin nodes x {routers.targets:,} distinct destination nodes as above "
        f"(the snapped {args.origins:,} origins x {args.destinations:,} destinations; the off-road legs are the "
        "same addition for every router and left out). scipy: pochub's blocks of `dijkstra`. pyroutingkit: "
        "RoutingKit's customizable contraction hierarchy, the topology (nested dissection) built once and one "
        "metric customized per thread (one metric shared by two threads crashed the process), then "
        "`distances_many_to_many` (its pinned-target one-to-many query, source after source); setup reported, "
        "not counted. networkx and pandana on a subset of the sources, per source times the sources. Median "
        f"(min-max) of {args.repeat} run(s); 1-minute load after the timed runs "
        f"{statistics.median(loads):.1f} ({min(loads):.1f}-{max(loads):.1f}).",
        md_table(
            [
                "router",
                "setup (s, not counted)",
                "matrix (s)",
                "ms per source",
                "vs networkx",
                "identical to scipy",
            ],
            table,
        ),
        f"Target >= {TARGET_SPEEDUP:.0f}x networkx with the CCH: {verdict} (best {networkx.seconds.median / best:,.0f}x, "
        f"{scipy_best / best:,.1f}x scipy's best). The CCH's one-to-many query costs each source a walk up the "
        "elimination tree of every pinned target, so its time grows with sources x targets; an all-targets "
        "sweep (PHAST) is not in the package. Its topology build (weight-free, once per road network) costs "
        "as much as several hundred scipy searches, its customization (per season) a fraction of a second.",
    ]


def main() -> None:
    print(run())


if __name__ == "__main__":
    main()

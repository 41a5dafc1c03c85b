"""Travel-time benchmark: pochub's ``travel_time_matrix`` (scipy's compiled Dijkstra, run from every distinct
origin node in blocks) against networkx's ``single_source_dijkstra_path_length`` per origin, on the same graph.

The road graph is synthetic: a Delaunay triangulation of N random points over a square of about 670 km
(roughly 3N edges: N = 70,000 gives more than 200,000), each edge a two-point road line with a road class and a
surface drawn with the demo's odds. pochub builds its graph from those lines (snapping, haversine lengths, dry-
season speeds). networkx gets the same graph (pochub's nodes and edge hours) and the same snapped origins and
destinations with the same off-road legs, so the two compute the same matrix; networkx runs on a subset of the
origins (default 20) and its total is extrapolated linearly to all origins, which the table says.

    .venv/bin/python bench/travel.py            # 1,000 origins x 20,000 destinations, >= 200,000 edges, 3 runs
    .venv/bin/python bench/travel.py --quick    # 100 x 2,000 on about 21,000 edges, 1 run
"""

from __future__ import annotations

import argparse
import math
import os
import statistics
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass

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


def pandana_rows(
    graph: RoadGraph, origins: Points, destinations: Points, subset: np.ndarray
) -> tuple[np.ndarray, list[float], float, str]:
    """pandana's contraction hierarchies on the same graph (edge hours given as seconds: pandana stores
    impedances as integers of 1/1000, so seconds keep it to milliseconds per edge), the same snapped pairs
    and the same leg arithmetic, without a cutoff: (rows of ``subset``, seconds per origin, CH build seconds,
    version)."""
    import pandana
    import pandas as pd

    coo = graph.hours.tocoo()
    upper = coo.row < coo.col
    started = time.perf_counter()
    network = pandana.Network(
        pd.Series(graph.node_longitude), pd.Series(graph.node_latitude),
        pd.Series(coo.row[upper]), pd.Series(coo.col[upper]),
        pd.DataFrame({"seconds": coo.data[upper] * 3600.0}), twoway=True,
    )  # fmt: skip
    build = time.perf_counter() - started
    speed = graph.profile.off_road_speed_kmh()
    origin_node, origin_km = graph.snap(origins)
    target_node, target_km = graph.snap(destinations)
    target_leg = target_km / speed
    rows, seconds = [], []
    for k in subset:
        started = time.perf_counter()
        road = (
            np.asarray(
                network.shortest_path_lengths(
                    np.full(target_node.size, origin_node[k]), target_node, imp_name="seconds"
                ),
                dtype=np.float64,
            )
            / 3600.0
        )
        row = origin_km[k] / speed + road + target_leg
        seconds.append(time.perf_counter() - started)
        rows.append(row)
    return np.vstack(rows), seconds, build, pandana.__version__


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
    args = parser.parse_args(list(argv))
    args.coverage_sites = args.coverage_sites or (500 if args.quick else 5_000)
    args.coverage_communities = args.coverage_communities or (10_000 if args.quick else 100_000)
    args.nodes = args.nodes or (7_000 if args.quick else 70_000)
    args.origins = args.origins or (100 if args.quick else 1_000)
    args.destinations = args.destinations or (2_000 if args.quick else 20_000)
    args.repeat = args.repeat or (1 if args.quick else 3)
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
    versus = None
    if args.pandana_origins > 0:
        chosen = subset[: args.pandana_origins]
        log(f"pandana on {len(chosen)} origins (building its contraction hierarchy first)")
        theirs, seconds, ch_build, version = pandana_rows(graph, origins, destinations, chosen)
        ours = travel_time_matrix(graph, origins, destinations)[chosen]
        versus = PandanaRow(Stat.of(seconds), len(chosen), ch_build, version, max_difference(ours, theirs))
        log(
            f"pandana {versus.per_origin.median * 1000:.0f} ms per origin, max diff {versus.max_abs_diff:.2e} h"
        )
    coverage = coverage_runs(graph, args)
    return report(args, graph, build_seconds, nx_build, rows, load_before, versus, coverage)


@dataclass(frozen=True)
class PandanaRow:
    """pandana's contraction hierarchies: seconds per origin, origins, CH build seconds, version, agreement."""

    per_origin: Stat
    origins: int
    build: float
    version: str
    max_abs_diff: float


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
    for workers in sorted({1, args.workers}):
        seconds, loads, pairs = [], [], 0
        for attempt in range(args.repeat):
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
    versus: PandanaRow | None = None,
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
        "per origin (contraction hierarchies, many-to-many buckets), i.e. compiled routing code outside the "
        "core's allowed dependencies. scipy's Dijkstra holds the GIL, so the multi-process column is the only "
        f"parallelism; the machine's 1-minute load average was {load_before:.1f} when the benchmark started "
        "(other processes share its cores).",
    ])  # fmt: skip
    text += "\n\n" + extra_sections(args, graph, rows, versus, coverage)
    print(extra_sections(args, graph, rows, versus, coverage))
    RESULTS_DIR.mkdir(parents=True, exist_ok=True)
    if not args.quick:
        (RESULTS_DIR / "travel.md").write_text(text + "\n", encoding="utf-8")
    return text


def extra_sections(
    args: argparse.Namespace,
    graph: RoadGraph,
    rows: list[Row],
    versus: PandanaRow | None,
    coverage: Sequence[CoverageRun],
) -> str:
    """The load over the run, pandana's contraction hierarchies on the same pairs, and the coverage run."""
    parts = []
    if LOADS:
        parts.append(
            f"Machine load: 1-minute load average {statistics.median(LOADS):.1f} "
            f"({min(LOADS):.1f}-{max(LOADS):.1f}) after pochub's timed runs, on {os.cpu_count()} CPUs shared with "
            "other work. Reproduce: `pip install -e '.[bench]'` (pandana is in the bench extra), then "
            "`.venv/bin/python bench/travel.py`."
        )
    if versus is not None:
        none = next((r for r in rows if math.isinf(r.cutoff)), rows[0])
        theirs = versus.per_origin.median * args.origins
        parts.append("### Against pandana's contraction hierarchies (no cutoff)")
        parts.append(
            f"pandana {versus.version}: `Network(...)` on the same nodes and edge hours (given as seconds; pandana "
            f"keeps impedances as integers of 1/1000, so seconds round to the millisecond per edge), its contraction "
            f"hierarchy built in {versus.build:,.1f} s (not counted), then `shortest_path_lengths` for the same "
            f"snapped node pairs of {versus.origins} origins x {args.destinations:,} destinations plus the same "
            "off-road legs; per origin median (min-max), times the origins."
        )
        parts.append(
            md_table(
                ["", "s per origin", f"all {args.origins:,} origins (s)", "max abs diff vs pochub (h)"],
                [
                    [
                        "pochub (scipy Dijkstra)",
                        f"{none.ours.median / args.origins:.4f}",
                        none.ours.fmt(",.2f"),
                        "0 (reference)",
                    ],
                    [
                        "pandana CH, pairwise",
                        versus.per_origin.fmt(".3f"),
                        f"{theirs:,.0f} (extrapolated)",
                        f"{versus.max_abs_diff:.1e}",
                    ],
                ],
            )
        )
        parts.append(
            f"pochub is {theirs / none.ours.median:,.0f}x faster than pandana here, and exact where pandana is not "
            "(its integer impedances round each edge). pandana's hierarchy answers one origin-destination pair "
            "per query; a matrix needs many-to-many (bucket) queries, which pandana does not offer."
        )
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


def main() -> None:
    print(run())


if __name__ == "__main__":
    main()

"""Location-model benchmark: pochub's MCLP, LSCP and p-median (HiGHS) against spopt 0.7 (PuLP + CBC) on the
same instances, and a scale run of MCLP at 100,000 communities x 5,000 candidates.

Instances are synthetic and clustered: communities in clusters (Dirichlet sizes, 3-15 km spread) over a square
sized so that there is one community per 23 km^2 (100,000 communities ~ the size of the DR Congo), populations
log-normal (median 800); candidates are 70 % near communities (2 km jitter) and 30 % uniform. Times are
great-circle hours at 20 km/h. MCLP: standard 4 h, p = max(3, candidates / 100). LSCP: standard 2 h over the
communities some candidate can reach (at 4 h and this density the set-cover instances are too hard for either
solver to prove optimal within 10 minutes, so no optimal objective could be compared). p-median: p = 5 on smaller
instances (spopt's dense formulation has demand x candidates binaries).

Both sides get the same dense cost matrix (built once, not timed) and are timed from ``from_cost_matrix`` to a
solved model. spopt runs in a child process per run (so a slow run can be stopped after ``--spopt-timeout``) and
times itself inside the child; pochub runs in this process. Objectives must be equal when both prove optimality
(the benchmark stops otherwise). When spopt does not finish a size, larger sizes are not attempted for it and
its time at the largest size is extrapolated from the finished ones (a power law in demand x candidates).

    .venv/bin/python bench/allocation.py            # up to 20,000 x 1,000, plus the 100,000 x 5,000 scale run
    .venv/bin/python bench/allocation.py --quick    # small sizes, short timeouts
"""

from __future__ import annotations

import argparse
import json
import math
import os
import statistics
import subprocess
import sys
import time
import warnings
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from _common import RESULTS_DIR, Stat, machine_markdown, md_table, text_table
from pochub.core.allocation import (
    HighsSolver,
    MaximalCovering,
    PMedian,
    Points,
    SetCovering,
    great_circle_coverage,
    great_circle_time_matrix,
)

KM_PER_DEGREE = 111.195
KM2_PER_COMMUNITY = 23.0
SPEED_KMH = 20.0
MCLP_STANDARD = 4.0
LSCP_STANDARD = 2.0
MEDIAN_P = 5
SCALE = (100_000, 5_000, 30)
SCALE_GAP = 0.005
SCALE_SECONDS = 60.0
TARGET_SPEEDUP = 30.0
FULL_COVER_SIZES = ((1_000, 50), (2_000, 100), (5_000, 250), (10_000, 500), (20_000, 1_000))
QUICK_COVER_SIZES = ((500, 25), (2_000, 100))
FULL_MEDIAN_SIZES = ((200, 20), (500, 50), (1_000, 100), (2_000, 100))
QUICK_MEDIAN_SIZES = ((200, 20), (500, 50))


def log(message: str) -> None:
    """Progress on stderr, with a timestamp."""
    print(f"[{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def instance(demand: int, candidates: int, seed: int) -> tuple[Points, Points, np.ndarray]:
    """Clustered communities (with populations) and candidate sites, reproducible from the seed."""
    rng = np.random.default_rng(seed)
    half = math.sqrt(demand * KM2_PER_COMMUNITY) / 2 / KM_PER_DEGREE
    clusters = max(1, demand // 50)
    centres = rng.uniform(-half, half, (clusters, 2))
    member = rng.choice(clusters, demand, p=rng.dirichlet(np.full(clusters, 0.7)))
    spread = rng.uniform(3, 15, clusters)[member] / KM_PER_DEGREE
    xy = np.clip(centres[member] + rng.normal(0, 1, (demand, 2)) * spread[:, None], -half, half)
    population = np.round(np.exp(rng.normal(math.log(800), 1.0, demand)))
    near = int(0.7 * candidates)
    towns = xy[rng.choice(demand, near, replace=False)] + rng.normal(0, 2 / KM_PER_DEGREE, (near, 2))
    sites = np.vstack((towns, rng.uniform(-half, half, (candidates - near, 2))))
    return (
        Points.from_arrays(xy[:, 1], 26.0 + xy[:, 0]),
        Points.from_arrays(sites[:, 1], 26.0 + sites[:, 0]),
        population,
    )


def cover_p(candidates: int) -> int:
    return max(3, candidates // 100)


@dataclass(frozen=True)
class Case:
    """One model at one size."""

    model: str
    demand: int
    candidates: int
    p: int
    standard: float | None
    seed: int

    def data(self) -> tuple[np.ndarray, np.ndarray]:
        """Hours (demand x candidates) and weights; LSCP keeps the communities some candidate reaches."""
        demand, candidates, weights = instance(self.demand, self.candidates, self.seed)
        hours = great_circle_time_matrix(demand, candidates, SPEED_KMH)
        if self.model == "lscp":
            reachable = (hours <= LSCP_STANDARD).any(axis=1)
            return hours[reachable], weights[reachable]
        return hours, weights


@dataclass
class Result:
    """pochub's and spopt's runs of one case."""

    case: Case
    ours: list[float] = field(default_factory=list)
    ours_objective: float = math.nan
    ours_status: str = ""
    reduction: str = ""
    spopt: list[float] = field(default_factory=list)
    spopt_objective: float = math.nan
    spopt_status: str = "not run"


def solve_ours(case: Case, hours: np.ndarray, weights: np.ndarray) -> tuple[float, float, str, str]:
    """(seconds, objective, status, reduction) of pochub from the cost matrix to the solved model."""
    solver = HighsSolver(time_limit_seconds=900.0)
    started = time.perf_counter()
    if case.model == "mclp":
        result = MaximalCovering.from_cost_matrix(hours, weights, MCLP_STANDARD, case.p).solve(solver)
    elif case.model == "lscp":
        result = SetCovering.from_cost_matrix(hours, LSCP_STANDARD).solve(solver)
    else:
        result = PMedian.from_cost_matrix(hours, weights, case.p).solve(solver)
    seconds = time.perf_counter() - started
    r = result.reduction
    reduction = f"{r.demand_rows:,} x {r.candidate_columns:,}"
    if case.model == "p-median" and r.demand_rows == 0:
        reduction = "no MIP: the Lagrangian bound met the local-search solution"
    return seconds, result.objective, result.status, reduction


def spopt_child(spec: str) -> None:
    """Child mode: build and solve one case with spopt, print one JSON line."""
    warnings.filterwarnings("ignore")
    import pulp
    from spopt.locate import LSCP, MCLP
    from spopt.locate import PMedian as SpoptPMedian

    case = Case(**json.loads(spec))
    hours, weights = case.data()
    solver = pulp.PULP_CBC_CMD(msg=False)
    started = time.perf_counter()
    if case.model == "mclp":
        model = MCLP.from_cost_matrix(hours, weights, MCLP_STANDARD, case.p)
    elif case.model == "lscp":
        model = LSCP.from_cost_matrix(hours, LSCP_STANDARD)
    else:
        model = SpoptPMedian.from_cost_matrix(hours, weights, case.p)
    built = time.perf_counter()
    model.solve(solver, results=False)
    solved = time.perf_counter()
    status = {1: "optimal", 2: "feasible, not proven"}.get(
        model.problem.sol_status, str(model.problem.sol_status)
    )
    print(json.dumps({
        "seconds": solved - started, "build": built - started, "objective": pulp.value(model.problem.objective),
        "status": status,
    }))  # fmt: skip


def run_spopt(case: Case, timeout: float) -> dict[str, object] | None:
    """One spopt run in a child process; None when it does not finish within ``timeout``."""
    spec = json.dumps(case.__dict__)
    command = [sys.executable, str(Path(__file__).resolve()), "--spopt-child", spec]
    try:
        done = subprocess.run(command, capture_output=True, text=True, timeout=timeout, check=False)
    except subprocess.TimeoutExpired:
        return None
    if done.returncode != 0:
        raise SystemExit(f"spopt child failed for {case}:\n{done.stderr[-3000:]}")
    result: dict[str, object] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def benchmark_case(case: Case, repeat: int, spopt_repeat: int, timeout: float, skip_spopt: bool) -> Result:
    """pochub ``repeat`` times, spopt up to ``spopt_repeat`` times (once when its first run is slow)."""
    result = Result(case)
    hours, weights = case.data()
    for attempt in range(repeat):
        seconds, objective, status, reduction = solve_ours(case, hours, weights)
        result.ours.append(seconds)
        result.ours_objective, result.ours_status, result.reduction = objective, status, reduction
        log(f"{case.model} {case.demand:,} x {case.candidates:,}: pochub {attempt + 1}/{repeat} {seconds:.2f} s "
            f"objective {objective:,.6g} ({status})")  # fmt: skip
    if skip_spopt:
        result.spopt_status = "skipped (a smaller size did not finish)"
        return result
    for attempt in range(spopt_repeat):
        run = run_spopt(case, timeout)
        if run is None:
            result.spopt_status = f"did not finish in {timeout:,.0f} s"
            log(
                f"{case.model} {case.demand:,} x {case.candidates:,}: spopt did not finish in {timeout:,.0f} s"
            )
            break
        seconds = float(run["seconds"])  # type: ignore[arg-type]
        result.spopt.append(seconds)
        result.spopt_objective = float(run["objective"])  # type: ignore[arg-type]
        result.spopt_status = str(run["status"])
        log(f"{case.model} {case.demand:,} x {case.candidates:,}: spopt {attempt + 1} {seconds:.2f} s "
            f"(build {float(run['build']):.1f} s) objective {result.spopt_objective:,.6g} ({result.spopt_status})")  # type: ignore[arg-type]  # fmt: skip
        if seconds > 30:
            break
    both = result.ours_status == "optimal" and result.spopt_status == "optimal"
    if both and abs(result.ours_objective - result.spopt_objective) > 1e-6 * max(
        1.0, abs(result.spopt_objective)
    ):
        raise SystemExit(
            f"{case}: objectives differ: pochub {result.ours_objective!r}, spopt {result.spopt_objective!r}"
        )
    return result


def extrapolate(results: list[Result]) -> str:
    """spopt's time at the largest size from a power law fitted to the sizes it finished (log-log)."""
    finished = [r for r in results if r.spopt]
    largest = results[-1]
    if largest.spopt or len(finished) < 2:
        return ""
    size = np.log([r.case.demand * r.case.candidates for r in finished])
    seconds = np.log([statistics.median(r.spopt) for r in finished])
    slope, intercept = np.polyfit(size, seconds, 1)
    estimate = math.exp(intercept + slope * math.log(largest.case.demand * largest.case.candidates))
    ours = statistics.median(largest.ours)
    return (
        f"spopt {largest.case.model.upper()} did not finish the largest size; a power law fitted to the "
        f"{len(finished)} finished sizes (time ~ (demand x candidates)^{slope:.2f}) puts it at about "
        f"{estimate:,.0f} s at {largest.case.demand:,} x {largest.case.candidates:,}, i.e. about "
        f"{estimate / ours:,.0f}x pochub's {ours:.2f} s (an extrapolation, not a measurement)."
    )


@dataclass(frozen=True)
class ScaleRun:
    """The MCLP scale run: coverage build and solve, per run."""

    coverage_seconds: list[float]
    solve_seconds: list[float]
    status: list[str]
    gap: list[float]
    share: float
    reduction: str
    nnz: int


def scale_run(demand: int, candidates: int, p: int, repeat: int, seed: int) -> ScaleRun:
    """MCLP from points (great-circle k-d tree coverage, no dense matrix), time limit and gap target."""
    people, sites, weights = instance(demand, candidates, seed)
    coverage_seconds, solve_seconds, statuses, gaps = [], [], [], []
    share, reduction, nnz = 0.0, "", 0
    for attempt in range(repeat):
        started = time.perf_counter()
        coverage = great_circle_coverage(people, sites, MCLP_STANDARD, SPEED_KMH)
        built = time.perf_counter()
        model = MaximalCovering.from_coverage_matrix(coverage, weights, p)
        result = model.solve(HighsSolver(time_limit_seconds=SCALE_SECONDS, mip_rel_gap=SCALE_GAP))
        solved = time.perf_counter()
        coverage_seconds.append(built - started)
        solve_seconds.append(solved - built)
        statuses.append(result.status)
        gaps.append(result.gap)
        share, nnz = result.covered_share, coverage.nnz
        r = result.reduction
        reduction = f"{r.demand_rows:,} rows x {r.candidate_columns:,} candidates"
        log(f"scale {demand:,} x {candidates:,} p={p}: run {attempt + 1}/{repeat} coverage {built - started:.1f} s, "
            f"solve {solved - built:.1f} s, {result.status}, gap {result.gap:.2e}, covered {share:.1%}")  # fmt: skip
    return ScaleRun(coverage_seconds, solve_seconds, statuses, gaps, share, reduction, nnz)


MEDIAN_SCALE = (5_000, 250, 10)
"""The issue-19 p-median size: proven gap <= SCALE_GAP within SCALE_SECONDS."""
MEDIAN_ANCHOR = (1_000, 100, 5)
"""The largest p-median size spopt finishes in minutes here: its objective is checked in the same run."""
EARLIER_SETTINGS = {"RESTARTS": 0, "LAGRANGIAN_STALL": 10, "LAGRANGIAN_ROUNDS": 600, "LAGRANGIAN_REACH": 20}
"""median.py's settings before issue 19: greedy descent only, subgradient step halved after 10 stalls."""


@dataclass
class MedianScale:
    """p-median at MEDIAN_SCALE over several instances: now and with the earlier settings, per run."""

    seeds: list[int]
    now: list[tuple[float, str, float, float, float]]
    earlier: list[tuple[float, str, float, float, float]]
    loads: list[float]
    anchor: Result | None


def solve_median(
    hours: np.ndarray, weights: np.ndarray, p: int, earlier: bool
) -> tuple[float, str, float, float, float]:
    """(seconds, status, objective, bound, gap) of one 60 s, 0.5 % p-median solve; ``earlier`` uses the
    settings median.py had before issue 19 (same code otherwise), as the anchor of the same run."""
    from pochub.core.allocation import median

    saved = {name: getattr(median, name) for name in EARLIER_SETTINGS}
    if earlier:
        for name, value in EARLIER_SETTINGS.items():
            setattr(median, name, value)
    try:
        started = time.perf_counter()
        result = PMedian.from_cost_matrix(hours, weights, p).solve(
            HighsSolver(time_limit_seconds=SCALE_SECONDS, mip_rel_gap=SCALE_GAP)
        )
        seconds = time.perf_counter() - started
    finally:
        for name, value in saved.items():
            setattr(median, name, value)
    return seconds, result.status, result.objective, result.bound, result.gap


def median_scale(args: argparse.Namespace) -> MedianScale:
    """Each seed's instance solved now and with the earlier settings (alternating), then the spopt anchor."""
    demand, candidates, p = MEDIAN_SCALE
    seeds = (
        [int(seed) for seed in args.seeds.split(",")]
        if args.seeds
        else [args.seed + k for k in range(args.median_runs)]
    )
    scale = MedianScale(seeds, [], [], [], None)
    for seed in seeds:
        people, sites, weights = instance(demand, candidates, seed)
        hours = great_circle_time_matrix(people, sites, SPEED_KMH)
        for earlier in (False, True):
            run = solve_median(hours, weights, p, earlier)
            (scale.earlier if earlier else scale.now).append(run)
            scale.loads.append(os.getloadavg()[0])
            log(f"p-median {demand:,} x {candidates:,} p={p} seed {seed} {'earlier' if earlier else 'now'}: "
                f"{run[0]:.1f} s {run[1]} gap {run[4]:.2%}")  # fmt: skip
    if not args.no_spopt:
        d, c, anchor_p = MEDIAN_ANCHOR
        scale.anchor = benchmark_case(
            Case("p-median", d, c, anchor_p, None, args.seed + d), 1, 1, args.spopt_timeout, False
        )
    return scale


def median_report(args: argparse.Namespace, scale: MedianScale) -> str:
    """The p-median scale section."""
    from pochub.core.allocation import median

    demand, candidates, p = MEDIAN_SCALE
    header = ["instance (seed)", "now: s", "now: status", "now: proven gap", "earlier: s", "earlier: status",
              "earlier: proven gap", "objective now / earlier"]  # fmt: skip
    table = [
        [
            str(seed),
            f"{a[0]:.1f}",
            a[1],
            f"{a[4]:.3%}",
            f"{b[0]:.1f}",
            b[1],
            f"{b[4]:.3%}",
            f"{a[2] / b[2]:.4f}",
        ]
        for seed, a, b in zip(scale.seeds, scale.now, scale.earlier, strict=True)
    ]
    now_s = Stat.of([a[0] for a in scale.now])
    then_s = Stat.of([b[0] for b in scale.earlier])
    now_gap = Stat.of([100 * a[4] for a in scale.now])
    then_gap = Stat.of([100 * b[4] for b in scale.earlier])
    table.append(["median (min-max)", now_s.fmt(".1f"), "", now_gap.fmt(".3f") + " %", then_s.fmt(".1f"), "",
                  then_gap.fmt(".3f") + " %", ""])  # fmt: skip
    met = all(a[4] <= SCALE_GAP + 1e-12 and a[0] <= SCALE_SECONDS for a in scale.now)
    parts = [
        f"### Scale run: p-median, {demand:,} communities x {candidates:,} candidates, p = {p}",
        machine_markdown(
            {
                "Load": f"1-minute load average after each solve: median "
                f"{statistics.median(scale.loads):.1f} ({min(scale.loads):.1f}-{max(scale.loads):.1f}) "
                f"on {os.cpu_count()} CPUs shared with other work"
            }
        ),
        f"Clustered instances as above (one per seed), great-circle hours at {SPEED_KMH:g} km/h, dense cost "
        f"matrix built once (not timed); `PMedian.from_cost_matrix(hours, weights, {p}).solve(HighsSolver("
        f"time_limit_seconds={SCALE_SECONDS:g}, mip_rel_gap={SCALE_GAP}))`. *now*: the current solver (greedy "
        "then multi-start fast-interchange local search for the upper bound, a Lagrangian bound by deflected "
        f"subgradient (Camerini-Fratta-Maffioli) over longer candidate lists that halves its step after "
        f"{median.LAGRANGIAN_STALL} stalled rounds and stops at the requested gap, candidates fixed by reduced cost, "
        "HiGHS on the rest, re-solved without the MIP start if its columns miss the reported objective). "
        "*earlier*: the same code with the settings "
        f"before issue 19 ({', '.join(f'{k}={v}' for k, v in EARLIER_SETTINGS.items())}), alternating with "
        "*now* on the same instance in this run. The gap is the proven one: (objective - bound) / objective.",
        md_table(header, table),
        f"Target proven gap <= {SCALE_GAP:.1%} within {SCALE_SECONDS:g} s on every instance: "
        + ("met" if met else "**not met**")
        + ".",
        "Reproduce: `.venv/bin/python bench/allocation.py --median-scale "
        + (f"--seeds {args.seeds}" if args.seeds else f"--median-runs {args.median_runs}")
        + "`.",
    ]
    anchor = scale.anchor
    if anchor is not None:
        d, c, anchor_p = MEDIAN_ANCHOR
        same = anchor.spopt and abs(anchor.ours_objective - anchor.spopt_objective) <= 1e-6 * abs(
            anchor.spopt_objective
        )
        parts.append(
            f"spopt at 5,000 x 250 would be a dense program of 1.25 million binaries (it took 199 s at 2,000 x "
            f"100 with p = 5 on a quiet machine), so it is compared where it finishes, in this run: "
            f"{d:,} x {c:,}, p = {anchor_p}: pochub {Stat.of(anchor.ours).fmt('.2f')} s, objective "
            f"{anchor.ours_objective:,.6g} ({anchor.ours_status}); spopt "
            + (f"{Stat.of(anchor.spopt).fmt('.1f')} s, objective {anchor.spopt_objective:,.6g} "
               f"({anchor.spopt_status}); equal: {'yes' if same else 'no'}." if anchor.spopt
               else f"{anchor.spopt_status}.")
        )  # fmt: skip
    return "\n\n".join(parts)


def parse_args(argv: Sequence[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--quick", action="store_true", help="smoke mode: small sizes, short timeouts")
    parser.add_argument(
        "--spopt-timeout", type=float, default=None, help="seconds per spopt run (default 900)"
    )
    parser.add_argument("--repeat", type=int, default=None, help="pochub runs per small size (default 5)")
    parser.add_argument("--no-scale", action="store_true", help="skip the 100,000 x 5,000 scale run")
    parser.add_argument("--models", default="mclp,lscp,p-median", help="comma-separated subset")
    parser.add_argument("--seed", type=int, default=20_240_601)
    parser.add_argument("--spopt-child", default=None, help=argparse.SUPPRESS)
    parser.add_argument(
        "--median-scale", action="store_true", help="only the p-median 5,000 x 250, p = 10 run (issue 19)"
    )
    parser.add_argument("--median-runs", type=int, default=3, help="instances in the p-median scale run")
    parser.add_argument("--no-spopt", action="store_true", help="p-median scale run without the spopt anchor")
    parser.add_argument(
        "--seeds",
        default=None,
        help="comma-separated instance seeds for the p-median scale run (instead of --median-runs)",
    )
    args = parser.parse_args(list(argv))
    args.spopt_timeout = args.spopt_timeout or (120.0 if args.quick else 900.0)
    args.repeat = args.repeat or (1 if args.quick else 5)
    return args


def run(argv: Sequence[str] | None = None) -> str:
    """Run the benchmark with command-line ``argv``; print a table, write and return the Markdown section."""
    args = parse_args(sys.argv[1:] if argv is None else argv)
    if args.spopt_child:
        spopt_child(args.spopt_child)
        return ""
    if args.median_scale:
        text = median_report(args, median_scale(args))
        RESULTS_DIR.mkdir(parents=True, exist_ok=True)
        (RESULTS_DIR / "allocation_median.md").write_text(text + "\n", encoding="utf-8")
        return text
    load = os.getloadavg()[0]
    models = args.models.split(",")
    groups: list[list[Result]] = []
    for model in models:
        sizes = (
            (QUICK_COVER_SIZES if args.quick else FULL_COVER_SIZES)
            if model != "p-median"
            else (QUICK_MEDIAN_SIZES if args.quick else FULL_MEDIAN_SIZES)
        )
        results: list[Result] = []
        skip = False
        for demand, candidates in sizes:
            p = MEDIAN_P if model == "p-median" else (cover_p(candidates) if model == "mclp" else 0)
            standard = {"mclp": MCLP_STANDARD, "lscp": LSCP_STANDARD}.get(model)
            case = Case(model, demand, candidates, p, standard, args.seed + demand)
            big = demand * candidates > 2_000_000
            repeat = max(1, args.repeat // 2) if big else args.repeat
            result = benchmark_case(case, repeat, 1 if big else 3, args.spopt_timeout, skip)
            skip = skip or not result.spopt
            results.append(result)
        groups.append(results)
    scale = None
    if not args.no_scale:
        demand, candidates, p = (20_000, 1_000, 10) if args.quick else SCALE
        scale = scale_run(demand, candidates, p, 1 if args.quick else 3, args.seed)
    return report(args, groups, scale, load)


def report(args: argparse.Namespace, groups: list[list[Result]], scale: ScaleRun | None, load: float) -> str:
    """Print the tables; write and return the Markdown section."""
    header = [
        "model", "demand x candidates", "p / standard", "pochub s", "spopt s", "speed-up", "pochub objective",
        "spopt objective", "equal", "spopt status", "reduced to",
    ]  # fmt: skip
    table = []
    notes = []
    for results in groups:
        for r in results:
            c = r.case
            ours = Stat.of(r.ours)
            theirs = Stat.of(r.spopt) if r.spopt else None
            same = (
                "yes"
                if theirs
                and abs(r.ours_objective - r.spopt_objective) <= 1e-6 * max(1.0, abs(r.spopt_objective))
                else ("-" if not theirs else "no")
            )
            setting = f"p={c.p}" if c.model == "p-median" else f"p={c.p}, {c.standard:g} h"
            if c.model == "lscp":
                setting = f"{c.standard:g} h"
            table.append([
                c.model.upper() if c.model != "p-median" else "p-median",
                f"{c.demand:,} x {c.candidates:,}",
                setting,
                ours.fmt(",.3f"),
                theirs.fmt(",.1f") if theirs else "-",
                f"{theirs.median / ours.median:,.0f}x" if theirs else "-",
                f"{r.ours_objective:,.6g} ({r.ours_status})",
                f"{r.spopt_objective:,.6g}" if theirs else "-",
                same,
                r.spopt_status,
                r.reduction,
            ])  # fmt: skip
        note = extrapolate(results)
        if note:
            notes.append(note)
    print(text_table(header, table))
    largest = [g[-1] for g in groups]
    verdicts = []
    for r in largest:
        if r.spopt:
            ratio = statistics.median(r.spopt) / statistics.median(r.ours)
            verdicts.append(
                f"{r.case.model}: {ratio:,.0f}x at {r.case.demand:,} x {r.case.candidates:,} "
                f"({'met' if ratio >= TARGET_SPEEDUP else '**not met**'})"
            )
        else:
            verdicts.append(f"{r.case.model}: spopt did not finish the largest size (see the extrapolation)")
    parts = [
        "## Location models: pochub (HiGHS) vs spopt (PuLP + CBC)",
        machine_markdown({"Load": f"1-minute load average {load:.1f} on {os.cpu_count()} CPUs at the start"}),
        (__doc__ or "").split("\n\n")[1].replace("\n", " "),
        (__doc__ or "").split("\n\n")[2].replace("\n", " "),
        "Times are medians (min-max) of several runs at the small sizes and fewer runs at the larger ones "
        "(spopt: one run once a run takes more than 30 s). *reduced to*: demand rows x candidate columns "
        "left in pochub's program after merging identical coverage sets, dropping dominated candidates (and, "
        "for LSCP, implied rows); for p-median, the rows of the Elloumi program after the Lagrangian closed "
        "candidates.",
        md_table(header, table),
        f"Target >= {TARGET_SPEEDUP:.0f}x at the largest size: " + "; ".join(verdicts) + ".",
        *notes,
    ]
    if scale is not None:
        demand, candidates, p = (20_000, 1_000, 10) if args.quick else SCALE
        parts += [
            f"### Scale run: MCLP, {demand:,} communities x {candidates:,} candidates, p = {p}",
            f"Great-circle coverage at {SPEED_KMH:g} km/h within {MCLP_STANDARD:g} h found by a k-d tree "
            f"({scale.nnz:,} community-candidate pairs; no dense matrix), then `MaximalCovering` solved with "
            f"`HighsSolver(time_limit_seconds={SCALE_SECONDS:g}, mip_rel_gap={SCALE_GAP})`; reduced to "
            f"{scale.reduction}. Covered population {scale.share:.1%}.",
            md_table(
                ["run", "coverage s", "solve s", "status", "proven gap"],
                [
                    [str(k + 1), f"{cov:.1f}", f"{sol:.1f}", status, f"{gap:.2e}"]
                    for k, (cov, sol, status, gap) in enumerate(
                        zip(scale.coverage_seconds, scale.solve_seconds, scale.status, scale.gap, strict=True)
                    )
                ],
            ),
            f"Median solve {statistics.median(scale.solve_seconds):.1f} s (target: proven gap <= "
            f"{SCALE_GAP:.1%} within {SCALE_SECONDS:g} s: "
            + ("met" if all(g <= SCALE_GAP for g in scale.gap) and max(scale.solve_seconds) <= SCALE_SECONDS
               else "**not met**")
            + ").",
        ]  # fmt: skip
    text = "\n\n".join(parts)
    if not args.quick:
        RESULTS_DIR.mkdir(parents=True, exist_ok=True)
        (RESULTS_DIR / "allocation.md").write_text(text + "\n", encoding="utf-8")
    return text


def main() -> None:
    text = run()
    if text:
        print(text)


if __name__ == "__main__":
    main()

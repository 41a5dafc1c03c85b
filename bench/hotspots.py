"""Gi* hot spot benchmark: pochub's `getis_ord_gi_star` vs `esda.G_Local(star=True)` with libpysal weights.

Two cases, each run end to end by both tools from the same input, 999 conditional permutations:

- real: UCDP GED 20.1 events in the Africa bounding box over a recent year window, counted on H3 res-6 cells,
  plus the cells of their k = 1 rings (empty = 0);
- synthetic: every res-6 cell of a region (>= 100,000 cells) with clustered (Poisson, Gaussian blobs) counts.

pochub: points -> cells -> ``extend_with_rings`` -> the steps of ``getis_ord_gi_star`` (``h3_neighbours`` CSR
weights, ``gi_star_test``, ``benjamini_hochberg``, ``hotspot_classes``). esda: the same points -> cells -> rings, a neighbour dict from ``h3.grid_disk``,
``libpysal.weights.W``, ``esda.G_Local(y, w, transform="B", star=True, permutations=999)`` and the same
Benjamini–Hochberg classes. Every tool runs in fresh child processes: the first call is *cold* (imports, and
for esda the numba compilation a user meets), later calls in the same process are *warm*.

    .venv/bin/python bench/hotspots.py            # full run, writes bench/results/hotspots.md
    .venv/bin/python bench/hotspots.py --quick    # smoke run (one year, ~5,000 synthetic cells)
    .venv/bin/python bench/hotspots.py --methods  # classes on every real events file, analytic vs permutations,
                                                  # writes bench/results/hotspot_methods.md

The esda comparison uses pochub's conditional randomisation (esda's scheme); ``--methods`` compares the classes
pochub's default (analytic two-sided p, Benjamini–Hochberg FDR as ArcGIS) gives on real data with those of
permutation inference (total randomisation, Gi*'s own; and the conditional scheme of the earlier default).
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any

from _common import DATA_DIR, MIB, RESULTS_DIR, Stat, machine_markdown, md_table, measure, shared_dir

UCDP_FILE = Path("data/ucdp-ged201-points/ged201_points.csv")
"""Relative to the shared folder (env POCHUB_SHARED)."""
AFRICA = (-18.0, -35.0, 52.0, 38.0)
"""west, south, east, north."""
RESOLUTION = 6
K = 1
PERMUTATIONS = 999
PRECISE_PERMUTATIONS = 99_999
"""For the agreement of the p-values with esda, with little Monte Carlo noise (real case only)."""
SEED = 0
SYNTHETIC_VERSION = 1
SYNTHETIC_BOX = {"full": (12.0, -4.0, 32.0, 14.0), "quick": (20.0, 0.0, 24.0, 4.0)}
YEARS = {"full": (2015, 2019), "quick": (2019, 2019)}
Z_TOLERANCE = 1e-9
TARGET_COLD, TARGET_WARM = 10.0, 2.0
AGREEMENT_HEADER = ["p-values", "KS D", "KS p", "max Δ percentile", "mean per-cell abs Δp"]


def log(message: str) -> None:
    """Progress on stderr, with a timestamp."""
    print(f"[{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


# --- inputs ------------------------------------------------------------------------------------------------------


def synthetic_input(mode: str) -> Path:
    """Every res-6 cell of the mode's box with clustered counts, cached under bench/.data/."""
    target = DATA_DIR / f"hotspots_synthetic_{mode}_v{SYNTHETIC_VERSION}.npz"
    if target.exists():
        return target
    import h3
    import numpy as np

    west, south, east, north = SYNTHETIC_BOX[mode]
    cells = sorted(
        h3.polygon_to_cells(h3.LatLngPoly([(south, west), (south, east), (north, east), (north, west)]), 6)
    )
    centres = np.array([h3.cell_to_latlng(c) for c in cells])
    rng = np.random.default_rng(20_240_601)
    intensity = np.full(len(cells), 0.03)
    for _ in range(40):
        lat, lng = rng.uniform(south, north), rng.uniform(west, east)
        spread, peak = rng.uniform(0.1, 0.8), rng.uniform(0.5, 4.0)
        squared = (centres[:, 0] - lat) ** 2 + (centres[:, 1] - lng) ** 2
        intensity += peak * np.exp(-squared / (2 * spread**2))
    counts = rng.poisson(intensity)
    DATA_DIR.mkdir(parents=True, exist_ok=True)
    np.savez(target, cells=np.array(cells), counts=counts)
    return target


def read_events(path: Path, years: tuple[int, int]) -> tuple[Any, Any]:
    """Latitudes and longitudes of the UCDP events of the years in the Africa box."""
    import polars as pl

    west, south, east, north = AFRICA
    frame = pl.read_csv(path, columns=["year", "latitude", "longitude"]).filter(
        pl.col("year").is_between(*years),
        pl.col("longitude").is_between(west, east),
        pl.col("latitude").is_between(south, north),
    )
    return frame["latitude"].to_numpy(), frame["longitude"].to_numpy()


def count_cells(latitudes: Any, longitudes: Any) -> tuple[list[str], Any]:
    """Events per H3 cell (shared by both tools)."""
    import h3
    import numpy as np

    cells = [h3.latlng_to_cell(la, lo, RESOLUTION) for la, lo in zip(latitudes, longitudes, strict=True)]
    names, counts = np.unique(np.array(cells), return_counts=True)
    return names.tolist(), counts


# --- the two pipelines -------------------------------------------------------------------------------------------


def ours(
    case: str, source: Path, years: tuple[int, int], seed: int
) -> tuple[dict[str, Any], dict[str, float]]:
    """pochub end to end, the steps of ``getis_ord_gi_star`` one by one; (arrays, stage seconds)."""
    from pochub.core.warning.hotspots import (
        benjamini_hochberg,
        extend_with_rings,
        gi_star_test,
        h3_neighbours,
        hotspot_classes,
    )

    times: dict[str, float] = {}
    started = time.perf_counter()
    if case == "real":
        cells, values = count_cells(*read_events(source, years))
        cells, values = extend_with_rings(cells, values, K)
    else:
        import numpy as np

        data = np.load(source)
        cells, values = data["cells"].tolist(), data["counts"]
    times["input"] = time.perf_counter() - started
    weights = h3_neighbours(cells, K)
    times["weights"] = time.perf_counter() - started - times["input"]
    test = gi_star_test(values, weights, PERMUTATIONS, seed, randomisation="conditional")
    classes = hotspot_classes(test.z, benjamini_hochberg(test.p), test.concordant)
    times["gi_star"] = time.perf_counter() - started - times["input"] - times["weights"]
    return {"cells": list(cells), "values": values, "z": test.z, "p": test.p, "classes": list(classes)}, times


def esda_classes(z: Any, p: Any, fdr: bool = True) -> list[str]:
    """The same classes from esda's outputs: sign of z, level of the (BH-adjusted) p."""
    import numpy as np
    from scipy import stats

    adjusted = stats.false_discovery_control(p, method="bh") if fdr else p
    level = np.select([adjusted <= 0.01, adjusted <= 0.05, adjusted <= 0.10], ["99", "95", "90"], "")
    side = np.where(z > 0, "hot", np.where(z < 0, "cold", ""))
    return [s + lv if s and lv else "none" for s, lv in zip(side, level, strict=True)]


def esda_pipeline(
    case: str, source: Path, years: tuple[int, int], seed: int, permutations: int = PERMUTATIONS
) -> tuple[dict[str, Any], dict[str, float]]:
    """esda + libpysal end to end; (arrays, stage seconds)."""
    import warnings

    import h3
    import numpy as np
    from esda import G_Local
    from libpysal.weights import W

    times: dict[str, float] = {}
    started = time.perf_counter()
    if case == "real":
        cells, counts = count_cells(*read_events(source, years))
        ring = sorted({c for cell in cells for c in h3.grid_disk(cell, K)} - set(cells))
        cells, values = cells + ring, np.concatenate([counts, np.zeros(len(ring))]).astype(float)
    else:
        data = np.load(source)
        cells, values = data["cells"].tolist(), data["counts"].astype(float)
    times["input"] = time.perf_counter() - started
    index = {cell: i for i, cell in enumerate(cells)}
    neighbours = {
        i: [index[c] for c in h3.grid_disk(cell, K) if c != cell and c in index]
        for i, cell in enumerate(cells)
    }
    weights = W(neighbours, id_order=list(range(len(cells))), silence_warnings=True)
    times["weights"] = time.perf_counter() - started - times["input"]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)  # esda's notice about alternative="directed"
        keep = permutations == PERMUTATIONS  # esda's default; the precise run would keep n x P floats
        g = G_Local(
            values,
            weights,
            transform="B",
            star=True,
            permutations=permutations,
            seed=seed,
            keep_simulations=keep,
        )
    classes = esda_classes(g.Zs, g.p_sim)
    times["gi_star"] = time.perf_counter() - started - times["input"] - times["weights"]
    return {"cells": cells, "values": values, "z": g.Zs, "p": g.p_sim, "classes": classes}, times


def child(tool: str, case: str, source: Path, years: tuple[int, int], warm: int, out: Path) -> None:
    """One fresh process: a cold call, then ``warm`` warm calls; arrays to ``out``, times as JSON on stdout."""
    started = time.perf_counter()
    import numpy as np

    pipeline = ours if tool == "ours" else esda_pipeline
    if tool == "precise":  # esda with many permutations: the agreement check, not timed
        pipeline = partial(esda_pipeline, permutations=PRECISE_PERMUTATIONS)
    if tool != "ours":
        import esda  # noqa: F401  (timed: part of what a user waits for)
        import libpysal  # noqa: F401
    else:
        import pochub.core.warning.hotspots  # noqa: F401
    imports = time.perf_counter() - started
    first = time.perf_counter()
    arrays, stages = pipeline(case, source, years, SEED)
    cold = time.perf_counter() - first
    warm_runs: list[float] = []
    warm_stages: list[dict[str, float]] = []
    for _ in range(warm):  # another seed: the last one's p-values are the seed-to-seed baseline
        begin = time.perf_counter()
        again, stage = pipeline(case, source, years, SEED + 1)
        warm_runs.append(time.perf_counter() - begin)
        warm_stages.append(stage)
        arrays["p_other_seed"] = again["p"]
    np.savez(out, **{key: np.asarray(value) for key, value in arrays.items()})
    report = {
        "imports": imports,
        "cold": cold,
        "cold_stages": stages,
        "warm": warm_runs,
        "warm_stages": warm_stages,
    }
    print(json.dumps(report))


# --- parent: run, compare, report ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class ToolRuns:
    """Timings of one tool on one case: per fresh process, and the arrays of the last one."""

    cold_total: list[float]
    """Imports + first call, inside the process."""
    process: list[float]
    """Wall time of the whole child process (interpreter start to exit, all its calls)."""
    peak_rss: list[int]
    warm: list[float]
    warm_stages: list[dict[str, float]]
    arrays: dict[str, Any]


def run_tool(
    tool: str, case: str, source: Path, years: tuple[int, int], processes: int, warm: int
) -> ToolRuns:
    """``processes`` fresh child processes of ``tool`` on ``case``."""
    import numpy as np

    cold, wall, rss, warm_runs, stages = [], [], [], [], []
    out = DATA_DIR / f"hotspots-{tool}-{case}.npz"
    for attempt in range(processes):
        cmd = [sys.executable, str(Path(__file__).resolve()), "--child", tool, case, str(source)]
        cmd += ["--years", f"{years[0]}-{years[1]}", "--warm", str(warm), "--out", str(out)]
        measured = measure(cmd)
        if measured.returncode != 0:
            raise SystemExit(f"{tool} {case} failed:\n{measured.stderr[-4000:]}")
        report = json.loads(measured.stdout.strip().splitlines()[-1])
        cold.append(report["imports"] + report["cold"])
        wall.append(measured.seconds)
        rss.append(measured.peak_rss)
        warm_runs += report["warm"]
        stages += report["warm_stages"]
        log(
            f"{case:9} {tool:4} process {attempt + 1}/{processes}: cold {cold[-1]:7.2f} s "
            f"(imports {report['imports']:.2f}), warm {', '.join(f'{w:.2f}' for w in report['warm'])} s, "
            f"peak {measured.peak_rss / MIB:,.0f} MiB"
        )
    with np.load(out) as data:
        arrays = {key: data[key] for key in data.files}
    return ToolRuns(cold, wall, rss, warm_runs, stages, arrays)


@dataclass(frozen=True)
class Agreement:
    """How close two sets of pseudo p-values over the same cells are."""

    ks: float
    ks_p: float
    quantiles: float
    """Largest difference of the 1st, 2nd, ..., 99th percentiles (empirical, no interpolation)."""
    mean_abs: float

    @classmethod
    def of(cls, first: Any, second: Any) -> Agreement:
        import numpy as np
        from scipy import stats

        test = stats.ks_2samp(first, second)
        levels = np.arange(1, 100) / 100
        quantiles = np.abs(
            np.quantile(first, levels, method="inverted_cdf")
            - np.quantile(second, levels, method="inverted_cdf")
        ).max()
        return cls(
            float(test.statistic), float(test.pvalue), float(quantiles), float(np.abs(first - second).mean())
        )

    def row(self, label: str) -> list[str]:
        return [label, f"{self.ks:.4f}", f"{self.ks_p:.3g}", f"{self.quantiles:.4f}", f"{self.mean_abs:.4f}"]


@dataclass(frozen=True)
class Comparison:
    """Agreement of the two tools on one case."""

    cells: int
    nonzero: int
    max_dz: float
    agreements: dict[str, Agreement]
    tie_floor: int
    classes: dict[str, tuple[int, ...]]


def esda_tie_rounding(values: Any, cells: list[str], permutations: int = PERMUTATIONS) -> Any:
    """pochub's conditional permutations, with ties resolved the way esda's numba kernel resolves them.

    esda compares the observed G = Σ/S (a division) with each permuted G computed under ``fastmath`` as
    Σ·(1/S): for integer counts a permuted sum equal to the observed one counts as >= only when the two
    roundings happen to agree, i.e. for about half of the cells. Counts are integers, so "> observed" is
    ">= observed + 0.5". Uses the engine's private ``_tail_counts``: a diagnostic, not an API.
    """
    import numpy as np

    from pochub.core.warning import hotspots

    y = np.asarray(values, dtype=float)
    weights = hotspots.binary_weights(hotspots.h3_neighbours(cells, K))
    cardinality = np.diff(weights.indptr).astype(np.int64) - 1
    others = weights @ y - y
    total, scale = others + y, y.sum()
    tie_counts_as_at_least = total * (1.0 / scale) >= total / scale
    threshold = np.where(tie_counts_as_at_least, others, others + 0.5)
    rng = np.random.default_rng(SEED)
    at_least, _ = hotspots._tail_counts(y, threshold, cardinality, permutations, rng)
    below = permutations - at_least
    return (np.where(below < at_least, below, at_least) + 1.0) / (permutations + 1.0)


def esda_p(p_sim: Any, permutations: int = PERMUTATIONS) -> Any:
    """esda's p_sim back to the exact (k + 1) / (P + 1) in float64 (esda stores it as float32, which would put
    its point masses 1e-8 away from pochub's)."""
    import numpy as np

    return np.rint(np.asarray(p_sim, dtype=np.float64) * (permutations + 1)) / (permutations + 1)


def aligned(mine: dict[str, Any], theirs: dict[str, Any]) -> Any:
    """Positions in ``theirs`` of ``mine``'s cells (the same set, else exit)."""
    import numpy as np

    cells = mine["cells"].astype(str).tolist()
    position = {c: i for i, c in enumerate(theirs["cells"].astype(str).tolist())}
    if set(position) != set(cells) or len(position) != len(cells):
        raise SystemExit("the two tools did not analyse the same cells")
    return np.array([position[c] for c in cells])


def precise_section(mine: dict[str, Any], precise: dict[str, Any]) -> str:
    """p-values of both tools with 99,999 permutations: what is left once Monte Carlo noise is small."""
    from pochub.core.warning.hotspots import gi_star_from_weights, h3_neighbours

    cells = mine["cells"].astype(str).tolist()
    reference = esda_p(precise["p"][aligned(mine, precise)], PRECISE_PERMUTATIONS)
    weights = h3_neighbours(cells, K)
    count = PRECISE_PERMUTATIONS
    _, default = gi_star_from_weights(mine["values"], weights, count, SEED, randomisation="conditional")
    _, esda_rule = gi_star_from_weights(
        mine["values"], weights, count, SEED, tail="esda", randomisation="conditional"
    )
    rows = [
        Agreement.of(default, reference).row("pochub (ties extreme in both tails) vs esda"),
        Agreement.of(esda_rule, reference).row('pochub `tail="esda"` vs esda'),
        Agreement.of(esda_tie_rounding(mine["values"], cells, count), reference).row(
            "pochub, esda's tie rounding emulated, vs esda"
        ),
    ]
    return "\n\n".join([
        f"Real case again, both tools with {count:,} permutations (Monte Carlo error of a p-value ≤ 0.0016):",
        md_table(AGREEMENT_HEADER, rows, "lrrrr"),
    ])  # fmt: skip


def compare(mine: dict[str, Any], theirs: dict[str, Any]) -> Comparison:
    """Align by cell; then z difference, p agreements (with seed-to-seed baselines) and class counts."""
    import numpy as np

    from pochub.core.warning.hotspots import gi_star_test, h3_neighbours, hotspot_classes

    cells = mine["cells"].astype(str).tolist()
    order = aligned(mine, theirs)
    z_esda, p_esda = theirs["z"][order], esda_p(theirs["p"][order])
    weights = h3_neighbours(cells, K)
    test = gi_star_test(mine["values"], weights, PERMUTATIONS, SEED, randomisation="conditional")
    if not np.array_equal(test.p, mine["p"]):
        raise SystemExit("pochub's p-values are not reproducible from the seed")
    esda_rule = gi_star_test(
        mine["values"], weights, PERMUTATIONS, SEED, tail="esda", randomisation="conditional"
    )
    agreements = {
        "pochub vs esda": Agreement.of(mine["p"], p_esda),
        'pochub `tail="esda"` vs esda': Agreement.of(esda_rule.p, p_esda),
        "pochub, esda's tie rounding emulated, vs esda": Agreement.of(
            esda_tie_rounding(mine["values"], cells), p_esda
        ),
        "baseline: esda vs esda (seed 1)": Agreement.of(p_esda, esda_p(theirs["p_other_seed"][order])),
        "baseline: pochub vs pochub (seed 1)": Agreement.of(mine["p"], mine["p_other_seed"]),
    }
    ours_raw = np.array(hotspot_classes(test.z, test.p, test.concordant))
    esda_fdr = np.array(esda_classes(z_esda, p_esda))
    esda_raw = np.array(esda_classes(z_esda, p_esda, fdr=False))
    names = ("hot99", "hot95", "hot90", "none", "cold90", "cold95", "cold99")
    counts = {
        name: tuple(int((labels == name).sum()) for labels in (mine["classes"], ours_raw, esda_fdr, esda_raw))
        for name in names
    }
    return Comparison(
        cells=len(cells),
        nonzero=int((mine["values"] > 0).sum()),
        max_dz=float(np.abs(mine["z"] - z_esda).max()),
        agreements=agreements,
        tie_floor=int(((p_esda <= 1.5 / (PERMUTATIONS + 1)) & (mine["p"] > 0.10)).sum()),
        classes=counts,
    )


def section(
    case: str, label: str, mine: ToolRuns, theirs: ToolRuns, comparison: Comparison
) -> tuple[str, dict[str, float]]:
    """Markdown of one case, and its headline figures."""
    cold_ours, cold_esda = Stat.of(mine.cold_total), Stat.of(theirs.cold_total)
    warm_ours, warm_esda = Stat.of(mine.warm), Stat.of(theirs.warm)
    ratio_cold, ratio_warm = cold_esda.median / cold_ours.median, warm_esda.median / warm_ours.median
    ok = "pass" if comparison.max_dz <= Z_TOLERANCE else "**FAIL**"

    def stage(runs: ToolRuns, name: str) -> str:
        values = [s.get(name, 0.0) for s in runs.warm_stages]
        return Stat.of(values).fmt(",.3f") if values else "-"

    rows = [
        ["cold: fresh process, imports + first call", cold_ours.fmt(",.2f"), cold_esda.fmt(",.2f"),
         f"**{ratio_cold:,.1f}x** (target >= {TARGET_COLD:.0f}x)"],
        ["warm: later call, same process", warm_ours.fmt(",.3f"), warm_esda.fmt(",.3f"),
         f"**{ratio_warm:,.1f}x** (target >= {TARGET_WARM:.0f}x)"],
        ["warm, of which input (read, cells, rings)", stage(mine, "input"), stage(theirs, "input"), ""],
        ["warm, of which weights (h3 k-rings)", stage(mine, "weights"), stage(theirs, "weights"), ""],
        ["warm, of which Gi*, permutations, classes", stage(mine, "gi_star"), stage(theirs, "gi_star"), ""],
        ["whole child process (all its calls)", Stat.of(mine.process).fmt(",.1f"),
         Stat.of(theirs.process).fmt(",.1f"), ""],
        ["peak RSS of the child, MiB", Stat.of([r / MIB for r in mine.peak_rss]).fmt(",.0f"),
         Stat.of([r / MIB for r in theirs.peak_rss]).fmt(",.0f"), ""],
    ]  # fmt: skip
    agreement_rows = [a.row(name) for name, a in comparison.agreements.items()]
    class_rows = [[name, *(f"{v:,}" for v in counts)] for name, counts in comparison.classes.items()]
    md = "\n\n".join([
        f"### {label}",
        f"{comparison.cells:,} cells ({comparison.nonzero:,} non-zero), k = {K} rings, {PERMUTATIONS} permutations; "
        f"cold over {len(mine.cold_total)} fresh processes per tool, warm over {len(mine.warm)} calls "
        "(median, min–max), seconds.",
        md_table(["", "pochub", "esda + libpysal", "esda / pochub"], rows),
        f"max |z_pochub − z_esda| = **{comparison.max_dz:.2e}** (≤ {Z_TOLERANCE:g}: {ok}).",
        "Pseudo p-values: two-sample Kolmogorov–Smirnov over the cells, the largest difference of their "
        "percentiles, and the mean per-cell difference. On counts, thousands of cells share one neighbour sum and "
        "so one p-value (a point mass): a Monte Carlo shift of that mass by 0.03 between two runs is a KS D of "
        "0.5, even between two seeds of the same tool. Read each line against the two seed-to-seed baselines; "
        "the percentiles are the robust comparison.",
        md_table(AGREEMENT_HEADER, agreement_rows, "lrrrr"),
        f"{comparison.tie_floor:,} cells have esda's floor p = 1/{PERMUTATIONS + 1} but pochub p > 0.10: their "
        "permuted neighbour sums are all >= the observed one (e.g. a cell among empty neighbours), which esda's "
        "`directed` rule counts as an extreme *lower* tail and pochub as the tie it is.",
        "Classes (sign of z; p ≤ 0.01/0.05/0.10, Benjamini–Hochberg adjusted or raw):",
        md_table(["class", "pochub (BH)", "pochub (raw p)", "esda (BH)", "esda (raw p)"], class_rows),
    ])  # fmt: skip
    return md, {
        f"{case}_ratio_cold": ratio_cold,
        f"{case}_ratio_warm": ratio_warm,
        f"{case}_dz": comparison.max_dz,
    }


# --- classes on real data: analytic + FDR vs permutations ---------------------------------------------------

METHOD_FILES = (
    "acled-legacy-perse/ACLED_DRC_97_14.csv",
    "acled-legacy-perse/ACLED_CAR_00_14.csv",
    "acled-legacy-perse/ACLED_SouthSudan_11_14.csv",
    "acled-legacy-perse/ACLED_AllSudan_00_14.csv",
    "acled-mali/acled_mali_2017-01-01_2019-02-27.csv",
    "acled-mali/conflict_data_mli_hdx.csv",
    "ucdp-ged-ssd-hdx/conflict_data_ssd.csv",
    "ucdp-ged-syria/ged_syria_20160101_20191130.csv.gz",
    "ucdp-ged201-points/ged201_points.csv",
    "osac-humanitarian-incidents/humanitarian_incidents_africa_2022-09-06.csv",
)
"""Every conflict-events file of the shared data (relative to its data/ folder)."""
METHOD_PERMUTATIONS = 9999
METHODS = (
    ("analytic, FDR (default)", 0, "total", True),
    ("analytic, unadjusted", 0, "total", False),
    (f"total randomisation {METHOD_PERMUTATIONS}, FDR", METHOD_PERMUTATIONS, "total", True),
    (f"total randomisation {METHOD_PERMUTATIONS}, unadjusted", METHOD_PERMUTATIONS, "total", False),
    (f"conditional {METHOD_PERMUTATIONS}, FDR (earlier default)", METHOD_PERMUTATIONS, "conditional", True),
)


def event_points(path: Path) -> Any:
    """Latitude, longitude and year of every event of a file, whatever its schema (HXL hashtag rows dropped)."""
    import polars as pl

    frame = pl.read_csv(path, infer_schema=False)
    columns = {c.lower(): c for c in frame.columns}
    return frame.select(
        pl.col(columns["latitude"]).cast(pl.Float64, strict=False).alias("lat"),
        pl.col(columns["longitude"]).cast(pl.Float64, strict=False).alias("lon"),
        pl.col(columns["year"]).cast(pl.Int64, strict=False).alias("year"),
    ).drop_nulls()


def method_rows(name: str, points: Any, resolution: int, window: str) -> list[list[str]]:
    """One table row per method for one file, resolution and window (events' cells plus two empty rings)."""
    from collections import Counter

    import h3
    import numpy as np

    from pochub.core.warning.hotspots import extend_with_rings, getis_ord_gi_star, h3_neighbours

    counts = Counter(
        h3.latlng_to_cell(la, lo, resolution) for la, lo in zip(points["lat"], points["lon"], strict=True)
    )
    cells, y = extend_with_rings(list(counts), list(counts.values()), k=2)
    quiet = np.asarray(h3_neighbours(cells, K) @ y == 0)
    busiest = int(np.argmax(y))
    reference = None
    rows = []
    for label, permutations, randomisation, fdr in METHODS:
        started = time.perf_counter()
        result = getis_ord_gi_star(
            cells,
            y,
            K,
            permutations,
            SEED,
            fdr,
            randomisation=randomisation,  # type: ignore[arg-type]
        )
        seconds = time.perf_counter() - started
        classes = np.array(result.classes)
        hot = np.char.startswith(classes.astype(str), "hot")
        if reference is None:
            reference = classes
        agree = float((classes == reference).mean())
        hot_agree = int((hot & np.char.startswith(reference.astype(str), "hot")).sum()) / max(
            int(hot.sum()), 1
        )
        rows.append([
            name, str(resolution), window, f"{len(cells):,}", f"{int(y.sum()):,}", label,
            f"{int((classes == 'hot99').sum()):,}", f"{int(hot.sum()):,}",
            f"{int(np.char.startswith(classes.astype(str), 'cold').sum()):,}",
            f"{int((np.abs(result.z) > 3.3).sum()):,}",
            f"{classes[busiest]} ({int(y[busiest])})", str(int((hot & quiet).sum())),
            f"{agree:.3f}", f"{hot_agree:.2f}", f"{seconds:.1f}",
        ])  # fmt: skip
    return rows


METHOD_HEADER = [
    "file", "res", "window", "cells", "events", "method", "hot99", "hot (any)", "cold (any)", "|z| > 3.3",
    "busiest cell (events)", "hot among empty-and-quiet", "class agreement with default",
    "hot also hot by default", "s",
]  # fmt: skip


def methods_run(quick: bool) -> str:
    """Classes of every events file at H3 res 5 and 6, full history and last year, by each method."""
    data = shared_dir() / "data"
    started = time.perf_counter()
    rows: list[list[str]] = []
    for name in METHOD_FILES[:2] if quick else METHOD_FILES:
        points = event_points(data / name)
        last = int(points["year"].max())
        for resolution in (5,) if quick else (5, 6):
            for window, chosen in (("all years", points), (f"{last}", points.filter(points["year"] == last))):
                log(f"{name} res {resolution} {window}: {chosen.height:,} events")
                rows.extend(method_rows(name.split("/")[-1], chosen, resolution, window))
    minutes = (time.perf_counter() - started) / 60
    md = "\n\n".join([
        "## Hot spot classes on real data: analytic + FDR vs permutations",
        f"`bench/hotspots.py --methods{' --quick' if quick else ''}`, {minutes:.1f} min. Every conflict-events "
        "file of the shared data; H3 cells holding events plus two rings of empty cells (so that some cells are "
        "empty among empty neighbours), Gi* with k = 1 (the cell and its 6 neighbours). Methods: the default, "
        "analytic two-sided normal p with Benjamini–Hochberg FDR at each level (ArcGIS's Hot Spot Analysis with "
        "its FDR correction, Caldas de Castro and Singer 2006); the same unadjusted; total randomisation "
        f"(Gi*'s own: the cell's value redrawn with its neighbours) with {METHOD_PERMUTATIONS} permutations, "
        "with and without FDR; and the earlier default, conditional randomisation (the cell's own value held "
        "fixed) with FDR. *busiest cell*: the class of the cell with most events; *hot among empty-and-quiet*: "
        "cells without events whose neighbours have none either, classed hot (must be 0); *class agreement*: "
        "share of cells given the same class as the default; *hot also hot by default*: share of the method's "
        "hot cells that the default also calls hot. Seed 0.",
        "### Machine",
        machine_markdown(),
        md_table(METHOD_HEADER, rows),
    ])  # fmt: skip
    return md


def parse_args(argv: Sequence[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description="Gi* hot spots: pochub vs esda.")
    parser.add_argument(
        "--methods", action="store_true", help="classes on real data: analytic vs permutations"
    )
    parser.add_argument("--quick", action="store_true", help="smoke mode: one year, ~5,000 synthetic cells")
    parser.add_argument(
        "--processes", type=int, default=None, help="fresh processes per tool and case (pochub 3, esda 2)"
    )
    parser.add_argument("--warm", type=int, default=None, help="warm calls per process (pochub 5, esda 2)")
    parser.add_argument("--results", type=Path, default=None, help="Markdown output")
    parser.add_argument(
        "--no-precise",
        action="store_true",
        help=f"skip esda with {PRECISE_PERMUTATIONS:,} permutations (always skipped by --quick)",
    )
    parser.add_argument("--child", nargs=3, metavar=("TOOL", "CASE", "SOURCE"), help=argparse.SUPPRESS)
    parser.add_argument("--years", default="2015-2019", help=argparse.SUPPRESS)
    parser.add_argument("--out", type=Path, help=argparse.SUPPRESS)
    return parser.parse_args(list(argv))


def run(argv: Sequence[str] | None = None) -> str:
    """Run the benchmark; print and write the Markdown section, and return it."""
    args = parse_args(sys.argv[1:] if argv is None else argv)
    if args.methods:
        md = methods_run(args.quick)
        print(md)
        target = args.results or (
            DATA_DIR / "hotspot_methods-quick.md" if args.quick else RESULTS_DIR / "hotspot_methods.md"
        )
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(md + "\n", encoding="utf-8")
        log(f"wrote {target}")
        return md
    mode = "quick" if args.quick else "full"
    processes = args.processes
    source = shared_dir() / UCDP_FILE
    if not source.exists():
        raise SystemExit(f"missing {source}: set POCHUB_SHARED to the shared data folder")
    years = YEARS[mode]
    cases = [
        ("real", source, f"Real: UCDP GED 20.1 events {years[0]}–{years[1]}, Africa box {AFRICA}, H3 res {RESOLUTION}"),
        ("synthetic", synthetic_input(mode), f"Synthetic: every H3 res-{RESOLUTION} cell of {SYNTHETIC_BOX[mode]}"),
    ]  # fmt: skip
    started = time.perf_counter()
    sections, figures = [], {}
    for case, path, label in cases:
        mine = run_tool(
            "ours",
            case,
            path,
            years,
            processes or (1 if args.quick else 3),
            args.warm or (1 if args.quick else 5),
        )
        theirs = run_tool(
            "esda",
            case,
            path,
            years,
            processes or (1 if args.quick else 2),
            args.warm or (1 if args.quick else 2),
        )
        md, numbers = section(case, label, mine, theirs, compare(mine.arrays, theirs.arrays))
        if case == "real" and not (args.quick or args.no_precise):
            precise = run_tool("precise", case, path, years, 1, 0)
            md += "\n\n" + precise_section(mine.arrays, precise.arrays)
        sections.append(md)
        figures |= numbers
    minutes = (time.perf_counter() - started) / 60
    md = "\n\n".join([
        "## Hot spots: Getis–Ord Gi* (pochub vs esda)",
        f"`bench/hotspots.py{' --quick' if args.quick else ''}`, {minutes:.1f} min. pochub: "
        "`extend_with_rings`, then the steps of `getis_ord_gi_star(k=1, permutations=999)`: `h3_neighbours` "
        "(k-ring CSR weights), `gi_star_test` (vectorised conditional permutations), `benjamini_hochberg`, "
        "`hotspot_classes`. esda: neighbour dict from `h3.grid_disk`, "
        "`libpysal.weights.W`, `esda.G_Local(transform=\"B\", star=True, permutations=999)` (default n_jobs=-1, "
        "keep_simulations=True) and the same classes. Both read the same points and count them with the same "
        "code; the cold figure is measured inside a fresh process from before the imports to the first result "
        "(for esda it includes numba's compilation).",
        "### Machine",
        machine_markdown(),
        *sections,
    ])  # fmt: skip
    print(md)
    print(json.dumps(figures), file=sys.stderr)
    target = args.results or (DATA_DIR / "hotspots-quick.md" if args.quick else RESULTS_DIR / "hotspots.md")
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(md + "\n", encoding="utf-8")
    log(f"wrote {target}")
    return md


def main(argv: Sequence[str] | None = None) -> None:
    """Command-line entry point (also the child processes)."""
    args = parse_args(sys.argv[1:] if argv is None else argv)
    if args.child:
        tool, case, source = args.child
        first, last = (int(y) for y in args.years.split("-"))
        child(tool, case, Path(source), (first, last), args.warm or 0, args.out)
        return
    run(argv)


if __name__ == "__main__":
    main()

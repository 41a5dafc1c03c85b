"""ACLED import benchmark: `pochub import acled` vs pandas read_csv + to_sql, into SQLite and PostgreSQL.

The input is a file of N rows resampled (with replacement, fixed seed) from the real Mali HDX ACLED file,
each with a unique ``event_id_cnty`` (``MLI4111-0000123``); it is cached under ``bench/.data/``. Every
measured run is a separate child process on a fresh database; we record its wall time and its own peak RSS.

    .venv/bin/python bench/ingest.py            # 1,000,000 rows, 3 repeats, writes bench/results/ingest.md
    .venv/bin/python bench/ingest.py --quick    # 20,000 rows, 1 repeat (smoke test)
    .venv/bin/python bench/ingest.py --profile  # cProfile of pochub.cli.main:main on a 200,000-row file
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import time
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from _common import (
    DATA_DIR,
    MIB,
    RESULTS_DIR,
    Measurement,
    Stat,
    machine_markdown,
    md_table,
    measure,
    shared_dir,
    text_table,
)

SOURCE_FILE = Path("data/acled-mali/conflict_data_mli_hdx.csv")
"""Relative to the shared folder: the real rows we resample (3,990 rows after its HXL row)."""
COLUMNS = (
    "data_id", "iso", "event_id_cnty", "event_id_no_cnty", "event_date", "year", "time_precision",
    "event_type", "sub_event_type", "actor1", "assoc_actor_1", "inter1", "actor2", "assoc_actor_2", "inter2",
    "interaction", "region", "country", "admin1", "admin2", "admin3", "location", "latitude", "longitude",
    "geo_precision", "source", "source_scale", "notes", "fatalities", "timestamp", "iso3",
)  # fmt: skip
GENERATOR_VERSION = 1
DEFAULT_ROWS = 1_000_000
QUICK_ROWS = 20_000
PROFILE_ROWS = 200_000
DEFAULT_SEED = 20_240_601
PG_SERVER = "postgresql://postgres@127.0.0.1:5432"
"""Each benchmark process (re)creates its own scratch database ``pochub_bench_<pid>`` here, unless
``--pg-url`` or env POCHUB_BENCH_PG_URL names one: concurrent runs must not empty each other's databases."""
PANDAS_CHUNKSIZE = 10_000
PANDAS_TABLE = "acled_pandas"

TARGET_ROWS_PER_S = 100_000
TARGET_SPEEDUP = 3.0
"""Issue 19: at least 3 times pandas read_csv + to_sql, measured in the same run."""
TARGET_RSS_MIB = 600
RSS_GROWTH_LIMIT = 0.20
"""'Not growing': peak RSS at the full size at most 20 % above the smallest size."""


def log(message: str) -> None:
    """Progress on stderr, with a timestamp."""
    print(f"[{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


# --- input file -----------------------------------------------------------------------------------


def generate(rows: int, seed: int = DEFAULT_SEED, out_dir: Path = DATA_DIR) -> Path:
    """An ACLED CSV of ``rows`` resampled real Mali rows with unique event ids; cached by size and seed."""
    target = out_dir / f"acled_mali_{rows}_s{seed}_v{GENERATOR_VERSION}.csv"
    if target.exists():
        return target
    import numpy as np
    import polars as pl

    source = shared_dir() / SOURCE_FILE
    if not source.exists():
        raise SystemExit(f"missing {source}: set POCHUB_SHARED to the shared data folder")
    real = pl.read_csv(source, infer_schema=False, encoding="utf8-lossy")
    real = real.filter(~pl.col("event_id_cnty").fill_null("").str.starts_with("#")).select(COLUMNS)  # HXL row
    picks = np.random.default_rng(seed).integers(0, real.height, size=rows)
    width = max(7, len(str(rows - 1)))
    index = pl.Series("n", np.arange(rows, dtype=np.int64))
    frame = real[picks].with_columns(
        data_id=(index + 1).cast(pl.String),
        event_id_cnty=pl.col("event_id_cnty") + "-" + index.cast(pl.String).str.zfill(width),
        year=pl.col("event_date").str.slice(0, 4),  # ISO dates: year stays consistent with event_date
    )
    assert frame["event_id_cnty"].n_unique() == rows
    out_dir.mkdir(parents=True, exist_ok=True)
    partial = target.with_suffix(f".{os.getpid()}.part")  # concurrent runs may generate the same file
    frame.write_csv(partial)
    partial.replace(target)
    log(f"generated {target} ({target.stat().st_size / MIB:,.0f} MiB)")
    return target


# --- stores ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Store:
    """A database we can empty before each run."""

    name: str
    url: str

    def reset(self) -> None:
        """Drop and recreate the database (SQLite: delete the file and its WAL)."""
        if self.url.startswith("sqlite:///"):
            path = Path(self.url.removeprefix("sqlite:///"))
            for suffix in ("", "-wal", "-shm", "-journal"):
                Path(f"{path}{suffix}").unlink(missing_ok=True)
            return
        import psycopg
        from psycopg import sql
        from sqlalchemy.engine import make_url

        url = make_url(self.url)
        admin = url.set(drivername="postgresql", database="postgres").render_as_string(hide_password=False)
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(
                sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(url.database))
            )
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(url.database)))

    def drop(self) -> None:
        """Remove the database after the benchmark."""
        if self.url.startswith("sqlite:///"):
            self.reset()
            return
        import psycopg
        from psycopg import sql
        from sqlalchemy.engine import make_url

        url = make_url(self.url)
        admin = url.set(drivername="postgresql", database="postgres").render_as_string(hide_password=False)
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(
                sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(url.database))
            )

    def sqlalchemy_url(self) -> str:
        """The URL with the psycopg 3 driver for PostgreSQL (what pandas/SQLAlchemy needs)."""
        if self.url.startswith("postgresql://"):
            return "postgresql+psycopg://" + self.url.removeprefix("postgresql://")
        return self.url


def postgres_version(url: str) -> str | None:
    """The server version, or None when PostgreSQL is unreachable."""
    try:
        import psycopg
        from sqlalchemy.engine import make_url

        admin = (
            make_url(url)
            .set(drivername="postgresql", database="postgres")
            .render_as_string(hide_password=False)
        )
        with psycopg.connect(admin, connect_timeout=5) as conn:
            row = conn.execute("SHOW server_version").fetchone()
            return str(row[0]) if row else "unknown"
    except Exception:
        return None


# --- runs -----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Run:
    """One measured child process."""

    tool: str
    """``pochub``, ``pochub re-import`` or ``pandas``."""
    store: str
    rows: int
    seconds: float
    inner_seconds: float
    """Time the tool reports itself (excludes interpreter start-up and imports)."""
    peak_rss: int
    maxrss: int
    polled_rss: int


def snapshot_dir() -> Path:
    """This process's copy of the pochub code (removed when the run ends)."""
    return DATA_DIR / f"snapshot-{os.getpid()}"


def snapshot_pochub() -> tuple[dict[str, str], str]:
    """Copy ``src/pochub`` to ``bench/.data/snapshot-<pid>/`` and return (child environment, description).

    Other engineers edit the tree while the benchmark runs (a new migration mid-run breaks the re-import), so
    every pochub child imports this frozen copy, first on ``PYTHONPATH``, ahead of the editable install.
    """
    import compileall
    import hashlib
    import importlib.util
    import subprocess

    spec = importlib.util.find_spec("pochub")
    if spec is None or not spec.submodule_search_locations:
        raise SystemExit("pochub is not installed in this interpreter")
    source = Path(next(iter(spec.submodule_search_locations)))
    root = snapshot_dir()
    shutil.rmtree(root, ignore_errors=True)
    shutil.copytree(source, root / "pochub", ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    compileall.compile_dir(root, quiet=1)  # the first measured run must not pay for byte-compiling
    digest = hashlib.sha256()
    for file in sorted((root / "pochub").rglob("*")):
        if file.is_file() and file.suffix != ".pyc":
            digest.update(str(file.relative_to(root)).encode() + b"\0" + file.read_bytes())
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(root), env.get("PYTHONPATH", "")) if p)
    probe = subprocess.run([sys.executable, "-c", "import pochub; print(pochub.__file__)"], env=env,
                           capture_output=True, text=True, check=True)  # fmt: skip
    if not Path(probe.stdout.strip()).is_relative_to(root):
        raise SystemExit(f"the pochub snapshot is not imported first: {probe.stdout.strip()}")
    note = (f"snapshot of `{source.relative_to(source.parents[1])}` taken {time.strftime('%Y-%m-%d %H:%M')}, "
            f"sha256 {digest.hexdigest()[:12]} (every pochub run imports this frozen copy)")  # fmt: skip
    log(f"pochub code: {note}")
    return env, note


def pochub_cmd(url: str, path: Path) -> list[str]:
    """The `pochub import acled` command line (the venv's console script)."""
    script = Path(sys.executable).with_name("pochub")
    base = (
        [str(script)]
        if script.exists()
        else [sys.executable, "-c", "from pochub.cli.main import main; main()"]
    )
    return [*base, "--database", url, "import", "acled", str(path), "--format", "json"]


def _check(result: Measurement, what: str) -> dict[str, float]:
    if result.returncode != 0:
        raise SystemExit(f"{what} failed (exit {result.returncode}):\n{result.stderr[-3000:]}")
    lines = [line for line in result.stdout.splitlines() if line.startswith("{")]
    if not lines:
        raise SystemExit(
            f"{what}: no JSON summary in output:\n{result.stdout[-2000:]}\n{result.stderr[-2000:]}"
        )
    return dict(json.loads(lines[-1]))


def run_pochub(store: Store, path: Path, rows: int, env: dict[str, str], reimport: bool = False) -> Run:
    """Import ``path`` with pochub (into a fresh database unless ``reimport``) and check the summary."""
    if not reimport:
        store.reset()
    tool = "pochub re-import" if reimport else "pochub"
    result = measure(pochub_cmd(store.url, path), env)
    summary = _check(result, f"{tool} into {store.name}")
    expected = {
        "rows_read": rows,
        "stored": 0 if reimport else rows,
        "updated": 0,
        "rejected": 0,
        "unchanged": rows if reimport else 0,
    }
    wrong = {k: (summary.get(k), v) for k, v in expected.items() if summary.get(k) != v}
    if wrong:
        raise SystemExit(f"{tool} into {store.name}: unexpected summary (got, expected) {wrong}")
    return Run(
        tool,
        store.name,
        rows,
        result.seconds,
        float(summary["seconds"]),
        result.peak_rss,
        result.maxrss,
        result.polled_rss,
    )


def pandas_cmd(url: str, path: Path, chunksize: int, method: str) -> list[str]:
    """This script in pandas-worker mode."""
    return [
        sys.executable,
        str(Path(__file__).resolve()),
        "--pandas-worker",
        str(path),
        url,
        "--pandas-chunksize",
        str(chunksize),
        "--pandas-method",
        method,
    ]


def pandas_worker(path: Path, url: str, chunksize: int, method: str) -> None:
    """The baseline: ``pandas.read_csv`` then ``DataFrame.to_sql`` via a SQLAlchemy engine; prints JSON."""
    import pandas as pd
    from sqlalchemy import create_engine

    started = time.perf_counter()
    engine = create_engine(url)
    frame = pd.read_csv(path)
    read = time.perf_counter() - started
    frame.to_sql(
        PANDAS_TABLE,
        engine,
        if_exists="replace",
        index=False,
        chunksize=chunksize,
        method=None if method == "default" else method,
    )
    engine.dispose()
    print(
        json.dumps(
            {
                "rows": len(frame),
                "read_seconds": round(read, 3),
                "seconds": round(time.perf_counter() - started, 3),
            }
        )
    )


def run_pandas(store: Store, path: Path, rows: int, chunksize: int, method: str) -> Run:
    """The pandas baseline on a fresh database."""
    store.reset()
    result = measure(pandas_cmd(store.sqlalchemy_url(), path, chunksize, method))
    summary = _check(result, f"pandas into {store.name}")
    if summary["rows"] != rows:
        raise SystemExit(f"pandas into {store.name}: read {summary['rows']} rows, expected {rows}")
    return Run(
        "pandas",
        store.name,
        rows,
        result.seconds,
        float(summary["seconds"]),
        result.peak_rss,
        result.maxrss,
        result.polled_rss,
    )


# --- report ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Figures:
    """Median/min/max of the runs of one (tool, store, rows)."""

    runs: int
    seconds: Stat
    rate: Stat
    inner_rate: Stat
    rss_mib: Stat
    maxrss_mib: Stat
    polled_mib: Stat

    @classmethod
    def of(cls, runs: Sequence[Run]) -> Figures:
        """Summarise repeated runs."""
        return cls(
            runs=len(runs),
            seconds=Stat.of([r.seconds for r in runs]),
            rate=Stat.of([r.rows / r.seconds for r in runs]),
            inner_rate=Stat.of([r.rows / r.inner_seconds if r.inner_seconds > 0 else 0.0 for r in runs]),
            rss_mib=Stat.of([r.peak_rss / MIB for r in runs]),
            maxrss_mib=Stat.of([r.maxrss / MIB for r in runs]),
            polled_mib=Stat.of([r.polled_rss / MIB for r in runs]),
        )


def _status(ok: bool) -> str:
    return "met" if ok else "**not met**"


def report(
    results: dict[tuple[str, str, int], list[Run]],
    *,
    rows: int,
    sizes: Sequence[int],
    repeat: int,
    stores: Sequence[Store],
    path: Path,
    seed: int,
    pandas_note: str,
    extra: dict[str, str],
    reproduce: str = "",
) -> tuple[str, str]:
    """(plain-text table, Markdown section) of the results."""
    fig = {key: Figures.of(runs) for key, runs in results.items()}
    main_header = ["store", "tool", "rows", "wall s", "rows/s (wall)", "rows/s (in-process)", "peak RSS MiB"]
    main_rows = []
    for store in stores:
        for tool in ("pochub", "pochub re-import", "pandas"):
            f = fig.get((tool, store.name, rows))
            if f is None:
                continue
            main_rows.append(
                [
                    store.name,
                    tool,
                    f"{rows:,}",
                    f.seconds.fmt(",.2f"),
                    f.rate.fmt(),
                    f.inner_rate.fmt(),
                    f.rss_mib.fmt(",.0f"),
                ]
            )
    ratio_header = [
        "store",
        "speed ours/pandas (wall)",
        "speed ours/pandas (in-process)",
        "peak RSS ours/pandas",
    ]
    ratio_rows = []
    for store in stores:
        ours, theirs = fig.get(("pochub", store.name, rows)), fig.get(("pandas", store.name, rows))
        if ours and theirs:
            ratio_rows.append(
                [
                    store.name,
                    f"{ours.rate.median / theirs.rate.median:.2f}×",
                    f"{ours.inner_rate.median / theirs.inner_rate.median:.2f}×",
                    f"{ours.rss_mib.median / theirs.rss_mib.median:.2f}×",
                ]
            )
    all_sizes = sorted({*sizes, rows})
    scale_header = [
        "rows",
        *[f"{s.name} peak RSS MiB" for s in stores],
        *[f"{s.name} rows/s" for s in stores],
    ]
    scale_rows = []
    for size in all_sizes:
        cells = [f"{size:,}"]
        cells += [
            fig[("pochub", s.name, size)].rss_mib.fmt(",.0f") if ("pochub", s.name, size) in fig else "–"
            for s in stores
        ]
        cells += [
            fig[("pochub", s.name, size)].rate.fmt() if ("pochub", s.name, size) in fig else "–"
            for s in stores
        ]
        scale_rows.append(cells)

    target_rows = []
    for store in stores:
        ours = fig.get(("pochub", store.name, rows))
        if ours is None:
            continue
        target_rows.append(
            [
                f"≥ {TARGET_ROWS_PER_S:,} rows/s into {store.name}",
                f"{ours.rate.median:,.0f} rows/s (in-process {ours.inner_rate.median:,.0f})",
                _status(ours.rate.median >= TARGET_ROWS_PER_S),
            ]
        )
        theirs = fig.get(("pandas", store.name, rows))
        if theirs is not None:
            speedup = ours.rate.median / theirs.rate.median
            target_rows.append(
                [
                    f"≥ {TARGET_SPEEDUP:g}× pandas ({store.name})",
                    f"{speedup:.2f}×",
                    _status(speedup >= TARGET_SPEEDUP),
                ]
            )
        target_rows.append(
            [
                f"peak RSS < {TARGET_RSS_MIB} MiB at {rows:,} rows ({store.name})",
                f"{ours.rss_mib.high:,.0f} MiB (worst of {ours.runs})",
                _status(ours.rss_mib.high < TARGET_RSS_MIB),
            ]
        )
        smallest = fig.get(("pochub", store.name, all_sizes[0]))
        if smallest is not None and all_sizes[0] != rows:
            growth = ours.rss_mib.median / smallest.rss_mib.median - 1
            target_rows.append(
                [
                    f"peak RSS not growing, {all_sizes[0]:,} → {rows:,} rows ({store.name})",
                    f"{smallest.rss_mib.median:,.0f} → {ours.rss_mib.median:,.0f} MiB ({growth:+.0%})",
                    _status(growth <= RSS_GROWTH_LIMIT),
                ]
            )

    size_mib = path.stat().st_size / MIB
    text = "\n\n".join(
        [
            f"ACLED import, {rows:,} rows, median of {repeat} (min–max)",
            text_table(main_header, main_rows),
            text_table(ratio_header, ratio_rows) if ratio_rows else "",
            "pochub peak RSS and speed by file size",
            text_table(scale_header, scale_rows),
            "targets",
            text_table(["target", "measured", "status"], target_rows),
            f"load: {extra.get('Load', '?')}",
            f"reproduce: {reproduce}",
        ]
    )
    md = "\n\n".join(
        [
            "## Ingest: `pochub import acled`",
            machine_markdown(extra),
            f"**Input**: `{path.name}`, {rows:,} rows ({size_mib:,.0f} MiB) resampled with replacement "
            f"(seed {seed}) from the {SOURCE_FILE.name} Mali ACLED file (3,990 real rows, current "
            "31-column schema, HXL row dropped); each row gets a unique `event_id_cnty` (`MLI4111-0000123`) "
            "and `data_id`; `year` is taken from `event_date`.",
            "**Method**: every run is a separate child process on a fresh, empty database (pochub creates "
            "its schema and indexes in the run). *Wall* time covers the whole process (interpreter start, "
            "imports, "
            "schema, commit); *in-process* is the time the tool reports itself (pochub's `seconds`; pandas "
            "`read_csv` + `to_sql`). Peak RSS is the child's own high-water mark (`os.wait4` `ru_maxrss`, "
            "taken by a ~10 MiB stdlib wrapper that spawns the child, so the benchmark process's own memory "
            "is not inherited into the figure; cross-checked by polling the process tree with psutil every "
            "20 ms; the larger is shown). It excludes the PostgreSQL server's memory. MiB = 2^20 bytes. "
            "Targets are judged on the wall-clock medians.",
            f"**Baseline**: {pandas_note}",
            f"### Results at {rows:,} rows (median of {repeat}; min–max)",
            md_table(main_header, main_rows, "llrrrrr"),
            "### pochub relative to pandas (medians)",
            md_table(ratio_header, ratio_rows) if ratio_rows else "_pandas baseline not run_",
            "### pochub peak RSS and speed by file size",
            md_table(scale_header, scale_rows),
            "### Targets",
            md_table(["target", "measured", "status"], target_rows, "lll"),
            "The re-import rows check idempotence: importing the same file again into the same database "
            f"stored 0 new rows and updated 0 (all {rows:,} unchanged). Reproduce with `{reproduce}`.",
        ]
    )
    return text, md + "\n"


# --- profile --------------------------------------------------------------------------------------

_PROFILE_SCRIPT = """
import cProfile, pstats, sys
sys.argv = ["pochub", "--database", sys.argv[1], "import", "acled", sys.argv[2], "--format", "json"]
from pochub.cli.main import main
profiler = cProfile.Profile()
profiler.enable()
try:
    main()
finally:
    profiler.disable()
    profiler.dump_stats(PROFILE_OUT)
"""


def profile(rows: int, store: Store, seed: int, env: dict[str, str], top: int = 15) -> str:
    """cProfile `pochub.cli.main:main` importing ``rows`` rows into a fresh ``store``; the top cumulative lines."""
    import io
    import pstats
    import subprocess

    path = generate(rows, seed)
    store.reset()
    out = DATA_DIR / f"profile-{store.name}-{rows}.prof"
    script = _PROFILE_SCRIPT.replace("PROFILE_OUT", repr(str(out)))
    started = time.perf_counter()
    subprocess.run([sys.executable, "-c", script, store.url, str(path)], check=True, env=env)
    log(f"profiled run took {time.perf_counter() - started:.1f} s (with profiler overhead)")
    buffer = io.StringIO()
    stats = pstats.Stats(str(out), stream=buffer)
    buffer.write(f"=== top {top} by cumulative time ===\n")
    stats.sort_stats("cumulative").print_stats(top)
    buffer.write(f"=== top {top} by cumulative time, pochub's own functions ===\n")
    stats.sort_stats("cumulative").print_stats(r"/pochub/", top)
    buffer.write(f"=== top {top} by internal time ===\n")
    stats.sort_stats("tottime").print_stats(top)
    text = buffer.getvalue()
    (DATA_DIR / f"profile-{store.name}-{rows}.txt").write_text(text, encoding="utf-8")
    return text


# --- entry points ---------------------------------------------------------------------------------


def parse_args(argv: Sequence[str]) -> argparse.Namespace:
    """Command-line options."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument(
        "--rows", type=int, default=None, help=f"rows in the full-size file (default {DEFAULT_ROWS:,})"
    )
    parser.add_argument(
        "--repeat", type=int, default=None, help="runs per measurement; the median is reported (3)"
    )
    parser.add_argument(
        "--sizes",
        default=None,
        help="comma-separated smaller sizes for the RSS scaling runs (default rows/4,rows/2)",
    )
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED, help="resampling seed")
    parser.add_argument("--quick", action="store_true", help=f"smoke mode: {QUICK_ROWS:,} rows, 1 repeat")
    parser.add_argument(
        "--pg-url",
        default=os.environ.get("POCHUB_BENCH_PG_URL"),
        help=f"PostgreSQL database to (re)create for the runs (default {PG_SERVER}/pochub_bench_<pid>)",
    )
    parser.add_argument("--no-postgres", action="store_true", help="SQLite only")
    parser.add_argument("--no-pandas", action="store_true", help="skip the pandas baseline")
    parser.add_argument("--pandas-chunksize", type=int, default=PANDAS_CHUNKSIZE)
    parser.add_argument(
        "--pandas-method",
        choices=("default", "multi"),
        default="default",
        help="to_sql method: executemany (default) or one multi-row INSERT per chunk",
    )
    parser.add_argument(
        "--results",
        type=Path,
        default=None,
        help="Markdown output (default bench/results/ingest.md; --quick: bench/.data/ingest-quick.md)",
    )
    parser.add_argument(
        "--profile", action="store_true", help="cProfile one pochub import instead of benchmarking"
    )
    parser.add_argument("--profile-store", choices=("sqlite", "postgresql"), default="sqlite")
    parser.add_argument("--pandas-worker", nargs=2, metavar=("FILE", "URL"), help=argparse.SUPPRESS)
    args = parser.parse_args(list(argv))
    if args.rows is None:
        args.rows = PROFILE_ROWS if args.profile else QUICK_ROWS if args.quick else DEFAULT_ROWS
    if args.repeat is None:
        args.repeat = 1 if args.quick else 3
    if args.rows < 1 or args.repeat < 1:
        parser.error("--rows and --repeat must be positive")
    return args


def run(argv: Sequence[str] = ()) -> str:
    """Run the benchmark with command-line ``argv``; print a table, write and return the Markdown section."""
    args = parse_args(argv)
    DATA_DIR.mkdir(parents=True, exist_ok=True)
    stores = [Store("sqlite", f"sqlite:///{DATA_DIR / f'bench-ingest-{os.getpid()}.db'}")]
    extra: dict[str, str] = {}
    if not args.no_postgres:
        pg_url = args.pg_url or f"{PG_SERVER}/pochub_bench_{os.getpid()}"
        version = postgres_version(pg_url)
        if version is None:
            log(f"PostgreSQL unreachable at {pg_url}: SQLite only")
        else:
            stores.append(Store("postgresql", pg_url))
            extra["PostgreSQL"] = f"{version} (127.0.0.1, default configuration)"
    try:
        env, extra["pochub code"] = snapshot_pochub()
        if args.profile:
            store = next((s for s in stores if s.name == args.profile_store), stores[0])
            text = profile(args.rows, store, args.seed, env)
            print(text)
            return text
        return _benchmark(args, stores, env, extra)
    finally:
        for store in stores:
            store.drop()
        shutil.rmtree(snapshot_dir(), ignore_errors=True)


def reproduce_command(args: argparse.Namespace, sizes: Sequence[int]) -> str:
    """The command line that repeats this benchmark (same sizes, repeats, stores and baseline)."""
    parts = [".venv/bin/python bench/ingest.py", f"--rows {args.rows}", f"--repeat {args.repeat}"]
    parts.append(f"--sizes {','.join(str(s) for s in sizes) or '0'}")  # 0: no smaller sizes
    parts += ["--no-postgres" if args.no_postgres else "", "--no-pandas" if args.no_pandas else ""]
    if args.seed != DEFAULT_SEED:
        parts.append(f"--seed {args.seed}")
    return " ".join(p for p in parts if p)


def _benchmark(
    args: argparse.Namespace, stores: list[Store], env: dict[str, str], extra: dict[str, str]
) -> str:
    """The measured runs, the printed table and the Markdown section (written and returned)."""
    rows, repeat = args.rows, args.repeat
    sizes = sorted({int(s) for s in args.sizes.split(",")} if args.sizes else {rows // 4, rows // 2})
    sizes = [s for s in sizes if 0 < s < rows]

    files = {size: generate(size, args.seed) for size in [*sizes, rows]}
    pandas_note = (
        f"`pandas.read_csv(file)` (default type inference) then `DataFrame.to_sql(..., "
        f"if_exists='replace', index=False, chunksize={args.pandas_chunksize:,}, "
        f"method={'None' if args.pandas_method == 'default' else repr(args.pandas_method)})` through a "
        "SQLAlchemy engine (`postgresql+psycopg` for PostgreSQL), in its own child process. "
        "It creates one plain table with no keys, indexes, validation or upsert, so it does less work "
        "than pochub."
    )
    results: dict[tuple[str, str, int], list[Run]] = defaultdict(list)
    started = time.perf_counter()
    loads = [os.getloadavg()[0]]
    for attempt in range(1, repeat + 1):

        def record(r: Run, attempt: int = attempt) -> None:
            results[(r.tool, r.store, r.rows)].append(r)
            loads.append(os.getloadavg()[0])
            log(
                f"repeat {attempt}/{repeat} {r.store:10} {r.tool:16} {r.rows:>9,} rows {r.seconds:7.2f} s "
                f"{r.rows / r.seconds:>9,.0f} rows/s  peak {r.peak_rss / MIB:6.0f} MiB "
                f"(maxrss {r.maxrss / MIB:.0f}, polled {r.polled_rss / MIB:.0f}) load {loads[-1]:.1f}"
            )

        for store in stores:
            record(run_pochub(store, files[rows], rows, env))
            record(run_pochub(store, files[rows], rows, env, reimport=True))
            if not args.no_pandas:
                record(run_pandas(store, files[rows], rows, args.pandas_chunksize, args.pandas_method))
            for size in sizes:
                record(run_pochub(store, files[size], size, env))
    elapsed = time.perf_counter() - started
    log(f"benchmark took {elapsed:.0f} s")
    extra["Load"] = (
        f"1-minute load average {min(loads):.1f}–{max(loads):.1f} (median {Stat.of(loads).median:.1f}) "
        f"on {os.cpu_count()} CPUs, sampled after each run; the benchmark took {elapsed / 60:.0f} min"
    )
    text, md = report(
        results,
        rows=rows,
        sizes=sizes,
        repeat=repeat,
        stores=stores,
        path=files[rows],
        seed=args.seed,
        pandas_note=pandas_note,
        extra=extra,
        reproduce=reproduce_command(args, sizes),
    )
    print(text)
    target = args.results or (DATA_DIR / "ingest-quick.md" if args.quick else RESULTS_DIR / "ingest.md")
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(md, encoding="utf-8")
    log(f"wrote {target}")
    return md


def main(argv: Sequence[str] | None = None) -> None:
    """Command-line entry point (also the pandas worker)."""
    argv = sys.argv[1:] if argv is None else argv
    args = parse_args(argv)
    if args.pandas_worker:
        pandas_worker(
            Path(args.pandas_worker[0]), args.pandas_worker[1], args.pandas_chunksize, args.pandas_method
        )
        return
    run(argv)


if __name__ == "__main__":
    main()

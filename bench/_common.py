"""Shared helpers of the benchmarks: paths, machine description, per-run wall time and peak RSS of a child."""

from __future__ import annotations

import contextlib
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path

import psutil

BENCH_DIR = Path(__file__).resolve().parent
REPO_ROOT = BENCH_DIR.parent
DATA_DIR = BENCH_DIR / ".data"
"""Generated files and scratch databases (git-ignored)."""
RESULTS_DIR = BENCH_DIR / "results"
MIB = 1 << 20


def shared_dir() -> Path:
    """The shared public datasets: env POCHUB_SHARED, else ``../shared`` beside the repository."""
    value = os.environ.get("POCHUB_SHARED")
    path = Path(value) if value else Path("../shared")
    if not path.is_absolute():
        path = REPO_ROOT / path
    return path.resolve()


def utc_now() -> str:
    """The current UTC time, to the minute."""
    return datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")


def _cpu_model() -> str:
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as handle:
            for line in handle:
                if line.lower().startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def _version(package: str) -> str:
    try:
        return metadata.version(package)
    except metadata.PackageNotFoundError:
        return "not installed"


def machine_info() -> dict[str, str]:
    """CPU, cores, RAM, OS, Python and library versions of this machine."""
    import sqlite3

    logical = os.cpu_count() or 0
    physical = psutil.cpu_count(logical=False) or logical
    usable = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else logical
    ram = psutil.virtual_memory().total / (1 << 30)
    versions = ", ".join(
        f"{p} {_version(p)}" for p in ("pochub", "polars", "pandas", "SQLAlchemy", "psycopg")
    )
    return {
        "CPU": _cpu_model(),
        "Cores": f"{logical} logical ({physical} physical, {usable} usable by this process)",
        "RAM": f"{ram:.1f} GiB",
        "OS": platform.platform(),
        "Python": f"{platform.python_implementation()} {platform.python_version()}",
        "Libraries": f"{versions}, SQLite {sqlite3.sqlite_version}",
        "Date": utc_now(),
    }


def machine_markdown(extra: Mapping[str, str] | None = None) -> str:
    """The machine description as a Markdown bullet list."""
    info = {**machine_info(), **(extra or {})}
    return "\n".join(f"- **{key}**: {value}" for key, value in info.items())


@dataclass(frozen=True)
class Measurement:
    """One child-process run: exit code, wall time, peak RSS and captured output."""

    returncode: int
    seconds: float
    peak_rss: int
    """Bytes: the larger of the kernel's high-water mark (wait4 ru_maxrss) and the polled process-tree RSS."""
    maxrss: int
    polled_rss: int
    stdout: str
    stderr: str


def _descendants_rss(proc: psutil.Process) -> int:
    total = 0
    try:
        procs = proc.children(recursive=True)
    except psutil.Error:
        return 0
    for p in procs:
        with contextlib.suppress(psutil.Error):
            total += p.memory_info().rss
    return total


_WRAPPER = """
import json, os, sys, time
out, argv = sys.argv[1], sys.argv[2:]
started = time.perf_counter()
pid = os.posix_spawnp(argv[0], argv, os.environ)
_, status, usage = os.wait4(pid, 0)
seconds = time.perf_counter() - started
with open(out, "w") as handle:
    json.dump({"seconds": seconds, "maxrss": usage.ru_maxrss, "code": os.waitstatus_to_exitcode(status)}, handle)
sys.exit(0)
"""
"""A minimal stdlib-only parent (``python -I -S``): Linux carries the RSS high-water mark of the process that
spawns a program into the program's ``ru_maxrss`` at exec, so spawning from a small wrapper (about 10 MiB)
instead of from the benchmark process (which may have grown while generating data) keeps the figure honest."""


def measure(
    cmd: Sequence[str], env: Mapping[str, str] | None = None, poll_seconds: float = 0.02
) -> Measurement:
    """Run ``cmd`` and measure its wall time and its own peak RSS (per run, never a maximum across runs).

    The command runs under a tiny wrapper that reports the kernel's ``ru_maxrss`` of that one child via
    ``os.wait4``; a thread also polls the RSS of the wrapper's descendants every ``poll_seconds`` as a check.
    """
    with (
        tempfile.TemporaryFile() as out,
        tempfile.TemporaryFile() as err,
        tempfile.TemporaryDirectory() as tmp,
    ):
        report = Path(tmp) / "rusage.json"
        wrapper = [sys.executable, "-I", "-S", "-c", _WRAPPER, str(report), *cmd]
        started = time.perf_counter()
        proc = subprocess.Popen(wrapper, stdout=out, stderr=err, env=dict(env) if env is not None else None)
        stop = threading.Event()
        polled = [0]

        def poll() -> None:
            try:
                ps = psutil.Process(proc.pid)
            except psutil.Error:
                return
            while not stop.is_set():
                polled[0] = max(polled[0], _descendants_rss(ps))
                stop.wait(poll_seconds)

        poller = threading.Thread(target=poll, daemon=True)
        poller.start()
        proc.wait()
        outer_seconds = time.perf_counter() - started
        stop.set()
        poller.join()
        out.seek(0)
        err.seek(0)
        stdout, stderr = out.read().decode(errors="replace"), err.read().decode(errors="replace")
        if proc.returncode != 0 or not report.exists():
            return Measurement(proc.returncode or 1, outer_seconds, polled[0], 0, polled[0], stdout, stderr)
        rusage = json.loads(report.read_text())
        maxrss = int(rusage["maxrss"]) * (1 if sys.platform == "darwin" else 1024)
        return Measurement(
            returncode=int(rusage["code"]), seconds=float(rusage["seconds"]), peak_rss=max(maxrss, polled[0]),
            maxrss=maxrss, polled_rss=polled[0], stdout=stdout, stderr=stderr,
        )  # fmt: skip


@dataclass(frozen=True)
class Stat:
    """Median, minimum and maximum of repeated measurements."""

    median: float
    low: float
    high: float

    @classmethod
    def of(cls, values: Sequence[float]) -> Stat:
        """Summarise ``values`` (at least one)."""
        return cls(statistics.median(values), min(values), max(values))

    def fmt(self, spec: str = ",.0f") -> str:
        """``median (min–max)``, or just the median when there was one value."""
        if self.low == self.high:
            return format(self.median, spec)
        return f"{self.median:{spec}} ({self.low:{spec}}–{self.high:{spec}})"


def text_table(header: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    """A plain aligned text table."""
    widths = [max(len(str(c)) for c in col) for col in zip(header, *rows, strict=False)]
    lines = ["  ".join(str(c).ljust(w) for c, w in zip(header, widths, strict=False))]
    lines.append("  ".join("-" * w for w in widths))
    lines += ["  ".join(str(c).ljust(w) for c, w in zip(row, widths, strict=False)) for row in rows]
    return "\n".join(lines)


def md_table(header: Sequence[str], rows: Sequence[Sequence[str]], align: str = "") -> str:
    """A Markdown table; ``align`` gives one of l/r per column (default: first left, the rest right)."""
    align = align or "l" + "r" * (len(header) - 1)
    rule = ["---:" if a == "r" else "---" for a in align]
    lines = ["| " + " | ".join(header) + " |", "| " + " | ".join(rule) + " |"]
    lines += ["| " + " | ".join(str(c) for c in row) + " |" for row in rows]
    return "\n".join(lines)

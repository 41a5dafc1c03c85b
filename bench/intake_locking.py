"""Intake beside the outbox worker: 2,000 SMS posts, errors counted, on SQLite and PostgreSQL.

The security review saw about 1 % of intake posts on SQLite fail with 500 "database is locked" at 33 posts/s:
a deferred transaction that read first could not upgrade to a write after the outbox worker had committed.
PoC Hub now starts SQLite write transactions with BEGIN IMMEDIATE (pochub.store.database). This runs the same
load against `pochub serve` (one process, the escalation and notification workers on and polling every 50 ms)
on each backend, and on SQLite also with the former deferred BEGIN (the anchor, patched into the server
process at start), side by side in one run.

Each run: a fresh database with the demo mission (100 communities, 300 events, its structure), a CLA account's
token in the Authorization header, then ``--posts`` form-encoded SMS (Twilio's fields, unique MessageSid, random
words, a jittered community location) offered open-loop at ``--rate`` posts/s (bench/alerts_load.py's
generator). Errors are every answer that is not 2xx (and every request without an answer); stored is the number
of those MessageSids found in alert_reports afterwards.

    .venv/bin/python bench/intake_locking.py                 # 2,000 posts at 33/s, three runs
    .venv/bin/python bench/intake_locking.py --posts 300     # quicker
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import signal
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

import httpx2
from sqlalchemy import create_engine, func, select, text

from _common import DATA_DIR, REPO_ROOT, RESULTS_DIR, machine_markdown, md_table, text_table
from alerts_load import PG_SERVER, Messages, figures, free_port, log, mission_in, offer_load
from pochub.store import tables
from pochub.store.database import connect

SECRET = "bench secret key, not for production use, 32+ chars"
SERVE = """
import os, sys
if os.environ.get("BENCH_SQLITE_BEGIN") == "deferred":  # the anchor: the transaction start before the fix
    import pochub.store.database as database
    database._sqlite_begin = lambda conn: conn.exec_driver_sql("BEGIN")
from pochub.cli.main import main
sys.argv = ["pochub", "serve"]
main()
"""


def serve(url: str, begin: str, log_path: Path) -> tuple[subprocess.Popen[bytes], str]:
    """`pochub serve` on ``url`` (one process, workers on) with the given SQLite BEGIN; its base URL."""
    port = free_port()
    env = {
        **os.environ,
        "POCHUB_DATABASE_URL": url,
        "POCHUB_PORT": str(port),
        "POCHUB_WORKERS": "true",
        "POCHUB_SECRET_KEY": SECRET,
        "POCHUB_OUTBOX_INTERVAL_SECONDS": "0.05",
        "POCHUB_ESCALATION_INTERVAL_SECONDS": "0.05",
        "BENCH_SQLITE_BEGIN": begin,
    }
    with log_path.open("ab") as handle:
        proc = subprocess.Popen(
            [sys.executable, "-c", SERVE], env=env, stdout=handle, stderr=subprocess.STDOUT,
            start_new_session=True, cwd=REPO_ROOT,
        )  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SystemExit(f"the server exited with {proc.returncode}; see {log_path}")
        with contextlib.suppress(httpx2.HTTPError):
            if httpx2.get(f"{base}/health", timeout=2).status_code == 200:
                return proc, base
        time.sleep(0.2)
    raise SystemExit(f"the server did not answer; see {log_path}")


def stop(proc: subprocess.Popen[bytes]) -> None:
    """SIGTERM the server's process group, SIGKILL if it lingers."""
    with contextlib.suppress(ProcessLookupError):
        os.killpg(proc.pid, signal.SIGTERM)
    try:
        proc.wait(15)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()


def one_run(backend: str, begin: str, args: argparse.Namespace, scratch: Path) -> list[str]:
    """A fresh mission on ``backend``, the load, and the figures as a table row."""
    schema = None
    if backend == "sqlite":
        url = f"sqlite:///{scratch / f'intake-{begin}-{uuid.uuid4().hex[:6]}.db'}"
    else:
        schema = f"bench_locking_{uuid.uuid4().hex[:10]}"
        admin = create_engine(PG_SERVER)
        with admin.begin() as conn:
            conn.execute(text(f"CREATE SCHEMA {schema}"))
        admin.dispose()
        url = f"{PG_SERVER}?options=-csearch_path%3D{schema}"
    try:
        mission = mission_in(url, schema or "sqlite", communities=100, events=300)
        log(f"{backend} ({begin}): demo mission loaded; serving")
        DATA_DIR.mkdir(exist_ok=True)
        proc, base = serve(url, begin, DATA_DIR / f"intake_locking_{backend}_{begin}.log")
        try:
            run = uuid.uuid4().hex[:6]
            messages = Messages(mission.points, args.seed, run)
            load = offer_load(
                base, mission.token, messages, rate=args.rate, seconds=args.posts / args.rate,
                connections=args.connections,
            )  # fmt: skip
            outcomes, seconds = asyncio.run(load)
        finally:
            stop(proc)
        result = figures(outcomes, seconds, 0.0)
        engine = connect(url)
        with engine.connect() as conn:
            stored = conn.execute(
                select(func.count())
                .select_from(tables.alert_reports)
                .where(tables.alert_reports.c.external_id.like(f"SM{run}%"))
            ).scalar_one()
        engine.dispose()
        errors = sum(result.errors.values())
        kinds = ", ".join(f"{k}: {v}" for k, v in sorted(result.errors.items())) or "none"
        log(
            f"{backend} ({begin}): {result.accepted}/{result.offered} accepted, errors {kinds}, stored {stored}"
        )
        return [
            backend, begin, f"{result.offered:,}", f"{errors:,}", kinds, f"{stored:,}",
            f"{result.p50_ms:,.0f}", f"{result.p99_ms:,.0f}",
        ]  # fmt: skip
    finally:
        if schema is not None:
            admin = create_engine(PG_SERVER)
            with admin.begin() as conn:
                conn.execute(text(f"DROP SCHEMA {schema} CASCADE"))
            admin.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--posts", type=int, default=2000, help="posts per run (default 2,000)")
    parser.add_argument("--rate", type=float, default=33.0, help="offered posts per second (default 33)")
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--seed", type=int, default=11)
    parser.add_argument(
        "--only", choices=("sqlite", "postgresql"), default=None, help="one backend, no anchor"
    )
    args = parser.parse_args()
    header = ["backend", "transaction start", "posts", "errors", "error kinds", "stored", "p50 ms", "p99 ms"]
    rows = []
    with tempfile.TemporaryDirectory() as scratch:
        runs = (("sqlite", "deferred"), ("sqlite", "immediate"), ("postgresql", "immediate"))
        for backend, begin in runs if args.only is None else ((args.only, "immediate"),):
            rows.append(one_run(backend, begin, args, Path(scratch)))
    print(text_table(header, rows))
    RESULTS_DIR.mkdir(exist_ok=True)
    report = RESULTS_DIR / "intake_locking.md"
    report.write_text(
        f"{md_table(header, rows, 'llrrlrrr')}\n\n{args.posts:,} posts at {args.rate:g}/s per run.\n\n"
        f"{machine_markdown()}\n",
        encoding="utf-8",
    )
    log(f"written {report}")


if __name__ == "__main__":
    main()

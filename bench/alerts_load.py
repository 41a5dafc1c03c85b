"""Alert intake under load: `pochub serve` on PostgreSQL taking SMS gateway posts, then killed mid-load.

Setup: a fresh PostgreSQL schema with the demo mission (300 communities, 1,000 events, its structure), a
gateway service account and its API token, then `pochub serve` as a child process (settings from POCHUB_*
environment variables, the escalation and notification workers on).

Load: an open-loop generator (asyncio + httpx2, a bounded pool of keep-alive connections) posts form-encoded
SMS (Twilio's field names) to ``/api/v1/intake/sms`` (the token in the Authorization header) at a fixed
offered rate. Every message has a
unique id (MessageSid) and its own random words, from the coordinates of a random demo community (jittered),
so reports spread over the mission's areas and do not merge. Latency is measured from the moment a request was
due to be sent (so a stalled server is not hidden by the generator waiting for it: no coordinated omission),
and every request's status and message id are kept. Between runs the alert tables are emptied, so each run
starts from the same store.

Kill phase: the same load, the server (its whole process group) is sent SIGKILL half-way, the generator keeps
offering load (those requests fail to connect), the server is started again, and every message id that was
answered with a 2xx is looked up in the store (``alert_reports.external_id`` on channel ``sms``): acknowledged
and found must be equal.

    .venv/bin/python bench/alerts_load.py            # 3 x 60 s at 550/s, kill phase of 30 s
    .venv/bin/python bench/alerts_load.py --quick    # 1 x 10 s at 200/s, kill phase of 8 s
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import random
import shlex
import signal
import socket
import string
import subprocess
import sys
import time
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlencode

import httpx2
import numpy as np
from sqlalchemy import Engine, create_engine, select, text

from _common import DATA_DIR, REPO_ROOT, RESULTS_DIR, Stat, machine_markdown, md_table, text_table
from pochub.config import Settings
from pochub.services.demo_mission import load_demo
from pochub.services.gateways import create_gateway
from pochub.store import tables
from pochub.store.database import connect, upgrade

BENCH_SECRET_KEY = uuid.uuid4().hex + uuid.uuid4().hex
"""The scratch mission's secret key when the environment gives none (the server refuses to start without one)."""
PG_SERVER = os.environ.get("POCHUB_BENCH_POSTGRES", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
TARGET_RATE = 500.0
TARGET_P99_MS = 100.0
BACKLOG_GRACE_SECONDS = 10.0
"""Requests still waiting for a connection this long after the run's end are not sent (counted as errors)."""
ALERT_TABLES = ("deliveries", "outbox", "alert_transitions", "alert_reports", "alerts")
"""Emptied between runs, children first (the audit log is append-only and keeps growing)."""


def log(message: str) -> None:
    """Progress on stderr, with a timestamp."""
    print(f"[{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


@dataclass(frozen=True)
class Mission:
    """The scratch database: its URL, the gateway's token and points to report from."""

    url: str
    schema: str
    token: str
    points: np.ndarray
    communities: int


def create_mission(args: argparse.Namespace) -> Mission:
    """A fresh schema with the demo mission and a gateway with its credential (``--schema``: reuse
    a schema kept by an earlier ``--keep`` run, with a new gateway account)."""
    schema = args.schema or f"bench_alerts_{uuid.uuid4().hex[:10]}"
    url = f"{PG_SERVER}?options=-csearch_path%3D{schema}"
    if not args.schema:
        admin = create_engine(PG_SERVER)
        with admin.begin() as conn:
            conn.execute(text(f"CREATE SCHEMA {schema}"))
        admin.dispose()
    mission = mission_in(url, schema, communities=args.communities, events=args.events, load=not args.schema)
    if not args.schema:
        log(f"demo mission in schema {schema} loaded")
    return mission


def mission_in(url: str, schema: str, *, communities: int, events: int, load: bool = True) -> Mission:
    """The demo mission (when ``load``) in the empty database at ``url``, and a gateway with its credential (tests/security/test_durability.py uses it on both backends)."""
    engine = connect(url)
    if load:
        upgrade(engine)
        load_demo(engine, Settings(database_url=url), seed=1, n_communities=communities, n_events=events)
    with engine.connect() as conn:
        points = np.array(
            conn.execute(select(tables.communities.c.latitude, tables.communities.c.longitude)).all(),
            dtype=float,
        )
    _, token = create_gateway(
        engine, f"sms-gateway-{uuid.uuid4().hex[:6]}", "generic", timedelta(days=1), secret_key=None
    )
    engine.dispose()
    return Mission(url, schema, token, points, len(points))


def drop_mission(mission: Mission) -> None:
    """Drop the scratch schema."""
    admin = create_engine(PG_SERVER)
    with admin.begin() as conn:
        conn.execute(text(f"DROP SCHEMA {mission.schema} CASCADE"))
    admin.dispose()


def empty_alerts(engine: Engine) -> None:
    """Remove every alert, report, transition, outbox row and delivery (the next run starts afresh)."""
    with engine.begin() as conn:  # DELETE, not TRUNCATE: the running server's workers read these tables
        for table in ALERT_TABLES:
            conn.execute(text(f"DELETE FROM {table}"))


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class Server:
    """`pochub serve` as a child process in its own process group (so SIGKILL reaches every worker)."""

    def __init__(self, mission: Mission, port: int, workers: int, log_path: Path) -> None:
        self.mission, self.port, self.workers, self.log_path = mission, port, workers, log_path
        self.proc: subprocess.Popen[bytes] | None = None

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self, timeout: float = 90.0) -> float:
        """Start and wait until /health answers; returns the seconds it took."""
        env = {
            **os.environ,
            "POCHUB_DATABASE_URL": self.mission.url,
            "POCHUB_PORT": str(self.port),
            "POCHUB_WORKERS": "true",
        }
        if "POCHUB_SECRET_KEY" not in env and "POCHUB_SECRET_KEY_FILE" not in env:
            env["POCHUB_SECRET_KEY"] = BENCH_SECRET_KEY  # a scratch mission: a key made for this run
        command = [str(REPO_ROOT / ".venv" / "bin" / "pochub"), "serve"]
        if self.workers > 1:
            command += ["--workers", str(self.workers)]
        handle = self.log_path.open("ab")
        started = time.perf_counter()
        self.proc = subprocess.Popen(
            command, env=env, stdout=handle, stderr=subprocess.STDOUT, start_new_session=True, cwd=REPO_ROOT
        )
        handle.close()
        deadline = started + timeout
        while time.perf_counter() < deadline:
            if self.proc.poll() is not None:
                raise SystemExit(f"pochub serve exited with {self.proc.returncode}; see {self.log_path}")
            with contextlib.suppress(httpx2.HTTPError):
                if httpx2.get(f"{self.base}/health", timeout=2).status_code == 200:
                    return time.perf_counter() - started
            time.sleep(0.2)
        raise SystemExit(f"pochub serve did not answer within {timeout:.0f} s; see {self.log_path}")

    def kill(self) -> None:
        """SIGKILL the whole process group (the server and any worker processes), as a power cut would."""
        assert self.proc is not None
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.proc.pid, signal.SIGKILL)
        self.proc.wait()

    def stop(self) -> None:
        """SIGTERM (graceful), then SIGKILL if it lingers."""
        if self.proc is None or self.proc.poll() is not None:
            return
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.proc.pid, signal.SIGTERM)
        try:
            self.proc.wait(15)
        except subprocess.TimeoutExpired:
            self.kill()


@dataclass(frozen=True)
class Outcome:
    """One request: when it was due and answered (seconds from the run's start), status (0 = no answer)."""

    due: float
    latency: float
    status: int
    sid: str
    error: str


class Messages:
    """Unique SMS bodies: random words, a community's jittered coordinates, a unique MessageSid."""

    def __init__(self, points: np.ndarray, seed: int, run: str) -> None:
        self.rng = random.Random(seed)
        self.points = points
        self.run = run
        self.count = 0
        letters = string.ascii_lowercase
        self.words = ["".join(self.rng.choices(letters, k=self.rng.randint(4, 9))) for _ in range(5000)]

    def next(self) -> tuple[str, bytes]:
        self.count += 1
        sid = f"SM{self.run}{self.count:08d}"
        lat, lon = self.points[self.rng.randrange(len(self.points))]
        body = " ".join(self.rng.choices(self.words, k=12))
        form = {
            "From": f"+2438{self.rng.randrange(10**8):08d}",
            "Body": body,
            "MessageSid": sid,
            "Latitude": f"{lat + self.rng.uniform(-0.01, 0.01):.5f}",
            "Longitude": f"{lon + self.rng.uniform(-0.01, 0.01):.5f}",
        }
        return sid, urlencode(form).encode()


async def offer_load(
    base: str,
    token: str,
    messages: Messages,
    *,
    rate: float,
    seconds: float,
    connections: int,
    on_time: dict[float, asyncio.Event] | None = None,
) -> tuple[list[Outcome], float]:
    """Send ``rate`` posts a second for ``seconds`` over at most ``connections`` connections.

    Requests are due at fixed intervals; one that cannot start because every connection is busy waits, and that
    wait counts in its latency. Returns every request's outcome and the seconds until the last one ended.
    ``on_time`` maps run times to events set when reached (the kill phase uses one).
    """
    limits = httpx2.Limits(max_connections=connections, max_keepalive_connections=connections)
    timeout = httpx2.Timeout(30.0, connect=5.0)
    url = f"{base}/api/v1/intake/sms"
    headers = {"content-type": "application/x-www-form-urlencoded", "authorization": f"Bearer {token}"}
    outcomes: list[Outcome] = []
    slots = asyncio.Semaphore(connections)
    async with httpx2.AsyncClient(limits=limits, timeout=timeout) as client:
        loop = asyncio.get_running_loop()
        start = loop.time()

        async def one(due: float, sid: str, body: bytes) -> None:
            async with slots:
                status, error = 0, ""
                if loop.time() - start > seconds + BACKLOG_GRACE_SECONDS:
                    # the server fell so far behind that this request never got a connection: not sent
                    outcomes.append(Outcome(due, loop.time() - start - due, 0, sid, "not sent (backlog)"))
                    return
                try:
                    response = await client.post(url, content=body, headers=headers)
                    status = response.status_code
                    if status >= 300:
                        error = f"HTTP {status}"
                except httpx2.HTTPError as exc:
                    error = type(exc).__name__
                ended = loop.time() - start
                outcomes.append(Outcome(due, ended - due, status, sid, error))

        tasks: set[asyncio.Task[None]] = set()
        pending_marks = sorted((on_time or {}).items())
        total = int(rate * seconds)
        for k in range(total):
            due = k / rate
            while pending_marks and pending_marks[0][0] <= due:
                pending_marks.pop(0)[1].set()
            delay = due - (loop.time() - start)
            if delay > 0:
                await asyncio.sleep(delay)
            sid, body = messages.next()
            task = asyncio.create_task(one(due, sid, body))
            tasks.add(task)
            task.add_done_callback(tasks.discard)
        for _, event in pending_marks:
            event.set()
        if tasks:
            await asyncio.gather(*tasks)
        return outcomes, loop.time() - start


@dataclass(frozen=True)
class RunFigures:
    """One load run's figures."""

    offered: int
    accepted: int
    errors: dict[str, int]
    seconds: float
    accepted_per_second: float
    p50_ms: float
    p95_ms: float
    p99_ms: float
    max_ms: float
    server_cpu: str
    cpu_ms_per_alert: float
    """Server CPU (every process) per accepted alert: what the machine's load does not change much."""
    generator_ms_per_request: float = 0.0
    """The load generator's own CPU per request sent (it shares the cores: part of the machine's budget)."""


def figures(outcomes: list[Outcome], seconds: float, cpu_seconds: float) -> RunFigures:
    """Throughput, latency percentiles (of every request, answered or not) and errors by kind."""
    latencies = np.array([o.latency for o in outcomes]) * 1000
    accepted = sum(1 for o in outcomes if 200 <= o.status < 300)
    errors: dict[str, int] = {}
    for o in outcomes:
        if o.error:
            errors[o.error] = errors.get(o.error, 0) + 1
    p50, p95, p99 = (float(np.percentile(latencies, q)) for q in (50, 95, 99))
    return RunFigures(
        len(outcomes), accepted, errors, seconds, accepted / seconds, p50, p95, p99, float(latencies.max()),
        f"{cpu_seconds / seconds:.2f}", 1000 * cpu_seconds / max(accepted, 1),
    )  # fmt: skip


def process_tree_cpu(pid: int) -> float:
    """CPU seconds used so far by a process and its children (from psutil)."""
    import psutil

    total = 0.0
    with contextlib.suppress(psutil.Error):
        root = psutil.Process(pid)
        for proc in [root, *root.children(recursive=True)]:
            with contextlib.suppress(psutil.Error):
                times = proc.cpu_times()
                total += times.user + times.system
    return total


def load_run(
    server: Server, mission: Mission, args: argparse.Namespace, index: int, rate: float | None = None
) -> RunFigures:
    """One steady run against a running server (at ``rate``, default ``args.rate``)."""
    assert server.proc is not None
    messages = Messages(mission.points, args.seed + index, f"R{index}")
    cpu_before = process_tree_cpu(server.proc.pid)
    generator_before = time.process_time()
    outcomes, seconds = asyncio.run(
        offer_load(
            server.base,
            mission.token,
            messages,
            rate=rate or args.rate,
            seconds=args.duration,
            connections=args.connections,
        )
    )
    cpu = process_tree_cpu(server.proc.pid) - cpu_before
    generator = time.process_time() - generator_before
    sent = sum(1 for o in outcomes if o.error != "not sent (backlog)")
    result = replace(
        figures(outcomes, seconds, cpu), generator_ms_per_request=1000 * generator / max(sent, 1)
    )
    log(
        f"run {index}: {result.accepted:,}/{result.offered:,} accepted in {seconds:.1f} s = "
        f"{result.accepted_per_second:,.0f}/s; p50 {result.p50_ms:.1f} ms, p95 {result.p95_ms:.1f} ms, "
        f"p99 {result.p99_ms:.1f} ms, max {result.max_ms:.0f} ms; errors {result.errors or 'none'}; "
        f"server CPU {result.server_cpu} cores, {result.cpu_ms_per_alert:.1f} ms per accepted alert; "
        f"generator {result.generator_ms_per_request:.2f} ms CPU per request; load {os.getloadavg()[0]:.1f}"
    )
    return result


@dataclass(frozen=True)
class KillFigures:
    """The kill phase: what was acknowledged before the kill, what the store holds after the restart."""

    offered: int
    acknowledged: int
    found: int
    failed: int
    failed_kinds: dict[str, int]
    stored_unacknowledged: int
    killed_at: float
    restart_seconds: float
    after_restart_accepted: int


def kill_phase(server: Server, mission: Mission, engine: Engine, args: argparse.Namespace) -> KillFigures:
    """Load, SIGKILL half-way, keep offering for the rest of the run, restart, count acknowledged ids found."""
    empty_alerts(engine)
    messages = Messages(mission.points, args.seed + 99, "K")
    kill_at = args.kill_seconds / 2

    async def scenario() -> list[Outcome]:
        mark = asyncio.Event()
        load = asyncio.create_task(
            offer_load(
                server.base, mission.token, messages, rate=args.rate, seconds=args.kill_seconds,
                connections=args.connections, on_time={kill_at: mark},
            )
        )  # fmt: skip
        await mark.wait()
        await asyncio.to_thread(server.kill)
        log(f"kill phase: SIGKILL sent at {kill_at:.1f} s")
        outcomes, _ = await load
        return outcomes

    outcomes = asyncio.run(scenario())
    restart = server.start()
    log(f"kill phase: server restarted in {restart:.1f} s")
    acknowledged = {o.sid for o in outcomes if 200 <= o.status < 300}
    others = {o.sid for o in outcomes} - acknowledged
    with engine.connect() as conn:
        stored = set(
            conn.execute(
                select(tables.alert_reports.c.external_id).where(tables.alert_reports.c.channel == "sms")
            ).scalars()
        )
    failed_kinds: dict[str, int] = {}
    for o in outcomes:
        if not 200 <= o.status < 300:
            failed_kinds[o.error or f"HTTP {o.status}"] = (
                failed_kinds.get(o.error or f"HTTP {o.status}", 0) + 1
            )
    # after the restart the gateway's next messages go through again
    after, _ = asyncio.run(
        offer_load(
            server.base, mission.token, Messages(mission.points, args.seed + 100, "A"), rate=args.rate / 5,
            seconds=2.0, connections=args.connections,
        )
    )  # fmt: skip
    result = KillFigures(
        offered=len(outcomes),
        acknowledged=len(acknowledged),
        found=len(acknowledged & stored),
        failed=len(outcomes) - len(acknowledged),
        failed_kinds=failed_kinds,
        stored_unacknowledged=len(others & stored),
        killed_at=kill_at,
        restart_seconds=restart,
        after_restart_accepted=sum(1 for o in after if 200 <= o.status < 300),
    )
    log(f"kill phase: {result}")
    return result


def parse_args(argv: Sequence[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--quick", action="store_true", help="smoke mode: 1 x 10 s at 200/s")
    parser.add_argument("--rate", type=float, default=None, help="offered posts per second (default 550)")
    parser.add_argument("--duration", type=float, default=None, help="seconds per run (default 60)")
    parser.add_argument("--runs", type=int, default=None, help="steady runs (default 3)")
    parser.add_argument("--connections", type=int, default=64, help="most connections open at once")
    parser.add_argument("--workers", type=int, default=2, help="server processes (`pochub serve --workers`)")
    parser.add_argument(
        "--kill-seconds", type=float, default=None, help="length of the kill run (default 30)"
    )
    parser.add_argument("--communities", type=int, default=300)
    parser.add_argument("--events", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=5)
    parser.add_argument("--keep", action="store_true", help="keep the scratch schema")
    parser.add_argument(
        "--below-rate", type=float, default=None,
        help="also one run at this lower offered rate, to show latency below saturation (default 40; quick 0)",
    )  # fmt: skip
    parser.add_argument("--schema", default=None, help="reuse this kept schema (no demo load; not dropped)")
    parser.add_argument(
        "--no-results",
        action="store_true",
        help="do not write bench/results/alerts_load.md (exploratory runs)",
    )
    args = parser.parse_args(list(argv))
    args.rate = args.rate or (200.0 if args.quick else 550.0)
    args.duration = args.duration or (10.0 if args.quick else 60.0)
    args.runs = args.runs or (1 if args.quick else 3)
    args.below_rate = args.below_rate if args.below_rate is not None else (0.0 if args.quick else 40.0)
    args.kill_seconds = args.kill_seconds or (8.0 if args.quick else 30.0)
    return args


def run(argv: Sequence[str] | None = None) -> str:
    """Run the benchmark with command-line ``argv``; print a table, write and return the Markdown section."""
    argv = sys.argv[1:] if argv is None else list(argv)
    args = parse_args(argv)
    args.command = " ".join([".venv/bin/python bench/alerts_load.py", *map(shlex.quote, argv)])
    load_before = os.getloadavg()[0]
    DATA_DIR.mkdir(parents=True, exist_ok=True)
    server_log = DATA_DIR / "alerts_load-server.log"
    server_log.write_bytes(b"")
    mission = create_mission(args)
    engine = connect(mission.url)
    server = Server(mission, free_port(), args.workers, server_log)
    try:
        started = server.start()
        log(f"pochub serve (workers {args.workers}) up in {started:.1f} s at {server.base}")
        runs = []
        for index in range(1, args.runs + 1):
            empty_alerts(engine)
            runs.append(load_run(server, mission, args, index))
        below = None
        if args.below_rate:
            empty_alerts(engine)
            below = load_run(server, mission, args, 0, rate=args.below_rate)
        killed = kill_phase(server, mission, engine, args)
    finally:
        server.stop()
        engine.dispose()
        if not args.keep and not args.schema:
            drop_mission(mission)
    return report(args, mission, runs, killed, load_before, below)


def report(
    args: argparse.Namespace,
    mission: Mission,
    runs: list[RunFigures],
    killed: KillFigures,
    load_before: float,
    below: RunFigures | None = None,
) -> str:
    """Print the tables; write and return the Markdown section."""
    header = ["run", "offered", "accepted (2xx)", "accepted/s", "p50 ms", "p95 ms", "p99 ms", "max ms",
              "errors", "server CPU (cores)", "server CPU ms / alert", "generator CPU ms / request"]  # fmt: skip

    def row(name: str, r: RunFigures) -> list[str]:
        errors = ", ".join(f"{k} {v:,}" for k, v in sorted(r.errors.items())) or "0"
        return [name, f"{r.offered:,}", f"{r.accepted:,}", f"{r.accepted_per_second:,.0f}", f"{r.p50_ms:,.1f}",
                f"{r.p95_ms:,.1f}", f"{r.p99_ms:,.1f}", f"{r.max_ms:,.0f}", errors, r.server_cpu,
                f"{r.cpu_ms_per_alert:,.1f}", f"{r.generator_ms_per_request:,.2f}"]  # fmt: skip

    table = [row(str(i), r) for i, r in enumerate(runs, 1)]
    throughput = Stat.of([r.accepted_per_second for r in runs])
    p50, p95, p99 = (Stat.of([getattr(r, f"p{q}_ms") for r in runs]) for q in (50, 95, 99))
    cpu_ms = Stat.of([r.cpu_ms_per_alert for r in runs])
    table.append([
        f"median (min–max) of {len(runs)}", "", "", throughput.fmt(",.0f"), p50.fmt(",.1f"), p95.fmt(",.1f"),
        p99.fmt(",.1f"), "", "", "", cpu_ms.fmt(",.1f"), "",
    ])  # fmt: skip
    if below is not None:
        table.append(row(f"at {args.below_rate:,.0f}/s offered", below))
    print(text_table(header, table))
    met = throughput.median >= TARGET_RATE and p99.median < TARGET_P99_MS
    verdict = "met" if met else "**not met**"
    kill_header = ["offered", "acknowledged (2xx)", "found after restart", "lost", "failed (no 2xx)",
                   "stored but not acknowledged", "restart s", "accepted after restart"]  # fmt: skip
    failed = ", ".join(f"{k} {v:,}" for k, v in sorted(killed.failed_kinds.items())) or "none"
    kill_row = [f"{killed.offered:,}", f"{killed.acknowledged:,}", f"{killed.found:,}",
                f"{killed.acknowledged - killed.found:,}", f"{killed.failed:,}", f"{killed.stored_unacknowledged:,}",
                f"{killed.restart_seconds:.1f}", f"{killed.after_restart_accepted:,}"]  # fmt: skip
    print(text_table(kill_header, [kill_row]))
    print(f"Reproduce: {args.command}")
    durable = (
        "every acknowledged alert was in the store"
        if killed.found == killed.acknowledged
        else (f"**{killed.acknowledged - killed.found:,} acknowledged alerts were missing**")
    )
    text = "\n\n".join([
        "## Alert intake under load (PostgreSQL)",
        machine_markdown({"Load": f"1-minute load average {load_before:.1f} on {os.cpu_count()} CPUs at the start "
                          "(other processes share the cores)"}),
        f"`pochub serve --workers {args.workers}` on PostgreSQL (a fresh schema: demo mission of "
        f"{mission.communities} communities and {args.events:,} events, a gateway account and its credential; "
        "escalation and notification workers on) and the load generator in this process (asyncio + httpx2, "
        f"at most {args.connections} connections) share the machine's cores with PostgreSQL. Open loop: "
        f"{args.rate:,.0f} form-encoded SMS posts a second offered for {args.duration:.0f} s to "
        "`POST /api/v1/intake/sms` (the credential in the `Authorization` header), each with a unique MessageSid, its own random words and a random "
        "community's jittered coordinates (located to its area by point-in-polygon), so nearly none merge. "
        "Latency runs from when a request was due to be sent to its answer (a stalled server cannot hide "
        "behind a waiting generator); the alert tables are emptied before each run.",
        md_table(header, table),
        f"Target >= {TARGET_RATE:.0f} accepted alerts/s for {args.duration:.0f} s with p99 < {TARGET_P99_MS:.0f} ms: "
        f"{verdict} (median accepted {throughput.median:,.0f}/s, median p99 {p99.median:,.1f} ms). The server "
        f"spent a median {cpu_ms.median:,.1f} ms of CPU per accepted alert (its processes together, waiting on "
        "PostgreSQL not counted); at that cost both cores, with nothing else running, would accept about "
        f"{2000 / cpu_ms.median:,.0f}/s. When the offered rate exceeds what the server accepts, requests queue for "
        "the bounded connections, so latency grows to the run's length (requests still queued "
        f"{BACKLOG_GRACE_SECONDS:.0f} s after the end are not sent and counted as errors)."
        + (
            f" The last row is one more run at {args.below_rate:,.0f} posts/s offered, below what the server "
            "accepted here, so its latencies are service times rather than queueing."
            if below is not None
            else ""
        ),
        "### SIGKILL mid-load",
        f"The same load for {args.kill_seconds:.0f} s; at {killed.killed_at:.0f} s the server's process group gets "
        "SIGKILL, the generator keeps offering (those requests cannot connect), then the server is started again "
        "and every MessageSid answered with a 2xx is looked up in `alert_reports` (channel sms). Intake answers "
        "only after its transaction commits, so nothing acknowledged may be missing; requests in flight at the "
        "kill get no answer (the gateway retries them; a retry of a stored one returns the stored alert).",
        md_table(kill_header, [kill_row]),
        f"Failed requests by kind: {failed}. Result: {durable}.",
        f"Reproduce: `{args.command}` (the server's log: `bench/.data/alerts_load-server.log`).",
    ])  # fmt: skip
    if not args.quick and not args.no_results:
        RESULTS_DIR.mkdir(parents=True, exist_ok=True)
        (RESULTS_DIR / "alerts_load.md").write_text(text + "\n", encoding="utf-8")
    return text


def main() -> None:
    print(run())


if __name__ == "__main__":
    main()

"""Bytes and time to the first usable inbox and operational picture on a 2G line (issue 18, items 3 and 7): a field
officer of the full demo mission on a phone (390 x 844, headless Chromium through Playwright), cold (an empty
cache, no service worker) and warm (the same browser after the cold visit: the service worker installed, the
person's pages read ahead, the HTTP cache primed).

The line: a shaping TCP relay between the browser and `pochub serve` (one link shared by every connection, as a
phone's radio is): ``DOWN_BYTES_PER_S`` down, ``UP_BYTES_PER_S`` up, ``ONE_WAY_S`` each way (an RTT of 400 ms
on every exchange, and on every new connection's first). It carries everything the browser sends, the service
worker's requests too: Chrome DevTools Protocol network emulation (what the browser test uses for the cold first
view's bytes) does not reach a service worker's requests, so a warm visit under it would look like a fast line.
Bytes are counted by the relay: what crossed the line (HTTP headers and gzipped bodies).

*Usable*: the inbox when the page has loaded (its list is in the HTML; styles and scripts run) and the live desk
has had its first answer (``data-desk-polls``); the picture when every layer switched on at start has been drawn
(``data-ready``) and the open alerts too (``data-alerts-ready``). Times are from the start of navigation, read in
the page (``performance.now()``). *Then, in the background*: what crossed the line after that until it had been
quiet for ``QUIET_S`` (the service worker's install and read-ahead on a cold visit).

The anchor is the same runs with the line unshaped (the same relay, no limit, no delay); ``--before TREE`` also
runs the code of another tree (``git archive <commit>``, its assets built) against the same database.

    .venv/bin/python bench/low_bandwidth.py              # 5 runs of each
    .venv/bin/python bench/low_bandwidth.py --quick      # a small mission, 2 runs (smoke test)
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import re
import secrets
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import httpx2
from playwright.sync_api import Browser, BrowserContext, sync_playwright

from _common import DATA_DIR, REPO_ROOT, RESULTS_DIR, Stat, machine_markdown, md_table, text_table

POCHUB = REPO_ROOT / ".venv" / "bin" / "pochub"
CHROMIUM = Path("/usr/bin/chromium")
USERNAME, PASSWORD = "bench-field", "bench field officer password"
DOWN_BYTES_PER_S = 50 * 1024
UP_BYTES_PER_S = 20 * 1024
ONE_WAY_S = 0.2
QUIET_S = 3.0
BUDGETS = {"inbox": 40_000, "picture": 120_000}
"""The first views' byte budgets the browser test asserts (tests/web/test_low_bandwidth.py, README)."""
PHONE = {"width": 390, "height": 844}
LAUNCH_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
               "--disable-component-update", "--disable-sync"]  # fmt: skip
OBSERVER = """
window.__pochubMarks = {};
new MutationObserver(() => {
  const body = document.body;
  if (!body) return;
  const marks = window.__pochubMarks;
  if (body.dataset.deskPolls && marks.desk === undefined) marks.desk = performance.now();
  if (body.dataset.ready === "true" && marks.ready === undefined) marks.ready = performance.now();
  if (body.dataset.alertsReady === "true" && marks.alerts === undefined) marks.alerts = performance.now();
}).observe(document, { attributes: true, subtree: true, attributeFilter: ["data-desk-polls", "data-ready", "data-alerts-ready"] });
window.addEventListener("load", () => { window.__pochubMarks.load = performance.now(); });
"""
USABLE = {
    "inbox": ("/alerts", "(m) => m.load !== undefined && m.desk !== undefined", ("load", "desk")),
    "picture": ("/", "(m) => m.ready !== undefined && m.alerts !== undefined", ("ready", "alerts")),
}


def log(message: str) -> None:
    """Progress on stderr, with a timestamp."""
    print(f"[{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


# --- the line ----------------------------------------------------------------------------------------------


EPOCH_OFFSET = time.time() - time.monotonic()
"""Wall-clock seconds minus monotonic seconds: the page's clock (performance.timeOrigin) is the wall clock."""


class Direction:
    """One direction of the shaped link: bytes leave one after another at ``rate`` (shared by every connection)
    and arrive ``delay`` seconds later; it logs what crossed and when it arrived (wall clock)."""

    def __init__(self, rate: float | None, delay: float) -> None:
        self.rate = rate
        self.delay = delay
        self.free_at = 0.0
        self.last = 0.0
        self.arrivals: list[tuple[float, int]] = []

    def arrival(self, size: int) -> float:
        """When ``size`` bytes sent now arrive at the other end (monotonic seconds)."""
        now = time.monotonic()
        self.last = now
        if self.rate is None:
            at = now + self.delay
        else:
            self.free_at = max(now, self.free_at) + size / self.rate
            at = self.free_at + self.delay
        self.arrivals.append((at + EPOCH_OFFSET, size))
        return at

    def between(self, start: float, end: float) -> int:
        """Bytes that arrived from ``start`` to ``end`` (wall-clock seconds)."""
        return sum(size for at, size in list(self.arrivals) if start <= at <= end)


@dataclass
class Line:
    """A shaping TCP relay on a local port to ``target`` (run in its own thread and event loop)."""

    target: int
    down_rate: float | None
    up_rate: float | None
    one_way: float
    port: int = 0
    down: Direction = field(init=False)
    up: Direction = field(init=False)
    _loop: asyncio.AbstractEventLoop | None = None

    def __post_init__(self) -> None:
        self.down = Direction(self.down_rate, self.one_way)
        self.up = Direction(self.up_rate, self.one_way)

    def start(self) -> Line:
        ready = threading.Event()

        def serve() -> None:
            loop = asyncio.new_event_loop()
            self._loop = loop

            async def main() -> None:
                server = await asyncio.start_server(self._connection, "127.0.0.1", 0)
                self.port = server.sockets[0].getsockname()[1]
                ready.set()
                async with server:
                    await server.serve_forever()

            with contextlib.suppress(asyncio.CancelledError):
                loop.run_until_complete(main())

        threading.Thread(target=serve, daemon=True).start()
        ready.wait(10)
        return self

    def stop(self) -> None:
        if self._loop is not None:
            for task in asyncio.all_tasks(self._loop):
                self._loop.call_soon_threadsafe(task.cancel)

    def quiet_for(self) -> float:
        """Seconds since anything crossed the line."""
        return time.monotonic() - max(self.down.last, self.up.last)

    async def _connection(self, client_r: asyncio.StreamReader, client_w: asyncio.StreamWriter) -> None:
        server_r, server_w = await asyncio.open_connection("127.0.0.1", self.target)
        await asyncio.sleep(2 * self.one_way)  # the new connection's handshake: one round trip
        await asyncio.gather(
            self._pipe(client_r, server_w, self.up),
            self._pipe(server_r, client_w, self.down),
            return_exceptions=True,
        )
        for writer in (client_w, server_w):
            writer.close()

    async def _pipe(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter, way: Direction) -> None:
        queue: asyncio.Queue[tuple[float, bytes]] = asyncio.Queue()

        async def deliver() -> None:
            while True:
                at, data = await queue.get()
                if not data:
                    break
                wait = at - time.monotonic()
                if wait > 0:
                    await asyncio.sleep(wait)
                writer.write(data)
                await writer.drain()
            if writer.can_write_eof():
                writer.write_eof()

        delivering = asyncio.ensure_future(deliver())
        try:
            while True:
                data = await reader.read(4096)
                if not data:
                    break
                queue.put_nowait((way.arrival(len(data)), data))
        finally:
            queue.put_nowait((0.0, b""))
            await delivering


# --- the server --------------------------------------------------------------------------------------------

BENCH_SECRET_KEY = secrets.token_hex(32)


def _env(tree: Path | None = None) -> dict[str, str]:
    env = dict(os.environ)
    if "POCHUB_SECRET_KEY" not in env and "POCHUB_SECRET_KEY_FILE" not in env:
        env["POCHUB_SECRET_KEY"] = BENCH_SECRET_KEY
    if tree is not None:  # another tree's code, ahead of the editable install of this one
        env["PYTHONPATH"] = str(tree / "src")
    return env


def pochub(database: str, *args: str, stdin: str | None = None) -> str:
    result = subprocess.run(
        [str(POCHUB), "--database", database, *args], input=stdin, capture_output=True, text=True, env=_env(),
        check=False,
    )  # fmt: skip
    if result.returncode != 0:
        raise RuntimeError(f"pochub {' '.join(args)}: {result.stdout}\n{result.stderr}")
    return result.stdout


def build_mission(path: Path, quick: bool) -> tuple[str, int, int]:
    """A fresh demo mission (with its demo alerts) and the benchmark's field officer; (URL, alerts, events)."""
    for suffix in ("", "-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)
    database = f"sqlite:///{path}"
    pochub(database, "db", "upgrade")
    size = ["--events", "3000", "--communities", "400"] if quick else []
    pochub(database, "demo", "--seed", "1", *size)
    pochub(database, "users", "add", USERNAME, "--role", "field_officer", "--field-office", "fo_besu",
           "--password-stdin", stdin=PASSWORD + "\n")  # fmt: skip
    import sqlalchemy

    with sqlalchemy.create_engine(database).connect() as conn:
        alerts = conn.execute(sqlalchemy.text("select count(*) from alerts")).scalar_one()
        events = conn.execute(sqlalchemy.text("select count(*) from events")).scalar_one()
    return database, int(alerts), int(events)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def start_server(database: str, port: int, log_path: Path, tree: Path | None) -> subprocess.Popen[bytes]:
    """`pochub serve` (workers off) of this tree or ``tree``, waited for until the login page answers."""
    env = {**_env(tree), "POCHUB_WORKERS": "false"}
    handle = log_path.open("wb")
    process = subprocess.Popen(
        [str(POCHUB), "--database", database, "serve", "--port", str(port)],
        env=env, stdout=handle, stderr=subprocess.STDOUT, cwd=tree or REPO_ROOT,
    )  # fmt: skip
    for _ in range(240):
        try:
            if httpx2.get(f"http://127.0.0.1:{port}/login", timeout=2).status_code == 200:
                return process
        except httpx2.HTTPError:
            pass
        if process.poll() is not None:
            raise RuntimeError(f"pochub serve stopped: {log_path.read_text()[-2000:]}")
        time.sleep(0.5)
    process.terminate()
    raise RuntimeError("pochub serve did not answer within 120 s")


# --- the runs ----------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Visit:
    """One page opened once: milliseconds to usable, bytes down and up until then, bytes down after."""

    ms: float
    down: int
    up: int
    after: int


def signed_in(browser: Browser, base: str) -> BrowserContext:
    """A fresh phone context signed in by a request (the sign-in page is not part of the first view)."""
    context = browser.new_context(
        base_url=base, viewport=PHONE, locale="en-GB", is_mobile=True, has_touch=True
    )
    form = context.request.get("/login").text()
    token = re.search(r'name="csrf_token" value="([^"]+)"', form)
    if token is None:
        raise RuntimeError("the sign-in page carries no CSRF token")
    answer = context.request.post(
        "/login", form={"username": USERNAME, "password": PASSWORD, "csrf_token": token[1]}, max_redirects=0
    )
    if answer.status != 303:
        raise RuntimeError(f"sign-in failed: {answer.status}")
    context.add_init_script(OBSERVER)
    return context


def settle(line: Line, limit: float = 90.0) -> None:
    """Wait until nothing has crossed the line for ``QUIET_S`` (at most ``limit`` seconds)."""
    started = time.monotonic()
    while line.quiet_for() < QUIET_S and time.monotonic() - started < limit:
        time.sleep(0.2)


def visit(context: BrowserContext, line: Line, kind: str) -> Visit:
    """Open the page in a new tab; measure until usable, then what follows until the line is quiet."""
    path, ready, marks = USABLE[kind]
    settle(line)
    page = context.new_page()
    page.goto(path, wait_until="commit", timeout=180_000)
    page.wait_for_function(f"() => ({ready})(window.__pochubMarks || {{}})", timeout=180_000, polling=50)
    seen = page.evaluate("() => ({ ...window.__pochubMarks, origin: performance.timeOrigin })")
    ms = max(float(seen[name]) for name in marks)
    start, usable = seen["origin"] / 1000, (seen["origin"] + ms) / 1000
    settle(line)
    end = time.time()
    page.close()
    down, up = line.down.between(start, usable), line.up.between(start, usable)
    return Visit(ms, down, up, line.down.between(usable, end))


def runs(base: str, line: Line, count: int) -> dict[tuple[str, str], list[Visit]]:
    """``count`` cold-then-warm visits of each page, each pair in a new browser context."""
    found: dict[tuple[str, str], list[Visit]] = {}
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=LAUNCH_ARGS)
        for index in range(1, count + 1):
            for kind in USABLE:
                context = signed_in(browser, base)
                cold = visit(context, line, kind)
                warm = visit(context, line, kind)
                found.setdefault((kind, "cold"), []).append(cold)
                found.setdefault((kind, "warm"), []).append(warm)
                log(f"run {index} {kind}: cold {cold.ms:,.0f} ms {cold.down:,} B (+{cold.after:,} B after), "
                    f"warm {warm.ms:,.0f} ms {warm.down:,} B")  # fmt: skip
                context.close()
        browser.close()
    return found


def measure(
    database: str, count: int, tree: Path | None, label: str
) -> dict[str, dict[tuple[str, str], list[Visit]]]:
    """The runs on the 2G line and unshaped, against a server of this tree (or ``tree``)."""
    port = free_port()
    server = start_server(database, port, DATA_DIR / f"low_bandwidth-{label}.log", tree)
    results = {}
    try:
        for name, shaped in (("2G", True), ("unshaped", False)):
            line = Line(
                port, DOWN_BYTES_PER_S if shaped else None, UP_BYTES_PER_S if shaped else None,
                ONE_WAY_S if shaped else 0.0,
            ).start()  # fmt: skip
            log(f"{label}: {name} line on port {line.port}")
            try:
                results[name] = runs(f"http://127.0.0.1:{line.port}", line, count)
            finally:
                line.stop()
    finally:
        server.terminate()
        try:
            server.wait(timeout=10)
        except subprocess.TimeoutExpired:
            server.kill()
    return results


# --- the report --------------------------------------------------------------------------------------------


def kb(values: Sequence[int]) -> str:
    return Stat.of([v / 1000 for v in values]).fmt(",.1f")


def rows_of(code: str, results: dict[str, dict[tuple[str, str], list[Visit]]]) -> list[list[str]]:
    table = []
    for kind in USABLE:
        for state in ("cold", "warm"):
            shaped = results["2G"][(kind, state)]
            plain = results["unshaped"][(kind, state)]
            table.append([
                code, f"{'inbox' if kind == 'inbox' else 'map'}, {state}",
                kb([v.down for v in shaped]), Stat.of([v.ms for v in shaped]).fmt(",.0f"),
                kb([v.after for v in shaped]),
                kb([v.down for v in plain]), Stat.of([v.ms for v in plain]).fmt(",.0f"),
            ])  # fmt: skip
    return table


def parse_args(argv: Sequence[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--quick", action="store_true", help="a small mission and 2 runs")
    parser.add_argument("--runs", type=int, default=None, help="cold-and-warm runs of each page (default 5)")
    parser.add_argument(
        "--before", type=Path, default=None, help="also run the code of this tree (assets built)"
    )
    parser.add_argument("--before-label", default="before", help="what to call that tree in the table")
    return parser.parse_args(list(argv))


def run(argv: Sequence[str] | None = None) -> str:
    """Run the benchmark with command-line ``argv``; print the table, write and return the Markdown section."""
    args = parse_args(sys.argv[1:] if argv is None else argv)
    count = args.runs or (2 if args.quick else 5)
    DATA_DIR.mkdir(parents=True, exist_ok=True)
    database, alerts, events = build_mission(DATA_DIR / "low_bandwidth.db", args.quick)
    log(f"demo mission built: {alerts} alerts, {events:,} events")
    load_before = os.getloadavg()
    started = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())
    measured = [("this tree", measure(database, count, None, "current"))]
    if args.before is not None:
        measured.append((args.before_label, measure(database, count, args.before.resolve(), "before")))
    load_after = os.getloadavg()
    header = ["code", "page", "2G: kB to usable", "2G: ms to usable", "2G: kB after, in the background",
              "unshaped: kB", "unshaped: ms"]  # fmt: skip
    table = [row for code, results in measured for row in rows_of(code, results)]
    print(text_table(header, table))
    current = measured[0][1]["2G"]
    verdict = " ".join(
        f"{'Inbox' if kind == 'inbox' else 'Map'} cold on 2G within its budget of {budget / 1000:,.0f} kB: "
        f"{'met' if Stat.of([v.down for v in current[(kind, 'cold')]]).high <= budget else '**not met**'}."
        for kind, budget in BUDGETS.items()
    )
    text = "\n\n".join([
        "## Low bandwidth: the inbox and the map on a 2G line",
        machine_markdown({
            "Load": f"1-minute load average {load_before[0]:.1f} at the start, {load_after[0]:.1f} at the end "
                    f"(5-minute {load_before[1]:.1f} and {load_after[1]:.1f}) on {os.cpu_count()} CPUs, shared "
                    "with other sessions' tests and servers",
            "Browser": "Debian Chromium (headless) through Playwright, 390 x 844, touch",
            "Started": started,
        }),
        f"{'Quick run: a small mission. ' if args.quick else ''}The demo mission `pochub demo --seed 1` "
        f"({events:,} events, {alerts} demo alerts) served by `pochub serve` (SQLite, workers off) to a field "
        f"officer of Besu on a phone. The 2G line: {DOWN_BYTES_PER_S // 1024} kB/s down, "
        f"{UP_BYTES_PER_S // 1024} kB/s up, {ONE_WAY_S * 2000:.0f} ms round trip, one link shared by every "
        "connection, shaped by a TCP relay that also carries the service worker's requests (CDP emulation does "
        "not) and counts the bytes that crossed it (headers and gzipped bodies). *Usable*: the inbox loaded with "
        "the live desk's first answer; the map with every layer switched on at start drawn and the open alerts. "
        "*Cold*: a new browser context (empty cache, no service worker); *warm*: the same context right after, "
        "the service worker installed and the person's pages read ahead. *In the background*: what crossed "
        f"after the page was usable until the line was quiet for {QUIET_S:.0f} s (the service worker's install "
        "and read-ahead, deferred until the page has loaded). *Unshaped*: the same visits through the same relay "
        f"without limits (the anchor). Median (min–max) of {count} runs of each.",
        md_table(header, table, "llrrrrr"),
        verdict,
    ])  # fmt: skip
    if not args.quick:
        RESULTS_DIR.mkdir(parents=True, exist_ok=True)
        (RESULTS_DIR / "low_bandwidth.md").write_text(text + "\n", encoding="utf-8")
    return text


if __name__ == "__main__":
    run()

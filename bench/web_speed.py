"""How fast the operational picture becomes interactive: the full demo mission served by `pochub serve`, opened in
headless Chromium (Debian's, through Playwright).

Setup: a SQLite database with `pochub demo --seed 1` (20,000+ events, 2,000 communities, roads, bases, units and the
coordination structure) and a PoC adviser, then `pochub serve` (one process, workers off) as a child process.

*Interactive* is the moment the page sets ``data-ready="true"`` on ``<body>``: every layer requested at start-up
has been answered and drawn (admin areas, the events' H3 cells, communities coloured by risk, bases and units,
roads, hot spots and emerging hot spots, protection gaps and the bases' reach); a MutationObserver installed before
the page loads records ``performance.now()`` (milliseconds from the start of navigation) at that moment.

Each run opens the page in a new browser context (signed in, but an empty HTTP cache: the scripts and styles are
downloaded again, gzipped, as on a first visit). The first run after the server starts also fills the server's
layer cache (computed once per data version); the following runs are what every later visitor sees. For each
API call behind the page the duration the browser saw (request sent to last byte, with the page's other requests
in flight) is kept, and each call is also timed alone from Python (httpx, sequential, the median of several).

    .venv/bin/python bench/web_speed.py            # 7 runs of the page, 9 of each call alone
    .venv/bin/python bench/web_speed.py --quick    # a small mission, 3 runs (smoke test)
"""

from __future__ import annotations

import argparse
import os
import re
import secrets
import socket
import statistics
import subprocess
import sys
import time
import urllib.parse
from collections import defaultdict
from collections.abc import Sequence
from pathlib import Path

import httpx2
from playwright.sync_api import sync_playwright

from _common import DATA_DIR, REPO_ROOT, RESULTS_DIR, Stat, machine_markdown, md_table, text_table

POCHUB = REPO_ROOT / ".venv" / "bin" / "pochub"
CHROMIUM = Path("/usr/bin/chromium")
USERNAME, PASSWORD = "bench-adviser", "bench adviser password"
TARGET_INTERACTIVE_MS = 2000.0
TARGET_API_MS = 200.0
LAUNCH_ARGS = ["--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking",
               "--disable-component-update", "--disable-sync"]  # fmt: skip
READY_OBSERVER = """
new MutationObserver((changes, observer) => {
  if (document.body && document.body.dataset.ready === "true") {
    window.__pochubReadyMs = performance.now();
    observer.disconnect();
  }
}).observe(document, { attributes: true, subtree: true, attributeFilter: ["data-ready"] });
"""


def log(message: str) -> None:
    """Progress on stderr, with a timestamp."""
    print(f"[{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


BENCH_SECRET_KEY = secrets.token_hex(32)
"""A scratch mission's key, made for this run (no secret has a default; the caller's own key is used when set)."""


def _env() -> dict[str, str]:
    env = dict(os.environ)
    if "POCHUB_SECRET_KEY" not in env and "POCHUB_SECRET_KEY_FILE" not in env:
        env["POCHUB_SECRET_KEY"] = BENCH_SECRET_KEY
    return env


def pochub(database: str, *args: str, stdin: str | None = None) -> str:
    """Run a `pochub` command on the benchmark database; its output (fails loudly)."""
    result = subprocess.run(
        [str(POCHUB), "--database", database, *args], input=stdin, capture_output=True, text=True, check=False,
        env=_env(),
    )  # fmt: skip
    if result.returncode != 0:
        raise RuntimeError(f"pochub {' '.join(args)}: {result.stdout}\n{result.stderr}")
    return result.stdout


def build_mission(path: Path, quick: bool) -> tuple[str, float]:
    """A fresh demo mission at ``path`` with the benchmark's user; (database URL, seconds to build)."""
    for suffix in ("", "-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)
    database = f"sqlite:///{path}"
    started = time.perf_counter()
    pochub(database, "db", "upgrade")
    size = ["--events", "3000", "--communities", "400"] if quick else []
    pochub(database, "demo", "--seed", "1", *size)
    pochub(
        database, "users", "add", USERNAME, "--role", "poc_adviser", "--password-stdin", stdin=PASSWORD + "\n"
    )
    return database, time.perf_counter() - started


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def start_server(database: str, port: int, log_path: Path) -> subprocess.Popen[bytes]:
    """`pochub serve` on ``port``, waited for until the login page answers."""
    env = {**_env(), "POCHUB_WORKERS": "false"}
    handle = log_path.open("wb")
    process = subprocess.Popen(
        [str(POCHUB), "--database", database, "serve", "--port", str(port)],
        env=env, stdout=handle, stderr=subprocess.STDOUT, cwd=REPO_ROOT,
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


def call_name(url: str) -> str | None:
    """An API call's name in the tables (path, with the parameters that tell calls apart), None for others."""
    parts = urllib.parse.urlsplit(url)
    if not (parts.path.startswith("/api/") or parts.path.startswith("/map/")):
        return None
    query = urllib.parse.parse_qs(parts.query)
    keep = [f"{k}={query[k][0]}" for k in ("level", "resolution", "standard") if k in query]
    return parts.path + (f"?{'&'.join(keep)}" if keep else "")


def csrf_token(page: str) -> str:
    """The CSRF token of a page's form (forms carry one; the sign-in form too)."""
    found = re.search(r'name="csrf_token" value="([^"]+)"', page)
    if found is None:
        raise RuntimeError("the sign-in page carries no CSRF token")
    return found[1]


def page_runs(base: str, runs: int) -> tuple[list[float], dict[str, list[float]], list[str], dict[str, int]]:
    """Open the picture ``runs`` times; (interactive ms per run, browser ms per call, the calls' full URLs,
    response bytes per call as sent on the wire)."""
    interactive: list[float] = []
    calls: dict[str, list[float]] = defaultdict(list)
    urls: dict[str, str] = {}
    sizes: dict[str, int] = {}
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=LAUNCH_ARGS)
        for index in range(1, runs + 1):
            context = browser.new_context(
                base_url=base, viewport={"width": 1400, "height": 900}, locale="en-GB"
            )
            form = context.request.get("/login").text()  # the sign-in form's CSRF token, tied to its cookie
            signed = context.request.post(
                "/login", form={"username": USERNAME, "password": PASSWORD, "csrf_token": csrf_token(form)},
                max_redirects=0,
            )  # fmt: skip
            if signed.status != 303:
                raise RuntimeError(f"sign-in failed: {signed.status}")
            context.add_init_script(READY_OBSERVER)
            page = context.new_page()
            finished: list[tuple[str, str, float, int]] = []

            def done(request, finished=finished) -> None:  # type: ignore[no-untyped-def]
                name = call_name(request.url)
                if name is None:
                    return
                timing = request.timing
                response = request.response()
                wire = int(response.headers.get("content-length", "0") or 0) if response else 0
                finished.append((name, request.url, timing["responseEnd"] - timing["requestStart"], wire))

            page.on("requestfinished", done)
            page.goto("/", wait_until="commit")
            page.wait_for_function("() => window.__pochubReadyMs !== undefined", timeout=120_000)
            ready = float(page.evaluate("() => window.__pochubReadyMs"))
            page.wait_for_timeout(300)  # let the last requestfinished events arrive
            interactive.append(ready)
            for name, url, ms, wire in finished:
                calls[name].append(ms)
                urls.setdefault(name, url)
                sizes[name] = max(sizes.get(name, 0), wire)
            log(f"run {index}: interactive after {ready:,.0f} ms, {len(finished)} API calls")
            context.close()
        browser.close()
    return interactive, dict(calls), list(urls.values()), sizes


def alone(base: str, urls: list[str], repeats: int) -> dict[str, list[float]]:
    """Each call timed alone (sequential, signed in, gzip accepted), ``repeats`` times."""
    timings: dict[str, list[float]] = defaultdict(list)
    with httpx2.Client(base_url=base, timeout=60, headers={"Accept-Encoding": "gzip"}) as client:
        token = csrf_token(client.get("/login").text)
        client.post("/login", data={"username": USERNAME, "password": PASSWORD, "csrf_token": token})
        for _ in range(repeats):
            for url in urls:
                parts = urllib.parse.urlsplit(url)
                target = parts.path + (f"?{parts.query}" if parts.query else "")
                started = time.perf_counter()
                response = client.get(target)
                response.read()
                elapsed = (time.perf_counter() - started) * 1000
                if response.status_code != 200:
                    raise RuntimeError(f"{target}: {response.status_code}")
                timings[call_name(url) or url].append(elapsed)
    return dict(timings)


def parse_args(argv: Sequence[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--quick", action="store_true", help="a small mission and 3 runs")
    parser.add_argument("--runs", type=int, default=None, help="page runs (default 7, quick 3)")
    parser.add_argument(
        "--repeats", type=int, default=None, help="runs of each call alone (default 9, quick 3)"
    )
    return parser.parse_args(list(argv))


def run(argv: Sequence[str] | None = None) -> str:
    """Run the benchmark with command-line ``argv``; print the tables, write and return the Markdown section."""
    args = parse_args(sys.argv[1:] if argv is None else argv)
    runs = args.runs or (3 if args.quick else 7)
    repeats = args.repeats or (3 if args.quick else 9)
    load_before = os.getloadavg()[0]
    DATA_DIR.mkdir(parents=True, exist_ok=True)
    database, built = build_mission(DATA_DIR / "web_speed.db", args.quick)
    log(f"demo mission built in {built:.0f} s")
    with __import__("sqlalchemy").create_engine(database).connect() as conn:
        sql = __import__("sqlalchemy").text
        events = conn.execute(sql("select count(*) from events")).scalar_one()
        communities = conn.execute(sql("select count(*) from communities")).scalar_one()
    port = free_port()
    server = start_server(database, port, DATA_DIR / "web_speed-server.log")
    base = f"http://127.0.0.1:{port}"
    try:
        interactive, browser_calls, urls, sizes = page_runs(base, runs)
        alone_calls = alone(base, urls, repeats)
    finally:
        server.terminate()
        try:
            server.wait(timeout=10)
        except subprocess.TimeoutExpired:
            server.kill()
    return report(args, runs, repeats, events, communities, interactive, browser_calls, alone_calls, sizes,
                  load_before)  # fmt: skip


def report(
    args: argparse.Namespace,
    runs: int,
    repeats: int,
    events: int,
    communities: int,
    interactive: list[float],
    browser_calls: dict[str, list[float]],
    alone_calls: dict[str, list[float]],
    sizes: dict[str, int],
    load_before: float,
) -> str:
    """Print the tables; write and return the Markdown section."""
    warm = interactive[1:] or interactive
    warm_stat = Stat.of(warm)
    page_rows = [
        ["first visit after the server starts (its layer cache empty)", f"{interactive[0]:,.0f}"],
        [f"later visits: median (min–max) of {len(warm)}", warm_stat.fmt(",.0f")],
    ]
    header = ["API call", "browser ms, first run", "browser ms, later runs: median", "alone ms: median (min–max)",
              "response bytes (gzip)"]  # fmt: skip
    rows = []
    worst = 0.0
    for name in sorted(browser_calls):
        seen = browser_calls[name]
        later = seen[1:] or seen
        solo = Stat.of(alone_calls.get(name, [float("nan")]))
        worst = max(worst, solo.median)
        rows.append([f"`{name}`", f"{seen[0]:,.0f}", f"{statistics.median(later):,.0f}", solo.fmt(",.0f"),
                     f"{sizes.get(name, 0):,}"])  # fmt: skip
    print(text_table(["page", "interactive ms"], page_rows))
    print(text_table(header, rows))
    interactive_met = warm_stat.median <= TARGET_INTERACTIVE_MS
    api_met = worst <= TARGET_API_MS
    verdict = (
        f"Interactive within {TARGET_INTERACTIVE_MS:,.0f} ms at the median of later visits: "
        f"{'met' if interactive_met else '**not met**'} ({warm_stat.median:,.0f} ms). "
        f"No API call over {TARGET_API_MS:,.0f} ms at the median (timed alone): "
        f"{'met' if api_met else '**not met**'} (slowest {worst:,.0f} ms)."
    )
    if interactive[0] > TARGET_INTERACTIVE_MS:
        verdict += (
            f" The first visit after a start ({interactive[0]:,.0f} ms) computes the server's layers once "
            "(hot spots, the threat matrix behind the communities' risk, coverage) and is slower."
        )
    text = "\n\n".join([
        "## Web: the operational picture in a browser",
        machine_markdown({
            "Load": f"1-minute load average {load_before:.1f} on {os.cpu_count()} CPUs at the start",
            "Browser": "Debian Chromium (headless) through Playwright",
        }),
        f"{'Quick run: a small mission. ' if args.quick else ''}The demo mission `pochub demo --seed 1`: "
        f"{events:,} events, {communities:,} communities, served by `pochub serve` (one process, SQLite, workers "
        f"off) on this machine; {runs} page runs, {repeats} runs of each call alone. *Interactive* is the moment the "
        "page sets `data-ready` on `<body>`: every start-up layer answered and drawn (admin areas, the events' H3 "
        "cells, communities coloured by risk, bases and units, roads, hot spots and emerging hot spots, protection "
        "gaps and the bases' reach), in milliseconds from the start of navigation. Each run is a new browser "
        "context (signed in, empty HTTP cache: the gzipped scripts and styles are downloaded again). *Browser ms* "
        "is request sent to last byte as the page saw it, with its other requests in flight (one server "
        "process, two cores); *alone* is each call by itself from Python.",
        md_table(["page", "interactive ms"], page_rows, "lr"),
        md_table(header, rows, "lrrrr"),
        verdict,
    ])  # fmt: skip
    if not args.quick:
        RESULTS_DIR.mkdir(parents=True, exist_ok=True)
        (RESULTS_DIR / "web_speed.md").write_text(text + "\n", encoding="utf-8")
    return text


if __name__ == "__main__":
    run()

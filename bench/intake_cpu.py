"""CPU and SQL statements per alert intake, in process, without HTTP: `services.alerts.receive_report` on PostgreSQL.

A fresh schema with the demo mission (300 communities), then ``--runs`` rounds of ``--count`` SMS reports (unique
ids, random words, jittered community coordinates: nearly none merge) after 50 of warm-up, the alert tables
emptied before each round. Prints CPU ms (this process: the service, SQLAlchemy and psycopg, not PostgreSQL) and
statements per intake, and the load average. Run it under another tree's sources to compare (the anchor):

    .venv/bin/python bench/intake_cpu.py
    .venv/bin/python bench/intake_cpu.py --http       # through the ASGI app: what the HTTP path adds
    .venv/bin/python bench/intake_cpu.py --profile 40 # where the CPU goes (cProfile on process time)
    PYTHONPATH=/tmp/anchor/src .venv/bin/python bench/intake_cpu.py     # a copy of an older commit
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import os
import pstats
import random
import time
import uuid
from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qsl

from sqlalchemy import create_engine, event, text

import pochub
from alerts_load import Messages, drop_mission, empty_alerts, mission_in
from pochub.config import Settings
from pochub.core.workflow.lifecycle import Actor
from pochub.http.app import create_app
from pochub.ingest.alert_intake import read_sms_form
from pochub.services import alerts
from pochub.store.database import connect

PG_SERVER = os.environ.get("POCHUB_BENCH_POSTGRES", "postgresql+psycopg://postgres@127.0.0.1:5432/test")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=300)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument(
        "--profile",
        type=int,
        default=0,
        metavar="N",
        help="print the top N functions of the last run by CPU (cProfile on process time)",
    )
    parser.add_argument(
        "--http",
        action="store_true",
        help="post each SMS through the ASGI app (FastAPI, middleware, form parsing, thread hop; no socket)",
    )
    args = parser.parse_args()
    schema = f"bench_intake_{uuid.uuid4().hex[:10]}"
    admin = create_engine(PG_SERVER)
    with admin.begin() as conn:
        conn.execute(text(f"CREATE SCHEMA {schema}"))
    admin.dispose()
    url = f"{PG_SERVER}?options=-csearch_path%3D{schema}"
    mission = mission_in(url, schema, communities=300, events=1000)
    settings = Settings(database_url=url, secret_key=uuid.uuid4().hex + uuid.uuid4().hex, workers=False)
    app = create_app(settings) if args.http else None
    engine = app.state.engine if app is not None else connect(url)
    statements = [0]

    def count(*_: object) -> None:
        statements[0] += 1

    event.listen(engine, "before_cursor_execute", count)
    actor = Actor("bench-gateway", "gateway")
    print(f"sources: {os.path.dirname(pochub.__file__)}" + (" (through the ASGI app)" if app else ""))
    loop = asyncio.new_event_loop()
    try:
        for run in range(args.runs):
            empty_alerts(engine)
            messages = Messages(mission.points, random.randrange(10**6), uuid.uuid4().hex[:6])

            def one(messages: Messages = messages, loop: asyncio.AbstractEventLoop = loop) -> None:
                _, body = messages.next()
                if app is not None:
                    status = loop.run_until_complete(
                        asgi_post(app, "/api/v1/intake/sms", body, mission.token)
                    )
                    assert status == 201, status
                    return
                now = datetime.now(UTC)
                report = read_sms_form(dict(parse_qsl(body.decode())), now)
                alerts.receive_report(engine, settings, report, actor=actor, now=now)

            for _ in range(50):
                one()
            statements[0] = 0
            profiler = cProfile.Profile(time.process_time) if args.profile and run == args.runs - 1 else None
            wall, cpu = time.perf_counter(), time.process_time()
            if profiler is not None:
                profiler.enable()
            for _ in range(args.count):
                one()
            if profiler is not None:
                profiler.disable()
            wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
            print(
                f"run {run + 1}: {args.count} intakes, CPU {1000 * cpu / args.count:.2f} ms each, wall "
                f"{1000 * wall / args.count:.1f} ms each, {statements[0] / args.count:.1f} statements each, "
                f"load {os.getloadavg()[0]:.1f}",
                flush=True,
            )
            if profiler is not None:
                pstats.Stats(profiler).sort_stats("tottime").print_stats(args.profile)
                pstats.Stats(profiler).sort_stats("cumulative").print_stats(args.profile)
    finally:
        loop.close()
        engine.dispose()
        drop_mission(mission)


async def asgi_post(app: Any, path: str, body: bytes, token: str) -> int:
    """POST a form to the ASGI app as uvicorn would hand it over (one request, no socket); the status."""
    scope = {
        "type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": "POST", "scheme": "http",
        "path": path, "raw_path": path.encode(), "query_string": b"", "root_path": "",
        "headers": [
            (b"host", b"127.0.0.1:8000"), (b"content-type", b"application/x-www-form-urlencoded"),
            (b"authorization", f"Bearer {token}".encode()), (b"content-length", str(len(body)).encode()),
        ],
        "client": ("127.0.0.1", 50000), "server": ("127.0.0.1", 8000), "state": {},
    }  # fmt: skip
    delivered = False
    statuses: list[int] = []

    async def receive() -> dict[str, Any]:
        nonlocal delivered
        if not delivered:
            delivered = True
            return {"type": "http.request", "body": body, "more_body": False}
        await asyncio.Event().wait()  # the client stays connected until the answer
        raise AssertionError("unreachable")

    async def send(message: dict[str, Any]) -> None:
        if message["type"] == "http.response.start":
            statuses.append(message["status"])

    await app(scope, receive, send)
    return statuses[0]


if __name__ == "__main__":
    main()

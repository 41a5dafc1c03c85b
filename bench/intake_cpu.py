"""CPU and SQL statements per alert intake, in process, without HTTP: `services.alerts.receive_report` on PostgreSQL.

A fresh schema with the demo mission (300 communities), then ``--runs`` rounds of ``--count`` SMS reports (unique
ids, random words, jittered community coordinates: nearly none merge) after 50 of warm-up, the alert tables
emptied before each round. Prints CPU ms (this process: the service, SQLAlchemy and psycopg, not PostgreSQL) and
statements per intake, and the load average. Run it under another tree's sources to compare (the anchor):

    .venv/bin/python bench/intake_cpu.py
    PYTHONPATH=/tmp/anchor/src .venv/bin/python bench/intake_cpu.py     # a copy of an older commit
"""

from __future__ import annotations

import argparse
import os
import random
import time
import uuid
from datetime import UTC, datetime
from urllib.parse import parse_qsl

from sqlalchemy import create_engine, event, text

import pochub
from alerts_load import Messages, drop_mission, empty_alerts, mission_in
from pochub.config import Settings
from pochub.core.workflow.lifecycle import Actor
from pochub.ingest.alert_intake import read_sms_form
from pochub.services import alerts
from pochub.store.database import connect

PG_SERVER = os.environ.get("POCHUB_BENCH_POSTGRES", "postgresql+psycopg://postgres@127.0.0.1:5432/test")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=300)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    schema = f"bench_intake_{uuid.uuid4().hex[:10]}"
    admin = create_engine(PG_SERVER)
    with admin.begin() as conn:
        conn.execute(text(f"CREATE SCHEMA {schema}"))
    admin.dispose()
    url = f"{PG_SERVER}?options=-csearch_path%3D{schema}"
    mission = mission_in(url, schema, communities=300, events=1000)
    settings = Settings(database_url=url, secret_key=uuid.uuid4().hex + uuid.uuid4().hex)
    engine = connect(url)
    statements = [0]

    def count(*_: object) -> None:
        statements[0] += 1

    event.listen(engine, "before_cursor_execute", count)
    actor = Actor("bench-gateway", "gateway")
    print(f"sources: {os.path.dirname(pochub.__file__)}")
    try:
        for run in range(args.runs):
            empty_alerts(engine)
            messages = Messages(mission.points, random.randrange(10**6), uuid.uuid4().hex[:6])

            def one(messages: Messages = messages) -> None:
                _, body = messages.next()
                now = datetime.now(UTC)
                report = read_sms_form(dict(parse_qsl(body.decode())), now)
                alerts.receive_report(engine, settings, report, actor=actor, now=now)

            for _ in range(50):
                one()
            statements[0] = 0
            wall, cpu = time.perf_counter(), time.process_time()
            for _ in range(args.count):
                one()
            wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
            print(
                f"run {run + 1}: {args.count} intakes, CPU {1000 * cpu / args.count:.2f} ms each, wall "
                f"{1000 * wall / args.count:.1f} ms each, {statements[0] / args.count:.1f} statements each, "
                f"load {os.getloadavg()[0]:.1f}",
                flush=True,
            )
    finally:
        engine.dispose()
        drop_mission(mission)


if __name__ == "__main__":
    main()

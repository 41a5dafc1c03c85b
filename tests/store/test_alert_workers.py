"""The escalation worker of `pochub serve` escalates an overdue alert by itself, on both backends."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta

from sqlalchemy import Engine, select

from pochub.config import Settings
from pochub.core.models.alerts import Channel, Report
from pochub.core.workflow.lifecycle import SYSTEM, Actor
from pochub.services.alerts import receive_report
from pochub.services.workers import start_workers
from pochub.store import tables


def test_worker_escalates_an_unacknowledged_alert(demo_engine: Engine) -> None:
    settings = Settings(
        database_url=demo_engine.url.render_as_string(hide_password=False),
        escalation_interval_seconds=0.05,
        outbox_interval_seconds=0.05,
    )
    now = datetime.now(UTC)
    result = receive_report(
        demo_engine,
        settings,
        Report(
            Channel.API,
            "worker-test-1",
            now - timedelta(hours=6),
            "Men with guns at the water point",
            pcode="KT0201",
        ),
        actor=Actor("test", SYSTEM),
        now=now,
    )
    workers = start_workers(demo_engine, settings)
    try:
        level = 0
        for _ in range(200):  # at most ~10 s; the worker normally needs one pass
            with demo_engine.connect() as conn:
                level = conn.execute(
                    select(tables.alerts.c.escalation_level).where(
                        tables.alerts.c.reference == result.reference
                    )
                ).scalar_one()
            if level:
                break
            time.sleep(0.05)
    finally:
        workers.shutdown()
    assert level >= 1
    assert not any(t.is_alive() for t in workers.threads)

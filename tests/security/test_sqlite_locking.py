"""Intake never fails with "database is locked": SQLite write transactions start with BEGIN IMMEDIATE.

On SQLite a deferred transaction that read first and writes later must upgrade its read lock; if another
connection committed in between, SQLite refuses the upgrade at once (the busy timeout cannot help). The
security review saw 1 % of intake posts fail that way while the outbox worker wrote. Both backends.
"""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta

from sqlalchemy import Engine, func, select, text, update

from pochub.config import Settings
from pochub.core.models.alerts import Channel, Report
from pochub.core.workflow.lifecycle import SYSTEM, Actor
from pochub.services.alerts import receive_report
from pochub.services.workers import start_workers
from pochub.store import tables
from pochub.store.database import reading

SECRET = "test secret key, not for production use"


def _settings(engine: Engine) -> Settings:
    return Settings(
        database_url=engine.url.render_as_string(hide_password=False),
        secret_key=SECRET,
        outbox_interval_seconds=0.01,
        escalation_interval_seconds=0.01,
    )


def _report(key: str) -> Report:
    now = datetime.now(UTC)
    return Report(
        Channel.SMS, key, now - timedelta(minutes=1), f"Armed men seen near the market {key}", pcode="KT0201"
    )


def test_a_transaction_that_read_first_still_writes_after_another_commit(demo_engine: Engine) -> None:
    """The exact interleaving of the failure: read, another writer commits, then write."""
    settings = _settings(demo_engine)
    outcome: dict[str, object] = {}

    def intake() -> None:
        try:
            outcome["result"] = receive_report(
                demo_engine, settings, _report("locking-interleave"), actor=Actor("gateway", SYSTEM)
            )
        except Exception as exc:  # the test reports it below
            outcome["error"] = exc

    with demo_engine.begin() as conn:
        conn.execute(select(func.count()).select_from(tables.alerts)).scalar_one()  # read first
        other = threading.Thread(target=intake)
        other.start()
        other.join(timeout=1.0)  # deferred: the intake commits now; immediate: it waits for this transaction
        conn.execute(update(tables.units).where(text("1 = 0")).values(name="nothing"))  # then write
    other.join()
    assert "error" not in outcome, outcome.get("error")
    assert outcome["result"] is not None


def test_readers_do_not_take_the_write_lock(demo_engine: Engine) -> None:
    """A read-only connection (deferred on SQLite) lets an intake commit while it is open."""
    settings = _settings(demo_engine)
    with reading(demo_engine) as conn:
        conn.execute(select(func.count()).select_from(tables.alerts)).scalar_one()
        with ThreadPoolExecutor(1) as pool:
            result = pool.submit(
                receive_report,
                demo_engine,
                settings,
                _report("locking-reader"),
                actor=Actor("gateway", SYSTEM),
            ).result(timeout=60)
    with reading(demo_engine) as conn:
        stored = conn.execute(
            select(tables.alerts.c.reference)
            .join(tables.alert_reports, tables.alert_reports.c.alert_id == tables.alerts.c.alert_id)
            .where(tables.alert_reports.c.external_id == "locking-reader")
        ).scalar_one()
    assert stored == result.reference


def test_concurrent_intake_with_the_workers_running_loses_nothing(demo_engine: Engine) -> None:
    """200 posts from 8 threads while the outbox and escalation workers write: no error, every alert stored."""
    settings = _settings(demo_engine)
    workers = start_workers(demo_engine, settings)
    try:
        with ThreadPoolExecutor(8) as pool:
            futures = [
                pool.submit(
                    receive_report,
                    demo_engine,
                    settings,
                    _report(f"locking-load-{i}"),
                    actor=Actor("gateway", SYSTEM),
                )
                for i in range(200)
            ]
            errors = [f.exception() for f in futures if f.exception() is not None]
    finally:
        workers.shutdown()
    assert errors == []
    with reading(demo_engine) as conn:
        stored = conn.execute(
            select(func.count())
            .select_from(tables.alert_reports)
            .where(tables.alert_reports.c.external_id.like("locking-load-%"))
        ).scalar_one()
    assert stored == 200

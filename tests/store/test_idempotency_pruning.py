"""Idempotency keys are kept KEEP_DAYS and then deleted by the escalation worker: a replay inside that time is
still answered as the first send, the table does not grow forever, and one user's old keys go without touching
another's recent ones."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import Engine, func, select

from pochub.config import Settings
from pochub.core.models.access import Role, User
from pochub.services import idempotency
from pochub.services.workers import run_escalation
from pochub.store import tables
from tests.api.access_helpers import make_user
from tests.worker_passes import OnePass

NOW = datetime(2026, 6, 1, 12, tzinfo=UTC)


def _keep(engine: Engine, user: User, key: str, days_ago: float) -> None:
    with engine.begin() as conn:
        idempotency.keep(conn, user, key, "engagement", {"id": key}, now=NOW - timedelta(days=days_ago))


def _keys(engine: Engine) -> set[str]:
    with engine.connect() as conn:
        return set(conn.execute(select(tables.idempotency_keys.c.key)).scalars())


def test_keys_past_their_keeping_time_are_pruned_and_the_rest_still_answer(engine: Engine) -> None:
    cla, _ = make_user(engine, Role.CLA, area_pcodes=("CD61",))
    officer, _ = make_user(engine, Role.FIELD_OFFICER, area_pcodes=("CD62",))
    days = idempotency.KEEP_DAYS
    _keep(engine, cla, "old-key-cla-0001", days + 1)
    _keep(engine, cla, "edge-key-cla-0002", days - 0.01)
    _keep(engine, cla, "new-key-cla-0003", 0.5)
    _keep(engine, officer, "old-key-officer-1", days + 30)
    _keep(engine, officer, "new-key-officer-2", 2)

    assert idempotency.prune(engine, now=NOW) == 2
    assert _keys(engine) == {"edge-key-cla-0002", "new-key-cla-0003", "new-key-officer-2"}
    assert idempotency.remembered(engine, cla, "edge-key-cla-0002", "engagement") == {
        "id": "edge-key-cla-0002"
    }
    assert idempotency.remembered(engine, cla, "old-key-cla-0001", "engagement") is None  # a new write now
    assert idempotency.prune(engine, now=NOW) == 0  # nothing more to delete


def test_the_escalation_worker_prunes_expired_keys(engine: Engine) -> None:
    cla, _ = make_user(engine, Role.CLA, area_pcodes=("CD61",))
    real_now = datetime.now(UTC)
    with engine.begin() as conn:
        idempotency.keep(conn, cla, "stale-key-0001", "engagement", {}, now=real_now - timedelta(days=400))
        idempotency.keep(conn, cla, "fresh-key-0002", "engagement", {}, now=real_now - timedelta(hours=1))
    url = engine.url.render_as_string(hide_password=False)
    run_escalation(engine, Settings(database_url=url, workers=False), OnePass())
    assert _keys(engine) == {"fresh-key-0002"}
    with engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(tables.idempotency_keys)).scalar_one() == 1

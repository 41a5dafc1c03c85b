"""Alert intake's one read (issue 19, item 2): the retry check and the merge candidates come from one statement
that must find exactly what the two queries before it found; a pooled connection that died is replaced without
the pool's ping. On SQLite and PostgreSQL (the dead connection on PostgreSQL)."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import Engine, create_engine, select, text

from pochub.config import Settings
from pochub.core.workflow.lifecycle import Actor
from pochub.core.workflow.merging import Candidate
from pochub.ingest.alert_intake import read_sms_form
from pochub.services import alerts
from pochub.store import alert_repository as repository
from pochub.store import tables
from pochub.store.database import as_utc, connect

GATEWAY = Actor("test-gateway", "gateway")
WINDOW = timedelta(hours=2)


def settings_of(engine: Engine) -> Settings:
    url = engine.url.render_as_string(hide_password=False)
    return Settings(database_url=url, secret_key="k" * 64)


def place(engine: Engine, offset: int) -> tuple[float, float, str]:
    """A demo community's place (the ``offset``-th): each test its own area, the module's engine is shared."""
    communities = tables.communities
    with engine.connect() as conn:
        row = conn.execute(
            select(communities.c.latitude, communities.c.longitude, communities.c.pcode)
            .order_by(communities.c.community_id)
            .offset(offset)
            .limit(1)
        ).one()
    return row.latitude, row.longitude, row.pcode


def post(engine: Engine, sid: str, body: str, lat: float, lon: float, at: datetime, **options: Any) -> Any:
    form = {
        "From": "+243810000222",
        "Body": body,
        "MessageSid": sid,
        "Latitude": str(lat),
        "Longitude": str(lon),
    }
    report = read_sms_form(form, at)
    return alerts.receive_report(engine, settings_of(engine), report, actor=GATEWAY, now=at, **options)


def candidates_as_before(
    engine: Engine, pcode: str, received_at: datetime, exercise_id: int | None
) -> list[Candidate]:
    """The merge candidates as the query before this change read them (written out here as the oracle)."""
    reports, rows_of = tables.alert_reports, tables.alerts
    with engine.connect() as conn:
        rows = conn.execute(
            select(reports.c.alert_id, reports.c.received_at, reports.c.text)
            .join(rows_of, rows_of.c.alert_id == reports.c.alert_id)
            .where(
                rows_of.c.pcode == pcode,
                rows_of.c.state.in_(repository.OPEN),
                reports.c.received_at >= received_at - WINDOW,
                reports.c.received_at <= received_at + WINDOW,
                rows_of.c.exercise_id.is_(None)
                if exercise_id is None
                else rows_of.c.exercise_id == exercise_id,
            )
            .order_by(reports.c.alert_id)
            .limit(500)
        ).all()
    grouped: dict[int, tuple[datetime, list[str]]] = {}
    for alert_id, at, words in rows:
        last, texts = grouped.get(alert_id, (as_utc(at), []))
        texts.append(words)
        grouped[alert_id] = (max(last, as_utc(at)), texts)
    return [Candidate(alert_id, pcode, last, tuple(texts)) for alert_id, (last, texts) in grouped.items()]


def comparable(candidates: list[Candidate]) -> list[tuple[Any, ...]]:
    """Candidates in their order, each alert's texts sorted (rows of one alert come in no set order)."""
    return [(c.alert_id, c.pcode, c.last_report_at, sorted(c.texts)) for c in candidates]


def test_one_read_finds_the_retry_and_the_same_candidates(demo_engine: Engine) -> None:
    lat, lon, pcode = place(demo_engine, 3)
    start = datetime(2026, 3, 1, 8, 0, tzinfo=UTC)
    run = uuid.uuid4().hex[:6]
    texts = ["armed men attack the market of Kibali", "armed men attacked Kibali market, houses burn",
             "cattle raid near the river crossing", "flood at the school, no attack"]  # fmt: skip
    sids = []
    for k, body in enumerate(texts * 2):
        sids.append(f"{run}-{k}")
        post(demo_engine, sids[-1], body, lat, lon, start + timedelta(minutes=7 * k))
    post(demo_engine, f"{run}-late", texts[0], lat, lon, start + timedelta(hours=5))  # outside the window
    with demo_engine.connect() as conn:
        exercise = conn.execute(select(tables.exercises.c.exercise_id).limit(1)).scalar()
    at = start + timedelta(minutes=30)
    for exercise_id in (None, exercise):
        expected = candidates_as_before(demo_engine, pcode, at, exercise_id)
        with demo_engine.connect() as conn:
            for sid, duplicate in ((sids[2], True), (f"{run}-new", False)):
                found, candidates = repository.intake_lookup(conn, "sms", sid, pcode, at, WINDOW, exercise_id)
                assert (found, comparable(candidates)) == (duplicate, comparable(expected))
            assert comparable(
                repository.merge_candidates(conn, pcode, at, WINDOW, exercise_id)
            ) == comparable(expected)
            # no place or no window: the retry is still found, no candidates
            assert repository.intake_lookup(conn, "sms", sids[0], None, at, WINDOW, exercise_id) == (True, [])
            assert repository.intake_lookup(conn, "sms", sids[0], pcode, at, timedelta(0), exercise_id) == (
                True,
                [],
            )
    assert len(candidates_as_before(demo_engine, pcode, at, None)) >= 2  # the check compared something


def test_retry_merge_and_new_alert_outcomes(demo_engine: Engine) -> None:
    lat, lon, _ = place(demo_engine, 11)
    at = datetime(2026, 4, 2, 9, 0, tzinfo=UTC)
    run = uuid.uuid4().hex[:6]
    first = post(demo_engine, f"{run}-a", "armed men burn houses in the village tonight", lat, lon, at)
    again = post(demo_engine, f"{run}-a", "armed men burn houses in the village tonight", lat, lon, at)
    merged = post(
        demo_engine, f"{run}-b", "armed men burned houses in our village", lat, lon, at + timedelta(minutes=5)
    )
    other = post(
        demo_engine, f"{run}-c", "a bridge collapsed, trucks cannot pass", lat, lon, at + timedelta(minutes=6)
    )
    assert (first.merged, first.duplicate) == (False, False)
    assert (again.reference, again.report_id, again.duplicate) == (first.reference, first.report_id, True)
    assert (merged.reference, merged.merged) == (first.reference, True)
    assert other.reference != first.reference and not other.merged


def test_a_pooled_connection_that_died_is_replaced(demo_engine: Engine) -> None:
    if demo_engine.dialect.name != "postgresql":
        pytest.skip("a SQLite connection cannot die while pooled")
    url = demo_engine.url.render_as_string(hide_password=False)
    engine = connect(url)  # its own pool: the one connection the first post leaves in it is the one killed
    lat, lon, _ = place(engine, 17)
    at = datetime(2026, 5, 1, 7, 0, tzinfo=UTC)
    run = uuid.uuid4().hex[:6]
    post(engine, f"{run}-before", "first report", lat, lon, at)
    with engine.connect() as conn:
        pid = conn.exec_driver_sql("SELECT pg_backend_pid()").scalar()
    admin = create_engine(url)
    with admin.begin() as conn:
        assert conn.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid}).scalar()
    admin.dispose()
    try:
        result = post(engine, f"{run}-after", "second report, other words entirely", lat, lon, at)
        with engine.connect() as conn:
            stored = conn.execute(
                select(tables.alert_reports.c.external_id).where(
                    tables.alert_reports.c.report_id == result.report_id
                )
            ).scalar()
    finally:
        engine.dispose()
    assert stored == f"{run}-after"

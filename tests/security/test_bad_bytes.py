"""Bad bytes: a NUL character in a path is 404 (it was 500 on /static/%00); an SMS holding NUL is stored with the
NUL removed, the same on both backends (PostgreSQL lost it, SQLite cut it), and the alert is kept."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, select

from pochub.config import Settings
from pochub.core.models.alerts import Channel, Report
from pochub.core.workflow.lifecycle import SYSTEM, Actor
from pochub.http.app import create_app
from pochub.services.alerts import receive_report
from pochub.store import tables
from pochub.store.database import reading
from tests.api.access_helpers import auth_header, make_user

SECRET = "test secret key, not for production use"


def _settings(engine: Engine) -> Settings:
    url = engine.url.render_as_string(hide_password=False)
    return Settings(database_url=url, secret_key=SECRET, workers=False)


def _stored(engine: Engine, reference: str) -> tuple[str, str, list[str]]:
    with reading(engine) as conn:
        alert = conn.execute(
            select(tables.alerts.c.alert_id, tables.alerts.c.text, tables.alerts.c.location_text).where(
                tables.alerts.c.reference == reference
            )
        ).one()
        reports = conn.execute(
            select(tables.alert_reports.c.text).where(tables.alert_reports.c.alert_id == alert.alert_id)
        ).scalars()
        return alert.text, alert.location_text, list(reports)


@pytest.mark.parametrize(
    "path", ["/static/%00", "/static/app%00.js", "/%00", "/api/v1/alerts/A%00B", "/alerts/%00"]
)
def test_a_nul_in_a_path_is_not_found(demo_engine: Engine, path: str) -> None:
    client = TestClient(create_app(_settings(demo_engine)), raise_server_exceptions=False)
    assert client.get(path).status_code == 404


def test_an_sms_with_nul_is_kept_without_it(demo_engine: Engine) -> None:
    now = datetime.now(UTC)
    report = Report(
        Channel.SMS,
        "nul-sms-\x001",
        now - timedelta(minutes=5),
        "Armed men\x00 at the well of Kobe\x00",
        sender_number="+243\x00812345678",
        location_text="near\x00 the well",
        pcode="KT0101",
    )
    result = receive_report(
        demo_engine, _settings(demo_engine), report, actor=Actor("gateway", SYSTEM), now=now
    )
    text, location, reports = _stored(demo_engine, result.reference)
    assert text == "Armed men at the well of Kobe"
    assert location == "near the well"
    assert reports == ["Armed men at the well of Kobe"]
    again = receive_report(
        demo_engine, _settings(demo_engine), report, actor=Actor("gateway", SYSTEM), now=now
    )
    assert again.duplicate and again.reference == result.reference  # a gateway's retry is still recognised


def test_an_alert_posted_with_nul_through_the_api_is_kept(demo_engine: Engine) -> None:
    _, token = make_user(demo_engine, "admin")
    client = TestClient(create_app(_settings(demo_engine)), headers=auth_header(token))
    response = client.post(
        "/api/v1/alerts",
        json={"text": "Shots\u0000 fired near the school", "pcode": "KT0102"},
    )
    assert response.status_code == 201, response.text
    text, _, _ = _stored(demo_engine, response.json()["reference"])
    assert text == "Shots fired near the school"

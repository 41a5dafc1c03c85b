"""The weekly PoC situation report on the demo mission (both backends): its figures are those of the commands it
summarises (`pochub events summary`, `pochub alerts stats`, `pochub coverage`, `pochub assess`); it is written as
HTML and PDF in English and French by `pochub report weekly`, served by the API and shown as a page."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, func, select

from pochub.config import Settings
from pochub.core.models.access import Role, User
from pochub.errors import InvalidInput
from pochub.http.app import create_app
from pochub.services.demo_mission import create_demo_accounts, create_demo_alerts
from pochub.services.sitrep import week_bounds, weekly_report
from pochub.services.structures import require_structure
from pochub.services.threat_listing import list_threats
from pochub.store import tables
from tests.api.access_helpers import auth_header, make_user
from tests.test_french_complete import assert_french

ADVISER = User(1, "adviser", Role.POC_ADVISER)


def _week_of_last_event(engine: Engine) -> str:
    with engine.connect() as conn:
        last = conn.execute(select(func.max(tables.events.c.event_date))).scalar_one()
    year, number, _ = last.isocalendar()
    return f"{year}-W{number:02d}"


def test_the_weeks_figures_are_those_of_the_commands(demo_engine: Engine, cli: Any, tmp_path: Path) -> None:
    url = demo_engine.url.render_as_string(hide_password=False)
    create_demo_alerts(demo_engine, Settings(database_url=url), now=datetime.now(UTC))
    create_demo_accounts(demo_engine, require_structure(demo_engine).field_offices[0].id)
    week = _week_of_last_event(demo_engine)
    start, end = week_bounds(week)
    report = weekly_report(demo_engine, ADVISER, week)
    db = ("--database", url)
    summary = cli(*db, "events", "summary", "--by", "threat", "--from", start.isoformat(), "--to", end.isoformat(),
                  "--format", "json")  # fmt: skip
    assert summary.code == 0, summary.err
    rows = json.loads(summary.out)
    assert report.events == sum(r["events"] for r in rows) > 0
    assert report.civilian_fatalities == sum(r["civilian_fatalities"] for r in rows)
    coverage = json.loads(cli(*db, "coverage", "--standard", "4h", "--format", "json").out)
    assert report.covered_share == pytest.approx(coverage["standards"][0]["covered_share"])
    assert [line.record.key for line in report.top_risks] == [
        r.key for r in list_threats(demo_engine, as_of=end).records[:10]
    ]
    # this week's alerts (the demo's were received in the last days)
    now_week = datetime.now(UTC).date().isocalendar()
    current = f"{now_week[0]}-W{now_week[1]:02d}"
    alerts = weekly_report(demo_engine, ADVISER, current)
    since, until = week_bounds(current)
    stats = cli(*db, "alerts", "stats", "--since", since.isoformat(),
                "--until", (until + timedelta(days=1)).isoformat(), "--format", "json")  # fmt: skip
    assert stats.code == 0, stats.err
    assert alerts.alerts_received == json.loads(stats.out)["overall"]["alerts"]
    with pytest.raises(InvalidInput, match="YYYY-Www"):
        week_bounds("week 48")

    pdf, html = tmp_path / "sitrep.pdf", tmp_path / "sitrep.html"
    assert cli(*db, "report", "weekly", "--week", week, "-o", pdf, "--as", "adviser").code == 0
    assert pdf.read_bytes().startswith(b"%PDF")
    written = cli(*db, "report", "weekly", "--week", week, "-o", html, "--as", "adviser", "--language", "fr")
    assert written.code == 0, written.err
    text = html.read_text(encoding="utf-8")
    assert f"Rapport hebdomadaire de situation PoC, {week}" in text
    assert_french("pochub report weekly --language fr", text)


def test_the_report_is_served_and_shown(demo_engine: Engine) -> None:
    url = demo_engine.url.render_as_string(hide_password=False)
    _, token = make_user(demo_engine, "poc_adviser")
    week = _week_of_last_event(demo_engine)
    with TestClient(create_app(Settings(database_url=url, workers=False))) as client:
        headers = auth_header(token)
        page = client.get("/reports/weekly", params={"week": week}, headers=headers)
        assert (
            page.status_code == 200
            and "Main navigation" in page.text
            and "Top risks and what changed" in page.text
        )
        pdf = client.get("/api/v1/reports/weekly", params={"week": week, "format": "pdf"}, headers=headers)
        assert pdf.headers["content-type"] == "application/pdf"
        assert client.get("/api/v1/reports/weekly", params={"week": "48"}, headers=headers).status_code == 422
        assert client.get("/api/v1/reports/weekly").status_code == 401

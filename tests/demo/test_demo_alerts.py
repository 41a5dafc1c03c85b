"""The demo mission's alerts: every lifecycle status in each field office, made through the alert service (each
transition recorded, feedback given to the communities), once, on both backends; the demo refuses a database
holding a mission's own data."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import Engine, func, select

from pochub.config import Settings
from pochub.core.models.alerts import OPEN_STATUSES, AlertStatus
from pochub.errors import InvalidInput
from pochub.services.demo_mission import create_demo_alerts, load_demo
from pochub.services.structures import require_structure
from pochub.store import tables
from tests.conftest import CliRunner, shared_file


def test_every_status_in_every_field_office_through_the_lifecycle(engine: Engine) -> None:
    settings = Settings()
    load_demo(engine, settings, seed=3, n_communities=120, n_events=300)
    made = create_demo_alerts(engine, settings)
    assert set(made) == {s.value for s in AlertStatus}
    offices = {o.id for o in require_structure(engine).field_offices}
    a, t = tables.alerts.c, tables.alert_transitions.c
    with engine.connect() as conn:
        held = set(conn.execute(select(a.field_office, a.state).distinct()).all())
        assert held == {(office, status.value) for office in offices for status in AlertStatus}
        details = [
            json.loads(d) for d in conn.execute(select(a.details).where(a.state == "closed")).scalars()
        ]
        assert details and all(d.get("feedback", {}).get("message") for d in details)
        transitions = conn.execute(select(func.count()).select_from(tables.alert_transitions)).scalar_one()
        actors = set(conn.execute(select(t.actor).distinct()).scalars())
    assert transitions >= sum(range(11)) * len(offices), "each step is a recorded transition"
    assert {f"{office}_focal" for office in offices} <= actors and "demo_jmac" in actors
    assert create_demo_alerts(engine, settings) == {}, "made once"


def test_officer_inbox_after_the_demo_command(cli: CliRunner, database_url: str) -> None:
    made = cli("--database", database_url, "demo", "--events", "300", "--communities", "100")
    assert made.code == 0, made.err
    inbox = cli("--database", database_url, "alerts", "list", "--as", "officer", "--open", "--format", "json")
    assert inbox.code == 0, inbox.err
    listed = json.loads(inbox.out)
    assert listed["total"] == 9, "the officer's inbox holds the office's alert in each open status"
    assert {a["state"] for a in listed["items"]} == {s.value for s in OPEN_STATUSES}


def test_demo_refuses_a_database_with_a_missions_data(
    database_url: str, engine: Engine, cli: CliRunner
) -> None:
    path = shared_file("acled-legacy-perse/ACLED_CAR_00_14.csv")
    assert cli("--database", database_url, "import", "acled", path).code == 0
    with pytest.raises(InvalidInput, match=r"demo\.db"):
        load_demo(engine, Settings(), seed=1, n_communities=50, n_events=100)

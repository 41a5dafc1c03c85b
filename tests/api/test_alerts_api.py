"""Alerts end to end through the API, on both backends: SMS intake routed by the demo structure, every lifecycle
step by the right roles, refusals that change nothing, area scoping, informant protection, escalation."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import Engine, func, select
from starlette.testclient import TestClient

from pochub.config import Settings
from pochub.http.app import create_app
from pochub.services.alerts import escalate_overdue
from pochub.store import tables
from tests.api.access_helpers import auth_header, make_user

OFFICE = "fo_besu"  # the demo field office of province KT02
OTHER_OFFICE = "fo_kimundaro"  # province KT04
NUMBER = "+243810000111"


@pytest.fixture(scope="module")
def client(demo_engine: Engine) -> Iterator[TestClient]:
    url = demo_engine.url.render_as_string(hide_password=False)
    with TestClient(create_app(Settings(database_url=url, workers=False))) as test_client:
        yield test_client


@pytest.fixture(scope="module")
def people(demo_engine: Engine) -> dict[str, dict[str, str]]:
    roles = {
        "gateway": ("gateway", None),
        "cla": ("cla", OFFICE),
        "officer": ("field_officer", OFFICE),
        "other_officer": ("field_officer", OTHER_OFFICE),
        "planner": ("planner", None),
        "adviser": ("poc_adviser", None),
        "viewer": ("viewer", None),
        "partner": ("partner", None),
    }
    tokens = {}
    for name, (role, office) in roles.items():
        _, token = make_user(demo_engine, role, field_office=office)
        tokens[name] = auth_header(token)
    tokens["gateway_key"] = {
        "X-Pochub-Gateway-Key": tokens["gateway"]["Authorization"].removeprefix("Bearer ")
    }
    return tokens


def place_in(engine: Engine, province: str) -> tuple[float, float, str]:
    communities = tables.communities
    with engine.connect() as conn:
        row = conn.execute(
            select(communities.c.latitude, communities.c.longitude, communities.c.pcode)
            .where(communities.c.pcode.like(f"{province}%"))
            .order_by(communities.c.community_id)
            .limit(1)
        ).one()
    return row.latitude, row.longitude, row.pcode


def sms(client: TestClient, people: dict[str, Any], sid: str, text: str, lat: float, lon: float) -> Any:
    response = client.post(
        "/api/v1/intake/sms",
        headers=people["gateway_key"],
        data={"From": NUMBER, "Body": text, "MessageSid": sid, "Latitude": str(lat), "Longitude": str(lon)},
    )
    assert response.status_code == 201, response.text
    return response.json()


def counts(engine: Engine) -> tuple[int, int, int]:
    with engine.connect() as conn:
        return tuple(  # type: ignore[return-value]
            conn.execute(select(func.count()).select_from(t)).scalar_one()
            for t in (tables.alerts, tables.alert_transitions, tables.outbox)
        )


def test_sms_alert_is_routed_and_walks_every_step(
    client: TestClient, people: dict[str, Any], demo_engine: Engine
) -> None:
    lat, lon, _ = place_in(demo_engine, "KT02")
    first = sms(
        client, people, "SM-walk-1", "Armed men attacked Kibali village tonight, houses burnt", lat, lon
    )
    assert (first["field_office"], first["body"], first["merged"]) == (OFFICE, "field_poc_wg_besu", False)
    reference = first["reference"]
    again = sms(
        client, people, "SM-walk-1", "Armed men attacked Kibali village tonight, houses burnt", lat, lon
    )
    assert again["duplicate"] and again["reference"] == reference
    merged = sms(client, people, "SM-walk-2", "armed men attack Kibali village, houses burning", lat, lon)
    assert merged["merged"] and merged["reference"] == reference

    def act(who: str, action: str, body: dict[str, Any] | None = None, expect: int = 200) -> dict[str, Any]:
        response = client.post(f"/api/v1/alerts/{reference}/{action}", json=body or {}, headers=people[who])
        assert response.status_code == expect, response.text
        return response.json()

    before = counts(demo_engine)
    act("viewer", "acknowledge", expect=403)
    act("planner", "acknowledge", expect=403)
    act("officer", "close", expect=409)
    act("officer", "verify", {"result": "confirmed"}, expect=409)
    assert counts(demo_engine) == before  # refused calls change nothing
    assert client.get(f"/api/v1/alerts/{reference}", headers=people["officer"]).json()["state"] == "received"

    act("cla", "acknowledge", {"note": "called back the chief"})
    act("officer", "verify", {"result": "confirmed", "note": "two sources"})
    act("officer", "classify", {"threat_type": "killing", "urgency": "high"})
    act("officer", "transmit")
    act("officer", "decide", {"decision": "respond", "tier": "II", "phase": "response", "units": ["U-01"]})
    act("planner", "deploy")
    act(
        "officer", "record-outcome", {"outcome": "patrol deployed; the group withdrew", "civilians_harmed": 0}
    )
    act("officer", "close", expect=409)  # no feedback to the community yet
    act("cla", "give-feedback", {"channel": "phone", "message": "A patrol came; it stays tonight."})
    act("officer", "close")
    final = act("adviser", "after-action-review", {"lessons": "acknowledged within the hour"})
    assert final["state"] == "reviewed"
    assert final["feedback"]["channel"] == "phone"
    steps = [h["action"] for h in final["history"]]
    assert steps == [
        "receive", "merge_report", "acknowledge", "verify", "classify", "transmit", "decide", "deploy",
        "record_outcome", "give_feedback", "close", "after_action_review",
    ]  # fmt: skip
    assert {h["role"] for h in final["history"]} >= {"cla", "field_officer", "planner", "poc_adviser"}
    assert len(final["reports_received"]) == 2


def test_area_scoping_and_informant_protection(
    client: TestClient, people: dict[str, Any], demo_engine: Engine
) -> None:
    lat, lon, _ = place_in(demo_engine, "KT02")
    reference = sms(client, people, "SM-scope-1", "Recruiters took boys from the school at Ngaba", lat, lon)[
        "reference"
    ]
    assert client.get(f"/api/v1/alerts/{reference}", headers=people["other_officer"]).status_code == 403
    listed = client.get("/api/v1/alerts", headers=people["other_officer"]).json()
    assert reference not in {a["reference"] for a in listed["items"]}
    own = client.get("/api/v1/alerts", headers=people["officer"], params={"limit": 500}).json()
    assert reference in {a["reference"] for a in own["items"]}

    officer_view = client.get(f"/api/v1/alerts/{reference}", headers=people["officer"]).json()
    assert officer_view["sender"]["number"] == NUMBER
    assert (officer_view["latitude"], officer_view["longitude"]) == (lat, lon)
    digits = NUMBER.removeprefix("+")
    for who in ("viewer", "partner"):
        response = client.get(f"/api/v1/alerts/{reference}", headers=people[who])
        assert response.status_code == 200
        assert digits not in response.text and "sender" not in response.json()
        view = response.json()
        assert (view["latitude"], view["longitude"]) != (lat, lon)
        assert view["location_fuzzed_km"] == 5.0
        listing = client.get("/api/v1/alerts", headers=people[who], params={"limit": 500})
        assert digits not in listing.text
    exported = client.get("/api/v1/alerts/export", headers=people["adviser"], params={"format": "csv"})
    assert exported.status_code == 200 and digits not in exported.text and reference in exported.text
    with demo_engine.connect() as conn:
        stored = conn.execute(
            select(tables.alerts.c.sender_number).where(tables.alerts.c.reference == reference)
        )
        assert digits.encode() not in stored.scalar_one()  # encrypted at rest
        reads = conn.execute(
            select(func.count())
            .select_from(tables.audit_log)
            .where(tables.audit_log.c.action == "read_protected", tables.audit_log.c.entity_id == reference)
        ).scalar_one()
    assert reads >= 1


def test_unacknowledged_alert_escalates_after_its_deadline(
    client: TestClient, people: dict[str, Any], demo_engine: Engine
) -> None:
    lat, lon, _ = place_in(demo_engine, "KT02")
    created = sms(client, people, "SM-late-1", "Cattle raiders burning granaries near Lomo", lat, lon)
    due = datetime.fromisoformat(created["due_at"])
    assert created["reference"] not in escalate_overdue(demo_engine, now=due - timedelta(minutes=1))
    escalated = escalate_overdue(demo_engine, now=due + timedelta(hours=2))
    assert created["reference"] in escalated
    view = client.get(f"/api/v1/alerts/{created['reference']}", headers=people["adviser"]).json()
    assert (view["escalation_level"], view["body"], view["state"]) == (1, "mission_poc_wg", "received")
    assert view["history"][-1]["action"] == "escalate"
    assert datetime.fromisoformat(view["due_at"]) > due + timedelta(hours=2)
    with demo_engine.connect() as conn:
        targets = set(
            conn.execute(
                select(tables.outbox.c.target).where(
                    tables.outbox.c.kind == "alert.escalated",
                    tables.outbox.c.payload.contains(created["reference"]),
                )
            ).scalars()
        )
    assert "mission_poc_wg" in targets


def test_bad_intake_is_a_clear_error(client: TestClient, people: dict[str, Any]) -> None:
    response = client.post("/api/v1/intake/sms", headers=people["gateway_key"], data={"From": NUMBER})
    assert response.status_code == 422 and "message is empty" in response.json()["detail"]
    response = client.post("/api/v1/intake/sms", headers={"X-Pochub-Gateway-Key": "nope"}, data={"Body": "x"})
    assert response.status_code == 401
    response = client.post("/api/v1/intake/sms", headers=people["viewer"], data={"Body": "x"})
    assert response.status_code == 403
    response = client.post(
        "/api/v1/intake/kobo",
        headers=people["gateway"],
        json={"_id": 1, "_geolocation": [95, 1], "description": "x"},
    )
    assert response.status_code == 422 and "location" in response.json()["detail"]


def test_rapidpro_and_kobo_intake(client: TestClient, people: dict[str, Any], demo_engine: Engine) -> None:
    lat, lon, _ = place_in(demo_engine, "KT04")
    flow = {
        "contact": {"uuid": "c-1", "name": "Maman Odile", "urn": "tel:+243820000222"},
        "flow": {"uuid": "f-1", "name": "Alerte communautaire"},
        "results": {"pcode": {"value": "KT0401"}, "urgency": {"value": "urgent"}},
        "input": {
            "text": "Des hommes armés enlèvent des femmes au marché",
            "created_on": datetime.now(UTC).isoformat(),
        },
        "run": {"uuid": "run-kt04-1"},
    }
    created = client.post("/api/v1/intake/rapidpro", headers=people["gateway"], json=flow)
    assert created.status_code == 201, created.text
    assert created.json()["field_office"] == OTHER_OFFICE
    assert created.json()["body"] == "joc"  # immediate urgency goes to the JOC, the field office is told
    submission = {
        "_id": 991, "_uuid": "kobo-uuid-1", "_submission_time": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S"),
        "_geolocation": [lat, lon], "alerte/description": "Pillage de boutiques, incendies", "alerte/urgency": "routine",
    }  # fmt: skip
    created = client.post("/api/v1/intake/kobo", headers=people["gateway"], json=submission)
    assert created.status_code == 201, created.text
    assert created.json()["field_office"] == OTHER_OFFICE

"""The response-times and notifications APIs: roles, area scoping, secrets never returned; both backends."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import timedelta

import httpx2
import pytest
from sqlalchemy import Engine, select
from starlette.testclient import TestClient

from pochub.config import Settings
from pochub.core.models.access import Role
from pochub.http.app import create_app
from pochub.services.notifications import deliver_pending
from pochub.store.tables import audit_log
from tests.api.access_helpers import auth_header, make_user
from tests.store.test_alert_stats_command import T0, add_alert
from tests.store.test_notifications import add_effect


@pytest.fixture
def client(engine: Engine, database_url: str) -> Iterator[TestClient]:
    app = create_app(Settings(database_url=database_url, workers=False))
    with TestClient(app) as test_client:
        yield test_client
    app.state.engine.dispose()


def test_response_times_for_every_role_scoped_to_the_area(client: TestClient, engine: Engine) -> None:
    add_alert(engine, "FO-North", "CAN-A", acknowledge=1, verify=3)
    add_alert(engine, "FO-North", "CAN-B", acknowledge=3)
    add_alert(engine, "FO-South", "CAN-A", acknowledge=10)
    assert client.get("/api/v1/alerts/stats").status_code == 401

    _, viewer = make_user(engine, Role.VIEWER)
    everything = client.get("/api/v1/alerts/stats", headers=auth_header(viewer))
    assert everything.status_code == 200, everything.text
    data = everything.json()
    assert data["overall"]["alerts"] == 3
    assert data["overall"]["steps"]["acknowledge"]["median_hours"] == 3.0
    assert data["overall"]["steps"]["acknowledge"]["p90_hours"] == pytest.approx(8.6)
    assert not data["field_office"]  # routed from the true place: not for readers of fuzzed places
    _, analyst = make_user(engine, Role.ANALYST)
    offices = client.get("/api/v1/alerts/stats", headers=auth_header(analyst)).json()["field_office"]
    assert [g["group"] for g in offices] == ["FO-North", "FO-South"]

    _, officer = make_user(engine, Role.FIELD_OFFICER, field_office="FO-North")
    scoped = client.get("/api/v1/alerts/stats?by=alert_network", headers=auth_header(officer)).json()
    assert scoped["overall"]["alerts"] == 2 and scoped["field_office"] is None
    assert {g["group"] for g in scoped["alert_network"]} == {"CAN-A", "CAN-B"}
    asked_other = client.get(
        "/api/v1/alerts/stats?field_office=FO-South", headers=auth_header(officer)
    ).json()
    assert asked_other["overall"]["alerts"] == 0

    since = (T0 + timedelta(hours=1)).isoformat()
    later = client.get("/api/v1/alerts/stats", params={"since": since}, headers=auth_header(viewer)).json()
    assert later["overall"]["alerts"] == 0
    bad = client.get("/api/v1/alerts/stats?by=region", headers=auth_header(viewer))
    assert bad.status_code == 422


def test_endpoints_are_admin_only_and_secrets_write_only(client: TestClient, engine: Engine) -> None:
    admin, admin_token = make_user(engine, Role.ADMIN)
    _, adviser = make_user(engine, Role.POC_ADVISER)
    body = {"name": "joc", "url": "https://joc.example/hook", "targets": ["joc"], "secret": "k3y"}
    assert (
        client.post("/api/v1/notifications/endpoints", json=body, headers=auth_header(adviser)).status_code
        == 403
    )
    created = client.post("/api/v1/notifications/endpoints", json=body, headers=auth_header(admin_token))
    assert created.status_code == 201, created.text
    assert created.json()["has_secret"] is True and "secret" not in created.json()
    again = client.post("/api/v1/notifications/endpoints", json=body, headers=auth_header(admin_token))
    assert again.status_code == 409
    bad_url = {**body, "name": "ftp", "url": "ftp://joc.example"}
    assert (
        client.post(
            "/api/v1/notifications/endpoints", json=bad_url, headers=auth_header(admin_token)
        ).status_code
        == 422
    )
    listed = client.get("/api/v1/notifications/endpoints", headers=auth_header(admin_token)).json()
    assert [e["name"] for e in listed] == ["joc"] and "secret" not in listed[0]
    off = client.patch(
        "/api/v1/notifications/endpoints/joc", json={"active": False}, headers=auth_header(admin_token)
    )
    assert off.status_code == 200 and off.json()["active"] is False
    missing = client.patch(
        "/api/v1/notifications/endpoints/x", json={"active": False}, headers=auth_header(admin_token)
    )
    assert missing.status_code == 404
    with engine.connect() as conn:
        audited = conn.execute(
            select(audit_log.c.actor, audit_log.c.detail).where(audit_log.c.entity == "webhook_endpoint")
        ).all()
    assert [a for a, _ in audited] == [admin.username, admin.username]
    assert all("k3y" not in detail for _, detail in audited)


def test_outbox_and_deliveries_for_admin_and_adviser(client: TestClient, engine: Engine) -> None:
    _, admin = make_user(engine, Role.ADMIN)
    _, adviser = make_user(engine, Role.POC_ADVISER)
    _, analyst = make_user(engine, Role.ANALYST)
    client.post(
        "/api/v1/notifications/endpoints",
        json={"name": "joc", "url": "http://joc.example/hook"},
        headers=auth_header(admin),
    )
    effect = add_effect(engine, "alert:1:routed")
    skipped = add_effect(engine, "exercise:1:routed", exercise_id=2)
    transport = httpx2.MockTransport(lambda request: httpx2.Response(200, json=json.loads(request.content)))
    with httpx2.Client(transport=transport) as http:
        assert deliver_pending(engine, T0, client=http).delivered == 1

    assert client.get("/api/v1/notifications/outbox", headers=auth_header(analyst)).status_code == 403
    rows = client.get("/api/v1/notifications/outbox", headers=auth_header(adviser)).json()
    assert {r["effect_id"]: r["status"] for r in rows} == {effect: "delivered", skipped: "skipped"}
    only = client.get("/api/v1/notifications/outbox?status=skipped", headers=auth_header(adviser)).json()
    assert [r["effect_id"] for r in only] == [skipped]
    assert (
        client.get("/api/v1/notifications/outbox?status=lost", headers=auth_header(adviser)).status_code
        == 422
    )

    log = client.get(
        f"/api/v1/notifications/deliveries?effect_id={effect}", headers=auth_header(admin)
    ).json()
    assert [(d["endpoint"], d["attempt"], d["status_code"], d["delivered"]) for d in log] == [
        ("joc", 1, 200, True)
    ]
    latest = client.get("/api/v1/notifications/deliveries", headers=auth_header(adviser)).json()
    assert len(latest) == 1
    assert (
        client.get("/api/v1/notifications/deliveries?effect_id=999", headers=auth_header(admin)).status_code
        == 404
    )

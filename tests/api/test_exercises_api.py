"""The exercises API on both backends: a trainer runs a demo exercise, two teams play it, scores and the
after-action review come back, and the operational alert list and export never show an exercise alert."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import Engine
from starlette.testclient import TestClient

from pochub.config import Settings
from pochub.http.app import create_app
from tests.api.access_helpers import auth_header, make_user


@pytest.fixture(scope="module")
def client(demo_engine: Engine) -> Iterator[TestClient]:
    url = demo_engine.url.render_as_string(hide_password=False)
    with TestClient(create_app(Settings(database_url=url, workers=False))) as test_client:
        yield test_client


def test_two_teams_play_an_exercise_through_the_api(client: TestClient, demo_engine: Engine) -> None:
    _, trainer = make_user(demo_engine, "trainer")
    _, admin = make_user(demo_engine, "admin")
    blue_user, blue = make_user(demo_engine, "field_officer", area_pcodes=("KT",))
    red_user, red = make_user(demo_engine, "field_officer", area_pcodes=("KT",))
    listed_before = client.get("/api/v1/alerts", headers=auth_header(admin)).json()["total"]
    export_before = client.get("/api/v1/alerts/export?format=csv", headers=auth_header(admin)).text

    body = {"name": f"api-{uuid.uuid4().hex[:6]}", "source": "demo", "difficulty": "easy", "speed": 1}
    assert client.post("/api/v1/exercises", json=body, headers=auth_header(blue)).status_code == 403
    made = client.post("/api/v1/exercises", json=body, headers=auth_header(trainer))
    assert made.status_code == 201, made.text
    exercise = made.json()["exercise_id"]
    assert client.post("/api/v1/exercises", json=body, headers=auth_header(trainer)).status_code == 409
    base = f"/api/v1/exercises/{exercise}"
    for name, user in (("Blue", blue_user), ("Red", red_user)):
        team = {"name": name, "members": [{"username": user.username, "post": "poc_officer"}]}
        assert client.post(f"{base}/teams", json=team, headers=auth_header(trainer)).status_code == 201
    bad_post = {"name": "Green", "members": [{"username": blue_user.username, "post": "no_such_post"}]}
    assert client.post(f"{base}/teams", json=bad_post, headers=auth_header(trainer)).status_code in (409, 422)
    assert client.post(f"{base}/start", headers=auth_header(trainer)).status_code == 200
    assert client.post(f"{base}/pause", headers=auth_header(trainer)).status_code == 200
    advanced = client.post(f"{base}/advance", json={"hours": 11.8}, headers=auth_header(trainer)).json()
    assert advanced["injects"]["delivered"] == advanced["injects"]["total"] > 0
    injected = client.post(
        f"{base}/injects", headers=auth_header(trainer),
        json={"yaml": "- at: 0m\n  kind: rumour\n  text: People say the school was attacked.\n  pcode: KT01\n"},
    )  # fmt: skip
    assert injected.status_code == 201, injected.text
    assert client.post(f"{base}/start", headers=auth_header(trainer)).status_code == 200
    rumours = {
        i["text"]
        for i in client.get(f"{base}/injects", headers=auth_header(trainer)).json()
        if i["kind"] == "rumour"
    }
    assert client.get(f"{base}/injects", headers=auth_header(blue)).status_code == 403

    for token, good in ((blue, True), (red, False)):
        feed = client.get(f"{base}/feed", headers=auth_header(token)).json()
        assert feed["alerts_total"] == advanced["injects"]["total"] + 1

        def act(reference: str, action: str, fields: dict[str, Any], token: str = token) -> None:
            done = client.post(f"{base}/alerts/{reference}/{action}", json=fields, headers=auth_header(token))
            assert done.status_code == 200, done.text

        for item in feed["alerts"]:
            reference = item["reference"]
            act(reference, "acknowledge", {})
            if item["text"] in rumours:
                act(reference, "verify", {"result": "unfounded" if good else "confirmed"})
                if good:
                    act(reference, "give-feedback", {"channel": "sms", "message": "Checked: no attack."})
                    act(reference, "close", {})
                continue
            act(reference, "verify", {"result": "confirmed"})
            act(reference, "classify", {"threat_type": "killing", "urgency": "high"})
            act(reference, "transmit", {})
            tier, phase = ("II", "response") if good else ("III", "consolidation")
            act(reference, "decide", {"decision": "respond", "tier": tier, "phase": phase, "units": ["U01"]})
            act(reference, "deploy", {})
            act(reference, "record-outcome", {"outcome": "patrol"})
            act(reference, "give-feedback", {"channel": "phone", "message": "A patrol came."})
            act(reference, "close", {})

    red_alert = client.get(f"{base}/feed", headers=auth_header(red)).json()["alerts"][0]["reference"]
    wrong = client.post(f"{base}/alerts/{red_alert}/acknowledge", json={}, headers=auth_header(blue))
    assert wrong.status_code == 404
    assert (
        client.post(f"{base}/alerts/{red_alert}/acknowledge", json={}, headers=auth_header(red)).status_code
        == 409
    )
    operational_route = client.post(f"/api/v1/alerts/{red_alert}/close", json={}, headers=auth_header(admin))
    assert operational_route.status_code == 409 and "exercise" in operational_route.json()["detail"]

    scored = client.post(f"{base}/score", headers=auth_header(trainer))
    assert scored.status_code == 200, scored.text
    teams = {t["team"]: t for t in scored.json()["teams"]}
    assert teams["Blue"]["total"] > teams["Red"]["total"]
    assert all(s["explanation"] for d in teams["Red"]["decisions"] for s in d["scores"])
    report = client.get(f"{base}/report", headers=auth_header(trainer))
    assert report.status_code == 200 and "After-action review" in report.text and "<svg" in report.text
    pdf = client.get(f"{base}/report?format=pdf", headers=auth_header(trainer))
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")

    assert client.get("/api/v1/alerts", headers=auth_header(admin)).json()["total"] == listed_before
    assert client.get("/api/v1/alerts/export?format=csv", headers=auth_header(admin)).text == export_before
    assert client.post(f"{base}/finish", headers=auth_header(trainer)).json()["status"] == "finished"

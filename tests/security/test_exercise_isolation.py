"""Exercise isolation on every edge, on both backends (issue 15, item 2): an exercise alert is read only by its team
(on the exercise's pages and API, or by reference) and by facilitators. Another team's trainee, or anyone else, asking for it by
reference on the operational routes (the API's alert and history, the alert page, its poll, the CLI's ``show``
through the same service) finds nothing, as the lists do not show it."""

from __future__ import annotations

import uuid

import pytest
from sqlalchemy import Engine
from starlette.testclient import TestClient

from pochub.config import Settings
from pochub.errors import NotFound
from pochub.http.app import create_app
from pochub.services import alert_views
from tests.api.access_helpers import auth_header, make_user


def test_an_exercise_alert_is_read_by_its_team_and_facilitators_only(demo_engine: Engine) -> None:
    url = demo_engine.url.render_as_string(hide_password=False)
    settings = Settings(database_url=url, workers=False)  # type: ignore[call-arg]
    client = TestClient(create_app(settings))
    _, trainer = make_user(demo_engine, "trainer")
    _, analyst = make_user(demo_engine, "analyst")
    blue_user, blue = make_user(demo_engine, "poc_adviser")
    red_user, red = make_user(demo_engine, "poc_adviser")
    body = {"name": f"iso-{uuid.uuid4().hex[:6]}", "source": "demo", "difficulty": "easy", "speed": 1}
    made = client.post("/api/v1/exercises", json=body, headers=auth_header(trainer))
    assert made.status_code == 201, made.text
    base = f"/api/v1/exercises/{made.json()['exercise_id']}"
    for name, user in (("Blue", blue_user), ("Red", red_user)):
        team = {"name": name, "members": [{"username": user.username, "post": "poc_officer"}]}
        assert client.post(f"{base}/teams", json=team, headers=auth_header(trainer)).status_code == 201
    assert client.post(f"{base}/start", headers=auth_header(trainer)).status_code == 200
    assert (
        client.post(f"{base}/advance", json={"hours": 11.8}, headers=auth_header(trainer)).status_code == 200
    )
    red_alert = client.get(f"{base}/feed", headers=auth_header(red)).json()["alerts"][0]["reference"]

    # the team and the facilitator read it
    for token in (red, trainer):
        assert client.get(f"/api/v1/alerts/{red_alert}", headers=auth_header(token)).status_code == 200
    assert alert_views.alert_detail(demo_engine, settings, red_alert, red_user)["reference"] == red_alert
    # another team's trainee and an operational reader do not, on any route
    for token in (blue, analyst):
        for path in (f"/api/v1/alerts/{red_alert}", f"/api/v1/alerts/{red_alert}/history"):
            assert client.get(path, headers=auth_header(token)).status_code == 404, path
    with pytest.raises(NotFound):
        alert_views.alert_detail(demo_engine, settings, red_alert, blue_user)
    exercise_id = base.rsplit("/", 1)[1]
    for path in (
        f"/alerts/{red_alert}",
        f"/alerts/{red_alert}/live.json",
        f"/exercises/{exercise_id}/play/{red_alert}",
    ):
        assert client.get(path, headers=auth_header(blue)).status_code == 404, path
    assert (
        client.get(f"/exercises/{exercise_id}/play/{red_alert}", headers=auth_header(red)).status_code == 200
    )

"""The live alert desk on both backends (issue 14): the inbox's and the map's poll show an alert logged meanwhile,
answer 304 while nothing changed, keep to the user's area, place alerts without coordinates at their community or
inside their area (fuzzed roles: the fuzzed area only, never the community), and every time shows in the mission's
local time with UTC on hover."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import Engine, select
from starlette.testclient import TestClient

from pochub.config import Settings
from pochub.http.app import create_app
from pochub.services.alert_live import area_points
from pochub.store import tables
from tests.api.access_helpers import auth_header, make_user
from tests.csrf_tokens import with_csrf_tokens
from tests.web.test_alert_pages import OFFICE, OTHER_OFFICE, place, post_alert


@pytest.fixture(scope="module")
def client(demo_engine: Engine) -> Iterator[TestClient]:
    url = demo_engine.url.render_as_string(hide_password=False)
    app = create_app(Settings(database_url=url, workers=False, timezone="Africa/Kinshasa", country_code="CD"))
    try:
        with with_csrf_tokens(TestClient(app)) as test_client:
            yield test_client
    finally:
        app.state.engine.dispose()


@pytest.fixture(scope="module")
def people(demo_engine: Engine) -> dict[str, dict[str, str]]:
    roles = {
        "cla": ("cla", OFFICE),
        "officer": ("field_officer", OFFICE),
        "other_officer": ("field_officer", OTHER_OFFICE),
        "adviser": ("poc_adviser", None),
        "viewer": ("viewer", None),
    }
    return {
        name: auth_header(make_user(demo_engine, role, field_office=office, display_name=name)[1])
        for name, (role, office) in roles.items()
    }


def references(desk: dict[str, Any]) -> set[str]:
    return {item["reference"] for item in desk["items"]}


def test_the_inbox_poll_shows_a_new_call_and_answers_304_while_nothing_changes(
    client: TestClient, people: dict[str, Any], demo_engine: Engine
) -> None:
    first = client.get("/alerts/live.json", headers=people["officer"])
    assert first.status_code == 200 and first.headers["etag"]
    unchanged = client.get(
        "/alerts/live.json", headers={**people["officer"], "If-None-Match": first.headers["etag"]}
    )
    assert unchanged.status_code == 304 and unchanged.content == b""
    assert unchanged.headers["x-checked-at"].endswith("WAT")

    here = place(demo_engine, "KT02")
    reference = post_alert(
        client, people["cla"], "Armed men at the market this morning", here["pcode"], urgency="immediate"
    )
    changed = client.get(
        "/alerts/live.json", headers={**people["officer"], "If-None-Match": first.headers["etag"]}
    )
    assert changed.status_code == 200
    desk = changed.json()
    assert reference in references(desk)
    item = next(i for i in desk["items"] if i["reference"] == reference)
    assert item["state"] == "received" and item["urgency"] == "immediate"
    assert item["received"]["local"].endswith("WAT") and item["received"]["utc"].endswith("UTC")
    assert desk["new"] >= 1  # received, not yet acknowledged: counted for the tab's title
    # Another office's officer polls and never learns of it; nobody signed in gets nothing.
    assert reference not in references(
        client.get("/alerts/live.json", headers=people["other_officer"]).json()
    )
    client.cookies.clear()
    assert client.get("/alerts/live.json").status_code == 401


def test_the_map_places_every_open_alert_and_fuzzed_roles_only_by_fuzzed_places(
    client: TestClient, people: dict[str, Any], demo_engine: Engine
) -> None:
    here = place(demo_engine, "KT02")
    by_area = post_alert(
        client, people["cla"], "Gunfire reported near the river crossing since dawn", here["pcode"]
    )
    by_community = post_alert(
        client,
        people["cla"],
        "Militia threatened the village chief, families fleeing",
        here["pcode"],
        community_id=here["community_id"],
    )
    with demo_engine.connect() as conn:
        stored = {
            r.reference: r
            for r in conn.execute(
                select(tables.alerts).where(tables.alerts.c.reference.in_([by_area, by_community]))
            )
        }
        inside = area_points(conn, [here["pcode"]])[here["pcode"]]
        fuzzed_inside = area_points(conn, [stored[by_area].fuzzed_pcode])[stored[by_area].fuzzed_pcode]

    desk = client.get("/alerts/live.json?map=1", headers=people["officer"]).json()
    places = {item["reference"]: item["place"] for item in desk["items"]}
    assert desk["placed"] + desk["unplaced"] == len(desk["items"]) and desk["placed"] >= 2
    assert (
        places[by_area]["by"] == "area"
        and (places[by_area]["latitude"], places[by_area]["longitude"]) == inside
    )
    if stored[by_community].latitude is None:
        assert places[by_community]["by"] == "community"
        assert (places[by_community]["latitude"], places[by_community]["longitude"]) == (
            here["lat"],
            here["lon"],
        )
    else:
        assert places[by_community]["by"] == "point"

    viewer = client.get("/alerts/live.json?map=1", headers=people["viewer"]).json()
    seen = {item["reference"]: item for item in viewer["items"]}
    assert places and seen[by_area]["place"]["by"] == "area"
    assert (seen[by_area]["place"]["latitude"], seen[by_area]["place"]["longitude"]) == fuzzed_inside
    for reference in (by_area, by_community):
        row, item = stored[reference], seen[reference]
        assert item["location_text"] == "" and item["pcode"] == (row.fuzzed_pcode or "")
        point = (item["place"]["latitude"], item["place"]["longitude"])
        assert point != (here["lat"], here["lon"]) or row.fuzzed_latitude == here["lat"]
        if row.fuzzed_latitude is not None:
            assert point == (row.fuzzed_latitude, row.fuzzed_longitude)


def test_an_alert_page_poll_changes_version_when_someone_acts_and_times_are_local(
    client: TestClient, people: dict[str, Any], demo_engine: Engine
) -> None:
    here = place(demo_engine, "KT02")
    reference = post_alert(
        client, people["cla"], "Looting of shops overnight, two wounded taken to clinic", here["pcode"]
    )
    page = client.get(f"/alerts/{reference}", headers=people["officer"])
    assert page.status_code == 200
    assert re.search(
        r'<time datetime="[^"]+" title="\d{4}-\d\d-\d\d \d\d:\d\d UTC">[^<]+ WAT</time>', page.text
    )
    before = client.get(f"/alerts/{reference}/live.json", headers=people["officer"])
    assert before.status_code == 200 and before.json()["state"] == "received"
    assert (
        f'"version": "{before.json()["version"]}"' in page.text.replace("&#34;", '"')
        or before.json()["version"] in page.text
    )
    acted = client.post(f"/api/v1/alerts/{reference}/acknowledge", json={}, headers=people["officer"])
    assert acted.status_code == 200, acted.text
    after = client.get(
        f"/alerts/{reference}/live.json",
        headers={**people["officer"], "If-None-Match": before.headers["etag"]},
    )
    assert after.status_code == 200 and after.json()["state"] == "acknowledged"
    assert after.json()["version"] != before.json()["version"]
    assert client.get(f"/alerts/{reference}/live.json", headers=people["other_officer"]).status_code == 403
    assert client.get("/alerts/A-NOPE/live.json", headers=people["officer"]).status_code == 404
    inbox = client.get("/alerts", headers=people["officer"])
    assert "WAT</time>" in inbox.text and " UTC</time>" not in inbox.text


def form_defaults(page: str, action: str) -> dict[str, Any]:
    """The values the page's form for ``action`` posts as offered (selected options, filled inputs, checked boxes)."""
    found = re.search(
        rf'<form class="action" method="post" action="/alerts/[^/]+/{action}".*?</form>', page, re.S
    )
    assert found, action
    form = found[0]
    values: dict[str, Any] = {}
    for name, body in re.findall(r'<select id="[^"]+" name="([a-z_]+)"[^>]*>(.*?)</select>', form, re.S):
        chosen = re.search(r'<option value="([^"]*)" selected>', body)
        values[name] = chosen[1] if chosen else re.search(r'<option value="([^"]*)"', body)[1]  # type: ignore[index]
    for name, value in re.findall(r'<input [^>]*name="([a-z_]+)"[^>]*value="([^"]*)"', form):
        if name != "units":
            values[name] = value
    values["units"] = re.findall(r'name="units" value="([^"]+)" checked', form)
    return values


def test_an_officer_closes_a_call_in_four_submissions_with_the_defaults_each_step_recorded(
    client: TestClient, people: dict[str, Any], demo_engine: Engine
) -> None:
    here = place(demo_engine, "KT02")
    reference = post_alert(
        client,
        people["cla"],
        "Armed group seen on the road to the health centre, women afraid to go to fields",
        here["pcode"],
        community_id=here["community_id"],
        urgency="immediate",
        threat_type="forced_recruitment",
    )
    officer = people["officer"]
    submissions = 0

    def submit(action: str, extra: dict[str, Any] | None = None) -> str:
        nonlocal submissions
        page = client.get(f"/alerts/{reference}", headers=officer).text
        data = {**form_defaults(page, action), **(extra or {}), "chain": "1"}
        response = client.post(
            f"/alerts/{reference}/{action}", data=data, headers=officer, follow_redirects=False
        )
        submissions += 1
        assert response.status_code == 303, response.text[:2000]
        assert response.headers["location"].endswith("#next-action")  # the page opens at the next action
        return client.get(response.headers["location"], headers=officer).text

    page = client.get(f"/alerts/{reference}", headers=officer).text
    assert "Acknowledge, verify, classify and transmit" in page
    page = submit("acknowledge")
    assert "Decide and deploy" in page
    # the units are offered nearest first, grouped by field office, with names and travel times in words
    units_form = re.search(
        r'<form class="action" method="post" action="/alerts/[^/]+/decide".*?</form>', page, re.S
    )
    assert units_form and "<legend>Field Office" in units_form[0] and " away)" in units_form[0]
    first_unit = re.search(r'name="units" value="([^"]+)"', units_form[0])
    assert first_unit
    page = submit("decide", {"units": [first_unit[1]]})
    page = submit(
        "record_outcome", {"outcome": "Patrol on the road; the group left.", "message": "A patrol came."}
    )
    page = submit("close")
    assert submissions == 4
    with demo_engine.connect() as conn:
        alert_id = conn.execute(
            select(tables.alerts.c.alert_id).where(tables.alerts.c.reference == reference)
        ).scalar_one()
        steps = list(
            conn.execute(
                select(tables.alert_transitions.c.action)
                .where(tables.alert_transitions.c.alert_id == alert_id)
                .order_by(tables.alert_transitions.c.at, tables.alert_transitions.c.transition_id)
            ).scalars()
        )
        unit_name = conn.execute(
            select(tables.units.c.name).where(tables.units.c.unit_id == first_unit[1])
        ).scalar_one()
    assert steps[-9:] == [
        "acknowledge", "verify", "classify", "transmit", "decide", "deploy", "record_outcome", "give_feedback",
        "close",
    ]  # fmt: skip
    decisions = page[page.index('id="decisions-title"') :]
    assert f"Units: {unit_name}" in decisions and f"<dd>{unit_name}</dd>" in decisions
    assert (
        f"units={first_unit[1]}" not in page and f"Units: {unit_name}" in page[page.index('id="history"') :]
    )


def test_an_unfounded_alert_stops_the_chain_after_verification(
    client: TestClient, people: dict[str, Any], demo_engine: Engine
) -> None:
    here = place(demo_engine, "KT02")
    reference = post_alert(client, people["cla"], "Rumour of cattle thieves, nobody saw them", here["pcode"])
    page = client.get(f"/alerts/{reference}", headers=people["officer"]).text
    data = {**form_defaults(page, "acknowledge"), "result": "unfounded", "chain": "1"}
    response = client.post(
        f"/alerts/{reference}/acknowledge", data=data, headers=people["officer"], follow_redirects=False
    )
    assert response.status_code == 303 and "done=verify" in response.headers["location"]
    state = client.get(f"/alerts/{reference}/live.json", headers=people["officer"]).json()
    assert state["state"] == "verified" and "give_feedback" in state["allowed_actions"]


def test_a_cla_logs_a_radio_call_as_it_happened_with_a_picked_place_and_a_national_number(
    client: TestClient, people: dict[str, Any], demo_engine: Engine
) -> None:
    here = place(demo_engine, "KT02")
    with demo_engine.connect() as conn:
        community = conn.execute(
            select(tables.communities.c.name).where(tables.communities.c.community_id == here["community_id"])
        ).scalar_one()
    form = client.get("/alerts/new", headers=people["cla"]).text
    assert f'<option value="{community} [{here["community_id"]}]">' in form  # the type-ahead's choices
    assert 'name="channel"' in form and 'type="datetime-local"' in form and "(WAT)" in form
    zone = ZoneInfo("Africa/Kinshasa")
    called = (datetime.now(UTC) - timedelta(minutes=40)).astimezone(zone).replace(second=0, microsecond=0)
    data = {
        "form_id": "desk-radio-call",
        "channel": "radio",
        "called_at": f"{called:%Y-%m-%dT%H:%M}",
        "text": "Radio from the parish: armed men asked for the chief's house",
        "pcode": "",
        "community_id": f"{community} [{here['community_id']}]",
        "urgency": "high",
        "sender_number": "081 000 0222",
    }
    future = client.post(
        "/alerts/new",
        data={**data, "form_id": "desk-future", "called_at": f"{called + timedelta(hours=3):%Y-%m-%dT%H:%M}"},
        headers=people["cla"],
    )
    assert future.status_code == 422 and "The time of the call cannot be in the future." in future.text
    logged = client.post("/alerts/new", data=data, headers=people["cla"], follow_redirects=False)
    assert logged.status_code == 303, logged.text[:3000]
    reference = re.match(r"/alerts/(A[0-9A-Z-]+)\?logged=1$", logged.headers["location"])[1]  # type: ignore[index]
    page = client.get(logged.headers["location"], headers=people["cla"]).text
    short = reference.split("-")[-1]
    assert f"Read it back as: {short[:4]} {short[4:]}." in page
    with demo_engine.connect() as conn:
        row = conn.execute(select(tables.alerts).where(tables.alerts.c.reference == reference)).one()
    assert row.channel == "radio" and row.community_id == here["community_id"]
    received = row.received_at if row.received_at.tzinfo else row.received_at.replace(tzinfo=UTC)
    assert received == called.astimezone(UTC)  # the time of the call, not of the typing
    officer_page = client.get(f"/alerts/{reference}", headers=people["officer"]).text
    assert "+243810000222" in officer_page and "radio message" in officer_page
    national_without_country = client.post(
        "/alerts/new",
        data={**data, "form_id": "desk-bad-number", "sender_number": "12"},
        headers=people["cla"],
    )
    assert national_without_country.status_code == 422

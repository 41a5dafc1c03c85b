"""What the server does for phones that work offline (issue 18, item 2), on the demo mission, both backends: a
write sent again from a phone's queue with its idempotency key is stored once and answered as the first time
(an alert, an engagement, an action point step, an alert action; by the pages' forms and by the API); a step
the record moved past meanwhile is a conflict, shown, never applied; the queue learns where its write went as
JSON; a replay passes the CSRF check with the current session's token only; the pages and data a phone keeps
hold no protected field, and those that hold one are no-store; signing out clears the site's data; the service
worker, the manifest and the phrases of both languages are served."""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import Engine, func, select
from starlette.testclient import TestClient

from pochub.config import Settings
from pochub.core.models.access import Role, User
from pochub.core.perspectives.profiles import CommunityProfile
from pochub.http.app import create_app
from pochub.http.csrf import SESSION_COOKIE
from pochub.http.security_headers import OFFLINE_READABLE
from pochub.services import profiles
from pochub.services.access import issue_credential
from pochub.store import tables
from tests.api.access_helpers import auth_header, make_user
from tests.csrf_tokens import with_csrf_tokens

OFFICE = "fo_besu"  # province KT02
BODY = "field_poc_wg_besu"
SENDER = ("Chief Offline Mbala", "+243810009911")
FOCAL_POINT = "Mama Offline Kavira +243 81 000 7777"


@pytest.fixture(scope="module")
def app(demo_engine: Engine) -> Iterator[Any]:
    url = demo_engine.url.render_as_string(hide_password=False)
    application = create_app(Settings(database_url=url, workers=False))
    try:
        yield application
    finally:
        application.state.engine.dispose()


@pytest.fixture(scope="module")
def client(app: Any) -> Iterator[TestClient]:
    with with_csrf_tokens(TestClient(app, follow_redirects=False)) as test_client:
        yield test_client


@pytest.fixture(scope="module")
def people(demo_engine: Engine) -> dict[str, Any]:
    found: dict[str, Any] = {}
    for name, role, office in (("cla", "cla", OFFICE), ("officer", "field_officer", OFFICE),
                               ("adviser", "poc_adviser", None)):  # fmt: skip
        user, token = make_user(demo_engine, role, field_office=office, display_name=name)
        found[name] = auth_header(token)
        found[f"{name}_user"] = user
    return found


def key() -> str:
    return str(uuid.uuid4())


def count(engine: Engine, table: Any) -> int:
    with engine.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(table)).scalar_one())


def community_of(engine: Engine, province: str = "KT02") -> tuple[str, str, str]:
    with engine.connect() as conn:
        row = conn.execute(
            select(tables.communities.c.community_id, tables.communities.c.name, tables.communities.c.pcode)
            .where(tables.communities.c.pcode.like(f"{province}%"))
            .order_by(tables.communities.c.community_id)
        ).first()
    assert row is not None
    return row.community_id, row.name, row.pcode


def engagement_form(engine: Engine) -> dict[str, str]:
    community, name, _ = community_of(engine)
    when = (datetime.now(UTC) - timedelta(hours=3)).strftime("%Y-%m-%dT%H:%M")
    return {"community_id": f"{name} [{community}]", "kind": "visit", "held_on": when, "post": "CLA Besu",
            "p-female-18_59": "4", "threat": "abduction_forced_disappearance", "place": "the river path"}  # fmt: skip


def test_an_engagement_sent_again_with_its_key_is_stored_once(
    client: TestClient, people: dict[str, Any], demo_engine: Engine
) -> None:
    form, sent = engagement_form(demo_engine), key()
    before = count(demo_engine, tables.engagements)
    first = client.post("/engagements/new", data=form, headers={**people["cla"], "Idempotency-Key": sent})
    again = client.post("/engagements/new", data={**form, "idempotency_key": sent}, headers=people["cla"])
    assert first.status_code == again.status_code == 303, first.text
    assert first.headers["location"] == again.headers["location"]
    assert count(demo_engine, tables.engagements) == before + 1
    # the queue asks for JSON: it learns where the write went without loading that page
    as_json = client.post("/engagements/new", data=form, headers={**people["cla"], "Idempotency-Key": sent,
                                                                   "Accept": "application/json"})  # fmt: skip
    assert as_json.status_code == 200 and as_json.json() == {"location": first.headers["location"]}
    without_key = client.post("/engagements/new", data=form, headers=people["cla"])
    assert without_key.status_code == 303 and count(demo_engine, tables.engagements) == before + 2

    community = community_of(demo_engine)[0]
    body = {"community_id": community, "kind": "visit", "held_on": form["held_on"] + ":00Z",
            "mission_posts": ["CLA Besu"], "participants": {"female/18_59": 2}}  # fmt: skip
    api_key = key()
    made = client.post(
        "/api/v1/engagements", json=body, headers={**people["cla"], "Idempotency-Key": api_key}
    )
    remade = client.post(
        "/api/v1/engagements", json=body, headers={**people["cla"], "Idempotency-Key": api_key}
    )
    assert made.status_code == remade.status_code == 201, made.text
    assert made.json() == remade.json()
    assert count(demo_engine, tables.engagements) == before + 3
    # the same key for another request is refused, not answered with the first one's result
    elsewhere = client.post("/api/v1/engagements", json={**body, "community_id": "elsewhere"},
                            headers={**people["cla"], "Idempotency-Key": api_key})  # fmt: skip
    assert elsewhere.status_code in (404, 409)
    assert client.post("/api/v1/engagements", json=body,
                       headers={**people["cla"], "Idempotency-Key": "short"}).status_code == 422  # fmt: skip
    # another person's same key is theirs: it stores their own engagement
    officer = client.post(
        "/api/v1/engagements", json=body, headers={**people["officer"], "Idempotency-Key": api_key}
    )
    assert officer.status_code == 201 and officer.json() != made.json()


def test_an_alert_sent_again_with_its_key_is_logged_once(
    client: TestClient, people: dict[str, Any], demo_engine: Engine
) -> None:
    community, _, pcode = community_of(demo_engine)
    sent = key()
    fields = {"text": "Offline: armed men at the ford", "pcode": pcode, "community_id": community,
              "urgency": "high", "channel": "phone"}  # fmt: skip
    before = count(demo_engine, tables.alerts)
    first = client.post(
        "/alerts/new", data={**fields, "form_id": "one"}, headers={**people["cla"], "Idempotency-Key": sent}
    )
    again = client.post(
        "/alerts/new", data={**fields, "form_id": "two", "idempotency_key": sent}, headers=people["cla"]
    )
    assert first.status_code == again.status_code == 303, first.text
    reference = re.match(r"/alerts/(A[0-9A-Z-]+)\?", first.headers["location"])[1]  # type: ignore[index]
    assert again.headers["location"].startswith(f"/alerts/{reference}?")
    assert count(demo_engine, tables.alerts) == before + 1

    api_key = key()
    reports = count(demo_engine, tables.alert_reports)
    body = {"text": "Offline: smoke over the hill", "pcode": pcode, "urgency": "routine"}
    made = client.post("/api/v1/alerts", json=body, headers={**people["cla"], "Idempotency-Key": api_key})
    remade = client.post("/api/v1/alerts", json=body, headers={**people["cla"], "Idempotency-Key": api_key})
    assert made.status_code == remade.status_code == 201, made.text
    assert made.json()["reference"] == remade.json()["reference"]  # (a new alert, or merged into the first)
    assert count(demo_engine, tables.alert_reports) == reports + 1


def action_point(client: TestClient, people: dict[str, Any]) -> int:
    """A new action point of the Besu working group, recorded through the meeting form."""
    held = (datetime.now(UTC) - timedelta(days=1)).date()
    what = f"Offline patrol {uuid.uuid4().hex[:6]}"
    fields = {"held_on": held.isoformat(), "attendance": ["head_of_office_fo_besu", "poc_focal_point_fo_besu"],
              "agenda": "Open action points", "decision": "Patrol", "action": what,
              "owner": "head_of_office_fo_besu", "due": (held + timedelta(days=5)).isoformat()}  # fmt: skip
    saved = client.post(f"/forums/{BODY}/meetings", data=fields, headers=people["adviser"])
    assert saved.status_code == 303, saved.text
    points = client.get("/api/v1/action-points?post=head_of_office_fo_besu", headers=people["adviser"]).json()
    return int(next(p["id"] for p in points if p["what"] == what))


def test_an_action_point_step_sent_again_answers_the_first_time_and_a_stale_one_is_a_conflict(
    client: TestClient, people: dict[str, Any], demo_engine: Engine
) -> None:
    number, sent = action_point(client, people), key()
    steps = count(demo_engine, tables.action_point_steps)
    first = client.post(f"/action-points/{number}", data={"step": "start"},
                        headers={**people["adviser"], "Idempotency-Key": sent})  # fmt: skip
    again = client.post(f"/action-points/{number}", data={"step": "start", "idempotency_key": sent},
                        headers=people["adviser"])  # fmt: skip
    assert (
        "done=start" in first.headers["location"] and again.headers["location"] == first.headers["location"]
    )
    assert count(demo_engine, tables.action_point_steps) == steps + 1
    # a "start" kept offline by someone else, sent after the point moved on: a conflict, nothing changed
    stale = client.post(f"/action-points/{number}", data={"step": "start"},
                        headers={**people["adviser"], "Idempotency-Key": key(), "Accept": "application/json"})  # fmt: skip
    assert stale.status_code == 200 and "error=changed" in stale.json()["location"]
    assert count(demo_engine, tables.action_point_steps) == steps + 1
    # the API alike: the same step with its key answers the point as it stands, a stale one is a conflict
    api_key = key()
    done = client.post(f"/api/v1/action-points/{number}/steps", json={"step": "complete"},
                       headers={**people["adviser"], "Idempotency-Key": api_key})  # fmt: skip
    redone = client.post(f"/api/v1/action-points/{number}/steps", json={"step": "complete"},
                         headers={**people["adviser"], "Idempotency-Key": api_key})  # fmt: skip
    assert done.status_code == redone.status_code == 200 and redone.json()["status"] == "done"
    late = client.post(f"/api/v1/action-points/{number}/steps", json={"step": "complete"},
                       headers={**people["adviser"], "Idempotency-Key": key()})  # fmt: skip
    assert late.status_code == 409
    assert count(demo_engine, tables.action_point_steps) == steps + 2


def test_an_acknowledge_kept_offline_for_an_alert_decided_meanwhile_is_a_conflict(
    client: TestClient, people: dict[str, Any], demo_engine: Engine
) -> None:
    _, _, pcode = community_of(demo_engine)
    made = client.post("/api/v1/alerts", json={"text": "Offline conflict: gunfire", "pcode": pcode,
                                               "urgency": "high"}, headers=people["cla"])  # fmt: skip
    reference = made.json()["reference"]
    sent = key()
    done = client.post(f"/alerts/{reference}/acknowledge", data={"note": "called back"},
                       headers={**people["officer"], "Idempotency-Key": sent})  # fmt: skip
    assert done.status_code == 303 and "done=acknowledge" in done.headers["location"]
    replayed = client.post(f"/alerts/{reference}/acknowledge", data={"note": "called back"},
                           headers={**people["officer"], "Idempotency-Key": sent})  # fmt: skip
    assert replayed.status_code == 303 and replayed.headers["location"] == done.headers["location"]
    with demo_engine.connect() as conn:
        transitions = conn.execute(
            select(func.count())
            .select_from(tables.alert_transitions)
            .join(tables.alerts, tables.alerts.c.alert_id == tables.alert_transitions.c.alert_id)
            .where(tables.alerts.c.reference == reference)
        ).scalar_one()
    # the CLA's acknowledge, kept on a phone while the officer acted: shown as a conflict, not applied
    late = client.post(f"/alerts/{reference}/acknowledge", data={"note": "from the phone"},
                       headers={**people["cla"], "Idempotency-Key": key(), "Accept": "application/json"})  # fmt: skip
    assert late.status_code == 409
    with demo_engine.connect() as conn:
        after = conn.execute(
            select(func.count())
            .select_from(tables.alert_transitions)
            .join(tables.alerts, tables.alerts.c.alert_id == tables.alert_transitions.c.alert_id)
            .where(tables.alerts.c.reference == reference)
        ).scalar_one()
    assert after == transitions


def test_a_replay_passes_the_csrf_check_with_the_current_sessions_token_only(
    app: Any, people: dict[str, Any], demo_engine: Engine
) -> None:
    user: User = people["cla_user"]
    browser = TestClient(app, follow_redirects=False)  # no automatic token: as a browser's script sends it
    old = issue_credential(demo_engine, user, "session", timedelta(hours=1), name="old")
    browser.cookies.set(SESSION_COOKIE, old)
    stale_token = browser.get("/offline/session").json()["csrf_token"]
    new = issue_credential(demo_engine, user, "session", timedelta(hours=1), name="new")
    browser.cookies.set(SESSION_COOKIE, new)
    fresh = browser.get("/offline/session")
    assert fresh.status_code == 200 and fresh.headers["Cache-Control"] == "no-store"
    assert fresh.json()["user"] == user.username and fresh.json()["csrf_token"] != stale_token
    form = engagement_form(demo_engine)
    before = count(demo_engine, tables.engagements)
    refused = browser.post("/engagements/new", data={**form, "csrf_token": stale_token},
                           headers={"Idempotency-Key": key(), "X-CSRF-Token": stale_token,
                                    "Accept": "application/json"})  # fmt: skip
    assert refused.status_code == 403 and count(demo_engine, tables.engagements) == before
    token = fresh.json()["csrf_token"]
    sent = browser.post("/engagements/new", data={**form, "csrf_token": token},
                        headers={"Idempotency-Key": key(), "X-CSRF-Token": token, "Accept": "application/json"})  # fmt: skip
    assert sent.status_code == 200 and "saved=1" in sent.json()["location"]
    assert count(demo_engine, tables.engagements) == before + 1
    # signing out clears what the browser keeps of the site
    out = browser.post("/logout", headers={"X-CSRF-Token": token})
    assert out.status_code == 303 and out.headers["Clear-Site-Data"] == '"cache", "storage"'
    assert browser.get("/offline/session").status_code == 401
    browser.close()


def test_what_a_phone_keeps_holds_no_protected_field(
    client: TestClient, people: dict[str, Any], demo_engine: Engine
) -> None:
    community, _, pcode = community_of(demo_engine)
    made = client.post("/api/v1/alerts", json={"text": "Offline protected: a visit at night", "pcode": pcode,
                                               "community_id": community, "urgency": "high",
                                               "sender_name": SENDER[0], "sender_number": SENDER[1]},
                       headers=people["cla"])  # fmt: skip
    assert made.status_code == 201, made.text
    reference = made.json()["reference"]
    admin = User(0, "admin", Role.ADMIN)
    current = profiles.community_profile(demo_engine, admin, community)
    profiles.save_profile(demo_engine, admin, community, CommunityProfile(focal_point=FOCAL_POINT),
                          based_on=current.version)  # fmt: skip
    secrets = (SENDER[0], SENDER[1], FOCAL_POINT, "Mama Offline")
    # the pages and data that show them: never kept
    for path in (f"/alerts/{reference}", f"/api/v1/alerts/{reference}", f"/communities/{community}",
                 f"/communities/{community}/profile"):  # fmt: skip
        shown = client.get(path, headers=people["cla"])
        assert shown.status_code == 200, path
        assert any(secret in shown.text for secret in secrets), path  # the CLA may read them, here
        assert shown.headers["Cache-Control"] == "no-store", path
    # the pages and data a phone keeps: none of them, for roles that may read them
    queries = {"/api/v1/areas": "?level=2&limit=5000", "/api/v1/communities": "?limit=5000",
               "/api/v1/alerts": "?open=true&limit=500", "/alerts": "?state=received"}  # fmt: skip
    for who in ("cla", "adviser"):
        for path in sorted(OFFLINE_READABLE):
            kept = client.get(path + queries.get(path, ""), headers=people[who])
            assert kept.status_code == 200, (who, path)
            assert kept.headers["Cache-Control"] == "private, no-cache", (who, path)
            assert not [secret for secret in secrets if secret in kept.text], (who, path)
    assert reference in client.get("/alerts?state=received", headers=people["cla"]).text


def test_the_service_worker_manifest_and_phrases_are_served(client: TestClient) -> None:
    worker = client.get("/sw.js")
    assert worker.status_code == 200 and worker.headers["Cache-Control"] == "no-cache"
    assert worker.headers["Content-Type"].startswith("text/javascript") and "/static/dist/app-" in worker.text
    # the browser's check at each visit: a 304 without a body while the build is the same (a 2G line)
    again = client.get("/sw.js", headers={"If-None-Match": worker.headers["ETag"]})
    assert (
        again.status_code == 304 and again.content == b"" and again.headers["ETag"] == worker.headers["ETag"]
    )
    assert client.get("/sw.js", headers={"If-None-Match": '"sw-other"'}).status_code == 200
    manifest = client.get("/manifest.webmanifest", headers={"Accept-Language": "fr"})
    assert manifest.headers["Content-Type"] == "application/manifest+json"
    assert manifest.json()["lang"] == "fr" and manifest.json()["start_url"] == "/alerts"
    assert "Protection des civils" in manifest.json()["description"]
    phrases = client.get("/offline/phrases.json").json()
    assert set(phrases) == {"en", "fr"} and phrases["en"].keys() == phrases["fr"].keys()
    assert phrases["en"]["waiting"] == "waiting to send" and phrases["fr"]["waiting"] == "en attente d'envoi"
    assert all(
        phrases["fr"][k] != phrases["en"][k] for k in ("offline", "kept", "conflict", "sender_offline")
    )
    assert client.get("/icon.svg").text.startswith("<svg")

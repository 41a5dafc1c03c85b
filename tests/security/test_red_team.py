"""What the red team (helper V1) found still leaking or breaking after issue 11, each shown by a test that
failed before its fix. Both backends.

- A cookie that Python's strict cookie parser rejects (``x="a``), planted ahead of the session cookie by another
  application on the mission's domain, hid the session from the CSRF check while the route still signed the
  request in with it: a cross-site form acknowledged alerts with the victim's session.
- Response times per field office (``/api/v1/alerts/stats``, the inbox's chart) and its office filter told
  readers of fuzzed places, alert by alert over a narrow time window, which office (routed from the true place)
  each alert belongs to.
- An alert's history told readers of fuzzed places the body it was routed or escalated to (the summary leaves the
  body out because it follows from the true place).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, func, select

from pochub.config import Settings
from pochub.core.models.alerts import Channel, Report
from pochub.core.workflow.lifecycle import SYSTEM, Actor
from pochub.http.app import create_app
from pochub.http.csrf import CSRF_FIELD
from pochub.services.access import create_user
from pochub.services.alerts import receive_report
from pochub.store import tables
from pochub.store.database import reading
from tests.api.access_helpers import auth_header, make_user

SECRET = "test secret key, not for production use"
PASSWORD = "a long enough password"
HERE = "http://testserver"


def _settings(engine: Engine) -> Settings:
    url = engine.url.render_as_string(hide_password=False)
    return Settings(database_url=url, secret_key=SECRET, workers=False, location_fuzz_km=5.0)


# --- CSRF: the check reads the cookies as the application does ---


@pytest.fixture
def signed_in(engine: Engine) -> Iterator[tuple[TestClient, str]]:
    """A client signed in through the login form, and its session cookie."""
    create_user(engine, "adviser", PASSWORD, "poc_adviser")
    app = create_app(_settings(engine))
    try:
        with TestClient(app, follow_redirects=False) as client:
            html = client.get("/login").text
            token = re.search(rf'name="{CSRF_FIELD}" value="([^"]+)"', html)
            assert token
            answer = client.post(
                "/login",
                data={"username": "adviser", "password": PASSWORD, CSRF_FIELD: token[1]},
                headers={"Origin": HERE},
            )
            assert answer.status_code == 303, answer.text
            session = answer.cookies["pochub_session"]
            client.cookies.clear()
            yield client, session
    finally:
        app.state.engine.dispose()


def _tokens(engine: Engine) -> int:
    with reading(engine) as conn:
        return int(conn.execute(select(func.count()).select_from(tables.credentials)).scalar_one())


@pytest.mark.parametrize("planted", ['x="a', 'x=\\"', "a=b; c=d\\e", "x=1;"])
def test_a_malformed_cookie_ahead_of_the_session_does_not_skip_the_csrf_check(
    engine: Engine, signed_in: tuple[TestClient, str], planted: str
) -> None:
    client, session = signed_in
    before = _tokens(engine)
    answer = client.post(
        "/api/v1/auth/tokens",
        json={"name": "minted cross-site"},
        headers={"Cookie": f"{planted}; pochub_session={session}", "Origin": "http://other.mission.example"},
    )
    assert answer.status_code == 403, answer.text
    form = client.post(
        "/language",
        data={"language": "fr", "next": "/"},
        headers={"Cookie": f"{planted}; pochub_session={session}", "Origin": "http://other.mission.example"},
    )
    assert form.status_code == 403, form.text
    assert _tokens(engine) == before
    # the session itself still works for a request from this site with its token (the check is not just broken)
    assert client.get("/api/v1/auth/me", headers={"Cookie": f"pochub_session={session}"}).status_code == 200


# --- places: response times and history for readers of fuzzed places ---


def _routed_alert(engine: Engine, key: str) -> tuple[str, datetime]:
    """A new alert at a community of the demo (routed to its field office and body); reference and receipt."""
    communities = tables.communities
    with reading(engine) as conn:
        row = conn.execute(
            select(communities.c.community_id, communities.c.latitude, communities.c.longitude)
            .where(communities.c.pcode.is_not(None))
            .order_by(communities.c.community_id)
        ).first()
    assert row is not None
    now = datetime.now(UTC)
    received = now - timedelta(minutes=7)
    result = receive_report(
        engine,
        _settings(engine),
        Report(
            Channel.SMS,
            f"red-team-{key}",
            received,
            f"Armed men at the well {key}",
            latitude=row.latitude,
            longitude=row.longitude,
            community_id=row.community_id,
        ),
        actor=Actor("gateway", SYSTEM),
        now=now,
    )
    return result.reference, received


@pytest.fixture
def clients(demo_engine: Engine) -> dict[str, TestClient]:
    app = create_app(_settings(demo_engine))
    return {
        role: TestClient(app, headers=auth_header(make_user(demo_engine, role)[1]))
        for role in ("admin", "partner", "viewer")
    }


def test_fuzzed_readers_get_no_response_times_per_field_office(
    demo_engine: Engine, clients: dict[str, TestClient]
) -> None:
    reference, received = _routed_alert(demo_engine, "stats")
    window = {
        "since": (received - timedelta(seconds=1)).isoformat(),
        "until": (received + timedelta(seconds=1)).isoformat(),
        "by": "field_office",
    }
    admin = clients["admin"].get("/api/v1/alerts/stats", params=window).json()
    office = clients["admin"].get(f"/api/v1/alerts/{reference}").json()["field_office"]
    assert office and [g["group"] for g in admin["field_office"]] == [office]  # what the window tells
    for role in ("partner", "viewer"):
        answer = clients[role].get("/api/v1/alerts/stats", params=window)
        assert answer.status_code == 200, answer.text
        assert not answer.json()["field_office"]
        assert answer.json()["overall"]["alerts"] == 1
        filtered = clients[role].get("/api/v1/alerts/stats", params={"field_office": office})
        assert filtered.status_code == 422, filtered.text
        assert "area" in filtered.json()["detail"]


def test_fuzzed_readers_are_not_told_the_body_in_an_alerts_history(
    demo_engine: Engine, clients: dict[str, TestClient]
) -> None:
    reference, _ = _routed_alert(demo_engine, "history")
    admin = clients["admin"].get(f"/api/v1/alerts/{reference}/history").json()
    assert any("body" in entry["detail"] for entry in admin)  # routed at intake: the test can fail
    for role in ("partner", "viewer"):
        for path in (f"/api/v1/alerts/{reference}/history", f"/api/v1/alerts/{reference}"):
            answer = clients[role].get(path)
            assert answer.status_code == 200, answer.text
            history = answer.json() if path.endswith("history") else answer.json()["history"]
            assert history
            assert not any({"body", "from_body", "to_body"} & set(entry["detail"]) for entry in history)


# --- a trainer names a server file for a real-data exercise ---


def test_a_real_data_exercise_reads_only_the_exercise_data_folder(engine: Engine, tmp_path: Path) -> None:
    """A trainer named /etc/passwd, /etc/shadow or the server's key file as an exercise's data file: the error
    echoed its first line ("found: root:x:0:0...", the key itself) and told which files exist."""
    folder = tmp_path / "exercise data"
    folder.mkdir()
    secret = tmp_path / "pochub.key"
    secret.write_text("z5SlBfiGa7AbMSxadjdPDsnI5a84WEcZdygPdyXq\n", encoding="utf-8")
    (folder / "events.csv").write_text("event_id_cnty,event_date\n", encoding="utf-8")
    (folder / "link.csv").symlink_to(secret)
    url = engine.url.render_as_string(hide_password=False)
    app = create_app(
        Settings(database_url=url, secret_key=SECRET, workers=False, exercise_data=folder)  # type: ignore[call-arg]
    )
    trainer = TestClient(app, headers=auth_header(make_user(engine, "trainer")[1]))
    asked = {
        "name": "replay",
        "source": "real",
        "format": "acled",
        "first": "2020-01-01",
        "last": "2020-02-01",
    }
    for name in (str(secret), "../pochub.key", "link.csv", "/etc/passwd", "/no/such/file.csv"):
        answer = trainer.post("/api/v1/exercises", json={**asked, "file": name})
        assert answer.status_code == 422, answer.text
        assert "no such file in the exercise data folder" in answer.text
        assert "z5sl" not in answer.text.lower() and "root:" not in answer.text
    inside = trainer.post("/api/v1/exercises", json={**asked, "file": "events.csv"})
    assert inside.status_code == 422 and "not a ACLED file" in inside.text  # read: it is in the folder


# --- credentials in the query string under other names ---


@pytest.mark.parametrize("name", ["key", "Gateway-Key", "X-Pochub-Gateway-Key", " token", "pochub_session"])
def test_a_credential_in_the_url_under_another_name_is_refused_and_blanked(engine: Engine, name: str) -> None:
    """A relay configured with ``?key=SECRET`` (the gateway header is X-Pochub-Gateway-Key) got a 401 and the
    access log printed the credential."""
    from urllib.parse import quote

    app = create_app(_settings(engine))
    seen: list[dict[str, object]] = []

    async def logged(scope: dict[str, object], receive: object, send: object) -> None:
        seen.append(scope)  # the server's access log prints its query string once the answer is sent
        await app(scope, receive, send)  # type: ignore[arg-type]

    client = TestClient(logged)  # type: ignore[arg-type]
    answer = client.post(f"/api/v1/intake/sms?{quote(name)}=SECRET-VALUE", data={"From": "+1", "Body": "hi"})
    assert answer.status_code == 400, answer.text
    assert seen and b"SECRET-VALUE" not in seen[0]["query_string"]  # type: ignore[operator]


# --- a copy of the database without the key ---


@pytest.mark.xfail(
    strict=True,
    reason="alerts and alert_reports keep the true latitude/longitude, community_id, location text and message "
    "in plain columns beside the encrypted sender: a copy of the database without the key gives every true "
    "place (README: 'reveals no informant and no true place'). Encrypting them at rest moves the need-to-know "
    "roles' bbox/area filters off SQL: too big for the red team's hour; left to the lead.",
)
def test_a_copy_of_the_database_without_the_key_holds_no_true_place(demo_engine: Engine) -> None:
    reference, _ = _routed_alert(demo_engine, "copy")
    communities = tables.communities
    with reading(demo_engine) as conn:
        alert = conn.execute(select(tables.alerts).where(tables.alerts.c.reference == reference)).one()
        place = conn.execute(
            select(communities.c.latitude, communities.c.longitude).where(
                communities.c.community_id == alert.community_id
            )
        ).first()
        stored = [str(value) for value in alert] + [
            str(value)
            for row in conn.execute(
                select(tables.alert_reports).where(tables.alert_reports.c.alert_id == alert.alert_id)
            )
            for value in row
        ]
    assert place is None, "the community of the alert is readable: its point is the true place"
    assert not any("Armed men at the well copy" in value for value in stored)


def test_fuzzed_readers_are_not_told_who_recorded_or_acted(
    demo_engine: Engine, clients: dict[str, TestClient]
) -> None:
    """Viewers saw the user names of the field office's staff on every step (fo_kimundaro_cla): the office the
    summary leaves out because it follows from the true place."""
    reference, _ = _routed_alert(demo_engine, "actors")
    admin = clients["admin"].get(f"/api/v1/alerts/{reference}").json()
    assert admin["reports_received"][0]["recorded_by"] == "gateway" and admin["history"][0]["actor"]
    for role in ("partner", "viewer"):
        detail = clients[role].get(f"/api/v1/alerts/{reference}").json()
        assert all("recorded_by" not in report for report in detail["reports_received"])
        assert all(entry["actor"] == "" and entry["role"] for entry in detail["history"])

"""The server-rendered pages on both backends: sign-in and its validation, the operational picture, charts,
the language choice, static assets, and the H3 events endpoint behind the map."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator

import h3
import pytest
from sqlalchemy import Engine
from starlette.testclient import TestClient

from pochub.config import Settings
from pochub.http.app import create_app
from pochub.services.access import create_user
from pochub.services.demo_mission import load_demo
from pochub.store import event_queries
from pochub.store.event_queries import EventFilter
from pochub.web.rendering import DIST_DIR
from tests.csrf_tokens import with_csrf_tokens

PASSWORD = "a long enough password"


@pytest.fixture
def client(engine: Engine, database_url: str) -> Iterator[TestClient]:
    """The application on a migrated database holding one PoC adviser."""
    create_user(engine, "adviser", PASSWORD, "poc_adviser", display_name="Amina Diallo")
    app = create_app(Settings(database_url=database_url, workers=False))
    try:
        with with_csrf_tokens(TestClient(app)) as test_client:
            yield test_client
    finally:
        app.state.engine.dispose()  # the server's pool: PostgreSQL connections are shared by every suite


def sign_in(client: TestClient) -> None:
    response = client.post(
        "/login", data={"username": "adviser", "password": PASSWORD}, follow_redirects=False
    )
    assert response.status_code == 303, response.text
    assert "pochub_session" in response.cookies


def test_anonymous_visitors_are_sent_to_sign_in_and_come_back(client: TestClient) -> None:
    response = client.get("/charts?start=2020-01-01", follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"] == "/login?next=/charts%3Fstart%3D2020-01-01"
    assert client.get("/", follow_redirects=False).headers["location"] == "/login?next=/"
    page = client.get("/login?next=/charts")
    assert page.status_code == 200
    assert '<input type="hidden" name="next" value="/charts">' in page.text
    response = client.post(
        "/login",
        data={"username": "adviser", "password": PASSWORD, "next": "/charts"},
        follow_redirects=False,
    )
    assert response.headers["location"] == "/charts"
    cookie = response.headers["set-cookie"]
    assert "HttpOnly" in cookie and "SameSite=lax" in cookie and "Path=/" in cookie
    # signed in, the login page goes straight on
    assert client.get("/login?next=/charts", follow_redirects=False).headers["location"] == "/charts"


@pytest.mark.parametrize(
    ("form", "status", "messages"),
    [
        ({}, 422, ["Enter your user name.", "Enter your password."]),
        ({"username": "adviser"}, 422, ["Enter your password."]),
        ({"password": PASSWORD}, 422, ["Enter your user name."]),
        (
            {"username": "adviser", "password": "not the password"},
            401,
            ["The user name or the password is not right"],
        ),
        ({"username": "nobody", "password": PASSWORD}, 401, ["The user name or the password is not right"]),
    ],
)
def test_the_sign_in_form_says_what_is_wrong(
    client: TestClient, form: dict[str, str], status: int, messages: list[str]
) -> None:
    response = client.post("/login", data=form, follow_redirects=False)
    assert response.status_code == status
    assert "pochub_session" not in response.cookies
    for message in messages:
        assert message in response.text
    assert 'role="alert"' in response.text
    if "username" in form:
        assert f'value="{form["username"]}"' in response.text  # what was typed is kept
    if status == 422:
        assert 'aria-invalid="true"' in response.text


def test_the_form_errors_are_french_for_a_french_browser(client: TestClient) -> None:
    response = client.post("/login", data={}, headers={"Accept-Language": "fr-CD,fr;q=0.9"})
    assert response.status_code == 422
    assert "Saisissez votre nom d'utilisateur." in response.text
    assert '<html lang="fr">' in response.text
    assert response.headers["content-language"] == "fr"


def test_no_open_redirect_after_sign_in(client: TestClient) -> None:
    for target in ("https://elsewhere.example/", "//elsewhere.example/", "/\\elsewhere.example", "charts"):
        response = client.post(
            "/login",
            data={"username": "adviser", "password": PASSWORD, "next": target},
            follow_redirects=False,
        )
        assert response.headers["location"] == "/", target


def test_sign_out_revokes_the_session(client: TestClient) -> None:
    sign_in(client)
    assert client.get("/", follow_redirects=False).status_code == 200
    response = client.post("/logout", follow_redirects=False)
    assert response.headers["location"] == "/login"
    secret_cleared = 'pochub_session=""' in response.headers["set-cookie"]
    assert secret_cleared
    assert client.get("/", follow_redirects=False).status_code == 303


def test_the_language_selector_remembers_the_choice(client: TestClient) -> None:
    sign_in(client)
    response = client.post(
        "/language", data={"language": "fr", "next": "/charts?start=2020-01-01"}, follow_redirects=False
    )
    assert response.status_code == 303
    assert response.headers["location"] == "/charts?start=2020-01-01"
    page = client.get("/charts", headers={"Accept-Language": "en"})
    assert "<h1>Graphiques</h1>" in page.text
    assert '<option value="fr" lang="fr" selected>Français</option>' in page.text
    client.post("/language", data={"language": "en", "next": "/"})
    assert "<h1>Charts</h1>" in client.get("/charts").text
    # an unknown language changes nothing; an outside target is not followed
    response = client.post(
        "/language", data={"language": "xx", "next": "//evil.example"}, follow_redirects=False
    )
    assert response.headers["location"] == "/"
    assert "pochub_lang" not in response.cookies


def test_navigation_and_placeholders(client: TestClient) -> None:
    sign_in(client)
    page = client.get("/alerts")  # the inbox itself: tests/web/test_alert_pages.py
    assert page.status_code == 200
    assert 'aria-current="page">Alert inbox</a>' in page.text
    for href in ("/", "/alerts", "/threats", "/coverage", "/coordination", "/charts"):
        assert f'<a href="{href}"' in page.text
    coverage = client.get(
        "/coverage", headers={"Accept-Language": "fr"}
    ).text  # tests/web/test_planning_pages.py
    assert "<h1>Couverture et déploiement</h1>" in coverage


def test_the_picture_and_charts_of_the_demo_mission(
    engine: Engine, database_url: str, request: pytest.FixtureRequest
) -> None:
    load_demo(engine, Settings(), seed=2, n_communities=300, n_events=2000)
    create_user(engine, "adviser", PASSWORD, "poc_adviser")
    app = create_app(Settings(database_url=database_url, workers=False))
    request.addfinalizer(app.state.engine.dispose)
    with with_csrf_tokens(TestClient(app)) as client:
        assert client.get("/api/v1/events/cells").status_code == 401
        sign_in(client)
        page = client.get("/")
        assert page.status_code == 200
        config = json.loads(
            re.search(r'<script type="application/json" id="map-config">(.*?)</script>', page.text, re.S)[1]
        )  # type: ignore[index]
        # names, not codes, for what the details panel lists (every demo group has its label)
        assert config["groups"]["persons_with_disabilities"] == "persons with disabilities"
        assert {"idps", "children", "women", "elderly", "minorities"} <= set(config["groups"])
        with engine.connect() as conn:
            first, last = event_queries.date_range(conn, EventFilter())
            total = event_queries.count(conn, EventFilter())
            by_month = event_queries.summary(conn, "month", EventFilter())
        assert first is not None and last is not None
        assert config["months"][0] == f"{first:%Y-%m}" and config["months"][-1] == f"{last:%Y-%m}"
        assert config["strings"]["events_shown"] == "{count} events shown."
        assert config["threats"]["killing"] == "Killing"
        for label in ("Admin areas", "Events", "Communities", "Bases and units", "Up to the month", "Period"):
            assert label in page.text

        cells = client.get("/api/v1/events/cells", params={"resolution": 4})
        assert cells.status_code == 200
        body = cells.json()
        assert body["events"] == total == sum(f["properties"]["events"] for f in body["features"])
        for cell in body["features"][:20]:
            assert h3.get_resolution(cell["id"]) == 4
            ring = cell["geometry"]["coordinates"][0]
            assert ring[0] == ring[-1] and len(ring) == 7
        month = by_month[-1]["key"]
        window = client.get(
            "/api/v1/events/cells", params={"resolution": 6, "start": f"{month}-01", "end": f"{last}"}
        ).json()
        assert window["events"] == by_month[-1]["events"]
        assert client.get("/api/v1/events/cells", params={"resolution": 10}).status_code == 422
        assert (
            client.get(
                "/api/v1/events/cells", params={"start": "2020-02-01", "end": "2020-01-01"}
            ).status_code
            == 422
        )
        assert client.get("/api/v1/events/cells", params={"bbox": "1,2,3"}).status_code == 422
        empty = client.get("/api/v1/events/cells", params={"bbox": "-10,-10,-9,-9"}).json()
        assert empty == {"type": "FeatureCollection", "features": [], "resolution": 5, "events": 0}

        charts = client.get("/charts")
        assert charts.status_code == 200
        chart_config = json.loads(
            re.search(r'<script type="application/json" id="chart-config">(.*?)</script>', charts.text, re.S)[
                1
            ]
        )  # type: ignore[index]
        assert chart_config["summaries"]["month"] == by_month
        assert sum(r["events"] for r in chart_config["summaries"]["threat"]) == total
        wrong = client.get("/charts", params={"start": "2024-05-01", "end": "2024-01-01"})
        assert wrong.status_code == 422 and "The last date is before the first date." in wrong.text
        assert client.get("/charts", params={"start": "May 2024"}).status_code == 422
        narrowed = client.get("/charts", params={"start": f"{month}-01"})
        assert f'<th scope="row">{month}</th>' in narrowed.text


def test_static_assets_are_built_hashed_and_gzipped(client: TestClient) -> None:
    assert (DIST_DIR / "manifest.json").exists(), "web assets not built: run `make web` (make test does)"
    manifest = json.loads((DIST_DIR / "manifest.json").read_text())
    assert set(manifest) >= {"app.css", "map.js", "map.css", "charts.js"}
    sign_in(client)
    page = client.get("/").text
    assert f"/static/dist/{manifest['map.js']}" in page and f"/static/dist/{manifest['map.css']}" in page
    response = client.get(f"/static/dist/{manifest['map.js']}", headers={"Accept-Encoding": "gzip"})
    assert response.status_code == 200
    assert response.headers["content-encoding"] == "gzip"
    assert "immutable" in response.headers["cache-control"]
    assert "leaflet" in response.text.lower()
    assert int(response.headers["content-length"]) < 80_000, (
        "the map bundle must stay small for field offices"
    )
    assert client.get("/static/dist/../../pages.py").status_code == 404
    assert client.get("/static/%2e%2e/pages.py").status_code == 404
    assert client.get("/static/dist/nothing.js").status_code == 404
    for name in manifest.values():
        text = (DIST_DIR / name).read_text(errors="ignore")
        assert "https://" not in text.replace("https://leafletjs.com", "").replace(
            "https://www.chartjs.org", ""
        ) or name.endswith(".css"), name


def test_an_unknown_address_is_a_page_in_the_layout_or_json_under_the_api(client: TestClient) -> None:
    """A browser gets the "not found" page with the navigation (in its language); API clients get JSON."""
    anonymous = client.get("/no/such/page", headers={"Accept": "text/html"})
    assert anonymous.status_code == 404 and "<h1>Page not found</h1>" in anonymous.text
    sign_in(client)
    page = client.get("/no/such/page", headers={"Accept": "text/html,application/xhtml+xml"})
    assert page.status_code == 404 and page.headers["content-type"].startswith("text/html")
    assert '<a href="/alerts"' in page.text and '<a href="/coverage"' in page.text  # the signed-in navigation
    french = client.get("/no/such/page", headers={"Accept": "text/html", "Accept-Language": "fr"})
    assert french.status_code == 404 and "<h1>Page introuvable</h1>" in french.text
    api = client.get("/api/v1/no-such-thing", headers={"Accept": "text/html"})
    assert api.status_code == 404 and api.json() == {"detail": "not found"}
    script = client.get("/no/such/page", headers={"Accept": "application/json"})
    assert script.status_code == 404 and script.json() == {"detail": "not found"}
    assert client.get("/alerts/NO-SUCH-REF.json").status_code in (404, 422)  # a route's own 404 is unchanged

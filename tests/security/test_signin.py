"""Sign-in everywhere but /health: every route of the application, called anonymously, is refused (401 for the
API, a redirect to the sign-in page for pages); /health tells no version or database kind; the API's map
(/openapi.json, /docs, /redoc) is served only when the setting enables it. Both backends."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from fastapi import FastAPI
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from pochub import __version__
from pochub.config import Settings
from pochub.http.app import create_app
from tests.api.access_helpers import auth_header, make_user

SECRET = "test secret key, not for production use"
PUBLIC = {
    ("GET", "/health"),
    ("GET", "/login"),  # the sign-in page itself
    ("POST", "/login"),
    ("POST", "/api/v1/auth/login"),
    ("POST", "/logout"),  # signing out without a session only clears the cookie
    ("POST", "/language"),  # the language cookie, nothing of the mission
    ("GET", "/static/{name:path}"),  # the build's scripts and styles
    ("GET", "/sw.js"),  # the service worker: built code, registered by signed-in pages only
    ("GET", "/manifest.webmanifest"),  # the web app manifest (the sign-in page names it too)
    ("GET", "/icon.svg"),  # the manifest's icon
    # what the offline script says, in each language: nothing of the mission
    ("GET", "/offline/phrases.json"),
}


def _routes(routes: list[Any], prefix: str = "") -> Iterator[tuple[str, APIRoute]]:
    """Every (path, route) of the application, through included routers."""
    for route in routes:
        if isinstance(route, APIRoute):
            yield prefix + route.path, route
        elif hasattr(route, "original_router"):  # FastAPI keeps included routers as such
            yield from _routes(route.original_router.routes, prefix + route.include_context.prefix)


def _app(engine: Engine, **settings: Any) -> FastAPI:
    url = engine.url.render_as_string(hide_password=False)
    return create_app(Settings(database_url=url, secret_key=SECRET, workers=False, **settings))


def test_every_route_but_the_public_ones_requires_sign_in(engine: Engine) -> None:
    app = _app(engine)
    client = TestClient(app, follow_redirects=False)
    checked = 0
    answered: list[str] = []
    for path, route in _routes(app.router.routes):
        concrete = re.sub(r"\{[^}]+\}", "1", path)
        for method in sorted(route.methods):
            if (method, path) in PUBLIC:
                continue
            response = client.request(method, concrete)
            checked += 1
            refused = response.status_code == 401 or (
                response.status_code in (302, 303, 307) and response.headers["location"].startswith("/login")
            )
            if not refused:
                answered.append(f"{method} {path}: {response.status_code}")
    assert checked > 80  # the walk found the application's routes, API and pages
    assert answered == []


def test_the_events_routes_named_by_the_review_answer_only_when_signed_in(engine: Engine) -> None:
    client = TestClient(_app(engine))
    routes = ("/api/v1/events", "/api/v1/events/count", "/api/v1/events/summary", "/api/v1/events/cells")
    for route in routes:
        assert client.get(route).status_code == 401, route
    _, token = make_user(engine, "viewer")
    for route in routes:
        assert client.get(route, headers=auth_header(token)).status_code == 200, route


def test_health_tells_no_version_or_database_kind(engine: Engine) -> None:
    response = TestClient(_app(engine)).get("/health")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}
    assert __version__ not in response.text
    assert engine.dialect.name not in response.text


def test_the_api_map_is_served_only_when_enabled(engine: Engine) -> None:
    closed = TestClient(_app(engine))
    for path in ("/openapi.json", "/docs", "/redoc"):
        assert closed.get(path).status_code in (401, 404), path
    assert Settings(database_url="sqlite://", secret_key=SECRET).api_docs is False
    opened = TestClient(_app(engine, api_docs=True))
    assert opened.get("/openapi.json").json()["info"]["title"] == "PoC Hub"
    assert opened.get("/docs").status_code == 200

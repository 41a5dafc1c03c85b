"""Security headers on every response, no inline script in any template (the CSP forbids it), no-store on
signed-in pages, HSTS and Secure cookies over HTTPS or when the setting forces them. Both backends."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from sqlalchemy import Engine
from starlette.testclient import TestClient

from pochub.config import Settings
from pochub.http.app import create_app
from pochub.services.access import create_user
from pochub.web.rendering import TEMPLATE_DIR
from tests.csrf_tokens import with_csrf_tokens

PASSWORD = "a long enough password"


def make_client(database_url: str, base_url: str = "http://testserver", **settings: object) -> TestClient:
    app = create_app(Settings(database_url=database_url, workers=False, **settings))  # type: ignore[arg-type]
    return with_csrf_tokens(TestClient(app, base_url=base_url, follow_redirects=False))


@pytest.fixture
def client(engine: Engine, database_url: str) -> Iterator[TestClient]:
    create_user(engine, "adviser", PASSWORD, "poc_adviser")
    test_client = make_client(database_url)
    with test_client:
        yield test_client
    test_client.app.state.engine.dispose()  # type: ignore[attr-defined]


def sign_in(client: TestClient) -> None:
    response = client.post("/login", data={"username": "adviser", "password": PASSWORD})
    assert response.status_code == 303, response.text


def directives(policy: str) -> dict[str, list[str]]:
    parts = [part.split() for part in policy.split(";") if part.strip()]
    return {part[0]: part[1:] for part in parts}


def test_every_response_carries_the_security_headers(client: TestClient) -> None:
    sign_in(client)
    responses = [
        client.get(path)
        for path in (
            "/login",
            "/",
            "/alerts",
            "/alerts/new",
            "/charts",
            "/api/v1/auth/me",
            "/health",
            "/nowhere",
        )
    ]
    responses.append(client.post("/alerts/new", data={}, headers={"X-CSRF-Token": "wrong"}))  # a refusal
    assert {r.status_code for r in responses} >= {200, 403, 404}
    for response in responses:
        policy = directives(response.headers["Content-Security-Policy"])
        assert policy["script-src"] == ["'self'"], response.url  # no inline script, no other host
        assert policy["frame-ancestors"] == ["'none'"]
        assert policy["object-src"] == ["'none'"]
        assert response.headers["X-Content-Type-Options"] == "nosniff"
        assert response.headers["Referrer-Policy"] == "same-origin"
        assert response.headers["X-Frame-Options"] == "DENY"
        assert "Strict-Transport-Security" not in response.headers  # plain HTTP: HSTS means nothing here


def test_signed_in_pages_are_not_stored(client: TestClient) -> None:
    """Signed-in pages and API answers are no-store, except the few a phone keeps for reading offline (none of
    them holds a protected field: tests/web/test_offline_server.py reads them): those are revalidated at each
    visit (private, no-cache), and the service worker writes nothing else to the device."""
    sign_in(client)
    for path in ("/charts", "/api/v1/auth/me", "/offline/session", "/account"):
        response = client.get(path)
        assert response.status_code == 200, path
        assert response.headers["Cache-Control"] == "no-store", path
    for path in ("/", "/alerts", "/alerts/new"):
        response = client.get(path)
        assert response.status_code == 200, path
        assert response.headers["Cache-Control"] == "private, no-cache", path
    static = client.get(re.findall(r'href="(/static/dist/app-[^"]+)"', client.get("/").text)[0])
    assert (
        static.headers["Cache-Control"] == "public, max-age=31536000, immutable"
    )  # assets keep their caching


def test_hsts_and_secure_cookies_over_https(engine: Engine, database_url: str) -> None:
    create_user(engine, "adviser", PASSWORD, "poc_adviser")
    for client in (
        make_client(database_url, base_url="https://testserver"),
        make_client(database_url, secure_cookies=True),
    ):
        with client:
            login = client.get("/login")
            assert login.headers["Strict-Transport-Security"].startswith("max-age=")
            signed = client.post("/login", data={"username": "adviser", "password": PASSWORD})
            cookies = signed.headers.get_list("set-cookie")
            assert any(c.startswith("pochub_session=") for c in cookies)
            assert all("secure" in c.lower().split("; ") for c in cookies), cookies
        client.app.state.engine.dispose()  # type: ignore[attr-defined]
    with make_client(database_url) as plain:
        cookies = plain.post("/login", data={"username": "adviser", "password": PASSWORD}).headers.get_list(
            "set-cookie"
        )
        assert cookies and not any("secure" in c.lower().split("; ") for c in cookies)
    plain.app.state.engine.dispose()  # type: ignore[attr-defined]


INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)(?![^>]*type=\"application/json\")[^>]*>", re.I)
HANDLER = re.compile(r"\son[a-z]+\s*=", re.I)


def test_no_template_holds_inline_script() -> None:
    """The CSP forbids inline script: the templates hold none (data travels as application/json blocks)."""
    templates = sorted(TEMPLATE_DIR.glob("*.html"))
    assert len(templates) > 10
    for template in templates:
        html = template.read_text(encoding="utf-8")
        assert not INLINE_SCRIPT.findall(html), template.name
        assert not HANDLER.findall(html), template.name
        assert "javascript:" not in html, template.name


def test_every_post_form_carries_the_token() -> None:
    forms = 0
    for template in sorted(TEMPLATE_DIR.glob("*.html")):
        html = template.read_text(encoding="utf-8")
        for form in re.findall(r"<form[^>]*method=\"post\"[^>]*>(.*?)</form>", html, re.S | re.I):
            forms += 1
            assert "{{ csrf_field() }}" in form, template.name
    assert forms >= 15

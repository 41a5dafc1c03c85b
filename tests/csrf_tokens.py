"""Test clients that post forms as the pages do: with the CSRF token tied to their session cookie.

Tests of other features post with ``with_csrf_tokens(TestClient(app))``; tests/security/test_csrf.py checks that
requests without a token, or from another origin, are refused.
"""

from __future__ import annotations

import secrets
from http.cookies import SimpleCookie

import httpx2 as httpx
from starlette.testclient import TestClient

from pochub.http.csrf import CSRF_COOKIE, CSRF_HEADER, SESSION_COOKIE, token_for


def _add_token(client: TestClient, request: httpx.Request) -> None:
    if request.method in ("GET", "HEAD", "OPTIONS") or "authorization" in request.headers:
        return
    jar: SimpleCookie = SimpleCookie()
    jar.load(request.headers.get("cookie", ""))
    cookies = {name: morsel.value for name, morsel in jar.items()}
    binding = cookies.get(SESSION_COOKIE) or cookies.get(CSRF_COOKIE)
    if not binding:  # a first visit: the browser would have the cookie from the sign-in page
        binding = secrets.token_urlsafe(16)
        client.cookies.set(CSRF_COOKIE, binding)
        cookie = "; ".join(f"{name}={value}" for name, value in {**cookies, CSRF_COOKIE: binding}.items())
        request.headers["cookie"] = cookie
    request.headers.setdefault(CSRF_HEADER, token_for(binding))


def with_csrf_tokens(client: TestClient) -> TestClient:
    """``client``, sending the CSRF token header with every unsafe cookie-authenticated request."""
    client.event_hooks = {
        **client.event_hooks,
        "request": [*client.event_hooks.get("request", []), lambda request: _add_token(client, request)],
    }
    return client

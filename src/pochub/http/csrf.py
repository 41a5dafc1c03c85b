"""Cross-site request forgery: every state-changing request a browser makes with the session cookie, and every
sign-in, carries a token tied to that browser and comes from this site's own origin.

The token is an HMAC of a label keyed by a cookie the attacker's page cannot read: the session cookie once the
user is signed in (the token changes with each session), else ``pochub_csrf``, a random double-submit cookie set
with the sign-in page (login CSRF). Pages put it in every form (``csrf_field()`` in the templates) and in the
``csrf-token`` meta tag that scripts send as the ``X-CSRF-Token`` header. The check also refuses a request whose
``Origin`` (or, without one, ``Referer``) names another site: a page of the same site, such as another
application on the mission's domain, passes SameSite=Lax but not this.

Requests with an ``Authorization`` header (API tokens, gateways) are not cookie-authenticated and need no token;
nor do anonymous JSON requests (a browser cannot send JSON to another site without a CORS preflight, which this
server never grants) or anonymous posts other than sign-in (there is no ambient authority to abuse).
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from collections.abc import Callable, Mapping
from typing import Any
from urllib.parse import urlsplit

from starlette.datastructures import Headers
from starlette.requests import Request, cookie_parser
from starlette.responses import HTMLResponse, JSONResponse, Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

SESSION_COOKIE = "pochub_session"
"""The web session cookie (the same name as ``pochub.http.auth.SESSION_COOKIE``)."""
CSRF_COOKIE = "pochub_csrf"
"""The random cookie that anonymous visitors' tokens (the sign-in form's) are tied to."""
CSRF_FIELD = "csrf_token"
"""The hidden form field that carries the token."""
CSRF_HEADER = "x-csrf-token"
"""The header scripts send the token in."""
SIGN_IN_PATHS = frozenset({"/login", "/api/v1/auth/login"})
"""Sign-in routes: checked even without a session (login CSRF signs a victim in as the attacker)."""
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "TRACE"})
MAX_FORM_BYTES = 1_000_000
"""A form larger than this is refused before its token is looked for (the pages' forms are a few kilobytes)."""
_LABEL = b"pochub csrf token v1"
_STATE_KEY = "pochub_csrf_cookie"


def token_for(binding: str) -> str:
    """The token of a browser whose session (or ``pochub_csrf``) cookie is ``binding``."""
    return hmac.new(binding.encode("utf-8"), _LABEL, hashlib.sha256).hexdigest()


def _cookies(headers: Headers) -> dict[str, str]:
    """The cookies as the application reads them (Starlette's parser on the same header): a stricter parser
    here would miss the session cookie behind a malformed one (``x="a; pochub_session=...``, planted by another
    application on the mission's domain) and let the request through unchecked while the route signs it in."""
    cookies: dict[str, str] = {}
    for value in headers.getlist("cookie"):
        cookies.update(cookie_parser(value))
    return cookies


def request_token(request: Request) -> str:
    """The token for the page being rendered: tied to the session cookie, else to ``pochub_csrf`` (created
    here when the browser has none; the middleware then sets it on the response)."""
    session = request.cookies.get(SESSION_COOKIE)
    if session:
        return token_for(session)
    state: dict[str, Any] = request.scope.setdefault("state", {})
    binding = request.cookies.get(CSRF_COOKIE) or state.get(_STATE_KEY)
    if not binding:
        binding = secrets.token_urlsafe(32)
        state[_STATE_KEY] = binding
    return token_for(binding)


def _same_origin(headers: Headers) -> bool:
    """True when the request's Origin (else Referer) is this host, or when the browser sent neither."""
    source = headers.get("origin") or headers.get("referer")
    if source is None:
        return True  # old browsers and privacy settings omit both: the token alone decides
    if source == "null":
        return False  # sandboxed frames, data: pages
    parts = urlsplit(source)
    # behind a proxy that rewrites Host, the proxy's X-Forwarded-Host names the site (a cross-site form cannot
    # set either header, so trusting it gives an attacker nothing)
    hosts = {headers.get("host", ""), headers.get("x-forwarded-host", "").split(",")[0].strip()} - {""}
    return parts.scheme in ("http", "https") and parts.netloc.lower() in {host.lower() for host in hosts}


def _needs_check(scope: Scope, headers: Headers, cookies: Mapping[str, str]) -> bool:
    if scope["method"] in SAFE_METHODS or "authorization" in headers:
        return False
    if cookies.get(SESSION_COOKIE):
        return True
    if scope["path"] not in SIGN_IN_PATHS:
        return False
    content_type = headers.get("content-type", "").split(";")[0].strip().lower()
    return content_type != "application/json"


async def _form_token(scope: Scope, body: bytes) -> str | None:
    """The ``csrf_token`` field of a form body (url-encoded or multipart), if any."""

    async def replay() -> Message:
        return {"type": "http.request", "body": body, "more_body": False}

    try:
        form = await Request(scope, replay).form()
    except Exception:  # not a form, or a malformed one: no token in it
        return None
    value = form.get(CSRF_FIELD)
    return value if isinstance(value, str) else None


RefusalPage = Callable[[Request, str], Response]
"""Renders the 403 page a browser gets, given the request and the reason (``origin`` or ``token``)."""


def _refusal(scope: Scope, reason: str, page: RefusalPage | None) -> Response:
    """403: JSON for the API, else a page in the visitor's language that says how to go on."""
    request = Request(scope)
    detail = {
        "origin": "this request comes from another site; cross-site requests are refused",
        "token": "this request carries no valid CSRF token: reload the page and try again",
    }[reason]
    if scope["path"].startswith("/api/") or "text/html" not in request.headers.get("accept", "text/html"):
        return JSONResponse({"detail": detail}, status_code=403)
    if page is None:  # a bare API deployment: say it plainly
        return HTMLResponse(detail, status_code=403)
    try:
        return page(request, reason)
    except Exception:  # the templates missing: say it plainly
        return HTMLResponse(detail, status_code=403)


class CsrfMiddleware:
    """Refuses (403) cookie-authenticated and sign-in requests without this site's origin and a valid token;
    sets the ``pochub_csrf`` cookie when a page rendered a token for a browser that had none. ``refusal_page``
    renders the refusal for a browser (the composition root gives the web's page; plain text without one)."""

    def __init__(self, app: ASGIApp, refusal_page: RefusalPage | None = None) -> None:
        self.app = app
        self.refusal_page = refusal_page

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = Headers(scope=scope)
        cookies = _cookies(headers)
        if _needs_check(scope, headers, cookies):
            if not _same_origin(headers):
                await _refusal(scope, "origin", self.refusal_page)(scope, receive, send)
                return
            binding = cookies.get(SESSION_COOKIE) or cookies.get(CSRF_COOKIE)
            sent = headers.get(CSRF_HEADER)
            body: bytes | None = None
            if sent is None:
                body = await _read_body(receive)
                if body is None:
                    await _refusal(scope, "token", self.refusal_page)(scope, receive, send)
                    return
                sent = await _form_token(scope, body)
            if not binding or not sent or not hmac.compare_digest(sent, token_for(binding)):
                await _refusal(scope, "token", self.refusal_page)(scope, receive, send)
                return
            if body is not None:
                receive = _replaying(body, receive)
        scope.setdefault("state", {})  # one dict shared with the request objects that render pages
        await self.app(scope, receive, _cookie_setter(scope, send))


async def _read_body(receive: Receive) -> bytes | None:
    """The whole request body, or None when it is larger than ``MAX_FORM_BYTES``."""
    chunks: list[bytes] = []
    size = 0
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            return None
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > MAX_FORM_BYTES:
            return None
        chunks.append(chunk)
        if not message.get("more_body", False):
            return b"".join(chunks)


def _replaying(body: bytes, receive: Receive) -> Receive:
    """A receive channel that gives the application the body already read, then the client's own messages
    (a disconnect)."""
    sent = False

    async def replay() -> Message:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        return await receive()

    return replay


def _cookie_setter(scope: Scope, send: Send) -> Send:
    """``send`` that adds the ``pochub_csrf`` cookie when rendering created one for this request."""

    async def wrapped(message: Message) -> None:
        if message["type"] == "http.response.start":
            binding = scope.get("state", {}).get(_STATE_KEY)
            if binding:
                cookie = f"{CSRF_COOKIE}={binding}; HttpOnly; Path=/; SameSite=Lax"
                message = {
                    **message,
                    "headers": [*message.get("headers", []), (b"set-cookie", cookie.encode())],
                }
        await send(message)

    return wrapped

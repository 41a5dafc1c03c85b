"""The security headers of every response: a Content-Security-Policy without inline script, no framing, no MIME
sniffing, a same-origin Referer, HSTS over HTTPS, ``Cache-Control: no-store`` unless a route chose its own
caching (pages and API answers can show protected fields) or is one of ``OFFLINE_READABLE``, and the Secure flag
on cookies over HTTPS."""

from __future__ import annotations

from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

CONTENT_SECURITY_POLICY = "; ".join(
    (
        "default-src 'self'",
        "script-src 'self'",  # no inline script: the pages' data travels as <script type="application/json">
        "style-src 'self' 'unsafe-inline'",  # legend swatches' colours; no script can run from a style
        "img-src 'self' data: blob:",
        "font-src 'self'",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'none'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    )
)
"""The pages load scripts, styles, images and data from this server only (the map has no outside tiles)."""

DOCS_PATHS = frozenset({"/docs", "/redoc", "/docs/oauth2-redirect"})
DOCS_POLICY = "; ".join(
    (
        "default-src 'self'",
        "script-src 'self' 'unsafe-inline' https://cdn.jsdelivr.net",
        "style-src 'self' 'unsafe-inline' https://cdn.jsdelivr.net",
        "img-src 'self' data: https://fastapi.tiangolo.com",
        "worker-src 'self' blob:",
        "frame-ancestors 'none'",
    )
)
"""FastAPI's interactive documentation (when the docs setting serves it) is an inline page from a CDN."""

OFFLINE_READABLE = frozenset(
    {
        "/",  # the operational picture (its data comes from the API)
        "/alerts",  # the inbox: alerts as lists show them, never sender details
        "/alerts/new",  # the alert form (empty: what a person types is posted, never kept)
        "/communities",  # the communities' list (no focal point: the community's page has it)
        "/engagements/new",
        "/action-points",
        "/offline",
        "/offline/phrases.json",
        "/manifest.webmanifest",
        "/api/v1/areas",  # boundaries
        "/api/v1/communities",  # `has_focal_point` only, never the focal point
        "/api/v1/alerts",  # the list: no sender details (one alert's answer has them)
    }
)
"""GET routes whose 200 answers hold no protected field (sender details, focal points) for any role: marked
``private, no-cache``, which the service worker keeps on a phone for reading offline; every other answer is
``no-store`` unless its route chose (the map's layers and the desk's polls, protected-free too), and the service
worker never writes a ``no-store`` answer to the device. A test reads each of these as roles that may read
protected fields and finds none."""

HSTS = "max-age=31536000"
"""One year of HTTPS only, sent over HTTPS (a browser ignores it over HTTP)."""


class SecurityHeadersMiddleware:
    """Adds the security headers to every HTTP response; ``force_https`` sends HSTS and Secure cookies even
    when the server itself sees plain HTTP (behind a proxy that terminates TLS)."""

    def __init__(self, app: ASGIApp, *, force_https: bool = False) -> None:
        self.app = app
        self.force_https = force_https

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        https = self.force_https or scope.get("scheme") == "https"
        policy = DOCS_POLICY if scope["path"] in DOCS_PATHS else CONTENT_SECURITY_POLICY

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                message.setdefault("headers", [])
                headers = MutableHeaders(scope=message)
                headers.setdefault("Content-Security-Policy", policy)
                headers.setdefault("X-Content-Type-Options", "nosniff")
                headers.setdefault("X-Frame-Options", "DENY")
                headers.setdefault("Referrer-Policy", "same-origin")
                headers.setdefault("Cross-Origin-Opener-Policy", "same-origin")
                readable = (
                    scope["method"] == "GET"
                    and scope["path"] in OFFLINE_READABLE
                    and message["status"] == 200
                )
                headers.setdefault("Cache-Control", "private, no-cache" if readable else "no-store")
                if https:
                    headers.setdefault("Strict-Transport-Security", HSTS)
                    _secure_cookies(headers)
            await send(message)

        await self.app(scope, receive, send_with_headers)


def _secure_cookies(headers: MutableHeaders) -> None:
    """Mark every cookie of the response Secure (sent back over HTTPS only)."""
    cookies = headers.getlist("set-cookie")
    if not cookies:
        return
    del headers["set-cookie"]
    for cookie in cookies:
        flags = {part.strip().lower() for part in cookie.split(";")[1:]}
        headers.append("set-cookie", cookie if "secure" in flags else f"{cookie}; Secure")

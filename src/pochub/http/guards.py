"""Guards around the whole application, API and pages: no NUL character in a path, no credential in a URL, and
every 403 refusal in the audit log.

A path holding a NUL character names nothing (file APIs raise on NUL), so it is 404 before any route runs.

A secret in the query string (``?token=...``) ends up in access logs, proxies' logs and browser histories, so
such a request is refused before any route runs, and the value is blanked in the request itself first, so that
the server's access log line (written from the same request) never holds it. Every 403 answer, whichever route
or page gave it, is recorded in the audit log with who asked (when their credential names them), what, and
from which address: a partner probing what they may not see leaves a trace.
"""

from __future__ import annotations

from urllib.parse import parse_qsl, urlencode

import anyio.to_thread
from sqlalchemy import Engine
from starlette.datastructures import Headers
from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from pochub.http.auth import presented_credential
from pochub.services.access import record_refusal

QUERY_SECRETS = frozenset(
    {"token", "access_token", "api_key", "apikey", "auth_token", "password", "secret", "gateway_key", "key",
     "x_pochub_gateway_key", "pochub_session", "session", "passwd", "pwd"}
)  # fmt: skip
"""Query parameters that would carry a credential (compared without case, spaces, and with - as _)."""


def _secret_name(name: str) -> bool:
    """Whether a query parameter's name is one a credential would be sent under (``?Gateway-Key=``, ``?key=``)."""
    return name.strip().lower().replace("-", "_") in QUERY_SECRETS


def _cookies(headers: Headers) -> dict[str, str]:
    cookies: dict[str, str] = {}
    for part in headers.get("cookie", "").split(";"):
        name, _, value = part.strip().partition("=")
        if name:
            cookies[name] = value
    return cookies


class RefuseNulPaths:
    """ASGI middleware: a path holding a NUL character names nothing, so it is 404 (file APIs raise on NUL)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and "\x00" in scope.get("path", ""):
            await JSONResponse(status_code=404, content={"detail": "not found"})(scope, receive, send)
            return
        await self.app(scope, receive, send)


class QuerySecretsRefused:
    """ASGI middleware: 400 for a request with a credential in its query string, the value blanked first."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not scope.get("query_string"):
            await self.app(scope, receive, send)
            return
        pairs = parse_qsl(scope["query_string"].decode("latin-1"), keep_blank_values=True)
        if not any(_secret_name(name) for name, _ in pairs):
            await self.app(scope, receive, send)
            return
        blanked = [(name, "REDACTED" if _secret_name(name) else value) for name, value in pairs]
        scope["query_string"] = urlencode(blanked).encode("latin-1")  # what the access log will print
        response = JSONResponse(
            status_code=400,
            content={
                "detail": "a credential in the URL is refused (URLs are logged): send it in the Authorization "
                "or X-Pochub-Gateway-Key header"
            },
        )
        await response(scope, receive, send)


class RefusalsAudited:
    """ASGI middleware: every 403 answer is recorded in the audit log once the answer is sent."""

    def __init__(self, app: ASGIApp, engine: Engine) -> None:
        self.app = app
        self.engine = engine

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        refused = False

        async def watch(message: Message) -> None:
            nonlocal refused
            if message["type"] == "http.response.start" and message["status"] == 403:
                refused = True
            await send(message)

        await self.app(scope, receive, watch)
        if refused:
            headers = Headers(scope=scope)
            presented = presented_credential(headers, _cookies(headers))
            client = scope.get("client")
            await anyio.to_thread.run_sync(
                lambda: record_refusal(
                    self.engine,
                    presented,
                    method=scope["method"],
                    path=scope["path"],
                    client=client[0] if client else "",
                )
            )

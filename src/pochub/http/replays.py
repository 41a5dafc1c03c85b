"""Answers for a phone's queue: a write sent again from the device's queue (it carries an ``Idempotency-Key``
and asks for JSON) learns where the page would have sent the person as ``{"location": ...}``, instead of a
redirect the browser would follow to load a whole page it does not show (slow connections pay for every byte).
Any other answer (a form's errors, a refusal, a conflict) passes unchanged, with its status."""

from __future__ import annotations

import json

from starlette.datastructures import Headers, MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

IDEMPOTENCY_HEADER = "idempotency-key"


class RedirectsAsJson:
    """Turns the 3xx answer of a POST with an ``Idempotency-Key`` that accepts JSON (not HTML) into a 200
    ``{"location": ...}`` (``no-store``, as every write's answer)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        headers = Headers(scope=scope) if scope["type"] == "http" else None
        accept = headers.get("accept", "") if headers else ""
        if (
            headers is None
            or scope["method"] != "POST"
            or IDEMPOTENCY_HEADER not in headers
            or "application/json" not in accept
            or "text/html" in accept
        ):
            await self.app(scope, receive, send)
            return
        redirected = False

        async def answer(message: Message) -> None:
            nonlocal redirected
            if message["type"] == "http.response.start" and 300 <= message["status"] < 400:
                location = MutableHeaders(scope=message).get("location", "")
                if location:
                    redirected = True
                    body = json.dumps({"location": location}).encode()
                    kept = [(k, v) for k, v in message.get("headers", []) if k.lower() == b"set-cookie"]
                    await send({
                        "type": "http.response.start", "status": 200,
                        "headers": [*kept, (b"content-type", b"application/json"),
                                    (b"content-length", str(len(body)).encode())],
                    })  # fmt: skip
                    await send({"type": "http.response.body", "body": body, "more_body": False})
                    return
            if redirected:
                return  # the redirect's own body: replaced above
            await send(message)

        await self.app(scope, receive, answer)

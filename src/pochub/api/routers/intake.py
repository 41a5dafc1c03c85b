"""Intake webhooks: SMS gateways (form-encoded), RapidPro/TextIt (JSON) and KoBo REST services (JSON).

Gateways authenticate with their own credential (`pochub gateways add NAME --kind KIND` prints it), sent in a
header: ``Authorization: Bearer``, ``X-Pochub-Gateway-Key`` or HTTP Basic (user and password in the webhook
URL, for Twilio and KoBo). A Twilio gateway's posts must also carry a valid ``X-Twilio-Signature``. A credential
in the query string is refused before any route runs (http/guards.py). The answer comes only after the alert is
committed; a gateway retry of the same message (same id) returns the same alert.
"""

from __future__ import annotations

import asyncio
import weakref
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from functools import partial
from typing import Annotated, Any

import anyio
import anyio.to_thread
from fastapi import APIRouter, Body, Depends, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.security import APIKeyHeader
from sqlalchemy import Engine

from pochub.api.routers.alerts import intake_out
from pochub.api.schemas.alerts import IntakeOut
from pochub.config import Settings
from pochub.core.models.access import INTAKE_ROLES, Role, User
from pochub.core.models.alerts import Report
from pochub.core.workflow.lifecycle import Actor
from pochub.errors import Forbidden, InvalidInput
from pochub.http.auth import (
    CREDENTIALS,
    GATEWAY_KEY_HEADER,
    bearer_scheme,
    cached_user,
    cookie_scheme,
)
from pochub.ingest.alert_intake import read_kobo, read_rapidpro, read_sms_form
from pochub.services import alerts
from pochub.services.gateways import GatewayKind, engine_key, gateway_kind, twilio_signature_valid
from pochub.services.protection import Protector

router = APIRouter(prefix="/api/v1/intake", tags=["intake"])
MAX_FORM_FIELDS = 200


gateway_key_scheme = APIKeyHeader(
    name=GATEWAY_KEY_HEADER, auto_error=False, description="A gateway's credential (`pochub gateways add`)."
)


async def _read_form(request: Request) -> dict[str, str]:
    try:
        form = await request.form(max_fields=MAX_FORM_FIELDS)
    except Exception as exc:  # the multipart parser raises several kinds of errors on a malformed body
        raise InvalidInput(f"sms: the body is not a readable form post: {exc}") from exc
    return {k: v for k, v in form.multi_items() if isinstance(v, str)}


async def _gateway_kind(engine: Engine, user: User) -> tuple[GatewayKind, bytes | None]:
    """The gateway's kind and encrypted signing secret, remembered per process as long as its credential
    (``CREDENTIAL_CACHE_SECONDS``): a burst of posts does not cost a database round trip each."""
    key = (engine_key(engine), user.user_id)
    found: tuple[GatewayKind, bytes | None] | None = CREDENTIALS.recall(key)
    if found is None:
        found = await run_in_threadpool(gateway_kind, engine, user)
        CREDENTIALS.remember(key, found)
    return found


async def _check_twilio_signature(request: Request, user: User) -> None:
    """403 unless the post is signed by the Twilio account of this gateway (when it is a Twilio gateway)."""
    engine: Engine = request.app.state.engine
    kind, encrypted = await _gateway_kind(engine, user)
    if kind is not GatewayKind.TWILIO:
        return
    settings: Settings = request.app.state.settings
    auth_token = Protector(settings.secret_key).decrypt(encrypted)
    content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    params: list[tuple[str, str]] = []
    if content_type in ("application/x-www-form-urlencoded", "multipart/form-data"):
        try:
            form = await request.form(max_fields=MAX_FORM_FIELDS)
        except Exception as exc:  # as in _read_form
            raise InvalidInput(f"the body is not a readable form post: {exc}") from exc
        params = [(k, v) for k, v in form.multi_items() if isinstance(v, str)]
    signature = request.headers.get("x-twilio-signature")
    if auth_token is None or not twilio_signature_valid(auth_token, str(request.url), params, signature):
        raise Forbidden(
            "the X-Twilio-Signature header does not sign this request with this gateway's auth token"
        )


async def gateway_user(
    request: Request,
    _bearer: Annotated[object, Depends(bearer_scheme)],
    _session: Annotated[object, Depends(cookie_scheme)],
    _gateway_key: Annotated[object, Depends(gateway_key_scheme)],
) -> User:
    """The gateway (or signed-in user) posting; 401 without a valid credential, 403 for other roles and for a
    Twilio gateway's post without a valid signature.

    The credential is checked at most every ``CREDENTIAL_CACHE_SECONDS`` per server process (gateways post in
    bursts), so a revoked credential is refused within those few seconds. (The three schemes above only document
    the accepted headers; ``cached_user`` reads them, and HTTP Basic, itself.)
    """
    user = await cached_user(request.app.state.engine, request)
    if user.role is Role.GATEWAY:
        await _check_twilio_signature(request, user)
    elif user.role not in INTAKE_ROLES:
        raise Forbidden(f"a {user.role.value} account cannot post alerts; use a gateway credential")
    return user


Gateway = Annotated[User, Depends(gateway_user)]
INTAKE_THREADS = 8
"""Intake transactions a server process runs at once (fewer than its engine's 15 pooled connections): more
threads would only queue for a connection and for the interpreter lock; waiting posts wait in the event loop."""
_limiters: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, anyio.CapacityLimiter] = (
    weakref.WeakKeyDictionary()
)


def _intake_limiter() -> anyio.CapacityLimiter:
    """The intake limiter of the running event loop (a limiter belongs to one loop)."""
    loop = asyncio.get_running_loop()
    if loop not in _limiters:
        _limiters[loop] = anyio.CapacityLimiter(INTAKE_THREADS)
    return _limiters[loop]


async def _store(
    request: Request,
    user: User,
    read: Callable[[Any, datetime], Report],
    payload: Any,
    *,
    structured: bool = False,
) -> IntakeOut:
    """Read the gateway's payload and store it (in the thread pool); answered once committed. ``structured``:
    an SMS, read as a structured SMS when it comes from a registered staff number (issue 18, item 4)."""
    engine: Engine = request.app.state.engine
    settings: Settings = request.app.state.settings
    now = datetime.now(UTC)
    report = read(payload, now)
    actor = Actor(user.username, user.role.value)
    result = await anyio.to_thread.run_sync(
        partial(alerts.receive_report, engine, settings, report, actor=actor, now=now, structured=structured),
        limiter=_intake_limiter(),
    )
    return intake_out(result)


@router.post("/sms", response_model=IntakeOut, status_code=201)
async def sms(request: Request, user: Gateway) -> IntakeOut:
    """An SMS gateway's form-encoded post (Twilio, Africa's Talking, FrontlineSMS, Telerivet, SMSSync...).

    From a registered staff number, ``ALERT <place> <threat> <urgency> <text>`` (or ``ALERTE ...``) is stored as a
    classified alert and ``reply`` gives its reference only (or the field to correct), in the keyword's language.
    """
    fields: Mapping[str, Any] = await _read_form(request)
    return await _store(request, user, read_sms_form, fields, structured=True)


@router.post("/rapidpro", response_model=IntakeOut, status_code=201)
async def rapidpro(request: Request, user: Gateway, payload: Annotated[dict[str, Any], Body()]) -> IntakeOut:
    """A RapidPro or TextIt flow webhook (contact, input, results, run) or a plain message; a staff number's
    structured SMS is read as on the SMS route."""
    return await _store(request, user, read_rapidpro, payload, structured=True)


@router.post("/kobo", response_model=IntakeOut, status_code=201)
async def kobo(request: Request, user: Gateway, payload: Annotated[dict[str, Any], Body()]) -> IntakeOut:
    """A KoBo Toolbox (or ODK Central) REST-service submission."""
    return await _store(request, user, read_kobo, payload)

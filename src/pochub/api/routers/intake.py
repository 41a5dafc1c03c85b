"""Intake webhooks: SMS gateways (form-encoded), RapidPro/TextIt (JSON) and KoBo REST services (JSON).

Gateways authenticate with an API token of a service account (`pochub users add gateway --role cla`, then
`pochub users token gateway`), sent as a bearer token or, for gateways that cannot set headers, as the
``token`` query parameter. The answer comes only after the alert is committed; a gateway retry of the same
message (same id) returns the same alert.
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
from fastapi import APIRouter, Body, Depends, Query, Request
from fastapi.security import HTTPAuthorizationCredentials
from sqlalchemy import Engine

from pochub.api.auth import bearer_scheme, cached_user, cookie_scheme
from pochub.api.routers.alerts import INTAKE_ROLES, intake_out
from pochub.api.schemas.alerts import IntakeOut
from pochub.config import Settings
from pochub.core.models.access import User
from pochub.core.models.alerts import Report
from pochub.core.workflow.lifecycle import Actor
from pochub.errors import Forbidden, InvalidInput
from pochub.ingest.alert_intake import read_kobo, read_rapidpro, read_sms_form
from pochub.services import alerts

router = APIRouter(prefix="/api/v1/intake", tags=["intake"])
MAX_FORM_FIELDS = 200


async def gateway_user(
    bearer: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer_scheme)],
    session: Annotated[str | None, Depends(cookie_scheme)],
    request: Request,
    token: Annotated[
        str | None, Query(max_length=200, description="API token, for gateways without headers.")
    ] = None,
) -> User:
    """The service account (or signed-in user) posting; 401 without a valid credential, 403 for other roles.

    The credential is checked at most every ``CREDENTIAL_CACHE_SECONDS`` per server process (gateways post in
    bursts), so a revoked token is refused within those few seconds.
    """
    user = await cached_user(request.app.state.engine, bearer, session, token)
    if user.role not in INTAKE_ROLES:
        raise Forbidden(f"a {user.role.value} account cannot post alerts; use a CLA service account")
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
    request: Request, user: User, read: Callable[[Any, datetime], Report], payload: Any
) -> IntakeOut:
    """Read the gateway's payload and store it (in the thread pool); answered once committed."""
    engine: Engine = request.app.state.engine
    settings: Settings = request.app.state.settings
    now = datetime.now(UTC)
    report = read(payload, now)
    actor = Actor(user.username, user.role.value)
    result = await anyio.to_thread.run_sync(
        partial(alerts.receive_report, engine, settings, report, actor=actor, now=now),
        limiter=_intake_limiter(),
    )
    return intake_out(result)


@router.post("/sms", response_model=IntakeOut, status_code=201)
async def sms(request: Request, user: Gateway) -> IntakeOut:
    """An SMS gateway's form-encoded post (Twilio, Africa's Talking, FrontlineSMS, Telerivet, SMSSync...)."""
    try:
        form = await request.form(max_fields=MAX_FORM_FIELDS)
    except Exception as exc:  # the multipart parser raises several kinds of errors on a malformed body
        raise InvalidInput(f"sms: the body is not a readable form post: {exc}") from exc
    fields: Mapping[str, Any] = {k: v for k, v in form.items() if isinstance(v, str)}
    return await _store(request, user, read_sms_form, fields)


@router.post("/rapidpro", response_model=IntakeOut, status_code=201)
async def rapidpro(request: Request, user: Gateway, payload: Annotated[dict[str, Any], Body()]) -> IntakeOut:
    """A RapidPro or TextIt flow webhook (contact, input, results, run) or a plain message."""
    return await _store(request, user, read_rapidpro, payload)


@router.post("/kobo", response_model=IntakeOut, status_code=201)
async def kobo(request: Request, user: Gateway, payload: Annotated[dict[str, Any], Body()]) -> IntakeOut:
    """A KoBo Toolbox (or ODK Central) REST-service submission."""
    return await _store(request, user, read_kobo, payload)

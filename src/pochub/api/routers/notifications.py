"""Notifications: webhook endpoints (administrator), the outbox and the delivery log (administrator, Senior
PoC Adviser). Secrets are write-only: they are accepted, never returned."""

from __future__ import annotations

from dataclasses import asdict
from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Query, status
from pydantic import BaseModel, Field
from sqlalchemy import Engine

from pochub.core.models.access import Role, User
from pochub.http.auth import require_roles
from pochub.http.database import get_engine
from pochub.services.notifications import (
    STATUSES,
    Delivery,
    Endpoint,
    OutboxEntry,
    add_endpoint,
    deliveries_for,
    list_endpoints,
    outbox_entries,
    set_endpoint_active,
)

router = APIRouter(prefix="/api/v1/notifications", tags=["notifications"])

Db = Annotated[Engine, Depends(get_engine)]
Admin = Annotated[User, Depends(require_roles(Role.ADMIN))]
Overseer = Annotated[User, Depends(require_roles(Role.ADMIN, Role.POC_ADVISER))]


class EndpointIn(BaseModel):
    """A webhook receiver to register."""

    name: str = Field(min_length=1, max_length=120)
    url: str = Field(min_length=1, max_length=2000, description="http:// or https:// URL posts go to.")
    targets: list[str] = Field(
        default_factory=lambda: ["*"], max_length=200, description="Body or role ids it serves; * for all."
    )
    secret: str = Field(default="", max_length=200, description="HMAC-SHA256 key of X-PocHub-Signature.")


class EndpointChange(BaseModel):
    """Switch an endpoint on or off."""

    active: bool


class EndpointOut(BaseModel):
    """A webhook receiver (never its secret)."""

    endpoint_id: int
    name: str
    url: str
    targets: list[str]
    active: bool
    has_secret: bool


class OutboxEntryOut(BaseModel):
    """One notification effect and where its delivery stands."""

    effect_id: int
    dedupe_key: str
    kind: str
    target: str
    alert_id: int | None
    status: str
    attempts: int
    created_at: datetime
    next_attempt_at: datetime
    delivered_at: datetime | None
    exercise_id: int | None


class DeliveryOut(BaseModel):
    """One attempt to post one effect to one endpoint."""

    delivery_id: int
    effect_id: int
    endpoint_id: int
    endpoint: str
    attempt: int
    at: datetime
    status_code: int | None
    error: str
    delivered: bool


def endpoint_out(endpoint: Endpoint) -> EndpointOut:
    """The API view of an endpoint."""
    return EndpointOut(**endpoint.as_dict())


def outbox_out(entry: OutboxEntry) -> OutboxEntryOut:
    """The API view of an outbox row."""
    return OutboxEntryOut(**asdict(entry))


def delivery_out(delivery: Delivery) -> DeliveryOut:
    """The API view of a delivery attempt."""
    return DeliveryOut(**asdict(delivery))


@router.get("/endpoints")
def get_endpoints(_user: Admin, engine: Db) -> list[EndpointOut]:
    """Every webhook endpoint, by name."""
    return [endpoint_out(e) for e in list_endpoints(engine)]


@router.post("/endpoints", status_code=status.HTTP_201_CREATED)
def post_endpoint(user: Admin, engine: Db, body: EndpointIn) -> EndpointOut:
    """Register a webhook endpoint (audited; 409 when the name is taken)."""
    endpoint = add_endpoint(
        engine, body.name, body.url, body.targets, secret=body.secret, actor=user.username,
        actor_role=user.role.value,
    )  # fmt: skip
    return endpoint_out(endpoint)


@router.patch("/endpoints/{name}")
def patch_endpoint(user: Admin, engine: Db, name: str, body: EndpointChange) -> EndpointOut:
    """Switch an endpoint on or off (audited)."""
    changed = set_endpoint_active(engine, name, body.active, actor=user.username, actor_role=user.role.value)
    return endpoint_out(changed)


@router.get("/outbox")
def get_outbox(
    _user: Overseer,
    engine: Db,
    status_: Annotated[
        str | None,
        Query(alias="status", pattern="^(" + "|".join(STATUSES) + ")$", description="Only this status."),
    ] = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
) -> list[OutboxEntryOut]:
    """The latest outbox rows, newest first."""
    return [outbox_out(e) for e in outbox_entries(engine, status=status_, limit=limit)]


@router.get("/deliveries")
def get_deliveries(
    _user: Overseer,
    engine: Db,
    effect_id: Annotated[
        int | None, Query(ge=1, le=2**62, description="Every attempt of this effect.")
    ] = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
) -> list[DeliveryOut]:
    """The delivery log: one effect's attempts (oldest first), or the latest attempts."""
    return [delivery_out(d) for d in deliveries_for(engine, effect_id, limit=limit)]

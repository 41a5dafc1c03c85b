"""Request and response bodies of the alert API. The lifecycle actions' bodies (one model per action, so OpenAPI
says what each needs) are :mod:`pochub.services.alert_actions`, which the pages and the CLI read actions with too."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from pochub.core.models.alerts import Urgency
from pochub.core.models.taxonomy import ThreatType


class Body(BaseModel):
    """Unknown fields are refused, so a misspelt field is an error rather than silently ignored."""

    model_config = ConfigDict(extra="forbid")


class AlertIn(Body):
    """An alert entered by a CLA (a phone call, a radio message) or sent by another system."""

    text: str = Field(min_length=1, max_length=4000, description="What the community reported.")
    external_id: str | None = Field(
        default=None,
        max_length=128,
        description="The caller's own id: posting it again returns the same alert.",
    )
    channel: Literal["manual", "api"] = "manual"
    pcode: str | None = Field(default=None, max_length=32)
    latitude: float | None = Field(default=None, ge=-90, le=90)
    longitude: float | None = Field(default=None, ge=-180, le=180)
    location_text: str = Field(default="", max_length=300)
    community_id: str | None = Field(default=None, max_length=64)
    threat_type: ThreatType | None = None
    urgency: Urgency | None = None
    sender_name: str | None = Field(
        default=None, max_length=200, description="Encrypted at rest; need-to-know."
    )
    sender_number: str | None = Field(
        default=None, max_length=64, description="Encrypted at rest; need-to-know."
    )
    alert_network: str = Field(default="", max_length=120)
    received_at: datetime | None = Field(
        default=None, description="When the community called (default: now)."
    )


class IntakeOut(BaseModel):
    """The committed alert a report became (or joined)."""

    reference: str
    merged: bool
    duplicate: bool
    state: str
    body: str
    field_office: str | None
    due_at: str | None
    reply: str = Field(description="A message the gateway may send back to the sender.")


class AlertPage(BaseModel):
    """One page of alerts."""

    items: list[dict[str, Any]]
    total: int
    limit: int
    offset: int
    next: str | None

"""What the alert pages share: the codes their forms offer, how often the open pages poll, who may log an alert,
the structure's names, reading a posted field and the page that says why something is refused."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from fastapi import Request
from fastapi.responses import Response
from sqlalchemy import Connection
from starlette.datastructures import FormData

from pochub.core.models.access import INTAKE_ROLES, User
from pochub.core.models.alerts import (
    CALL_CHANNELS,
    AlertStatus,
    Decision,
    FeedbackChannel,
    Phase,
    Tier,
    Urgency,
    Verification,
)
from pochub.core.models.coordination import structure_in
from pochub.core.models.taxonomy import ThreatType
from pochub.services.structures import current_structure
from pochub.web.rendering import render

CHOICES: Mapping[str, Sequence[str]] = {
    "states": [s.value for s in AlertStatus],
    "urgencies": [u.value for u in Urgency],
    "threat_types": [t.value for t in ThreatType],
    "verifications": [v.value for v in Verification],
    "decisions": [d.value for d in Decision],
    "tiers": [t.value for t in Tier],
    "phases": [p.value for p in Phase],
    "feedback_channels": [c.value for c in FeedbackChannel],
    "call_channels": [c.value for c in CALL_CHANNELS],
}
"""The codes the forms offer (the templates name them in the user's language)."""


POLL_SECONDS = 5
"""How often the open pages ask whether the desk changed (an unchanged answer is a 304 without a body)."""


def may_log_alerts(user: User) -> bool:
    """May ``user`` log a new alert (the roles the intake API accepts)?"""
    return user.role in INTAKE_ROLES


def structure_names(conn: Connection, language: str | None = None) -> dict[str, dict[str, str]]:
    """Names of the field offices, bodies and posts of the current structure (the data carries their ids), in
    ``language`` where the structure writes them in several."""
    structure = current_structure(conn)
    if structure is None:
        return {"offices": {}, "bodies": {}, "posts": {}}
    if language is not None:
        structure = structure_in(structure, language)
    return {
        "offices": {office.id: office.name for office in structure.field_offices},
        "bodies": {body.id: body.name for body in structure.bodies},
        "posts": {post.id: post.title for post in structure.roles},
    }


def form_value(posted: FormData, name: str) -> str:
    """A posted text value, stripped ('' when absent or a file)."""
    value = posted.get(name)
    return value.strip() if isinstance(value, str) else ""


def refused(request: Request, user: User, status: int, code: str, detail: str = "") -> Response:
    """A page that says why the user cannot see or do this (not found, another area, not their role)."""
    return render(request, "alert_refused.html", status_code=status, user=user, code=code, detail=detail)

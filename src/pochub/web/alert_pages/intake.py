"""Logging a new alert: the form a CLA (or focal point) logs a community's call with, its type-ahead places read
as codes, the sender's number in international form and the call's time in the mission's zone; what is wrong is
said in the page."""

from __future__ import annotations

import re
import secrets
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response

from pochub.core.models.access import User
from pochub.core.models.alerts import (
    CALL_CHANNELS,
    Channel,
    Report,
    Urgency,
)
from pochub.core.workflow.lifecycle import Actor
from pochub.errors import InvalidInput
from pochub.http.auth import OptionalUser
from pochub.i18n import localise
from pochub.services import alert_views, alerts
from pochub.services.phone_numbers import normalise_number
from pochub.web.alert_pages.common import CHOICES, form_value, may_log_alerts, refused
from pochub.web.forms import PostedForm, idempotency_key
from pochub.web.rendering import language_of, mission_zone, render, to_login, zone_label

router = APIRouter(include_in_schema=False)

NEW_ALERT_FIELDS = (
    "channel",
    "called_at",
    "text",
    "pcode",
    "community_id",
    "location_text",
    "urgency",
    "threat_type",
    "sender_name",
    "sender_number",
    "alert_network",
    "form_id",
)
LIMITS = {"text": 4000, "location_text": 300, "sender_name": 200, "sender_number": 64, "alert_network": 120}


CODE_IN_CHOICE = re.compile(r"\[([^\[\]]+)\]\s*$")
"""The code at the end of a picker's choice: "Kasala [KT-C0024]" names KT-C0024."""
CLOCK_SKEW = timedelta(minutes=2)
"""How far ahead of the server's clock a call's time may be (a phone's clock a little fast is not the future)."""


def picked_code(text: str, options: Sequence[Mapping[str, Any]], key: str) -> str:
    """The code a type-ahead field names: "Name [CODE]" as the list offers it, the bare code, or a name that
    only one option has (any case); the text itself otherwise (then refused as unknown)."""
    text = text.strip()
    if not text:
        return ""
    codes = {str(o[key]) for o in options}
    if text in codes:
        return text
    if (found := CODE_IN_CHOICE.search(text)) and found[1].strip() in codes:
        return found[1].strip()
    named = [str(o[key]) for o in options if str(o["name"]).casefold() == text.casefold()]
    return named[0] if len(named) == 1 else text


def read_call_time(text: str, zone: str, now: datetime) -> datetime | str:
    """When the call came, from the form's local date and time (empty: now), or the message code of what is
    wrong (not a date and time, in the future)."""
    if not text:
        return now
    try:
        given = datetime.fromisoformat(text)
    except ValueError:
        return "bad_time"
    moment = (given if given.tzinfo else given.replace(tzinfo=ZoneInfo(zone))).astimezone(UTC)
    if moment > now + CLOCK_SKEW:
        return "future_time"
    return min(moment, now)


def clean_new_alert(
    form: dict[str, str],
    areas: Sequence[Mapping[str, Any]],
    communities: Sequence[Mapping[str, Any]],
    *,
    region: str = "",
) -> dict[str, str]:
    """Read the type-ahead place fields as codes and the sender's number in international form (with the
    mission's ``region`` for national numbers), in ``form``; the message codes of what cannot be read."""
    form["pcode"] = picked_code(form["pcode"], areas, "pcode")
    form["community_id"] = picked_code(form["community_id"], communities, "id")
    errors: dict[str, str] = {}
    if form["channel"] and form["channel"] not in {c.value for c in CALL_CHANNELS}:
        errors["channel"] = "choose_channel"
    number = form["sender_number"]
    if number and len(number) <= LIMITS["sender_number"]:
        try:
            form["sender_number"] = normalise_number(number, region)
        except InvalidInput:
            errors["sender_number"] = "bad_number" if region else "national_number"
    return errors


def check_new_alert(
    form: Mapping[str, str], areas: Sequence[Mapping[str, Any]], communities: Sequence[Mapping[str, Any]]
) -> dict[str, str]:
    """What is wrong with a new alert's form: field -> message code (empty when it can be logged)."""
    errors: dict[str, str] = {}
    if not form["text"]:
        errors["text"] = "missing_text"
    for field, limit in LIMITS.items():
        if len(form[field]) > limit:
            errors[field] = "too_long"
    pcodes = {a["pcode"] for a in areas}
    community = next((c for c in communities if c["id"] == form["community_id"]), None)
    if not form["pcode"] and not form["community_id"]:
        errors["pcode"] = "missing_place"
    if form["pcode"] and form["pcode"] not in pcodes:
        errors["pcode"] = "unknown_pcode"
    if form["community_id"] and community is None:
        errors["community_id"] = "unknown_community"
    elif (
        community is not None
        and form["pcode"] in pcodes
        and not (community["pcode"] or "").startswith(form["pcode"])
    ):
        errors["community_id"] = "place_mismatch"
    if form["urgency"] not in CHOICES["urgencies"]:
        errors["urgency"] = "choose_urgency"
    if form["threat_type"] and form["threat_type"] not in CHOICES["threat_types"]:
        errors["threat_type"] = "choose_threat"
    return errors


def _new_alert_page(
    request: Request,
    user: User,
    *,
    form: Mapping[str, str] | None = None,
    errors: Mapping[str, str] | None = None,
    status_code: int = 200,
) -> Response:
    areas, communities = alert_views.intake_places(request.app.state.engine, user)
    values = dict(form or {})
    values.setdefault("form_id", secrets.token_urlsafe(12))
    values.setdefault("channel", Channel.PHONE.value)
    now_here = datetime.now(UTC).astimezone(ZoneInfo(mission_zone(request)))
    values.setdefault("called_at", f"{now_here:%Y-%m-%dT%H:%M}")
    return render(
        request,
        "alert_new.html",
        status_code=status_code,
        user=user,
        form=values,
        errors=errors or {},
        areas=areas,
        communities=communities,
        choices=CHOICES,
        latest_call=f"{now_here:%Y-%m-%dT%H:%M}",
        zone_name=zone_label(now_here),
        country_code=request.app.state.settings.country_code.upper(),
    )


@router.get("/alerts/new")
def new_alert_page(request: Request, user: OptionalUser) -> Response:
    """The form a CLA (or focal point) logs a community's call with."""
    if user is None:
        return to_login(request)
    if not may_log_alerts(user):
        return refused(request, user, 403, "may_not_log")
    return _new_alert_page(request, user)


@router.post("/alerts/new")
def log_alert(request: Request, user: OptionalUser, posted: PostedForm) -> Response:
    """Check the form and log the alert (routed by the structure); say what is wrong otherwise."""
    if user is None:
        return to_login(request)
    if not may_log_alerts(user):
        return refused(request, user, 403, "may_not_log")
    form = {name: form_value(posted, name) for name in NEW_ALERT_FIELDS}
    # a phone's queue sends its idempotency key: as the form's own id, it makes the alert's report id, so the
    # same call sent again finds its alert instead of logging a second one
    if key := idempotency_key(request, posted):
        form["form_id"] = key
    engine, settings = request.app.state.engine, request.app.state.settings
    areas, communities = alert_views.intake_places(engine, user)
    now = datetime.now(UTC)
    errors = clean_new_alert(form, areas, communities, region=settings.country_code)
    errors = {**check_new_alert(form, areas, communities), **errors}
    called_at = read_call_time(form["called_at"], mission_zone(request), now)
    if isinstance(called_at, str):
        errors["called_at"] = called_at
    if errors or isinstance(called_at, str):
        return _new_alert_page(request, user, form=form, errors=errors, status_code=422)
    report = Report(
        channel=Channel(form["channel"] or Channel.PHONE.value),
        external_id=f"web:{user.username}:{form['form_id'] or secrets.token_urlsafe(12)}"[:128],
        received_at=called_at,
        text=form["text"],
        sender_name=form["sender_name"] or None,
        sender_number=form["sender_number"] or None,
        pcode=form["pcode"] or None,
        location_text=form["location_text"],
        community_id=form["community_id"] or None,
        threat_type=form["threat_type"] or None,
        urgency=Urgency(form["urgency"]),
        alert_network=form["alert_network"],
    )
    try:
        result = alerts.receive_report(
            engine, settings, report, actor=Actor(user.username, user.role.value), now=now
        )
    except InvalidInput as exc:
        form["detail"] = localise(exc.message, language_of(request))
        return _new_alert_page(request, user, form=form, errors={"form": "not_logged"}, status_code=422)
    outcome = "merged" if result.merged else "logged"
    return RedirectResponse(f"/alerts/{result.reference}?{outcome}=1", status_code=303)

"""The alert pages: the inbox of the user's area, the form a CLA logs a call with, and one alert's page with the
actions the user's role may take in its state.

Everything is rendered on the server and posted as plain forms (a field office's connection may drop the
scripts); the services decide what a user may see and do: the list is scoped to the user's area, sender
details come only for need-to-know roles, and every action goes through ``services.alerts.act``, whose
refusals (403 role, 409 state, 422 content) are shown in the page in the user's language.
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, RedirectResponse, Response
from pydantic import ValidationError
from sqlalchemy import Connection
from starlette.datastructures import FormData

from pochub.core.models.access import INTAKE_ROLES, User
from pochub.core.models.alerts import (
    CALL_CHANNELS,
    ActionName,
    AlertStatus,
    Channel,
    Decision,
    FeedbackChannel,
    Phase,
    Report,
    Tier,
    Urgency,
    Verification,
)
from pochub.core.models.coordination import structure_in
from pochub.core.models.filters import AlertFilter
from pochub.core.models.taxonomy import ThreatType
from pochub.core.text import Text
from pochub.core.workflow.lifecycle import ACTION_ROLES, Action, Actor, allowed_actions
from pochub.core.workflow.metrics import STEPS
from pochub.errors import Conflict, Forbidden, InvalidInput, InvalidTransition, NotFound
from pochub.http.auth import OptionalUser
from pochub.i18n import localise
from pochub.services import alert_live, alert_units, alert_views, alerts, community_views
from pochub.services.alert_actions import ACTION_BODIES
from pochub.services.alert_metrics import response_times
from pochub.services.phone_numbers import normalise_number
from pochub.services.structures import current_structure
from pochub.web.forms import PostedForm
from pochub.web.rendering import language_of, local_times, mission_zone, render, to_login, zone_label

router = APIRouter(include_in_schema=False)

PAGE_SIZE = 50
"""Alerts per inbox page."""
SHOWN = ("open", "overdue", "all")
"""Which alerts the inbox shows: still needing action (the default), past their deadline, or every one."""
LIST_FIELDS = frozenset({"units"})
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


CHAINS: Mapping[str, tuple[str, ...]] = {
    "acknowledge": ("acknowledge", "verify", "classify", "transmit"),
    "verify": ("verify", "classify", "transmit"),
    "classify": ("classify", "transmit"),
    "decide": ("decide", "deploy"),
    "record_outcome": ("record_outcome", "give_feedback"),
}
"""The steps one form may take together when the facts are known: each is still its own transition through the
lifecycle (recorded, timed, notified), taken in order; a later step the new state does not allow (classifying an
unfounded alert, deploying after no response) is left for later. An officer goes from received to closed in four
forms: acknowledge to transmit, decide and deploy, outcome and feedback, close."""


def chain_for(action: str, role: str) -> tuple[str, ...]:
    """The steps the form of ``action`` takes for ``role``: the chain up to the first step the role may not take."""
    steps: list[str] = []
    for step in CHAINS.get(action, (action,)):
        if role not in ACTION_ROLES[ActionName(step)]:
            break
        steps.append(step)
    return tuple(steps) or (action,)


def may_log_alerts(user: User) -> bool:
    """May ``user`` log a new alert (the roles the intake API accepts)?"""
    return user.role in INTAKE_ROLES


# --- the inbox ---


@dataclass(frozen=True)
class InboxQuery:
    """The inbox's filters, as read from the query string (unknown values ignored)."""

    state: str = ""
    urgency: str = ""
    show: str = "open"
    page: int = 1

    def alert_filter(self, now: datetime) -> AlertFilter:
        """The service's filter for these choices."""
        return AlertFilter(
            states=(self.state,) if self.state else (),
            urgency=self.urgency or None,
            open_only=self.show == "open",
            overdue_at=now if self.show == "overdue" else None,
        )

    def parameters(self, **changes: str) -> str:
        """This query's string with ``changes`` (defaults left out)."""
        values = {"state": self.state, "urgency": self.urgency, "show": self.show, "page": str(self.page)}
        values.update(changes)
        if values["show"] == "open":
            values["show"] = ""
        if values["page"] == "1":
            values["page"] = ""
        return urlencode({k: v for k, v in values.items() if v})


def read_inbox_query(given: Mapping[str, str]) -> InboxQuery:
    """The inbox's filters from a query string's values."""
    state = given.get("state", "")
    urgency = given.get("urgency", "")
    show = given.get("show", "open")
    page = given.get("page", "1")
    return InboxQuery(
        state=state if state in CHOICES["states"] else "",
        urgency=urgency if urgency in CHOICES["urgencies"] else "",
        show=show if show in SHOWN else "open",
        page=int(page) if page.isdigit() and 0 < int(page) < 100_000 else 1,
    )


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


def _response_chart(user: User, request: Request, offices: Mapping[str, str]) -> dict[str, Any]:
    """Median and 90th-percentile hours to each step, overall and per field office (of the user's area)."""
    result = response_times(
        request.app.state.engine, viewer=user, dimensions=("field_office",), now=datetime.now(UTC)
    )

    def group(found: Any) -> dict[str, Any]:
        return {
            "group": found.group,
            "name": offices.get(found.group, found.group),
            "alerts": found.alerts,
            "steps": {s.step: s.as_dict() for s in found.steps},
        }

    return {
        "steps": list(STEPS),
        "overall": group(result.overall),
        "offices": [group(found) for found in result.groups.get("field_office", ())],
    }


@router.get("/alerts")
def alert_inbox(request: Request, user: OptionalUser) -> Response:
    """The alerts of the user's area, most urgent and soonest due first, with filters and response times."""
    if user is None:
        return to_login(request)
    query = read_inbox_query(request.query_params)
    engine, settings = request.app.state.engine, request.app.state.settings
    now = datetime.now(UTC)
    items, total = alert_views.list_alerts(
        engine, settings, user, query.alert_filter(now), limit=PAGE_SIZE, offset=(query.page - 1) * PAGE_SIZE
    )
    with engine.connect() as conn:
        names = structure_names(conn, language_of(request))
    areas = alert_views.area_names(engine, {item["pcode"] for item in items if item["pcode"]})
    return render(
        request,
        "alert_inbox.html",
        user=user,
        items=items,
        total=total,
        query=query,
        page_size=PAGE_SIZE,
        choices=CHOICES,
        names=names,
        areas=areas,
        can_log=may_log_alerts(user),
        chart=_response_chart(user, request, names["offices"]),
        poll_seconds=POLL_SECONDS,
    )


# --- the live desk: what the inbox, the alert page and the map poll ---

POLL_SECONDS = 5
"""How often the open pages ask whether the desk changed (an unchanged answer is a 304 without a body)."""


def _live_item(
    item: Mapping[str, Any], zone: str, areas: Mapping[str, str], offices: Mapping[str, str]
) -> dict[str, Any]:
    """One alert as the live list draws it: codes the page names in its language, times in the mission's zone."""
    return {
        "reference": item["reference"],
        "excerpt": item["text"][:90] + ("…" if len(item["text"]) > 90 else ""),
        "urgency": item["urgency"],
        "state": item["state"],
        "next_step": item["next_step"],
        "due": local_times(item["due_at"], zone) if item["due_at"] else None,
        "received": local_times(item["received_at"], zone),
        "overdue": item["overdue"],
        "escalation_level": item["escalation_level"],
        "pcode": item["pcode"] or "",
        "area": areas.get(item["pcode"] or "", ""),
        "location_text": item["location_text"],
        "threat_type": item["threat_type"] or "",
        "field_office": offices.get(item["field_office"] or "", item["field_office"] or ""),
        "reports": item["reports"],
        "place": item.get("place"),
        "location_fuzzed_km": item["location_fuzzed_km"],
    }


def _live_answer(request: Request, version: str, body: Mapping[str, Any]) -> Response:
    """The poll's answer: 304 when the page already has this version (its ETag), else the JSON."""
    etag = f'"{version}"'
    checked = local_times(datetime.now(UTC), mission_zone(request))
    headers = {"ETag": etag, "Cache-Control": "private, no-cache", "X-Checked-At": checked["local"]}
    if request.headers.get("if-none-match") == etag:
        return Response(status_code=304, headers=headers)
    return JSONResponse({**body, "checked": checked}, headers=headers)


@router.get("/alerts/live.json")
def alert_desk_live(request: Request, user: OptionalUser) -> Response:
    """The inbox's alerts (its filters and page) or, with ``map=1``, every open alert with its place on the map,
    and the counts of new and overdue alerts, through the same access rules as the inbox."""
    if user is None:
        return JSONResponse({"detail": "sign in"}, status_code=401)
    query = read_inbox_query(request.query_params)
    for_map = request.query_params.get("map") == "1"
    engine, settings = request.app.state.engine, request.app.state.settings
    now = datetime.now(UTC)
    snapshot = alert_live.desk(
        engine,
        settings,
        user,
        AlertFilter(open_only=True) if for_map else query.alert_filter(now),
        limit=alert_live.MAP_LIMIT if for_map else PAGE_SIZE,
        offset=0 if for_map else (query.page - 1) * PAGE_SIZE,
        with_places=for_map,
    )
    zone = mission_zone(request)
    with engine.connect() as conn:
        offices = structure_names(conn, language_of(request))["offices"]
    areas = alert_views.area_names(engine, {i["pcode"] for i in snapshot.items if i["pcode"]})
    body = {
        "items": [_live_item(item, zone, areas, offices) for item in snapshot.items],
        "total": snapshot.total,
        "new": snapshot.new,
        "overdue": snapshot.overdue,
        "placed": snapshot.placed,
        "unplaced": snapshot.unplaced,
    }
    return _live_answer(request, snapshot.version, body)


@router.get("/alerts/{reference}/live.json")
def alert_live_state(request: Request, user: OptionalUser, reference: str) -> Response:
    """An alert's state, next step and deadline, and how many transitions it has (the page's poll)."""
    if user is None:
        return JSONResponse({"detail": "sign in"}, status_code=401)
    if len(reference) > 32:
        return JSONResponse({"detail": "not found"}, status_code=404)
    engine, settings = request.app.state.engine, request.app.state.settings
    try:
        state = alert_live.alert_version(engine, settings, reference, user)
    except NotFound:
        return JSONResponse({"detail": "not found"}, status_code=404)
    except Forbidden:
        return JSONResponse({"detail": "outside your area"}, status_code=403)
    zone = mission_zone(request)
    state["due"] = local_times(state["due_at"], zone) if state["due_at"] else None
    return _live_answer(request, state["version"], state)


# --- logging a new alert ---


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
        return _refused(request, user, 403, "may_not_log")
    return _new_alert_page(request, user)


@router.post("/alerts/new")
def log_alert(request: Request, user: OptionalUser, posted: PostedForm) -> Response:
    """Check the form and log the alert (routed by the structure); say what is wrong otherwise."""
    if user is None:
        return to_login(request)
    if not may_log_alerts(user):
        return _refused(request, user, 403, "may_not_log")
    form = {name: form_value(posted, name) for name in NEW_ALERT_FIELDS}
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


# --- one alert and its actions ---


def form_value(posted: FormData, name: str) -> str:
    """A posted text value, stripped ('' when absent or a file)."""
    value = posted.get(name)
    return value.strip() if isinstance(value, str) else ""


@dataclass(frozen=True)
class ActionProblem:
    """Why an action posted from the alert page was not taken: HTTP status, message code, fields, details."""

    status: int
    code: str
    fields: Mapping[str, str]
    detail: Text = ""
    """The service's own words (a translatable text, shown in the reader's language)."""


def _refused(request: Request, user: User, status: int, code: str, detail: str = "") -> Response:
    """A page that says why the user cannot see or do this (not found, another area, not their role)."""
    return render(request, "alert_refused.html", status_code=status, user=user, code=code, detail=detail)


def _field_code(error: Mapping[str, Any]) -> str:
    """The message code of one pydantic error."""
    kind = str(error.get("type", ""))
    if kind == "missing" or kind == "string_too_short":
        return "required"
    if kind in {"enum", "literal_error"}:
        return "choose"
    if kind == "string_too_long" or kind == "too_long":
        return "too_long"
    if kind.startswith("int") or kind.startswith("greater") or kind.startswith("less"):
        return "whole_number"
    if kind.startswith("datetime"):
        return "date_time"
    return "invalid"


def read_action(name: str, posted: FormData, zone: str = "UTC") -> Action | ActionProblem:
    """The lifecycle action a posted form describes, or what is wrong with the form (a date and time without a
    zone is the mission's local time, ``zone``)."""
    model = ACTION_BODIES[name]
    values: dict[str, Any] = {}
    for field in model.model_fields:
        if field in LIST_FIELDS:
            values[field] = [v.strip() for v in posted.getlist(field) if isinstance(v, str) and v.strip()]
        elif text := form_value(posted, field):
            values[field] = text
    fields: dict[str, str] = {}
    if name == "decide":
        fields.update(_decision_problems(values))
    if name == "give_feedback" and "given_at" in values:
        try:
            given = datetime.fromisoformat(values["given_at"])
        except ValueError:
            fields["given_at"] = "date_time"
        else:
            values["given_at"] = given if given.tzinfo else given.replace(tzinfo=ZoneInfo(zone))
    try:
        body = model.model_validate(values)
    except ValidationError as exc:
        for error in exc.errors():
            field = str(error["loc"][0]) if error["loc"] else "form"
            fields.setdefault(field, _field_code(error))
    if fields:
        return ActionProblem(422, "check_fields", fields)
    return body.action()


def _decision_problems(values: Mapping[str, Any]) -> dict[str, str]:
    """Doctrine's minimum content of a response decision, checked here to say it in the user's language."""
    decision = values.get("decision")
    problems: dict[str, str] = {}
    if decision == Decision.RESPOND.value:
        for field in ("tier", "phase"):
            if not values.get(field):
                problems[field] = "required_for_response"
        if values.get("tier") == Tier.PHYSICAL_PROTECTION.value and not values.get("units"):
            problems["units"] = "units_for_tier_two"
    elif decision in (Decision.NO_RESPONSE.value, Decision.REFER.value) and not values.get("reason"):
        problems["reason"] = "reason_for_no_response"
    return problems


def _alert_page(
    request: Request,
    user: User,
    reference: str,
    *,
    problem: ActionProblem | None = None,
    action: str = "",
    form: Mapping[str, Any] | None = None,
) -> Response:
    """Render one alert (with a refused action's message and the form as it was posted)."""
    engine, settings = request.app.state.engine, request.app.state.settings
    try:
        view = alert_views.alert_detail(engine, settings, reference, user)
    except NotFound:
        return _refused(request, user, 404, "not_found")
    except Forbidden:
        return _refused(request, user, 403, "outside_area")
    with engine.connect() as conn:
        names = structure_names(conn, language_of(request))
        structure = current_structure(conn)
        point = {**view}
        alert_live.place_alerts(conn, [point])
    areas = alert_views.area_names(engine, {view["pcode"]} if view["pcode"] else set())
    unit_names = alert_units.unit_names(engine)
    community = alert_views.community_name(engine, view["community_id"]) if view["community_id"] else None
    voice = (
        community_views.alert_community(engine, user, view["community_id"]) if view["community_id"] else None
    )
    unit_groups: list[alert_units.UnitGroup] = []
    if {"decide", "deploy"} & set(view["allowed_actions"]):
        place = point["place"] or {}
        unit_groups = alert_units.units_by_travel(
            engine,
            structure.field_offices if structure else (),
            place.get("latitude"),
            place.get("longitude"),
        )
    return render(
        request,
        "alert_page.html",
        status_code=problem.status if problem else 200,
        user=user,
        alert=view,
        names=names,
        areas=areas,
        community=community,
        voice=voice,
        units=[u for group in unit_groups for u in group.units],
        unit_groups=unit_groups,
        unit_season=alert_units.SEASON.value,
        unit_names=unit_names,
        choices=CHOICES,
        problem=problem,
        failed_action=action,
        form=form or {},
        done=request.query_params.get("done", ""),
        stopped=request.query_params.get("stopped", ""),
        logged=request.query_params.get("logged") == "1",
        merged=request.query_params.get("merged") == "1",
        action_roles=ACTION_ROLES,
        chains={a: chain_for(a, user.role.value) for a in view["allowed_actions"]},
        full_chains=CHAINS,
        poll_seconds=POLL_SECONDS,
        live_version=alert_live.alert_version(engine, settings, reference, user)["version"],
    )


@router.get("/alerts/{reference}")
def alert_page(request: Request, user: OptionalUser, reference: str) -> Response:
    """One alert: details, reports, the full history, and the actions the user's role may take now."""
    if user is None:
        return to_login(request)
    if len(reference) > 32:
        return _refused(request, user, 404, "not_found")
    return _alert_page(request, user, reference)


@router.post("/alerts/{reference}/{action}")
def take_action(
    request: Request, user: OptionalUser, reference: str, action: str, posted: PostedForm
) -> Response:
    """Take one lifecycle action posted from the alert page; a refusal is shown in the page, nothing changed."""
    if user is None:
        return to_login(request)
    if action not in ACTION_BODIES or len(reference) > 32:
        return _refused(request, user, 404, "not_found")
    form: dict[str, Any] = {name: form_value(posted, name) for name in posted}
    form["units"] = [v for v in posted.getlist("units") if isinstance(v, str)]
    steps = chain_for(action, user.role.value) if form_value(posted, "chain") == "1" else (action,)
    zone = mission_zone(request)
    first = read_action(action, posted, zone)
    if isinstance(first, ActionProblem):
        return _alert_page(request, user, reference, problem=first, action=action, form=form)
    # the later steps take no note of their own: the note is the first step's
    later = FormData([(k, v) for k, v in posted.multi_items() if k != "note"])
    engine, settings = request.app.state.engine, request.app.state.settings
    done, stopped = action, ""
    try:
        state = alerts.act(engine, settings, reference, first, user)
        for step in steps[1:]:
            if ActionName(step) not in allowed_actions(state, user.role.value):
                break  # the facts given end the chain here (an unfounded alert, no response to deploy)
            read = read_action(step, later, zone)
            if isinstance(read, ActionProblem):
                stopped = step  # a fact this step needs is missing: it waits, as its own form, for it
                break
            state = alerts.act(engine, settings, reference, read, user)
            done = step
    except NotFound:
        return _refused(request, user, 404, "not_found")
    except Forbidden as exc:
        code = "outside_area" if "area" in str(exc) else "not_your_role"
        problem = ActionProblem(403, code, {}, exc.message)
    except (InvalidTransition, Conflict) as exc:
        problem = ActionProblem(409, "wrong_state", {}, exc.message)
    except InvalidInput as exc:
        problem = ActionProblem(422, "rejected", {}, exc.message)
    else:
        stop = f"&stopped={stopped}" if stopped else ""
        return RedirectResponse(f"/alerts/{reference}?done={done}{stop}#next-action", status_code=303)
    return _alert_page(request, user, reference, problem=problem, action=action, form=form)


__all__ = ["InboxQuery", "check_new_alert", "read_action", "read_inbox_query", "router"]

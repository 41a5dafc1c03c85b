"""One alert's page and its actions: details, reports, history, and the lifecycle actions the user's role may take
now, posted as forms read into lifecycle actions (a form may take a chain of steps when the facts are known);
every action goes through ``services.alerts.act`` and its refusals are shown in the page."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response
from pydantic import ValidationError
from starlette.datastructures import FormData

from pochub.core.models.access import User
from pochub.core.models.alerts import (
    ActionName,
    Decision,
    Tier,
)
from pochub.core.text import Text
from pochub.core.workflow.lifecycle import ACTION_ROLES, Action, allowed_actions
from pochub.errors import Conflict, Forbidden, InvalidInput, InvalidTransition, NotFound
from pochub.http.auth import OptionalUser
from pochub.services import alert_live, alert_units, alert_views, alerts, community_views, idempotency
from pochub.services.alert_actions import ACTION_BODIES
from pochub.services.structures import current_structure
from pochub.web.alert_pages.common import CHOICES, POLL_SECONDS, form_value, refused, structure_names
from pochub.web.forms import PostedForm, idempotency_key
from pochub.web.rendering import language_of, mission_zone, render, to_login

router = APIRouter(include_in_schema=False)

LIST_FIELDS = frozenset({"units"})


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


@dataclass(frozen=True)
class ActionProblem:
    """Why an action posted from the alert page was not taken: HTTP status, message code, fields, details."""

    status: int
    code: str
    fields: Mapping[str, str]
    detail: Text = ""
    """The service's own words (a translatable text, shown in the reader's language)."""


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
        return refused(request, user, 404, "not_found")
    except Forbidden:
        return refused(request, user, 403, "outside_area")
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
        return refused(request, user, 404, "not_found")
    return _alert_page(request, user, reference)


@router.post("/alerts/{reference}/{action}")
def take_action(
    request: Request, user: OptionalUser, reference: str, action: str, posted: PostedForm
) -> Response:
    """Take one lifecycle action posted from the alert page; a refusal is shown in the page, nothing changed."""
    if user is None:
        return to_login(request)
    if action not in ACTION_BODIES or len(reference) > 32:
        return refused(request, user, 404, "not_found")
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
    # a phone's queue sending the action again with its key gets the first answer (an action cannot be taken
    # twice anyway: the second is refused as a change meanwhile, and shown so)
    key, scope = idempotency_key(request, posted), f"alert {reference} {action}"
    try:
        if (first_answer := idempotency.remembered(engine, user, key, scope)) is not None:
            return RedirectResponse(str(first_answer["location"]), status_code=303)
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
        return refused(request, user, 404, "not_found")
    except Forbidden as exc:
        code = "outside_area" if "area" in str(exc) else "not_your_role"
        problem = ActionProblem(403, code, {}, exc.message)
    except (InvalidTransition, Conflict) as exc:
        problem = ActionProblem(409, "wrong_state", {}, exc.message)
    except InvalidInput as exc:
        problem = ActionProblem(422, "rejected", {}, exc.message)
    else:
        stop = f"&stopped={stopped}" if stopped else ""
        location = f"/alerts/{reference}?done={done}{stop}#next-action"
        idempotency.remember(engine, user, key, scope, {"location": location})
        return RedirectResponse(location, status_code=303)
    return _alert_page(request, user, reference, problem=problem, action=action, form=form)

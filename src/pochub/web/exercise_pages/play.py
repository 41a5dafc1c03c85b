"""The trainees' pages: their team's feed and the alert page in exercise mode, every action going through
``services.exercises.team_act`` at exercise time."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response

from pochub.core.models.access import User
from pochub.errors import Conflict, Forbidden, InvalidInput, InvalidTransition, NotFound
from pochub.http.auth import OptionalUser
from pochub.services import alert_units, alert_views, exercises
from pochub.services.alert_actions import TRAINEE_ACTIONS
from pochub.web.alert_pages.alert import ActionProblem, read_action
from pochub.web.alert_pages.common import CHOICES, form_value, structure_names
from pochub.web.alert_pages.inbox import InboxQuery
from pochub.web.exercise_pages.access import refused
from pochub.web.exercise_pages.fields import exercise_id_of
from pochub.web.forms import PostedForm
from pochub.web.rendering import language_of, render, to_login

router = APIRouter(include_in_schema=False)


PLAY_ACTIONS = TRAINEE_ACTIONS
"""The lifecycle actions trainees take (the after-action review is the facilitator's report)."""
REFERENCE_LIMIT = 32


def _player_or_refusal(request: Request, user: User | None, exercise_id: str) -> Response | int:
    if user is None:
        return to_login(request)
    found = exercise_id_of(exercise_id)
    if found is None:
        return refused(request, user, 404, "no_exercise")
    return found


@router.get("/exercises/{exercise_id}/play")
def play_feed(request: Request, user: OptionalUser, exercise_id: str) -> Response:
    """The trainee's team: its alerts in the inbox's layout and its situation messages, at exercise time."""
    checked = _player_or_refusal(request, user, exercise_id)
    if isinstance(checked, Response):
        return checked
    assert user is not None
    engine, settings = request.app.state.engine, request.app.state.settings
    try:
        feed = exercises.team_feed(engine, settings, checked, user)
    except NotFound:
        return refused(request, user, 404, "no_exercise")
    except Forbidden:
        return refused(request, user, 403, "not_in_team")
    with engine.connect() as conn:
        names = structure_names(conn, language_of(request))
    areas = alert_views.area_names(engine, {item["pcode"] for item in feed["alerts"] if item["pcode"]})
    exercise = exercises.exercise_status(engine, checked)
    return render(
        request,
        "exercise_play.html",
        user=user,
        exercise=exercise,
        feed=feed,
        items=feed["alerts"],
        total=feed["alerts_total"],
        query=InboxQuery(show="all"),
        page_size=max(feed["alerts_total"], 1),
        choices=CHOICES,
        names=names,
        areas=areas,
        can_log=False,
        alert_base=f"/exercises/{checked}/play",
    )


def _play_alert_page(
    request: Request,
    user: User,
    exercise_id: int,
    reference: str,
    *,
    problem: ActionProblem | None = None,
    action: str = "",
    form: Mapping[str, Any] | None = None,
) -> Response:
    """The alert page in exercise mode: only the team's own alert, overdue on exercise time, its forms here."""
    engine, settings = request.app.state.engine, request.app.state.settings
    try:
        played = exercises.team_alert_view(engine, settings, exercise_id, reference, user)
    except NotFound as exc:
        return refused(request, user, 404, "no_exercise" if "no exercise" in str(exc) else "no_alert")
    except Forbidden as exc:
        return refused(request, user, 403, "outside_area" if "area" in str(exc) else "not_in_team")
    exercise, team, view = played["exercise"], played["team"], played["alert"]
    with engine.connect() as conn:
        names = structure_names(conn, language_of(request))
    areas = alert_views.area_names(engine, {view["pcode"]} if view["pcode"] else set())
    units = alert_units.unit_choices(engine) if {"decide", "deploy"} & set(view["allowed_actions"]) else []
    community = alert_views.community_name(engine, view["community_id"]) if view["community_id"] else None
    return render(
        request,
        "exercise_alert.html",
        status_code=problem.status if problem else 200,
        user=user,
        exercise=exercise,
        team=team,
        alert=view,
        names=names,
        areas=areas,
        community=community,
        units=units,
        unit_names={u["unit_id"]: u["name"] for u in units},
        choices=CHOICES,
        problem=problem,
        failed_action=action,
        form=form or {},
        done=request.query_params.get("done", ""),
        logged=False,
        merged=False,
        alert_base=f"/exercises/{exercise_id}/play",
    )


@router.get("/exercises/{exercise_id}/play/{reference}")
def play_alert(request: Request, user: OptionalUser, exercise_id: str, reference: str) -> Response:
    """One of the team's alerts: its details and history, and the actions the trainee's role may take now."""
    checked = _player_or_refusal(request, user, exercise_id)
    if isinstance(checked, Response):
        return checked
    assert user is not None
    if len(reference) > REFERENCE_LIMIT:
        return refused(request, user, 404, "no_alert")
    return _play_alert_page(request, user, checked, reference)


@router.post("/exercises/{exercise_id}/play/{reference}/{action}")
def play_action(
    request: Request, user: OptionalUser, exercise_id: str, reference: str, action: str, posted: PostedForm
) -> Response:
    """A trainee's action on the team's alert, through ``team_act`` at exercise time; refusals shown in the page."""
    checked = _player_or_refusal(request, user, exercise_id)
    if isinstance(checked, Response):
        return checked
    assert user is not None
    if action not in PLAY_ACTIONS or len(reference) > REFERENCE_LIMIT:
        return refused(request, user, 404, "no_alert")
    form: dict[str, Any] = {name: form_value(posted, name) for name in posted}
    form["units"] = [v for v in posted.getlist("units") if isinstance(v, str)]
    read = read_action(action, posted)
    if isinstance(read, ActionProblem):
        return _play_alert_page(request, user, checked, reference, problem=read, action=action, form=form)
    engine, settings = request.app.state.engine, request.app.state.settings
    try:
        exercises.team_act(engine, settings, checked, reference, read, user)
    except NotFound as exc:
        return refused(request, user, 404, "no_exercise" if "no exercise" in str(exc) else "no_alert")
    except Forbidden as exc:
        if "plays in no team" in str(exc):
            return refused(request, user, 403, "not_in_team")
        code = "outside_area" if "area" in str(exc) else "not_your_role"
        problem = ActionProblem(403, code, {}, exc.message)
    except InvalidTransition as exc:
        code = "exercise_not_running" if "the exercise is" in str(exc) else "wrong_state"
        problem = ActionProblem(409, code, {}, exc.message)
    except Conflict as exc:
        problem = ActionProblem(409, "wrong_state", {}, exc.message)
    except InvalidInput as exc:
        problem = ActionProblem(422, "rejected", {}, exc.message)
    else:
        return RedirectResponse(
            f"/exercises/{checked}/play/{reference}?done={action}#history", status_code=303
        )
    return _play_alert_page(request, user, checked, reference, problem=problem, action=action, form=form)

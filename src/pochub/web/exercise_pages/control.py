"""The facilitator's control page of one exercise: the clock, the teams, the injects and their schedule, the
scores, and the after-action review as a page of the site."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import yaml
from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy import Connection
from starlette.datastructures import FormData

from pochub.core.exercise.clock import MAX_SPEED
from pochub.core.exercise.scenario import InjectKind
from pochub.core.models.access import User
from pochub.core.models.alerts import Urgency
from pochub.core.models.coordination import structure_in
from pochub.core.text import Text
from pochub.documents import after_action
from pochub.errors import Conflict, Forbidden, InvalidInput, InvalidTransition, NotFound, PocHubError
from pochub.http.auth import OptionalUser
from pochub.i18n import translations
from pochub.services import exercises
from pochub.services.structures import current_structure
from pochub.web.alert_pages.common import form_value
from pochub.web.exercise_pages.access import is_facilitator, refused
from pochub.web.exercise_pages.fields import exercise_id_of, number_in
from pochub.web.forms import PostedForm
from pochub.web.rendering import language_of, render, to_login

router = APIRouter(include_in_schema=False)


TEAM_ROWS = 4
"""Member rows of the new-team form (blank rows are left out)."""
OFFSET = re.compile(r"^\+?\d+(\.\d+)?(m|min|h|d)$")


@dataclass(frozen=True)
class ControlProblem:
    """Why a control form's post was refused: status, message code, the form, its fields, the service's words."""

    status: int
    code: str
    form: str
    fields: Mapping[str, str] = field(default_factory=dict)
    detail: Text = ""


def _posts(conn: Connection, language: str) -> list[dict[str, str]]:
    """The posts of the coordination structure trainees may play, their titles in ``language``."""
    structure = current_structure(conn)
    return (
        [{"id": p.id, "title": p.title} for p in structure_in(structure, language).roles] if structure else []
    )


def _control_page(
    request: Request,
    user: User,
    exercise_id: int,
    *,
    problem: ControlProblem | None = None,
    form: Mapping[str, Any] | None = None,
    confirm_finish: bool = False,
) -> Response:
    engine, settings = request.app.state.engine, request.app.state.settings
    try:
        status = exercises.tick(engine, exercise_id, settings=settings)
    except NotFound:
        return refused(request, user, 404, "no_exercise")
    scores = exercises.latest_scores(engine, exercise_id)
    with engine.connect() as conn:
        posts = _posts(conn, language_of(request))
    people = exercises.trainee_candidates(engine)
    return render(
        request,
        "exercise_control.html",
        status_code=problem.status if problem else 200,
        user=user,
        exercise=status,
        injects=exercises.injects_of(engine, exercise_id),
        scores=scores,
        posts=posts,
        post_names={p["id"]: p["title"] for p in posts},
        people=people,
        problem=problem,
        form=form or {},
        team_rows=TEAM_ROWS,
        kinds=[k.value for k in InjectKind if k is not InjectKind.EVENT],
        urgencies=[u.value for u in Urgency],
        done=request.query_params.get("done", ""),
        created=request.query_params.get("created") == "1",
        readiness=exercises.team_readiness(engine, exercise_id),
        confirm_finish=confirm_finish,
    )


def _facilitator_or_refusal(request: Request, user: User | None, exercise_id: str) -> Response | int:
    """The exercise's id when ``user`` is a facilitator and the id is one; else the response to send."""
    if user is None:
        return to_login(request)
    if not is_facilitator(user):
        return refused(request, user, 403, "not_facilitator")
    found = exercise_id_of(exercise_id)
    if found is None:
        return refused(request, user, 404, "no_exercise")
    return found


@router.get("/exercises/{exercise_id}")
def control_page(request: Request, user: OptionalUser, exercise_id: str) -> Response:
    """The facilitator's control: the clock, the teams, the injects and their schedule, the scores, the review."""
    checked = _facilitator_or_refusal(request, user, exercise_id)
    if isinstance(checked, Response):
        return checked
    assert user is not None
    return _control_page(request, user, checked)


@router.get("/exercises/{exercise_id}/review")
def review_page(request: Request, user: OptionalUser, exercise_id: str) -> Response:
    """The after-action review as a page of the site (its HTML and PDF documents are links away)."""
    checked = _facilitator_or_refusal(request, user, exercise_id)
    if isinstance(checked, Response):
        return checked
    assert user is not None
    try:
        review = exercises.review(request.app.state.engine, checked, user)
    except NotFound:
        return refused(request, user, 404, "no_exercise")
    language = language_of(request)
    _ = translations(language).gettext
    report = f"/api/v1/exercises/{checked}/report"
    return render(
        request, "document_page.html", user=user,
        title=_("After-action review: %(exercise)s") % {"exercise": review.exercise["name"]},
        document=after_action.render_page_content(review, language),
        downloads=[(report, _("The after-action review (HTML)")), (f"{report}?format=pdf", _("The after-action review (PDF)"))],
        back_href=f"/exercises/{checked}", back_label=_("The exercise's control page"),
    )  # fmt: skip


CLOCK_CHANGES = ("start", "pause", "finish")


def _control_post(
    request: Request, user: User | None, exercise_id: str, posted: FormData
) -> tuple[Response | None, int, FormData]:
    """A control form's post: (the refusal to send, or None; the exercise's id; the posted form)."""
    checked = _facilitator_or_refusal(request, user, exercise_id)
    if isinstance(checked, Response):
        return checked, 0, posted
    return None, checked, posted


def _refusal(exc: Exception, form_name: str) -> ControlProblem:
    """A service's refusal of a control form, as the page says it."""
    if isinstance(exc, NotFound):
        return ControlProblem(404, "not_found", form_name, detail=exc.message)
    if isinstance(exc, InvalidInput):
        return ControlProblem(422, "rejected", form_name, detail=exc.message)
    return ControlProblem(
        409, "refused", form_name, detail=exc.message if isinstance(exc, PocHubError) else str(exc)
    )


def _after(request: Request, user: User, exercise_id: int, form_name: str, run: Any) -> Response:
    """Run a control change; back to the control page saying it is done, or showing the refusal."""
    try:
        run()
    except (NotFound, InvalidInput, InvalidTransition, Conflict, Forbidden) as exc:
        if isinstance(exc, NotFound) and "no exercise" in str(exc):
            return refused(request, user, 404, "no_exercise")
        return _control_page(request, user, exercise_id, problem=_refusal(exc, form_name))
    return RedirectResponse(f"/exercises/{exercise_id}?done={form_name}#{form_name}", status_code=303)


@router.post("/exercises/{exercise_id}/clock")
def change_clock(request: Request, user: OptionalUser, exercise_id: str, form_data: PostedForm) -> Response:
    """Start (or resume), pause or finish the exercise; set its speed; move exercise time on."""
    refusal, found, posted = _control_post(request, user, exercise_id, form_data)
    if refusal is not None:
        return refusal
    assert user is not None
    engine = request.app.state.engine
    change = form_value(posted, "change")
    form = {"speed": form_value(posted, "speed"), "hours": form_value(posted, "hours")}
    if change == "finish" and form_value(posted, "confirm") != "yes":
        return _control_page(request, user, found, confirm_finish=True)  # a second form confirms it
    if change in CLOCK_CHANGES:
        service = {"start": exercises.start, "pause": exercises.pause, "finish": exercises.finish}[change]
        return _after(request, user, found, "clock", lambda: service(engine, found, user))
    if change == "speed":
        speed = number_in(form["speed"], 0, MAX_SPEED)
        if speed is None:
            problem = ControlProblem(422, "check_fields", "clock", {"speed": "bad_speed"})
            return _control_page(request, user, found, problem=problem, form=form)
        return _after(request, user, found, "clock", lambda: exercises.set_speed(engine, found, user, speed))
    if change == "advance":
        hours = number_in(form["hours"], 0, 24 * 30)
        if hours is None:
            problem = ControlProblem(422, "check_fields", "clock", {"hours": "bad_hours"})
            return _control_page(request, user, found, problem=problem, form=form)
        return _after(request, user, found, "clock", lambda: exercises.advance(engine, found, user, hours))
    return _control_page(request, user, found, problem=ControlProblem(422, "unknown_change", "clock"))


@router.post("/exercises/{exercise_id}/teams")
def add_team(request: Request, user: OptionalUser, exercise_id: str, form_data: PostedForm) -> Response:
    """Add a team of trainees, each with the post of the structure they play."""
    refusal, found, posted = _control_post(request, user, exercise_id, form_data)
    if refusal is not None:
        return refusal
    assert user is not None
    name = form_value(posted, "team_name")
    usernames = [v.strip() if isinstance(v, str) else "" for v in posted.getlist("username")]
    posts = [v.strip() if isinstance(v, str) else "" for v in posted.getlist("post")]
    posts += [""] * (len(usernames) - len(posts))
    members = [(u, p or None) for u, p in zip(usernames, posts, strict=False) if u]
    form: dict[str, Any] = {"team_name": name, "usernames": usernames, "posts": posts}
    fields: dict[str, str] = {}
    if not name:
        fields["team_name"] = "missing_team_name"
    elif len(name) > 120:
        fields["team_name"] = "too_long"
    if not members:
        fields["username"] = "missing_member"
    if fields:
        problem = ControlProblem(422, "check_fields", "teams", fields)
        return _control_page(request, user, found, problem=problem, form=form)
    engine = request.app.state.engine
    try:
        exercises.add_team(engine, found, user, name=name, members=members)
    except (NotFound, InvalidInput, InvalidTransition, Conflict) as exc:
        return _control_page(request, user, found, problem=_refusal(exc, "teams"), form=form)
    return RedirectResponse(f"/exercises/{found}?done=teams#teams", status_code=303)


INJECT_FIELDS = ("kind", "at", "title", "text", "pcode", "urgency", "roads", "units", "until")


def check_inject(
    form: Mapping[str, str], pcodes: Sequence[str] | None = None
) -> dict[str, Any] | dict[str, str]:
    """The inject form checked: ``{"inject": mapping}`` for the YAML of injects, or field -> message code."""
    errors: dict[str, str] = {}
    kind = form["kind"]
    if kind not in {k.value for k in InjectKind} - {InjectKind.EVENT.value}:
        errors["kind"] = "choose_kind"
    at = form["at"] or "0m"
    if not OFFSET.match(at):
        errors["at"] = "bad_offset"
    entry: dict[str, Any] = {"at": at, "kind": kind}
    if form["title"]:
        entry["title"] = form["title"][:300]
    alert = kind in (InjectKind.COMMUNITY_ALERT.value, InjectKind.RUMOUR.value)
    if form["text"]:
        entry["text"] = form["text"]
    elif alert:
        errors["text"] = "missing_text"
    if len(form["text"]) > 4000:
        errors["text"] = "too_long"
    if form["pcode"]:
        if pcodes is not None and form["pcode"] not in pcodes:
            errors["pcode"] = "unknown_pcode"
        entry["pcode"] = form["pcode"]
    elif alert:
        errors["pcode"] = "missing_pcode"
    if form["urgency"]:
        if form["urgency"] not in {u.value for u in Urgency}:
            errors["urgency"] = "choose_urgency"
        entry["urgency"] = form["urgency"]
    names = {"roads": [r for r in re.split(r"[\s,]+", form["roads"]) if r],
             "units": [u for u in re.split(r"[\s,]+", form["units"]) if u]}  # fmt: skip
    if kind == InjectKind.ROAD_CUT.value:
        if not names["roads"]:
            errors["roads"] = "missing_roads"
        entry["roads"] = names["roads"]
    if kind == InjectKind.UNIT_UNAVAILABLE.value:
        if not names["units"]:
            errors["units"] = "missing_units"
        entry["units"] = names["units"]
        if form["until"]:
            if not OFFSET.match(form["until"]):
                errors["until"] = "bad_offset"
            entry["until"] = form["until"]
    return errors if errors else {"inject": entry}


@router.post("/exercises/{exercise_id}/injects")
def add_inject(request: Request, user: OptionalUser, exercise_id: str, form_data: PostedForm) -> Response:
    """Add one inject, delivered at the chosen offset from the exercise time now."""
    refusal, found, posted = _control_post(request, user, exercise_id, form_data)
    if refusal is not None:
        return refusal
    assert user is not None
    form = {name: form_value(posted, name) for name in INJECT_FIELDS}
    engine = request.app.state.engine
    pcodes = [form["pcode"]] if form["pcode"] and exercises.is_area(engine, form["pcode"]) else []
    checked = check_inject(form, pcodes)
    if "inject" not in checked:
        problem = ControlProblem(422, "check_fields", "injects", checked)
        return _control_page(request, user, found, problem=problem, form=form)
    document = yaml.safe_dump([checked["inject"]], allow_unicode=True, sort_keys=False)
    try:
        exercises.add_injects(engine, found, user, document)
    except (NotFound, InvalidInput, InvalidTransition, Conflict) as exc:
        return _control_page(request, user, found, problem=_refusal(exc, "injects"), form=form)
    return RedirectResponse(f"/exercises/{found}?done=injects#injects", status_code=303)


@router.post("/exercises/{exercise_id}/injects/communities")
def add_community_injects(
    request: Request, user: OptionalUser, exercise_id: str, form_data: PostedForm
) -> Response:
    """Add injects drawn from the concerns communities raised in the mission's engagements."""
    refusal, found, posted = _control_post(request, user, exercise_id, form_data)
    if refusal is not None:
        return refusal
    assert user is not None
    try:
        count = int(form_value(posted, "count") or "3")
    except ValueError:
        count = 0
    try:
        exercises.add_community_injects(request.app.state.engine, found, user, count=count)
    except (NotFound, InvalidInput, InvalidTransition, Conflict) as exc:
        return _control_page(request, user, found, problem=_refusal(exc, "injects"))
    return RedirectResponse(f"/exercises/{found}?done=voices#injects", status_code=303)


@router.post("/exercises/{exercise_id}/score")
def score_exercise(request: Request, user: OptionalUser, exercise_id: str, form_data: PostedForm) -> Response:
    """Score every team now (the scores are stored and shown with their explanations)."""
    refusal, found, _ = _control_post(request, user, exercise_id, form_data)
    if refusal is not None:
        return refusal
    assert user is not None
    engine = request.app.state.engine
    return _after(request, user, found, "scores", lambda: exercises.score(engine, found, user))

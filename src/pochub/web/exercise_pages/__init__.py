"""The exercise pages: the facilitator's (the list and the creation form, one exercise's control page with its
clock, teams, injects, scores and after-action review) and the trainees' (their team's feed and the alert page in
exercise mode).

Trainees use the normal alert pages' templates (the inbox's layout, the alert page's forms) with their links and
forms pointing here, and every action goes through ``services.exercises.team_act``: the exercise's clock, the
team's own alerts and the normal lifecycle decide. Every exercise page carries an "EXERCISE" banner in words, so
nobody takes training for operations. Forms are plain posts rendered on the server; what is wrong is said in the
page, in the user's language (the services' own words shown beside it).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any

import orjson
import yaml
from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy import Connection, exists, select
from starlette.datastructures import FormData

from pochub.core.exercise.clock import MAX_SPEED, ClockStatus
from pochub.core.exercise.scenario import DIFFICULTIES, InjectKind
from pochub.core.models.access import User
from pochub.core.models.alerts import Urgency
from pochub.core.text import Text
from pochub.documents import after_action
from pochub.errors import Conflict, Forbidden, InvalidInput, InvalidTransition, NotFound, PocHubError
from pochub.http.auth import OptionalUser
from pochub.i18n import translations
from pochub.services import alert_views, exercises
from pochub.services.alert_actions import TRAINEE_ACTIONS
from pochub.services.structures import current_structure
from pochub.store import tables
from pochub.web.alert_pages import (
    CHOICES,
    ActionProblem,
    InboxQuery,
    area_names,
    form_value,
    read_action,
    structure_names,
    unit_choices,
)
from pochub.web.forms import PostedForm
from pochub.web.rendering import environment, language_of, render, to_login

router = APIRouter(include_in_schema=False)

SOURCES = ("demo", "real", "scripted")
"""Where a new exercise comes from: the demo mission, a real period of real data, or the facilitator's YAML."""
FORMATS = ("acled", "ucdp", "hxl")
TEAM_ROWS = 4
"""Member rows of the new-team form (blank rows are left out)."""
PLAY_ACTIONS = TRAINEE_ACTIONS
"""The lifecycle actions trainees take (the after-action review is the facilitator's report)."""
UNDER_WAY = (ClockStatus.RUNNING.value, ClockStatus.PAUSED.value)
OFFSET = re.compile(r"^\+?\d+(\.\d+)?(m|min|h|d)$")
REFERENCE_LIMIT = 32


def is_facilitator(user: User) -> bool:
    """May ``user`` create and run exercises (trainers and administrators)?"""
    return user.role in exercises.FACILITATOR_ROLES


def exercise_player(request: Request, user: User) -> bool:
    """Does ``user`` play in a team of an exercise under way (running or paused)? The layout's navigation then
    offers "Exercises"."""
    query = select(
        exists()
        .where(tables.exercise_members.c.user_id == user.user_id)
        .where(tables.exercise_members.c.team_id == tables.exercise_teams.c.team_id)
        .where(tables.exercise_teams.c.exercise_id == tables.exercises.c.exercise_id)
        .where(tables.exercises.c.status.in_(UNDER_WAY))
    )
    with request.app.state.engine.connect() as conn:
        return bool(conn.execute(query).scalar())


environment().globals["exercise_player"] = exercise_player


def _refused(request: Request, user: User, status: int, code: str, detail: str = "") -> Response:
    return render(request, "exercise_refused.html", status_code=status, user=user, code=code, detail=detail)


def _my_exercises(conn: Connection, user: User) -> list[dict[str, Any]]:
    """The exercises ``user`` plays in, newest first, with their team and post."""
    ex, teams, members = tables.exercises, tables.exercise_teams, tables.exercise_members
    rows = conn.execute(
        select(ex.c.exercise_id, ex.c.name, ex.c.status, teams.c.name.label("team"), members.c.post_id)
        .join(teams, teams.c.exercise_id == ex.c.exercise_id)
        .join(members, members.c.team_id == teams.c.team_id)
        .where(members.c.user_id == user.user_id)
        .order_by(ex.c.exercise_id.desc())
    ).all()
    return [
        {"exercise_id": r.exercise_id, "name": r.name, "status": r.status, "team": r.team, "post": r.post_id}
        for r in rows
    ]


# --- the list and the creation form ---

CREATE_FIELDS = (
    "name", "source", "difficulty", "seed", "speed", "standard_hours", "file", "format", "first", "last",
    "admin1", "bbox", "duration_hours", "limit", "injects", "start",
)  # fmt: skip
CREATE_DEFAULTS = {
    "source": "demo", "difficulty": "normal", "seed": "1", "speed": "60", "standard_hours": "2",
    "format": "acled", "duration_hours": "24", "limit": "12",
}  # fmt: skip


@dataclass(frozen=True)
class NewExercise:
    """A checked creation form: what to call the service with."""

    name: str
    source: str
    difficulty: str = "normal"
    seed: int = 1
    speed: float = 60.0
    standard_hours: float = 2.0
    file: str = ""
    format: str = "acled"
    first: date | None = None
    last: date | None = None
    admin1: tuple[str, ...] = ()
    bbox: tuple[float, float, float, float] | None = None
    duration_hours: float = 24.0
    limit: int = 12
    injects: str = ""
    start: datetime | None = None


def _number(text: str, low: float, high: float) -> float | None:
    """``text`` as a number in (low, high], else None."""
    try:
        value = float(text)
    except ValueError:
        return None
    return value if low < value <= high else None


def _whole(text: str, low: int, high: int) -> int | None:
    """``text`` as a whole number in [low, high], else None."""
    return int(text) if re.fullmatch(r"-?\d{1,9}", text) and low <= int(text) <= high else None


def check_new_exercise(form: Mapping[str, str]) -> NewExercise | dict[str, str]:
    """The creation form checked: the exercise to create, or field -> message code of what is wrong."""
    errors: dict[str, str] = {}
    name = form["name"]
    if not name:
        errors["name"] = "missing_name"
    elif len(name) > 200:
        errors["name"] = "too_long"
    source = form["source"]
    if source not in SOURCES:
        errors["source"] = "choose_source"
    speed = _number(form["speed"], 0, MAX_SPEED)
    if speed is None:
        errors["speed"] = "bad_speed"
    standard = _number(form["standard_hours"], 0, 72)
    if standard is None:
        errors["standard_hours"] = "bad_standard"
    chosen: dict[str, Any] = {}
    if source == "demo":
        if form["difficulty"] not in DIFFICULTIES:
            errors["difficulty"] = "choose_difficulty"
        seed = _whole(form["seed"], 0, 999_999_999)
        if seed is None:
            errors["seed"] = "bad_seed"
        chosen = {"difficulty": form["difficulty"], "seed": seed}
    if source in ("real", "scripted"):
        duration = _number(form["duration_hours"], 0, 24 * 30)
        if duration is None:
            errors["duration_hours"] = "bad_duration"
        chosen["duration_hours"] = duration
    if source == "real":
        chosen.update(_check_real(form, errors))
    if source == "scripted":
        if not form["injects"]:
            errors["injects"] = "missing_injects"
        elif len(form["injects"]) > 200_000:
            errors["injects"] = "too_long"
        start = None
        try:
            start = datetime.fromisoformat(form["start"]) if form["start"] else None
        except ValueError:
            errors["start"] = "bad_start"
        if start is None and "start" not in errors:
            errors["start"] = "missing_start"
        chosen.update(
            injects=form["injects"], start=start.replace(tzinfo=start.tzinfo or UTC) if start else None
        )
    if errors:
        return errors
    return NewExercise(
        name=name, source=source, speed=speed or 60.0, standard_hours=standard or 2.0, **chosen
    )


def _check_real(form: Mapping[str, str], errors: dict[str, str]) -> dict[str, Any]:
    """The real-data fields of the creation form (the file is checked by the service: it is the server's)."""
    chosen: dict[str, Any] = {"file": form["file"], "format": form["format"]}
    if not form["file"]:
        errors["file"] = "missing_file"
    if form["format"] not in FORMATS:
        errors["format"] = "choose_format"
    for name in ("first", "last"):
        try:
            chosen[name] = date.fromisoformat(form[name]) if form[name] else None
        except ValueError:
            errors[name] = "bad_date"
        else:
            if chosen[name] is None:
                errors[name] = "missing_date"
    if chosen.get("first") and chosen.get("last") and chosen["last"] < chosen["first"]:
        errors["last"] = "end_before_start"
    chosen["admin1"] = tuple(a.strip() for a in form["admin1"].split(",") if a.strip())
    if form["bbox"]:
        parts = [_number(p.strip(), -1e9, 1e9) for p in form["bbox"].split(",")]
        numbers = [p for p in parts if p is not None]
        valid = len(parts) == 4 and len(numbers) == 4
        if not valid or not (-180 <= numbers[0] < numbers[2] <= 180 and -90 <= numbers[1] < numbers[3] <= 90):
            errors["bbox"] = "bad_bbox"
        else:
            chosen["bbox"] = (numbers[0], numbers[1], numbers[2], numbers[3])
    limit = _whole(form["limit"], 1, 200)
    if limit is None:
        errors["limit"] = "bad_limit"
    chosen["limit"] = limit
    return chosen


def _create(request: Request, user: User, new: NewExercise) -> dict[str, Any]:
    engine = request.app.state.engine
    if new.source == "demo":
        return exercises.create_demo_exercise(
            engine, user, name=new.name, level=new.difficulty, seed=new.seed, speed=new.speed,
            standard_hours=new.standard_hours,
        )  # fmt: skip
    if new.source == "real":
        assert new.first is not None and new.last is not None
        return exercises.create_replay_exercise(
            engine, user, name=new.name, path=exercises.client_data_file(request.app.state.settings, new.file),
            fmt=new.format, first=new.first, last=new.last,
            area=exercises.Area(new.admin1, new.bbox), duration_hours=new.duration_hours, limit=new.limit,
            speed=new.speed, standard_hours=new.standard_hours,
        )  # fmt: skip
    assert new.start is not None
    return exercises.create_scripted_exercise(
        engine, user, name=new.name, injects_yaml=new.injects, start=new.start,
        duration_hours=new.duration_hours, speed=new.speed, standard_hours=new.standard_hours,
    )  # fmt: skip


def _list_page(
    request: Request,
    user: User,
    *,
    form: Mapping[str, str] | None = None,
    errors: Mapping[str, str] | None = None,
    detail: Text = "",
    status_code: int = 200,
) -> Response:
    engine = request.app.state.engine
    with engine.connect() as conn:
        mine = _my_exercises(conn, user)
        post_names = structure_names(conn)["posts"]
    if not is_facilitator(user) and not mine:
        return _refused(request, user, 403, "not_facilitator")
    return render(
        request,
        "exercise_list.html",
        status_code=status_code,
        user=user,
        facilitator=is_facilitator(user),
        listed=exercises.list_exercises(engine) if is_facilitator(user) else [],
        mine=mine,
        post_names=post_names,
        form={**CREATE_DEFAULTS, **(form or {})},
        errors=errors or {},
        detail=detail,
        difficulties=list(DIFFICULTIES),
        sources=SOURCES,
        formats=FORMATS,
    )


@router.get("/exercises")
def exercise_list(request: Request, user: OptionalUser) -> Response:
    """Facilitators: every exercise and the form that creates one. Trainees: the exercises they play in."""
    if user is None:
        return to_login(request)
    return _list_page(request, user)


@router.post("/exercises")
def create_exercise(request: Request, user: OptionalUser, posted: PostedForm) -> Response:
    """Check the creation form and create the exercise; say what is wrong otherwise."""
    if user is None:
        return to_login(request)
    if not is_facilitator(user):
        return _refused(request, user, 403, "not_facilitator")
    form = {name: form_value(posted, name) for name in CREATE_FIELDS}
    checked = check_new_exercise(form)
    if isinstance(checked, dict):
        return _list_page(request, user, form=form, errors=checked, status_code=422)
    try:
        made = _create(request, user, checked)
    except Conflict as exc:
        return _list_page(
            request, user, form=form, errors={"name": "name_taken"}, detail=exc.message, status_code=409
        )
    except InvalidInput as exc:
        return _list_page(
            request, user, form=form, errors={"form": "not_created"}, detail=exc.message, status_code=422
        )
    return RedirectResponse(f"/exercises/{made['exercise_id']}?created=1", status_code=303)


# --- one exercise's control page ---


@dataclass(frozen=True)
class ControlProblem:
    """Why a control form's post was refused: status, message code, the form, its fields, the service's words."""

    status: int
    code: str
    form: str
    fields: Mapping[str, str] = field(default_factory=dict)
    detail: Text = ""


def _latest_scores(conn: Connection, exercise_id: int) -> dict[str, Any] | None:
    """The exercise's last stored scores (every team's, with their explanations), if it was scored."""
    scores = tables.exercise_scores
    document = conn.execute(
        select(scores.c.document)
        .where(scores.c.exercise_id == exercise_id)
        .order_by(scores.c.score_id.desc())
        .limit(1)
    ).scalar_one_or_none()
    found: dict[str, Any] | None = orjson.loads(document) if document else None
    return found


def _posts(conn: Connection) -> list[dict[str, str]]:
    """The posts of the coordination structure trainees may play."""
    structure = current_structure(conn)
    return [{"id": p.id, "title": p.title} for p in structure.roles] if structure else []


def _people(conn: Connection) -> list[dict[str, str]]:
    """Active users who may be trainees (everyone but the facilitators), for the team form's suggestions."""
    users = tables.users
    rows = conn.execute(
        select(users.c.username, users.c.display_name, users.c.role)
        .where(users.c.active.is_(True))
        .order_by(users.c.username)
        .limit(2000)
    ).all()
    return [
        {"username": r.username, "name": r.display_name or "", "role": r.role}
        for r in rows
        if r.role not in {role.value for role in exercises.FACILITATOR_ROLES}
    ]


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
        return _refused(request, user, 404, "no_exercise")
    with engine.connect() as conn:
        scores = _latest_scores(conn, exercise_id)
        posts = _posts(conn)
        people = _people(conn)
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


def _exercise_id(value: str) -> int | None:
    return int(value) if value.isdigit() and 0 < int(value) < 2**31 else None


def _facilitator_or_refusal(request: Request, user: User | None, exercise_id: str) -> Response | int:
    """The exercise's id when ``user`` is a facilitator and the id is one; else the response to send."""
    if user is None:
        return to_login(request)
    if not is_facilitator(user):
        return _refused(request, user, 403, "not_facilitator")
    found = _exercise_id(exercise_id)
    if found is None:
        return _refused(request, user, 404, "no_exercise")
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
        return _refused(request, user, 404, "no_exercise")
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
            return _refused(request, user, 404, "no_exercise")
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
        speed = _number(form["speed"], 0, MAX_SPEED)
        if speed is None:
            problem = ControlProblem(422, "check_fields", "clock", {"speed": "bad_speed"})
            return _control_page(request, user, found, problem=problem, form=form)
        return _after(request, user, found, "clock", lambda: exercises.set_speed(engine, found, user, speed))
    if change == "advance":
        hours = _number(form["hours"], 0, 24 * 30)
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
    with engine.connect() as conn:
        pcodes = (
            [form["pcode"]]
            if form["pcode"]
            and conn.execute(
                select(tables.admin_areas.c.pcode).where(tables.admin_areas.c.pcode == form["pcode"])
            ).first()
            else []
        )
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


@router.post("/exercises/{exercise_id}/score")
def score_exercise(request: Request, user: OptionalUser, exercise_id: str, form_data: PostedForm) -> Response:
    """Score every team now (the scores are stored and shown with their explanations)."""
    refusal, found, _ = _control_post(request, user, exercise_id, form_data)
    if refusal is not None:
        return refusal
    assert user is not None
    engine = request.app.state.engine
    return _after(request, user, found, "scores", lambda: exercises.score(engine, found, user))


# --- the trainees: their team's feed and the alert page in exercise mode ---


def _player_or_refusal(request: Request, user: User | None, exercise_id: str) -> Response | int:
    if user is None:
        return to_login(request)
    found = _exercise_id(exercise_id)
    if found is None:
        return _refused(request, user, 404, "no_exercise")
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
        return _refused(request, user, 404, "no_exercise")
    except Forbidden:
        return _refused(request, user, 403, "not_in_team")
    with engine.connect() as conn:
        names = structure_names(conn)
        areas = area_names(conn, {item["pcode"] for item in feed["alerts"] if item["pcode"]})
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
        exercise = exercises.tick(engine, exercise_id, settings=settings)
        with engine.connect() as conn:
            team_id, team, post = exercises.team_of(conn, exercise_id, user)
            owner = conn.execute(
                select(tables.alerts.c.exercise_id).where(tables.alerts.c.reference == reference)
            ).scalar_one_or_none()
        if owner != team_id:
            return _refused(request, user, 404, "no_alert")
        view = alert_views.alert_detail(engine, settings, reference, user)
    except NotFound:
        return _refused(request, user, 404, "no_exercise")
    except Forbidden as exc:
        return _refused(request, user, 403, "outside_area" if "area" in str(exc) else "not_in_team")
    now = datetime.fromisoformat(exercise["exercise_time"])
    view["overdue"] = bool(view["due_at"] and datetime.fromisoformat(view["due_at"]) < now)
    view["allowed_actions"] = [a for a in view["allowed_actions"] if a in PLAY_ACTIONS]
    with engine.connect() as conn:
        names = structure_names(conn)
        areas = area_names(conn, {view["pcode"]} if view["pcode"] else set())
        units = unit_choices(conn) if {"decide", "deploy"} & set(view["allowed_actions"]) else []
        community = None
        if view["community_id"]:
            community = conn.execute(
                select(tables.communities.c.name).where(
                    tables.communities.c.community_id == view["community_id"]
                )
            ).scalar_one_or_none()
    return render(
        request,
        "exercise_alert.html",
        status_code=problem.status if problem else 200,
        user=user,
        exercise=exercise,
        team={"team_id": team_id, "name": team, "post": post},
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
        return _refused(request, user, 404, "no_alert")
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
        return _refused(request, user, 404, "no_alert")
    form: dict[str, Any] = {name: form_value(posted, name) for name in posted}
    form["units"] = [v for v in posted.getlist("units") if isinstance(v, str)]
    read = read_action(action, posted)
    if isinstance(read, ActionProblem):
        return _play_alert_page(request, user, checked, reference, problem=read, action=action, form=form)
    engine, settings = request.app.state.engine, request.app.state.settings
    try:
        exercises.team_act(engine, settings, checked, reference, read, user)
    except NotFound as exc:
        return _refused(request, user, 404, "no_exercise" if "no exercise" in str(exc) else "no_alert")
    except Forbidden as exc:
        if "plays in no team" in str(exc):
            return _refused(request, user, 403, "not_in_team")
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


__all__ = ["check_inject", "check_new_exercise", "exercise_player", "router"]

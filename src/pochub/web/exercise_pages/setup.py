"""Setting up exercises: the list (every exercise for facilitators, one's own for trainees) and the creation
form (from the demo mission, a real period of real data or scripted injects), checked field by field."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response

from pochub.core.exercise.clock import MAX_SPEED
from pochub.core.exercise.scenario import DIFFICULTIES
from pochub.core.models.access import User
from pochub.core.text import Text
from pochub.errors import Conflict, InvalidInput
from pochub.http.auth import OptionalUser
from pochub.services import exercises
from pochub.web.alert_pages.common import form_value, structure_names
from pochub.web.exercise_pages.access import is_facilitator, refused
from pochub.web.exercise_pages.fields import number_in, whole_in
from pochub.web.forms import PostedForm
from pochub.web.rendering import language_of, render, to_login

router = APIRouter(include_in_schema=False)


SOURCES = ("demo", "real", "scripted")
"""Where a new exercise comes from: the demo mission, a real period of real data, or the facilitator's YAML."""
FORMATS = ("acled", "ucdp", "hxl")


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
    speed = number_in(form["speed"], 0, MAX_SPEED)
    if speed is None:
        errors["speed"] = "bad_speed"
    standard = number_in(form["standard_hours"], 0, 72)
    if standard is None:
        errors["standard_hours"] = "bad_standard"
    chosen: dict[str, Any] = {}
    if source == "demo":
        if form["difficulty"] not in DIFFICULTIES:
            errors["difficulty"] = "choose_difficulty"
        seed = whole_in(form["seed"], 0, 999_999_999)
        if seed is None:
            errors["seed"] = "bad_seed"
        chosen = {"difficulty": form["difficulty"], "seed": seed}
    if source in ("real", "scripted"):
        duration = number_in(form["duration_hours"], 0, 24 * 30)
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
        parts = [number_in(p.strip(), -1e9, 1e9) for p in form["bbox"].split(",")]
        numbers = [p for p in parts if p is not None]
        valid = len(parts) == 4 and len(numbers) == 4
        if not valid or not (-180 <= numbers[0] < numbers[2] <= 180 and -90 <= numbers[1] < numbers[3] <= 90):
            errors["bbox"] = "bad_bbox"
        else:
            chosen["bbox"] = (numbers[0], numbers[1], numbers[2], numbers[3])
    limit = whole_in(form["limit"], 1, 200)
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
    mine = exercises.exercises_played(engine, user)
    with engine.connect() as conn:
        post_names = structure_names(conn, language_of(request))["posts"]
    if not is_facilitator(user) and not mine:
        return refused(request, user, 403, "not_facilitator")
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
        return refused(request, user, 403, "not_facilitator")
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

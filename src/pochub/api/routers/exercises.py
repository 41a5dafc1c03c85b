"""The exercises API: trainers and administrators create and run exercises (clock, teams, injects, scores,
after-action review); trainees, ordinary users assigned to teams, see their team's feed and act on its alerts
at exercise time through the normal lifecycle."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Response
from fastapi import Path as PathParam
from fastapi.concurrency import run_in_threadpool
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import Engine

from pochub.api.language import DocumentLanguage
from pochub.config import Settings
from pochub.core.models.access import Role, User
from pochub.core.workflow.cap import CAP_MEDIA_TYPE
from pochub.errors import InvalidInput
from pochub.http.auth import AppSettings, CurrentUser, require_roles
from pochub.http.database import get_engine
from pochub.services import exercises, partner_exports
from pochub.services.alert_actions import ACTION_BODIES, TRAINEE_ACTIONS, ActionBody

router = APIRouter(prefix="/api/v1/exercises", tags=["exercises"])

Engine_ = Annotated[Engine, Depends(get_engine)]
Facilitator = Annotated[User, Depends(require_roles(Role.TRAINER, Role.ADMIN))]
ExerciseId = Annotated[int, PathParam(ge=1, description="The exercise's id.")]
Reference = Annotated[str, PathParam(min_length=1, max_length=32, description="The alert's reference.")]


class Body(BaseModel):
    """Unknown fields are refused."""

    model_config = ConfigDict(extra="forbid")


class ExerciseIn(Body):
    """A new exercise: from the demo mission, a real period of real data, or scripted injects."""

    name: str = Field(min_length=1, max_length=200)
    source: Literal["demo", "real", "scripted"]
    difficulty: Literal["easy", "normal", "hard"] = "normal"
    seed: int = 1
    file: str | None = Field(
        default=None, description="Real data: a file the server can read (ACLED, UCDP, HXL)."
    )
    format: Literal["acled", "ucdp", "hxl"] = "acled"
    first: date | None = Field(default=None, description="Real data: first day of the period.")
    last: date | None = Field(default=None, description="Real data: last day of the period.")
    admin1: list[str] = Field(default_factory=list, description="Real data: the area's admin-1 names.")
    bbox: tuple[float, float, float, float] | None = Field(
        default=None, description="min_lon, min_lat, max_lon, max_lat"
    )
    limit: int = Field(default=12, ge=1, le=200)
    injects: str | None = Field(default=None, description="Scripted: the facilitator's YAML of injects.")
    start: datetime | None = Field(default=None, description="Scripted: exercise start time.")
    duration_hours: float = Field(default=24.0, gt=0, le=24 * 30)
    speed: float = Field(default=60.0, gt=0)
    standard_hours: float = Field(default=2.0, gt=0, le=72)


class TeamIn(Body):
    """A team and its trainees, each with the post of the coordination structure they play."""

    name: str = Field(min_length=1, max_length=120)
    members: list[MemberIn] = Field(min_length=1, max_length=50)


class MemberIn(Body):
    username: str = Field(min_length=1, max_length=80)
    post: str | None = Field(default=None, max_length=120)


class SpeedIn(Body):
    speed: float = Field(gt=0, description="Exercise seconds per real second.")


class AdvanceIn(Body):
    hours: float = Field(gt=0, le=24 * 30)


class InjectsIn(Body):
    yaml: str = Field(
        min_length=1, max_length=200_000, description="Injects; offsets count from exercise time now."
    )


TeamIn.model_rebuild()


def _create(engine: Engine, settings: Settings, user: User, body: ExerciseIn) -> dict[str, Any]:
    if body.source == "demo":
        return exercises.create_demo_exercise(
            engine, user, name=body.name, level=body.difficulty, seed=body.seed, speed=body.speed,
            standard_hours=body.standard_hours,
        )  # fmt: skip
    if body.source == "real":
        if not body.file or body.first is None or body.last is None:
            raise InvalidInput("a real-data exercise needs file, first and last")
        return exercises.create_replay_exercise(
            engine, user, name=body.name, path=exercises.client_data_file(settings, body.file), fmt=body.format,
            first=body.first, last=body.last,
            area=exercises.Area(tuple(body.admin1), body.bbox), duration_hours=body.duration_hours, limit=body.limit,
            speed=body.speed, standard_hours=body.standard_hours,
        )  # fmt: skip
    if not body.injects or body.start is None:
        raise InvalidInput("a scripted exercise needs injects (YAML) and start")
    return exercises.create_scripted_exercise(
        engine, user, name=body.name, injects_yaml=body.injects, start=body.start,
        duration_hours=body.duration_hours, speed=body.speed, standard_hours=body.standard_hours,
    )  # fmt: skip


@router.post("", status_code=201)
async def create_exercise(
    body: ExerciseIn, engine: Engine_, settings: AppSettings, user: Facilitator
) -> dict[str, Any]:
    """Create an exercise (trainer, admin); a real-data file is named inside the exercise data folder."""
    return await run_in_threadpool(_create, engine, settings, user, body)


@router.get("")
def list_exercises(engine: Engine_, _user: Facilitator) -> list[dict[str, Any]]:
    """Every exercise (trainer, admin)."""
    return exercises.list_exercises(engine)


@router.get("/{exercise_id}")
def get_exercise(
    exercise_id: ExerciseId, engine: Engine_, settings: AppSettings, _user: Facilitator
) -> dict[str, Any]:
    """The exercise's clock, teams and injects, brought up to the current exercise time."""
    return exercises.tick(engine, exercise_id, settings=settings)


@router.post("/{exercise_id}/teams", status_code=201)
def add_team(exercise_id: ExerciseId, body: TeamIn, engine: Engine_, user: Facilitator) -> dict[str, Any]:
    """Add a team of trainees."""
    members = [(m.username, m.post) for m in body.members]
    return exercises.add_team(engine, exercise_id, user, name=body.name, members=members)


@router.post("/{exercise_id}/start")
def start(exercise_id: ExerciseId, engine: Engine_, user: Facilitator) -> dict[str, Any]:
    """Start or resume the clock."""
    return exercises.start(engine, exercise_id, user)


@router.post("/{exercise_id}/pause")
def pause(exercise_id: ExerciseId, engine: Engine_, user: Facilitator) -> dict[str, Any]:
    """Pause exercise time."""
    return exercises.pause(engine, exercise_id, user)


@router.post("/{exercise_id}/speed")
def speed(exercise_id: ExerciseId, body: SpeedIn, engine: Engine_, user: Facilitator) -> dict[str, Any]:
    """Change the clock's speed."""
    return exercises.set_speed(engine, exercise_id, user, body.speed)


@router.post("/{exercise_id}/advance")
def advance(exercise_id: ExerciseId, body: AdvanceIn, engine: Engine_, user: Facilitator) -> dict[str, Any]:
    """Move exercise time on."""
    return exercises.advance(engine, exercise_id, user, body.hours)


@router.post("/{exercise_id}/finish")
def finish(exercise_id: ExerciseId, engine: Engine_, user: Facilitator) -> dict[str, Any]:
    """End the exercise."""
    return exercises.finish(engine, exercise_id, user)


@router.get("/{exercise_id}/injects")
def list_injects(exercise_id: ExerciseId, engine: Engine_, _user: Facilitator) -> list[dict[str, Any]]:
    """Every inject with its answer key (the facilitator's view)."""
    return exercises.injects_of(engine, exercise_id)


@router.post("/{exercise_id}/injects", status_code=201)
def add_injects(
    exercise_id: ExerciseId, body: InjectsIn, engine: Engine_, user: Facilitator
) -> dict[str, Any]:
    """Add the facilitator's injects (YAML)."""
    return exercises.add_injects(engine, exercise_id, user, body.yaml)


@router.get("/{exercise_id}/feed")
def feed(
    exercise_id: ExerciseId, engine: Engine_, settings: AppSettings, user: CurrentUser
) -> dict[str, Any]:
    """The trainee's team: its alerts and situation messages, at exercise time."""
    return exercises.team_feed(engine, settings, exercise_id, user)


@router.get(
    "/{exercise_id}/alerts/{reference}/cap",
    response_class=Response,
    responses={200: {"content": {CAP_MEDIA_TYPE: {}}, "description": "A CAP 1.2 document, status Exercise."}},
)
def exercise_alert_cap(
    exercise_id: ExerciseId, reference: Reference, engine: Engine_, settings: AppSettings, user: CurrentUser
) -> Response:
    """An exercise alert as a CAP 1.2 document with status Exercise (never Actual): the team's own alert for a
    trainee, any team's for the facilitators. Audited."""
    document = partner_exports.exercise_alert_cap(engine, settings, exercise_id, reference, user)
    return Response(content=document, media_type=CAP_MEDIA_TYPE)


ACTIONS: dict[str, type[ActionBody]] = {
    name.replace("_", "-"): model for name, model in ACTION_BODIES.items() if name in TRAINEE_ACTIONS
}
"""The trainee's actions by their URL names (record-outcome)."""


def _action_route(name: str, model: type[ActionBody]) -> None:
    async def take(
        exercise_id: ExerciseId,
        reference: Reference,
        body: ActionBody,
        engine: Engine_,
        settings: AppSettings,
        user: CurrentUser,
    ) -> dict[str, Any]:
        return await run_in_threadpool(
            exercises.team_act, engine, settings, exercise_id, reference, body.action(), user
        )

    take.__annotations__["body"] = model  # the action's own body model, so OpenAPI shows what each needs
    take.__name__ = f"exercise_{name.replace('-', '_')}"
    take.__doc__ = f"A trainee's {name.replace('-', ' ')} on their team's alert, at exercise time."
    router.post(f"/{{exercise_id}}/alerts/{{reference}}/{name}")(take)


for _name, _model in ACTIONS.items():
    _action_route(_name, _model)


@router.post("/{exercise_id}/score")
async def score(exercise_id: ExerciseId, engine: Engine_, user: Facilitator) -> dict[str, Any]:
    """Score every team; every score says why."""
    return await run_in_threadpool(exercises.score, engine, exercise_id, user)


@router.get("/{exercise_id}/report")
async def report(
    exercise_id: ExerciseId,
    engine: Engine_,
    user: Facilitator,
    language: DocumentLanguage,
    format: Literal["html", "pdf"] = "html",
) -> Response:
    """The after-action review as HTML or PDF, in the chosen language."""
    from pochub.documents.after_action import render_html, render_pdf

    review = await run_in_threadpool(exercises.review, engine, exercise_id, user)
    headers = {"Content-Language": language}
    if format == "pdf":
        pdf = await run_in_threadpool(render_pdf, review, language)
        return Response(pdf, media_type="application/pdf", headers=headers)
    return Response(
        render_html(review, language=language), media_type="text/html; charset=utf-8", headers=headers
    )

"""Forums and action points over the API (issue 17, items 1, 2): a body's meetings, recording one, the next
agenda drafted from the data, minutes (HTML, PDF, DOCX), the action points board and their steps. Roles, posts
and areas are the services' (something another area's reader may not see answers 404, as if it did not exist)."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Path, Query, Request
from fastapi.responses import HTMLResponse, Response
from pydantic import BaseModel, Field

from pochub.api.idempotency import IdempotencyKey
from pochub.api.responses import NOT_FOUND, SIGNED_IN, Problem
from pochub.core.coordination_practice.actions import ActionLinks, ActionPoint, ActionStep
from pochub.core.coordination_practice.forums import Decision, Meeting
from pochub.documents import minutes
from pochub.http.auth import AppSettings, CurrentUser
from pochub.http.language import language_of as request_language
from pochub.i18n import localise
from pochub.services import action_points, forums, idempotency, partner_exports

router = APIRouter(prefix="/api/v1", tags=["forums"], responses=SIGNED_IN)
BodyId = Annotated[str, Path(min_length=1, max_length=120)]
Number = Annotated[int, Path(ge=1, le=2**31 - 1)]
FORBIDDEN: dict[int | str, dict[str, Any]] = {403: {"model": Problem, "description": "Your role may not."}}
CONFLICT: dict[int | str, dict[str, Any]] = {
    409: {"model": Problem, "description": "Someone changed it meanwhile."}
}


def _engine(request: Request) -> Any:
    return request.app.state.engine


class ActionPointIn(BaseModel):
    """An action point a decision gives: what, whose post, by when, and what it addresses."""

    what: str = Field(min_length=1, max_length=2000)
    owner: str = Field(min_length=1, max_length=120, description="A post (role id) of the structure.")
    due: date
    threat: str = Field("", max_length=200)
    alert: str = Field("", max_length=40)
    community: str = Field("", max_length=64)
    commitment: int | None = Field(None, ge=1, le=2**31 - 1)
    checklist: str = Field("", max_length=80)


class DecisionIn(BaseModel):
    """A decision and its action points."""

    text: str = Field(min_length=1, max_length=4000)
    action_points: list[ActionPointIn] = Field(default_factory=list, max_length=50)


class MeetingIn(BaseModel):
    """A meeting held: when, the agenda, the posts present, decisions."""

    held_on: date
    agenda: list[str] = Field(default_factory=list, max_length=50)
    attendance: list[str] = Field(min_length=1, max_length=100)
    decisions: list[DecisionIn] = Field(default_factory=list, max_length=50)
    note: str = Field("", max_length=4000)


class StepIn(BaseModel):
    """A step on an action point: start, complete, or drop (with a reason in ``note``)."""

    step: ActionStep
    note: str = Field("", max_length=2000)


@router.get("/bodies/{body_id}/meetings", responses=NOT_FOUND)
def list_meetings(request: Request, user: CurrentUser, body_id: BodyId) -> list[dict[str, Any]]:
    """A body's meetings, newest first."""
    engine = _engine(request)
    structure = forums.forum_structure(engine)
    return [m.as_dict(structure) for m in forums.body_meetings(engine, user, body_id)]


@router.post("/bodies/{body_id}/meetings", status_code=201, responses={**NOT_FOUND, **FORBIDDEN})
def post_meeting(request: Request, user: CurrentUser, body_id: BodyId, body: MeetingIn) -> dict[str, Any]:
    """Record a meeting of the body (PoC advisers, administrators, the body's secretariat)."""
    meeting = Meeting(
        body_id, body.held_on, tuple(body.agenda), tuple(body.attendance),
        tuple(
            Decision(d.text, tuple(
                ActionPoint(p.what, p.owner, p.due, body_id,
                            links=ActionLinks(p.threat, p.alert, p.community, p.commitment, p.checklist))
                for p in d.action_points
            ))
            for d in body.decisions
        ),
        body.note,
    )  # fmt: skip
    engine = _engine(request)
    meeting_id = forums.record_meeting(engine, user, meeting)
    return forums.meeting(engine, user, meeting_id).as_dict(forums.forum_structure(engine))


@router.get("/meetings/{meeting_id}", responses=NOT_FOUND)
def get_meeting(request: Request, user: CurrentUser, meeting_id: Number) -> dict[str, Any]:
    """One meeting with its attendance check, decisions and action points."""
    engine = _engine(request)
    return forums.meeting(engine, user, meeting_id).as_dict(forums.forum_structure(engine))


@router.get(
    "/meetings/{meeting_id}/minutes",
    responses={**NOT_FOUND, 200: {"content": {"text/html": {}, "application/pdf": {}}}},
    response_class=Response,
)
def get_minutes(
    request: Request,
    user: CurrentUser,
    meeting_id: Number,
    format: Annotated[Literal["html", "pdf", "docx"], Query()] = "html",
) -> Response:
    """The meeting's minutes in the reader's language (HTML, PDF or DOCX)."""
    engine = _engine(request)
    language = request_language(request)
    record = forums.meeting(engine, user, meeting_id)
    structure = forums.forum_structure(engine)
    if format == "pdf":
        return Response(minutes.render_pdf(record, structure, language), media_type="application/pdf")
    if format == "docx":
        return Response(
            minutes.render_docx(record, structure, language),
            media_type="application/vnd.openxmlformats-officedocument.wordprocessingml.document",
            headers={"Content-Disposition": f'attachment; filename="minutes-{meeting_id}.docx"'},
        )
    return HTMLResponse(minutes.render_html(record, structure, language))


@router.get("/bodies/{body_id}/agenda", responses=NOT_FOUND)
def get_agenda(
    request: Request,
    user: CurrentUser,
    settings: AppSettings,
    body_id: BodyId,
    on: Annotated[date | None, Query(alias="date")] = None,
    coverage: bool = False,
) -> dict[str, Any]:
    """The body's next agenda drafted from the data, in the reader's language (coverage gaps on request)."""
    language = request_language(request)
    agenda = forums.draft_next_agenda(
        _engine(request), user, body_id, meeting_on=on, settings=settings, with_coverage=coverage
    )
    return {
        "body": agenda.body_id, "meeting_on": agenda.meeting_on,
        "last_meeting_on": agenda.last_meeting_on,
        "items": [
            {"key": i.key, "title": localise(i.title, language), "lines": [localise(x, language) for x in i.lines]}
            for i in agenda.items
        ],
    }  # fmt: skip


@router.get("/action-points")
def list_action_points(
    request: Request,
    user: CurrentUser,
    body: Annotated[str | None, Query(max_length=120)] = None,
    post: Annotated[str | None, Query(max_length=120)] = None,
    team: Annotated[int | None, Query(ge=1, le=2**31 - 1)] = None,
    include_ended: Annotated[bool, Query(alias="all")] = False,
) -> list[dict[str, Any]]:
    """The action points board: overdue first. Each names the joint team whose recommendation it carries (its
    page and API address) only when the reader may read that team."""
    records = action_points.action_points_board(
        _engine(request), user, body_id=body, owner_post=post, team_id=team, include_ended=include_ended
    )
    return [r.as_dict() for r in records]


@router.get(
    "/action-points/export",
    response_class=Response,
    responses={
        **FORBIDDEN,
        200: {"content": {"text/csv": {}}, "description": "HXL-tagged CSV (or plain CSV)."},
    },
)
def export_action_points(
    request: Request,
    user: CurrentUser,
    body: Annotated[str | None, Query(max_length=120)] = None,
    post: Annotated[str | None, Query(max_length=120)] = None,
    include_ended: Annotated[bool, Query(alias="all")] = False,
    format: Annotated[Literal["hxl", "csv"], Query()] = "hxl",
) -> Response:
    """The action points the user may read as HXL-tagged CSV (``csv``: without the hashtag row), status labels in
    the reader's language; no notes, a community named only as the reader may see it. Audited."""
    table, _ = partner_exports.export_action_points_hxl(
        _engine(request), user, language=request_language(request), body_id=body, owner_post=post,
        include_ended=include_ended, tags=format == "hxl",
    )  # fmt: skip
    return Response(content=table, media_type="text/csv; charset=utf-8")


@router.get("/action-points/{action_point_id}", responses=NOT_FOUND)
def get_action_point(request: Request, user: CurrentUser, action_point_id: Number) -> dict[str, Any]:
    """One action point and its steps."""
    engine = _engine(request)
    record = action_points.action_point(engine, user, action_point_id)
    return {**record.as_dict(), "steps": action_points.action_point_steps(engine, user, action_point_id)}


@router.post("/action-points/{action_point_id}/steps", responses={**NOT_FOUND, **FORBIDDEN, **CONFLICT})
def post_action_point_step(
    request: Request, user: CurrentUser, action_point_id: Number, body: StepIn, key: IdempotencyKey = None
) -> dict[str, Any]:
    """Move an action point (its owner post's holders, PoC advisers, administrators). The same step sent again
    with its idempotency key answers the action point as it stands, nothing taken twice (a step cannot be)."""
    engine, scope = _engine(request), f"action_point {action_point_id} {body.step.value}"
    if idempotency.remembered(engine, user, key, scope) is not None:
        return action_points.action_point(engine, user, action_point_id).as_dict()
    record = action_points.update_action_point(engine, user, action_point_id, body.step, note=body.note)
    idempotency.remember(engine, user, key, scope, {"step": body.step.value})
    return record.as_dict()

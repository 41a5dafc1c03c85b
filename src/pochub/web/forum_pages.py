"""The forum pages (issue 17, items 1, 2): the bodies one may read, a body's meetings with its open action points
and the form to record a meeting (for those who run it), the next agenda drafted from the data, a meeting's
minutes (with PDF and DOCX from the API), and the action points board per body and per post with their steps.

Everything goes through the services (roles, posts and areas are theirs); forms carry CSRF tokens (base layout);
text from people is escaped by the templates, never read as HTML.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response

from pochub.core.coordination_practice.actions import (
    ACTION_STATUS_LABELS,
    ActionLinks,
    ActionPoint,
    ActionStep,
)
from pochub.core.coordination_practice.agenda import NOTHING
from pochub.core.coordination_practice.forums import Decision, Meeting
from pochub.core.models.access import User
from pochub.core.models.coordination import structure_in
from pochub.documents import minutes
from pochub.errors import Conflict, Forbidden, InvalidInput, InvalidTransition, NotFound
from pochub.http.auth import OptionalUser
from pochub.i18n import error_text
from pochub.services import action_points, forums, idempotency, threat_names
from pochub.web.forms import PostedForm, idempotency_key
from pochub.web.rendering import language_of, render, to_login
from pochub.web.threat_matrix import row_anchor

router = APIRouter(include_in_schema=False)
MAX_TEXT = 2000


def _not_found(request: Request, user: User) -> Response:
    return render(request, "not_found.html", status_code=404, user=user)


def _structure(request: Request) -> Any:
    return structure_in(forums.forum_structure(request.app.state.engine), language_of(request))


@router.get("/forums")
def forums_page(request: Request, user: OptionalUser) -> Response:
    """The bodies whose meetings one may read, and one's own action points."""
    if user is None:
        return to_login(request)
    try:
        bodies = forums.readable_bodies(request.app.state.engine, user)
        structure = _structure(request)
    except (Forbidden, InvalidInput):
        return _not_found(request, user)
    return render(request, "forums.html", user=user, bodies=[(b, structure.body(b)) for b, _ in bodies],
                  own_post=user.structure_role)  # fmt: skip


def _body_page(request: Request, user: User, body_id: str, *, form: dict[str, Any] | None = None,
               error: str = "", status_code: int = 200) -> Response:  # fmt: skip
    engine = request.app.state.engine
    meetings = forums.body_meetings(engine, user, body_id)
    structure = _structure(request)
    board = action_points.action_points_board(engine, user, body_id=body_id)
    try:
        action_points.may_run_forum(user, structure, body_id)
        can_run = True
    except Forbidden:
        can_run = False
    return render(request, "forum_body.html", status_code=status_code, user=user, body=structure.body(body_id),
                  structure=structure, meetings=meetings, board=board, can_run=can_run, form=form or {},
                  error=error, labels=ACTION_STATUS_LABELS, today=date.today())  # fmt: skip


@router.get("/forums/{body_id}")
def body_page(request: Request, user: OptionalUser, body_id: str) -> Response:
    """A body: its meetings (newest first), its open action points, and the form to record a meeting."""
    if user is None:
        return to_login(request)
    try:
        return _body_page(request, user, body_id)
    except (NotFound, Forbidden, InvalidInput):
        return _not_found(request, user)


@router.get("/forums/{body_id}/agenda")
def agenda_page(request: Request, user: OptionalUser, body_id: str, coverage: str = "") -> Response:
    """The body's next agenda drafted from the data (coverage gaps on request: slower)."""
    if user is None:
        return to_login(request)
    try:
        agenda = forums.draft_next_agenda(request.app.state.engine, user, body_id, settings=request.app.state.settings,
                                          with_coverage=coverage == "1")  # fmt: skip
        structure = _structure(request)
    except (NotFound, Forbidden, InvalidInput):
        return _not_found(request, user)
    return render(request, "forum_agenda.html", user=user, agenda=agenda, body=structure.body(body_id),
                  nothing=NOTHING, coverage=coverage == "1")  # fmt: skip


def _read_meeting(body_id: str, data: PostedForm) -> tuple[dict[str, Any], Meeting | None, str]:
    form: dict[str, Any] = {
        key: str(value)[:MAX_TEXT].strip() for key, value in data.items() if isinstance(value, str)
    }
    form["attendance"] = [str(v)[:120] for v in data.getlist("attendance")]
    try:
        held = date.fromisoformat(form.get("held_on", ""))
        due = date.fromisoformat(form["due"]) if form.get("due") else None
    except ValueError:
        return form, None, "bad_date"
    points: tuple[ActionPoint, ...] = ()
    if form.get("action"):
        if due is None or not form.get("owner"):
            return form, None, "incomplete_action"
        points = (ActionPoint(form["action"], form["owner"], due, body_id,
                              links=ActionLinks(community_id=form.get("community", "")[:64])),)  # fmt: skip
    decisions = (Decision(form["decision"], points),) if form.get("decision") else ()
    if points and not decisions:
        return form, None, "incomplete_action"
    agenda = tuple(line.strip() for line in form.get("agenda", "").splitlines() if line.strip())
    return (
        form,
        Meeting(body_id, held, agenda, tuple(form["attendance"]), decisions, form.get("note", "")),
        "",
    )


@router.post("/forums/{body_id}/meetings")
def record_meeting(request: Request, user: OptionalUser, body_id: str, data: PostedForm) -> Response:
    """Record a meeting (one decision and one action point from the form; more through the API or the CLI)."""
    if user is None:
        return to_login(request)
    form, meeting, problem = _read_meeting(body_id, data)
    try:
        if meeting is None:
            return _body_page(request, user, body_id, form=form, error=problem, status_code=422)
        meeting_id = forums.record_meeting(request.app.state.engine, user, meeting)
    except NotFound:
        return _not_found(request, user)
    except (Forbidden, InvalidInput) as exc:
        try:
            return _body_page(request, user, body_id, form=form, status_code=403 if isinstance(exc, Forbidden) else 422,
                              error=error_text(exc, language_of(request)))  # fmt: skip
        except (NotFound, Forbidden):
            return _not_found(request, user)
    return RedirectResponse(f"/meetings/{meeting_id}", status_code=303)


@router.get("/meetings/{meeting_id}")
def meeting_page(request: Request, user: OptionalUser, meeting_id: int) -> Response:
    """A meeting's minutes, with links to the PDF and DOCX."""
    if user is None:
        return to_login(request)
    try:
        record = forums.meeting(request.app.state.engine, user, meeting_id)
        structure = forums.forum_structure(request.app.state.engine)
    except (NotFound, Forbidden, InvalidInput):
        return _not_found(request, user)
    language = language_of(request)
    content = minutes.render_page_content(record, structure, language)
    body = structure_in(structure, language).body(record.body_id)  # its name in the reader's language
    return render(request, "meeting_page.html", user=user, record=record, content=content,
                  body_name=str(body.name) if body is not None else record.body)  # fmt: skip


@router.get("/action-points")
def action_points_page(
    request: Request, user: OptionalUser, body: str = "", post: str = "", ended: str = ""
) -> Response:
    """The action points board, per body and per post: overdue first, with the steps the reader may take."""
    if user is None:
        return to_login(request)
    try:
        board = action_points.action_points_board(request.app.state.engine, user, body_id=body[:120] or None,
                                                  owner_post=post[:120] or None, include_ended=ended == "1")  # fmt: skip
        structure = _structure(request)
    except (Forbidden, InvalidInput):
        return _not_found(request, user)
    threats = threat_names.threat_texts_of(
        request.app.state.engine, (r.point.links.threat_key for r in board)
    )
    return render(request, "action_points.html", user=user, board=board, structure=structure, body=body[:120],
                  post=post[:120], ended=ended == "1", labels=ACTION_STATUS_LABELS, threats=threats,
                  row_anchor=row_anchor,
                  may_act=lambda r: user.role.value in ("admin", "poc_adviser") or user.structure_role == r.point.owner_post,
                  error=request.query_params.get("error", "")[:40], done=request.query_params.get("done", "")[:20])  # fmt: skip


@router.post("/action-points/{action_point_id}")
def action_point_step(
    request: Request, user: OptionalUser, action_point_id: int, data: PostedForm
) -> Response:
    """Take a step on an action point (dropping needs a reason)."""
    if user is None:
        return to_login(request)
    form = {key: str(value)[:MAX_TEXT].strip() for key, value in data.items() if isinstance(value, str)}
    back = "/action-points?" + "&".join(
        f"{k}={form[k]}" for k in ("body", "post") if form.get(k) and form[k].isidentifier()
    )
    back = back if back.endswith("?") else back + "&"
    engine = request.app.state.engine
    try:
        step = ActionStep(form.get("step", ""))
        # a phone's queue sending the step again with its key gets the first answer (a step cannot be taken
        # twice anyway: the second would be refused as a change meanwhile)
        key = idempotency_key(request, data)
        scope = f"action_point {action_point_id} {step.value}"
        if idempotency.remembered(engine, user, key, scope) is None:
            action_points.update_action_point(engine, user, action_point_id, step, note=form.get("note", ""))
            idempotency.remember(engine, user, key, scope, {"step": step.value})
    except ValueError:
        return RedirectResponse(f"{back}error=bad_step#ap-{action_point_id}", status_code=303)
    except NotFound:
        return _not_found(request, user)
    except Forbidden:
        return RedirectResponse(f"{back}error=not_allowed#ap-{action_point_id}", status_code=303)
    except (InvalidTransition, Conflict):
        return RedirectResponse(f"{back}error=changed#ap-{action_point_id}", status_code=303)
    except InvalidInput:
        return RedirectResponse(f"{back}error=needs_reason#ap-{action_point_id}", status_code=303)
    return RedirectResponse(f"{back}done={step.value}#ap-{action_point_id}", status_code=303)

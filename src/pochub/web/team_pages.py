"""Joint team pages (issue 17, item 3): the teams of one's area, the request form (opened from a threat row, an alert
or a community's page: ``/teams/new?threat=KEY&community=ID``), and a team's page with its members and the
components it lacks, its plan (escort, base, travel time by road in the season), the step it can take next and the
findings form.

Everything goes through the services (areas and roles are theirs); forms carry CSRF tokens (base layout); text
typed by people is escaped by the templates, never read as HTML.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response

from pochub.core.coordination_practice.actions import ACTION_STATUS_LABELS
from pochub.core.models.access import User
from pochub.core.models.taxonomy import ThreatType
from pochub.core.teams.missions import (
    COMPONENT_LABELS,
    KIND_LABELS,
    ORIGIN_LABELS,
    SEASON_LABELS,
    STATUS_LABELS,
    TEAM_ROLES,
    Component,
    Finding,
    Findings,
    Member,
    Origin,
    Team,
    TeamKind,
)
from pochub.core.threats.keys import parse_threat_key
from pochub.errors import Conflict, Forbidden, Infeasible, InvalidInput, NotFound
from pochub.http.auth import OptionalUser
from pochub.i18n import error_text
from pochub.services import action_points, community_views, forums, joint_teams, threat_names
from pochub.web.forms import PostedForm
from pochub.web.rendering import language_of, render, to_login
from pochub.web.threat_matrix import row_anchor

router = APIRouter(include_in_schema=False)

LABELS: dict[str, Any] = {
    "kinds": KIND_LABELS, "origins": ORIGIN_LABELS, "statuses": STATUS_LABELS, "components": COMPONENT_LABELS,
    "seasons": SEASON_LABELS,
}  # fmt: skip
MAX_TEXT = 1000


def _form(data: Any) -> dict[str, str]:
    return {key: str(value)[:MAX_TEXT].strip() for key, value in data.items() if isinstance(value, str)}


def _lines(text: str) -> tuple[str, ...]:
    return tuple(line.strip() for line in text.splitlines() if line.strip())


@router.get("/teams")
def teams_page(request: Request, user: OptionalUser) -> Response:
    """The joint teams of one's area, newest first."""
    if user is None:
        return to_login(request)
    records = joint_teams.list_teams(request.app.state.engine, user)
    return render(
        request, "teams.html", user=user, records=records, labels=LABELS, can_act=user.role in TEAM_ROLES
    )


def _request_form(
    request: Request, user: User, form: dict[str, str], error: str = "", status_code: int = 200
) -> Response:
    """The form with the communities the reader may see to choose from (those of the threat row's area first) and
    the row it answers named as a person reads it (its key travels in a hidden field)."""
    engine = request.app.state.engine
    rows, _total = community_views.community_listing(engine, user, limit=5000)
    origin_text: Any = ""
    row = parse_threat_key(form.get("origin_ref", "")) if form.get("origin") == Origin.THREAT.value else None
    if row is not None:
        origin_text = threat_names.threat_texts_of(engine, [form["origin_ref"]])[form["origin_ref"]]
        # the row's area first; the sort is stable, so the listing's order is kept within each part
        rows.sort(key=lambda c: not (c.pcode or "").startswith(row.area_pcode))
    return render(
        request, "team_request.html", status_code=status_code, user=user, form=form, error=error, labels=LABELS,
        kinds=list(TeamKind), components=list(Component), communities=rows, origin_text=origin_text,
    )  # fmt: skip


def _community_id(typed: str) -> str:
    """The community's id from what the field holds: ``Name [ID]`` chosen from the list, or an id typed."""
    typed = typed.strip()
    if "[" in typed and typed.endswith("]"):
        return typed.rsplit("[", 1)[1][:-1].strip()
    return typed


@router.get("/teams/new")
def request_page(
    request: Request, user: OptionalUser, threat: str = "", alert: str = "", community: str = ""
) -> Response:
    """The request form, filled from the threat row, alert or community it was opened from."""
    if user is None:
        return to_login(request)
    origin = Origin.THREAT if threat else Origin.ALERT if alert else Origin.COMMUNITY
    form = {"origin": origin.value, "origin_ref": (threat or alert or community)[:200], "community_id": community[:64],
            "kind": TeamKind.JPT.value}  # fmt: skip
    return _request_form(request, user, form)


@router.post("/teams/new")
def request_team(request: Request, user: OptionalUser, data: PostedForm) -> Response:
    """Request the team through the service; its page, or the form with what to fix."""
    if user is None:
        return to_login(request)
    form = _form(data)
    form["community_id"] = _community_id(form.get("community_id", ""))[:64]
    members = tuple(Member(c, form[f"post_{c.value}"]) for c in Component if form.get(f"post_{c.value}"))
    try:
        team = Team(
            TeamKind(form.get("kind", "")), Origin(form.get("origin", "")),
            form.get("origin_ref") or form.get("community_id", ""), form.get("community_id", ""),
            form.get("purpose", ""), members,
        )  # fmt: skip
        team_id = joint_teams.request_team(request.app.state.engine, user, team)
    except ValueError:
        return _request_form(request, user, form, "bad_choice", 422)
    except NotFound:
        return _request_form(request, user, form, "unknown_community", 422)
    except Forbidden:
        return _request_form(request, user, form, "not_allowed", 403)
    except InvalidInput as exc:
        form["detail"] = error_text(exc, language_of(request))
        return _request_form(request, user, form, "refused", 422)
    return RedirectResponse(f"/teams/{team_id}?done=request", status_code=303)


@router.get("/teams/{team_id}")
def team_page(request: Request, user: OptionalUser, team_id: int) -> Response:
    """One team: members and missing components, plan and escort, steps, findings, and the next step."""
    if user is None:
        return to_login(request)
    engine = request.app.state.engine
    try:
        record = joint_teams.team(engine, user, team_id)
    except NotFound:
        return render(request, "not_found.html", status_code=404, user=user)
    try:  # the action points its recommendations gave, for those who read action points
        points = action_points.action_points_board(engine, user, team_id=team_id, include_ended=True)
    except (Forbidden, InvalidInput):
        points = []
    return render(
        request, "team_page.html", user=user, record=record, labels=LABELS, can_act=user.role in TEAM_ROLES,
        points=points, point_labels=ACTION_STATUS_LABELS, forum_bodies=forums.bodies_run_by(engine, user, language_of(request)),
        titles=joint_teams.post_titles(request.app.state.engine, language_of(request)),
        row_anchor=row_anchor,
        threat_types=list(ThreatType), error=request.query_params.get("error", "")[:40],
        done=request.query_params.get("done", "")[:20], today=datetime.now(UTC).date().isoformat(),
    )  # fmt: skip


@router.post("/teams/{team_id}")
def team_step(request: Request, user: OptionalUser, team_id: int, data: PostedForm) -> Response:
    """Plan, deploy, report, close or cancel the team through the service; back to its page."""
    if user is None:
        return to_login(request)
    form = _form(data)
    action = form.get("action", "")
    engine = request.app.state.engine
    try:
        if action == "plan":
            departs = datetime.fromisoformat(form.get("departs", ""))
            joint_teams.plan_team(
                engine, user, team_id, departs=departs if departs.tzinfo else departs.replace(tzinfo=UTC),
                season=form.get("season", "dry"), route_note=form.get("route_note", ""),
            )  # fmt: skip
        elif action == "deploy":
            joint_teams.deploy_team(engine, user, team_id)
        elif action == "report":
            heard = tuple(
                Finding(ThreatType(form[f"threat_{i}"]), form.get(f"perpetrator_{i}", ""))
                for i in range(3) if form.get(f"threat_{i}")
            )  # fmt: skip
            findings = Findings(heard, _lines(form.get("needs", "")), _lines(form.get("recommendations", "")))
            joint_teams.report_team(engine, user, team_id, findings)
        elif action == "close":
            joint_teams.close_team(engine, user, team_id)
        elif action == "cancel":
            joint_teams.cancel_team(engine, user, team_id, form.get("reason", ""))
        elif action == "action_points":
            return _action_points(request, user, team_id, form)
        else:
            return RedirectResponse(f"/teams/{team_id}?error=bad_step", status_code=303)
    except NotFound:
        return render(request, "not_found.html", status_code=404, user=user)
    except Forbidden:
        return RedirectResponse(f"/teams/{team_id}?error=not_allowed", status_code=303)
    except Conflict:
        return RedirectResponse(f"/teams/{team_id}?error=changed", status_code=303)
    except Infeasible:
        return RedirectResponse(f"/teams/{team_id}?error=no_escort", status_code=303)
    except (InvalidInput, ValueError):
        return RedirectResponse(f"/teams/{team_id}?error=incomplete", status_code=303)
    return RedirectResponse(f"/teams/{team_id}?done={action}", status_code=303)


def _action_points(request: Request, user: User, team_id: int, form: dict[str, str]) -> Response:
    """Make the team's recommendations action points of the chosen body, owner and due date; back to the team's
    page, or to it with what to fix (NotFound is the caller's)."""
    engine = request.app.state.engine
    body_id = form.get("body", "")[:120]
    if body_id not in dict(forums.bodies_run_by(engine, user)):
        return RedirectResponse(f"/teams/{team_id}?error=not_running#team-points", status_code=303)
    try:
        due = date.fromisoformat(form.get("due", ""))
        joint_teams.recommendations_to_action_points(
            engine, user, team_id, body_id=body_id,
            owner_post=form.get("owner", "")[:120], due=due,
        )  # fmt: skip
    except Forbidden:
        return RedirectResponse(f"/teams/{team_id}?error=not_running#team-points", status_code=303)
    except (InvalidInput, ValueError):
        return RedirectResponse(f"/teams/{team_id}?error=action_points#team-points", status_code=303)
    return RedirectResponse(f"/teams/{team_id}?done=action_points#team-points", status_code=303)

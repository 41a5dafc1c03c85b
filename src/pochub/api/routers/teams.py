"""Joint protection teams and joint assessment missions over the API (issue 17, item 3): request, plan (escort and
travel time from the allocation engine), deploy, report findings, close or cancel, list and read; the reported teams'
recommendations for forums. Roles and areas are the service's (a team of another area answers 404, as one that does
not exist)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Path, Request
from pydantic import BaseModel, Field

from pochub.api.responses import NOT_FOUND, SIGNED_IN, Problem
from pochub.core.models.access import User
from pochub.core.models.taxonomy import ThreatType
from pochub.core.teams.missions import Component, Finding, Findings, Member, Origin, Team, TeamKind
from pochub.http.auth import current_user
from pochub.services import joint_teams

router = APIRouter(prefix="/api/v1", tags=["joint teams"], responses=SIGNED_IN)
CurrentUser = Annotated[User, Depends(current_user)]
TeamId = Annotated[int, Path(ge=1, le=2**31 - 1)]
REFUSED: dict[int | str, dict[str, Any]] = {
    403: {"model": Problem, "description": "Your role may not."},
    409: {
        "model": Problem,
        "description": "The team's status does not allow this step, or someone acted meanwhile.",
    },
}


def _engine(request: Request) -> Any:
    return request.app.state.engine


class MemberIn(BaseModel):
    """A post on the team and the component it stands for."""

    component: Component
    post: str = Field(min_length=1, max_length=200)


class TeamIn(BaseModel):
    """A team requested for a community, from a threat row (its key), an alert (its reference) or the community."""

    kind: TeamKind = TeamKind.JPT
    origin: Origin
    origin_ref: str = Field(min_length=1, max_length=200)
    community_id: str = Field(min_length=1, max_length=64)
    purpose: str = Field(min_length=1, max_length=2000)
    members: list[MemberIn] = Field(min_length=1, max_length=30)


class PlanIn(BaseModel):
    """When the team leaves and the season of the roads it takes; the escort and the travel time are computed."""

    departs: datetime
    season: Literal["dry", "rainy"] = "dry"
    off_road_kmh: float = Field(5.0, gt=0, le=100)
    route_note: str = Field("", max_length=2000)


class FindingIn(BaseModel):
    """A threat the team heard, with the perpetrator as the community names them."""

    threat_type: ThreatType
    perpetrator: str = Field("", max_length=500)
    place: str = Field("", max_length=500)
    note: str = Field("", max_length=2000)


class FindingsIn(BaseModel):
    """What the team brings back."""

    threats: list[FindingIn] = Field(default_factory=list, max_length=50)
    needs: list[Annotated[str, Field(max_length=1000)]] = Field(default_factory=list, max_length=50)
    recommendations: list[Annotated[str, Field(max_length=1000)]] = Field(default_factory=list, max_length=50)


class ActionPointsIn(BaseModel):
    """The body that follows a team's recommendations up, the post that owns them and when they are due."""

    body: str = Field(min_length=1, max_length=120)
    owner: str = Field(min_length=1, max_length=120, description="A post (role id) of the structure.")
    due: date


class CancelIn(BaseModel):
    """Why the team will not go."""

    reason: str = Field(min_length=1, max_length=2000)


@router.get("/teams")
def list_teams(request: Request, user: CurrentUser) -> list[dict[str, Any]]:
    """The joint teams of the reader's area, newest first."""
    return [joint_teams.team_document(r) for r in joint_teams.list_teams(_engine(request), user)]


@router.post("/teams", status_code=201, responses={**NOT_FOUND, **REFUSED})
def post_team(request: Request, user: CurrentUser, body: TeamIn) -> dict[str, Any]:
    """Request a team; the components its kind expects and it lacks are listed."""
    team = Team(
        body.kind, body.origin, body.origin_ref, body.community_id, body.purpose,
        tuple(Member(m.component, m.post) for m in body.members),
    )  # fmt: skip
    team_id = joint_teams.request_team(_engine(request), user, team)
    return {"team_id": team_id, "missing_components": [c.value for c in team.missing]}


@router.get("/teams/recommendations")
def recommendations(request: Request, user: CurrentUser) -> list[dict[str, Any]]:
    """Reported teams' recommendations, for forums to turn into action points."""
    return [
        {"team_id": r.team_id, "community_id": r.community_id, "community": r.community, "text": r.text,
         "reported_at": r.reported_at}
        for r in joint_teams.team_recommendations(_engine(request), user)
    ]  # fmt: skip


@router.get("/teams/{team_id}", responses=NOT_FOUND)
def get_team(request: Request, user: CurrentUser, team_id: TeamId) -> dict[str, Any]:
    """One team with its steps."""
    record = joint_teams.team(_engine(request), user, team_id)
    return {
        **joint_teams.team_document(record),
        "steps": [
            {"action": a, "status": s, "note": n, "actor": who, "at": at} for a, s, n, who, at in record.steps
        ],
    }


@router.post("/teams/{team_id}/plan", responses={**NOT_FOUND, **REFUSED})
def plan(request: Request, user: CurrentUser, team_id: TeamId, body: PlanIn) -> dict[str, Any]:
    """Plan the team: the fastest available ground unit escorts it, by road in the season."""
    after = joint_teams.plan_team(
        _engine(request), user, team_id, departs=body.departs, season=body.season, off_road_kmh=body.off_road_kmh,
        route_note=body.route_note,
    )  # fmt: skip
    assert after.plan is not None
    return {"status": after.status.value, "escort_unit": after.plan.escort_unit, "base": after.plan.base,
            "travel_hours": after.plan.travel_hours}  # fmt: skip


@router.post("/teams/{team_id}/deploy", responses={**NOT_FOUND, **REFUSED})
def deploy(request: Request, user: CurrentUser, team_id: TeamId) -> dict[str, str]:
    """The team has left."""
    return {"status": joint_teams.deploy_team(_engine(request), user, team_id).status.value}


@router.post("/teams/{team_id}/report", responses={**NOT_FOUND, **REFUSED})
def report(request: Request, user: CurrentUser, team_id: TeamId, body: FindingsIn) -> dict[str, str]:
    """The team's findings: they update the community's profile and the threat matrix's evidence."""
    findings = Findings(
        tuple(Finding(f.threat_type, f.perpetrator, f.place, f.note) for f in body.threats),
        tuple(body.needs), tuple(body.recommendations),
    )  # fmt: skip
    return {"status": joint_teams.report_team(_engine(request), user, team_id, findings).status.value}


@router.post("/teams/{team_id}/close", responses={**NOT_FOUND, **REFUSED})
def close(request: Request, user: CurrentUser, team_id: TeamId) -> dict[str, str]:
    """Close a reported team."""
    return {"status": joint_teams.close_team(_engine(request), user, team_id).status.value}


@router.post("/teams/{team_id}/cancel", responses={**NOT_FOUND, **REFUSED})
def cancel(request: Request, user: CurrentUser, team_id: TeamId, body: CancelIn) -> dict[str, str]:
    """Cancel a team that has not reported."""
    return {"status": joint_teams.cancel_team(_engine(request), user, team_id, body.reason).status.value}


@router.post("/teams/{team_id}/action-points", status_code=201, responses={**NOT_FOUND, **REFUSED})
def action_points(
    request: Request, user: CurrentUser, team_id: TeamId, body: ActionPointsIn
) -> dict[str, Any]:
    """Make the team's recommendations action points of a body (those who run its meetings), each linked to the
    team; one already made is not made again."""
    made = joint_teams.recommendations_to_action_points(
        _engine(request), user, team_id, body_id=body.body, owner_post=body.owner, due=body.due
    )
    return {"action_points": [{"id": n, "reference": f"AP-{n}"} for n in made]}

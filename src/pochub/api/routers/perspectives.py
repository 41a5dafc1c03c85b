"""Local perspectives over the API: community profiles, engagements and commitments, perception-survey results,
protection plans and the divergence list. Roles and areas are the services' (an id from another area answers 404,
as one that does not exist); the focal point reaches need-to-know roles only."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Path, Query, Request
from fastapi.responses import HTMLResponse, Response
from pydantic import BaseModel, Field

from pochub.api.idempotency import IdempotencyKey
from pochub.api.responses import NOT_FOUND, SIGNED_IN, Problem
from pochub.core.models.access import User
from pochub.core.models.alerts import Feedback, FeedbackChannel
from pochub.core.models.taxonomy import ThreatType
from pochub.core.perspectives.divergence import DIVERGENCE_LABELS
from pochub.core.perspectives.engagements import (
    AgeGroup,
    Commitment,
    CommitmentAction,
    Concern,
    Engagement,
    EngagementKind,
    Sex,
)
from pochub.core.perspectives.plans import from_document as plan_from_document
from pochub.core.perspectives.profiles import from_document, to_document
from pochub.core.perspectives.surveys import Estimate
from pochub.documents import protection_plan
from pochub.http.auth import current_user
from pochub.http.language import language_of as request_language
from pochub.i18n import localise, localised
from pochub.services import engagements, perspectives, profiles, protection_plans

router = APIRouter(prefix="/api/v1", tags=["local perspectives"], responses=SIGNED_IN)
CurrentUser = Annotated[User, Depends(current_user)]
CommunityId = Annotated[str, Path(min_length=1, max_length=64)]
CONFLICT: dict[int | str, dict[str, Any]] = {
    409: {"model": Problem, "description": "Someone saved meanwhile."}
}
FORBIDDEN: dict[int | str, dict[str, Any]] = {403: {"model": Problem, "description": "Your role may not."}}


def _engine(request: Request) -> Any:
    return request.app.state.engine


class ProfileOut(BaseModel):
    """A community's profile at its newest version (the focal point only for need-to-know roles)."""

    community_id: str
    community: str
    version: int = Field(description="0 when no profile was saved yet.")
    changed_by: str
    changed_at: datetime | None
    profile: dict[str, Any]


class ProfileIn(BaseModel):
    """A new version of a profile, and the version it was edited from (refused with 409 if another was saved)."""

    based_on: int = Field(ge=0)
    note: str = Field("", max_length=500)
    profile: dict[str, Any]


@router.get("/communities/{community_id}/profile", response_model=ProfileOut, responses=NOT_FOUND)
def get_profile(request: Request, user: CurrentUser, community_id: CommunityId) -> dict[str, Any]:
    """The community's profile as the reader may see it."""
    found = profiles.community_profile(_engine(request), user, community_id)
    return {
        "community_id": found.community_id, "community": found.community, "version": found.version,
        "changed_by": found.changed_by, "changed_at": found.changed_at, "profile": to_document(found.profile),
    }  # fmt: skip


@router.put("/communities/{community_id}/profile", responses={**NOT_FOUND, **CONFLICT, **FORBIDDEN})
def put_profile(
    request: Request, user: CurrentUser, community_id: CommunityId, body: ProfileIn
) -> dict[str, int]:
    """Save the next version of the profile."""
    version = profiles.save_profile(
        _engine(request),
        user,
        community_id,
        from_document(body.profile),
        based_on=body.based_on,
        note=body.note,
    )
    return {"version": version}


@router.get("/communities/{community_id}/profile/history", responses=NOT_FOUND)
def profile_history(request: Request, user: CurrentUser, community_id: CommunityId) -> list[dict[str, Any]]:
    """Every version, newest first, with what changed (in the reader's language)."""
    language = request_language(request)
    return [
        {"version": h.version, "changed_by": h.changed_by, "changed_at": h.changed_at, "note": h.note,
         "changes": [localise(c, language) for c in h.changes]}
        for h in profiles.profile_history(_engine(request), user, community_id)
    ]  # fmt: skip


class ConcernIn(BaseModel):
    """A concern raised: the threat type, where, the perpetrator as named."""

    threat_type: ThreatType
    place: str = Field("", max_length=300)
    perpetrator: str = Field("", max_length=300)


class CommitmentIn(BaseModel):
    """A commitment made: what, which post owns it, by when."""

    what: str = Field(min_length=1, max_length=500)
    owner_post: str = Field(min_length=1, max_length=200)
    due: date


class EngagementIn(BaseModel):
    """An engagement: participants in aggregate by sex and age group (never names)."""

    community_id: str = Field(min_length=1, max_length=64)
    kind: EngagementKind
    held_on: datetime
    mission_posts: list[Annotated[str, Field(max_length=200)]] = Field(min_length=1, max_length=20)
    participants: dict[Literal["female/under_18", "female/18_59", "female/60_plus", "male/under_18", "male/18_59",
                               "male/60_plus"], Annotated[int, Field(ge=0, le=100_000)]]  # fmt: skip
    concerns: list[ConcernIn] = Field(default_factory=list, max_length=50)
    requests: list[Annotated[str, Field(max_length=500)]] = Field(default_factory=list, max_length=50)
    commitments: list[CommitmentIn] = Field(default_factory=list, max_length=50)


@router.post("/engagements", status_code=201, responses={**NOT_FOUND, **FORBIDDEN, **CONFLICT})
def post_engagement(
    request: Request, user: CurrentUser, body: EngagementIn, key: IdempotencyKey = None
) -> dict[str, int]:
    """Record an engagement with a community, and the commitments made there (once per idempotency key)."""
    engagement = Engagement(
        body.community_id, body.kind, body.held_on, tuple(body.mission_posts),
        {(Sex(k.split("/")[0]), AgeGroup(k.split("/")[1])): n for k, n in body.participants.items()},
        tuple(Concern(c.threat_type, c.place, c.perpetrator) for c in body.concerns), tuple(body.requests),
        tuple(Commitment(c.what, c.owner_post, c.due) for c in body.commitments),
    )  # fmt: skip
    return {"engagement_id": engagements.record_engagement(_engine(request), user, engagement, key=key)}


def _commitment(record: engagements.CommitmentRecord, language: str) -> dict[str, Any]:
    c = record.commitment
    return {
        "commitment_id": record.commitment_id, "engagement_id": record.engagement_id,
        "community_id": record.community_id, "community": record.community, "what": c.what,
        "owner_post": c.owner_post, "due": c.due, "status": c.status.value, "outcome": c.outcome,
        "overdue": record.overdue, "awaiting_feedback": record.awaiting_feedback,
        "feedback": None if c.feedback is None else {"channel": c.feedback.channel.value, "message": c.feedback.message,
                                                     "given_at": c.feedback.given_at},
    }  # fmt: skip


@router.get("/commitments")
def list_commitments(
    request: Request,
    user: CurrentUser,
    closed: Annotated[bool, Query(description="Include closed ones.")] = False,
) -> list[dict[str, Any]]:
    """The commitments of the reader's area: overdue first, then those awaiting feedback to the community."""
    language = request_language(request)
    board = engagements.commitments_board(_engine(request), user, include_closed=closed)
    return [_commitment(r, language) for r in board]


class CommitmentStep(BaseModel):
    """A step on a commitment; closing needs the feedback given to the community."""

    action: CommitmentAction
    outcome: str = Field("", max_length=1000)
    feedback: str = Field("", max_length=1000)
    channel: FeedbackChannel = FeedbackChannel.IN_PERSON


@router.post("/commitments/{commitment_id}/steps", responses={**NOT_FOUND, **FORBIDDEN, **CONFLICT})
def post_commitment_step(
    request: Request,
    user: CurrentUser,
    commitment_id: Annotated[int, Path(ge=1, le=2**31 - 1)],
    body: CommitmentStep,
) -> dict[str, str]:
    """Take a commitment a step further."""
    told = (
        Feedback(body.channel, body.feedback, datetime.now().astimezone()) if body.feedback.strip() else None
    )
    after = engagements.act_on_commitment(
        _engine(request), user, commitment_id, body.action, outcome=body.outcome, feedback=told
    )
    return {"status": after.status.value}


@router.get("/communities/{community_id}/engagements", responses=NOT_FOUND)
def community_engagements(
    request: Request, user: CurrentUser, community_id: CommunityId
) -> list[dict[str, Any]]:
    """The community's engagements, newest first, with their commitments."""
    language = request_language(request)
    return [
        {
            "engagement_id": r.engagement_id, "kind": r.engagement.kind.value, "held_on": r.engagement.held_on,
            "mission_posts": list(r.engagement.mission_posts), "recorded_by": r.recorded_by,
            "participants": {f"{s.value}/{a.value}": n for (s, a), n in r.engagement.participants.items()},
            "concerns": [{"threat_type": c.threat_type.value, "place": c.place, "perpetrator": c.perpetrator}
                         for c in r.engagement.concerns],
            "requests": list(r.engagement.requests),
            "commitments": [_commitment(c, language) for c in r.commitments],
        }
        for r in engagements.community_engagements(_engine(request), user, community_id)
    ]  # fmt: skip


def _estimate(e: Estimate, language: str) -> dict[str, Any]:
    if e.suppressed:
        return {"withheld": localise(e.why, language)}
    return {"share": e.share, "low": e.low, "high": e.high, "respondents": e.respondents}


@router.get("/surveys")
def list_surveys(request: Request, user: CurrentUser) -> list[dict[str, Any]]:
    """Every perception survey: its name, respondents and waves."""
    return [
        {"survey": n, "respondents": r, "waves": list(w)}
        for n, r, w in perspectives.list_surveys(_engine(request))
    ]


@router.get("/surveys/{survey}/results", responses=NOT_FOUND)
def survey_results(
    request: Request,
    user: CurrentUser,
    survey: Annotated[str, Path(min_length=1, max_length=200)],
    wave: Annotated[str | None, Query(max_length=64)] = None,
) -> dict[str, Any]:
    """The survey's figures per community and wave of the reader's area; a withheld figure says why, nothing more."""
    language = request_language(request)
    results = perspectives.survey_results(_engine(request), user, survey, wave=wave)
    return {
        "survey": results.survey, "minimum": results.minimum, "waves": list(results.waves),
        "measures": [{"id": m.id, "label": m.label(language), "per_choice": m.per_choice} for m in results.measures],
        "communities": [
            {"community_id": c.community_id, "community": c.community, "pcode": c.pcode, "wave": c.wave,
             "figures": {k: _estimate(v, language) if isinstance(v, Estimate)
                         else {code: _estimate(e, language) for code, e in v.items()} for k, v in c.figures.items()}}
            for c in results.communities
        ],
        "areas": [
            {"pcode": a.pcode, "wave": a.wave,
             "figures": {k: _estimate(v, language) if isinstance(v, Estimate)
                         else {code: _estimate(e, language) for code, e in v.items()} for k, v in a.figures.items()}}
            for a in results.areas
        ],
    }  # fmt: skip


@router.get("/divergence")
def divergence(
    request: Request,
    user: CurrentUser,
    level: Annotated[int, Query(ge=1, le=2, description="Admin level 1 or 2 (the events' areas).")] = 2,
    survey: Annotated[str | None, Query(max_length=200)] = None,
    days: Annotated[int, Query(ge=1, le=3650)] = 365,
) -> list[dict[str, Any]]:
    """Areas where what communities say and recorded violence against civilians disagree, with the evidence."""
    language = request_language(request)
    return [
        {"pcode": a.pcode, "name": a.name, "kind": a.kind.value, "meaning": localise(DIVERGENCE_LABELS[a.kind], language),
         "evidence": [localise(e, language) for e in a.evidence]}
        for a in perspectives.divergence(_engine(request), user, level=level, survey=survey, days=days)
    ]  # fmt: skip


@router.get("/plans")
def list_plans(request: Request, user: CurrentUser) -> list[dict[str, Any]]:
    """The protection plans of the reader's area, those needing review first, with why."""
    language = request_language(request)
    return [
        {"community_id": p.community_id, "community": p.community, "version": p.version,
         "agreed_on": p.plan.agreed_on, "review_reasons": localised(list(p.review_reasons), language)}
        for p in protection_plans.plans(_engine(request), user)
    ]  # fmt: skip


@router.get(
    "/communities/{community_id}/plan",
    responses={**NOT_FOUND, 200: {"content": {"text/html": {}, "application/pdf": {}}}},
    response_class=Response,
)
def get_plan(
    request: Request,
    user: CurrentUser,
    community_id: CommunityId,
    format: Annotated[Literal["html", "pdf"], Query()] = "html",
) -> Response:
    """The community's protection plan as a document in the reader's language (HTML or PDF)."""
    language = request_language(request)
    plan = protection_plans.current_plan(_engine(request), user, community_id)
    today = date.today()
    reasons = list(plan.review_reasons)
    if format == "pdf":
        pdf = protection_plan.render_pdf(plan.plan, plan.community, today, language, reasons)
        return Response(pdf, media_type="application/pdf")
    return HTMLResponse(protection_plan.render_html(plan.plan, plan.community, today, language, reasons))


class PlanIn(BaseModel):
    """A protection plan (as ``GET .../plan?format=json`` or the YAML of ``pochub plans save``) and the version it was
    edited from (0 for a new plan; 409 if another was saved meanwhile)."""

    based_on: int = Field(ge=0)
    plan: dict[str, Any]


@router.put("/communities/{community_id}/plan", responses={**NOT_FOUND, **CONFLICT, **FORBIDDEN})
def put_plan(request: Request, user: CurrentUser, community_id: CommunityId, body: PlanIn) -> dict[str, int]:
    """Save the next version of the community's protection plan."""
    plan = plan_from_document({**body.plan, "community_id": community_id})
    return {"version": protection_plans.save_plan(_engine(request), user, plan, based_on=body.based_on)}

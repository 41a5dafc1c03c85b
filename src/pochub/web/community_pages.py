"""The community pages: the communities of one's area and what they have said, one community's page (profile,
its history, engagements and commitments, survey trend with its uncertainty, protection plan, events nearby), the
engagement form a CLA fills in on a phone, the commitments board by field office, and the divergence list.

Everything goes through the services (areas and roles are theirs); forms carry CSRF tokens (base layout); text from
people and files is escaped by the templates, never read as HTML.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any
from urllib.parse import quote

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, RedirectResponse, Response

from pochub.core.geography.view import parse_bbox
from pochub.core.models.access import User
from pochub.core.models.alerts import Feedback, FeedbackChannel
from pochub.core.models.taxonomy import ThreatType
from pochub.core.perspectives.divergence import DIVERGENCE_LABELS
from pochub.core.perspectives.engagements import (
    COMMITMENT_LABELS,
    ENGAGEMENT_LABELS,
    ENGAGING_ROLES,
    PARTICIPANT_LABELS,
    AgeGroup,
    Commitment,
    CommitmentAction,
    Concern,
    Engagement,
    EngagementKind,
    Sex,
)
from pochub.core.perspectives.profiles import LABELS as PROFILE_LABELS
from pochub.core.perspectives.profiles import Access, Strategy, Trust, VulnerableGroup
from pochub.documents import protection_plan
from pochub.errors import Conflict, Forbidden, InvalidInput, InvalidTransition, NotFound
from pochub.http.auth import OptionalUser
from pochub.i18n import error_text, translations
from pochub.services import community_views, engagements, perspectives, profiles, protection_plans
from pochub.web.forms import PostedForm, idempotency_key
from pochub.web.rendering import language_of, render, to_login

router = APIRouter(include_in_schema=False)

LABELS: dict[str, Any] = {
    "engagements": ENGAGEMENT_LABELS, "participants": PARTICIPANT_LABELS, "commitments": COMMITMENT_LABELS,
    "profile": PROFILE_LABELS, "divergence": DIVERGENCE_LABELS,
}  # fmt: skip
MAX_TEXT = 1000


def _not_found(request: Request, user: User) -> Response:
    return render(request, "not_found.html", status_code=404, user=user)


@router.get("/communities")
def communities_page(request: Request, user: OptionalUser, q: str = "") -> Response:
    """The communities of one's area, those the mission has heard from first, with a search by name or P-code."""
    if user is None:
        return to_login(request)
    rows, total = community_views.community_listing(request.app.state.engine, user, search=q[:100])
    return render(request, "communities.html", user=user, rows=rows, total=total, search=q[:100],
                  can_engage=user.role in ENGAGING_ROLES)  # fmt: skip


@router.get("/communities/{community_id}")
def community_page(request: Request, user: OptionalUser, community_id: str) -> Response:
    """One community: what it says, what was promised to it, what its people feel, its plan, events nearby."""
    if user is None:
        return to_login(request)
    try:
        view = community_views.community_view(request.app.state.engine, user, community_id[:64])
    except NotFound:
        return _not_found(request, user)
    return render(request, "community_page.html", user=user, view=view, labels=LABELS, today=date.today(),
                  can_engage=user.role in ENGAGING_ROLES, saved=request.query_params.get("saved") == "1")  # fmt: skip


PROFILE_FIELDS = (
    "named_threats", "strategies", "capacities_note", "vulnerable_groups", "population_groups", "needs",
    "phone_operators", "radio_coverage", "languages", "alert_network", "focal_point", "access_by_season", "trust",
)  # fmt: skip


def _profile_form(request: Request, user: User, community_id: str, *, fields: dict[str, str] | None = None,
                  based_on: int | None = None, errors: dict[str, str] | None = None,
                  status_code: int = 200) -> Response:  # fmt: skip
    current, shown = profiles.profile_form(request.app.state.engine, user, community_id)
    return render(request, "community_profile_edit.html", status_code=status_code, user=user, view=current,
                  fields=fields if fields is not None else shown, names=PROFILE_FIELDS,
                  based_on=current.version if based_on is None else based_on, errors=errors or {},
                  codes={"strategies": list(Strategy), "vulnerable_groups": list(VulnerableGroup),
                         "access_by_season": list(Access), "trust": list(Trust), "named_threats": list(ThreatType)},
                  labels=LABELS)  # fmt: skip


@router.get("/communities/{community_id}/profile")
def profile_edit_page(request: Request, user: OptionalUser, community_id: str) -> Response:
    """The form to record what the community says about itself (a new version of its profile)."""
    if user is None:
        return to_login(request)
    if user.role not in profiles.EDITING_ROLES:
        return _not_found(request, user)
    try:
        return _profile_form(request, user, community_id[:64])
    except NotFound:
        return _not_found(request, user)


@router.post("/communities/{community_id}/profile")
def profile_save(request: Request, user: OptionalUser, community_id: str, data: PostedForm) -> Response:
    """Save the form as the next version; a field that cannot be read, or someone's save meanwhile, is said."""
    if user is None:
        return to_login(request)
    form = {key: str(value)[:MAX_TEXT] for key, value in data.items() if isinstance(value, str)}
    fields = {name: form.get(name, "") for name in PROFILE_FIELDS}
    try:
        based_on = int(form.get("based_on", ""))
    except ValueError:
        based_on = -1
    try:
        version, errors = profiles.save_profile_form(request.app.state.engine, user, community_id[:64], fields,
                                                    based_on=based_on, note=form.get("note", ""))  # fmt: skip
    except NotFound:
        return _not_found(request, user)
    except Forbidden:
        return _not_found(request, user)
    except Conflict:
        return _profile_form(request, user, community_id[:64], fields=fields, based_on=based_on,
                             errors={"form": "changed"}, status_code=409)  # fmt: skip
    if version is None:
        return _profile_form(request, user, community_id[:64], fields=fields, based_on=based_on, errors=errors,
                             status_code=422)  # fmt: skip
    return RedirectResponse(f"/communities/{quote(community_id, safe='')}?profile={version}", status_code=303)


@router.get("/communities/{community_id}/plan")
def plan_page(request: Request, user: OptionalUser, community_id: str) -> Response:
    """The community's protection plan as a page of the site (its HTML and PDF documents a link away)."""
    if user is None:
        return to_login(request)
    try:
        plan = protection_plans.current_plan(request.app.state.engine, user, community_id[:64])
    except NotFound:
        return _not_found(request, user)
    language = language_of(request)
    _ = translations(language).gettext
    document = f"/api/v1/communities/{quote(community_id, safe='')}/plan"
    return render(
        request, "document_page.html", user=user,
        title=_("Community protection plan: %(community)s") % {"community": plan.community},
        document=protection_plan.render_page_content(plan.plan, plan.community, date.today(), language,
                                                     list(plan.review_reasons)),
        downloads=[(document, _("The plan as a document to print or save (HTML)")), (f"{document}?format=pdf", _("The plan as PDF"))],
        back_href=f"/communities/{quote(community_id, safe='')}", back_label=plan.community,
    )  # fmt: skip


def _plan_form(request: Request, user: User, community_id: str, *, fields: dict[str, str] | None = None,
               based_on: int | None = None, review: dict[str, str] | None = None,
               errors: dict[str, Any] | None = None, status_code: int = 200) -> Response:  # fmt: skip
    name, version, plan, shown = protection_plans.plan_form(request.app.state.engine, user, community_id)
    return render(request, "community_plan_edit.html", status_code=status_code, user=user,
                  community_id=community_id, community=name, version=version, plan=plan,
                  fields=fields if fields is not None else shown, names=protection_plans.FORM_FIELDS,
                  based_on=version if based_on is None else based_on, review=review or {}, errors=errors or {},
                  codes={"threats": list(ThreatType), "community_measures": list(Strategy),
                         "indicators": list(ThreatType)},
                  labels=LABELS, today=date.today())  # fmt: skip


@router.get("/communities/{community_id}/plan/edit")
def plan_edit_page(request: Request, user: OptionalUser, community_id: str) -> Response:
    """The form to draw up the community's protection plan, or to revise it (a new version; reviews kept)."""
    if user is None:
        return to_login(request)
    try:
        return _plan_form(request, user, community_id[:64])
    except (NotFound, Forbidden):
        return _not_found(request, user)


@router.post("/communities/{community_id}/plan/edit")
def plan_save(request: Request, user: OptionalUser, community_id: str, data: PostedForm) -> Response:
    """Save the form as the plan's next version; a field that cannot be read, or someone's save meanwhile, is
    said and nothing is saved."""
    if user is None:
        return to_login(request)
    form = {key: str(value)[: MAX_TEXT * 4] for key, value in data.items() if isinstance(value, str)}
    fields = {name: form.get(name, "") for name in protection_plans.FORM_FIELDS}
    review = {key: form.get(key, "") for key in ("review_on", "review_findings", "review_revised")}
    try:
        based_on = int(form.get("based_on", ""))
    except ValueError:
        based_on = -1
    held = (review["review_on"], review["review_findings"][:MAX_TEXT], bool(review["review_revised"])) \
        if review["review_on"].strip() else None  # fmt: skip
    try:
        version, errors = protection_plans.save_plan_form(request.app.state.engine, user, community_id[:64],
                                                          fields, based_on=based_on, review=held)  # fmt: skip
    except (NotFound, Forbidden):
        return _not_found(request, user)
    except Conflict:
        return _plan_form(request, user, community_id[:64], fields=fields, based_on=based_on, review=review,
                          errors={"form": "changed"}, status_code=409)  # fmt: skip
    if version is None:
        return _plan_form(request, user, community_id[:64], fields=fields, based_on=based_on, review=review,
                          errors=errors, status_code=422)  # fmt: skip
    return RedirectResponse(f"/communities/{quote(community_id, safe='')}?plan={version}#plan-title",
                            status_code=303)  # fmt: skip


def _engagement_form(request: Request, user: User, *, form: dict[str, str], errors: dict[str, str],
                     status_code: int = 200) -> Response:  # fmt: skip
    rows, _total = community_views.community_listing(request.app.state.engine, user, limit=5000)
    return render(request, "engagement_new.html", status_code=status_code, user=user, form=form, errors=errors,
                  communities=rows, kinds=list(EngagementKind), threats=list(ThreatType), labels=LABELS,
                  sexes=list(Sex), ages=list(AgeGroup))  # fmt: skip


@router.get("/engagements/new")
def engagement_form(request: Request, user: OptionalUser, community: str = "") -> Response:
    """The form a CLA fills in after a visit, a meeting or a focus group (fit for a phone)."""
    if user is None:
        return to_login(request)
    now = datetime.now(UTC).replace(second=0, microsecond=0)
    form = {"community_id": community[:64], "kind": "visit", "held_on": now.strftime("%Y-%m-%dT%H:%M"),
            "post": user.display_name or user.username,
            "due": (now.date() + timedelta(days=14)).isoformat()}  # fmt: skip
    return _engagement_form(request, user, form=form, errors={})


def _whole(value: str) -> int | None:
    try:
        number = int(value or "0")
    except ValueError:
        return None
    return number if 0 <= number <= 100_000 else None


def _read_engagement(data: PostedForm) -> tuple[dict[str, str], dict[str, str], Engagement | None]:
    """The posted form's values, the errors by field, and the engagement when there are none."""
    form = {key: str(value)[:MAX_TEXT].strip() for key, value in data.items() if isinstance(value, str)}
    errors: dict[str, str] = {}
    community = form.get("community_id", "")
    if "[" in community and community.endswith("]"):  # "Name [ID]" from the type-ahead
        community = community.rsplit("[", 1)[1][:-1]
    if not community:
        errors["community_id"] = "choose_community"
    try:
        kind = EngagementKind(form.get("kind", ""))
    except ValueError:
        errors["kind"] = "choose_kind"
    try:
        held_on = datetime.fromisoformat(form.get("held_on", "")).replace(tzinfo=UTC)
    except ValueError:
        errors["held_on"] = "bad_time"
    participants = {}
    for sex in Sex:
        for age in AgeGroup:
            count = _whole(form.get(f"p-{sex.value}-{age.value}", ""))
            if count is None:
                errors[f"p-{sex.value}-{age.value}"] = "bad_count"
            elif count:
                participants[(sex, age)] = count
    concerns = []
    if form.get("threat"):
        try:
            concerns.append(
                Concern(ThreatType(form["threat"]), form.get("place", ""), form.get("perpetrator", ""))
            )
        except ValueError:
            errors["threat"] = "choose_threat"
    commitments = []
    if form.get("what"):
        try:
            due = date.fromisoformat(form.get("due", ""))
            commitments.append(Commitment(form["what"], form.get("owner", "") or form.get("post", ""), due))
        except ValueError:
            errors["due"] = "bad_date"
    if errors:
        return form, errors, None
    engagement = Engagement(
        community, kind, held_on, (form.get("post", ""),), participants, tuple(concerns),
        (form["request"],) if form.get("request") else (), tuple(commitments),
    )  # fmt: skip
    return form, errors, engagement


@router.post("/engagements/new")
def record_engagement(request: Request, user: OptionalUser, data: PostedForm) -> Response:
    """Record the engagement through the service; back to the community's page, or the form with what to fix."""
    if user is None:
        return to_login(request)
    form, errors, engagement = _read_engagement(data)
    if engagement is not None:
        try:
            key = idempotency_key(request, data)  # a phone's queue sending it again: stored once
            engagements.record_engagement(request.app.state.engine, user, engagement, key=key)
        except NotFound:
            errors["community_id"] = "unknown_community"
        except Forbidden:
            errors["form"] = "not_allowed"
        except (InvalidInput, Conflict) as exc:  # Conflict: the key was used for another request
            errors["form"] = "refused"
            form["detail"] = error_text(exc, language_of(request))
    if errors:
        return _engagement_form(request, user, form=form, errors=errors, status_code=422)
    assert engagement is not None
    return RedirectResponse(
        f"/communities/{quote(engagement.community_id, safe='')}?saved=1#engagements", status_code=303
    )


@router.get("/commitments")
def commitments_page(request: Request, user: OptionalUser, closed: str = "") -> Response:
    """The commitments made to communities, by field office, overdue first, with the next step for each."""
    if user is None:
        return to_login(request)
    groups = community_views.commitments_by_office(
        request.app.state.engine, user, include_closed=closed == "1"
    )
    return render(request, "commitments.html", user=user, groups=groups, labels=LABELS, closed=closed == "1",
                  can_act=user.role in ENGAGING_ROLES, channels=list(FeedbackChannel),
                  error=request.query_params.get("error", "")[:40], done=request.query_params.get("done", "")[:20])  # fmt: skip


@router.post("/commitments/{commitment_id}")
def commitment_step(request: Request, user: OptionalUser, commitment_id: int, data: PostedForm) -> Response:
    """Take a commitment a step further (closing needs the feedback given to the community)."""
    if user is None:
        return to_login(request)
    form = {key: str(value)[:MAX_TEXT].strip() for key, value in data.items() if isinstance(value, str)}
    back = f"/commitments{'?closed=1&' if form.get('closed') == '1' else '?'}"
    try:
        action = CommitmentAction(form.get("action", ""))
        channel = FeedbackChannel(form.get("channel") or "in_person")
    except ValueError:
        return RedirectResponse(f"{back}error=bad_step#c-{commitment_id}", status_code=303)
    told = Feedback(channel, form["feedback"], datetime.now(UTC)) if form.get("feedback") else None
    try:
        engagements.act_on_commitment(request.app.state.engine, user, commitment_id, action,
                                      outcome=form.get("outcome", ""), feedback=told)  # fmt: skip
    except NotFound:
        return _not_found(request, user)
    except Forbidden:
        return RedirectResponse(f"{back}error=not_allowed#c-{commitment_id}", status_code=303)
    except (InvalidTransition, Conflict):
        return RedirectResponse(f"{back}error=changed#c-{commitment_id}", status_code=303)
    except InvalidInput:
        reason = "needs_feedback" if action is CommitmentAction.CLOSE else "needs_outcome"
        return RedirectResponse(f"{back}error={reason}#c-{commitment_id}", status_code=303)
    return RedirectResponse(f"{back}done={action.value}#c-{commitment_id}", status_code=303)


@router.get("/map/perceived.json")
def perceived_layer(request: Request, user: OptionalUser, bbox: str | None = None) -> Response:
    """The map's layer of perceived insecurity: the share who say they do not feel safe, where it is published
    (in the map's view: the points inside ``bbox``)."""
    if user is None:
        return JSONResponse({"detail": "signed out"}, status_code=401)
    try:
        box = parse_bbox(bbox)
    except InvalidInput as exc:
        return JSONResponse({"detail": str(exc)}, status_code=422)
    points = perspectives.perceived_points(request.app.state.engine, user)
    if box is not None:
        points = [
            p for p in points if box[0] <= p["longitude"] <= box[2] and box[1] <= p["latitude"] <= box[3]
        ]
    features = [
        {"type": "Feature", "geometry": {"type": "Point", "coordinates": [p["longitude"], p["latitude"]]},
         "properties": {k: v for k, v in p.items() if k not in ("latitude", "longitude")}}
        for p in points
    ]  # fmt: skip
    return JSONResponse({"type": "FeatureCollection", "features": features})


@router.get("/divergence")
def divergence_page(request: Request, user: OptionalUser) -> Response:
    """Areas where what communities say and recorded violence against civilians disagree, with the evidence."""
    if user is None:
        return to_login(request)
    try:
        flagged = perspectives.divergence(request.app.state.engine, user)
        problem = None
    except (InvalidInput, NotFound) as exc:
        flagged, problem = [], error_text(exc, language_of(request))
    return render(request, "divergence.html", user=user, flagged=flagged, labels=LABELS, problem=problem)

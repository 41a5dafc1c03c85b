"""The alerts API: entry by a CLA, the user's inbox, one alert with its history, every lifecycle action, exports.

Field officers and CLAs see only their area's alerts (403 for another area's alert by reference); sender
details appear only on one alert's page for need-to-know roles; viewers and partners see fuzzed locations.
A wrong-role action is 403 and a wrong-state action 409; neither changes anything.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Path, Query, Request, Response
from fastapi.concurrency import run_in_threadpool
from sqlalchemy import Engine

from pochub.api.filters import AreaCode, BBoxText, parse_bbox
from pochub.api.idempotency import IdempotencyKey
from pochub.api.pagination import PageRequest, next_link, paging
from pochub.api.schemas.alerts import AlertIn, AlertPage, IntakeOut
from pochub.core.models.access import INTAKE_ROLES, User
from pochub.core.models.alerts import AlertStatus, Channel, Report, Urgency
from pochub.core.models.filters import AlertFilter
from pochub.core.models.taxonomy import ThreatType
from pochub.core.warning import staff_sms
from pochub.core.workflow.cap import CAP_MEDIA_TYPE
from pochub.core.workflow.lifecycle import Action, Actor
from pochub.errors import InvalidInput
from pochub.http.auth import AppSettings, CurrentUser, require_roles
from pochub.http.database import get_engine
from pochub.i18n import localise
from pochub.services import alert_views, alerts, partner_exports
from pochub.services.alert_actions import (
    AcknowledgeIn,
    ClassifyIn,
    CloseIn,
    DecideIn,
    DeployIn,
    GiveFeedbackIn,
    RecordOutcomeIn,
    ReviewIn,
    TransmitIn,
    VerifyIn,
)
from pochub.services.alerts import IntakeResult

router = APIRouter(prefix="/api/v1/alerts", tags=["alerts"])

Engine_ = Annotated[Engine, Depends(get_engine)]
Reference = Annotated[
    str, Path(min_length=1, max_length=32, description="The alert's reference, e.g. A261130-K4F7Q2XD.")
]


def intake_out(result: IntakeResult) -> IntakeOut:
    """The intake answer, with the line a gateway can text back to the sender: for a staff number's structured
    SMS, the reference only (or the field to correct and its valid forms) in the SMS keyword's language."""
    if result.staff_sms is not None:
        reply = localise(staff_sms.reply(result.staff_sms, result.reference), result.staff_sms.language)
    elif not result.merged:
        reply = f"Alert {result.reference} received: it is with the mission. Reply with the reference to add information."
    else:
        reply = f"Thank you: your report was added to alert {result.reference}, already with the mission."
    return IntakeOut(**result.as_dict(), reply=reply)


@router.post("", status_code=201, response_model=IntakeOut)
def create_alert(
    body: AlertIn,
    engine: Engine_,
    settings: AppSettings,
    user: Annotated[User, Depends(require_roles(*INTAKE_ROLES))],
    key: IdempotencyKey = None,
) -> IntakeOut:
    """Log an alert (a CLA's phone or radio call, another system's post); answered once it is committed. The
    same ``external_id``, or the same idempotency key from the same user, answers the first alert again."""
    now = datetime.now(UTC)
    received = body.received_at or now
    if received.tzinfo is None:
        received = received.replace(tzinfo=UTC)
    if received > now:
        raise InvalidInput("received_at is in the future")
    if (body.latitude is None) != (body.longitude is None):
        raise InvalidInput("give both latitude and longitude, or neither")
    report = Report(
        channel=Channel(body.channel),
        external_id=body.external_id
        or (f"key:{user.username}:{key}"[:128] if key else f"{user.username}:{now.isoformat()}:{id(body)}"),
        received_at=received,
        text=body.text,
        sender_name=body.sender_name,
        sender_number=body.sender_number,
        latitude=body.latitude,
        longitude=body.longitude,
        pcode=body.pcode,
        location_text=body.location_text,
        community_id=body.community_id,
        threat_type=body.threat_type.value if body.threat_type else None,
        urgency=body.urgency,
        alert_network=body.alert_network,
    )
    result = alerts.receive_report(
        engine, settings, report, actor=Actor(user.username, user.role.value), now=now
    )
    return intake_out(result)


def alert_filter(
    state: Annotated[list[AlertStatus] | None, Query(description="Only these states.")] = None,
    open_only: Annotated[bool, Query(alias="open", description="Only alerts still needing action.")] = False,
    field_office: Annotated[str | None, Query(max_length=64)] = None,
    urgency: Urgency | None = None,
    threat_type: ThreatType | None = None,
    area: AreaCode = None,
    bbox: BBoxText = None,
    start: Annotated[datetime | None, Query(description="Received at or after.")] = None,
    end: Annotated[datetime | None, Query(description="Received at or before.")] = None,
    overdue: Annotated[bool, Query(description="Only open alerts past their deadline.")] = False,
) -> AlertFilter:
    """The alert filter from query parameters."""
    if start and end and end < start:
        raise InvalidInput("end is before start")
    return AlertFilter(
        states=tuple(s.value for s in state or ()),
        open_only=open_only,
        field_office=field_office,
        urgency=urgency.value if urgency else None,
        threat_type=threat_type.value if threat_type else None,
        pcode=area,
        bbox=parse_bbox(bbox),
        start=start,
        end=end,
        overdue_at=datetime.now(UTC) if overdue else None,
    )


Filter = Annotated[AlertFilter, Depends(alert_filter)]


@router.get("", response_model=AlertPage)
def list_alerts(
    request: Request,
    engine: Engine_,
    settings: AppSettings,
    user: CurrentUser,
    chosen: Filter,
    page: Annotated[PageRequest, Depends(paging(default=50, maximum=500))],
) -> AlertPage:
    """The user's alerts (their area only for field officers and CLAs), most urgent and soonest due first."""
    items, total = alert_views.list_alerts(
        engine, settings, user, chosen, limit=page.limit, offset=page.offset
    )
    return AlertPage(
        items=items, total=total, limit=page.limit, offset=page.offset, next=next_link(request, page, total)
    )


@router.get(
    "/export",
    responses={
        200: {
            "content": {
                "application/geo+json": {},
                "text/csv": {},
                "application/zip": {},
            },
            "description": "GeoJSON, CSV, HXL-tagged CSV, or a zip of CAP 1.2 documents (one per alert).",
        }
    },
)
def export_alerts(
    engine: Engine_,
    settings: AppSettings,
    user: CurrentUser,
    chosen: Filter,
    format: Literal["geojson", "csv", "hxl", "cap"] = "geojson",
) -> Response:
    """Alerts for sharing: locations always fuzzed, never sender details or message text; the user's area only,
    never an exercise's alerts. ``hxl``: CSV with HXL hashtags under the header; ``cap``: a zip of CAP 1.2
    documents, one per alert, each checked against the OASIS schema. Audited."""
    if format == "cap":
        archive, _ = partner_exports.export_alerts_cap(engine, settings, user, chosen)
        return Response(
            content=archive,
            media_type="application/zip",
            headers={"Content-Disposition": 'attachment; filename="alerts-cap.zip"'},
        )
    if format == "hxl":
        table, _ = partner_exports.export_alerts_hxl(engine, settings, user, chosen)
        return Response(content=table, media_type="text/csv; charset=utf-8")
    body = alert_views.export_alerts(engine, settings, user, chosen, fmt=format)
    media = "application/geo+json" if format == "geojson" else "text/csv; charset=utf-8"
    return Response(content=body, media_type=media)


@router.get("/{reference}")
def get_alert(
    reference: Reference, engine: Engine_, settings: AppSettings, user: CurrentUser
) -> dict[str, Any]:
    """One alert: decisions, history, reports; sender details only for need-to-know roles (each read audited)."""
    return alert_views.alert_detail(engine, settings, reference, user)


@router.get(
    "/{reference}/cap",
    response_class=Response,
    responses={200: {"content": {CAP_MEDIA_TYPE: {}}, "description": "A CAP 1.2 document."}},
)
def get_alert_cap(
    reference: Reference, engine: Engine_, settings: AppSettings, user: CurrentUser
) -> Response:
    """The alert as a CAP 1.2 document for partners' warning systems (checked against the OASIS schema; English
    and French info blocks; the place fuzzed; never the sender or the message). An exercise's alert comes only
    from the exercise's route. Audited."""
    document = partner_exports.alert_cap(engine, settings, reference, user)
    return Response(content=document, media_type=CAP_MEDIA_TYPE)


@router.get("/{reference}/history")
def alert_history(
    reference: Reference, engine: Engine_, settings: AppSettings, user: CurrentUser
) -> list[dict[str, Any]]:
    """Every transition of the alert: time, actor (not for partners), role, action, states, reason."""
    return alert_views.history(engine, settings, reference, user)


async def _act(engine: Engine, settings: Any, reference: str, action: Action, user: User) -> dict[str, Any]:
    def run() -> dict[str, Any]:
        alerts.act(engine, settings, reference, action, user)
        return alert_views.alert_detail(engine, settings, reference, user)

    return await run_in_threadpool(run)


@router.post("/{reference}/acknowledge")
async def acknowledge(
    reference: Reference, body: AcknowledgeIn, engine: Engine_, settings: AppSettings, user: CurrentUser
) -> dict[str, Any]:
    """The alert reached the mission (CLA, field officer, PoC adviser)."""
    return await _act(engine, settings, reference, body.action(), user)


@router.post("/{reference}/verify")
async def verify(
    reference: Reference, body: VerifyIn, engine: Engine_, settings: AppSettings, user: CurrentUser
) -> dict[str, Any]:
    """Triangulation result (field officer, PoC adviser, analyst)."""
    return await _act(engine, settings, reference, body.action(), user)


@router.post("/{reference}/classify")
async def classify(
    reference: Reference, body: ClassifyIn, engine: Engine_, settings: AppSettings, user: CurrentUser
) -> dict[str, Any]:
    """Threat type and urgency (field officer, PoC adviser, analyst)."""
    return await _act(engine, settings, reference, body.action(), user)


@router.post("/{reference}/transmit")
async def transmit(
    reference: Reference, body: TransmitIn, engine: Engine_, settings: AppSettings, user: CurrentUser
) -> dict[str, Any]:
    """Hand over to the body the structure makes responsible (field officer, PoC adviser)."""
    return await _act(engine, settings, reference, body.action(), user)


@router.post("/{reference}/decide")
async def decide(
    reference: Reference, body: DecideIn, engine: Engine_, settings: AppSettings, user: CurrentUser
) -> dict[str, Any]:
    """Response tier, phase and units, or no response / referral with its reason."""
    return await _act(engine, settings, reference, body.action(), user)


@router.post("/{reference}/deploy")
async def deploy(
    reference: Reference, body: DeployIn, engine: Engine_, settings: AppSettings, user: CurrentUser
) -> dict[str, Any]:
    """Units deployed (planner, field officer, PoC adviser)."""
    return await _act(engine, settings, reference, body.action(), user)


@router.post("/{reference}/record-outcome")
async def record_outcome(
    reference: Reference, body: RecordOutcomeIn, engine: Engine_, settings: AppSettings, user: CurrentUser
) -> dict[str, Any]:
    """What the response achieved."""
    return await _act(engine, settings, reference, body.action(), user)


@router.post("/{reference}/give-feedback")
async def give_feedback(
    reference: Reference, body: GiveFeedbackIn, engine: Engine_, settings: AppSettings, user: CurrentUser
) -> dict[str, Any]:
    """What the community was told, how and when (CLA, field officer)."""
    return await _act(engine, settings, reference, body.action(), user)


@router.post("/{reference}/close")
async def close(
    reference: Reference, body: CloseIn, engine: Engine_, settings: AppSettings, user: CurrentUser
) -> dict[str, Any]:
    """Close the alert (only after feedback to the community is recorded)."""
    return await _act(engine, settings, reference, body.action(), user)


@router.post("/{reference}/after-action-review")
async def after_action_review(
    reference: Reference, body: ReviewIn, engine: Engine_, settings: AppSettings, user: CurrentUser
) -> dict[str, Any]:
    """Lessons once the alert is closed (PoC adviser, analyst, trainer)."""
    return await _act(engine, settings, reference, body.action(), user)

"""What leaves the mission for partners' systems (issue 17, item 5): community alerts as CAP 1.2 documents for
warning systems, and alerts and action points as HXL-tagged CSV.

Every file is served as the fuzzed roles see alerts (``alert_views.alert_access(..., export=True)``): the fuzzed
point and area only, never the sender, the community's words, the location text, the community, the field office,
the body or the focal point. The reader's own scope applies (an area-scoped user exports their area only; another
area's alert by reference is refused as everywhere). Every export is audited.

Exercise data stays apart: operational exports never hold an exercise's alert, and the operational CAP document of
one refuses it; its CAP document (status Exercise, never Actual) comes only from the exercise, for its team and the
facilitators (``exercise_alert_cap``).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import Connection, Engine, func, select

from pochub.config import Settings
from pochub.core.coordination_practice.actions import ACTION_STATUS_LABELS
from pochub.core.models.access import FACILITATOR_ROLES, User, in_area
from pochub.core.models.filters import AlertFilter
from pochub.core.text import N_, Message
from pochub.core.workflow import cap
from pochub.documents import cap as cap_documents
from pochub.documents.hxl_tables import Columns, hxl_csv
from pochub.errors import NotFound
from pochub.services.action_points import action_points_board
from pochub.services.alert_views import readable_alert, refuse_true_place_filters, summary
from pochub.services.alerts import refuzz
from pochub.services.exercises.records import exercise_row, team_rows
from pochub.services.exercises.teams import team_alert
from pochub.services.forums import forum_structure
from pochub.services.protection import Protector
from pochub.store import alert_repository as repository
from pochub.store import audit, tables

EXPORT_LIMIT = 50_000
NOT_SEEN_BY_PARTNERS = ("escalate",)
"""Transitions that make no new CAP message: escalation is the mission's own business."""


# --- CAP 1.2 -------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Area:
    """An admin area as exports name it."""

    name: str
    level: int
    parent: str | None


def _areas(conn: Connection, pcodes: Iterable[str | None]) -> dict[str, Area]:
    """The admin areas of these P-codes and their parents (to give level 1 beside level 2)."""
    wanted = {p for p in pcodes if p}
    areas = tables.admin_areas
    found: dict[str, Area] = {}
    while wanted:
        rows = conn.execute(
            select(areas.c.pcode, areas.c.name, areas.c.level, areas.c.parent_pcode).where(
                areas.c.pcode.in_(sorted(wanted))
            )
        ).all()
        found.update({r.pcode: Area(r.name, int(r.level), r.parent_pcode) for r in rows})
        wanted = {r.parent_pcode for r in rows if r.parent_pcode and r.parent_pcode not in found}
    return found


def _versions(conn: Connection, alert_ids: Sequence[int]) -> dict[int, tuple[int, datetime, datetime]]:
    """Per alert: how many changes partners can see (every transition but escalations), the first and the last."""
    history = tables.alert_transitions
    found: dict[int, tuple[int, datetime, datetime]] = {}
    for start in range(0, len(alert_ids), 500):
        chunk = list(alert_ids[start : start + 500])
        rows = conn.execute(
            select(history.c.alert_id, func.count(), func.min(history.c.at), func.max(history.c.at))
            .where(history.c.alert_id.in_(chunk), history.c.action.not_in(NOT_SEEN_BY_PARTNERS))
            .group_by(history.c.alert_id)
        ).all()
        for alert_id, count, first, last in rows:
            first_at, last_at = repository.utc(first), repository.utc(last)
            assert first_at is not None and last_at is not None
            found[int(alert_id)] = (int(count), first_at, last_at)
    return found


def _facts(
    row: Any, versions: dict[int, tuple[int, datetime, datetime]], areas: dict[str, Area], km: float
) -> cap.CapFacts:
    """The CAP facts of an alert row: the fuzzed place only."""
    state = repository.state_from_row(row)
    count, first, last = versions.get(row.alert_id, (1, state.received_at, state.received_at))
    area = areas.get(row.fuzzed_pcode) if row.fuzzed_pcode else None
    return cap.CapFacts(
        reference=row.reference,
        status=state.status,
        urgency=state.urgency,
        threat_type=state.threat_type,
        verification=state.verification,
        reports=state.reports,
        first_at=first,
        last_at=last,
        version=count,
        exercise=row.exercise_id is not None,
        place=cap.CapPlace(
            row.fuzzed_latitude, row.fuzzed_longitude, row.fuzzed_pcode, area.name if area else None, km
        ),
    )


def _messages(conn: Connection, settings: Settings, rows: Sequence[Any]) -> list[cap.CapMessage]:
    """The CAP messages of alert rows (read in the caller's transaction)."""
    versions = _versions(conn, [r.alert_id for r in rows])
    areas = _areas(conn, (r.fuzzed_pcode for r in rows))
    scope = cap.CapScope(settings.cap_scope)
    return [
        cap.cap_message(
            _facts(r, versions, areas, settings.location_fuzz_km), sender=settings.cap_sender, scope=scope
        )
        for r in rows
    ]


def _one_document(
    engine: Engine, settings: Settings, user: User, reference: str, find: Any, detail: str
) -> bytes:
    """One alert's CAP document: ``find(conn)`` gives the row the user may read; the export is audited."""
    now = datetime.now(UTC)
    with engine.begin() as conn:
        refuzz(conn, Protector(settings.secret_key), settings.location_fuzz_km, every=False)
        row = find(conn)
        document = cap_documents.checked(_messages(conn, settings, [row])[0])
        audit.record(
            conn, actor=user.username, role=user.role.value, action="export", entity="alert",
            entity_id=reference, detail=detail, at=now,
        )  # fmt: skip
    return document


def alert_cap(engine: Engine, settings: Settings, reference: str, user: User) -> bytes:
    """One operational alert as a CAP 1.2 document (status Actual), checked against the schema; the alert as
    ``readable_alert`` gives it (NotFound, or Forbidden outside the user's area). An exercise's alert is refused
    here: its document comes from the exercise only."""

    def find(conn: Connection) -> Any:
        row = readable_alert(conn, reference, user)
        if row.exercise_id is not None:
            raise NotFound(
                Message(
                    N_(
                        "alert {reference} belongs to an exercise: its CAP document comes from the exercise only"
                    ),
                    reference=reference,
                )
            )
        return row

    return _one_document(engine, settings, user, reference, find, "CAP 1.2")


def exercise_alert_cap(
    engine: Engine, settings: Settings, exercise_id: int, reference: str, user: User
) -> bytes:
    """One exercise alert as a CAP 1.2 document with status Exercise: for the facilitators, any team's alert of
    this exercise; for a trainee, their team's own (``team_alert``); NotFound for anything else."""

    def find(conn: Connection) -> Any:
        if user.role in FACILITATOR_ROLES:
            exercise_row(conn, exercise_id)
            teams = {t.team_id for t in team_rows(conn, exercise_id)}
        else:
            teams = {team_alert(conn, exercise_id, reference, user)[0]}
        row = readable_alert(conn, reference, user)
        if row.exercise_id not in teams:
            raise NotFound(
                Message(
                    N_("no alert {reference} in exercise {exercise_id}"),
                    reference=reference,
                    exercise_id=exercise_id,
                )
            )
        return row

    return _one_document(engine, settings, user, reference, find, f"CAP 1.2 (exercise {exercise_id})")


def _operational(chosen: AlertFilter) -> AlertFilter:
    """The filter, on operational alerts only (an export never holds an exercise's)."""
    return replace(chosen, exercise_id=None)


def export_alerts_cap(
    engine: Engine, settings: Settings, user: User, chosen: AlertFilter, *, limit: int = EXPORT_LIMIT
) -> tuple[bytes, int]:
    """The user's operational alerts as CAP 1.2 documents, one per alert (named by its identifier) in a zip, each
    checked against the schema; and how many. Audited."""
    refuse_true_place_filters(chosen, fuzzed=True)
    now = datetime.now(UTC)
    with engine.begin() as conn:
        refuzz(conn, Protector(settings.secret_key), settings.location_fuzz_km, every=False)
        rows, _ = repository.list_alerts(conn, user, _operational(chosen), limit=limit, offset=0, fuzzed=True)
        messages = _messages(conn, settings, rows)
    # written and checked outside the transaction (about a millisecond a document: no writer waits for them),
    # and audited once they all passed
    documents = [(cap_documents.file_name(m), cap_documents.checked(m)) for m in messages]
    with engine.begin() as conn:
        audit.record(
            conn, actor=user.username, role=user.role.value, action="export", entity="alert",
            detail=f"{len(documents)} alerts as CAP 1.2", at=now,
        )  # fmt: skip
    return cap_documents.zipped(documents), len(documents)


# --- HXL ---------------------------------------------------------------------------------------------------------

ALERT_COLUMNS: Columns = (
    ("reference", "#event+code"),
    ("received_at", "#date+reported"),
    ("state", "#status"),
    ("threat_type", "#event+type"),
    ("urgency", "#priority"),
    ("severity", "#severity"),
    ("verification", "#status+verification"),
    ("reports", "#indicator+reports+num"),
    ("channel", "#meta+channel"),
    ("adm1_code", "#adm1+code"),
    ("adm1_name", "#adm1+name"),
    ("adm2_code", "#adm2+code"),
    ("adm2_name", "#adm2+name"),
    ("latitude", "#geo+lat"),
    ("longitude", "#geo+lon"),
    ("location_fuzzed_km", "#geo+precision+km"),
)
"""The alerts' HXL columns: the fuzzed place only (its admin areas, point and the fuzzing distance); no sender, no
message, no location text, community, office, body or focal point, and no alert network (networks are often
named after the place)."""


def _admin(pcode: str | None, areas: dict[str, Area]) -> dict[str, str | None]:
    """The level-1 and level-2 codes and names of the area ``pcode`` names (fuzzed place)."""
    found: dict[str, str | None] = {
        "adm1_code": None,
        "adm1_name": None,
        "adm2_code": None,
        "adm2_name": None,
    }
    code = pcode
    while code and code in areas:
        area = areas[code]
        if area.level in (1, 2):
            found[f"adm{area.level}_code"], found[f"adm{area.level}_name"] = code, area.name
        code = area.parent
    return found


def export_alerts_hxl(
    engine: Engine, settings: Settings, user: User, chosen: AlertFilter, *, tags: bool = True,
    limit: int = EXPORT_LIMIT,
) -> tuple[str, int]:  # fmt: skip
    """The user's operational alerts as HXL-tagged CSV (``ALERT_COLUMNS``), fuzzed as every export; how many.
    Audited."""
    refuse_true_place_filters(chosen, fuzzed=True)
    protector = Protector(settings.secret_key)
    now = datetime.now(UTC)
    with engine.begin() as conn:
        refuzz(conn, protector, settings.location_fuzz_km, every=False)
        rows, _ = repository.list_alerts(conn, user, _operational(chosen), limit=limit, offset=0, fuzzed=True)
        areas = _areas(conn, (r.fuzzed_pcode for r in rows))
        audit.record(
            conn, actor=user.username, role=user.role.value, action="export", entity="alert",
            detail=f"{len(rows)} alerts as HXL", at=now,
        )  # fmt: skip
    records = []
    for row in rows:
        item = summary(row, user, protector, settings, now, export=True)
        state = repository.state_from_row(row)
        records.append(
            {
                **{name: item.get(name) for name, _ in ALERT_COLUMNS if name in item},
                **_admin(item["pcode"], areas),
                "severity": cap.severity(state.threat_type, state.urgency, state.verification),
                "verification": state.verification.value if state.verification else None,
            }
        )
    return hxl_csv(ALERT_COLUMNS, records, tags=tags), len(records)


ACTION_POINT_COLUMNS: Columns = (
    ("reference", "#activity+code"),
    ("what", "#activity+description"),
    ("body", "#org+body+code"),
    ("body_name", "#org+body+name"),
    ("owner_post", "#org+owner+code"),
    ("owner_title", "#org+owner+name"),
    ("created_at", "#date+created"),
    ("due", "#date+due"),
    ("status", "#status+code"),
    ("status_label", "#status+name"),
    ("overdue", "#status+overdue"),
    ("days_late", "#indicator+days_late+num"),
    ("escalated_to", "#org+escalated+code"),
    ("threat", "#event+type+threat"),
    ("alert", "#event+code"),
    ("community", "#loc+name"),
    ("commitment", "#meta+commitment+id"),
    ("checklist_task", "#meta+checklist"),
    ("team", "#meta+team+id"),
)
"""The action points' HXL columns. ``what`` is the forum's decision as written (formulas neutralised); the notes
(why one was dropped, what was done) are left out, as narratives that may name people. An alert is given by its
reference only (joinable on ``#event+code`` with the alerts' export); a community by its name only when the
reader's area holds it and the action point names no alert (with an alert it would tell the alert's true
place); a joint team by its id only when the reader may read the team (as the board names it)."""


def _utc(moment: datetime) -> str:
    return (moment if moment.tzinfo else moment.replace(tzinfo=UTC)).astimezone(UTC).isoformat()


def _community_names(engine: Engine, ids: set[str]) -> dict[str, tuple[str, str | None]]:
    communities = tables.communities
    if not ids:
        return {}
    with engine.connect() as conn:
        rows = conn.execute(
            select(communities.c.community_id, communities.c.name, communities.c.pcode).where(
                communities.c.community_id.in_(sorted(ids))
            )
        ).all()
    return {r.community_id: (r.name, r.pcode) for r in rows}


def export_action_points_hxl(
    engine: Engine,
    user: User,
    *,
    language: str,
    body_id: str | None = None,
    owner_post: str | None = None,
    include_ended: bool = False,
    tags: bool = True,
    today: date | None = None,
) -> tuple[str, int]:
    """The action points the user may read (the board's rule: none for partners), as HXL-tagged CSV
    (``ACTION_POINT_COLUMNS``), status labels in ``language``; how many. Audited."""
    from pochub.i18n import localise

    records = action_points_board(
        engine, user, body_id=body_id, owner_post=owner_post, include_ended=include_ended, today=today
    )
    structure = forum_structure(engine)
    communities = _community_names(engine, {r.point.links.community_id for r in records} - {""})
    rows = []
    for record in records:
        point, links = record.point, record.point.links
        body = structure.body(point.body_id)
        community = communities.get(links.community_id) if links.community_id else None
        shown = (
            community is not None
            and not links.alert_reference
            and in_area(user, pcode=community[1], field_office=None)
        )
        rows.append(
            {
                "reference": record.reference, "what": localise(record.what_text, language), "body": point.body_id,
                "body_name": body.name if body else point.body_id, "owner_post": point.owner_post,
                "owner_title": structure.title_of(point.owner_post), "created_at": _utc(record.created_at),
                "due": point.due, "status": point.status.value,
                "status_label": localise(ACTION_STATUS_LABELS[point.status], language),
                "overdue": record.overdue, "days_late": record.days_late,
                "escalated_to": record.escalated_to or None, "threat": links.threat_key or None,
                "alert": links.alert_reference or None, "community": community[0] if shown and community else None,
                "commitment": links.commitment_id, "checklist_task": links.checklist_task or None,
                "team": record.team_id,
            }
        )  # fmt: skip
    with engine.begin() as conn:
        audit.record(
            conn, actor=user.username, role=user.role.value, action="export", entity="action_point",
            detail=f"{len(rows)} action points as HXL", at=datetime.now(UTC),
        )  # fmt: skip
    return hxl_csv(ACTION_POINT_COLUMNS, rows, tags=tags), len(rows)

"""What a user may see of alerts: scoped lists, one alert with its history, exports, protected fields audited.

Sender names and numbers are decrypted only for roles with a need to know, only on the single-alert view, and
every such read is written to the audit log. Viewers and partners, and every export, see locations moved by up
to ``settings.location_fuzz_km`` under the secret key (stored at intake, the same every time, so repeated reads
cannot be averaged out): they are filtered and counted on the moved place only, never told the community or the
location text, and partners see the message only when ``settings.partner_text`` is "full". One function,
``alert_access``, holds these rules for every edge; ``readable_alert`` is the one way to one alert by reference (the
user's area; an exercise alert only for its team and facilitators); ``intake_places`` where a user may log one.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import orjson
from sqlalchemy import Engine, select

from pochub.config import Settings
from pochub.core.models.access import (
    FACILITATOR_ROLES,
    Role,
    User,
    can_read_protected,
    in_area,
    location_fuzzed,
)
from pochub.core.models.filters import AlertFilter
from pochub.core.text import N_
from pochub.core.workflow.lifecycle import allowed_actions
from pochub.documents.spreadsheet_cells import neutralised_record
from pochub.errors import InvalidInput, NotFound
from pochub.services.alerts import refuzz, visible_alert
from pochub.services.protection import Protector
from pochub.store import alert_repository as repository
from pochub.store import audit, tables


@dataclass(frozen=True)
class AlertAccess:
    """What one reader may learn of alerts: the one access rule every edge (API, pages, exports, map) applies.

    ``fuzzed``: places come from the fuzzed columns only, in filters, counts and sorts as in what is shown, so
    no sequence of questions (narrowing a box, an area) finds the true place. ``place_names``: the community
    and the location text (which name the true place). ``text``: the community's words. ``recorded_by``: who
    logged each report and took each step (staff of the alert's field office: not for fuzzed readers).
    """

    fuzzed: bool
    place_names: bool
    text: bool
    recorded_by: bool
    protected: bool


def alert_access(user: User, settings: Settings, *, export: bool = False) -> AlertAccess:
    """The rule for ``user`` (``export``: a file leaves the system, so it is served as the fuzzed roles are)."""
    fuzzed = export or location_fuzzed(user.role)
    partner = user.role is Role.PARTNER
    return AlertAccess(
        fuzzed=fuzzed,
        place_names=not fuzzed,
        text=not export and not (partner and settings.partner_text == "redacted"),
        recorded_by=not fuzzed,  # staff names tell the field office, which follows from the true place
        protected=not export and can_read_protected(user.role),
    )


def _place(row: Any, access: AlertAccess) -> tuple[float | None, float | None, str | None]:
    """Latitude, longitude and P-code as ``access`` allows: the stored fuzzed place, or the true one."""
    if access.fuzzed:
        return row.fuzzed_latitude, row.fuzzed_longitude, row.fuzzed_pcode
    return row.latitude, row.longitude, row.pcode


def refuse_true_place_filters(chosen: AlertFilter, fuzzed: bool) -> None:
    """Refuse, for readers of fuzzed places, the filters that only the true place answers.

    An alert's field office follows from where it truly is, so filtering by office would let a reader who sees
    fuzzed places learn on which side of an office boundary the true point lies: the area filter (matched on
    the fuzzed place) is the one such readers use.
    """
    if fuzzed and chosen.field_office:
        raise InvalidInput(
            N_(
                "the field office filter is not available to roles that see approximate places: "
                "filter by area (P-code) instead"
            )
        )


def summary(
    row: Any, user: User, protector: Protector, settings: Settings, now: datetime, *, export: bool = False
) -> dict[str, Any]:
    """One alert as a list shows it: no sender details, place and text as the reader's access allows."""
    access = alert_access(user, settings, export=export)
    state = repository.state_from_row(row)
    latitude, longitude, pcode = _place(row, access)
    due = state.due_at
    return {
        "reference": row.reference,
        "state": state.status.value,
        "received_at": repository.utc(row.received_at).isoformat(),  # type: ignore[union-attr]
        "channel": row.channel,
        "alert_network": row.alert_network,
        "text": row.text if access.text else "",
        "text_withheld": not access.text,
        "location_text": row.location_text if access.place_names else "",
        "latitude": latitude,
        "longitude": longitude,
        "location_fuzzed_km": settings.location_fuzz_km if access.fuzzed else 0.0,
        "pcode": pcode,
        # the office, body and focal point follow from the true place: a fuzzed reader learns none of them
        "field_office": None if access.fuzzed else row.field_office,
        "community_id": row.community_id if access.place_names else None,
        "threat_type": row.threat_type,
        "urgency": row.urgency,
        "body": None if access.fuzzed else row.body_id,
        "focal_point_role": None if access.fuzzed else row.focal_point_role,
        "escalation_level": row.escalation_level,
        "reports": state.reports,
        "next_step": state.next_step,
        "due_at": due.isoformat() if due else None,
        "overdue": bool(due and due < now),
        "allowed_actions": [a.value for a in allowed_actions(state, user.role.value)],
    }


def list_alerts(
    engine: Engine, settings: Settings, user: User, chosen: AlertFilter, *, limit: int, offset: int
) -> tuple[list[dict[str, Any]], int]:
    """The user's alerts (their area only, for area-scoped roles), most urgent first, and the total."""
    protector = Protector(settings.secret_key)
    now = datetime.now(UTC)
    fuzzed = alert_access(user, settings).fuzzed
    refuse_true_place_filters(chosen, fuzzed)
    with engine.connect() as conn:
        rows, total = repository.list_alerts(conn, user, chosen, limit=limit, offset=offset, fuzzed=fuzzed)
    return [summary(row, user, protector, settings, now) for row in rows], total


def readable_alert(conn: Any, reference: str, user: User) -> Any:
    """The alert row ``user`` may read (``visible_alert``: NotFound, or Forbidden outside their area), with
    exercise isolation: an exercise alert (``exercise_id`` holds its team's id) is read only by that team's members
    and by facilitators; to anyone else it does not exist, as it is missing from their lists."""
    row = visible_alert(conn, reference, user)
    if row.exercise_id is not None and user.role not in FACILITATOR_ROLES:
        members = tables.exercise_members
        member = conn.execute(
            select(members.c.user_id).where(
                members.c.team_id == row.exercise_id, members.c.user_id == user.user_id
            )
        ).first()
        if member is None:
            raise NotFound(f"no alert {reference!r}")
    return row


ROUTING_DETAILS = frozenset({"body", "from_body", "to_body"})
"""Transition details that name the responsible body: routed from the true place, as the office is."""


def _detail(stored: str | None, access: AlertAccess) -> dict[str, Any]:
    """A transition's details as ``access`` allows: none without the text; no body for fuzzed readers."""
    if not access.text:
        return {}
    detail: dict[str, Any] = orjson.loads(stored or "{}")
    if access.fuzzed:
        return {key: value for key, value in detail.items() if key not in ROUTING_DETAILS}
    return detail


def _history(conn: Any, alert_id: int, access: AlertAccess) -> list[dict[str, Any]]:
    """The transitions; who acted is left out where the reader may not learn who recorded the alert, the notes
    (reasons, details) where the reader may not read the community's words, and the body an alert was routed or
    escalated to where the reader sees fuzzed places (the summary leaves it out for the same reason)."""
    return [
        {
            "at": repository.utc(t.at).isoformat(),  # type: ignore[union-attr]
            "action": t.action,
            "from_state": t.from_state,
            "to_state": t.to_state,
            "actor": t.actor if access.recorded_by else "",
            "role": t.role,
            "reason": t.reason if access.text else "",
            "detail": _detail(t.detail, access),
        }
        for t in repository.transitions(conn, alert_id)
    ]


def alert_detail(engine: Engine, settings: Settings, reference: str, user: User) -> dict[str, Any]:
    """One alert with its decisions, history and reports; sender details only for need-to-know roles (audited);
    an exercise alert only for its team and facilitators (``readable_alert``)."""
    protector = Protector(settings.secret_key)
    now = datetime.now(UTC)
    access = alert_access(user, settings)
    protected = access.protected
    with engine.begin() as conn:
        row = readable_alert(conn, reference, user)
        view = summary(row, user, protector, settings, now)
        details = orjson.loads(row.details or "{}")
        feedback = details.get("feedback")
        if feedback and not access.text:  # what the community was told can repeat what it said
            feedback = {**feedback, "message": ""}
        view.update(
            verification=details.get("verification"),
            verification_note=details.get("verification_note", "") if access.text else "",
            response=details.get("response"),
            deployed_units=details.get("deployed_units", []),
            outcome=details.get("outcome", "") if access.text else "",
            civilians_harmed=details.get("civilians_harmed"),
            feedback=feedback,
            review=details.get("review", "") if access.text else "",
            history=_history(conn, row.alert_id, access),
        )
        reports = []
        for report in repository.reports_of(conn, row.alert_id):
            item: dict[str, Any] = {
                "received_at": repository.utc(report.received_at).isoformat(),  # type: ignore[union-attr]
                "channel": report.channel,
                "text": report.text if access.text else "",
            }
            if access.recorded_by:
                item["recorded_by"] = report.recorded_by
            if protected:
                item["sender_name"] = protector.decrypt(report.sender_name)
                item["sender_number"] = protector.decrypt(report.sender_number)
            reports.append(item)
        view["reports_received"] = reports
        if protected:
            view["sender"] = {
                "name": protector.decrypt(row.sender_name),
                "number": protector.decrypt(row.sender_number),
            }
            audit.record(
                conn, actor=user.username, role=user.role.value, action="read_protected", entity="alert",
                entity_id=reference, detail="sender name and number", at=now,
            )  # fmt: skip
    return view


def history(engine: Engine, settings: Settings, reference: str, user: User) -> list[dict[str, Any]]:
    """The alert's transitions, oldest first."""
    with engine.connect() as conn:
        row = readable_alert(conn, reference, user)
        return _history(conn, row.alert_id, alert_access(user, settings))


EXPORT_COLUMNS = (
    "reference", "state", "received_at", "channel", "alert_network", "pcode", "field_office", "threat_type",
    "urgency", "body", "latitude", "longitude", "location_fuzzed_km", "reports", "next_step", "due_at", "overdue",
)  # fmt: skip


def export_alerts(
    engine: Engine, settings: Settings, user: User, chosen: AlertFilter, *, fmt: str, limit: int = 50_000
) -> str:
    """Alerts as GeoJSON or CSV: never sender details, locations always fuzzed, message text left out."""
    protector = Protector(settings.secret_key)
    now = datetime.now(UTC)
    refuse_true_place_filters(chosen, fuzzed=True)
    with engine.begin() as conn:
        refuzz(
            conn, protector, settings.location_fuzz_km, every=False
        )  # alerts older than their fuzzed place
        rows, _ = repository.list_alerts(conn, user, chosen, limit=limit, offset=0, fuzzed=True)
        audit.record(
            conn, actor=user.username, role=user.role.value, action="export", entity="alert",
            detail=f"{len(rows)} alerts as {fmt}", at=now,
        )  # fmt: skip
    items = [summary(row, user, protector, settings, now, export=True) for row in rows]
    if fmt == "geojson":
        features = [
            {
                "type": "Feature",
                "geometry": None
                if item["latitude"] is None
                else {"type": "Point", "coordinates": [item["longitude"], item["latitude"]]},
                "properties": {k: item[k] for k in EXPORT_COLUMNS if k not in ("latitude", "longitude")},
            }
            for item in items
        ]
        return orjson.dumps({"type": "FeatureCollection", "features": features}).decode()
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=EXPORT_COLUMNS, extrasaction="ignore", lineterminator="\n")
    writer.writeheader()
    writer.writerows(neutralised_record(item) for item in items)
    return buffer.getvalue()


def area_names(engine: Engine, pcodes: set[str]) -> dict[str, str]:
    """Names of the admin areas with these P-codes (those a view already shows: its reader may see them)."""
    if not pcodes:
        return {}
    areas = tables.admin_areas
    with engine.connect() as conn:
        rows = conn.execute(select(areas.c.pcode, areas.c.name).where(areas.c.pcode.in_(sorted(pcodes))))
        return {pcode: name for pcode, name in rows}


def community_name(engine: Engine, community_id: str) -> str | None:
    """The name of a community a view names by id (None when there is none)."""
    communities = tables.communities
    with engine.connect() as conn:
        found: str | None = conn.execute(
            select(communities.c.name).where(communities.c.community_id == community_id)
        ).scalar_one_or_none()
    return found


def intake_places(engine: Engine, user: User) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """The admin areas and communities ``user`` may log an alert in (their area only, for area-scoped roles)."""
    areas, communities = tables.admin_areas, tables.communities
    with engine.connect() as conn:
        area_rows = conn.execute(
            select(areas.c.pcode, areas.c.name, areas.c.level).order_by(areas.c.level, areas.c.name)
        ).all()
        community_rows = conn.execute(
            select(communities.c.community_id, communities.c.name, communities.c.pcode).order_by(
                communities.c.name, communities.c.community_id
            )
        ).all()

    def mine(pcode: str | None) -> bool:
        return in_area(user, pcode=pcode, field_office=None)

    return (
        [{"pcode": r.pcode, "name": r.name, "level": r.level} for r in area_rows if mine(r.pcode)],
        [{"id": r.community_id, "name": r.name, "pcode": r.pcode} for r in community_rows if mine(r.pcode)],
    )

"""Forum use cases (issue 17, item 1): record a meeting of a body of the structure (attendance checked against its
terms of reference, decisions and the action points they give), read a body's meetings, and draft the next
agenda from the data through the services that answer the same questions elsewhere (the threat matrix, the
alerts, the commitments board, the action points board, coverage when asked: it is expensive).

Roles: PoC advisers, administrators and the body's secretariat (a user whose ``structure_role`` is the body's
secretariat, chair or co-chair) record meetings; readers follow ``services.action_points``' read rule. Every write
is audited in the meeting's transaction.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy import Engine, insert, select

from pochub.config import Settings
from pochub.core.coordination_practice.actions import ActionPoint
from pochub.core.coordination_practice.agenda import (
    Agenda,
    AgendaInputs,
    CoverageGap,
    OpenActionPoint,
    OverdueItem,
    RiskNow,
    UpcomingReview,
    draft_agenda,
)
from pochub.core.coordination_practice.forums import (
    AttendanceCheck,
    Decision,
    Meeting,
    attendance_check,
    check_meeting,
)
from pochub.core.models.access import User
from pochub.core.models.coordination import Structure, structure_in
from pochub.core.models.filters import AlertFilter
from pochub.core.text import N_, Message
from pochub.core.threats.keys import threat_row_text
from pochub.core.toolkit.terms_of_reference import terms_of_reference
from pochub.errors import Forbidden, InvalidInput, NotFound
from pochub.services import action_points as points_service
from pochub.services.action_points import (
    ActionPointRecord,
    insert_action_point,
    may_read,
    may_run_forum,
    reads_body,
    require_structure_for_forums,
)
from pochub.store import audit, tables


@dataclass(frozen=True)
class DecisionRecord:
    """A stored decision and its action points."""

    decision_id: int
    text: str
    action_points: tuple[ActionPointRecord, ...]


@dataclass(frozen=True)
class MeetingRecord:
    """A stored meeting with its attendance check, decisions and action points."""

    meeting_id: int
    body_id: str
    body: str
    held_on: date
    agenda: tuple[str, ...]
    attendance: tuple[str, ...]
    check: AttendanceCheck
    decisions: tuple[DecisionRecord, ...]
    note: str
    recorded_by: str
    recorded_at: datetime

    def as_dict(self, structure: Structure | None = None) -> dict[str, Any]:
        """As the API and the CLI's JSON show it."""
        title = structure.title_of if structure is not None else (lambda r: r or "")
        return {
            "id": self.meeting_id,
            "body": self.body_id,
            "body_name": self.body,
            "held_on": self.held_on.isoformat(),
            "agenda": list(self.agenda),
            "attendance": [{"post": p, "title": title(p)} for p in self.attendance],
            "quorum": self.check.quorum,
            "quorate": self.check.quorate,
            "missing_components": list(self.check.missing_components),
            "flags": [str(f) for f in self.check.flags()],
            "decisions": [
                {"id": d.decision_id, "text": d.text, "action_points": [p.as_dict() for p in d.action_points]}
                for d in self.decisions
            ],
            "note": self.note,
            "recorded_by": self.recorded_by,
        }


def record_meeting(engine: Engine, user: User, meeting: Meeting, *, now: datetime | None = None) -> int:
    """Store a meeting, its attendance, decisions and their action points (open); its id. Refused for users who
    do not run the body's meetings, and for what :func:`check_meeting` refuses."""
    moment = now or datetime.now(UTC)
    with engine.begin() as conn:
        structure = require_structure_for_forums(conn)
        may_run_forum(user, structure, meeting.body_id)
        check = check_meeting(meeting, structure, moment.date())
        meeting_id = conn.execute(
            insert(tables.meetings).values(
                body_id=meeting.body_id, held_on=meeting.held_on, agenda=json.dumps(list(meeting.agenda)),
                note=meeting.note.strip(), recorded_by=user.username, recorded_at=moment,
            )
        ).inserted_primary_key[0]  # type: ignore[index]  # fmt: skip
        posts = list(dict.fromkeys(meeting.attendance))
        conn.execute(
            insert(tables.meeting_attendance), [{"meeting_id": meeting_id, "post": p} for p in posts]
        )
        for position, decision in enumerate(meeting.decisions):
            decision_id = conn.execute(
                insert(tables.decisions).values(
                    meeting_id=meeting_id, position=position, text=decision.text.strip()
                )
            ).inserted_primary_key[0]  # type: ignore[index]
            for point in decision.action_points:
                insert_action_point(conn, user, point, decision_id=int(decision_id), now=moment)
        flags = "; ".join(str(f) for f in check.flags())
        audit.record(
            conn, actor=user.username, role=user.role.value, action="write", entity="meeting",
            entity_id=str(meeting_id), detail=f"{meeting.body_id} {meeting.held_on.isoformat()} {flags}".strip(),
            at=moment,
        )  # fmt: skip
    return int(meeting_id)


def _meetings(engine: Engine, user: User, *where: Any) -> tuple[Structure, list[MeetingRecord]]:
    may_read(user)
    today = datetime.now(UTC).date()
    with engine.connect() as conn:
        structure = require_structure_for_forums(conn)
        query = select(tables.meetings).order_by(
            tables.meetings.c.held_on.desc(), tables.meetings.c.meeting_id.desc()
        )
        for condition in where:
            query = query.where(condition)
        rows = [r for r in conn.execute(query).all() if reads_body(user, structure, r.body_id)]
        ids = [r.meeting_id for r in rows]
        attendance: dict[int, list[str]] = {}
        decisions: dict[int, list[Any]] = {}
        points: dict[int, list[ActionPointRecord]] = {}
        if ids:
            for a in conn.execute(
                select(tables.meeting_attendance).where(tables.meeting_attendance.c.meeting_id.in_(ids))
            ):
                attendance.setdefault(a.meeting_id, []).append(a.post)
            decision_rows = conn.execute(
                select(tables.decisions)
                .where(tables.decisions.c.meeting_id.in_(ids))
                .order_by(tables.decisions.c.position)
            ).all()
            for d in decision_rows:
                decisions.setdefault(d.meeting_id, []).append(d)
            decision_ids = [d.decision_id for d in decision_rows]
            if decision_ids:
                point_rows = conn.execute(
                    select(tables.action_points)
                    .where(tables.action_points.c.decision_id.in_(decision_ids))
                    .order_by(tables.action_points.c.action_point_id)
                ).all()
                teams = points_service.readable_teams(conn, user, point_rows)
                for p in point_rows:
                    points.setdefault(p.decision_id, []).append(points_service._record(p, today, teams))
    records = []
    for row in rows:
        body = structure.body(row.body_id)
        posts = tuple(sorted(attendance.get(row.meeting_id, [])))
        records.append(
            MeetingRecord(
                row.meeting_id, row.body_id, body.name if body else row.body_id, row.held_on,
                tuple(json.loads(row.agenda)), posts, attendance_check(structure, row.body_id, posts),
                tuple(
                    DecisionRecord(d.decision_id, d.text, tuple(points.get(d.decision_id, [])))
                    for d in decisions.get(row.meeting_id, [])
                ),
                row.note, row.recorded_by, row.recorded_at,
            )
        )  # fmt: skip
    return structure, records


def body_meetings(engine: Engine, user: User, body_id: str) -> list[MeetingRecord]:
    """A body's meetings, newest first (NotFound for a body the user may not read)."""
    structure, records = _meetings(engine, user, tables.meetings.c.body_id == body_id)
    if structure.body(body_id) is None or not reads_body(user, structure, body_id):
        raise NotFound(Message(N_("no body '{body}' in the structure"), body=body_id))
    return records


def meeting(engine: Engine, user: User, meeting_id: int) -> MeetingRecord:
    """One meeting the user may read; NotFound otherwise."""
    _, records = _meetings(engine, user, tables.meetings.c.meeting_id == meeting_id)
    if not records:
        raise NotFound(Message(N_("no meeting {number}"), number=meeting_id))
    return records[0]


def readable_bodies(engine: Engine, user: User) -> list[tuple[str, str]]:
    """The bodies whose meetings the user may read: (id, name), in the structure's order."""
    may_read(user)
    with engine.connect() as conn:
        structure = require_structure_for_forums(conn)
    return [(b.id, b.name) for b in structure.bodies if reads_body(user, structure, b.id)]


def bodies_run_by(engine: Engine, user: User, language: str = "en") -> list[tuple[str, str]]:
    """The bodies whose meetings the user runs (records, and turns a team's recommendations into action points
    of): (id, name in ``language``), in the structure's order; none without a structure."""
    try:
        with engine.connect() as conn:
            structure = require_structure_for_forums(conn)
    except InvalidInput:
        return []
    named = structure_in(structure, language)
    found = []
    for body in structure.bodies:
        try:
            may_run_forum(user, structure, body.id)
        except Forbidden:
            continue
        shown = named.body(body.id)
        found.append((body.id, str(shown.name) if shown is not None else str(body.name)))
    return found


def forum_structure(engine: Engine) -> Structure:
    """The stored structure (InvalidInput when none): the edges' names of bodies and posts."""
    with engine.connect() as conn:
        return require_structure_for_forums(conn)


def _area_of(structure: Structure, body_id: str) -> tuple[str, ...]:
    body = structure.body(body_id)
    if body is None:
        return ()
    if body.area_pcodes:
        return body.area_pcodes
    office = structure.field_office(body.field_office) if body.field_office else None
    return office.area_pcodes if office is not None else ()


def _in(pcode: str | None, areas: tuple[str, ...]) -> bool:
    return not areas or (pcode is not None and any(pcode.startswith(a) for a in areas))


def draft_next_agenda(
    engine: Engine,
    user: User,
    body_id: str,
    *,
    meeting_on: date | None = None,
    settings: Settings | None = None,
    with_coverage: bool = False,
    coverage_hours: float = 4.0,
    now: datetime | None = None,
) -> Agenda:
    """The next agenda of ``body_id`` drafted from the data: the threat matrix's top risks in the body's area now
    and at its last meeting, overdue alerts (when ``settings`` are given: the alert list needs them), overdue
    commitments, open action points of the body, coverage gaps beyond ``coverage_hours`` (only when
    ``with_coverage``), reviews due within 60 days (terms of reference, protection plans)."""
    from pochub.services import alert_views, engagements, protection_plans, threat_listing

    moment = now or datetime.now(UTC)
    day = meeting_on or moment.date()
    may_read(user)
    with engine.connect() as conn:
        structure = require_structure_for_forums(conn)
        if structure.body(body_id) is None or not reads_body(user, structure, body_id):
            raise NotFound(Message(N_("no body '{body}' in the structure"), body=body_id))
        last = conn.execute(
            select(tables.meetings.c.held_on)
            .where(tables.meetings.c.body_id == body_id, tables.meetings.c.held_on <= day)
            .order_by(tables.meetings.c.held_on.desc())
        ).first()
    last_on = last.held_on if last is not None else None
    areas = _area_of(structure, body_id)

    def top_rows(as_of: date | None) -> list[Any]:
        listing = threat_listing.list_threats(engine, as_of=as_of)
        return [r for r in listing.records if _in(r.area_pcode, areas)]

    now_rows = top_rows(None)
    before = {r.key: r.risk for r in top_rows(last_on)} if last_on is not None and now_rows else {}
    risks = tuple(
        RiskNow(
            r.key,
            threat_row_text(r.area_name, r.threat_type, r.perpetrator),
            r.risk,
            before.get(r.key),
        )
        for r in now_rows[:20]
    )
    overdue_alerts: tuple[OverdueItem, ...] = ()
    if settings is not None:
        alerts, _ = alert_views.list_alerts(
            engine, settings, user, AlertFilter(open_only=True, overdue_at=moment), limit=50, offset=0
        )
        overdue_alerts = tuple(
            OverdueItem(
                a["reference"], a["location_text"] or a["pcode"] or "",
                max(0, (moment - datetime.fromisoformat(a["due_at"])).days) if a["due_at"] else 0,
            )
            for a in alerts
            if _in(a["pcode"], areas)
        )  # fmt: skip
    commitments = tuple(
        OverdueItem(
            f"C-{c.commitment_id}", f"{c.community}: {c.commitment.what}", (day - c.commitment.due).days
        )
        for c in engagements.commitments_board(engine, user, today=day)
        if c.overdue
    )
    open_points = tuple(
        OpenActionPoint(p.reference, p.what_text, structure.title_of(p.point.owner_post), p.point.due)
        for p in points_service.action_points_board(engine, user, body_id=body_id, today=day)
    )
    gaps: tuple[CoverageGap, ...] | None = None
    if with_coverage:
        gaps = _coverage_gaps(engine, coverage_hours, areas)
    reviews: list[UpcomingReview] = []
    horizon = day + timedelta(days=60) if day < date.max - timedelta(days=60) else date.max
    terms = terms_of_reference(structure, body_id)
    if terms.review_date is not None and terms.review_date <= horizon:
        reviews.append(
            UpcomingReview(
                str(Message(N_("Terms of reference of {body}"), body=terms.name)), terms.review_date
            )
        )
    for plan in protection_plans.plans(engine, user, today=day):
        if plan.review_reasons:
            reviews.append(
                UpcomingReview(
                    str(Message(N_("Protection plan of {community}"), community=plan.community)), day
                )
            )
    return draft_agenda(
        AgendaInputs(
            body_id, day, last_on, risks, overdue_alerts, commitments, open_points, gaps, tuple(reviews)
        )
    )


def _coverage_gaps(engine: Engine, hours: float, areas: tuple[str, ...]) -> tuple[CoverageGap, ...]:
    from pochub.services import allocation

    run = allocation.coverage(engine, standards=(hours,))
    result = run.result
    gaps = []
    for index, community in enumerate(run.communities):
        if result.fastest_hours[index] > hours and _in(getattr(community, "pcode", None), areas):
            gaps.append(CoverageGap(community.name, int(result.weights[index])))
    return tuple(gaps)


def meeting_from_agenda(body_id: str, held_on: date, agenda: Agenda, attendance: tuple[str, ...]) -> Meeting:
    """A meeting whose agenda is the drafted agenda's titles (no decisions yet)."""
    return Meeting(body_id, held_on, agenda.titles, attendance)


__all__ = [
    "ActionPoint",
    "Decision",
    "DecisionRecord",
    "Meeting",
    "MeetingRecord",
    "body_meetings",
    "draft_next_agenda",
    "meeting",
    "readable_bodies",
    "record_meeting",
]

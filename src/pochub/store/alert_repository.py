"""Alerts in the store: rows <-> lifecycle states, transitions, reports and outbox rows, scoped queries.

One alert row holds the state the workflow needs; what a person decided (verification, response, outcome,
feedback, lessons) is kept in its ``details`` JSON; every change is also one ``alert_transitions`` row, and
every notification one ``outbox`` row written in the same transaction.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime, timedelta
from functools import lru_cache
from typing import Any

import orjson
from sqlalchemy import (
    Connection,
    Row,
    and_,
    bindparam,
    case,
    false,
    func,
    insert,
    literal,
    literal_column,
    null,
    or_,
    select,
    union_all,
    update,
)
from sqlalchemy.sql.elements import ColumnElement
from sqlalchemy.sql.selectable import CompoundSelect, Select

from pochub.core.models.access import User
from pochub.core.models.alerts import (
    OPEN_STATUSES,
    AlertState,
    AlertStatus,
    Decision,
    Feedback,
    FeedbackChannel,
    Phase,
    Response,
    Tier,
    Urgency,
    Verification,
)
from pochub.core.models.filters import AlertFilter as AlertFilter  # re-exported: older imports keep working
from pochub.core.workflow.lifecycle import Notify, TransitionRecorded
from pochub.core.workflow.merging import Candidate
from pochub.errors import Conflict
from pochub.store import tables
from pochub.store.database import as_utc

ALERTS = tables.alerts
OPEN = sorted(s.value for s in OPEN_STATUSES)


def utc(moment: datetime | None) -> datetime | None:
    """An aware UTC datetime (SQLite returns naive values; they were stored as UTC)."""
    return None if moment is None else as_utc(moment)


def _details(state: AlertState) -> dict[str, Any]:
    """What people decided, for the ``details`` JSON."""
    response = state.response
    feedback = state.feedback
    return {
        "reports": state.reports,
        "escalated_from": state.escalated_from,
        "verification": state.verification.value if state.verification else None,
        "verification_note": state.verification_note,
        "response": None
        if response is None
        else {
            "decision": response.decision.value,
            "tier": response.tier.value if response.tier else None,
            "phase": response.phase.value if response.phase else None,
            "units": list(response.units),
            "reason": response.reason,
        },
        "deployed_units": list(state.deployed_units),
        "outcome": state.outcome,
        "civilians_harmed": state.civilians_harmed,
        "feedback": None
        if feedback is None
        else {
            "channel": feedback.channel.value,
            "message": feedback.message,
            "given_at": feedback.given_at.isoformat(),
        },
        "review": state.review,
    }


def state_from_row(row: Row[Any] | Any) -> AlertState:
    """The lifecycle state of a stored alert."""
    details = orjson.loads(row.details or "{}")
    response = details.get("response")
    feedback = details.get("feedback")
    received = utc(row.received_at)
    assert received is not None
    return AlertState(
        status=AlertStatus(row.state),
        received_at=received,
        urgency=Urgency(row.urgency),
        body_id=row.body_id,
        threat_type=row.threat_type,
        pcode=row.pcode,
        field_office=row.field_office,
        focal_point_role=row.focal_point_role,
        escalation_level=row.escalation_level,
        escalated_from=details.get("escalated_from"),
        reports=int(details.get("reports", 1)),
        verification=Verification(details["verification"]) if details.get("verification") else None,
        verification_note=details.get("verification_note", ""),
        response=None
        if not response
        else Response(
            Decision(response["decision"]),
            Tier(response["tier"]) if response.get("tier") else None,
            Phase(response["phase"]) if response.get("phase") else None,
            tuple(response.get("units", ())),
            response.get("reason", ""),
        ),
        deployed_units=tuple(details.get("deployed_units", ())),
        outcome=details.get("outcome", ""),
        civilians_harmed=details.get("civilians_harmed"),
        feedback=None
        if not feedback
        else Feedback(
            FeedbackChannel(feedback["channel"]),
            feedback["message"],
            datetime.fromisoformat(feedback["given_at"]),
        ),
        review=details.get("review", ""),
        next_step=row.next_step,
        due_at=utc(row.due_at),
    )


def state_columns(state: AlertState, now: datetime) -> dict[str, Any]:
    """The alert row's columns that follow from its state."""
    return {
        "state": state.status.value,
        "updated_at": now,
        "threat_type": state.threat_type,
        "urgency": state.urgency.value,
        "body_id": state.body_id,
        "focal_point_role": state.focal_point_role,
        "field_office": state.field_office,
        "pcode": state.pcode,
        "escalation_level": state.escalation_level,
        "next_step": state.next_step,
        "due_at": state.due_at,
        "details": orjson.dumps(_details(state)).decode(),
    }


# statements built once: executed with parameter dicts, they skip re-coercing every value on each intake
_INSERT_ALERT = insert(ALERTS).returning(ALERTS.c.alert_id)
_SAVE_STATE = update(ALERTS).where(
    ALERTS.c.alert_id == bindparam("match_alert_id"), ALERTS.c.version == bindparam("match_version")
)
_INSERT_TRANSITION = insert(tables.alert_transitions).returning(tables.alert_transitions.c.transition_id)
_INSERT_REPORT = insert(tables.alert_reports).returning(tables.alert_reports.c.report_id)


def insert_alert(conn: Connection, state: AlertState, columns: dict[str, Any], now: datetime) -> int:
    """Store a new alert; returns its id."""
    values = {**state_columns(state, now), **columns, "version": 1}
    return int(conn.execute(_INSERT_ALERT, values).scalar_one())


def save_state(conn: Connection, alert_id: int, version: int, state: AlertState, now: datetime) -> None:
    """Store the new state if nobody changed the alert since it was read (else Conflict, nothing written)."""
    result = conn.execute(
        _SAVE_STATE,
        {
            **state_columns(state, now),
            "version": version + 1,
            "match_alert_id": alert_id,
            "match_version": version,
        },
    )
    if result.rowcount != 1:
        raise Conflict("the alert was changed by someone else meanwhile: reload it and try again")


def lock_alert(conn: Connection, reference: str) -> Row[Any] | None:
    """The alert row, locked for this transaction on PostgreSQL (SQLite has one writer anyway)."""
    query = select(ALERTS).where(ALERTS.c.reference == reference)
    if conn.dialect.name == "postgresql":
        query = query.with_for_update()
    return conn.execute(query).first()


def lock_alert_by_id(conn: Connection, alert_id: int) -> Row[Any]:
    """The alert row by id, locked on PostgreSQL."""
    query = select(ALERTS).where(ALERTS.c.alert_id == alert_id)
    if conn.dialect.name == "postgresql":
        query = query.with_for_update()
    return conn.execute(query).one()


def record_effects(
    conn: Connection,
    alert_id: int,
    effects: Sequence[TransitionRecorded | Notify],
    payload: dict[str, Any],
    exercise_id: int | None,
) -> int:
    """Store the transition and one outbox row per notification; returns the transition id.

    The outbox row's dedupe key names the transition, the kind and the target: one effect, one notification,
    however often the worker runs.
    """
    transition_id = 0
    record: TransitionRecorded | None = None
    for effect in effects:
        if isinstance(effect, TransitionRecorded):
            record = effect
            transition_id = int(
                conn.execute(
                    _INSERT_TRANSITION,
                    {
                        "alert_id": alert_id,
                        "at": effect.at,
                        "actor": effect.actor,
                        "role": effect.role,
                        "action": effect.action.value,
                        "from_state": effect.from_status.value,
                        "to_state": effect.to_status.value,
                        "reason": effect.reason,
                        "detail": orjson.dumps(dict(effect.detail)).decode(),
                    },
                ).scalar_one()
            )
    assert record is not None, "every effect list starts with its transition"
    rows = [
        {
            "dedupe_key": f"{alert_id}:{transition_id}:{effect.kind}:{effect.target}",
            "created_at": record.at,
            "alert_id": alert_id,
            "kind": effect.kind,
            "target": effect.target,
            "payload": orjson.dumps({**payload, "kind": effect.kind, "reason": effect.reason}).decode(),
            "status": "pending",
            "attempts": 0,
            "next_attempt_at": record.at,
            "exercise_id": exercise_id,
        }
        for effect in dict.fromkeys(e for e in effects if isinstance(e, Notify))
    ]
    if rows:
        conn.execute(insert(tables.outbox), rows)
    return transition_id


def _json_value(value: Any) -> Any:
    """Values orjson does not write itself, as PostgreSQL reads them from JSON text (bytea in hex form)."""
    if isinstance(value, bytes | bytearray | memoryview):
        return "\\x" + bytes(value).hex()
    raise TypeError(f"cannot store {type(value).__name__} through JSON")


def _row(values: Any) -> str:
    """One row (or a list of rows) as one JSON parameter for ``json_populate_record``."""
    return orjson.dumps(values, default=_json_value).decode()


@lru_cache(maxsize=64)
def _received_statement(
    alert_columns: tuple[str, ...], report_columns: tuple[str, ...], notifications: bool
) -> str:
    """One PostgreSQL statement storing a new alert with its transition, notifications, report and audit entry
    (data-modifying CTEs, all or nothing): one round trip instead of five per intake. Each row is one JSON
    parameter read by ``json_populate_record`` into the table's own row type (so every value gets its column's
    type), which keeps the statement short and its parameters few: psycopg converts it once and prepares it."""
    transition_columns = ("at", "actor", "role", "action", "from_state", "to_state", "reason", "detail")
    audit_columns = ("at", "actor", "role", "action", "entity", "entity_id", "detail", "client")

    def listed(columns: tuple[str, ...], alias: str) -> str:
        return ", ".join(f"{alias}.{c}" for c in columns)

    parts = [
        f"a AS (INSERT INTO alerts ({', '.join(alert_columns)}) SELECT {listed(alert_columns, 'j')} "
        "FROM json_populate_record(NULL::alerts, %(alert)s::json) AS j RETURNING alert_id)",
        f"t AS (INSERT INTO alert_transitions (alert_id, {', '.join(transition_columns)}) "
        f"SELECT a.alert_id, {listed(transition_columns, 'j')} FROM a "
        "CROSS JOIN json_populate_record(NULL::alert_transitions, %(transition)s::json) AS j "
        "RETURNING alert_id, transition_id)",
        f"r AS (INSERT INTO alert_reports (alert_id, {', '.join(report_columns)}) "
        f"SELECT a.alert_id, {listed(report_columns, 'j')} FROM a "
        "CROSS JOIN json_populate_record(NULL::alert_reports, %(report)s::json) AS j RETURNING report_id)",
        f"u AS (INSERT INTO audit_log ({', '.join(audit_columns)}) SELECT {listed(audit_columns, 'j')} "
        "FROM json_populate_record(NULL::audit_log, %(audit)s::json) AS j)",
    ]
    if notifications:
        parts.append(
            "o AS (INSERT INTO outbox (dedupe_key, created_at, alert_id, kind, target, payload, status, attempts, "
            "next_attempt_at, exercise_id) "
            "SELECT t.alert_id || ':' || t.transition_id || ':' || n.kind || ':' || n.target, n.created_at, "
            "t.alert_id, n.kind, n.target, n.payload, 'pending', 0, n.created_at, n.exercise_id "
            "FROM t CROSS JOIN json_populate_recordset(NULL::outbox, %(outbox)s::json) AS n)"
        )
    return "WITH " + ", ".join(parts) + " SELECT a.alert_id, r.report_id FROM a CROSS JOIN r"


def insert_received(
    conn: Connection,
    state: AlertState,
    columns: dict[str, Any],
    now: datetime,
    effects: Sequence[TransitionRecorded | Notify],
    payload: dict[str, Any],
    report: dict[str, Any],
    audit_entry: dict[str, Any],
) -> tuple[int, int]:
    """Store a new alert, its transition, its notifications, its report and its audit entry; (alert id, report id).

    On PostgreSQL one statement does it all (the intake's write in one round trip); elsewhere the same rows are
    written one statement at a time. Either way they commit or roll back with the caller's transaction.
    """
    if conn.dialect.name != "postgresql":
        alert_id = insert_alert(conn, state, columns, now)
        record_effects(conn, alert_id, effects, payload, columns.get("exercise_id"))
        report_id = insert_report(conn, alert_id, report)
        conn.execute(insert(tables.audit_log), audit_entry)
        return alert_id, report_id
    records = [e for e in effects if isinstance(e, TransitionRecorded)]
    assert len(records) == 1, "a new alert has exactly one transition"
    record = records[0]
    notifications = [
        {
            "kind": effect.kind,
            "target": effect.target,
            "payload": orjson.dumps({**payload, "kind": effect.kind, "reason": effect.reason}).decode(),
            "created_at": record.at,
            "exercise_id": columns.get("exercise_id"),
        }
        for effect in dict.fromkeys(e for e in effects if isinstance(e, Notify))
    ]
    alert_values = {**state_columns(state, now), **columns, "version": 1}
    transition = {
        "at": record.at, "actor": record.actor, "role": record.role, "action": record.action.value,
        "from_state": record.from_status.value, "to_state": record.to_status.value, "reason": record.reason,
        "detail": orjson.dumps(dict(record.detail)).decode(),
    }  # fmt: skip
    params = {
        "alert": _row(alert_values),
        "transition": _row(transition),
        "report": _row(report),
        "audit": _row(audit_entry),
        "outbox": _row(notifications),
    }
    statement = _received_statement(tuple(alert_values), tuple(report), bool(notifications))
    if not notifications:
        del params["outbox"]
    alert_id, report_id = conn.exec_driver_sql(statement, params).one()
    return int(alert_id), int(report_id)


def insert_report(conn: Connection, alert_id: int, values: dict[str, Any]) -> int:
    """Store one report of an alert; returns its id."""
    return int(conn.execute(_INSERT_REPORT, {"alert_id": alert_id, **values}).scalar_one())


def find_report(conn: Connection, channel: str, external_id: str) -> Any:
    """A report already received from this channel with this id (a gateway's retry)."""
    reports = tables.alert_reports
    return conn.execute(
        select(reports.c.report_id, reports.c.alert_id, ALERTS.c.reference, ALERTS.c.state, ALERTS.c.body_id)
        .join(ALERTS, ALERTS.c.alert_id == reports.c.alert_id)
        .where(reports.c.channel == channel, reports.c.external_id == external_id)
    ).first()


_OPEN_LITERALS: list[ColumnElement[str]] = [literal_column(f"'{status}'") for status in OPEN]
"""The open statuses written into the statement (fixed words): no list parameter to expand on every intake."""


def _candidate_rows() -> Select[Any]:
    """Reports of open alerts of one area within the merge window (the oldest alerts' first, at most 500)."""
    reports = tables.alert_reports
    return (
        select(reports.c.alert_id, reports.c.received_at, reports.c.text)
        .join(ALERTS, ALERTS.c.alert_id == reports.c.alert_id)
        .where(
            ALERTS.c.pcode == bindparam("pcode"),
            ALERTS.c.state.in_(_OPEN_LITERALS),
            reports.c.received_at >= bindparam("start", type_=reports.c.received_at.type),
            reports.c.received_at <= bindparam("end", type_=reports.c.received_at.type),
        )
        .order_by(reports.c.alert_id)
        .limit(500)
    )


def _exercise_condition(exercise: bool) -> ColumnElement[bool]:
    return ALERTS.c.exercise_id == bindparam("exercise_id") if exercise else ALERTS.c.exercise_id.is_(None)


_CANDIDATES = {exercise: _candidate_rows().where(_exercise_condition(exercise)) for exercise in (False, True)}
"""The merge-candidate query for live alerts and for an exercise's, built once (bound values per intake)."""


def _lookup(exercise: bool) -> CompoundSelect[Any]:
    """The intake's one read: a row flagged ``duplicate`` when this channel already stored this external id (a
    gateway's retry), then the merge candidates' report rows, in one round trip instead of two."""
    reports = tables.alert_reports
    duplicate = select(
        literal(1).label("duplicate"), reports.c.alert_id, reports.c.received_at, null().label("text")
    ).where(reports.c.channel == bindparam("channel"), reports.c.external_id == bindparam("external_id"))
    candidates = _CANDIDATES[exercise].subquery()  # a subquery: SQLite allows no LIMIT inside a UNION member
    return union_all(
        duplicate,
        select(literal(0), candidates.c.alert_id, candidates.c.received_at, candidates.c.text),
    ).order_by(
        literal_column("duplicate").desc(), literal_column("alert_id")
    )  # a union keeps no order itself


_LOOKUPS = {exercise: _lookup(exercise) for exercise in (False, True)}


def _candidates_of(pcode: str, rows: Iterable[Any]) -> list[Candidate]:
    """Report rows (alert id, received at, text) grouped into one candidate per alert, in the rows' order."""
    latest: dict[int, datetime] = {}
    texts: dict[int, list[str]] = {}
    for (
        alert_id,
        at,
        text,
    ) in rows:  # one backend's times compare as stored: made UTC once per alert, not per row
        if alert_id in texts:
            texts[alert_id].append(text)
            latest[alert_id] = max(latest[alert_id], at)
        else:
            texts[alert_id] = [text]
            latest[alert_id] = at
    return [
        Candidate(alert_id, pcode, as_utc(latest[alert_id]), tuple(said)) for alert_id, said in texts.items()
    ]


def merge_candidates(
    conn: Connection, pcode: str, received_at: datetime, window: timedelta, exercise_id: int | None
) -> list[Candidate]:
    """Open alerts of this area with a report within ``window`` of ``received_at``, with their texts."""
    rows = conn.execute(
        _CANDIDATES[exercise_id is not None],
        {
            "pcode": pcode,
            "start": received_at - window,
            "end": received_at + window,
            "exercise_id": exercise_id,
        },
    ).all()
    return _candidates_of(pcode, rows)


def intake_lookup(
    conn: Connection,
    channel: str,
    external_id: str,
    pcode: str | None,
    received_at: datetime,
    window: timedelta,
    exercise_id: int | None,
) -> tuple[bool, list[Candidate]]:
    """Whether this channel already stored a report with this id, and the merge candidates of ``pcode`` (as
    :func:`merge_candidates`; none without a place or a window), read in one statement."""
    rows = conn.execute(
        _LOOKUPS[exercise_id is not None],
        {
            "channel": channel, "external_id": external_id, "pcode": pcode, "start": received_at - window,
            "end": received_at + window, "exercise_id": exercise_id,
        },
    ).all()  # fmt: skip
    duplicate = bool(rows) and bool(rows[0][0])  # the duplicate's row sorts first
    if pcode is None or window <= timedelta(0):
        return duplicate, []
    return duplicate, _candidates_of(pcode, (row[1:] for row in rows[int(duplicate) :]))


def scope_condition(user: User) -> ColumnElement[bool] | None:
    """The SQL condition limiting alerts to the user's area (None for mission-wide roles): ``in_area`` in SQL, for
    every alert list and count (their field office's, or placed under one of their area P-codes)."""
    if user.mission_wide:
        return None
    conditions: list[ColumnElement[bool]] = []
    if user.field_office:
        conditions.append(ALERTS.c.field_office == user.field_office)
    conditions += [ALERTS.c.pcode.startswith(area, autoescape=True) for area in user.area_pcodes]
    return or_(*conditions) if conditions else false()


def _conditions(user: User, chosen: AlertFilter, fuzzed: bool) -> list[ColumnElement[bool]]:
    """The filter as SQL; ``fuzzed``: places are matched on the fuzzed columns only (never the true place)."""
    latitude = ALERTS.c.fuzzed_latitude if fuzzed else ALERTS.c.latitude
    longitude = ALERTS.c.fuzzed_longitude if fuzzed else ALERTS.c.longitude
    pcode = ALERTS.c.fuzzed_pcode if fuzzed else ALERTS.c.pcode
    conditions: list[ColumnElement[bool]] = [
        ALERTS.c.exercise_id.is_(None)
        if chosen.exercise_id is None
        else ALERTS.c.exercise_id == chosen.exercise_id
    ]
    scope = scope_condition(user)
    if scope is not None:
        conditions.append(scope)
    if chosen.states:
        conditions.append(ALERTS.c.state.in_(chosen.states))
    if chosen.open_only:
        conditions.append(ALERTS.c.state.in_(OPEN))
    for column, value in (
        (ALERTS.c.field_office, chosen.field_office),
        (ALERTS.c.urgency, chosen.urgency),
        (ALERTS.c.threat_type, chosen.threat_type),
    ):
        if value is not None:
            conditions.append(column == value)
    if chosen.pcode:
        conditions.append(pcode.startswith(chosen.pcode, autoescape=True))
    if chosen.bbox:
        min_lon, min_lat, max_lon, max_lat = chosen.bbox
        conditions.append(and_(longitude.between(min_lon, max_lon), latitude.between(min_lat, max_lat)))
    if chosen.start:
        conditions.append(ALERTS.c.received_at >= chosen.start)
    if chosen.end:
        conditions.append(ALERTS.c.received_at <= chosen.end)
    if chosen.overdue_at:
        conditions.append(and_(ALERTS.c.due_at < chosen.overdue_at, ALERTS.c.state.in_(OPEN)))
    return conditions


URGENCY_ORDER = {"immediate": 0, "high": 1, "routine": 2}


def list_alerts(
    conn: Connection, user: User, chosen: AlertFilter, *, limit: int, offset: int, fuzzed: bool
) -> tuple[list[Row[Any]], int]:
    """The user's alerts matching the filter, most urgent and soonest due first, and how many match.

    ``fuzzed``: the area and box filters match the fuzzed place (see pochub.services.alert_views.alert_access).
    """
    conditions = _conditions(user, chosen, fuzzed)
    total = int(conn.execute(select(func.count()).select_from(ALERTS).where(*conditions)).scalar_one())
    urgency_rank = case(URGENCY_ORDER, value=ALERTS.c.urgency, else_=3)
    rows = conn.execute(
        select(ALERTS)
        .where(*conditions)
        .order_by(ALERTS.c.due_at.is_(None), urgency_rank, ALERTS.c.due_at, ALERTS.c.alert_id.desc())
        .limit(limit)
        .offset(offset)
    ).all()
    return list(rows), total


def overdue(conn: Connection, before: datetime, limit: int = 500) -> list[int]:
    """Ids of open alerts whose deadline passed before ``before`` (locked and skipped when busy on PostgreSQL)."""
    query = (
        select(ALERTS.c.alert_id)
        .where(ALERTS.c.state.in_(OPEN), ALERTS.c.due_at < before, ALERTS.c.exercise_id.is_(None))
        .order_by(ALERTS.c.due_at)
        .limit(limit)
    )
    if conn.dialect.name == "postgresql":
        query = query.with_for_update(skip_locked=True)
    return [int(i) for i in conn.execute(query).scalars()]


def transitions(conn: Connection, alert_id: int) -> list[Row[Any]]:
    """The alert's history, oldest first."""
    history = tables.alert_transitions
    return list(
        conn.execute(
            select(history)
            .where(history.c.alert_id == alert_id)
            .order_by(history.c.at, history.c.transition_id)
        ).all()
    )


def reports_of(conn: Connection, alert_id: int) -> list[Row[Any]]:
    """The alert's reports, oldest first."""
    reports = tables.alert_reports
    return list(
        conn.execute(
            select(reports)
            .where(reports.c.alert_id == alert_id)
            .order_by(reports.c.received_at, reports.c.report_id)
        ).all()
    )

"""Alert use cases: intake (with merging), lifecycle actions, escalation of overdue alerts.

Each use case is one transaction: the alert, its report, its transition, its outbox rows and the audit entry
are committed together or not at all, and intake answers its caller only after that commit, so an alert that
was acknowledged to a sender is never lost. Routing, deadlines and escalation come from the mission's current
coordination structure.
"""

from __future__ import annotations

import secrets
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from typing import Any

import numpy as np
from sqlalchemy import Connection, Engine, func, select, update
from sqlalchemy.exc import DBAPIError, IntegrityError

from pochub.config import Settings
from pochub.core.geography.areas import AreaIndex, assign_finest
from pochub.core.models.access import User, in_area
from pochub.core.models.alerts import AlertState, Report, Urgency
from pochub.core.text import N_, Message
from pochub.core.warning.staff_sms import StaffSms
from pochub.core.workflow.lifecycle import (
    SYSTEM,
    Action,
    Actor,
    Effect,
    Escalate,
    MergeReport,
    apply,
    receive,
)
from pochub.core.workflow.merging import matching_alert
from pochub.core.workflow.rules import StructureRules
from pochub.errors import Conflict, Forbidden, InvalidInput, NotFound
from pochub.services.places import place_indexes
from pochub.services.protection import Protector, normalise_number
from pochub.services.staff_sms import StaffReading, read_from_staff
from pochub.services.structures import current_structure
from pochub.store import alert_repository as repository
from pochub.store import audit, tables
from pochub.store.database import begin_unpinged, engine_key, retryable

STRUCTURE_TTL_SECONDS = 5.0
AREAS_TTL_SECONDS = 300.0


@dataclass(frozen=True)
class IntakeResult:
    """What intake tells the caller once the alert is committed."""

    reference: str
    alert_id: int
    report_id: int
    merged: bool
    duplicate: bool
    state: str
    body_id: str
    field_office: str | None
    due_at: datetime | None
    staff_sms: StaffSms | None = None
    """The structured SMS of a registered staff number as read (None for any other report): the answer to its
    sender is ``core.warning.staff_sms.reply`` in its language, never the ordinary one."""

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready figures (ids and times as strings where needed)."""
        return {
            "reference": self.reference,
            "merged": self.merged,
            "duplicate": self.duplicate,
            "state": self.state,
            "body": self.body_id,
            "field_office": self.field_office,
            "due_at": self.due_at.isoformat() if self.due_at else None,
        }


class _Cache:
    """Per-database values that change rarely (the structure, the admin areas), refreshed after a short time.

    Keyed by the database URL, not the engine object: an engine's id() can be reused by a later engine of
    another database in the same process, which would then be served the first one's structure.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._values: dict[tuple[str, str], tuple[float, Any]] = {}

    def get(self, conn: Connection, name: str, ttl: float, load: Callable[[], Any]) -> Any:
        now = time.monotonic()
        key = (engine_key(conn.engine), name)
        with self._lock:
            found = self._values.get(key)
        if found is not None and now - found[0] < ttl:
            return found[1]
        value = load()
        with self._lock:
            self._values[key] = (now, value)
        return value


CACHE = _Cache()


def _load_rules(conn: Connection) -> StructureRules:
    """The rules of the mission's current (latest stored) coordination structure."""
    structure = current_structure(conn)
    if structure is None:
        raise InvalidInput(
            "no coordination structure is stored: alerts are routed by it "
            "(`pochub structure import FILE`, or `pochub demo`)"
        )
    return StructureRules(structure)


def rules_for(conn: Connection) -> StructureRules:
    """The current structure's rules (cached a few seconds per engine)."""
    return CACHE.get(conn, "rules", STRUCTURE_TTL_SECONDS, lambda: _load_rules(conn))  # type: ignore[no-any-return]


def _area_indexes(conn: Connection) -> list[AreaIndex]:
    """An index per stored admin level, finest first (cached): where reports take their P-code."""
    return CACHE.get(conn, "areas", AREAS_TTL_SECONDS, lambda: place_indexes(conn))  # type: ignore[no-any-return]


def _place(
    conn: Connection, report: Report, tolerance_km: float
) -> tuple[str | None, float | None, float | None]:
    """The report's P-code and coordinates: given, from its community, or from the finest stored area holding
    the point (else the nearest within ``tolerance_km``; beyond, none), as every place's area is found."""
    pcode, lat, lon = report.pcode, report.latitude, report.longitude
    if report.community_id and (pcode is None or lat is None):
        community = conn.execute(
            select(
                tables.communities.c.pcode, tables.communities.c.latitude, tables.communities.c.longitude
            ).where(tables.communities.c.community_id == report.community_id)
        ).first()
        if community is not None:
            pcode = pcode or community.pcode
            if lat is None or lon is None:
                lat, lon = community.latitude, community.longitude
    if pcode is None and lat is not None and lon is not None:
        indexes = _area_indexes(conn)
        if indexes:
            pcode = assign_finest(indexes, np.array([lat]), np.array([lon]), tolerance_km).pcodes[0]
    return pcode, lat, lon


def fuzzed_place(
    conn: Connection,
    protector: Protector,
    km: float,
    reference: str,
    latitude: float | None,
    longitude: float | None,
    pcode: str | None,
) -> tuple[float | None, float | None, str | None]:
    """The alert's place as the roles that see fuzzed places (and every export) see it, stored at intake.

    The point is moved by up to ``km`` under the secret key (Protector.fuzz_location); its area is the area the
    moved point falls in (the true area when the moved point falls outside every stored area, and for an alert
    placed by area only, which has no point to move).
    """
    if latitude is None or longitude is None:
        return None, None, pcode
    moved_latitude, moved_longitude = protector.fuzz_location(latitude, longitude, km, reference)
    moved_pcode = pcode
    indexes = _area_indexes(conn)
    if indexes and km > 0:
        codes, _ = indexes[0].locate(np.array([moved_latitude]), np.array([moved_longitude]))
        moved_pcode = codes[0] or pcode
    return moved_latitude, moved_longitude, moved_pcode


def fill_fuzzed_places(engine: Engine, settings: Settings, *, every: bool = False) -> int:
    """Store the fuzzed place of alerts that lack one (``every``: of all alerts, after a key or radius change).

    Alerts stored before the fuzzed columns existed get theirs when the server starts; the number filled.
    """
    with engine.begin() as conn:
        return refuzz(conn, Protector(settings.secret_key), settings.location_fuzz_km, every=every)


def refuzz(conn: Connection, protector: Protector, km: float, *, every: bool = True) -> int:
    """Recompute the stored fuzzed places inside the caller's transaction (a key rotation calls it with the
    new key: offsets derived from a retired key must not outlive it); the number of alerts recomputed."""
    alerts = tables.alerts
    query = select(
        alerts.c.alert_id, alerts.c.reference, alerts.c.latitude, alerts.c.longitude, alerts.c.pcode
    )
    if not every:
        query = query.where(
            alerts.c.fuzzed_pcode.is_(None)
            | (alerts.c.latitude.is_not(None) & alerts.c.fuzzed_latitude.is_(None))
        )
    filled = 0
    for row in conn.execute(query).all():
        fuzzed_latitude, fuzzed_longitude, fuzzed_pcode = fuzzed_place(
            conn, protector, km, row.reference, row.latitude, row.longitude, row.pcode
        )
        conn.execute(
            update(alerts)
            .where(alerts.c.alert_id == row.alert_id)
            .values(
                fuzzed_latitude=fuzzed_latitude, fuzzed_longitude=fuzzed_longitude, fuzzed_pcode=fuzzed_pcode
            )
        )
        filled += 1
    return filled


def _reference(received_at: datetime) -> str:
    """A short reference a CLA can read over the phone: date and eight random base-32 letters."""
    alphabet = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # 32 letters: a byte's low five bits pick one uniformly
    return f"A{received_at:%y%m%d}-" + "".join(alphabet[byte & 31] for byte in secrets.token_bytes(8))


def _payload(reference: str, state: AlertState) -> dict[str, Any]:
    """What a notification says about an alert: never who sent it."""
    return {
        "reference": reference,
        "state": state.status.value,
        "urgency": state.urgency.value,
        "threat_type": state.threat_type,
        "pcode": state.pcode,
        "field_office": state.field_office,
        "body": state.body_id,
        "escalation_level": state.escalation_level,
        "next_step": state.next_step,
        "due_at": state.due_at.isoformat() if state.due_at else None,
    }


def _report_values(
    report: Report, protector: Protector, pcode: str | None, recorded_by: str
) -> dict[str, Any]:
    number = normalise_number(report.sender_number) if report.sender_number else None
    return {
        "received_at": report.received_at,
        "channel": report.channel.value,
        "external_id": report.external_id,
        "text": report.text,
        "sender_name": protector.encrypt(report.sender_name),
        "sender_number": protector.encrypt(number),
        "latitude": report.latitude,
        "longitude": report.longitude,
        "pcode": pcode,
        "recorded_by": recorded_by,
    }


def without_nul(report: Report) -> Report:
    """``report`` with NUL characters removed from every text field.

    PostgreSQL refuses NUL in text and SQLite cuts some readers off at it, so an SMS holding one was lost on
    one backend and truncated on the other; removed here, it is stored the same way on both, and kept.
    """
    cleaned = {
        name: value.replace("\x00", "")
        for name, value in report.__dict__.items()
        if isinstance(value, str) and "\x00" in value
    }
    return Report(**{**report.__dict__, **cleaned}) if cleaned else report


def _existing(conn: Connection, report: Report) -> IntakeResult | None:
    found = repository.find_report(conn, report.channel.value, report.external_id)
    if found is None:
        return None
    row = conn.execute(select(tables.alerts).where(tables.alerts.c.alert_id == found.alert_id)).one()
    return IntakeResult(
        row.reference, row.alert_id, found.report_id, False, True, row.state, row.body_id, row.field_office,
        repository.utc(row.due_at),
    )  # fmt: skip


def _intake_audit(
    actor: Actor, report: Report, reference: str, merged: bool, at: datetime, staff: str | None = None
) -> dict[str, Any]:
    """The audit entry of one intake (``staff``: the user whose registered number sent a structured SMS; never
    the number)."""
    detail = f"intake {report.channel.value}" + (" (merged)" if merged else "")
    if staff is not None:
        detail += f", structured SMS from staff user {staff}"
    return {
        "actor": actor.username, "role": actor.role, "action": "write", "entity": "alert", "entity_id": reference,
        "detail": detail, "at": at,
    }  # fmt: skip


def _receive_in(
    conn: Connection,
    settings: Settings,
    report: Report,
    actor: Actor,
    now: datetime,
    exercise_id: int | None,
    staff: str | None = None,
) -> tuple[IntakeResult, bool]:
    """Intake inside the caller's transaction; the result and whether its audit entry is written already.

    The place is found first (in process, or from the report's community), so that the retry check and the merge
    candidates are read in one statement (:func:`repository.intake_lookup`)."""
    pcode, lat, lon = _place(conn, report, settings.area_tolerance_km)
    window = timedelta(hours=settings.merge_window_hours)
    duplicate, candidates = repository.intake_lookup(
        conn, report.channel.value, report.external_id, pcode, report.received_at, window, exercise_id
    )
    previous = _existing(conn, report) if duplicate else None
    if previous is not None:
        return previous, False
    rules = rules_for(conn)
    protector = Protector(settings.secret_key)
    placed = Report(**{**report.__dict__, "pcode": pcode, "latitude": lat, "longitude": lon})
    values = _report_values(placed, protector, pcode, actor.username)
    target = None
    if pcode is not None and window > timedelta(0):
        target = matching_alert(
            text=report.text,
            pcode=pcode,
            received_at=report.received_at,
            candidates=candidates,
            window=window,
            threshold=settings.merge_similarity,
        )
    if target is not None:
        row = repository.lock_alert_by_id(conn, target)
        state, effects = apply(
            repository.state_from_row(row), MergeReport(), Actor(actor.username, SYSTEM), now, rules=rules
        )
        repository.save_state(conn, row.alert_id, row.version, state, now)
        repository.record_effects(conn, row.alert_id, effects, _payload(row.reference, state), exercise_id)
        report_id = repository.insert_report(conn, row.alert_id, values)
        return IntakeResult(
            row.reference, row.alert_id, report_id, True, False, state.status.value, state.body_id,
            state.field_office, state.due_at,
        ), False  # fmt: skip
    state, effects = receive(
        received_at=report.received_at,
        urgency=report.urgency or Urgency.HIGH,
        threat_type=report.threat_type,
        pcode=pcode,
        rules=rules,
        actor=actor,
    )
    reference = _reference(report.received_at)
    fuzzed_latitude, fuzzed_longitude, fuzzed_pcode = fuzzed_place(
        conn, protector, settings.location_fuzz_km, reference, lat, lon, pcode
    )
    alert_id, report_id = repository.insert_received(
        conn,
        state,
        {
            "reference": reference,
            "received_at": report.received_at,
            "channel": report.channel.value,
            "alert_network": report.alert_network,
            "text": report.text,
            "location_text": report.location_text,
            "latitude": lat,
            "longitude": lon,
            "community_id": report.community_id,
            "fuzzed_latitude": fuzzed_latitude,
            "fuzzed_longitude": fuzzed_longitude,
            "fuzzed_pcode": fuzzed_pcode,
            "sender_name": values["sender_name"],
            "sender_number": values["sender_number"],
            "sender_key": protector.sender_key(report.sender_number),
            "exercise_id": exercise_id,
        },
        now,
        effects,
        _payload(reference, state),
        values,
        audit.entry(**_intake_audit(actor, report, reference, False, now, staff)),
    )
    return IntakeResult(
        reference, alert_id, report_id, False, False, state.status.value, state.body_id, state.field_office,
        state.due_at,
    ), True  # fmt: skip


def receive_report(
    engine: Engine,
    settings: Settings,
    report: Report,
    *,
    actor: Actor,
    now: datetime | None = None,
    exercise_id: int | None = None,
    structured: bool = False,
) -> IntakeResult:
    """Store a community's report as a new alert or as another report of an open one; committed on return.

    The same report posted twice (a gateway's retry, the same ``external_id`` on the same channel) returns the
    first result and stores nothing new; two concurrent posts of one report are settled by the unique key.

    ``structured`` (an SMS gateway's post): a report from a registered staff number whose first word is the
    structured SMS's keyword is read into its place, threat type and urgency in the same transaction
    (:func:`pochub.services.staff_sms.read_from_staff`), and the result carries the SMS as read for the answer.
    A retry reads it again the same way, so it is answered the same. Any other sender's report is stored as it came.
    """
    moment = now or datetime.now(UTC)
    report = without_nul(report)
    reading: list[StaffReading | None] = [None]  # set by the transaction: a retry's answer is read the same
    try:
        try:
            return _receive_once(engine, settings, report, actor, moment, exercise_id, structured, reading)
        except DBAPIError as exc:
            if isinstance(exc, IntegrityError) or not retryable(exc):
                raise
            # the pooled connection had died (its check-out skips the ping): nothing was committed, so once more
            return _receive_once(engine, settings, report, actor, moment, exercise_id, structured, reading)
    except IntegrityError:
        with engine.connect() as conn:
            again = _existing(conn, report)
        if again is None:
            raise
        return _with_sms(again, reading[0])


def _receive_once(
    engine: Engine,
    settings: Settings,
    report: Report,
    actor: Actor,
    moment: datetime,
    exercise_id: int | None,
    structured: bool,
    reading: list[StaffReading | None],
) -> IntakeResult:
    """One intake transaction, begun without the pool's ping (a round trip fewer; ``receive_report`` retries
    once on a connection found dead); ``reading[0]``: the staff SMS as read, if any."""
    with begin_unpinged(engine) as conn:
        if structured and exercise_id is None:
            report, reading[0] = read_from_staff(
                conn, Protector(settings.secret_key), report, settings.country_code
            )
        staff = reading[0].user.username if reading[0] is not None else None
        result, audited = _receive_in(conn, settings, report, actor, moment, exercise_id, staff)
        if not audited:
            audit.record(conn, **_intake_audit(actor, report, result.reference, result.merged, moment, staff))
        return _with_sms(result, reading[0])


def _with_sms(result: IntakeResult, reading: StaffReading | None) -> IntakeResult:
    """``result`` carrying the structured SMS it was read from, if any."""
    return result if reading is None else replace(result, staff_sms=reading.sms)


def visible_alert(conn: Connection, reference: str, user: User) -> Any:
    """The alert row (locked on PostgreSQL); NotFound, or Forbidden outside the user's area."""
    row = repository.lock_alert(conn, reference)
    if row is None:
        raise NotFound(f"no alert {reference!r}")
    if not in_area(user, pcode=row.pcode, field_office=row.field_office):
        raise Forbidden(
            Message(N_("alert {reference} is outside your area of responsibility"), reference=reference)
        )
    return row


def act(
    engine: Engine,
    settings: Settings,
    reference: str,
    action: Action,
    user: User,
    *,
    now: datetime | None = None,
    exercise: bool = False,
) -> AlertState:
    """Take one lifecycle action on an alert as ``user``; refused actions change nothing.

    Exercise alerts live on exercise time and are played through the exercise (``exercise=True``, as
    pochub.services.exercises does); the operational routes refuse them so that the two never mix.
    """
    moment = now or datetime.now(UTC)
    with engine.begin() as conn:
        row = visible_alert(conn, reference, user)
        if (row.exercise_id is not None) != exercise:
            raise Conflict(
                f"alert {reference} is an exercise alert: play it through its exercise"
                if row.exercise_id is not None
                else f"alert {reference} is an operational alert, not part of an exercise"
            )
        state, effects = apply(
            repository.state_from_row(row),
            action,
            Actor(user.username, user.role.value),
            moment,
            rules=rules_for(conn),
        )
        repository.save_state(conn, row.alert_id, row.version, state, moment)
        repository.record_effects(conn, row.alert_id, effects, _payload(reference, state), row.exercise_id)
        audit.record(
            conn, actor=user.username, role=user.role.value, action="write", entity="alert", entity_id=reference,
            detail=action.name.value, at=moment,
        )  # fmt: skip
    return state


def escalate_overdue(
    engine: Engine, *, now: datetime | None = None, worker: str = "escalation-worker"
) -> list[str]:
    """Escalate every open alert whose deadline (plus the structure's grace) has passed; their references."""
    moment = now or datetime.now(UTC)
    escalated: list[str] = []
    with engine.begin() as conn:
        rules = rules_for(conn)
        for alert_id in repository.overdue(conn, moment - rules.grace):
            row = repository.lock_alert_by_id(conn, alert_id)
            effects: tuple[Effect, ...]
            state, effects = apply(
                repository.state_from_row(row), Escalate(), Actor(worker, SYSTEM), moment, rules=rules
            )
            repository.save_state(conn, row.alert_id, row.version, state, moment)
            repository.record_effects(
                conn, row.alert_id, effects, _payload(row.reference, state), row.exercise_id
            )
            audit.record(
                conn, actor=worker, role=SYSTEM, action="write", entity="alert", entity_id=row.reference,
                detail=f"escalated to {state.body_id} (level {state.escalation_level})", at=moment,
            )  # fmt: skip
            escalated.append(row.reference)
    return escalated


def count_alerts(engine: Engine) -> int:
    """Operational alerts in the store (exercise alerts are never counted)."""
    with engine.connect() as conn:
        return int(
            conn.execute(
                select(func.count()).select_from(tables.alerts).where(tables.alerts.c.exercise_id.is_(None))
            ).scalar_one()
        )

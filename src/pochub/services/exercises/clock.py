"""The exercise clock (start, pause, speed, advance, finish), delivery of the injects falling due to every
team, escalation on exercise time, and the exercise's status."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

import orjson
from sqlalchemy import Engine, insert, select, update
from sqlalchemy.exc import IntegrityError

from pochub.config import Settings
from pochub.core.exercise.clock import ClockStatus
from pochub.core.exercise.scenario import InjectKind
from pochub.core.models.access import User
from pochub.core.models.alerts import (
    Channel,
    Report,
    Urgency,
)
from pochub.core.text import N_
from pochub.core.workflow.lifecycle import (
    SYSTEM,
    Actor,
    Escalate,
    apply,
)
from pochub.errors import InvalidTransition
from pochub.services import alerts as alert_service
from pochub.services.exercises.records import (
    DELIVERIES,
    EX,
    FACILITATOR,
    INJECTS,
    MEMBERS,
    OPEN,
    aware,
    clock_of,
    clock_values,
    exercise_row,
    real_moment,
    require_facilitator,
    team_rows,
)
from pochub.store import alert_repository, audit, tables


def _set_clock(
    engine: Engine, exercise_id: int, user: User, change: str, now: datetime | None, **values: Any
) -> dict[str, Any]:
    require_facilitator(user)
    moment = real_moment(now)
    with engine.begin() as conn:
        row = exercise_row(conn, exercise_id)
        clock = clock_of(row)
        if change == "start":
            if not team_rows(conn, exercise_id):
                raise InvalidTransition(N_("add at least one team before starting the exercise"))
            clock = clock.started(moment)
        elif change == "pause":
            clock = clock.paused(moment)
        elif change == "speed":
            clock = clock.with_speed(moment, float(values["speed"]))
        elif change == "advance":
            clock = clock.advanced(moment, timedelta(hours=float(values["hours"])))
        elif change == "finish":
            clock = clock.finished(moment)
        conn.execute(update(EX).where(EX.c.exercise_id == exercise_id).values(**clock_values(clock)))
        audit.record(
            conn, actor=user.username, role=user.role.value, action="write", entity="exercise",
            entity_id=str(exercise_id), detail=f"clock {change} at exercise time {clock.now(moment).isoformat()}",
            at=moment,
        )  # fmt: skip
    return (
        tick(engine, exercise_id, now=now)
        if change != "finish"
        else exercise_status(engine, exercise_id, now=now)
    )


def start(engine: Engine, exercise_id: int, user: User, *, now: datetime | None = None) -> dict[str, Any]:
    """Start or resume the exercise clock; injects due are delivered at once."""
    return _set_clock(engine, exercise_id, user, "start", now)


def pause(engine: Engine, exercise_id: int, user: User, *, now: datetime | None = None) -> dict[str, Any]:
    """Stop exercise time (trainees cannot act while it is paused)."""
    return _set_clock(engine, exercise_id, user, "pause", now)


def set_speed(
    engine: Engine, exercise_id: int, user: User, speed: float, *, now: datetime | None = None
) -> dict[str, Any]:
    """Run the clock at ``speed`` exercise seconds per real second from now on."""
    return _set_clock(engine, exercise_id, user, "speed", now, speed=speed)


def advance(
    engine: Engine, exercise_id: int, user: User, hours: float, *, now: datetime | None = None
) -> dict[str, Any]:
    """Move exercise time on by ``hours`` (injects falling due are delivered, overdue alerts escalate)."""
    return _set_clock(engine, exercise_id, user, "advance", now, hours=hours)


def finish(engine: Engine, exercise_id: int, user: User, *, now: datetime | None = None) -> dict[str, Any]:
    """End the exercise; exercise time stops where it is."""
    tick(engine, exercise_id, now=now)
    return _set_clock(engine, exercise_id, user, "finish", now)


def _deliver(engine: Engine, settings: Settings, inject: Any, team_id: int, moment: datetime) -> None:
    """One inject to one team: an alert through the normal intake, or a situation message."""
    reference = None
    if InjectKind(inject.kind) in (InjectKind.COMMUNITY_ALERT, InjectKind.RUMOUR, InjectKind.EVENT):
        report = Report(
            channel=Channel.EXERCISE,
            external_id=f"exercise:{inject.inject_id}:{team_id}",
            received_at=aware(inject.at),
            text=inject.text,
            latitude=inject.latitude,
            longitude=inject.longitude,
            pcode=inject.pcode,
            community_id=inject.community_id,
            urgency=Urgency(inject.urgency) if inject.urgency else None,
            alert_network="exercise",
        )
        result = alert_service.receive_report(
            engine, settings, report, actor=Actor(FACILITATOR, SYSTEM), now=moment, exercise_id=team_id
        )
        reference = result.reference
    try:
        with engine.begin() as conn:
            conn.execute(
                insert(DELIVERIES).values(
                    inject_id=inject.inject_id,
                    team_id=team_id,
                    alert_reference=reference,
                    delivered_at=aware(inject.at),
                )
            )
    except IntegrityError:
        pass  # delivered by a concurrent tick: intake returned the same alert


def _escalate(engine: Engine, team_ids: Sequence[int], moment: datetime) -> list[str]:
    """Escalate the teams' overdue alerts on exercise time (the operational worker leaves them alone)."""
    escalated: list[str] = []
    if not team_ids:
        return escalated
    alerts = tables.alerts
    with engine.begin() as conn:
        rules = alert_service.rules_for(conn)
        ids = conn.execute(
            select(alerts.c.alert_id).where(
                alerts.c.exercise_id.in_(team_ids), alerts.c.state.in_(OPEN), alerts.c.due_at < moment - rules.grace
            )
        ).scalars().all()  # fmt: skip
        for alert_id in ids:
            row = alert_repository.lock_alert_by_id(conn, alert_id)
            state, effects = apply(
                alert_repository.state_from_row(row),
                Escalate(),
                Actor(FACILITATOR, SYSTEM),
                moment,
                rules=rules,
            )
            alert_repository.save_state(conn, row.alert_id, row.version, state, moment)
            alert_repository.record_effects(
                conn, row.alert_id, effects, alert_service._payload(row.reference, state), row.exercise_id
            )
            escalated.append(row.reference)
    return escalated


def tick(
    engine: Engine, exercise_id: int, *, settings: Settings | None = None, now: datetime | None = None
) -> dict[str, Any]:
    """Bring the exercise up to its current time: deliver the injects due to every team, escalate overdue alerts."""
    chosen = settings or Settings()
    moment = real_moment(now)
    with engine.connect() as conn:
        row = exercise_row(conn, exercise_id)
        clock = clock_of(row)
        teams = [t.team_id for t in team_rows(conn, exercise_id)]
        at = clock.now(moment)
        due = conn.execute(
            select(INJECTS).where(INJECTS.c.exercise_id == exercise_id, INJECTS.c.at <= at).order_by(INJECTS.c.at, INJECTS.c.inject_id)
        ).all()  # fmt: skip
        done = {
            (d.inject_id, d.team_id)
            for d in conn.execute(
                select(DELIVERIES.c.inject_id, DELIVERIES.c.team_id)
                .join(INJECTS, INJECTS.c.inject_id == DELIVERIES.c.inject_id)
                .where(INJECTS.c.exercise_id == exercise_id)
            )
        }
    if clock.status is not ClockStatus.PLANNED and teams:
        for inject in due:
            for team_id in teams:
                if (inject.inject_id, team_id) not in done:
                    _deliver(engine, chosen, inject, team_id, at)
            if inject.delivered_at is None:
                with engine.begin() as conn:
                    conn.execute(
                        update(INJECTS)
                        .where(INJECTS.c.inject_id == inject.inject_id)
                        .values(delivered_at=aware(inject.at))
                    )
        if clock.status is ClockStatus.RUNNING or clock.status is ClockStatus.PAUSED:
            _escalate(engine, teams, at)
    return exercise_status(engine, exercise_id, now=now)


def exercise_status(engine: Engine, exercise_id: int, *, now: datetime | None = None) -> dict[str, Any]:
    """The exercise: its clock, teams and members, and injects delivered and to come."""
    moment = real_moment(now)
    with engine.connect() as conn:
        row = exercise_row(conn, exercise_id)
        clock = clock_of(row)
        teams = []
        for team in team_rows(conn, exercise_id):
            members = conn.execute(
                select(tables.users.c.username, tables.users.c.role, MEMBERS.c.post_id)
                .join(MEMBERS, MEMBERS.c.user_id == tables.users.c.user_id)
                .where(MEMBERS.c.team_id == team.team_id)
                .order_by(tables.users.c.username)
            ).all()
            teams.append({
                "team_id": team.team_id, "name": team.name, "alerts_exercise_id": team.team_id,
                "members": [{"username": m.username, "role": m.role, "post": m.post_id} for m in members],
            })  # fmt: skip
        injects = conn.execute(
            select(INJECTS.c.kind, INJECTS.c.delivered_at).where(INJECTS.c.exercise_id == exercise_id)
        ).all()
    delivered = sum(1 for i in injects if i.delivered_at is not None)
    return {
        "exercise_id": row.exercise_id,
        "name": row.name,
        "source": row.source,
        "description": row.description,
        "settings": orjson.loads(row.settings),
        "status": ClockStatus.FINISHED.value if clock.over(moment) and clock.status is not ClockStatus.PLANNED else clock.status.value,
        "speed": clock.speed,
        "scenario_start": clock.start.isoformat(),
        "scenario_end": clock.end.isoformat(),
        "exercise_time": clock.now(moment).isoformat(),
        "teams": teams,
        "injects": {"total": len(injects), "delivered": delivered, "to_come": len(injects) - delivered},
    }  # fmt: skip


def list_exercises(engine: Engine) -> list[dict[str, Any]]:
    """Every exercise, newest first."""
    with engine.connect() as conn:
        rows = conn.execute(select(EX).order_by(EX.c.exercise_id.desc())).all()
    now = datetime.now(UTC)
    return [
        {
            "exercise_id": r.exercise_id,
            "name": r.name,
            "source": r.source,
            "status": r.status,
            "exercise_time": clock_of(r).now(now).isoformat(),
        }
        for r in rows
    ]

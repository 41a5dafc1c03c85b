"""The exercise tables and what every use case reads of them: an exercise's row and clock, its teams, the
mission's units, the facilitator's roles, and the exercise's moments as aware UTC times."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import Connection, Engine, select

from pochub.core.exercise.clock import ClockStatus, ExerciseClock
from pochub.core.models.access import FACILITATOR_ROLES, User
from pochub.core.models.alerts import OPEN_STATUSES
from pochub.core.models.capacities import Unit
from pochub.core.text import N_, Message
from pochub.errors import Forbidden, NotFound
from pochub.store import alert_repository, tables

FACILITATOR = "exercise-facilitator"
"""The actor of intake and escalation inside an exercise (the machinery, not a trainee)."""
EX = tables.exercises
TEAMS = tables.exercise_teams
MEMBERS = tables.exercise_members
INJECTS = tables.exercise_injects
DELIVERIES = tables.exercise_deliveries
DECISIONS = tables.exercise_decisions
SCORES = tables.exercise_scores
OPEN = sorted(s.value for s in OPEN_STATUSES)


def real_moment(real: datetime | None) -> datetime:
    """The real (wall-clock) moment: the one given, else now."""
    return real or datetime.now(UTC)


def utc(moment: datetime | None) -> datetime | None:
    """A stored time as an aware UTC time (None stays None)."""
    return alert_repository.utc(moment)


def aware(moment: datetime | None) -> datetime:
    """A stored time that is never None, as an aware UTC time."""
    value = utc(moment)
    assert value is not None
    return value


def clock_of(row: Any) -> ExerciseClock:
    """The clock of an exercise's row."""
    return ExerciseClock(
        start=aware(row.scenario_start),
        end=aware(row.scenario_end),
        speed=row.speed,
        status=ClockStatus(row.status),
        elapsed=timedelta(seconds=row.elapsed_seconds),
        anchor=utc(row.anchor_at),
    )


def clock_values(clock: ExerciseClock) -> dict[str, Any]:
    """The columns of an exercise's row that hold its clock's state."""
    return {
        "status": clock.status.value,
        "speed": clock.speed,
        "elapsed_seconds": clock.elapsed.total_seconds(),
        "anchor_at": clock.anchor,
    }


def exercise_row(conn: Connection, exercise_id: int) -> Any:
    """The exercise's row; NotFound when there is none."""
    row = conn.execute(select(EX).where(EX.c.exercise_id == exercise_id)).first()
    if row is None:
        raise NotFound(Message(N_("no exercise {exercise_id}"), exercise_id=exercise_id))
    return row


def exercise_by_name(engine: Engine, name_or_id: str) -> int:
    """The id of an exercise given by id or by name."""
    with engine.connect() as conn:
        if name_or_id.isdigit():
            return int(exercise_row(conn, int(name_or_id)).exercise_id)
        found = conn.execute(select(EX.c.exercise_id).where(EX.c.name == name_or_id)).scalar_one_or_none()
    if found is None:
        raise NotFound(Message(N_("no exercise named {name}"), name=repr(name_or_id)))
    return int(found)


def require_facilitator(user: User) -> None:
    """Forbidden unless ``user`` may run exercises (trainers and administrators)."""
    if user.role not in FACILITATOR_ROLES:
        raise Forbidden(N_("only trainers and administrators run exercises"))


def load_units(conn: Connection) -> list[Unit]:
    """The mission's units."""
    return [
        Unit(
            r.unit_id,
            r.name,
            r.unit_type,
            r.strength,
            r.home_base,
            tuple(r.tiers.split(",")),
            r.road_speed_kmh,
            bool(r.air),
        )
        for r in conn.execute(select(tables.units))
    ]


def team_rows(conn: Connection, exercise_id: int) -> list[Any]:
    """The exercise's teams in the order they were added."""
    return list(
        conn.execute(select(TEAMS).where(TEAMS.c.exercise_id == exercise_id).order_by(TEAMS.c.team_id))
    )

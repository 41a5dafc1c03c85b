"""The exercise clock: exercise time that starts, pauses, runs faster than real time and can be moved on.

Exercise time is the scenario's own time (a replayed period starts at its real first date). It is computed from
the real time given by the caller, never read from the system clock, so that the clock is a value: starting,
pausing, changing speed or advancing returns a new clock.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from enum import StrEnum

from pochub.core.text import N_, Message
from pochub.errors import InvalidInput, InvalidTransition

MAX_SPEED = 10_000.0
"""At most this many exercise seconds per real second (about 2.8 exercise hours a real second)."""


class ClockStatus(StrEnum):
    """Where an exercise is: planned, running, paused or finished."""

    PLANNED = "planned"
    RUNNING = "running"
    PAUSED = "paused"
    FINISHED = "finished"


def check_speed(speed: float) -> float:
    """A speed (exercise seconds per real second) in (0, MAX_SPEED]."""
    if not 0 < speed <= MAX_SPEED:
        raise InvalidInput(
            Message(
                N_("speed must be above 0 and at most {maximum} exercise seconds a real second"),
                maximum=f"{MAX_SPEED:g}",
            )
        )
    return float(speed)


@dataclass(frozen=True)
class ExerciseClock:
    """Exercise time = ``start + elapsed`` (+ real time since ``anchor`` times ``speed`` while running)."""

    start: datetime
    end: datetime
    speed: float = 60.0
    status: ClockStatus = ClockStatus.PLANNED
    elapsed: timedelta = timedelta(0)
    anchor: datetime | None = None

    def __post_init__(self) -> None:
        if self.end <= self.start:
            raise InvalidInput(N_("the exercise must end after it starts"))
        check_speed(self.speed)
        if (self.status is ClockStatus.RUNNING) != (self.anchor is not None):
            raise InvalidInput(N_("a running clock has an anchor in real time, and only a running clock"))

    @property
    def duration(self) -> timedelta:
        """Exercise time from start to end."""
        return self.end - self.start

    def _elapsed_at(self, real: datetime) -> timedelta:
        elapsed = self.elapsed
        if self.status is ClockStatus.RUNNING and self.anchor is not None:
            elapsed += max(real - self.anchor, timedelta(0)) * self.speed
        return min(elapsed, self.duration)

    def now(self, real: datetime) -> datetime:
        """Exercise time at real time ``real`` (never beyond the end)."""
        return self.start + self._elapsed_at(real)

    def over(self, real: datetime) -> bool:
        """Has exercise time reached the end (or was the exercise finished)?"""
        return self.status is ClockStatus.FINISHED or self._elapsed_at(real) >= self.duration

    def started(self, real: datetime) -> ExerciseClock:
        """Start (or resume) the clock at real time ``real``."""
        if self.status is ClockStatus.RUNNING:
            raise InvalidTransition(N_("the exercise is already running"))
        if self.status is ClockStatus.FINISHED:
            raise InvalidTransition(N_("the exercise is finished"))
        return replace(self, status=ClockStatus.RUNNING, anchor=real)

    def paused(self, real: datetime) -> ExerciseClock:
        """Stop exercise time at real time ``real``."""
        if self.status is not ClockStatus.RUNNING:
            raise InvalidTransition(
                Message(
                    N_("only a running exercise can be paused (it is {status})"), status=self.status.value
                )
            )
        return replace(self, status=ClockStatus.PAUSED, elapsed=self._elapsed_at(real), anchor=None)

    def with_speed(self, real: datetime, speed: float) -> ExerciseClock:
        """The same exercise time from now on, running at ``speed``."""
        check_speed(speed)
        if self.status is ClockStatus.RUNNING:
            return replace(self, speed=speed, elapsed=self._elapsed_at(real), anchor=real)
        return replace(self, speed=speed)

    def advanced(self, real: datetime, by: timedelta) -> ExerciseClock:
        """Move exercise time on by ``by`` (the facilitator skips a quiet night); never beyond the end."""
        if by <= timedelta(0):
            raise InvalidInput(N_("advance the clock by a positive time"))
        if self.status is ClockStatus.FINISHED:
            raise InvalidTransition(N_("the exercise is finished"))
        elapsed = min(self._elapsed_at(real) + by, self.duration)
        anchor = real if self.status is ClockStatus.RUNNING else None
        return replace(self, elapsed=elapsed, anchor=anchor)

    def finished(self, real: datetime) -> ExerciseClock:
        """End the exercise at real time ``real`` (exercise time stops where it is)."""
        if self.status is ClockStatus.FINISHED:
            raise InvalidTransition(N_("the exercise is already finished"))
        return replace(self, status=ClockStatus.FINISHED, elapsed=self._elapsed_at(real), anchor=None)

"""Response times of the alert lifecycle: how long from receipt to each step, per field office and alert network.

The loop must close (DOMAIN.md section 4): a mission learns where alerts wait by measuring, for every alert, the
hours from its receipt to the first time it was acknowledged, verified, decided on, answered by a deployment and
fed back to the community. Medians show the usual case, 90th percentiles the slow tail (numpy's linear
interpolation); alerts still waiting for a step are counted apart, since leaving them out hides the slowest.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from types import MappingProxyType
from typing import Any

import numpy as np

from pochub.errors import InvalidInput

STEPS: tuple[str, ...] = ("acknowledge", "verify", "decide", "deploy", "give_feedback")
"""The measured steps, by their transition action names, in lifecycle order."""
CLOSING_ACTIONS = frozenset({"close", "after_action_review"})
"""Actions after which an alert no longer waits for any step."""
DIMENSIONS: tuple[str, ...] = ("field_office", "alert_network")
"""How the times can be grouped."""
UNASSIGNED = "(none)"
"""The group of alerts without a field office or alert network."""


@dataclass(frozen=True)
class AlertTimeline:
    """One alert's receipt and the first time of each action taken on it."""

    alert_id: int
    received_at: datetime
    field_office: str | None = None
    alert_network: str | None = None
    first_action_at: Mapping[str, datetime] = field(default_factory=dict)

    def hours_to(self, step: str) -> float | None:
        """Hours from receipt to the first ``step``, or None when the step has not happened."""
        at = self.first_action_at.get(step)
        return None if at is None else (at - self.received_at).total_seconds() / 3600.0

    @property
    def closed(self) -> bool:
        """Was the alert closed (it then waits for no further step, even one it skipped)?"""
        return any(action in self.first_action_at for action in CLOSING_ACTIONS)

    def waiting_for(self, step: str) -> bool:
        """Is the alert still waiting for ``step``: not taken, not skipped by a later step, not closed?

        An unfounded alert goes from verification straight to feedback; it no longer waits for a decision.
        """
        if step in self.first_action_at or self.closed:
            return False
        later = STEPS[STEPS.index(step) + 1 :] if step in STEPS else ()
        return not any(s in self.first_action_at for s in later)


@dataclass(frozen=True)
class StepTimes:
    """Hours from receipt to one step for a group of alerts."""

    step: str
    count: int
    median_hours: float | None
    p90_hours: float | None
    waiting: int
    longest_waiting_hours: float | None

    def as_dict(self) -> dict[str, Any]:
        """Plain values for JSON."""
        return {
            "step": self.step,
            "count": self.count,
            "median_hours": self.median_hours,
            "p90_hours": self.p90_hours,
            "waiting": self.waiting,
            "longest_waiting_hours": self.longest_waiting_hours,
        }


@dataclass(frozen=True)
class GroupTimes:
    """The step times of the alerts of one field office, one alert network, or all alerts."""

    dimension: str
    group: str
    alerts: int
    steps: tuple[StepTimes, ...]

    def step(self, name: str) -> StepTimes:
        """The times of step ``name``."""
        for times in self.steps:
            if times.step == name:
                return times
        raise KeyError(name)

    def as_dict(self) -> dict[str, Any]:
        """Plain values for JSON."""
        return {
            "dimension": self.dimension,
            "group": self.group,
            "alerts": self.alerts,
            "steps": {times.step: times.as_dict() for times in self.steps},
        }


@dataclass(frozen=True)
class ResponseTimes:
    """Response times of all alerts and of each group, for the dimensions asked for."""

    overall: GroupTimes
    groups: Mapping[str, tuple[GroupTimes, ...]]
    as_of: datetime | None = None

    def as_dict(self) -> dict[str, Any]:
        """Plain values for JSON."""
        return {
            "as_of": None if self.as_of is None else self.as_of.isoformat(),
            "steps": list(STEPS),
            "overall": self.overall.as_dict(),
            **{dimension: [g.as_dict() for g in groups] for dimension, groups in self.groups.items()},
        }


def median_and_p90(hours: Sequence[float]) -> tuple[float | None, float | None]:
    """The median and the 90th percentile (linear interpolation) of ``hours``; None for no values."""
    if not hours:
        return None, None
    median, p90 = np.percentile(np.asarray(hours, dtype=float), [50.0, 90.0], method="linear")
    return float(median), float(p90)


def step_times(timelines: Sequence[AlertTimeline], step: str, now: datetime | None = None) -> StepTimes:
    """Times to ``step`` of ``timelines``; open alerts that have not reached it are counted as waiting."""
    hours = [h for t in timelines if (h := t.hours_to(step)) is not None]
    waiting = [t for t in timelines if t.waiting_for(step)]
    longest = None
    if now is not None and waiting:
        longest = max((now - t.received_at).total_seconds() / 3600.0 for t in waiting)
    median, p90 = median_and_p90(hours)
    return StepTimes(step, len(hours), median, p90, len(waiting), longest)


def group_times(
    dimension: str, group: str, timelines: Sequence[AlertTimeline], now: datetime | None = None
) -> GroupTimes:
    """The step times of one group of alerts."""
    return GroupTimes(dimension, group, len(timelines), tuple(step_times(timelines, s, now) for s in STEPS))


def group_key(timeline: AlertTimeline, dimension: str) -> str:
    """The group of ``timeline`` along ``dimension`` (field_office or alert_network)."""
    if dimension not in DIMENSIONS:
        raise InvalidInput(f"unknown dimension {dimension!r}; expected one of {DIMENSIONS}")
    value = timeline.field_office if dimension == "field_office" else timeline.alert_network
    return value or UNASSIGNED


def response_times(
    timelines: Iterable[AlertTimeline],
    *,
    dimensions: Sequence[str] = DIMENSIONS,
    now: datetime | None = None,
) -> ResponseTimes:
    """Median and 90th-percentile hours from receipt to each step, overall and per group of each dimension.

    Groups are listed by name. ``now`` (injected) measures how long the waiting alerts have waited.
    """
    every = list(timelines)
    groups: dict[str, tuple[GroupTimes, ...]] = {}
    for dimension in dimensions:
        members: dict[str, list[AlertTimeline]] = {}
        for timeline in every:
            members.setdefault(group_key(timeline, dimension), []).append(timeline)
        groups[dimension] = tuple(
            group_times(dimension, name, members[name], now) for name in sorted(members)
        )
    return ResponseTimes(group_times("all", "all", every, now), MappingProxyType(groups), now)

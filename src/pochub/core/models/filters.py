"""What a list or a count is narrowed to: plain values the edges build from a request and the store turns into SQL.

Each filter is a frozen dataclass with no behaviour; the store's query modules apply them (``store.event_queries``,
``store.place_queries``, ``store.capacity_queries``, ``store.alert_repository``), and services choose them for the
edges.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

BBox = tuple[float, float, float, float]
"""min_lon, min_lat, max_lon, max_lat."""


@dataclass(frozen=True)
class EventFilter:
    """Which events a query covers. Duplicates of another source's record are left out unless asked."""

    start: date | None = None
    end: date | None = None
    bbox: BBox | None = None
    source: str | None = None
    category: str | None = None
    threat_only: bool = False
    include_duplicates: bool = False


@dataclass(frozen=True)
class CommunityFilter:
    """Which communities a query covers: inside a box, under a P-code, at least this many people."""

    bbox: BBox | None = None
    area: str | None = None
    min_population: int | None = None


@dataclass(frozen=True)
class AreaFilter:
    """Which admin areas a query covers: one level, under a P-code, touching a box."""

    level: int | None = None
    area: str | None = None
    bbox: BBox | None = None


@dataclass(frozen=True)
class BaseFilter:
    """Which bases a query covers: of a type, under a P-code, inside a box."""

    base_type: str | None = None
    area: str | None = None
    bbox: BBox | None = None


@dataclass(frozen=True)
class UnitFilter:
    """Which units a query covers: of a type, of a readiness, based under a P-code or at one base, flying."""

    unit_type: str | None = None
    readiness: str | None = None
    area: str | None = None
    home_base: str | None = None
    air: bool | None = None


@dataclass(frozen=True)
class AlertFilter:
    """What an alert list is narrowed to. ``pcode`` and ``bbox`` are matched on the place the reader may see (the
    fuzzed one for roles that see fuzzed places: ``services.alert_views.alert_access``); ``exercise_id`` is a team's
    id (exercise alerts), None for operational alerts."""

    states: tuple[str, ...] = ()
    open_only: bool = False
    field_office: str | None = None
    urgency: str | None = None
    threat_type: str | None = None
    pcode: str | None = None
    bbox: BBox | None = None
    start: datetime | None = None
    end: datetime | None = None
    overdue_at: datetime | None = None
    exercise_id: int | None = None

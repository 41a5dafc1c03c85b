"""Events as every edge reads them: counted, summarised by a key, streamed for the map and the exports, framed for
the cells layer, by id as a threat's evidence, and the daily (flash) report's days by area.

Events are open to every signed-in user (no place in them is protected), so these read functions narrow by the
filter alone; the edges give a connection they hold for the request or an engine.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date
from typing import Any, TypeVar

import polars as pl
from sqlalchemy import Connection, Engine

from pochub.core.models.filters import EventFilter
from pochub.store import event_queries, report_queries

SUMMARY_KEYS = event_queries.SUMMARY_KEYS
"""The keys events are summarised by."""

Written = TypeVar("Written")


def count(conn: Connection, chosen: EventFilter) -> int:
    """How many events match."""
    return event_queries.count(conn, chosen)


def summary(conn: Connection, key: str, chosen: EventFilter, *, level: int = 1) -> list[dict[str, Any]]:
    """Events, fatalities and civilian fatalities per value of ``key`` (areas of admin ``level``)."""
    return event_queries.summary(conn, key, chosen, level=level)


def stream(conn: Connection, chosen: EventFilter, limit: int | None = None) -> Iterator[dict[str, Any]]:
    """The matching events as dicts of the event columns (with id and duplicate_of), in source order."""
    return event_queries.stream(conn, chosen, limit=limit)


def exported(
    engine: Engine, chosen: EventFilter, write: Callable[[Iterator[dict[str, Any]]], Written]
) -> Written:
    """``write`` given the matching events as a stream (read while it writes), and what it returns."""
    with engine.connect() as conn:
        return write(event_queries.stream(conn, chosen))


def frame(conn: Connection, chosen: EventFilter) -> pl.DataFrame:
    """The matching events as a Polars frame of the columns analyses read."""
    return event_queries.frame(conn, chosen)


def date_range(conn: Connection, chosen: EventFilter | None = None) -> tuple[date | None, date | None]:
    """First and last date of the matching events (of every event without a filter)."""
    return event_queries.date_range(conn, chosen or EventFilter())


def by_ids(engine: Engine, ids: list[int]) -> dict[int, dict[str, Any]]:
    """Events by id, as dicts of the event columns (a threat's evidence)."""
    with engine.connect() as conn:
        return event_queries.by_ids(conn, ids)


@dataclass(frozen=True)
class DailyFigures:
    """The daily report's days: events by area (most fatalities first), the events listed (deadliest first, at
    most the cap) and the real, open alerts counted by state."""

    areas: list[dict[str, Any]]
    listed: list[dict[str, Any]]
    open_alerts: dict[str, int]


def daily_figures(conn: Connection, start: date, end: date, level: int, max_events: int) -> DailyFigures:
    """The events from ``start`` to ``end`` by area of admin ``level``, and the open alerts by state."""
    return DailyFigures(
        areas=report_queries.events_by_area(conn, start, end, level),
        listed=report_queries.events_of_days(conn, start, end, level, max_events),
        open_alerts=report_queries.open_alerts_by_state(conn),
    )

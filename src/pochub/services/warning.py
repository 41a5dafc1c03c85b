"""Early-warning use cases: events from the store to H3 cells and areas, hotspots, surges and forecasts."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

import polars as pl
from sqlalchemy import Connection, Engine

from pochub.core.warning.grid import cells_covering, to_cells, with_k_rings
from pochub.core.warning.hotspots import HotspotResult, getis_ord_gi_star
from pochub.errors import InvalidInput
from pochub.store import event_queries, repositories
from pochub.store.event_queries import EventFilter

_SPAN = re.compile(r"^\s*(\d+)\s*([dwmy])\s*$")
_DAYS = {"d": 1, "w": 7, "m": 30, "y": 365}


def parse_span(text: str) -> int:
    """Days in a span such as ``90d``, ``12w``, ``6m`` or ``1y``."""
    match = _SPAN.match(text.lower())
    if not match or int(match.group(1)) <= 0:
        raise InvalidInput(f"{text!r} is not a span such as 90d, 12w, 6m or 1y")
    return int(match.group(1)) * _DAYS[match.group(2)]


def default_as_of(conn: Connection) -> datetime:
    """The end of the day of the latest stored event (so that historical datasets are assessed as of their end)."""
    _, last = event_queries.date_range(conn, EventFilter())
    if last is None:
        raise InvalidInput("no events stored: import events first")
    return datetime.combine(last, time(23, 59), tzinfo=UTC)


def selected_events(
    conn: Connection,
    start: date,
    end: date,
    *,
    threat_only: bool = True,
    category: str | None = None,
    source: str | None = None,
) -> pl.DataFrame:
    """De-duplicated events in [start, end]; by default violence against civilians (any threat type)."""
    chosen = EventFilter(start=start, end=end, threat_only=threat_only, category=category, source=source)
    return event_queries.frame(conn, chosen)


def analysed_cells(conn: Connection, events: pl.DataFrame, resolution: int, k: int) -> list[str]:
    """Every cell of the imported boundaries at ``resolution``; with none, the events' cells and their k-rings."""
    areas = repositories.load_admin_areas(conn)
    if areas:
        top = min(a.level for a in areas)
        return cells_covering([a.geometry for a in areas if a.level == top], resolution)
    if events.height == 0:
        return []
    return with_k_rings(events["cell"].unique().to_list(), k)


@dataclass(frozen=True)
class HotspotRun:
    """A hotspot analysis and what it covered."""

    result: HotspotResult
    counts: dict[str, int]
    as_of: datetime
    window_days: int
    resolution: int
    k: int
    events: int


def hotspots(
    engine: Engine,
    *,
    resolution: int = 6,
    k: int = 1,
    window_days: int = 90,
    as_of: datetime | None = None,
    permutations: int = 999,
    seed: int = 0,
    fdr: bool = True,
    threat_only: bool = True,
    category: str | None = None,
) -> HotspotRun:
    """Gi* hot and cold spots of the window's events on H3 cells (empty cells count zero)."""
    if not 0 <= resolution <= 15:
        raise InvalidInput(f"--resolution must be 0-15, not {resolution}")
    if k < 1:
        raise InvalidInput("--k must be at least 1")
    if permutations < 0:
        raise InvalidInput("--permutations must be >= 0")
    with engine.connect() as conn:
        as_of = as_of or default_as_of(conn)
        start = as_of.date() - timedelta(days=window_days - 1)
        events = selected_events(conn, start, as_of.date(), threat_only=threat_only, category=category)
        events = (
            events.with_columns(cell=to_cells(events, resolution))
            if events.height
            else events.with_columns(cell=pl.lit(None, pl.String))
        )
        cells = analysed_cells(conn, events, resolution, k)
    if not cells:
        raise InvalidInput(
            f"no events in the {window_days} days to {as_of.date()} and no boundaries to analyse"
        )
    counted = dict(events.group_by("cell").len().iter_rows()) if events.height else {}
    values = [counted.get(c, 0) for c in cells]
    result = getis_ord_gi_star(cells, values, k=k, permutations=permutations, seed=seed, alpha_fdr=fdr)
    inside = sum(counted.get(c, 0) for c in set(cells))
    return HotspotRun(
        result,
        {c: int(v) for c, v in zip(cells, values, strict=True)},
        as_of,
        window_days,
        resolution,
        k,
        inside,
    )


def area_signals(
    evidence: pl.DataFrame, as_of: datetime, level: int
) -> Mapping[str, tuple[float | None, float | None, bool]]:
    """Per area: forecast probability of at least one event next month, expected events, and surge flag.

    Filled in by the forecasting and surge engines; with none available, areas carry no signal.
    """
    return {}

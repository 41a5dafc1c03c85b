"""The threat matrix and hot spots as the API lists them: filtered rows of the whole matrix, and Gi* runs
bounded so that one request stays fast."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

import h3
from sqlalchemy import Engine

from pochub.core.models.filters import EventFilter
from pochub.core.threats.matrix import ThreatMatrix, ThreatRecord
from pochub.errors import InvalidInput
from pochub.services.threats import assess
from pochub.services.warning import HotspotRun, area_signals, hotspots
from pochub.store import event_queries, place_queries

MAX_CELLS = 100_000
"""The largest grid one hot-spot request may analyse."""
MAX_WORK = 200_000_000
"""Cells times permutations one hot-spot request may cost (about two seconds of Gi*)."""


def end_of_day(day: date) -> datetime:
    """The last minute of ``day`` in UTC: an assessment as of a day covers that whole day."""
    return datetime.combine(day, time(23, 59), tzinfo=UTC)


@dataclass(frozen=True)
class ThreatListing:
    """The rows of the matrix that matched, from a matrix computed over every area (ranks are the matrix's)."""

    as_of: datetime | None
    window_days: int
    records: tuple[ThreatRecord, ...]
    named_not_recorded: tuple[tuple[str, str, str, int], ...] = ()
    """Threats the communities of an area name that no recorded event shows there (the matrix's)."""


def list_threats(
    engine: Engine,
    *,
    level: int = 2,
    as_of: date | None = None,
    area: str | None = None,
    threat_type: str | None = None,
    min_risk: float | None = None,
) -> ThreatListing:
    """The threat matrix (forecasts and surges included, overrides applied) as of the end of ``as_of`` (default:
    the day of the latest event), keeping the rows under the P-code prefix ``area``, of ``threat_type`` and
    with risk at least ``min_risk``. The whole matrix is computed first, so filters never change a row's scores
    or rank. No events stored: no rows."""
    with engine.connect() as conn:
        _, last = event_queries.date_range(conn, EventFilter())
    if last is None:
        return ThreatListing(None, 0, ())
    matrix: ThreatMatrix = assess(
        engine, level=level, as_of=end_of_day(as_of) if as_of else None, signals=area_signals
    )
    rows = tuple(
        r
        for r in matrix.records
        if (area is None or r.area_pcode.startswith(area))
        and (threat_type is None or r.threat_type == threat_type)
        and (min_risk is None or r.risk >= min_risk)
    )
    named = tuple(n for n in matrix.named_not_recorded if area is None or n[0].startswith(area))
    return ThreatListing(matrix.as_of, matrix.window_days, rows, named)


def bounded_hotspots(
    engine: Engine,
    *,
    resolution: int,
    k: int,
    window_days: int,
    as_of: date | None,
    permutations: int,
    seed: int,
    threat_only: bool,
) -> HotspotRun:
    """Gi* hot spots as ``services.warning.hotspots`` computes them, refused (InvalidInput) when the grid would
    exceed ``MAX_CELLS`` cells or ``MAX_WORK`` cell-permutations: the cells covering the stored boundaries, or
    without boundaries at most the window's events times the cells of a k-ring."""
    with engine.connect() as conn:
        surface = place_queries.top_level_area_km2(conn)
        if surface > 0:
            cells = surface / float(h3.average_hexagon_area(resolution, unit="km^2"))
        else:  # no boundaries: the events' cells and their k-rings, at most this many
            last = (as_of or event_queries.date_range(conn, EventFilter())[1]) or date.today()
            window = EventFilter(
                start=last - timedelta(days=window_days - 1), end=last, threat_only=threat_only
            )
            cells = float(event_queries.count(conn, window) * (1 + 3 * k * (k + 1)))
    if cells > MAX_CELLS:
        raise InvalidInput(
            f"resolution {resolution} would analyse about {cells:,.0f} cells (at most {MAX_CELLS:,}): "
            "choose a coarser resolution"
        )
    if cells * (permutations + 1) > MAX_WORK:
        raise InvalidInput(
            f"about {cells:,.0f} cells x {permutations} permutations is too much for one request: "
            "use fewer permutations or a coarser resolution"
        )
    return hotspots(
        engine,
        resolution=resolution,
        k=k,
        window_days=window_days,
        as_of=end_of_day(as_of) if as_of else None,
        permutations=permutations,
        seed=seed,
        threat_only=threat_only,
    )

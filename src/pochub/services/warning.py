"""Early-warning use cases: events from the store to H3 cells and areas, hotspots, surges and forecasts."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

import h3
import numpy as np
import polars as pl
import shapely
from scipy import sparse
from scipy.spatial import cKDTree
from sqlalchemy import Connection, Engine

from pochub.core.geography.areas import OUTSIDE, AreaIndex, assign_finest, with_area_keys
from pochub.core.models.filters import EventFilter
from pochub.core.models.places import AdminArea
from pochub.core.text import N_, Message
from pochub.core.warning.emerging import EmergingHotspotResult, emerging_hotspots
from pochub.core.warning.evaluation import EvaluationTable, rolling_origin_evaluation
from pochub.core.warning.forecast import (
    Forecast,
    StaticCovariates,
    forecast_ensemble,
    forecast_regression,
    neighbour_matrix_from_h3,
)
from pochub.core.warning.grid import aggregate, cells_covering, to_cells, with_k_rings
from pochub.core.warning.hotspots import HotspotResult, getis_ord_gi_star, h3_neighbours
from pochub.core.warning.panel import Panel
from pochub.core.warning.surges import detect_surges
from pochub.errors import InvalidInput
from pochub.services.places import AREA_TOLERANCE_KM, place_indexes
from pochub.store import event_queries, repositories

_SPAN = re.compile(r"^\s*(\d+)\s*([dwmy])\s*$")
_DAYS = {"d": 1, "w": 7, "m": 30, "y": 365}


def parse_span(text: str) -> int:
    """Days in a span such as ``90d``, ``12w``, ``6m`` or ``1y``."""
    match = _SPAN.match(text.lower())
    if not match or int(match.group(1)) <= 0:
        raise InvalidInput(Message(N_("{text} is not a span such as 90d, 12w, 6m or 1y"), text=repr(text)))
    return int(match.group(1)) * _DAYS[match.group(2)]


def default_as_of(conn: Connection) -> datetime:
    """The end of the day of the latest stored event (so that historical datasets are assessed as of their end)."""
    _, last = event_queries.date_range(conn, EventFilter())
    if last is None:
        raise InvalidInput(N_("no events stored: import events first"))
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
    """Every cell of the imported boundaries at ``resolution`` and every cell holding an event; with no
    boundaries, the events' cells and their k-rings."""
    areas = repositories.load_admin_areas(conn)
    if areas:
        top = min(a.level for a in areas)
        event_cells = events["cell"].drop_nulls().unique().to_list() if events.height else []
        return cells_covering([a.geometry for a in areas if a.level == top], resolution, event_cells)
    if events.height == 0:
        return []
    return with_k_rings(events["cell"].unique().to_list(), k)


def events_on_cells(
    conn: Connection,
    start: date,
    end: date,
    resolution: int,
    k: int,
    *,
    threat_only: bool = True,
    category: str | None = None,
) -> tuple[pl.DataFrame, list[str]]:
    """The selected events with their H3 ``cell``, and the cells to analyse (see ``analysed_cells``)."""
    events = selected_events(conn, start, end, threat_only=threat_only, category=category)
    if events.height:
        events = events.with_columns(cell=to_cells(events, resolution))
    else:
        events = events.with_columns(cell=pl.lit(None, pl.String))
    return events, analysed_cells(conn, events, resolution, k)


@dataclass(frozen=True)
class CellPlace:
    """Where a cell is, in words an analyst can use: its centre, the area holding the centre (P-code and name,
    from the finest stored boundaries) and the nearest stored community (with its distance)."""

    latitude: float
    longitude: float
    area_pcode: str | None
    area_name: str | None
    community: str | None
    community_km: float | None


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
    places: dict[str, CellPlace] = field(default_factory=dict)


EARTH_RADIUS_KM = 6371.0088


def cell_places(conn: Connection, cells: Sequence[str]) -> dict[str, CellPlace]:
    """Centre, area and nearest community of each cell. The area of the centre is assigned as every place's is
    (``services.places``: the finest stored area holding it, else the nearest within the tolerance; the one call
    hot spots make); the community comes from a k-d tree on unit vectors (chord order is great-circle order)."""
    if not cells:
        return {}
    centres = np.array([h3.cell_to_latlng(c) for c in cells], dtype=np.float64)
    lat, lon = centres[:, 0], centres[:, 1]
    assignment = assign_finest(place_indexes(conn), lat, lon, AREA_TOLERANCE_KM)
    codes, names = assignment.pcodes, assignment.names
    communities = repositories.load_communities(conn)
    nearest: list[str | None] = [None] * len(cells)
    km: list[float | None] = [None] * len(cells)
    if communities:
        points = np.array([(c.latitude, c.longitude) for c in communities], dtype=np.float64)
        tree = cKDTree(_unit_vectors(points[:, 0], points[:, 1]))
        chord, index = tree.query(_unit_vectors(lat, lon))
        arc = 2.0 * np.arcsin(np.minimum(np.asarray(chord) / 2.0, 1.0)) * EARTH_RADIUS_KM
        nearest = [communities[int(i)].name for i in np.atleast_1d(index)]
        km = [round(float(d), 1) for d in np.atleast_1d(arc)]
    return {
        cell: CellPlace(float(la), float(lo), code, name, community, distance)
        for cell, la, lo, code, name, community, distance in zip(
            cells, lat, lon, codes, names, nearest, km, strict=True
        )
    }


def _unit_vectors(lat: np.ndarray, lon: np.ndarray) -> np.ndarray:
    phi, lam = np.radians(lat), np.radians(lon)
    return np.column_stack([np.cos(phi) * np.cos(lam), np.cos(phi) * np.sin(lam), np.sin(phi)])


def hotspots(
    engine: Engine,
    *,
    resolution: int = 6,
    k: int = 1,
    window_days: int = 90,
    as_of: datetime | None = None,
    permutations: int = 0,
    seed: int = 0,
    fdr: bool = True,
    threat_only: bool = True,
    category: str | None = None,
    places: bool = True,
) -> HotspotRun:
    """Gi* hot and cold spots of the window's events on H3 cells (empty cells count zero): analytic two-sided
    p-values with the false-discovery-rate correction by default, or ``permutations`` total randomisations (see
    :mod:`pochub.core.warning.hotspots` for which to use). With ``places``, the significant cells and the busiest
    ones carry their centre, area and nearest community."""
    if not 0 <= resolution <= 15:
        raise InvalidInput(f"--resolution must be 0-15, not {resolution}")
    if k < 1:
        raise InvalidInput("--k must be at least 1")
    if permutations < 0:
        raise InvalidInput("--permutations must be >= 0")
    with engine.connect() as conn:
        as_of = as_of or default_as_of(conn)
        start = as_of.date() - timedelta(days=window_days - 1)
        events, cells = events_on_cells(
            conn, start, as_of.date(), resolution, k, threat_only=threat_only, category=category
        )
    if not cells:
        raise InvalidInput(
            f"no events in the {window_days} days to {as_of.date()} and no boundaries to analyse"
        )
    counted = dict(events.group_by("cell").len().iter_rows()) if events.height else {}
    values = [counted.get(c, 0) for c in cells]
    result = getis_ord_gi_star(cells, values, k=k, permutations=permutations, seed=seed, alpha_fdr=fdr)
    inside = sum(counted.get(c, 0) for c in set(cells))
    located: dict[str, CellPlace] = {}
    if places:
        with engine.connect() as conn:
            located = cell_places(conn, described_cells(result))
    return HotspotRun(
        result,
        {c: int(v) for c, v in zip(cells, values, strict=True)},
        as_of,
        window_days,
        resolution,
        k,
        inside,
        located,
    )


DESCRIBED_TOP = 50
"""Besides every significant cell, this many cells of highest z are given places (tables list them)."""


def described_cells(result: HotspotResult) -> list[str]:
    """The cells a reader will look up: every hot or cold one and the ``DESCRIBED_TOP`` of highest z."""
    top = set(np.argsort(-result.z, kind="stable")[:DESCRIBED_TOP].tolist())
    return [
        c
        for i, (c, cls) in enumerate(zip(result.cells, result.classes, strict=True))
        if cls != "none" or i in top
    ]


@dataclass(frozen=True)
class UnitPanel:
    """A monthly panel of violence against civilians with the units' names, neighbours and covariates."""

    panel: Panel
    names: dict[str, str]
    neighbours: Any
    covariates: StaticCovariates | None
    unit_kind: str
    notes: tuple[str, ...] = ()
    """Warnings for the reader (e.g. an ``as_of`` past the end of the data)."""


def panel_end(first: date, last: date, as_of: datetime | None) -> tuple[date, tuple[str, ...]]:
    """The last day of a panel's last complete month, and warnings: an ``as_of`` before the first event is an
    error; after the last event the panel stops at the data's last complete month, with a warning (months past
    the data are months without data, not months without violence)."""
    span = f"the data cover {first} .. {last}"
    notes: tuple[str, ...] = ()
    if as_of is None:
        end = complete_months_end(last)
    elif as_of.date() < first:
        raise InvalidInput(f"--as-of {as_of.date()} is before the first event ({first}): {span}")
    elif as_of.date() > last:
        end = complete_months_end(last)
        notes = (
            f"the data end on {last}: the forecast starts after {end:%Y-%m}, the last complete month of data, "
            f"not after {as_of.date()}",
        )
    else:
        end = complete_months_end(as_of.date())
    if end < first:
        raise InvalidInput(f"no complete month of data up to {as_of.date() if as_of else last}: {span}")
    return end, notes


def complete_months_end(last: date) -> date:
    """The last day of the last complete month of data: a month counts when the data reach its last 3 days."""
    month_end = (last.replace(day=28) + timedelta(days=4)).replace(day=1) - timedelta(days=1)
    if (month_end - last).days <= 2:
        return month_end
    return last.replace(day=1) - timedelta(days=1)


def area_units(
    events: pl.DataFrame, level: int, boundary_names: Mapping[str, str] | None = None
) -> pl.DataFrame:
    """Events with ``unit`` and ``unit_name``: the P-code and name of the level's imported boundary (events
    outside them left out), or without boundaries the source's area name. Keys already on the frame
    (``area_pcode``, as the threat matrix's evidence has) are used as they are."""
    if "area_pcode" not in events.columns:
        events = with_area_keys(events, level, boundary_names or {})
    return events.with_columns(unit=pl.col("area_pcode"), unit_name=pl.col("area_name")).filter(
        pl.col("unit").is_not_null() & (pl.col("unit") != OUTSIDE)
    )


def contiguity(areas: list[AdminArea]) -> sparse.csr_array:
    """Binary contiguity of admin areas (touching or overlapping boundaries), without self-links."""
    tree = shapely.STRtree([a.geometry for a in areas])
    left, right = tree.query([a.geometry.buffer(1e-6) for a in areas], predicate="intersects")
    keep = left != right
    n = len(areas)
    return sparse.csr_array((np.ones(int(keep.sum())), (left[keep], right[keep])), shape=(n, n))


def _area_covariates(
    areas: list[AdminArea], communities: list[Any], units: list[str], level: int
) -> StaticCovariates | None:
    if not communities:
        return None
    codes, _ = AreaIndex.build(areas, level).locate(
        np.array([c.latitude for c in communities]), np.array([c.longitude for c in communities])
    )
    population = dict.fromkeys(units, 0)
    for community, code in zip(communities, codes, strict=True):
        if code in population and community.population is not None:  # unknown: not counted, not 0
            population[code] += community.population
    return StaticCovariates.of(["log1p_population"], np.log1p([[population[u]] for u in units]))


def monthly_panel(
    engine: Engine,
    *,
    unit_kind: str = "area",
    level: int = 2,
    resolution: int = 6,
    k: int = 1,
    as_of: datetime | None = None,
    threat_only: bool = True,
) -> UnitPanel:
    """Monthly counts per admin area (``area``) or H3 cell (``cell``) from the first event to the last complete
    month (or ``as_of``). Areas: every imported area of the level plus those named by events, with contiguity
    neighbours and the log population of their communities. Cells: cells holding events and their k-rings."""
    if unit_kind not in ("area", "cell"):
        raise InvalidInput("the unit is 'area' or 'cell'")
    with engine.connect() as conn:
        first, last = event_queries.date_range(conn, EventFilter(threat_only=threat_only))
        if first is None or last is None:
            raise InvalidInput(N_("no events of violence against civilians stored: import events first"))
        end, notes = panel_end(first, last, as_of)
        events = selected_events(conn, first, end, threat_only=threat_only)
        areas = repositories.load_admin_areas(conn, level) if unit_kind == "area" else []
        communities = repositories.load_communities(conn) if unit_kind == "area" else []
    neighbours: Any = None
    covariates: StaticCovariates | None = None
    if unit_kind == "cell":
        events = events.with_columns(unit=to_cells(events, resolution))
        units = with_k_rings(events["unit"].unique().to_list(), k)
        names = {u: u for u in units}
        neighbours = neighbour_matrix_from_h3(units)
    else:
        events = area_units(events, level, {a.pcode: a.name for a in areas})
        names = {a.pcode: a.name for a in areas}
        for unit, unit_name in events.select("unit", "unit_name").unique().iter_rows():
            names.setdefault(unit, unit_name)
        units = sorted(names)
        by_code = {a.pcode: a for a in areas}
        if areas and all(u in by_code for u in units):
            neighbours = contiguity([by_code[u] for u in units])
            covariates = _area_covariates(areas, communities, units, level)
    if not units:
        raise InvalidInput(N_("no units to forecast"))
    panel = aggregate(events, units, first, end, "month")
    return UnitPanel(panel, names, neighbours, covariates, unit_kind, notes)


L2_CANDIDATES = (1e-3, 0.1, 1.0, 10.0)
"""Penalties tried when the model's regularisation is chosen on held-out months."""


def truncated(panel: Panel, periods: int) -> Panel:
    """The panel's first ``periods`` months."""
    return Panel(
        panel.units,
        panel.periods[:periods],
        panel.events[:, :periods],
        panel.fatalities[:, :periods],
        panel.civilian_fatalities[:, :periods],
        panel.frequency,
    )


def choose_l2(unit_panel: UnitPanel, months: int, validation_origins: int = 6) -> float:
    """The L2 penalty with the lowest one-step CRPS over ``validation_origins`` rolling origins within the first
    ``months`` months only (so an evaluation that starts after them never sees its own test data). Sparse
    panels need much stronger regularisation than dense ones; no single value suits both."""
    history = truncated(unit_panel.panel, months)
    if months < validation_origins + 18:
        return L2_CANDIDATES[0]
    scores = {}
    for l2 in L2_CANDIDATES:
        table = rolling_origin_evaluation(
            history,
            unit_panel.neighbours,
            unit_panel.covariates,
            origins=validation_origins,
            steps=(1,),
            samples=200,
            l2=l2,
            include_total=False,
            ensemble=False,
        )
        scores[l2] = table.row("negative_binomial_regression", 1).crps
    return min(scores, key=lambda l2: (scores[l2], l2))


def evaluate_forecasts(
    unit_panel: UnitPanel,
    *,
    origins: int = 24,
    samples: int = 1000,
    seed: int = 0,
    on_origin: Callable[[date], None] | None = None,
) -> EvaluationTable:
    """Rolling-origin evaluation of the model against the five baselines on the panel."""
    months = len(unit_panel.panel.periods)
    if months < origins + 15:
        raise InvalidInput(
            f"{months} months of data: a {origins}-origin evaluation needs at least {origins + 15}; "
            "use fewer --origins"
        )
    last_origin = months - 1 - 3  # every step of three observable
    first_origin = last_origin - origins + 1
    l2 = choose_l2(unit_panel, first_origin + 1)  # months up to and including the first origin
    return rolling_origin_evaluation(
        unit_panel.panel,
        unit_panel.neighbours,
        unit_panel.covariates,
        origins=origins,
        samples=samples,
        seed=seed,
        on_origin=on_origin,
        l2=l2,
    )


FORECAST_MIN_MONTHS = 4
"""A forecast three months ahead needs three months of history before its origin."""


def forecast_units(unit_panel: UnitPanel) -> Forecast:
    """The ensemble's forecast for the next three months from the panel's last month (its weights chosen on the
    components' scores at the origins before it)."""
    months = len(unit_panel.panel.periods)
    if months < FORECAST_MIN_MONTHS:
        raise InvalidInput(
            f"{months} complete months of data up to {unit_panel.panel.periods[-1]:%Y-%m}: a forecast needs "
            f"at least {FORECAST_MIN_MONTHS}"
        )
    l2 = choose_l2(unit_panel, months)
    return forecast_ensemble(
        unit_panel.panel, horizon=3, neighbours=unit_panel.neighbours, covariates=unit_panel.covariates, l2=l2
    )


def area_signals(
    evidence: pl.DataFrame, as_of: datetime, level: int
) -> Mapping[str, tuple[float | None, float | None, bool]]:
    """Per area: the forecast probability of at least one event next month, the expected events, and whether
    the last month surged; from the evidence (events up to ``as_of``) the threat matrix already read."""
    threats = area_units(evidence.filter(pl.col("threat_type").is_not_null()), level)
    if threats.height == 0:
        return {}
    end = complete_months_end(as_of.date())
    first: date = threats["event_date"].min()  # type: ignore[assignment]
    units = sorted(threats["unit"].unique().to_list())
    panel = aggregate(threats, units, first, end, "month")
    if len(panel.periods) < 15:
        return {}
    law = forecast_regression(panel, horizon=1).step(1)
    surging = {flag.unit for flag in detect_surges(panel).flags}
    return {
        unit: (float(p), float(m), unit in surging)
        for unit, p, m in zip(units, law.prob_at_least_one(), law.mean(), strict=True)
    }


@dataclass(frozen=True)
class EmergingRun:
    """Emerging hot spots over monthly periods, and what they covered."""

    result: EmergingHotspotResult
    counts: dict[str, int]
    as_of: datetime
    months: int


def emerging(
    engine: Engine,
    *,
    resolution: int = 6,
    k: int = 1,
    months: int = 12,
    as_of: datetime | None = None,
    permutations: int = 0,
    seed: int = 0,
    threat_only: bool = True,
) -> EmergingRun:
    """Gi* per month on H3 cells and a Mann-Kendall trend per cell: ESRI's emerging hot spot patterns."""
    if months < 4:
        raise InvalidInput(N_("--periods must be at least 4 months for a trend"))
    with engine.connect() as conn:
        as_of = as_of or default_as_of(conn)
        end = complete_months_end(as_of.date())
        first_month = end.year * 12 + end.month - 1 - (months - 1)
        start = date(first_month // 12, first_month % 12 + 1, 1)
        events, cells = events_on_cells(conn, start, end, resolution, k, threat_only=threat_only)
    if not cells:
        raise InvalidInput(f"no events in the {months} months to {end} and no boundaries to analyse")
    panel = aggregate(events.rename({"cell": "unit"}), cells, start, end, "month")
    result = emerging_hotspots(panel, h3_neighbours(cells, k), permutations=permutations, seed=seed)
    totals = panel.totals()
    return EmergingRun(
        result, {c: int(t) for c, t in zip(cells, totals, strict=True)}, as_of, len(panel.periods)
    )

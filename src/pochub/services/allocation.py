"""Capacity use cases: travel times from the store, coverage of communities, optimised deployments.

Demand is the communities, weighted by population or by risk (population times the highest threat-matrix risk of
their area, over 25), when threats can be assessed. Travel is by road when roads are imported (speeds by class,
surface and season), else great-circle at the off-road speed; helicopters fly.
"""

from __future__ import annotations

import logging
import math
import re
import secrets
import threading
from collections import OrderedDict
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from concurrent.futures import wait as futures_wait
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import shapely
from numpy.typing import NDArray
from sqlalchemy import Engine, select

from pochub.core.allocation._geodesy import Points
from pochub.core.allocation.coverage import CoverageResult, assess_coverage
from pochub.core.allocation.covering import MaximalCovering, SetCovering
from pochub.core.allocation.median import PMedian
from pochub.core.allocation.results import AllocationResult
from pochub.core.allocation.solver import HighsSolver
from pochub.core.allocation.travel import (
    RoadGraph,
    Season,
    SpeedProfile,
    helicopter_time_matrix,
    travel_time_matrix,
)
from pochub.core.geography.areas import AreaIndex
from pochub.core.geography.repair import polygon_parts
from pochub.core.models.places import Community, Road
from pochub.core.perspectives.perceived import PerceivedRisk, weight_basis
from pochub.core.text import N_, Message
from pochub.errors import Infeasible, InvalidInput
from pochub.ingest.capacities import read_candidate_sites
from pochub.services.perspectives import perceived_risk_of
from pochub.services.threats import assess
from pochub.store import repositories, tables

log = logging.getLogger("pochub.plans")

_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(m|min|h|d)?\s*$")


def parse_hours(text: str) -> float:
    """Hours in ``90m``, ``4h``, ``1.5h``, ``1d`` (a bare number is hours)."""
    match = _DURATION.match(text.lower())
    if not match:
        raise InvalidInput(Message(N_("{text} is not a duration such as 90m, 4h or 1d"), text=repr(text)))
    value = float(match.group(1))
    unit = match.group(2) or "h"
    hours = value / 60 if unit in ("m", "min") else value * 24 if unit == "d" else value
    if hours <= 0:
        raise InvalidInput(Message(N_("{text}: a standard must be longer than zero"), text=repr(text)))
    return hours


@dataclass(frozen=True)
class Site:
    """A place a unit can be (a base, a candidate site)."""

    site_id: str
    name: str
    latitude: float
    longitude: float


@dataclass(frozen=True)
class Network:
    """What travel is computed on: the road graph of the season (or none) and the off-road speed.

    Places snap to their nearest node of the open network, the same in every season (see
    :mod:`pochub.core.allocation.travel`), so a season that only closes or slows roads never reaches a community
    sooner. Snapping to the nearest *open* node let rain move a community from an isolated earth track onto a
    connected road, and rain seemed to gain coverage (47.1 % rainy against 46.6 % dry at 1 h on the demo mission).
    """

    graph: RoadGraph | None
    off_road_kmh: float
    season: Season

    def hours(
        self, origins: list[Site], destinations: Points, cutoff: float = math.inf
    ) -> NDArray[np.float64]:
        """Hours from each origin (rows) to each destination (columns): by road where the network joins them,
        else (or when faster) straight across country."""
        starts = Points.from_arrays([o.latitude for o in origins], [o.longitude for o in origins])
        direct = travel_time_matrix(None, starts, destinations, cutoff, off_road_kmh=self.off_road_kmh)
        if self.graph is None or self.graph.tree_nodes.size == 0:
            return direct
        by_road = travel_time_matrix(self.graph, starts, destinations, cutoff, off_road_kmh=self.off_road_kmh)
        return np.minimum(direct, by_road)


def load_network(engine: Engine, season: str, off_road_kmh: float) -> Network:
    """The imported roads as a graph for the season (none when no road is imported)."""
    try:
        chosen = Season(season)
    except ValueError as exc:
        raise InvalidInput(f"--season must be {' or '.join(s.value for s in Season)}") from exc
    if off_road_kmh <= 0:
        raise InvalidInput(N_("--offroad-speed must be positive"))
    with engine.connect() as conn:
        rows = conn.execute(select(tables.roads)).all()
    if not rows:
        return Network(None, off_road_kmh, chosen)
    roads = [
        Road(r.road_id, r.road_class, r.surface, shapely.from_wkb(r.geometry), r.speed_kmh) for r in rows
    ]
    return Network(RoadGraph.from_roads(roads, SpeedProfile().with_season(chosen)), off_road_kmh, chosen)


def community_points(communities: list[Community]) -> Points:
    """Where the communities are."""
    return Points.from_arrays([c.latitude for c in communities], [c.longitude for c in communities])


MAX_PLAN_CELLS = 50_000_000
"""Travel times one plan may hold (communities x sites, 400 MB as float64): a gazetteer's 30,000 localities as
both demand and candidates would need 7 GB."""


def known_populations(communities: list[Community]) -> NDArray[np.float64]:
    """Each community's population; an unknown one (a gazetteer's locality, a health facility) weighs the median
    of the known ones, or 1 when none is known (every place then counts alike): never 0, which would leave the
    place out of every plan."""
    population = np.array(
        [np.nan if c.population is None else c.population for c in communities], dtype=np.float64
    )
    unknown = np.isnan(population)
    if unknown.any():
        population[unknown] = float(np.median(population[~unknown])) if (~unknown).any() else 1.0
    return population


WEIGHTS = ("population", "risk", "perceived-risk", "blend")
"""What a community weighs: its people; times the threat matrix's risk of its area (what events show); times the
risk its people perceive (what they say in the perception survey); or times the mean of both."""


def demand_weights(engine: Engine, communities: list[Community], weight: str) -> NDArray[np.float64]:
    """Population, or population times the highest threat risk of the community's area (over 25), times its
    perceived risk (over 5), or times the mean of both; an unknown population weighs as ``known_populations``
    says."""
    return weighed_demand(engine, communities, weight)[0]


def weighed_demand(
    engine: Engine, communities: list[Community], weight: str
) -> tuple[NDArray[np.float64], PerceivedRisk | None]:
    """:func:`demand_weights`, and for a weight by perceived risk (or the blend) each community's share feeling
    unsafe with where it comes from (its own survey figure, its area's mean, the mission's), for the plan's
    reasons."""
    population = known_populations(communities)
    if weight == "population":
        return population, None
    if weight not in WEIGHTS:
        raise InvalidInput(N_("--weight must be population, risk, perceived-risk or blend"))
    if weight == "risk":
        return population * _event_risk(engine, communities), None
    perceived = perceived_risk_of(engine, communities)
    if weight == "perceived-risk":
        return population * perceived.scores / 5.0, perceived
    # the blend: what events show and what people say, weighed alike
    return population * (_event_risk(engine, communities) + perceived.scores / 5.0) / 2.0, perceived


def _event_risk(engine: Engine, communities: list[Community]) -> NDArray[np.float64]:
    """The highest threat-matrix risk of each community's area, over 25 (1/25 where none or no events)."""
    try:
        matrix = assess(engine, level=2)
    except InvalidInput:
        return np.ones(len(communities))  # no events: every community weighs its population
    risk_by_area: dict[str, float] = {}
    for record in matrix.records:
        risk_by_area[record.area_pcode] = max(risk_by_area.get(record.area_pcode, 0.0), record.risk)
    with engine.connect() as conn:
        areas = repositories.load_admin_areas(conn, 2) or repositories.load_admin_areas(conn, 1)
    if not areas:
        return np.ones(len(communities))
    level = areas[0].level
    codes, _ = AreaIndex.build(areas, level).locate(
        np.array([c.latitude for c in communities]), np.array([c.longitude for c in communities])
    )
    return np.array([risk_by_area.get(code, 1.0) if code else 1.0 for code in codes]) / 25.0


def load_sites(engine: Engine) -> tuple[list[Site], list[tuple[Site, bool]]]:
    """The bases, and every unit at its home base with whether it flies."""
    with engine.connect() as conn:
        bases = {
            r.base_id: Site(r.base_id, r.name, r.latitude, r.longitude)
            for r in conn.execute(select(tables.bases))
        }
        units = [
            (Site(r.unit_id, r.name, bases[r.home_base].latitude, bases[r.home_base].longitude), bool(r.air))
            for r in conn.execute(select(tables.units))
            if r.home_base in bases
        ]
    return list(bases.values()), units


@dataclass(frozen=True)
class Posture:
    """Today's posture, the one definition of "covered" every page, command and plan uses: each unit at its home
    base, ground units by road in the season (off-road legs at both ends, or straight across country when
    faster), air units flying from their base (preparation time plus cruise). Bases with no unit send no one and
    are not counted; with no unit imported at all, every base counts as one ground responder."""

    responders: list[Site]
    air: list[bool]
    times: NDArray[np.float64]
    bases: int
    units_imported: bool

    @property
    def air_units(self) -> int:
        """How many responders fly."""
        return sum(self.air)

    def counted(self) -> dict[str, Any]:
        """What is counted, for pages and commands: units (ground, air), their bases, or bases alone."""
        sites = {(s.latitude, s.longitude) for s in self.responders}
        return {
            "units": len(self.responders) if self.units_imported else 0,
            "air_units": self.air_units,
            "ground_units": len(self.responders) - self.air_units if self.units_imported else 0,
            "bases_with_units": len(sites) if self.units_imported else 0,
            "bases": self.bases,
        }


def posture(
    engine: Engine,
    network: Network,
    destinations: Points,
    *,
    cruise_kmh: float = 200.0,
    preparation_hours: float = 1.0,
) -> Posture:
    """Hours from each responder of today's posture (rows: ground units, then air units) to each destination."""
    bases, units = load_sites(engine)
    if not bases:
        raise InvalidInput(N_("no bases imported: `pochub import bases FILE` first"))
    ground = [site for site, air in units if not air] if units else bases
    flying = [site for site, air in units if air]
    rows = []
    if ground:
        rows.append(network.hours(ground, destinations))
    if flying:
        starts = Points.from_arrays([s.latitude for s in flying], [s.longitude for s in flying])
        rows.append(
            helicopter_time_matrix(
                starts, destinations, cruise_kmh=cruise_kmh, preparation_hours=preparation_hours
            )
        )
    times = np.vstack(rows) if rows else np.full((0, len(destinations)), np.inf)
    return Posture(
        ground + flying, [False] * len(ground) + [True] * len(flying), times, len(bases), bool(units)
    )


def posture_words(counted: dict[str, Any]) -> str:
    """What a posture counts, in words for the command line: "5 units (1 by air) at 4 bases" or "17 bases"."""
    if not counted["units"]:
        return f"{counted['bases']} bases (no unit imported)"
    return (
        f"{counted['units']} units ({counted['air_units']} by air) at {counted['bases_with_units']} of "
        f"{counted['bases']} bases"
    )


@dataclass(frozen=True)
class CoverageRun:
    """Coverage of the communities by today's posture (the units, or the bases when no unit is imported)."""

    result: CoverageResult
    communities: list[Community]
    responders: list[Site]
    network: Network
    posture: Posture
    perceived: PerceivedRisk | None = None
    """Weighed by perceived risk: each community's share feeling unsafe and where it comes from."""


def coverage(
    engine: Engine,
    *,
    standards: tuple[float, ...],
    season: str = "dry",
    off_road_kmh: float = 20.0,
    weight: str = "population",
    cruise_kmh: float = 200.0,
    preparation_hours: float = 1.0,
) -> CoverageRun:
    """For each community: the fastest unit and its time, units within each standard, and the gap."""
    with engine.connect() as conn:
        communities = repositories.load_communities(conn)
    if not communities:
        raise InvalidInput(N_("no communities imported: `pochub import communities FILE` first"))
    network = load_network(engine, season, off_road_kmh)
    today = posture(
        engine,
        network,
        community_points(communities),
        cruise_kmh=cruise_kmh,
        preparation_hours=preparation_hours,
    )
    weights, perceived = weighed_demand(engine, communities, weight)
    result = assess_coverage(today.times, weights, standards)
    return CoverageRun(result, communities, today.responders, network, today, perceived)


def read_candidates(path: Path) -> list[Site]:
    """Candidate sites from a table (CSV, TSV, XLSX, XLS, ODS) with id, lat, lon (and an optional name)."""
    sites = [Site(*site) for site in read_candidate_sites(path)]
    if not sites:
        raise InvalidInput(f"{path}: no candidates")
    return sites


@dataclass(frozen=True)
class AllocationRun:
    """A solved deployment plan with what it was solved on."""

    result: AllocationResult
    model: str
    candidates: list[Site]
    bases: list[Site]
    communities: list[Community]
    weights: NDArray[np.float64]
    standard_hours: float
    current: CoverageResult
    proposed: CoverageResult
    posture: Posture
    season: str
    sites: list[dict[str, Any]]


def allocate(
    engine: Engine,
    model: str,
    *,
    p: int = 3,
    standard_hours: float = 4.0,
    season: str = "dry",
    off_road_kmh: float = 20.0,
    weight: str = "population",
    candidates_file: Path | None = None,
    minimum_weight: float = 0.0,
    time_limit: float = 60.0,
) -> AllocationRun:
    """Choose new sites (maximal covering, p-median or set covering) with the existing bases fixed."""
    with engine.connect() as conn:
        communities = repositories.load_communities(conn)
    if not communities:
        raise InvalidInput(N_("no communities imported: `pochub import communities FILE` first"))
    network = load_network(engine, season, off_road_kmh)
    demand = community_points(communities)
    today = posture(engine, network, demand)  # the same posture as `coverage` and the pages
    bases = today.responders  # one fixed column per responder of today's posture
    candidates = (
        read_candidates(candidates_file)
        if candidates_file
        else [Site(c.community_id, c.name, c.latitude, c.longitude) for c in communities]
    )
    if model in ("mclp", "pmedian") and p > len(candidates):
        raise Infeasible(
            Message(
                N_("p = {p} new sites, but there are only {count} candidates"), p=p, count=len(candidates)
            )
        )
    if model in ("mclp", "pmedian") and p < 1:
        raise InvalidInput(N_("--p must be at least 1"))
    if len(communities) * (len(bases) + len(candidates)) > MAX_PLAN_CELLS:
        raise InvalidInput(
            f"{len(communities):,} communities x {len(bases) + len(candidates):,} sites (every community is a "
            f"candidate site by default) is too large for one plan ({MAX_PLAN_CELLS:,} travel times at most): give "
            "a short list of candidate sites with --candidates FILE.csv (id,name,lat,lon)"
        )
    cost = np.hstack([today.times.T, network.hours(candidates, demand).T])  # demand x (posture, candidates)
    weights, perceived = weighed_demand(engine, communities, weight)
    existing = list(range(len(bases)))
    solver = HighsSolver(time_limit_seconds=time_limit)
    ids = [c.community_id for c in communities]
    try:
        if model == "mclp":
            if not (cost[:, len(bases) :] <= standard_hours).any():
                raise Infeasible(
                    f"none of the {len(candidates)} candidate sites reaches a community within "
                    f"{standard_hours:g} h: no deployment can meet that standard"
                )
            result = MaximalCovering.from_cost_matrix(cost, weights, standard_hours, p, existing).solve(
                solver
            )
        elif model == "pmedian":
            result = PMedian.from_cost_matrix(
                cost, weights, p, existing, standard_hours=standard_hours, demand_ids=ids
            ).solve(solver)
        elif model == "lscp":
            result = SetCovering.from_cost_matrix(
                cost, standard_hours, weights, minimum_weight, existing, demand_ids=ids
            ).solve(solver)
        else:
            raise InvalidInput("the model is mclp, pmedian or lscp")
    except ValueError as exc:
        raise Infeasible(str(exc)) from exc
    current = assess_coverage(
        cost[:, existing].T if existing else np.full((1, len(communities)), np.inf),
        weights,
        (standard_hours,),
    )
    proposed = assess_coverage(cost[:, result.open_sites].T, weights, (standard_hours,))
    return AllocationRun(
        result,
        model,
        candidates,
        bases,
        communities,
        weights,
        standard_hours,
        current,
        proposed,
        today,
        network.season.value,
        describe_sites(
            engine,
            list(result.sites),
            candidates,
            len(bases),
            communities,
            cost,
            current,
            standard_hours,
            perceived=perceived,
            blend=weight == "blend",
        ),
    )


def plan_map(run: AllocationRun, engine: Engine, path: Path) -> None:
    """A map of the plan: admin areas, communities covered or not, existing bases and the new sites."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    with engine.connect() as conn:
        areas = repositories.load_admin_areas(conn)
    figure, axis = plt.subplots(figsize=(9, 8), dpi=110)
    top = min((a.level for a in areas), default=None)
    for area in areas:  # any shape: polygons, multi-polygons, collections (their lines and points skipped)
        for polygon in polygon_parts(area.geometry):
            for ring in (polygon.exterior, *polygon.interiors):
                x, y = ring.xy
                axis.plot(
                    x,
                    y,
                    color="#4a5568" if area.level == top else "#cbd5e0",
                    linewidth=1.0 if area.level == top else 0.4,
                )
    with engine.connect() as conn:
        roads = conn.execute(select(tables.roads.c.road_class, tables.roads.c.geometry)).all()
    widths = {"primary": 1.6, "secondary": 1.1, "tertiary": 0.7, "track": 0.4}
    for road_class, geometry in roads:
        line = shapely.from_wkb(geometry)
        for part in getattr(line, "geoms", [line]):
            x, y = part.xy
            axis.plot(x, y, color="#a0aec0", linewidth=widths.get(road_class, 0.5), zorder=1)
    covered = run.proposed.covered(run.standard_hours)
    lat = np.array([c.latitude for c in run.communities])
    lon = np.array([c.longitude for c in run.communities])
    size = 4 + 40 * np.sqrt(run.weights / max(run.weights.max(), 1.0))
    axis.scatter(
        lon[~covered],
        lat[~covered],
        s=size[~covered],
        c="#e53e3e",
        alpha=0.6,
        label=f"beyond {run.standard_hours:g} h",
    )
    axis.scatter(
        lon[covered],
        lat[covered],
        s=size[covered],
        c="#38a169",
        alpha=0.5,
        label=f"within {run.standard_hours:g} h",
    )
    if run.bases:
        axis.scatter(
            [b.longitude for b in run.bases],
            [b.latitude for b in run.bases],
            marker="s",
            s=60,
            c="#2b6cb0",
            edgecolors="white",
            label="existing bases",
        )
    chosen = [run.candidates[i - len(run.bases)] for i in run.result.sites]
    axis.scatter(
        [s.longitude for s in chosen],
        [s.latitude for s in chosen],
        marker="*",
        s=260,
        c="#d69e2e",
        edgecolors="black",
        label="proposed sites",
    )
    before, after = run.current.covered_share[0], run.proposed.covered_share[0]
    axis.set_title(
        f"{run.model.upper()}: {len(chosen)} new site(s); covered within {run.standard_hours:g} h "
        f"{before:.0%} -> {after:.0%} ({run.result.status})"
    )
    axis.set_aspect("equal")
    axis.legend(loc="lower left", fontsize=8)
    figure.tight_layout()
    figure.savefig(path)
    plt.close(figure)


def site_rows(run: AllocationRun) -> list[dict[str, Any]]:
    """The new sites as id, name, lat, lon, with their area (P-code, name), nearest community (name, km) and the
    population each newly covers, in the order of the proposal: the site that newly covers the most first, then
    each next site with the population beyond today's posture that no site above it reaches within the standard
    (marginal figures: they add up to the population the plan newly covers)."""
    return [dict(row) for row in run.sites]


def marginal_order(reach: NDArray[np.bool_], population: NDArray[np.float64]) -> list[tuple[int, float]]:
    """Sites (columns of ``reach``: communities x sites) in the order of what each adds, with the population it
    newly covers beyond the communities already reached by the sites before it (ties: the earlier column)."""
    remaining = np.ones(reach.shape[0], dtype=bool)
    left = list(range(reach.shape[1]))
    order = []
    while left:
        gains = (population * remaining) @ reach[:, left]
        best = int(np.argmax(gains))
        site = left.pop(best)
        order.append((site, float(gains[best])))
        remaining &= ~reach[:, site]
    return order


def describe_sites(
    engine: Engine,
    chosen: list[int],
    candidates: list[Site],
    existing: int,
    communities: list[Community],
    cost: NDArray[np.float64],
    current: CoverageResult,
    standard_hours: float,
    *,
    perceived: PerceivedRisk | None = None,
    blend: bool = False,
) -> list[dict[str, Any]]:
    """See :func:`site_rows`; ``chosen`` are columns of ``cost`` (demand x (posture, candidates)). Weighed by
    perceived risk (``perceived``), each row also says on what the weights of the communities it newly covers rest
    (``perceived_risk``: see :func:`pochub.core.perspectives.perceived.weight_basis`)."""
    new = [i for i in chosen if i >= existing]
    beyond = ~current.covered(standard_hours)  # what the posture leaves out: only that can be newly covered
    reach = (cost[:, new] <= standard_hours) & beyond[:, None]
    population = known_populations(communities)
    order = marginal_order(reach, population)
    sites = [candidates[new[k] - existing] for k, _ in order]
    newly, remaining = [], np.ones(len(communities), dtype=bool)
    for k, _ in order:  # the communities each site covers that no site above it does
        newly.append(np.flatnonzero(reach[:, k] & remaining).tolist())
        remaining &= ~reach[:, k]
    with engine.connect() as conn:
        areas = repositories.load_admin_areas(conn, 2) or repositories.load_admin_areas(conn, 1)
    lat = np.array([s.latitude for s in sites], dtype=np.float64)
    lon = np.array([s.longitude for s in sites], dtype=np.float64)
    if areas and sites:
        codes, names = AreaIndex.build(areas, areas[0].level).locate(lat, lon)
    else:
        codes = names = np.full(len(sites), None, dtype=object)
    c_lat = np.radians([c.latitude for c in communities])
    c_lon = np.radians([c.longitude for c in communities])
    rows = []
    for k, (site, (_, gained)) in enumerate(zip(sites, order, strict=True)):
        a, b = math.radians(site.latitude), math.radians(site.longitude)
        cosine = np.sin(a) * np.sin(c_lat) + np.cos(a) * np.cos(c_lat) * np.cos(c_lon - b)
        near = int(np.argmax(cosine))
        rows.append(
            {
                "id": site.site_id,
                "name": site.name,
                "lat": site.latitude,
                "lon": site.longitude,
                "area_pcode": codes[k],
                "area_name": names[k],
                "nearest_community": communities[near].name,
                "nearest_community_km": round(6371.0088 * math.acos(min(1.0, float(cosine[near]))), 1),
                "population_newly_covered": round(gained),
                "perceived_risk": None
                if perceived is None
                else weight_basis(perceived, newly[k], population.tolist(), blend=blend),
            }
        )
    return rows


# --- plans as background jobs -----------------------------------------------------------------------------


@dataclass
class PlanJob:
    """A plan started from the page: running, then done (with its result) or failed (with the reason)."""

    job_id: str
    owner: str
    state: str = "running"
    result: Any = None
    problem: str = ""


class PlanJobs:
    """Plans running in background threads of one server process, found again by an unguessable id.

    A solver run takes up to its time limit (25 s from the page); run inside a request it held a thread, and run
    on the event loop it stalled every other request, alert intake included. Here it runs in its own small pool
    (``workers`` at once, the others queued); the page polls the job. Only the last ``keep`` jobs are kept.
    """

    def __init__(self, workers: int = 1, keep: int = 50) -> None:
        self._executor = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="pochub-plan")
        self._lock = threading.Lock()
        self._jobs: OrderedDict[str, PlanJob] = OrderedDict()
        self._futures: dict[str, Future[None]] = {}
        self._keep = keep

    def submit(self, owner: str, run: Callable[[], Any]) -> str:
        """Start ``run`` in the background for ``owner``; the job's id."""
        job = PlanJob(secrets.token_urlsafe(16), owner)
        with self._lock:
            self._jobs[job.job_id] = job
            while len(self._jobs) > self._keep:
                gone, _ = self._jobs.popitem(last=False)
                self._futures.pop(gone, None)
            self._futures[job.job_id] = self._executor.submit(self._run, job, run)
        return job.job_id

    @staticmethod
    def _run(job: PlanJob, run: Callable[[], Any]) -> None:
        try:
            job.result = run()
        except (Infeasible, InvalidInput) as exc:
            job.problem = str(exc)
            job.state = "failed"
        except Exception:  # the page says the plan failed; the log keeps why
            log.exception("plan %s failed", job.job_id)
            job.problem = "the plan failed (see the server log)"
            job.state = "failed"
        else:
            job.state = "done"

    def get(self, job_id: str, owner: str) -> PlanJob | None:
        """The job, if it exists and belongs to ``owner`` (another user's id finds nothing)."""
        with self._lock:
            job = self._jobs.get(job_id)
        return job if job is not None and job.owner == owner else None

    def wait(self, job_id: str, timeout: float | None = None) -> None:
        """Block until the job has finished (scripts and tests; the page polls instead)."""
        with self._lock:
            future = self._futures.get(job_id)
        if future is not None:
            futures_wait([future], timeout=timeout)

    def shutdown(self) -> None:
        """Stop taking jobs; running ones finish in their threads."""
        self._executor.shutdown(wait=False, cancel_futures=True)

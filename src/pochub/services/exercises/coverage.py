"""Coverage at a moment of an exercise: the civilians at risk a team's posture covers against the optimal plan
with as many units moved (maximal covering on HiGHS)."""

from __future__ import annotations

import math
from dataclasses import dataclass, field, replace
from datetime import datetime

import numpy as np
import shapely
from sqlalchemy import Connection, select

from pochub.core.allocation._geodesy import Points
from pochub.core.allocation.covering import MaximalCovering
from pochub.core.allocation.solver import HighsSolver
from pochub.core.allocation.travel import RoadGraph, Season, SeasonRule, SpeedProfile
from pochub.core.exercise.scoring import CoverageComparison
from pochub.core.models.capacities import Unit
from pochub.core.models.places import Community, Road
from pochub.services.allocation import Network, Site
from pochub.services.exercises.records import load_units
from pochub.store import repositories, tables

CUT_SURFACE = "cut by the exercise"
"""The surface a cut road takes: closed in every season (a rule of factor 0), still a road of the graph."""


@dataclass(frozen=True)
class Mission:
    """The mission's static picture, loaded once per scoring run."""

    communities: list[Community]
    units: list[Unit]
    bases: dict[str, Site]
    roads: list[Road]
    off_road_kmh: float = 20.0
    radius_km: float = 25.0
    networks: dict[tuple[frozenset[str], str], Network] = field(default_factory=dict)

    def network(self, cut: frozenset[str], season: str) -> Network:
        """The road network in the season with the cut roads closed (cached). The cut roads stay in the graph,
        closed, so places snap to the same nodes as without the cut: deleting them moved a village off a cut track
        onto a connected road, and cutting a road could raise an exercise's coverage."""
        key = (cut, season)
        if key not in self.networks:
            roads = [replace(r, surface=CUT_SURFACE) if r.road_id in cut else r for r in self.roads]
            profile = SpeedProfile().with_season(Season(season))
            profile = replace(
                profile, rules=(*(SeasonRule(s, CUT_SURFACE, 0.0) for s in Season), *profile.rules)
            )
            graph = RoadGraph.from_roads(roads, profile) if roads else None
            self.networks[key] = Network(graph, self.off_road_kmh, Season(season))
        return self.networks[key]


def load_mission(conn: Connection) -> Mission:
    """The mission's static picture from the store: communities, units, bases and roads."""
    bases = {
        r.base_id: Site(r.base_id, r.name, r.latitude, r.longitude)
        for r in conn.execute(select(tables.bases))
    }
    roads = [
        Road(r.road_id, r.road_class, r.surface, shapely.from_wkb(r.geometry), r.speed_kmh)
        for r in conn.execute(select(tables.roads))
    ]
    return Mission(repositories.load_communities(conn), load_units(conn), bases, roads)


def _km(lat1: float, lon1: float, lat2: np.ndarray, lon2: np.ndarray) -> np.ndarray:
    """Great-circle kilometres from one point to many."""
    p1, p2 = math.radians(lat1), np.radians(lat2)
    dphi, dlmb = p2 - p1, np.radians(lon2) - math.radians(lon1)
    a = np.sin(dphi / 2) ** 2 + math.cos(p1) * np.cos(p2) * np.sin(dlmb / 2) ** 2
    return np.asarray(2 * 6371.0088 * np.arcsin(np.sqrt(np.minimum(a, 1.0))), dtype=np.float64)


@dataclass(frozen=True)
class Situation:
    """What held at one exercise moment: open real alerts, moved units, unavailable units, cut roads."""

    at: datetime
    alerts: list[tuple[str, float, float]]  # (reference, lat, lon) of open alerts of real threats
    moved: dict[str, str]  # unit id -> reference of the alert it went to
    unavailable: frozenset[str]
    cut: frozenset[str]
    season: str


@dataclass(frozen=True)
class Moment:
    """A key moment of the review: the comparison and what the map draws."""

    team: str
    at: datetime
    title: str
    comparison: CoverageComparison
    demand: list[tuple[str, float, float, float, bool]]  # (name, lat, lon, weight, covered by the team)
    alerts: list[tuple[str, float, float]]
    fixed: list[Site]
    team_sites: list[Site]
    optimal_sites: list[Site]


def coverage_at(
    mission: Mission, situation: Situation, standard_hours: float, team: str, title: str
) -> Moment | None:
    """Civilians at risk within the standard of the team's posture, and of the optimal plan with as many units
    moved (maximal covering on HiGHS, the bases of the units left in place fixed)."""
    if not situation.alerts:
        return None
    lat = np.array([c.latitude for c in mission.communities], dtype=np.float64)
    lon = np.array([c.longitude for c in mission.communities], dtype=np.float64)
    near = np.zeros(len(mission.communities), dtype=bool)
    for _, alat, alon in situation.alerts:
        if len(lat):
            near |= _km(alat, alon, lat, lon) <= mission.radius_km
    if near.any():
        chosen = [c for c, n in zip(mission.communities, near, strict=True) if n]
        demand = [(c.name, c.latitude, c.longitude, float(c.population or 1)) for c in chosen]
        measure = "civilians"
    else:
        demand = [(ref, alat, alon, 1.0) for ref, alat, alon in situation.alerts]
        measure = "places"
    alert_sites = {ref: Site(ref, ref, alat, alon) for ref, alat, alon in situation.alerts}
    staying = [
        u
        for u in mission.units
        if u.unit_id not in situation.unavailable and u.unit_id not in situation.moved
    ]
    fixed = list(
        {u.home_base: mission.bases[u.home_base] for u in staying if u.home_base in mission.bases}.values()
    )
    team_sites = list(
        {ref: alert_sites[ref] for ref in situation.moved.values() if ref in alert_sites}.values()
    )
    candidates = list(alert_sites.values()) + [
        Site(f"near:{n}", n, la, lo) for n, la, lo, _ in demand if measure == "civilians"
    ]
    network = mission.network(situation.cut, situation.season)
    points = Points.from_arrays([d[1] for d in demand], [d[2] for d in demand])
    sites = fixed + candidates
    cost = network.hours(sites, points).T  # demand x sites
    weights = np.array([d[3] for d in demand], dtype=np.float64)
    team_columns = list(range(len(fixed))) + [
        len(fixed) + list(alert_sites).index(s.site_id) for s in team_sites
    ]
    team_time = cost[:, team_columns].min(axis=1) if team_columns else np.full(len(demand), np.inf)
    team_covered = team_time <= standard_hours
    p = min(max(1, len(team_sites)), len(candidates))
    result = MaximalCovering.from_cost_matrix(
        cost, weights, standard_hours, p, list(range(len(fixed)))
    ).solve(HighsSolver(time_limit_seconds=20))
    optimal = [sites[int(i)] for i in result.sites]
    comparison = CoverageComparison(
        at=situation.at, at_risk=float(weights.sum()), team_covered=float(weights[team_covered].sum()),
        optimal_covered=max(float(result.covered_weight), float(weights[team_covered].sum())),
        units_moved=len(situation.moved), standard_hours=standard_hours,
        team_sites=tuple(s.name for s in team_sites), optimal_sites=tuple(s.name for s in optimal), measure=measure,
    )  # fmt: skip
    return Moment(
        team, situation.at, title, comparison,
        [(d[0], d[1], d[2], d[3], bool(c)) for d, c in zip(demand, team_covered, strict=True)],
        situation.alerts, fixed, team_sites, optimal,
    )  # fmt: skip

"""The demo conflict: armed groups, their background activity over time, and the events they cause.

Each armed group has a home region, a slowly rising baseline with a dry-season peak, and a few escalation
phases (bursts centred on a focus village). Demonstrations are one more stream, centred on the towns and on
two election periods. The Hawkes process (``hawkes.py``) adds the self-excitation; each simulated event is
then reported at the nearest community and given an ACLED event type, a counterpart and fatalities.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import numpy as np
from scipy.spatial import cKDTree

from pochub.demo.geography import FloatArray, IntArray
from pochub.demo.hawkes import Background, Catalogue, Kernel, simulate
from pochub.demo.names import NameMaker
from pochub.demo.settlements import Settlements

START = date(2017, 1, 1)
END = date(2026, 10, 31)
"""The fixed reference end date of the demo data."""
N_DAYS = (END - START).days + 1
ELECTIONS = (date(2020, 12, 27), date(2025, 12, 28))
"""Fictional election days, around which demonstrations surge."""
OVERSHOOT = 1.04
"""Aim slightly above the requested number of events; a top-up run covers any remaining shortfall."""

KINDS = (
    ("Violence against civilians", "Attack"),
    ("Violence against civilians", "Abduction/forced disappearance"),
    ("Violence against civilians", "Sexual violence"),
    ("Battles", "Armed clash"),
    ("Explosions/Remote violence", "Remote explosive/landmine/IED"),
    ("Explosions/Remote violence", "Shelling/artillery/missile attack"),
    ("Strategic developments", "Looting/property destruction"),
    ("Protests", "Peaceful protest"),
    ("Riots", "Mob violence"),
)
"""(event_type, sub_event_type) pairs used by the demo, all from ACLED's current typology."""
ATTACK, ABDUCTION, SEXUAL_VIOLENCE, CLASH, IED, SHELLING, LOOTING, PROTEST, RIOT = range(len(KINDS))
DISORDER = (
    *(["Political violence"] * 6),
    "Strategic developments",
    "Demonstrations",
    "Political violence; Demonstrations",
)
"""ACLED disorder_type of each kind."""
FATALITY_MEAN = (2.2, 0.25, 0.05, 3.5, 1.8, 2.5, 0.25, 0.0, 0.3)
FATALITY_DISPERSION = (0.45, 0.3, 0.3, 0.5, 0.5, 0.4, 0.3, 1.0, 0.3)
"""Negative binomial fatalities per kind: mostly 0-5 with a heavy tail."""

NO_ACTOR = -1
CIVILIANS = -2
"""Counterpart codes besides an armed group's index."""


@dataclass(frozen=True)
class ArmedGroup:
    """A conflict actor with its ACLED name and inter code, its activity share and its habits."""

    name: str
    short: str
    ucdp_name: str
    inter: int
    share: float
    home_spread_km: float
    kind_odds: tuple[float, ...]
    branching_ratio: float = 0.6
    mean_delay_days: float = 7.0
    sigma_km: float = 8.0


@dataclass(frozen=True)
class Actors:
    """All streams: the armed groups, then the demonstrations stream (always last)."""

    groups: tuple[ArmedGroup, ...]
    homes: IntArray
    """Home community (site index) of each stream."""

    @property
    def demonstrations(self) -> int:
        """Stream index of protests and riots."""
        return len(self.groups) - 1


@dataclass(frozen=True)
class Events:
    """Reported events, sorted by date: where (community), who, what, and how many were killed."""

    day: IntArray
    site: IntArray
    stream: IntArray
    kind: IntArray
    counterpart: IntArray
    fatalities: IntArray

    def __len__(self) -> int:
        return len(self.day)


def make_actors(rng: np.random.Generator, names: NameMaker, settlements: Settlements) -> Actors:
    """The six armed groups and the demonstrations stream, each with a home community."""
    ethnic = (names.place(), names.place())
    militia = [f"{e} Ethnic Militia (Kanthara)" for e in ethnic]
    # name, short name, UCDP name, inter, share, home spread (km), odds of each KINDS entry, kernel
    groups = (
        ArmedGroup("Military Forces of Kanthara (2016-)", "FAK soldiers", "Government of Kanthara", 1, 0.14,
                   250.0, (0.15, 0.04, 0.03, 0.6, 0.0, 0.11, 0.07, 0, 0), 0.55, 5.0, 10.0),
        ArmedGroup("KLF: Kanthara Liberation Front", "KLF fighters", "KLF", 2, 0.21,
                   90.0, (0.31, 0.13, 0.06, 0.25, 0.08, 0.02, 0.15, 0, 0)),
        ArmedGroup("UPJK: Union for Peace and Justice in Kanthara", "UPJK fighters", "UPJK", 2, 0.15,
                   80.0, (0.32, 0.12, 0.05, 0.27, 0.06, 0.03, 0.15, 0, 0)),
        ArmedGroup("MPR: Movement of Patriots for Renewal", "MPR militiamen", "MPR", 3, 0.11,
                   70.0, (0.36, 0.12, 0.06, 0.2, 0.02, 0.0, 0.24, 0, 0)),
        ArmedGroup(militia[0], f"{ethnic[0]} militiamen", ethnic[0], 4, 0.16,
                   60.0, (0.42, 0.1, 0.07, 0.21, 0.0, 0.0, 0.2, 0, 0), 0.65, 6.0, 7.0),
        ArmedGroup(militia[1], f"{ethnic[1]} militiamen", ethnic[1], 4, 0.13,
                   60.0, (0.4, 0.1, 0.06, 0.24, 0.0, 0.0, 0.2, 0, 0), 0.65, 6.0, 7.0),
        ArmedGroup("Protesters (Kanthara)", "residents", "Protesters", 6, 0.10,
                   0.0, (0, 0, 0, 0, 0, 0, 0, 0.7, 0.3), 0.5, 5.0, 5.0),
    )  # fmt: skip
    xy = settlements.xy
    towns = np.flatnonzero(settlements.is_town)
    capital = int(towns[np.argmax(settlements.population[towns])])
    homes = [capital]
    for _ in range(3):  # rebels and the political militia: distinct district seats away from the capital
        homes.append(int(rng.choice([t for t in towns if t not in homes and t != capital])))
    first_militia = int(rng.choice([t for t in towns if t not in homes]))
    gap = ((xy[towns] - xy[first_militia]) ** 2).sum(axis=1)
    rival = int(towns[np.argsort(gap)[1]])  # the neighbouring district's seat: rivals share a frontier
    homes += [first_militia, rival, capital]
    return Actors(groups, np.array(homes, dtype=np.int64))


def _season(days: FloatArray) -> FloatArray:
    """More violence in the dry season (peaking in February), less in the rains."""
    day_of_year = (days + (START - date(START.year, 1, 1)).days) % 365.25
    season: FloatArray = 1.0 + 0.25 * np.cos(2 * np.pi * (day_of_year - 45) / 365.25)
    return season


def _near(xy: FloatArray, centre: FloatArray, spread_km: float, population: FloatArray) -> FloatArray:
    """Site weights around a centre: Gaussian in distance, times the square root of population."""
    gap = ((xy - centre) ** 2).sum(axis=1)
    weights: FloatArray = np.sqrt(population) * np.exp(-gap / (2 * spread_km**2)) + 1e-12
    return weights


def backgrounds(
    rng: np.random.Generator, actors: Actors, settlements: Settlements, total: float
) -> list[Background]:
    """Background components for ``total`` expected events: a baseline and escalation phases per stream."""
    xy, population = settlements.xy, settlements.population.astype(np.float64)
    days = np.arange(N_DAYS, dtype=np.float64)
    season = _season(days)
    components: list[Background] = []
    for stream, group in enumerate(actors.groups):
        expected = total * group.share * (1 - group.branching_ratio)
        if stream == actors.demonstrations:
            sites = population**1.5
            trend = np.ones(N_DAYS)
            centres = [float((e - START).days) for e in ELECTIONS] + [float(rng.uniform(0, N_DAYS))]
        elif group.inter == 1:  # state forces go where the armed groups are, and guard the capital
            sites = sum(
                (
                    _near(xy, xy[h], g.home_spread_km, population)
                    for h, g in zip(actors.homes[1:-1], actors.groups[1:-1], strict=True)
                ),
                start=_near(xy, xy[actors.homes[stream]], 60.0, population),
            )
            trend = (0.6 + 0.8 * days / N_DAYS) * season
            centres = list(rng.uniform(0, N_DAYS, int(rng.integers(2, 4))))
        else:
            sites = _near(xy, xy[actors.homes[stream]], group.home_spread_km, population)
            trend = (0.6 + 0.8 * days / N_DAYS) * season
            centres = list(rng.uniform(0, N_DAYS, int(rng.integers(2, 5))))
        components.append(Background(stream, 0.55 * expected, trend, sites))
        widths = rng.uniform(25, 110, len(centres))
        amplitude = rng.uniform(0.5, 1.5, len(centres)) * widths
        for centre, width, weight in zip(centres, widths, amplitude / amplitude.sum(), strict=True):
            focus = int(rng.choice(len(xy), p=sites / sites.sum()))
            bump = np.exp(-0.5 * ((days - centre) / width) ** 2) + 1e-12
            components.append(
                Background(stream, 0.45 * expected * weight, bump, _near(xy, xy[focus], 25.0, population))
            )
    return components


def simulate_conflict(
    rng: np.random.Generator, actors: Actors, settlements: Settlements, n_events: int
) -> Catalogue:
    """At least ``n_events`` events of the self-exciting process (topped up by independent runs if short)."""
    kernels = tuple(Kernel(g.branching_ratio, g.mean_delay_days, g.sigma_km) for g in actors.groups)
    components = backgrounds(rng, actors, settlements, n_events * OVERSHOOT)
    catalogue = simulate(rng, settlements.xy, components, kernels, float(N_DAYS))
    while len(catalogue) < n_events:
        scale = 1.2 * (n_events - len(catalogue)) / (n_events * OVERSHOOT) + 0.01
        extra = [Background(c.stream, c.expected * scale, c.day_weights, c.site_weights) for c in components]
        catalogue = catalogue.merged(simulate(rng, settlements.xy, extra, kernels, float(N_DAYS)))
    return catalogue


def _draw(rng: np.random.Generator, odds: FloatArray) -> IntArray:
    """One index per row of a matrix of (unnormalised) odds."""
    cumulative = np.cumsum(odds, axis=1)
    u = rng.random(len(odds)) * cumulative[:, -1]
    drawn: IntArray = np.minimum((u[:, None] >= cumulative).sum(axis=1), odds.shape[1] - 1).astype(np.int64)
    return drawn


def counterparts(
    rng: np.random.Generator,
    actors: Actors,
    settlements: Settlements,
    site: IntArray,
    stream: IntArray,
    kind: IntArray,
) -> IntArray:
    """The second actor of each event: an armed group (index), civilians, or nobody.

    Clashes are fought against state forces or a group active nearby (rival militias favour each other);
    explosions hit state forces or civilians; shelling by state forces hits the nearest armed group.
    """
    xy = settlements.xy
    armed = len(actors.groups) - 1
    near = np.exp(
        -((xy[site][:, None, :] - xy[actors.homes[:armed]][None, :, :]) ** 2).sum(axis=2) / (2 * 150**2)
    )
    near[:, 0] = 1.0
    affinity = np.ones((armed, armed)) - np.eye(armed)
    affinity[1:, 0] = (3.0, 3.0, 1.5, 0.8, 0.8)  # rebels fight the state most, ethnic militias least
    affinity[4, 5] = affinity[5, 4] = 4.0  # the two ethnic militias are rivals
    safe_stream = np.minimum(stream, armed - 1)
    opponent = _draw(rng, near * affinity[safe_stream] + 1e-12)
    result = np.full(len(site), NO_ACTOR, dtype=np.int64)
    civilian_kinds = np.isin(kind, (ATTACK, ABDUCTION, SEXUAL_VIOLENCE))
    result[civilian_kinds] = CIVILIANS
    result[kind == CLASH] = opponent[kind == CLASH]
    u = rng.random(len(site))
    explosive = np.isin(kind, (IED, SHELLING))
    by_state = stream == 0
    result[explosive & ~by_state] = np.where(u[explosive & ~by_state] < 0.55, 0, CIVILIANS)
    result[explosive & by_state] = np.where(
        u[explosive & by_state] < 0.7, opponent[explosive & by_state], CIVILIANS
    )
    result[kind == LOOTING] = np.where(u[kind == LOOTING] < 0.85, CIVILIANS, NO_ACTOR)
    riot = kind == RIOT
    result[riot] = np.where(u[riot] < 0.5, actors.demonstrations, NO_ACTOR)
    return result


def report_events(
    rng: np.random.Generator, actors: Actors, settlements: Settlements, catalogue: Catalogue
) -> Events:
    """Report each simulated event at the nearest community, with its kind, counterpart and fatalities."""
    _, site = cKDTree(settlements.xy).query(catalogue.xy)
    site = np.asarray(site, dtype=np.int64)
    stream = catalogue.stream
    odds = np.array([g.kind_odds for g in actors.groups], dtype=np.float64)
    kind = _draw(rng, odds[stream])
    mean = np.array(FATALITY_MEAN)[kind]
    dispersion = np.array(FATALITY_DISPERSION)[kind]
    fatalities = np.where(
        mean > 0, rng.negative_binomial(dispersion, dispersion / (dispersion + mean + 1e-12)), 0
    )
    return Events(
        day=np.floor(catalogue.time).astype(np.int64),
        site=site,
        stream=stream,
        kind=kind,
        counterpart=counterparts(rng, actors, settlements, site, stream, kind),
        fatalities=np.minimum(fatalities, 350).astype(np.int64),
    )

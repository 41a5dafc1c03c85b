"""Write the demo events as an ACLED export (current 31 columns) and a UCDP GED file re-reporting a few.

The UCDP rows are cross-source duplicates on purpose: the same deadly events, re-coded the way UCDP codes
them (type of violence, dyads, deaths by side, best/low/high), dated the same day or a day off and placed a
few km away, so that the importers' linking of sources has something to find.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import numpy as np

from pochub.demo.conflict import (
    ABDUCTION,
    ATTACK,
    CIVILIANS,
    CLASH,
    DISORDER,
    IED,
    KINDS,
    LOOTING,
    NO_ACTOR,
    PROTEST,
    RIOT,
    SEXUAL_VIOLENCE,
    SHELLING,
    START,
    Actors,
    Events,
)
from pochub.demo.geography import Geography, IntArray, to_degrees, to_km
from pochub.demo.settlements import Settlements
from pochub.demo.writing import write_csv
from pochub.ingest.acled import COLUMNS as ACLED_EXPORT_COLUMNS
from pochub.ingest.ucdp import COLUMNS as UCDP_RELEASE_COLUMNS

ACLED_COLUMNS = ACLED_EXPORT_COLUMNS
UCDP_COLUMNS = UCDP_RELEASE_COLUMNS

COUNTRY = "Kanthara"
ISO = 999
"""Fictional numeric country code (ACLED ``iso``, UCDP ``country_id`` and Gleditsch-Ward number)."""
SOURCES = (
    "Radio Tessaka FM", "Voix de la Lowali", "Kanthara Community Radio Network", "Radio Mbandi Libre",
    "Echo du Nord-Kanthara", "Radio Paix et Espoir", "Le Messager de Kanthara", "Radio Zanga Communautaire",
)  # fmt: skip
"""Fictional local media."""
VICTIM_GROUPS = (
    "Farmers (Kanthara)", "Refugees/IDPs (Kanthara)", "Herders (Kanthara)", "Traders (Kanthara)",
    "Health Workers (Kanthara)", "Aid Workers (Kanthara)", "Students (Kanthara)",
)  # fmt: skip
PROTEST_GROUPS = ("Students (Kanthara)", "Traders (Kanthara)", "Women (Kanthara)", "Teachers (Kanthara)")
MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
          "November", "December")  # fmt: skip
EPOCH = datetime(1970, 1, 1, tzinfo=UTC).date()
CIVILIANS_NAME = "Civilians (Kanthara)"
RIOTERS_NAME = "Rioters (Kanthara)"
UCDP_SHARE = 0.08
"""Share of the deadly organised-violence events that UCDP re-reports."""


@dataclass(frozen=True)
class Place:
    """Where an event is reported: the community and its admin names."""

    location: str
    admin1: str
    admin2: str
    latitude: float
    longitude: float


def place_of(site: int, settlements: Settlements, geography: Geography) -> Place:
    """The community ``site`` with the names of its district and province."""
    district = geography.districts[int(settlements.district[site])]
    province = geography.provinces[district.province]
    return Place(
        settlements.names[site],
        province.name,
        district.name,
        float(settlements.lat[site]),
        float(settlements.lon[site]),
    )


def long_date(day: date) -> str:
    """A date as ACLED notes write it (``3 March 2021``), independent of the locale."""
    return f"{day.day} {MONTHS[day.month - 1]} {day.year}"


def _counterpart(actors: Actors, code: int) -> tuple[str, int]:
    """Name and inter code of an event's second actor."""
    if code == CIVILIANS:
        return CIVILIANS_NAME, 7
    if code == NO_ACTOR:
        return "", 0
    if code == actors.demonstrations:
        return RIOTERS_NAME, 5
    return actors.groups[code].name, actors.groups[code].inter


def _first_actor(actors: Actors, stream: int, kind: int) -> tuple[str, int, str]:
    """Name, inter code and short name of an event's first actor."""
    if kind == RIOT:
        return RIOTERS_NAME, 5, "a mob"
    group = actors.groups[stream]
    return group.name, group.inter, group.short


def note(kind: int, day: date, who: str, whom: str, where: Place, fatalities: int) -> str:
    """A short ACLED-style description of the event."""
    at = f"{where.location} ({where.admin2}, {where.admin1})"
    killed = f", killing {fatalities}" if fatalities else ""
    text = {
        ATTACK: f"{who} attacked civilians in {at}{killed or ', injuring several'}.",
        ABDUCTION: f"{who} abducted civilians near {at}{killed}.",
        SEXUAL_VIOLENCE: f"{who} committed sexual violence against a woman in {at}.",
        CLASH: f"{who} clashed with {whom} in {at}. {fatalities} fatalities reported.",
        IED: f"an explosive device laid by {who} went off near {at}{killed}, hitting {whom or 'a vehicle'}.",
        SHELLING: f"{who} shelled positions of {whom or 'unknown fighters'} around {at}{killed}.",
        LOOTING: f"{who} looted shops and burned houses in {at}{killed}.",
        PROTEST: f"residents of {at} protested against insecurity and asked for protection. [size=no report]",
        RIOT: f"a mob attacked and burned the market in {at}{killed}.",
    }[kind]
    return f"On {long_date(day)}, {text}"


def write_acled(
    path: Path,
    rng: np.random.Generator,
    events: Events,
    actors: Actors,
    settlements: Settlements,
    geography: Geography,
) -> None:
    """Write the events in the current ACLED export format (ids KTH1, KTH2, ... in date order)."""
    n = len(events)
    time_precision = rng.choice([1, 2, 3], size=n, p=[0.9, 0.08, 0.02])
    geo_precision = np.where(settlements.is_town[events.site] | (rng.random(n) < 0.7), 1, 2)
    source = rng.integers(0, len(SOURCES), size=(n, 2))
    two_sources = rng.random(n) < 0.25
    victims = rng.integers(0, len(VICTIM_GROUPS), size=n)
    victims_named = rng.random(n) < 0.4
    protest_group = rng.integers(-2, len(PROTEST_GROUPS), size=n)
    police = rng.random(n) < 0.2
    lag = rng.integers(3 * 86400, 21 * 86400, size=n)
    rows = []
    for i in range(n):
        day = START + timedelta(days=int(events.day[i]))
        kind, stream, code = int(events.kind[i]), int(events.stream[i]), int(events.counterpart[i])
        actor1, inter1, who = _first_actor(actors, stream, kind)
        actor2, inter2 = _counterpart(actors, code)
        whom = "civilians" if code == CIVILIANS else (actors.groups[code].short if code >= 0 else "")
        assoc1 = "Police Forces of Kanthara (2016-)" if inter1 == 1 and police[i] else ""
        if kind == PROTEST and protest_group[i] >= 0:
            assoc1 = PROTEST_GROUPS[protest_group[i]]
        assoc2 = ""
        if code == CIVILIANS:
            assoc2 = (
                "Women (Kanthara)"
                if kind == SEXUAL_VIOLENCE
                else (VICTIM_GROUPS[victims[i]] if victims_named[i] else "")
            )
        interaction = inter1 * 10 if inter2 == 0 else 10 * min(inter1, inter2) + max(inter1, inter2)
        where = place_of(int(events.site[i]), settlements, geography)
        sources = (
            sorted({SOURCES[source[i, 0]], SOURCES[source[i, 1]]})
            if two_sources[i]
            else [SOURCES[source[i, 0]]]
        )
        fatalities = int(events.fatalities[i])
        rows.append((
            f"KTH{i + 1}", day.isoformat(), day.year, int(time_precision[i]), DISORDER[kind], KINDS[kind][0],
            KINDS[kind][1], actor1, assoc1, inter1, actor2, assoc2, inter2, interaction,
            "Civilian targeting" if code == CIVILIANS else "", ISO, "Middle Africa", COUNTRY, where.admin1,
            where.admin2, "", where.location, f"{where.latitude:.4f}", f"{where.longitude:.4f}",
            int(geo_precision[i]), "; ".join(sources), "Local partner",
            note(kind, day, who, whom, where, fatalities), fatalities, "",
            (day - EPOCH).days * 86400 + int(lag[i]),
        ))  # fmt: skip
    write_csv(path, ACLED_COLUMNS, rows)


def ucdp_selection(rng: np.random.Generator, events: Events) -> IntArray:
    """Indices of the events UCDP re-reports: a sample of deadly organised violence with a known target."""
    organised = np.isin(events.kind, (ATTACK, ABDUCTION, SEXUAL_VIOLENCE, CLASH, IED, SHELLING, LOOTING))
    eligible = organised & (events.fatalities > 0) & (events.counterpart != NO_ACTOR)
    return np.flatnonzero(eligible & (rng.random(len(events)) < UCDP_SHARE))


@dataclass(frozen=True)
class Dyad:
    """A UCDP dyad: type of violence, conflict and dyad ids and names, and its two sides."""

    type_of_violence: int
    conflict_id: int
    conflict_name: str
    dyad_id: int
    side_a: str
    side_a_id: int
    side_b: str
    side_b_id: int
    gwnoa: str


def dyad_of(actors: Actors, stream: int, code: int) -> Dyad:
    """How UCDP codes the pair of actors: one-sided (3), state-based (1) or non-state (2)."""
    groups = actors.groups
    if code == CIVILIANS:
        a = groups[stream].ucdp_name
        return Dyad(
            3,
            16000 + stream,
            f"{a} - Civilians",
            22000 + stream,
            a,
            7000 + stream,
            "Civilians",
            1,
            str(ISO) if stream == 0 else "",
        )
    if 0 in (stream, code):
        rebel = code if stream == 0 else stream
        return Dyad(
            1,
            14000,
            f"{COUNTRY}: Government",
            20000 + rebel,
            groups[0].ucdp_name,
            7000,
            groups[rebel].ucdp_name,
            7000 + rebel,
            str(ISO),
        )
    first, second = sorted((stream, code))
    name = f"{groups[first].ucdp_name} - {groups[second].ucdp_name}"
    pair = 15000 + 10 * first + second
    return Dyad(
        2,
        pair,
        name,
        pair + 10000,
        groups[first].ucdp_name,
        7000 + first,
        groups[second].ucdp_name,
        7000 + second,
        "",
    )


def priogrid_gid(latitude: float, longitude: float) -> int:
    """PRIO-GRID cell id of a point (0.5 degree cells numbered row by row from the south-west)."""
    return int((latitude + 90) // 0.5) * 720 + int((longitude + 180) // 0.5) + 1


def _deaths(rng: np.random.Generator, best: int, one_sided: bool) -> tuple[int, int, int, int, int, int]:
    """(deaths_a, deaths_b, deaths_civilians, deaths_unknown, high, low) adding up to ``best``."""
    if one_sided:
        split = (0, 0, best, 0)
    else:
        side_a = int(rng.binomial(best, 0.4))
        side_b = int(rng.binomial(best - side_a, 0.75))
        civilians = int(rng.binomial(best - side_a - side_b, 0.5))
        split = (side_a, side_b, civilians, best - side_a - side_b - civilians)
    high = best + int(rng.binomial(best, 0.3)) + int(rng.random() < 0.2)
    low = best - int(rng.binomial(best, 0.2))
    return (*split, high, low)


def write_ucdp(
    path: Path,
    rng: np.random.Generator,
    events: Events,
    actors: Actors,
    settlements: Settlements,
    geography: Geography,
) -> int:
    """Write the UCDP GED re-reports of a sample of the events; return how many rows were written."""
    chosen = ucdp_selection(rng, events)
    shift = rng.choice([-1, 0, 1], size=len(chosen), p=[0.15, 0.7, 0.15])
    radius = 4.5 * np.sqrt(rng.random(len(chosen)))
    angle = rng.uniform(0, 2 * np.pi, len(chosen))
    site_xy = to_km(settlements.lon[events.site[chosen]], settlements.lat[events.site[chosen]])
    lon, lat = to_degrees(site_xy + np.column_stack((radius * np.cos(angle), radius * np.sin(angle))))
    lon, lat = np.round(lon, 4), np.round(lat, 4)
    outside = ~geography.inside(lon, lat)
    lon[outside] = settlements.lon[events.site[chosen]][outside]
    lat[outside] = settlements.lat[events.site[chosen]][outside]
    rows = []
    for n, (i, days, x, y) in enumerate(zip(chosen, shift, lon, lat, strict=True), start=1):
        day = START + timedelta(days=int(events.day[i]) + int(days))
        dyad = dyad_of(actors, int(events.stream[i]), int(events.counterpart[i]))
        where = place_of(int(events.site[i]), settlements, geography)
        best = max(1, int(events.fatalities[i]) + int(rng.integers(-1, 2)))
        deaths = _deaths(rng, best, dyad.type_of_violence == 3)
        office = SOURCES[int(rng.integers(0, len(SOURCES)))]
        headline = f"Deadly violence in {where.location}"
        precise = rng.random() < 0.7
        rows.append((
            400000 + n, f"KTH-{day.year}-{dyad.type_of_violence}-{dyad.dyad_id}-{n}", day.year, 1, "Clear",
            dyad.type_of_violence, dyad.conflict_id, dyad.conflict_id, dyad.conflict_name, dyad.dyad_id,
            dyad.dyad_id, f"{dyad.side_a} - {dyad.side_b}", dyad.side_a_id, dyad.side_a_id, dyad.side_a,
            dyad.side_b_id, dyad.side_b_id, dyad.side_b, int(rng.integers(1, 4)),
            f'"{headline}," {office}, {day.isoformat()}', office, day.isoformat(), headline, office,
            1 if precise else 2, where.location if precise else f"{where.location} area",
            f"{where.location}, {where.admin2} district, {where.admin1} province",
            f"{where.admin1} province", f"{where.admin2} district", f"{y:.4f}", f"{x:.4f}",
            f"POINT ({x:.4f} {y:.4f})", priogrid_gid(float(y), float(x)), COUNTRY, ISO, "Africa", 1, 1,
            day.isoformat(), day.isoformat(), *deaths[:4], best, deaths[4], deaths[5], dyad.gwnoa, "",
        ))  # fmt: skip
    write_csv(path, UCDP_COLUMNS, rows)
    return len(rows)

"""The demo mission's footprint: field offices, bases and units.

Bases follow the threat: company operating bases go to the district seats with most events, temporary
operating bases to the recent hotspots that no base covers yet. Each province outside the capital has a field
office with a sector HQ in its capital; the office nearest the capital also covers the capital's province.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from pochub.demo.conflict import N_DAYS, PROTEST, RIOT, Events
from pochub.demo.geography import Geography, to_km
from pochub.demo.settlements import Settlements, province_capitals

CAPACITY = {
    "mission_hq": 1200,
    "sector_hq": 850,
    "company_operating_base": 180,
    "temporary_operating_base": 45,
}
"""Troop capacity by base type."""
N_COMPANY_BASES = 12
N_TEMPORARY_BASES = 2
TOB_MIN_GAP_KM = 30.0
"""A temporary operating base goes where no other base is this close."""
RECENT_DAYS = 180
COMPASS = ("East", "North-East", "North", "North-West", "West", "South-West", "South", "South-East")
PHONETIC = ("Alpha", "Bravo", "Charlie", "Delta", "Echo", "Foxtrot", "Golf")
ORDINALS = ("1st", "2nd", "3rd")


@dataclass(frozen=True)
class Base:
    """A mission base."""

    base_id: str
    name: str
    base_type: str
    lat: float
    lon: float
    pcode: str
    capacity: int


@dataclass(frozen=True)
class Unit:
    """A deployable unit or team at its home base."""

    unit_id: str
    name: str
    unit_type: str
    strength: int
    home_base: str
    tiers: str
    road_speed_kmh: int
    air: bool
    readiness: str


@dataclass(frozen=True)
class FieldOffice:
    """A field office: its town, its sector HQ base, and the provinces (admin-1 P-codes) it covers."""

    office_id: str
    name: str
    town: str
    base_id: str
    sector: str
    area_pcodes: tuple[str, ...]


@dataclass(frozen=True)
class Footprint:
    """Where the mission is: field offices and bases."""

    offices: tuple[FieldOffice, ...]
    bases: tuple[Base, ...]


def _compass(dx: float, dy: float) -> str:
    """The compass point of a direction given in km east and north."""
    return COMPASS[int(np.round(np.arctan2(dy, dx) / (np.pi / 4))) % 8]


def _town_site(settlements: Settlements, district: int) -> int:
    """The community index of a district's seat town."""
    return int(np.flatnonzero(settlements.is_town & (settlements.district == district))[0])


def _base(
    base_id: str, name: str, base_type: str, site: int, settlements: Settlements, geography: Geography
) -> Base:
    """A base at a community."""
    district = geography.districts[int(settlements.district[site])]
    return Base(
        base_id,
        name,
        base_type,
        float(settlements.lat[site]),
        float(settlements.lon[site]),
        district.pcode,
        CAPACITY[base_type],
    )


def _field_offices(
    geography: Geography, settlements: Settlements, first_id: int
) -> list[tuple[FieldOffice, int]]:
    """A field office (with its site) in the capital of every province but the capital's."""
    hubs = province_capitals(geography)
    capital_province = geography.districts[geography.capital_district].province
    xy = settlements.xy
    capital_xy = xy[_town_site(settlements, geography.capital_district)]
    centre = xy[settlements.is_town].mean(axis=0)
    sites = {k: _town_site(settlements, hubs[k]) for k in range(len(hubs)) if k != capital_province}
    closest = min(sites, key=lambda k: float(((xy[sites[k]] - capital_xy) ** 2).sum()))
    offices: list[tuple[FieldOffice, int]] = []
    for number, (k, site) in enumerate(sorted(sites.items()), start=first_id):
        town = settlements.names[site]
        sector = f"Sector {_compass(*(xy[site] - centre))}"
        if any(o.sector == sector for o, _ in offices):
            sector = f"Sector {town}"
        area = [geography.provinces[k].pcode] + (
            [geography.provinces[capital_province].pcode] if k == closest else []
        )
        offices.append(
            (
                FieldOffice(
                    f"fo_{town.lower()}",
                    f"Field Office {town}",
                    town,
                    f"B{number:02d}",
                    sector,
                    tuple(sorted(area)),
                ),
                site,
            )
        )
    return offices


def _violent(events: Events) -> NDArray[np.bool_]:
    """Events of armed violence (demonstrations do not call for a base)."""
    return ~np.isin(events.kind, (PROTEST, RIOT))


def _temporary_sites(settlements: Settlements, events: Events, taken: list[Base]) -> list[int]:
    """Villages with most events in the last six months, each far from every base and from each other."""
    recent = (events.day >= N_DAYS - RECENT_DAYS) & _violent(events)
    hot = np.bincount(events.site[recent], minlength=len(settlements.names))
    xy = settlements.xy
    occupied = to_km(np.array([b.lon for b in taken]), np.array([b.lat for b in taken]))
    chosen: list[int] = []
    for site in np.argsort(-hot, kind="stable"):
        if len(chosen) == N_TEMPORARY_BASES:
            break
        if settlements.is_town[site] or np.hypot(*(occupied - xy[site]).T).min() < TOB_MIN_GAP_KM:
            continue
        chosen.append(int(site))
        occupied = np.vstack((occupied, xy[site]))
    return chosen


def place_footprint(geography: Geography, settlements: Settlements, events: Events) -> Footprint:
    """Mission HQ at the capital, a sector HQ per field office, company bases where events are, and TOBs."""
    capital = geography.capital_district
    bases = [
        _base(
            "B01",
            f"Mission HQ {geography.districts[capital].name}",
            "mission_hq",
            _town_site(settlements, capital),
            settlements,
            geography,
        )
    ]
    offices = _field_offices(geography, settlements, first_id=2)
    for office, site in offices:
        bases.append(
            _base(
                office.base_id, f"{office.sector} HQ {office.town}", "sector_hq", site, settlements, geography
            )
        )
    used = {capital} | {int(settlements.district[site]) for _, site in offices}
    load = np.bincount(
        settlements.district[events.site[_violent(events)]], minlength=len(geography.districts)
    )
    ranked = [int(d) for d in np.argsort(-load, kind="stable") if int(d) not in used]
    for district in ranked[:N_COMPANY_BASES]:
        site = _town_site(settlements, district)
        bases.append(
            _base(
                f"B{len(bases) + 1:02d}",
                f"COB {settlements.names[site]}",
                "company_operating_base",
                site,
                settlements,
                geography,
            )
        )
    for site in _temporary_sites(settlements, events, bases):
        bases.append(
            _base(
                f"B{len(bases) + 1:02d}",
                f"TOB {settlements.names[site]}",
                "temporary_operating_base",
                site,
                settlements,
                geography,
            )
        )
    return Footprint(tuple(o for o, _ in offices), tuple(bases))


def _sector_of(base: Base, footprint: Footprint) -> int:
    """Index of the field office whose area holds the base."""
    province = base.pcode[:4]
    return next(i for i, o in enumerate(footprint.offices) if province in o.area_pcodes)


def assign_units(rng: np.random.Generator, footprint: Footprint) -> list[Unit]:
    """About thirty units: battalions and enablers at the HQs, a company at every operating base."""
    bases = footprint.bases
    hq = bases[0].base_id
    sector_hqs = [o.base_id for o in footprint.offices]
    readiness = ("high", "medium", "low")
    units: list[Unit] = []

    def add(
        name: str,
        unit_type: str,
        strength: int,
        base: str,
        tiers: str,
        speed: int,
        air: bool = False,
        ready: str | None = None,
    ) -> None:
        """Append a unit with the next id; readiness is drawn unless given."""
        level = ready or readiness[int(rng.choice(3, p=[0.5, 0.4, 0.1]))]
        units.append(
            Unit(f"U{len(units) + 1:02d}", name, unit_type, strength, base, tiers, speed, air, level)
        )

    for i, office in enumerate(footprint.offices):
        add(
            f"{ORDINALS[i]} Infantry Battalion HQ ({office.sector})",
            "infantry_battalion",
            320,
            office.base_id,
            "II;III",
            40,
        )
    companies = [0] * len(footprint.offices)
    for base in bases:
        if base.base_type in ("company_operating_base", "temporary_operating_base"):
            sector = _sector_of(base, footprint)
            letter = PHONETIC[companies[sector] % len(PHONETIC)]
            companies[sector] += 1
            strength = 150 if base.base_type == "company_operating_base" else 90
            add(
                f"{letter} Company, {ORDINALS[sector]} Infantry Battalion",
                "infantry_company",
                strength,
                base.base_id,
                "II;III",
                35,
            )
    add("Force Quick Reaction Force", "quick_reaction_force", 200, hq, "II", 50, ready="high")
    add("Formed Police Unit 1", "formed_police_unit", 140, hq, "II;III", 45)
    add("Formed Police Unit 2", "formed_police_unit", 140, sector_hqs[0], "II;III", 45)
    add("Individual Police Officers, Capital", "individual_police", 60, hq, "I;III", 40)
    add("Military Observer Team 1", "military_observers", 12, sector_hqs[1], "I", 40)
    add("Military Observer Team 2", "military_observers", 12, sector_hqs[2], "I", 40)
    add("Force Engineer Company", "engineers", 180, hq, "III", 25, ready="medium")
    add("Utility Helicopter Unit 1", "utility_helicopter", 14, hq, "II", 200, air=True)
    add("Utility Helicopter Unit 2", "utility_helicopter", 14, sector_hqs[0], "II", 200, air=True)
    for office in footprint.offices:
        add(f"Civil Affairs Team {office.town}", "civil_affairs_team", 6, office.base_id, "I;III", 40)
        add(f"Community Liaison Team {office.town}", "cla_team", 8, office.base_id, "I", 40)
    add("Human Rights Team, Capital", "human_rights_team", 6, hq, "I;III", 40)
    add(f"Human Rights Team {footprint.offices[1].town}", "human_rights_team", 6, sector_hqs[1], "I;III", 40)
    return units

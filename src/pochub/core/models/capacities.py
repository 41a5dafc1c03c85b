"""Mission capacities: bases and units."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class BaseType(StrEnum):
    """Kinds of mission base."""

    MISSION_HQ = "mission_hq"
    SECTOR_HQ = "sector_hq"
    COMPANY_OPERATING_BASE = "company_operating_base"
    TEMPORARY_OPERATING_BASE = "temporary_operating_base"


class UnitType(StrEnum):
    """Kinds of mission unit."""

    INFANTRY_BATTALION = "infantry_battalion"
    INFANTRY_COMPANY = "infantry_company"
    QUICK_REACTION_FORCE = "quick_reaction_force"
    FORMED_POLICE_UNIT = "formed_police_unit"
    INDIVIDUAL_POLICE = "individual_police"
    MILITARY_OBSERVERS = "military_observers"
    ENGINEERS = "engineers"
    UTILITY_HELICOPTER = "utility_helicopter"
    CIVIL_AFFAIRS_TEAM = "civil_affairs_team"
    CLA_TEAM = "cla_team"
    HUMAN_RIGHTS_TEAM = "human_rights_team"


class Readiness(StrEnum):
    """How soon a unit can move."""

    HIGH = "high"
    MEDIUM = "medium"
    LOW = "low"


@dataclass(frozen=True)
class Base:
    """A mission base with its capacity (people it can hold)."""

    base_id: str
    name: str
    base_type: BaseType
    latitude: float
    longitude: float
    pcode: str | None = None
    capacity: int = 0


@dataclass(frozen=True)
class Unit:
    """A mission unit, at its home base, with the PoC tiers it can serve."""

    unit_id: str
    name: str
    unit_type: UnitType
    strength: int
    home_base: str
    tiers: tuple[str, ...] = ("II",)
    road_speed_kmh: float = 40.0
    air: bool = False
    readiness: Readiness = Readiness.MEDIUM

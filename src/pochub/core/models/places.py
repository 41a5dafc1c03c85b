"""Places: administrative areas (with P-codes) and communities."""

from __future__ import annotations

from dataclasses import dataclass

from shapely.geometry.base import BaseGeometry


@dataclass(frozen=True)
class AdminArea:
    """An administrative area identified by its P-code, with the boundary version it came from."""

    pcode: str
    name: str
    level: int
    geometry: BaseGeometry
    parent_pcode: str | None = None
    boundary_version: str = ""


@dataclass(frozen=True)
class Community:
    """A community: where civilians live, what they need and what they can do to protect themselves."""

    community_id: str
    name: str
    latitude: float
    longitude: float
    population: int | None
    """None: unknown (a gazetteer without population), never the same as 0 people."""
    pcode: str | None = None
    vulnerable_groups: tuple[str, ...] = ()
    self_protection_capacities: tuple[str, ...] = ()
    focal_point: str = ""
    phone_coverage: bool | None = None
    """None: unknown (the file did not say), never the same as no coverage."""
    radio_coverage: bool | None = None


@dataclass(frozen=True)
class Road:
    """A road segment with its class and surface (which decide its speed by season)."""

    road_id: str
    road_class: str
    surface: str
    geometry: BaseGeometry
    speed_kmh: float | None = None
    """Observed speed where the source gives one (else the speed of the class and season applies)."""

"""Generate the fictional demo mission: country, communities, roads, conflict events, bases, units, structure.

The demo feeds ``make demo``, the documentation and the tests with data shaped like the real thing (ACLED and
UCDP exports, boundaries with P-codes, a coordination structure) without touching any real place or person.
Everything comes from one ``numpy.random.default_rng(seed)`` stream drawn in a fixed order, with a fixed
reference end date, so a seed always writes byte-identical files.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from pathlib import Path

import numpy as np
import yaml

from pochub.demo.conflict import make_actors, report_events, simulate_conflict
from pochub.demo.event_exports import write_acled, write_ucdp
from pochub.demo.geography import Geography, build_geography
from pochub.demo.mission import Footprint, Unit, assign_units, place_footprint
from pochub.demo.names import NameMaker
from pochub.demo.roads import Road, trunk_roads, village_tracks
from pochub.demo.settlements import Settlements, build_settlements, province_capitals
from pochub.demo.structure import coordination_structure
from pochub.demo.writing import feature, write_csv, write_feature_collection

COMMUNITY_COLUMNS = ("id", "name", "lat", "lon", "population", "pcode", "vulnerable_groups", "focal_point",
                     "phone_coverage", "radio_coverage")  # fmt: skip
BASE_COLUMNS = ("id", "name", "base_type", "lat", "lon", "pcode", "capacity")
UNIT_COLUMNS = (
    "id",
    "name",
    "unit_type",
    "strength",
    "home_base",
    "tiers",
    "road_speed_kmh",
    "air",
    "readiness",
)
MIN_COMMUNITIES = 100
"""Below this the districts' seats would be most of the communities."""


class PlainDumper(yaml.SafeDumper):
    """A safe YAML dumper that writes repeated values in full instead of as anchors and aliases."""

    def ignore_aliases(self, data: object) -> bool:
        """Never use an alias."""
        return True


@dataclass(frozen=True)
class DemoFiles:
    """The paths of the files ``generate_demo`` wrote."""

    admin1: Path
    admin2: Path
    communities: Path
    roads: Path
    acled_events: Path
    ucdp_events: Path
    bases: Path
    units: Path
    structure: Path

    def all(self) -> tuple[Path, ...]:
        """Every path, in a fixed order."""
        return tuple(getattr(self, f.name) for f in fields(self))


def _flag(value: bool | np.bool_) -> str:
    """A boolean as the importers read it."""
    return "true" if value else "false"


def write_admin_areas(geography: Geography, files: DemoFiles) -> None:
    """Provinces and districts as GeoJSON with hierarchical P-codes."""
    write_feature_collection(files.admin1, (
        feature(p.geometry, {"pcode": p.pcode, "name": p.name, "level": 1}) for p in geography.provinces
    ))  # fmt: skip
    write_feature_collection(files.admin2, (
        feature(d.geometry, {"pcode": d.pcode, "name": d.name, "level": 2,
                             "parent_pcode": geography.provinces[d.province].pcode})
        for d in geography.districts
    ))  # fmt: skip


def write_communities(settlements: Settlements, geography: Geography, path: Path) -> None:
    """One row per community; coverage flags as true/false."""
    s = settlements
    write_csv(path, COMMUNITY_COLUMNS, (
        (f"KT-C{i + 1:04d}", s.names[i], f"{s.lat[i]:.4f}", f"{s.lon[i]:.4f}", int(s.population[i]),
         geography.districts[int(s.district[i])].pcode, s.vulnerable_groups[i], s.focal_points[i],
         _flag(s.phone_coverage[i]), _flag(s.radio_coverage[i]))
        for i in range(len(s.names))
    ))  # fmt: skip


def write_roads(roads: list[Road], path: Path) -> None:
    """Road edges as GeoJSON LineStrings."""
    write_feature_collection(path, (
        feature(r.geometry, {"id": f"KT-R{i + 1:04d}", "road_class": r.road_class, "surface": r.surface})
        for i, r in enumerate(roads)
    ))  # fmt: skip


def write_footprint(footprint: Footprint, units: list[Unit], files: DemoFiles) -> None:
    """Bases and units as CSV."""
    write_csv(files.bases, BASE_COLUMNS, (
        (b.base_id, b.name, b.base_type, f"{b.lat:.4f}", f"{b.lon:.4f}", b.pcode, b.capacity)
        for b in footprint.bases
    ))  # fmt: skip
    write_csv(files.units, UNIT_COLUMNS, (
        (u.unit_id, u.name, u.unit_type, u.strength, u.home_base, u.tiers, u.road_speed_kmh, _flag(u.air),
         u.readiness)
        for u in units
    ))  # fmt: skip


def demo_files(out_dir: Path) -> DemoFiles:
    """The file names of a demo in ``out_dir``."""
    return DemoFiles(
        admin1=out_dir / "admin1.geojson",
        admin2=out_dir / "admin2.geojson",
        communities=out_dir / "communities.csv",
        roads=out_dir / "roads.geojson",
        acled_events=out_dir / "acled_events.csv",
        ucdp_events=out_dir / "ucdp_events.csv",
        bases=out_dir / "bases.csv",
        units=out_dir / "units.csv",
        structure=out_dir / "structure.yaml",
    )


def generate_demo(
    out_dir: Path, seed: int = 1, n_communities: int = 2000, n_events: int = 20000
) -> DemoFiles:
    """Write the demo mission's files to ``out_dir`` (created if needed); same seed, same bytes."""
    if n_communities < MIN_COMMUNITIES:
        raise ValueError(f"n_communities must be at least {MIN_COMMUNITIES}, got {n_communities}")
    if n_events < 1:
        raise ValueError(f"n_events must be positive, got {n_events}")
    out_dir.mkdir(parents=True, exist_ok=True)
    files = demo_files(out_dir)
    rng = np.random.default_rng(seed)
    names = NameMaker(rng)
    geography = build_geography(rng, names)
    seats_lon = np.array([d.seat_lon for d in geography.districts])
    seats_lat = np.array([d.seat_lat for d in geography.districts])
    roads = trunk_roads(
        rng, seats_lon, seats_lat, geography.capital_district, province_capitals(geography), geography.country
    )
    settlements = build_settlements(rng, names, geography, roads, n_communities)
    villages = ~settlements.is_town
    roads += village_tracks(rng, roads, settlements.lon[villages], settlements.lat[villages])
    actors = make_actors(rng, names, settlements)
    events = report_events(rng, actors, settlements, simulate_conflict(rng, actors, settlements, n_events))
    footprint = place_footprint(geography, settlements, events)
    units = assign_units(rng, footprint)
    write_admin_areas(geography, files)
    write_communities(settlements, geography, files.communities)
    write_roads(roads, files.roads)
    write_acled(files.acled_events, rng, events, actors, settlements, geography)
    write_ucdp(files.ucdp_events, rng, events, actors, settlements, geography)
    write_footprint(footprint, units, files)
    structure = coordination_structure(names, geography, footprint)
    with files.structure.open("w", encoding="utf-8") as handle:
        yaml.dump(structure, handle, Dumper=PlainDumper, sort_keys=False, allow_unicode=True, width=120)
    return files

"""The demo communities: one seat town per district, and villages clustered along roads and around towns.

Coordinates are rounded to 4 decimals (about 11 m) before the containing district is looked up, so that the
P-code written for each community is the one an importer finds from the written coordinates.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import shapely
from numpy.typing import NDArray
from scipy.spatial import cKDTree

from pochub.demo.geography import FloatArray, Geography, IntArray, to_degrees, to_km, uniform_points
from pochub.demo.names import NameMaker
from pochub.demo.roads import Road

VULNERABLE_GROUPS = (
    ("idps", 0.3),
    ("children", 0.7),
    ("women", 0.6),
    ("elderly", 0.35),
    ("persons_with_disabilities", 0.15),
    ("minorities", 0.2),
)
"""Vulnerable groups and how often a community reports each."""
ALONG_ROADS, AROUND_TOWNS = 0.55, 0.30
"""Shares of villages placed along roads and around towns; the rest are scattered."""


@dataclass(frozen=True)
class Settlements:
    """All communities as columns, sorted by P-code then population (largest first)."""

    names: tuple[str, ...]
    lon: FloatArray
    lat: FloatArray
    population: IntArray
    district: IntArray
    is_town: NDArray[np.bool_]
    vulnerable_groups: tuple[str, ...]
    focal_points: tuple[str, ...]
    phone_coverage: NDArray[np.bool_]
    radio_coverage: NDArray[np.bool_]

    @property
    def xy(self) -> FloatArray:
        """Coordinates in km."""
        return to_km(self.lon, self.lat)


def province_capitals(geography: Geography) -> list[int]:
    """For each province, the district whose seat is its capital (the national capital in its province)."""
    hubs: list[int] = []
    for k, province in enumerate(geography.provinces):
        members = [i for i, d in enumerate(geography.districts) if d.province == k]
        if geography.capital_district in members:
            hubs.append(geography.capital_district)
            continue
        centre = province.geometry.centroid
        hubs.append(
            min(
                members,
                key=lambda i: (
                    (geography.districts[i].seat_lon - centre.x) ** 2
                    + (geography.districts[i].seat_lat - centre.y) ** 2
                ),
            )
        )
    return hubs


def town_populations(rng: np.random.Generator, geography: Geography, hubs: list[int]) -> IntArray:
    """Seat town populations: a capital of 150-200k, province capitals of 40-90k, market towns of 3-35k."""
    population = np.clip(rng.lognormal(np.log(9000), 0.6, len(geography.districts)), 3000, 35000)
    population[hubs] = rng.uniform(40000, 90000, len(hubs))
    population[geography.capital_district] = rng.uniform(150000, 200000)
    return np.round(population / 10).astype(np.int64) * 10


def _village_candidates(
    rng: np.random.Generator,
    geography: Geography,
    roads: list[Road],
    town_xy: FloatArray,
    town_population: IntArray,
    count: int,
) -> tuple[FloatArray, FloatArray]:
    """Candidate village locations (may fall outside the country): along roads, around towns, scattered."""
    n_road = int(count * ALONG_ROADS)
    n_town = int(count * AROUND_TOWNS)
    lines = np.array([r.geometry for r in roads], dtype=object)
    weight = shapely.length(lines) * np.where([r.road_class == "primary" for r in roads], 1.5, 1.0)
    on_road = shapely.line_interpolate_point(
        lines[rng.choice(len(lines), n_road, p=weight / weight.sum())], rng.random(n_road), normalized=True
    )
    road_xy = to_km(shapely.get_x(on_road), shapely.get_y(on_road)) + rng.normal(0, 2.5, (n_road, 2))
    share = np.sqrt(town_population) / np.sqrt(town_population).sum()
    town_xy_near = town_xy[rng.choice(len(town_xy), n_town, p=share)] + rng.normal(0, 12.0, (n_town, 2))
    lon, lat = to_degrees(np.vstack((road_xy, town_xy_near)))
    spread_lon, spread_lat = uniform_points(rng, geography.country, count - n_road - n_town)
    mixed = rng.permutation(count)  # so that truncating the accepted candidates keeps the mixture
    return np.concatenate((lon, spread_lon))[mixed], np.concatenate((lat, spread_lat))[mixed]


def place_villages(
    rng: np.random.Generator,
    geography: Geography,
    roads: list[Road],
    town_xy: FloatArray,
    town_population: IntArray,
    count: int,
) -> tuple[FloatArray, FloatArray, IntArray]:
    """``count`` villages strictly inside a district, with rounded coordinates and their district index."""
    lon_parts: list[FloatArray] = []
    lat_parts: list[FloatArray] = []
    district_parts: list[IntArray] = []
    found = 0
    while found < count:
        lon, lat = _village_candidates(rng, geography, roads, town_xy, town_population, max(count, 50))
        lon, lat = np.round(lon, 4), np.round(lat, 4)
        district = geography.district_of(lon, lat)
        keep = district >= 0
        lon_parts.append(lon[keep])
        lat_parts.append(lat[keep])
        district_parts.append(district[keep])
        found += int(keep.sum())
    return (
        np.concatenate(lon_parts)[:count],
        np.concatenate(lat_parts)[:count],
        np.concatenate(district_parts)[:count],
    )


def _vulnerable_groups(rng: np.random.Generator, count: int) -> tuple[str, ...]:
    """For each community, the ;-separated vulnerable groups it reports."""
    drawn = rng.random((count, len(VULNERABLE_GROUPS))) < np.array([p for _, p in VULNERABLE_GROUPS])
    return tuple(
        ";".join(name for (name, _), on in zip(VULNERABLE_GROUPS, row, strict=True) if on) for row in drawn
    )


def build_settlements(
    rng: np.random.Generator,
    names: NameMaker,
    geography: Geography,
    roads: list[Road],
    n_communities: int,
) -> Settlements:
    """All ``n_communities`` communities: the district seats, then villages, with their attributes."""
    hubs = province_capitals(geography)
    districts = geography.districts
    town_lon = np.array([d.seat_lon for d in districts])
    town_lat = np.array([d.seat_lat for d in districts])
    town_population = town_populations(rng, geography, hubs)
    town_xy = to_km(town_lon, town_lat)
    n_villages = n_communities - len(districts)
    lon, lat, district = place_villages(rng, geography, roads, town_xy, town_population, n_villages)
    village_population = np.clip(rng.lognormal(np.log(900), 0.75, n_villages), 200, 5000)
    population = np.concatenate((town_population, np.round(village_population).astype(np.int64)))
    lon, lat = np.concatenate((town_lon, lon)), np.concatenate((town_lat, lat))
    district = np.concatenate((np.arange(len(districts)), district))  # a seat lies in its own cell
    is_town = np.arange(n_communities) < len(districts)
    names_all = [d.name for d in districts] + names.places(n_villages)
    town_distance, _ = cKDTree(town_xy).query(to_km(lon, lat))
    phone = is_town | (rng.random(n_communities) < 0.9 * np.exp(-town_distance / 30.0))
    radio = is_town | (rng.random(n_communities) < 0.25 + 0.75 * np.exp(-town_distance / 80.0))
    focal = [names.person() if rng.random() < 0.6 else "" for _ in range(n_communities)]
    groups = _vulnerable_groups(rng, n_communities)
    order = np.lexsort((np.array(names_all), -population, district))
    return Settlements(
        names=tuple(names_all[i] for i in order),
        lon=lon[order],
        lat=lat[order],
        population=population[order],
        district=district[order],
        is_town=is_town[order],
        vulnerable_groups=tuple(groups[i] for i in order),
        focal_points=tuple(focal[i] for i in order),
        phone_coverage=phone[order],
        radio_coverage=radio[order],
    )

"""The demo mission generator: determinism, file formats, geography, clustering of events, cross-references."""

from __future__ import annotations

import csv
import json
import re
from collections import Counter
from datetime import date
from itertools import pairwise
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import shapely
import yaml
from scipy.spatial import cKDTree
from shapely.geometry import shape
from shapely.geometry.base import BaseGeometry

from pochub.core.models.taxonomy import ThreatType
from pochub.demo import DemoFiles, generate_demo
from pochub.demo.hawkes import Background, Kernel, simulate

SMALL = {"n_communities": 300, "n_events": 3000}
ACLED_HEADER = [
    "event_id_cnty", "event_date", "year", "time_precision", "disorder_type", "event_type", "sub_event_type",
    "actor1", "assoc_actor_1", "inter1", "actor2", "assoc_actor_2", "inter2", "interaction", "civilian_targeting",
    "iso", "region", "country", "admin1", "admin2", "admin3", "location", "latitude", "longitude",
    "geo_precision", "source", "source_scale", "notes", "fatalities", "tags", "timestamp",
]  # fmt: skip
UCDP_HEADER = [
    "id", "relid", "year", "active_year", "code_status", "type_of_violence", "conflict_dset_id",
    "conflict_new_id", "conflict_name", "dyad_dset_id", "dyad_new_id", "dyad_name", "side_a_dset_id",
    "side_a_new_id", "side_a", "side_b_dset_id", "side_b_new_id", "side_b", "number_of_sources",
    "source_article", "source_office", "source_date", "source_headline", "source_original", "where_prec",
    "where_coordinates", "where_description", "adm_1", "adm_2", "latitude", "longitude", "geom_wkt",
    "priogrid_gid", "country", "country_id", "region", "event_clarity", "date_prec", "date_start", "date_end",
    "deaths_a", "deaths_b", "deaths_civilians", "deaths_unknown", "best", "high", "low", "gwnoa", "gwnob",
]  # fmt: skip
ACLED_TYPES = {
    "Violence against civilians": {"Attack", "Abduction/forced disappearance", "Sexual violence"},
    "Battles": {"Armed clash"},
    "Explosions/Remote violence": {"Remote explosive/landmine/IED", "Shelling/artillery/missile attack"},
    "Strategic developments": {"Looting/property destruction"},
    "Protests": {"Peaceful protest"},
    "Riots": {"Mob violence"},
}
VULNERABLE = {"idps", "children", "women", "elderly", "persons_with_disabilities", "minorities"}
UNIT_TYPES = {
    "infantry_battalion", "infantry_company", "quick_reaction_force", "formed_police_unit", "individual_police",
    "military_observers", "engineers", "utility_helicopter", "civil_affairs_team", "cla_team", "human_rights_team",
}  # fmt: skip
KM_PER_DEGREE = 111.0


def rows(path: Path) -> list[dict[str, str]]:
    """The data rows of a CSV file."""
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def header(path: Path) -> list[str]:
    """The header row of a CSV file."""
    with path.open(encoding="utf-8", newline="") as handle:
        return next(csv.reader(handle))


def features(path: Path) -> list[dict[str, Any]]:
    """The features of a GeoJSON FeatureCollection."""
    document = json.loads(path.read_text(encoding="utf-8"))
    assert document["type"] == "FeatureCollection"
    return list(document["features"])


def km(lon: np.ndarray, lat: np.ndarray) -> np.ndarray:
    """Rough planar km coordinates near the equator (good enough for 10 km neighbourhoods)."""
    return np.column_stack((lon * KM_PER_DEGREE * np.cos(np.radians(4.0)), lat * KM_PER_DEGREE))


def close_pairs(xy: np.ndarray, days: np.ndarray, distance_km: float, within_days: float) -> int:
    """Number of event pairs closer than ``distance_km`` in space and ``within_days`` in time."""
    pairs = cKDTree(xy).query_pairs(distance_km, output_type="ndarray")
    return int((np.abs(days[pairs[:, 0]] - days[pairs[:, 1]]) <= within_days).sum())


def country_of(files: DemoFiles) -> BaseGeometry:
    """The union of the admin-2 areas."""
    return shapely.union_all([shape(f["geometry"]) for f in features(files.admin2)])


@pytest.fixture(scope="module")
def small(tmp_path_factory: pytest.TempPathFactory) -> DemoFiles:
    """A small demo, seed 1."""
    return generate_demo(tmp_path_factory.mktemp("small"), seed=1, **SMALL)


@pytest.fixture(scope="module")
def acled(small: DemoFiles) -> list[dict[str, str]]:
    """The ACLED rows of the small demo."""
    return rows(small.acled_events)


def test_same_seed_writes_identical_bytes(small: DemoFiles, tmp_path: Path) -> None:
    again = generate_demo(tmp_path / "again", seed=1, **SMALL)
    assert len(small.all()) >= 8  # every file of the demo is compared, not none
    for first, second in zip(small.all(), again.all(), strict=True):
        assert first.name == second.name
        assert first.read_bytes() == second.read_bytes(), first.name


def test_another_seed_writes_other_files(small: DemoFiles, tmp_path: Path) -> None:
    other = generate_demo(tmp_path / "other", seed=2, **SMALL)
    assert len(small.all()) >= 8
    for first, second in zip(small.all(), other.all(), strict=True):
        assert first.read_bytes() != second.read_bytes(), first.name


def test_rejects_too_few_communities(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="n_communities"):
        generate_demo(tmp_path, n_communities=10)


def test_admin_areas_are_hierarchical_valid_and_tile_the_country(small: DemoFiles) -> None:
    provinces = features(small.admin1)
    districts = features(small.admin2)
    assert len(provinces) == 4
    assert 20 <= len(districts) <= 28
    province_codes = [f["properties"]["pcode"] for f in provinces]
    assert province_codes == [f"KT{i:02d}" for i in range(1, 5)]
    assert all(f["properties"]["level"] == 1 and f["properties"]["name"] for f in provinces)
    codes = [f["properties"]["pcode"] for f in districts]
    assert len(set(codes)) == len(codes)
    for f in districts:
        props = f["properties"]
        assert re.fullmatch(r"KT\d{4}", props["pcode"]) and props["level"] == 2 and props["name"]
        assert props["pcode"].startswith(props["parent_pcode"]) and props["parent_pcode"] in province_codes
    geometries = {f["properties"]["pcode"]: shape(f["geometry"]) for f in provinces + districts}
    assert all(g.is_valid and g.geom_type in ("Polygon", "MultiPolygon") for g in geometries.values())
    country = country_of(small)
    assert sum(geometries[c].area for c in codes) == pytest.approx(country.area, rel=1e-6)  # no overlaps
    assert sum(geometries[c].area for c in province_codes) == pytest.approx(country.area, rel=1e-6)
    for code in province_codes:
        assert geometries[code].geom_type == "Polygon"  # contiguous
        children = shapely.union_all([geometries[c] for c in codes if c.startswith(code)])
        assert geometries[code].symmetric_difference(children).area < 1e-6 * country.area  # no gaps
    xmin, ymin, xmax, ymax = country.bounds
    assert 20 <= xmin < xmax <= 26 and 1 <= ymin < ymax <= 7


def test_communities_lie_in_their_district(small: DemoFiles) -> None:
    communities = rows(small.communities)
    assert header(small.communities) == [
        "id", "name", "lat", "lon", "population", "pcode", "vulnerable_groups", "focal_point", "phone_coverage",
        "radio_coverage",
    ]  # fmt: skip
    assert len(communities) == SMALL["n_communities"]
    assert [c["id"] for c in communities] == [f"KT-C{i:04d}" for i in range(1, len(communities) + 1)]
    districts = {f["properties"]["pcode"]: shape(f["geometry"]) for f in features(small.admin2)}
    for c in communities:
        assert districts[c["pcode"]].contains(shapely.Point(float(c["lon"]), float(c["lat"]))), c
        assert c["phone_coverage"] in ("true", "false") and c["radio_coverage"] in ("true", "false")
        assert set(filter(None, c["vulnerable_groups"].split(";"))) <= VULNERABLE
    names = Counter((c["pcode"], c["name"]) for c in communities)
    assert max(names.values()) == 1
    population = np.array([int(c["population"]) for c in communities])
    assert population.min() >= 200
    assert 1 <= (population >= 20000).sum() <= 15  # a few towns
    assert population.max() <= 200000
    assert np.median(population) < 5000  # mostly villages


def test_roads_are_classified_lines(small: DemoFiles) -> None:
    roads = features(small.roads)
    assert 30 <= len(roads) <= 5000
    assert len({r["properties"]["id"] for r in roads}) == len(roads)
    classes = Counter(r["properties"]["road_class"] for r in roads)
    assert set(classes) <= {"primary", "secondary", "tertiary", "track"} and classes["primary"] > 0
    assert {r["properties"]["surface"] for r in roads} <= {"paved", "gravel", "earth"}
    assert all(r["geometry"]["type"] == "LineString" for r in roads)


def test_acled_export_has_exactly_the_current_columns(small: DemoFiles) -> None:
    assert header(small.acled_events) == ACLED_HEADER
    assert len(ACLED_HEADER) == 31


def test_acled_events_follow_the_codebook(small: DemoFiles, acled: list[dict[str, str]]) -> None:
    assert len(acled) >= SMALL["n_events"]
    assert [e["event_id_cnty"] for e in acled] == [f"KTH{i}" for i in range(1, len(acled) + 1)]
    days = [date.fromisoformat(e["event_date"]) for e in acled]
    assert min(days) >= date(2017, 1, 1) and max(days) <= date(2026, 10, 31)
    assert max(days) - min(days) > (date(2026, 1, 1) - date(2017, 6, 1))
    for e, day in zip(acled, days, strict=True):
        assert int(e["year"]) == day.year
        assert e["sub_event_type"] in ACLED_TYPES[e["event_type"]]
        targets_civilians = e["actor2"].startswith("Civilians")
        assert (e["civilian_targeting"] == "Civilian targeting") == targets_civilians
        assert targets_civilians == (e["inter2"] == "7")
        if e["event_type"] == "Violence against civilians":
            assert targets_civilians
        inter1, inter2 = int(e["inter1"]), int(e["inter2"])
        expected = inter1 * 10 if inter2 == 0 else 10 * min(inter1, inter2) + max(inter1, inter2)
        assert int(e["interaction"]) == expected
        assert e["disorder_type"] in (
            "Political violence", "Demonstrations", "Political violence; Demonstrations", "Strategic developments"
        )  # fmt: skip
        assert e["time_precision"] in ("1", "2", "3") and e["geo_precision"] in ("1", "2")
        assert (e["iso"], e["region"], e["country"], e["source_scale"]) == (
            "999", "Middle Africa", "Kanthara", "Local partner"
        )  # fmt: skip
        assert int(e["fatalities"]) >= 0 and int(e["timestamp"]) > 0 and e["notes"] and e["tags"] == ""
    share = Counter(e["event_type"] for e in acled)
    assert 0.40 <= share["Violence against civilians"] / len(acled) <= 0.50
    assert set(share) == set(ACLED_TYPES)
    fatalities = np.array([int(e["fatalities"]) for e in acled])
    assert (fatalities <= 5).mean() > 0.8 and fatalities.max() >= 15
    armed = {e["actor1"] for e in acled if e["inter1"] in ("1", "2", "3", "4")}
    assert 5 <= len(armed) <= 7


def test_acled_events_are_at_communities_inside_the_country(
    small: DemoFiles, acled: list[dict[str, str]]
) -> None:
    country = country_of(small)
    lon = np.array([float(e["longitude"]) for e in acled])
    lat = np.array([float(e["latitude"]) for e in acled])
    assert shapely.contains_xy(country, lon, lat).all()
    district_names = {f["properties"]["pcode"]: f["properties"]["name"] for f in features(small.admin2)}
    places = {(c["name"], district_names[c["pcode"]], c["lat"], c["lon"]) for c in rows(small.communities)}
    assert all((e["location"], e["admin2"], e["latitude"], e["longitude"]) in places for e in acled)


def test_events_cluster_in_space_and_time(acled: list[dict[str, str]]) -> None:
    """Knox-type test: close pairs (10 km, 7 days) at least twice those with the event times shuffled."""
    xy = km(np.array([float(e["longitude"]) for e in acled]), np.array([float(e["latitude"]) for e in acled]))
    days = np.array([date.fromisoformat(e["event_date"]).toordinal() for e in acled], dtype=np.float64)
    observed = close_pairs(xy, days, 10.0, 7.0)
    rng = np.random.default_rng(0)
    shuffled = np.mean([close_pairs(xy, rng.permutation(days), 10.0, 7.0) for _ in range(5)])
    homogeneous = np.mean([close_pairs(xy, rng.uniform(days.min(), days.max(), len(days)), 10.0, 7.0)
                           for _ in range(5)])  # fmt: skip
    assert observed >= 2 * shuffled
    assert observed >= 2 * homogeneous


def test_hawkes_process_branches_as_specified() -> None:
    """Cluster sizes follow 1 / (1 - branching ratio); offspring follow their parents by the kernel's delay."""
    rng = np.random.default_rng(7)
    sites = np.array([[0.0, 0.0], [500.0, 0.0]])
    background = [Background(0, 4000.0, np.ones(100_000), np.ones(2))]
    calm = simulate(rng, sites, background, (Kernel(0.0, 7.0, 8.0),), 100_000.0)
    assert (calm.generation == 0).all() and abs(len(calm) - 4000) < 300
    excited = simulate(rng, sites, background, (Kernel(0.6, 7.0, 8.0),), 100_000.0)
    assert len(excited) / (excited.generation == 0).sum() == pytest.approx(2.5, rel=0.1)
    children = excited.parent >= 0
    delay = excited.time[children] - excited.time[excited.parent[children]]
    assert (delay >= 0).all() and delay.mean() == pytest.approx(7.0, rel=0.1)
    shift = excited.xy[children] - excited.xy[excited.parent[children]]
    assert shift.std() == pytest.approx(8.0, rel=0.1)
    assert (np.diff(excited.time) >= 0).all()


def test_ucdp_rows_duplicate_deadly_acled_events(small: DemoFiles, acled: list[dict[str, str]]) -> None:
    assert header(small.ucdp_events) == UCDP_HEADER and len(UCDP_HEADER) == 49
    ucdp = rows(small.ucdp_events)
    deadly = [e for e in acled if int(e["fatalities"]) > 0]
    assert 0.04 * len(deadly) <= len(ucdp) <= 0.11 * len(deadly)
    xy = km(
        np.array([float(e["longitude"]) for e in deadly]), np.array([float(e["latitude"]) for e in deadly])
    )
    days = np.array([date.fromisoformat(e["event_date"]).toordinal() for e in deadly])
    tree = cKDTree(xy)
    for u in ucdp:
        point = km(np.array([float(u["longitude"])]), np.array([float(u["latitude"])]))[0]
        near = tree.query_ball_point(point, 10.0)
        day = date.fromisoformat(u["date_start"]).toordinal()
        assert any(abs(days[i] - day) <= 1 for i in near), u["id"]
        best, low, high = int(u["best"]), int(u["low"]), int(u["high"])
        assert 0 <= low <= best <= high and best >= 1
        parts = sum(int(u[k]) for k in ("deaths_a", "deaths_b", "deaths_civilians", "deaths_unknown"))
        assert parts == best
        assert u["type_of_violence"] in ("1", "2", "3")
        assert (u["type_of_violence"] == "3") == (u["side_b"] == "Civilians")
        if u["type_of_violence"] == "1":
            assert u["side_a"] == "Government of Kanthara"
        assert u["date_start"] == u["date_end"] and u["date_prec"] == "1" and u["where_prec"] in ("1", "2")
        assert int(u["year"]) == date.fromisoformat(u["date_start"]).year
    assert {u["type_of_violence"] for u in ucdp} == {"1", "2", "3"}


def test_bases_and_units_reference_each_other(small: DemoFiles) -> None:
    bases = rows(small.bases)
    units = rows(small.units)
    assert header(small.bases) == ["id", "name", "base_type", "lat", "lon", "pcode", "capacity"]
    assert header(small.units) == [
        "id", "name", "unit_type", "strength", "home_base", "tiers", "road_speed_kmh", "air", "readiness",
    ]  # fmt: skip
    kinds = Counter(b["base_type"] for b in bases)
    assert kinds == {
        "mission_hq": 1,
        "sector_hq": 3,
        "company_operating_base": 12,
        "temporary_operating_base": 2,
    }
    districts = {f["properties"]["pcode"]: shape(f["geometry"]) for f in features(small.admin2)}
    for b in bases:
        assert districts[b["pcode"]].contains(shapely.Point(float(b["lon"]), float(b["lat"])))
    base_ids = {b["id"] for b in bases}
    assert len(base_ids) == len(bases)
    assert 25 <= len(units) <= 40 and len({u["id"] for u in units}) == len(units)
    for u in units:
        assert u["home_base"] in base_ids and u["unit_type"] in UNIT_TYPES
        assert (u["air"] == "true") == (u["unit_type"] == "utility_helicopter")
        assert set(u["tiers"].split(";")) <= {"I", "II", "III"} and u["readiness"] in (
            "high",
            "medium",
            "low",
        )
        assert int(u["strength"]) > 0 and int(u["road_speed_kmh"]) > 0
    staffed = {u["home_base"] for u in units}
    assert all(b["id"] in staffed for b in bases)


def test_structure_is_consistent_with_the_boundaries(small: DemoFiles) -> None:
    text = small.structure.read_text(encoding="utf-8")
    assert "&id" not in text and "*id" not in text  # plain YAML: no anchors or aliases
    structure = yaml.safe_load(text)
    province_codes = {f["properties"]["pcode"] for f in features(small.admin1)}
    base_ids = {b["id"] for b in rows(small.bases)}
    assert "Kanthara" in structure["mission"]["name"]
    offices = structure["field_offices"]
    assert len(offices) == 3
    covered = set()
    for office in offices:
        assert office["area_pcodes"] and set(office["area_pcodes"]) <= province_codes
        assert office["base"] in base_ids and office["poc_focal_point"]["name"]
        covered |= set(office["area_pcodes"])
    assert covered == province_codes
    bodies = {b["id"]: b for b in structure["bodies"]}
    roles = {r["id"] for r in structure["roles"]}
    levels = Counter(b["level"] for b in bodies.values())
    assert levels["strategic"] == 1 and levels["tactical"] == 3 and levels["operational"] >= 3
    for body in bodies.values():
        assert body["reports_to"] is None or body["reports_to"] in bodies
        assert body["chair"] in roles and body["secretariat"] in roles
        assert {m for members in body["members"].values() for m in members} <= roles
        assert set(body["area_pcodes"]) <= province_codes
        assert set(body["observers"]) == {"OCHA", "Protection Cluster"}
    tops = [b for b in bodies.values() if b["reports_to"] is None]
    assert [b["level"] for b in tops] == ["strategic"]
    threats = {t.value for t in ThreatType}
    urgencies = set(structure["routing"]["urgency_levels"])
    for rule in structure["routing"]["rules"]:
        assert (
            rule["threat_type"] in threats | {None}
            and rule["urgency"] in urgencies
            and rule["body"] in bodies
        )
        assert set(rule["notify"]) <= set(bodies)
    routed = {(r["threat_type"], r["urgency"]) for r in structure["routing"]["rules"]}
    assert routed == {(t, u) for t in threats | {None} for u in urgencies}  # None: not yet classified
    deadlines = structure["deadlines_hours"]
    assert (deadlines["acknowledge"], deadlines["verify"], deadlines["decide"]) == (1, 12, 24)
    assert list(deadlines.values()) == sorted(deadlines.values())
    for start, path in structure["escalation"]["paths"].items():
        assert path[0] == start
        assert all(bodies[a]["reports_to"] == b for a, b in pairwise(path))
        assert bodies[path[-1]]["reports_to"] is None


def test_importers_read_every_file_without_errors(small: DemoFiles) -> None:
    from pochub.ingest.acled import ACLED
    from pochub.ingest.boundaries import read_boundaries
    from pochub.ingest.capacities import read_bases, read_roads, read_units
    from pochub.ingest.communities import read_communities
    from pochub.ingest.events import ImportOptions, read_events
    from pochub.ingest.ucdp import UCDP

    admin1 = read_boundaries(small.admin1, 1)
    assert len(admin1.areas) == 4 and not admin1.repairs and not admin1.skipped
    assert all(a.parent_pcode for a in read_boundaries(small.admin2, 2).areas)
    assert len(read_communities(small.communities)) == SMALL["n_communities"]
    assert len(read_bases(small.bases)) == 18 and read_units(small.units) and read_roads(small.roads)
    for fmt, path in ((ACLED, small.acled_events), (UCDP, small.ucdp_events)):
        batches = list(read_events(path, fmt, ImportOptions()))
        assert not [e for b in batches for e in b.errors]
        assert sum(b.events.height for b in batches) == len(rows(path))


def test_defaults_are_full_sized(tmp_path: Path) -> None:
    """The default demo's sizes and mix (how long it takes is not a test's business: no timing here)."""
    files = generate_demo(tmp_path)
    assert len(rows(files.communities)) == 2000
    events = rows(files.acled_events)
    assert len(events) >= 20000
    assert 0.40 <= sum(e["event_type"] == "Violence against civilians" for e in events) / len(events) <= 0.50

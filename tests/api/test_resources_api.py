"""The resource API over the demo mission on real SQLite and PostgreSQL: communities, bases, units, admin areas,
the threat matrix, hot spots, coverage and reports; paging, filters, GeoJSON, sign-in and 4xx for bad input."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import shapely
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from shapely.geometry import shape
from sqlalchemy import Engine, create_engine, insert, select, text
from starlette.testclient import TestClient

from pochub.config import Settings
from pochub.http.app import create_app
from pochub.ingest.acled import ACLED
from pochub.ingest.events import ImportOptions
from pochub.services import threat_listing
from pochub.services.demo_mission import load_demo
from pochub.services.imports import import_events
from pochub.services.threats import assess
from pochub.services.warning import area_signals
from pochub.store import tables
from pochub.store.database import connect, upgrade
from tests.api.access_helpers import auth_header, make_user
from tests.conftest import PG_SERVER, shared_file

N_COMMUNITIES = 200


@dataclass(frozen=True)
class Served:
    """The demo mission in a database, the app over it and a partner's bearer header."""

    engine: Engine
    client: TestClient
    headers: dict[str, str]
    url: str

    def get(self, path: str, **params: Any) -> Any:
        """GET as the partner; the JSON body of a 200."""
        response = self.client.get(path, params=params, headers=self.headers)
        assert response.status_code == 200, response.text
        return response.json()

    def status(self, path: str, **params: Any) -> int:
        """GET as the partner; the status code."""
        return self.client.get(path, params=params, headers=self.headers).status_code


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def served(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    """The demo mission (200 communities, 1,500 events) loaded once per backend for the whole module."""
    admin = None
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path_factory.mktemp('resources') / 'demo.db'}"
    else:
        schema = f"t_{uuid.uuid4().hex[:12]}"
        admin = create_engine(PG_SERVER)
        with admin.begin() as conn:
            conn.execute(text(f"CREATE SCHEMA {schema}"))
        url = f"{PG_SERVER}?options=-csearch_path%3D{schema}"
    engine = connect(url)
    try:
        upgrade(engine)
        load_demo(engine, Settings(database_url=url), seed=1, n_communities=N_COMMUNITIES, n_events=1500)
        _, token = make_user(engine, "partner")
        client = TestClient(create_app(Settings(database_url=url, workers=False, api_docs=True)))
        yield Served(engine, client, auth_header(token), url)
    finally:
        engine.dispose()
        if admin is not None:
            with admin.begin() as conn:
                conn.execute(text(f"DROP SCHEMA {schema} CASCADE"))
            admin.dispose()


RESOURCE_PATHS = (
    "/api/v1/communities",
    "/api/v1/communities/KT-C0001",
    "/api/v1/bases",
    "/api/v1/bases/B01",
    "/api/v1/units",
    "/api/v1/units/U01",
    "/api/v1/areas",
    "/api/v1/areas/levels",
    "/api/v1/areas/KT01",
    "/api/v1/threats",
    "/api/v1/threats/hotspots",
    "/api/v1/threats/coverage",
    "/api/v1/reports/summary",
    "/api/v1/reports/daily",
)


def test_every_resource_needs_a_signed_in_user_and_any_role_may_read(served: Served) -> None:
    _, viewer = make_user(served.engine, "viewer")
    for path in RESOURCE_PATHS:
        assert served.client.get(path).status_code == 401, path
        bad = served.client.get(path, headers=auth_header("not-a-token"))
        assert bad.status_code == 401, path
        assert served.status(path) == 200, path
        assert served.client.get(path, headers=auth_header(viewer)).status_code == 200, path


def walk_pages(served: Served, path: str, **params: Any) -> list[dict[str, Any]]:
    """Every feature of a paged collection, following the ``next`` links."""
    body = served.get(path, **params)
    features = list(body["features"])
    while body["next"]:
        response = served.client.get(body["next"], headers=served.headers)
        assert response.status_code == 200
        body = response.json()
        features.extend(body["features"])
    return features


def test_communities_page_through_every_community_once(served: Served) -> None:
    first = served.get("/api/v1/communities", limit=60)
    assert first["type"] == "FeatureCollection" and first["total"] == N_COMMUNITIES
    assert len(first["features"]) == 60 and "offset=60" in first["next"]
    features = walk_pages(served, "/api/v1/communities", limit=60)
    ids = [f["id"] for f in features]
    assert len(ids) == N_COMMUNITIES == len(set(ids)) and ids == sorted(ids)
    last = served.get("/api/v1/communities", limit=60, offset=180)
    assert len(last["features"]) == 20 and last["next"] is None
    assert served.get("/api/v1/communities", offset=500)["features"] == []
    with served.engine.connect() as conn:
        stored = {r.community_id: r for r in conn.execute(select(tables.communities))}
    for item in features:
        row = stored[item["id"]]
        assert item["geometry"] == {"type": "Point", "coordinates": [row.longitude, row.latitude]}
        assert item["properties"]["population"] == row.population
        assert item["properties"]["has_focal_point"] == bool(row.focal_point)
        assert "focal_point" not in item["properties"], "focal points' names are never served"


def test_community_filters_select_exactly_the_matching_communities(served: Served) -> None:
    with served.engine.connect() as conn:
        rows = conn.execute(select(tables.communities)).all()
    in_area = served.get("/api/v1/communities", area="KT01", limit=5000)
    expected = {r.community_id for r in rows if (r.pcode or "").startswith("KT01")}
    assert {f["id"] for f in in_area["features"]} == expected and in_area["total"] == len(expected) > 0
    large = served.get("/api/v1/communities", min_population=5000, limit=5000)
    assert {f["id"] for f in large["features"]} == {r.community_id for r in rows if r.population >= 5000}
    box = (22.0, 3.0, 23.5, 5.0)
    boxed = served.get("/api/v1/communities", bbox=",".join(map(str, box)), limit=5000)
    inside = {
        r.community_id for r in rows if box[0] <= r.longitude <= box[2] and box[1] <= r.latitude <= box[3]
    }
    assert {f["id"] for f in boxed["features"]} == inside and 0 < len(inside) < len(rows)
    one = served.get("/api/v1/communities/KT-C0002")
    assert one["type"] == "Feature" and one["id"] == "KT-C0002"
    assert served.status("/api/v1/communities/KT-C9999") == 404


def test_bases_are_geojson_with_their_units(served: Served) -> None:
    bases = served.get("/api/v1/bases")
    assert bases["total"] == len(bases["features"]) > 10
    units = served.get("/api/v1/units", limit=5000)["items"]
    hosted: dict[str, list[str]] = {}
    for unit in units:
        hosted.setdefault(unit["home_base"]["base_id"], []).append(unit["unit_id"])
    for base in bases["features"]:
        assert base["geometry"]["type"] == "Point"
        assert base["properties"]["unit_ids"] == sorted(hosted.get(base["id"], []))
    sector = served.get("/api/v1/bases", base_type="sector_hq")["features"]
    assert sector and all(b["properties"]["base_type"] == "sector_hq" for b in sector)
    in_area = served.get("/api/v1/bases", area="KT02")["features"]
    assert in_area and all(b["properties"]["pcode"].startswith("KT02") for b in in_area)
    assert served.get("/api/v1/bases/B01")["properties"]["base_type"] == "mission_hq"
    assert served.status("/api/v1/bases/B99") == 404


def test_units_carry_their_home_base_location_and_filter(served: Served) -> None:
    page = served.get("/api/v1/units", limit=5)
    assert page["total"] > 10 and len(page["items"]) == 5 and page["next"]
    bases = {b["id"]: b for b in served.get("/api/v1/bases")["features"]}
    for unit in served.get("/api/v1/units", limit=5000)["items"]:
        home = unit["home_base"]
        assert [home["longitude"], home["latitude"]] == bases[home["base_id"]]["geometry"]["coordinates"]
    high = served.get("/api/v1/units", readiness="high", limit=5000)["items"]
    assert high and all(u["readiness"] == "high" for u in high)
    flying = served.get("/api/v1/units", air=True)["items"]
    assert flying and all(u["air"] and u["unit_type"] == "utility_helicopter" for u in flying)
    south = served.get("/api/v1/units", area="KT03", unit_type="infantry_company")["items"]
    assert all(
        u["home_base"]["pcode"].startswith("KT03") and u["unit_type"] == "infantry_company" for u in south
    )
    assert served.get("/api/v1/units/U01")["home_base"]["base_id"] == "B02"
    assert served.status("/api/v1/units/U999") == 404


def vertices(geometry: dict[str, Any]) -> int:
    """How many points a GeoJSON geometry has."""
    return int(shapely.get_num_coordinates(shape(geometry)))


def test_admin_areas_by_level_simplified_and_valid(served: Served) -> None:
    assert served.get("/api/v1/areas/levels") == [
        {"level": 1, "areas": 4, "boundary_versions": ["admin1.geojson"]},
        {"level": 2, "areas": 24, "boundary_versions": ["admin2.geojson"]},
    ]
    exact = served.get("/api/v1/areas", level=2)
    assert exact["total"] == 24 == len(exact["features"])
    assert all(f["properties"]["parent_pcode"] == f["id"][:4] for f in exact["features"])
    rough = served.get("/api/v1/areas", level=2, tolerance=0.05)
    with served.engine.connect() as conn:
        stored = {r.pcode: shapely.from_wkb(r.geometry) for r in conn.execute(select(tables.admin_areas))}
    for before, after in zip(exact["features"], rough["features"], strict=True):
        assert vertices(before["geometry"]) == shapely.get_num_coordinates(stored[before["id"]])
        assert vertices(after["geometry"]) <= vertices(before["geometry"])
        simplified = shape(after["geometry"])
        assert simplified.is_valid
        assert abs(simplified.area - stored[after["id"]].area) < 0.05 * stored[after["id"]].area
    assert sum(map(vertices, (f["geometry"] for f in rough["features"]))) < sum(
        map(vertices, (f["geometry"] for f in exact["features"]))
    )
    regions = served.get("/api/v1/areas", level=1)["features"]
    assert {f["id"] for f in regions} == {"KT01", "KT02", "KT03", "KT04"}
    west = served.get("/api/v1/areas", bbox="20.0,1.0,21.0,7.0")["features"]
    assert west and all(f["bbox"][0] <= 21.0 for f in west)
    assert served.get("/api/v1/areas", area="KT03", level=2)["total"] == 6
    one = served.get("/api/v1/areas/KT0101", tolerance=0.01)
    assert one["properties"]["name"] and shape(one["geometry"]).is_valid
    assert served.status("/api/v1/areas/KT9999") == 404


def test_threat_matrix_rows_with_evidence_and_filters_that_keep_ranks(served: Served) -> None:
    matrix = assess(served.engine, level=2, signals=area_signals)
    everything = served.get("/api/v1/threats", limit=1000)
    assert everything["total"] == len(matrix.records) == len(everything["items"]) > 5
    assert [r["key"] for r in everything["items"]] == [r.key for r in matrix.records]
    assert [r["rank"] for r in everything["items"]] == list(range(1, everything["total"] + 1))
    assert everything["as_of"].startswith(matrix.as_of.date().isoformat())
    ids = sorted({i for r in everything["items"] for i in r["evidence_ids"]})
    with served.engine.connect() as conn:
        events = {r.id: r for r in conn.execute(select(tables.events).where(tables.events.c.id.in_(ids)))}
    for row in everything["items"]:
        assert row["evidence_ids"], row["key"]
        for event_id in row["evidence_ids"]:
            assert events[event_id].threat_type == row["threat_type"]
            assert events[event_id].admin2_pcode == row["area_pcode"]
        assert 1 <= row["risk"] <= 25 and row["response_options"]
    by_rank = {r["key"]: r for r in everything["items"]}
    chosen = served.get("/api/v1/threats", area="KT01", threat_type="killing", min_risk=2, limit=1000)[
        "items"
    ]
    expected = [
        r
        for r in everything["items"]
        if r["area_pcode"].startswith("KT01") and r["threat_type"] == "killing" and r["risk"] >= 2
    ]
    assert chosen == expected
    assert all(by_rank[r["key"]] == r for r in chosen)
    second = served.get("/api/v1/threats", limit=3, offset=3)
    assert second["items"] == everything["items"][3:6] and "offset=6" in second["next"]
    earlier = served.get("/api/v1/threats", as_of=(matrix.as_of.date() - timedelta(days=400)).isoformat())
    assert earlier["as_of"].startswith((matrix.as_of.date() - timedelta(days=400)).isoformat())
    regions = served.get("/api/v1/threats", level=1, limit=1000)["items"]
    assert regions and all(len(r["area_pcode"]) == 4 for r in regions)


def test_threat_matrix_of_an_empty_database_is_empty(engine: Engine, database_url: str) -> None:
    _, token = make_user(engine, "analyst")
    client = TestClient(create_app(Settings(database_url=database_url, workers=False)))
    body = client.get("/api/v1/threats", headers=auth_header(token)).json()
    assert body["items"] == [] and body["total"] == 0 and body["as_of"] is None


def test_hotspots_are_h3_polygons_over_the_boundaries(served: Served) -> None:
    body = served.get("/api/v1/threats/hotspots", resolution=5, permutations=99, window_days=365)
    assert body["type"] == "FeatureCollection" and body["cells"] == len(body["features"]) > 100
    assert body["resolution"] == 5 and body["permutations"] == 99 and body["window_days"] == 365
    assert sum(f["properties"]["count"] for f in body["features"]) == body["events"] > 0
    for item in body["features"][:50]:
        ring = item["geometry"]["coordinates"][0]
        assert item["geometry"]["type"] == "Polygon" and ring[0] == ring[-1] and len(ring) >= 7
        assert item["id"] == item["properties"]["cell"]
    significant = served.get(
        "/api/v1/threats/hotspots", resolution=5, permutations=99, window_days=365, significant_only=True
    )
    classes = {f["properties"]["class"] for f in significant["features"]}
    assert "none" not in classes and significant["cells"] == body["cells"]
    hot = {f["id"] for f in body["features"] if f["properties"]["class"] != "none"}
    assert {f["id"] for f in significant["features"]} == hot
    assert served.status("/api/v1/threats/hotspots", resolution=8) == 422
    assert served.status("/api/v1/threats/hotspots", resolution=7, permutations=9999) == 422
    assert served.status("/api/v1/threats/hotspots", resolution=9) == 422


def test_coverage_lists_the_fastest_unit_of_every_community(served: Served) -> None:
    body = served.get("/api/v1/threats/coverage", standard=[2, 6])
    assert body["total"] == N_COMMUNITIES == len(body["features"])
    assert [s["standard_hours"] for s in body["standards"]] == [2.0, 6.0]
    assert body["roads"] is True and body["season"] == "dry"
    units = {u["unit_id"] for u in served.get("/api/v1/units", limit=5000)["items"]}
    for item in body["features"]:
        p = item["properties"]
        assert p["fastest_unit"] in units and p["fastest_hours"] >= 0
        assert len(p["units_within"]) == 2 and p["units_within"][0] <= p["units_within"][1]
        assert (p["units_within"][0] > 0) == (p["fastest_hours"] <= 2.0)
    covered = sum(
        f["properties"]["weight"] for f in body["features"] if f["properties"]["fastest_hours"] <= 2
    )
    assert covered == pytest.approx(body["standards"][0]["covered_weight"])
    rainy = served.get("/api/v1/threats/coverage", season="rainy", area="KT01", limit=5)
    assert rainy["total"] < N_COMMUNITIES and len(rainy["features"]) == 5
    assert all(f["properties"]["pcode"].startswith("KT01") for f in rainy["features"])
    default = served.get("/api/v1/threats/coverage", limit=1)
    assert [s["standard_hours"] for s in default["standards"]] == [1.0, 4.0, 24.0]


def test_summary_for_charts_adds_up_to_the_event_count(served: Served) -> None:
    total = served.get("/api/v1/events/count")["events"]
    body = served.get("/api/v1/reports/summary")
    months = [r["key"] for r in body["by_month"]]
    assert months == sorted(months) and all(len(m) == 7 for m in months)
    assert (
        sum(r["events"] for r in body["by_month"])
        == total
        == sum(r["events"] for r in body["by_threat_type"])
    )
    in_2025 = served.get("/api/v1/reports/summary", start="2025-01-01", end="2025-12-31")
    assert all(r["key"].startswith("2025-") for r in in_2025["by_month"])
    counted = served.get("/api/v1/events/count", start="2025-01-01", end="2025-12-31")["events"]
    assert sum(r["events"] for r in in_2025["by_threat_type"]) == counted
    assert served.status("/api/v1/reports/summary", start="2025-02-01", end="2025-01-01") == 422


def _alert(reference: str, state: str, exercise_id: int | None) -> dict[str, Any]:
    now = datetime(2026, 10, 25, 8, tzinfo=UTC)
    return dict(
        reference=reference,
        state=state,
        received_at=now,
        updated_at=now,
        channel="sms",
        text="armed men seen near the market",
        urgency="high",
        body_id="fo-north",
        exercise_id=exercise_id,
    )


def test_daily_report_by_area_with_open_alerts(served: Served) -> None:
    ev = tables.events.c
    with served.engine.connect() as conn:
        days = conn.execute(select(ev.event_date).where(ev.duplicate_of.is_(None))).scalars().all()
    # the busiest 30 days of the demo end on `last`
    last = max(set(days), key=lambda d: sum(1 for x in days if d - timedelta(days=29) <= x <= d))
    start = last - timedelta(days=29)
    report = served.get("/api/v1/reports/daily", as_of=last.isoformat(), days=30, max_events=5)
    counted = served.get("/api/v1/events/count", start=start.isoformat(), end=last.isoformat())["events"]
    assert report["start"] == start.isoformat() and report["events"] == counted > 5
    assert sum(a["events"] for a in report["areas"]) == counted
    assert report["events_listed"] == 5 == sum(len(a["items"]) for a in report["areas"])
    assert report["truncated"] is True
    fatalities = [a["fatalities"] for a in report["areas"]]
    assert fatalities == sorted(fatalities, reverse=True)
    for area in report["areas"]:
        assert len(area["area_pcode"]) == 4
        for event in area["items"]:
            assert start.isoformat() <= event["event_date"] <= last.isoformat()
    districts = served.get("/api/v1/reports/daily", as_of=last.isoformat(), days=30, level=2, max_events=2000)
    assert districts["truncated"] is False and districts["events_listed"] == counted
    assert all(len(a["area_pcode"]) == 6 for a in districts["areas"])
    before = {r["state"]: r["alerts"] for r in report["open_alerts"]}
    assert "closed" not in before and "reviewed" not in before
    with served.engine.begin() as conn:
        conn.execute(
            insert(tables.alerts),
            [
                _alert(f"T-{uuid.uuid4().hex[:8]}", "received", None),
                _alert(f"T-{uuid.uuid4().hex[:8]}", "received", None),
                _alert(f"T-{uuid.uuid4().hex[:8]}", "verified", None),
                _alert(f"T-{uuid.uuid4().hex[:8]}", "received", 7),
                _alert(f"T-{uuid.uuid4().hex[:8]}", "closed", None),
            ],
        )
    after = {
        r["state"]: r["alerts"]
        for r in served.get("/api/v1/reports/daily", as_of=last.isoformat())["open_alerts"]
    }
    assert after["received"] == before["received"] + 2 and after["verified"] == before["verified"] + 1
    assert sum(after.values()) == sum(before.values()) + 3
    quiet = served.get("/api/v1/reports/daily", as_of="1990-01-01")
    assert quiet["events"] == 0 and quiet["areas"] == [] and quiet["truncated"] is False


BAD_PARAMETERS = (
    ("/api/v1/communities", {"bbox": "1,2,3"}),
    ("/api/v1/communities", {"bbox": "5,0,1,1"}),
    ("/api/v1/communities", {"bbox": "nan,0,1,1"}),
    ("/api/v1/communities", {"limit": 0}),
    ("/api/v1/communities", {"limit": 5001}),
    ("/api/v1/communities", {"offset": -1}),
    ("/api/v1/communities", {"offset": 10**12}),
    ("/api/v1/communities", {"min_population": -5}),
    ("/api/v1/communities", {"area": "KT%"}),
    ("/api/v1/bases", {"base_type": "castle"}),
    ("/api/v1/units", {"readiness": "eager"}),
    ("/api/v1/units", {"limit": 10**30}),
    ("/api/v1/areas", {"tolerance": "nan"}),
    ("/api/v1/areas", {"tolerance": 2}),
    ("/api/v1/areas", {"level": 99}),
    ("/api/v1/threats", {"min_risk": 26}),
    ("/api/v1/threats", {"as_of": "0"}),
    ("/api/v1/threats", {"as_of": "0001-01-01"}),
    ("/api/v1/threats", {"as_of": "2020-02-30"}),
    ("/api/v1/threats", {"threat_type": "gossip"}),
    ("/api/v1/threats", {"level": 3}),
    ("/api/v1/threats/hotspots", {"window_days": 0}),
    ("/api/v1/threats/hotspots", {"k": 9}),
    ("/api/v1/threats/hotspots", {"permutations": 10**6}),
    ("/api/v1/threats/coverage", {"standard": 0}),
    ("/api/v1/threats/coverage", {"standard": "inf"}),
    ("/api/v1/threats/coverage", {"off_road_kmh": 0}),
    ("/api/v1/threats/coverage", {"season": "monsoon"}),
    ("/api/v1/threats/coverage", {"weight": "votes"}),
    ("/api/v1/reports/daily", {"days": 0}),
    ("/api/v1/reports/daily", {"days": 32}),
    ("/api/v1/reports/daily", {"as_of": "9999-12-31"}),
    ("/api/v1/reports/summary", {"start": "yesterday"}),
)


@pytest.mark.parametrize(("path", "params"), BAD_PARAMETERS)
def test_bad_parameters_are_client_errors(served: Served, path: str, params: dict[str, Any]) -> None:
    assert served.status(path, **params) == 422


def test_openapi_documents_every_resource_route(served: Served) -> None:
    schema = served.client.get("/openapi.json").json()
    for path in ("/api/v1/communities", "/api/v1/areas", "/api/v1/threats/hotspots", "/api/v1/reports/daily"):
        responses = schema["paths"][path]["get"]["responses"]
        assert {"200", "401", "422"} <= set(responses), path
        assert responses["200"]["content"]["application/json"]["schema"]["$ref"].startswith("#/components/")
    assert "404" in schema["paths"]["/api/v1/units/{unit_id}"]["get"]["responses"]
    feature = schema["components"]["schemas"]["CommunityFeature"]
    assert feature["properties"]["geometry"]["anyOf"][0]["$ref"].endswith("/Point")


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(limit=st.integers(1, 250), offset=st.integers(0, 260))
def test_any_page_holds_what_remains_and_links_on_only_when_more_remain(
    served: Served, limit: int, offset: int
) -> None:
    body = served.get("/api/v1/communities", limit=limit, offset=offset)
    assert len(body["features"]) == max(0, min(limit, N_COMMUNITIES - offset))
    assert (body["next"] is not None) == (offset + limit < N_COMMUNITIES)


def test_hotspots_without_boundaries_are_bounded_by_the_events(
    engine: Engine, database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    import_events(
        engine,
        shared_file("acled-mali/acled_mali_2017-01-01_2019-02-27.csv"),
        ACLED,
        ImportOptions(),
        Settings(),
        kind="acled",
    )
    _, token = make_user(engine, "viewer")
    client = TestClient(create_app(Settings(database_url=database_url, workers=False)))
    params = {"resolution": 6, "window_days": 365, "permutations": 99}
    response = client.get("/api/v1/threats/hotspots", params=params, headers=auth_header(token))
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["events"] > 0 and body["cells"] == len(body["features"]) > body["events"] / 10
    monkeypatch.setattr(threat_listing, "MAX_CELLS", body["events"])
    refused = client.get("/api/v1/threats/hotspots", params=params, headers=auth_header(token))
    assert refused.status_code == 422 and "coarser resolution" in refused.json()["detail"]

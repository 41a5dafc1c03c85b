"""The map's layers asked for a view (issue 18, low bandwidth), on SQLite and PostgreSQL: the features that
intersect the visible box only, shapes simplified by zoom (fewer vertices zoomed out, still valid), points capped
with the highest risk first, an ETag that answers 304, and bad views refused."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import numpy as np
import pytest
import shapely
from shapely.geometry import box, shape
from sqlalchemy import Engine, insert, select
from starlette.testclient import TestClient

from pochub.config import Settings
from pochub.core.geography.view import for_zoom, grid_for_zoom, in_box, parse_bbox, tolerance_for_zoom
from pochub.errors import InvalidInput
from pochub.http.app import create_app
from pochub.store import tables
from pochub.web import map_layers
from tests.api.access_helpers import auth_header, make_user

SMALL = (21.0, 3.0, 22.5, 4.5)
"""A box in the west of the demo mission: some of its areas, roads and communities, not all."""


@pytest.fixture(scope="module")
def client(demo_engine: Engine) -> Iterator[TestClient]:
    """The application over the module's demo mission (both backends), signed in as a viewer by token."""
    map_layers.CACHE.clear()
    _, token = make_user(demo_engine, "viewer")
    app = create_app(
        Settings(database_url=demo_engine.url.render_as_string(hide_password=False), workers=False)
    )
    try:
        with TestClient(app, headers=auth_header(token)) as test_client:
            yield test_client
    finally:
        app.state.engine.dispose()
        map_layers.CACHE.clear()


def get(client: TestClient, path: str, **params: Any) -> Any:
    response = client.get(path, params=params)
    assert response.status_code == 200, response.text
    return response.json()


def vertices(features: list[dict[str, Any]]) -> int:
    return int(sum(shapely.get_num_coordinates(shape(f["geometry"])) for f in features if f["geometry"]))


def bbox_text(bbox: tuple[float, float, float, float]) -> str:
    return ",".join(map(str, bbox))


def test_a_small_box_gets_only_the_features_that_intersect_it(client: TestClient) -> None:
    window = box(*SMALL)
    for path, kind in (
        ("/map/roads.json", "line"),
        ("/map/communities.json", "point"),
        ("/map/hotspots.json", ""),
    ):
        everything = get(client, path)["features"]
        inside = get(client, path, bbox=bbox_text(SMALL))
        expected = {f["id"] for f in everything if shape(f["geometry"]).intersects(window)}
        assert {f["id"] for f in inside["features"]} == expected, path
        assert inside["bbox"] == list(SMALL) and inside["total"] == len(expected) and not inside["truncated"]
        if kind:  # the demo has roads and communities on both sides of the box's edges
            assert 0 < len(expected) < len(everything), path
    # the admin areas: those whose bounds overlap the box (every area intersecting it among them)
    areas = get(client, "/api/v1/areas", level=2, bbox=bbox_text(SMALL), zoom=8)["features"]
    every = get(client, "/api/v1/areas", level=2, limit=5000)["features"]
    assert 0 < len(areas) < len(every)
    assert {f["id"] for f in every if shape(f["geometry"]).intersects(window)} <= {f["id"] for f in areas}
    assert all(box(*f["bbox"]).intersects(window) for f in areas)
    # the coverage's gaps and reach in the box; its figures stay the mission's
    whole = get(client, "/map/coverage.json", standard=1)
    part = get(client, "/map/coverage.json", standard=1, bbox=bbox_text(SMALL), zoom=8)
    assert part["covered_share"] == whole["covered_share"]
    assert {f["id"] for f in part["features"]} == {
        f["id"] for f in whole["features"] if shape(f["geometry"]).intersects(window)
    }
    assert len(part["features"]) < len(whole["features"])
    # the perceived insecurity layer: the points in the box
    perceived = client.get("/map/perceived.json", params={"bbox": bbox_text(SMALL)})
    assert perceived.status_code == 200
    for feature in perceived.json()["features"]:
        assert window.intersects(shape(feature["geometry"]))


def test_a_low_zoom_sends_fewer_vertices_than_a_high_zoom_for_the_same_boundaries(client: TestClient) -> None:
    mission = bbox_text((-180.0, -90.0, 180.0, 90.0))
    low = get(client, "/api/v1/areas", level=2, bbox=mission, zoom=5, limit=5000)["features"]
    high = get(client, "/api/v1/areas", level=2, bbox=mission, zoom=12, limit=5000)["features"]
    exact = get(client, "/api/v1/areas", level=2, limit=5000)["features"]
    assert [f["id"] for f in low] == [f["id"] for f in high] == [f["id"] for f in exact]
    assert vertices(low) < vertices(high) <= vertices(exact)
    for rough, fine in zip(low, high, strict=True):
        drawn, stored = shape(rough["geometry"]), shape(fine["geometry"])
        assert drawn.is_valid and abs(drawn.area - stored.area) < 0.05 * stored.area
    # coordinates as long as the zoom needs: 3 decimals at zoom 5, more at 12
    ring = low[0]["geometry"]["coordinates"][0]
    ring = ring[0] if isinstance(ring[0][0], list) else ring
    assert all(round(v, 3) == v for point in ring for v in point)
    roads_low = get(client, "/map/roads.json", bbox=mission, zoom=5)["features"]
    roads_high = get(client, "/map/roads.json", bbox=mission, zoom=12)["features"]
    assert len(roads_low) == len(roads_high) > 0
    assert vertices(roads_low) < vertices(roads_high)


def test_points_are_capped_with_the_highest_risk_first(
    client: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    mission = bbox_text((-180.0, -90.0, 180.0, 90.0))
    everything = get(client, "/map/communities.json")["features"]
    monkeypatch.setattr(map_layers, "POINT_LIMIT", 10)
    capped = get(client, "/map/communities.json", bbox=mission)
    assert len(capped["features"]) == 10 and capped["truncated"] and capped["total"] == len(everything)
    ranked = sorted(everything, key=map_layers.risk_first)
    assert [map_layers.risk_first(f) for f in capped["features"]] == [
        map_layers.risk_first(f) for f in ranked[:10]
    ]
    # the whole layer (no view asked) stays whole
    assert len(get(client, "/map/communities.json")["features"]) == len(everything) > 10


def test_a_view_answers_304_to_a_browser_that_has_it_and_changes_with_the_data(
    client: TestClient, demo_engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(map_layers, "FINGERPRINT_SECONDS", 0.0)
    params = {"bbox": bbox_text(SMALL), "zoom": 9}
    first = client.get("/map/roads.json", params=params)
    etag = first.headers["etag"]
    assert first.headers["cache-control"] == "private, no-cache"
    again = client.get("/map/roads.json", params=params, headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.content == b""
    other = client.get("/map/roads.json", params={**params, "zoom": 6}, headers={"If-None-Match": etag})
    assert other.status_code == 200 and other.headers["etag"] != etag
    with demo_engine.begin() as conn:  # a new road across the box: new data, new bytes
        road = conn.execute(select(tables.roads).limit(1)).mappings().one()
        line = shapely.LineString([(21.1, 3.1), (22.4, 4.4)])
        conn.execute(insert(tables.roads).values({**road, "road_id": "R-VIEW-TEST", "geometry": line.wkb}))
    changed = client.get("/map/roads.json", params=params, headers={"If-None-Match": etag})
    assert changed.status_code == 200 and "R-VIEW-TEST" in {f["id"] for f in changed.json()["features"]}
    with demo_engine.begin() as conn:
        conn.execute(tables.roads.delete().where(tables.roads.c.road_id == "R-VIEW-TEST"))


@pytest.mark.parametrize(
    "path",
    ["/map/roads.json", "/map/communities.json", "/map/hotspots.json", "/map/coverage.json", "/api/v1/areas"],
)
@pytest.mark.parametrize("params", [{"bbox": "22,4,21,3"}, {"bbox": "a,b,c,d"}, {"zoom": 21}, {"zoom": -1}])
def test_a_view_that_is_not_one_is_refused(client: TestClient, path: str, params: dict[str, Any]) -> None:
    assert client.get(path, params=params).status_code == 422


def test_the_core_view_helpers() -> None:
    assert tolerance_for_zoom(0) == pytest.approx(360 / 256)
    assert tolerance_for_zoom(8) == pytest.approx(tolerance_for_zoom(7) / 2)
    assert grid_for_zoom(5) == pytest.approx(0.001) and grid_for_zoom(14) == pytest.approx(1e-6)
    assert parse_bbox(None) is None and parse_bbox("1,2,3,4") == (1.0, 2.0, 3.0, 4.0)
    for bad in ("1,2,3", "3,2,1,4", "1,-91,2,0"):
        with pytest.raises(InvalidInput):
            parse_bbox(bad)
    circle = shapely.Point(20, 5).buffer(1, quad_segs=64)
    coarse, fine = for_zoom([circle], 4)[0], for_zoom([circle], 12)[0]
    assert coarse.is_valid and fine.is_valid
    assert shapely.get_num_coordinates(coarse) < shapely.get_num_coordinates(fine)
    shapes = np.array([shapely.Point(0, 0), shapely.LineString([(-5, -5), (5, 5)]), shapely.Point(9, 9)])
    assert in_box(shapes, (-1.0, -1.0, 1.0, 1.0)).tolist() == [True, True, False]
    assert in_box(np.array([], dtype=object), (0.0, 0.0, 1.0, 1.0)).tolist() == []

"""Communities "under" an area follow the boundaries' parent_pcode links, also where codes share no prefix."""

from __future__ import annotations

import json
from pathlib import Path

import shapely
from sqlalchemy import Engine

from pochub.services.places import import_boundaries, import_communities
from pochub.store import place_queries
from pochub.store.place_queries import AreaFilter, CommunityFilter


def geojson(path: Path, features: list[tuple[dict[str, str], shapely.Geometry]]) -> Path:
    document = {
        "type": "FeatureCollection",
        "features": [
            {"type": "Feature", "properties": props, "geometry": shapely.geometry.mapping(shape)}
            for props, shape in features
        ],
    }
    path.write_text(json.dumps(document), encoding="utf-8")
    return path


def test_areas_nest_by_parent_pcode(engine: Engine, tmp_path: Path) -> None:
    provinces = geojson(
        tmp_path / "provinces.geojson",
        [
            ({"pcode": "NORTH", "name": "North"}, shapely.box(0, 1, 2, 2)),
            ({"pcode": "SOUTH", "name": "South"}, shapely.box(0, 0, 2, 1)),
        ],
    )
    districts = geojson(
        tmp_path / "districts.geojson",
        [
            ({"pcode": "D7", "name": "Seven", "parent_pcode": "NORTH"}, shapely.box(0, 1, 1, 2)),
            ({"pcode": "D8", "name": "Eight", "parent_pcode": "NORTH"}, shapely.box(1, 1, 2, 2)),
            ({"pcode": "D9", "name": "Nine", "parent_pcode": "SOUTH"}, shapely.box(0, 0, 2, 1)),
        ],
    )
    import_boundaries(engine, provinces, 1)
    import_boundaries(engine, districts, 2)
    places = tmp_path / "communities.csv"
    places.write_text(
        "id,name,lat,lon,population\na,A,1.5,0.5,10\nb,B,1.5,1.5,20\nc,C,0.5,0.5,30\n", encoding="utf-8"
    )
    summary = import_communities(engine, places)
    assert summary.communities_located == 3
    with engine.connect() as conn:
        north = place_queries.list_communities(conn, CommunityFilter(area="NORTH"), 10, 0)
        assert [c["community_id"] for c in north] == ["a", "b"]
        assert [c["pcode"] for c in north] == ["D7", "D8"]
        assert place_queries.count_communities(conn, CommunityFilter(area="SOUTH")) == 1
        assert place_queries.count_areas(conn, AreaFilter(area="NORTH")) == 3
        assert place_queries.count_areas(conn, AreaFilter(area="NORTH", level=2)) == 2

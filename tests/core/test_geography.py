"""Geometry from files made valid and polygonal, and one geography: areas by polygon, nearest within a
tolerance, else "outside the boundaries"; hot spot cells holding every event."""

from __future__ import annotations

import h3
import numpy as np
import orjson
import polars as pl
import pytest
import shapely
from hypothesis import given
from hypothesis import strategies as st
from shapely.errors import GEOSException
from shapely.geometry import shape

from pochub.core.geography.areas import (
    BEYOND,
    INSIDE,
    NEAREST,
    OUTSIDE,
    AreaIndex,
    assign_finest,
    with_area_keys,
)
from pochub.core.geography.repair import make_polygonal, polygon_parts
from pochub.core.models.places import AdminArea
from pochub.core.warning.grid import cells_covering
from tests.conftest import shared_file


def feature(path: str, number: int) -> shapely.Geometry:
    """The geometry of feature ``number`` (1-based) of a shared GeoJSON file."""
    return shape(orjson.loads(shared_file(path).read_bytes())["features"][number - 1]["geometry"])


def test_osm_provinces_that_geos_refuses_to_mend_become_polygons() -> None:
    north_kivu = feature("admin-boundaries-osm/cod_admin1_osm_q8.geojson", 17)
    with pytest.raises(GEOSException, match="mixed-dimension"):
        shapely.make_valid(north_kivu)
    repaired, repair = make_polygonal(north_kivu)
    assert repaired.geom_type in ("Polygon", "MultiPolygon") and repaired.is_valid
    assert repair is not None and "Too few points" in repair.reason
    assert repaired.area == pytest.approx(north_kivu.buffer(0).area, rel=1e-3)


def test_a_commune_crossing_itself_is_repaired_into_polygons_only() -> None:
    commune = feature("cod-ab-car/caf_admbnda_adm3_200k_sigcaf_reach_itos_v2.geojson", 175)
    assert {p.geom_type for p in shapely.make_valid(commune).geoms} == {"Polygon", "LineString"}
    repaired, repair = make_polygonal(commune)
    assert repaired.geom_type in ("Polygon", "MultiPolygon") and repaired.is_valid
    assert repair is not None and repair.dropped == ("LineString",)


def test_a_line_is_not_an_area() -> None:
    with pytest.raises(ValueError, match="no polygon"):
        make_polygonal(shapely.LineString([(0, 0), (1, 1)]))


coordinate = st.floats(-5, 5, allow_nan=False, allow_infinity=False)


@given(st.lists(st.tuples(coordinate, coordinate), min_size=4, max_size=12))
def test_any_ring_is_repaired_into_a_valid_polygonal_shape(points: list[tuple[float, float]]) -> None:
    ring = shapely.Polygon(points)
    try:
        repaired, _ = make_polygonal(ring)
    except ValueError:  # a ring with no surface at all (collinear points)
        assert not polygon_parts(shapely.make_valid(ring))
        return
    assert repaired.geom_type in ("Polygon", "MultiPolygon") and repaired.is_valid
    assert polygon_parts(repaired)


def index(*boxes: tuple[str, tuple[float, float, float, float]]) -> AreaIndex:
    return AreaIndex.build([AdminArea(code, f"name {code}", 1, shapely.box(*b)) for code, b in boxes], 1)


def test_points_take_the_polygon_then_the_nearest_area_within_the_tolerance() -> None:
    areas = index(("A", (0, 0, 1, 1)), ("B", (1, 0, 2, 1)))
    lat = np.array([0.5, 0.5, 0.5, 0.5])
    lon = np.array([0.5, 2.1, 3.0, -0.1])  # inside A; 11 km east of B; 110 km east; 11 km west of A
    found = areas.assign(lat, lon, tolerance_km=25)
    assert found.pcodes.tolist() == ["A", "B", None, "A"]
    assert found.methods.tolist() == [INSIDE, NEAREST, BEYOND, NEAREST]
    assert found.distance_km[1] == pytest.approx(11.1, abs=0.2)
    assert found.counts() == {INSIDE: 1, NEAREST: 2, BEYOND: 1}
    assert areas.assign(lat, lon, tolerance_km=0).pcodes.tolist() == ["A", None, None, None]


@given(st.floats(0.01, 0.99), st.floats(0.01, 0.99), st.floats(0, 100))
def test_a_point_inside_an_area_is_always_in_it(x: float, y: float, tolerance: float) -> None:
    found = index(("A", (0, 0, 1, 1)), ("B", (2, 0, 3, 1))).assign(np.array([y]), np.array([x]), tolerance)
    assert found.pcodes.tolist() == ["A"] and found.methods.tolist() == [INSIDE]


def test_a_point_beyond_fine_areas_takes_its_province() -> None:
    province = index(("P", (0, 0, 10, 10)))
    health_areas = AreaIndex.build([AdminArea("H", "h", 2, shapely.box(0, 0, 1, 1))], 2)
    found = assign_finest(
        [health_areas, province], np.array([0.5, 5.0, 20.0]), np.array([0.5, 5.0, 20.0]), 25
    )
    assert found.pcodes.tolist() == ["H", "P", None]


def test_with_boundaries_the_sources_spellings_never_become_areas() -> None:
    events = pl.DataFrame(
        {
            "admin1_pcode": ["CD-NK", None, None, "CD-OR"],  # CD-OR: a source's pre-2015 province, not stored
            "admin1_name": ["Nord-Kivu", "Nord-Kivu", "Orientale", "Orientale"],
        }
    )
    keyed = with_area_keys(events, 1, {"CD-NK": "North Kivu"})
    assert keyed["area_pcode"].to_list() == ["CD-NK", OUTSIDE, OUTSIDE, OUTSIDE]
    assert keyed["area_name"].to_list() == ["North Kivu", OUTSIDE, OUTSIDE, OUTSIDE]
    without = with_area_keys(events, 1, {})  # no boundaries: the source's names
    assert without["area_pcode"].to_list() == ["Nord-Kivu", "Nord-Kivu", "Orientale", "Orientale"]


def test_hot_spot_cells_hold_every_event_even_where_the_cell_centre_is_outside() -> None:
    area = shapely.box(29.0, -1.0, 29.3, -0.7)
    inside = [
        (lat, lon)
        for lat in np.linspace(-0.999, -0.701, 40)
        for lon in np.linspace(29.001, 29.299, 40)
        if not area.contains(shapely.Point(*reversed(h3.cell_to_latlng(h3.latlng_to_cell(lat, lon, 6)))))
    ]
    assert inside  # some points of the area lie in border cells whose centre is outside it
    event_cells = sorted({h3.latlng_to_cell(lat, lon, 6) for lat, lon in inside})
    cells = set(cells_covering([area], 6, event_cells))
    assert set(event_cells) <= cells
    assert set(cells_covering([area], 6)) < cells


def test_collections_are_covered_by_their_polygons() -> None:
    collection = shapely.GeometryCollection(
        [shapely.box(29, -1, 29.3, -0.7), shapely.LineString([(0, 0), (1, 1)])]
    )
    assert cells_covering([collection], 6) == cells_covering([shapely.box(29, -1, 29.3, -0.7)], 6)


@given(st.lists(st.tuples(st.floats(-0.5, 2.5), st.floats(-0.5, 1.5)), min_size=1, max_size=50))
def test_locate_agrees_with_point_in_polygon(points: list[tuple[float, float]]) -> None:
    areas = index(("A", (0, 0, 1, 1)), ("B", (1, 0, 2, 1)))
    lon = np.array([p[0] for p in points])
    lat = np.array([p[1] for p in points])
    codes, _ = areas.locate(lat, lon)
    for x, y, code in zip(lon, lat, codes, strict=True):
        point = shapely.Point(x, y)
        expected = (
            "A"
            if shapely.box(0, 0, 1, 1).intersects(point)
            else "B"
            if shapely.box(1, 0, 2, 1).intersects(point)
            else None
        )
        assert code == expected

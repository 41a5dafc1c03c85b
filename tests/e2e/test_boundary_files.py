"""Every boundary file of the shared datasets imports (repaired into valid polygons, each repair named) and the
plan, coverage and map layers draw with it."""

from __future__ import annotations

import json
from pathlib import Path

import orjson
import pytest
import shapely
from shapely.geometry import shape
from sqlalchemy import Engine

from pochub.store import place_queries
from pochub.store.place_queries import AreaFilter
from tests.conftest import CliRunner, shared_file
from tests.e2e.test_mission_data import GEONAMES, GEOPKO, ok, units_file

pytestmark = pytest.mark.slow

HEALTH_AREAS = ("--pcode-field", "CODEAS", "--name-field", "NOMAS", "--skip-invalid")
FILES = {
    **{
        f"admin-boundaries-osm/{iso3}_admin{level}_osm_q8.geojson": (level, (), mission)
        for iso3, mission in (("cod", "MONUSCO"), ("ssd", "UNMISS"), ("caf", "MINUSCA"), ("mli", "MINUSMA"))
        for level in (0, 1)
    },
    "cod-ab-car/caf_admbnda_adm2_200k_sigcaf_reach_itos_v2.geojson": (2, (), "MINUSCA"),
    "cod-ab-car/caf_admbnda_adm3_200k_sigcaf_reach_itos_v2.geojson": (3, (), "MINUSCA"),
    "drc-health-areas/drc_health_areas_nordkivu_ituri.geojson": (2, HEALTH_AREAS, "MONUSCO"),
}


def invalid_features(path: Path) -> int:
    """How many features of the file have an invalid geometry as published."""
    features = orjson.loads(path.read_bytes())["features"]
    return sum(1 for f in features if f.get("geometry") and not shape(f["geometry"]).is_valid)


@pytest.mark.parametrize("name", sorted(FILES))
def test_each_boundary_file_imports_and_draws(
    name: str, engine: Engine, database_url: str, cli: CliRunner, tmp_path: Path
) -> None:
    level, options, mission = FILES[name]
    db = ("--database", database_url)
    path = shared_file(name)
    summary = json.loads(
        ok(cli(*db, "import", "boundaries", path, "--level", str(level), *options, "--format", "json"))
    )
    assert summary["stored"] > 0
    # each repaired feature is named: file, feature number, name and P-code
    invalid = invalid_features(path)
    if summary["skipped"]:  # left-out features (repeated P-codes) are not repaired
        assert 0 < len(summary["repaired"]) <= invalid
    else:
        assert len(summary["repaired"]) == invalid
    assert all(line.startswith(f"{path}: feature ") for line in summary["repaired"])
    with engine.connect() as conn:
        areas = place_queries.list_areas(conn, AreaFilter(level=level), 10_000, 0, tolerance=0.001)
    assert len(areas) == summary["stored"]
    for area in areas:  # what the web map's boundary layer and the plan draw: polygons only, valid
        assert area["geometry"].geom_type in ("Polygon", "MultiPolygon"), area["pcode"]
        assert shapely.is_valid(area["geometry"]), area["pcode"]

    ok(cli(*db, "import", "communities", shared_file(GEONAMES)))  # the towns file as it comes
    ok(cli(*db, "import", "bases", shared_file(GEOPKO), "--mission", mission))
    ok(cli(*db, "import", "units", units_file(engine, tmp_path)))
    coverage = json.loads(ok(cli(*db, "coverage", "--format", "json")))
    assert coverage["communities"]
    plan = tmp_path / "plan.png"
    ok(cli(*db, "allocate", "mclp", "--p", "1", "-o", plan, "--format", "json"))
    assert plan.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"

"""`pochub import population` (every population file of the shared data: the CSV of 0.1° cells and the 30″ GeoTIFF)
and the threat matrix's exposure: communities, else the population grid (a lower bound where it covers only part of
an area), else unknown, never 0 people (both backends)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy import Engine, func, select

from pochub.services.population import area_populations
from pochub.store import tables
from tests.conftest import CliRunner, shared_file

POPULATION_FILES = [
    "population-gpw-kivu/gpw_v4_popcount_kivu_region_0.1deg.csv",
    "population-gpw-kivu/gpw_v4_popcount_kivu_region_30s.tif",
]
GPW_TOTAL = 114_255_850  # the README's total of the grid


def assess(cli: CliRunner, database_url: str) -> list[dict[str, object]]:
    result = cli("--database", database_url, "assess", "--level", "1", "--format", "json", "--top", "500")
    assert result.code == 0, result.err
    rows: list[dict[str, object]] = json.loads(result.out)
    return rows


@pytest.mark.parametrize("name", POPULATION_FILES)
def test_population_gives_exposure_where_no_community_is_known(
    engine: Engine, database_url: str, cli: CliRunner, name: str
) -> None:
    base = ("--database", database_url, "import")
    boundaries = shared_file("admin-boundaries-osm/cod_admin1_osm_q8.geojson")
    assert cli(*base, "boundaries", boundaries, "--level", "1").code == 0
    assert cli(*base, "acled", shared_file("acled-legacy-perse/ACLED_DRC_97_14.csv")).code == 0
    before = assess(cli, database_url)
    assert before and all(
        r["population_at_risk"] is None and r["exposure_basis"] == "unknown" for r in before
    )

    imported = cli(*base, "population", shared_file(name), "--format", "json")
    assert imported.code == 0, imported.err
    summary = json.loads(imported.out)
    assert summary["people"] == pytest.approx(GPW_TOTAL, rel=1e-6)
    assert cli(*base, "population", shared_file(name)).code == 0  # again: replaces, never adds
    with engine.connect() as conn:
        stored = conn.execute(select(func.sum(tables.population_points.c.population))).scalar_one()
        people = area_populations(conn, 1)
    assert stored == pytest.approx(GPW_TOTAL, rel=1e-6)
    assert summary["points"] == conn_count(engine)

    after = assess(cli, database_url)
    by_area = {str(r["area"]): r for r in after}
    north_kivu = by_area["North Kivu"]
    assert north_kivu["exposure_basis"] == "population grid"
    assert 5_000_000 < int(str(north_kivu["population_at_risk"])) < 10_000_000  # GPW v4 ~ 6-8 million
    assert by_area["Kinshasa"]["population_at_risk"] is None  # far outside the Kivu grid: still unknown
    assert by_area["South Kivu"]["exposure_basis"] == "partial population grid"
    for row in after:
        if row["exposure_basis"] == "unknown":
            assert row["population_at_risk"] is None
        else:
            assert int(str(row["population_at_risk"])) > 0
    assert sum(p.people for p in people.values()) < GPW_TOTAL  # Uganda, Rwanda, ... count in no DRC province


def conn_count(engine: Engine) -> int:
    with engine.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(tables.population_points)).scalar_one())


def test_bad_population_files_name_line_and_field(
    engine: Engine, database_url: str, cli: CliRunner, tmp_path: Path
) -> None:
    bad = tmp_path / "people.csv"
    bad.write_text("latitude,longitude,pop\n1.5,29.1,300\n95,29.2,10\n1.6,29.3,-4\n", encoding="utf-8")
    result = cli("--database", database_url, "import", "population", bad)
    assert result.code != 0
    assert f"{bad}:3: column 'lat'" in result.err and f"{bad}:4: column 'population'" in result.err
    assert conn_count(engine) == 0
    missing = tmp_path / "no-people.csv"
    missing.write_text("latitude,longitude\n1.5,29.1\n", encoding="utf-8")
    assert "population" in cli("--database", database_url, "import", "population", missing).err
    not_a_grid = tmp_path / "grid.tif"
    not_a_grid.write_bytes(b"not a tiff")
    refused = cli("--database", database_url, "import", "population", not_a_grid)
    assert refused.code != 0 and "GeoTIFF" in refused.err
    assert conn_count(engine) == 0


AREA_FILES = [
    "admin-boundaries-osm/caf_admin1_osm_q8.geojson",
    "admin-boundaries-osm/cod_admin1_osm_q8.geojson",
    "admin-boundaries-osm/mli_admin1_osm_q8.geojson",
    "admin-boundaries-osm/ssd_admin1_osm_q8.geojson",
]


@pytest.mark.parametrize("name", AREA_FILES)
def test_area_populations_from_boundary_properties(
    engine: Engine, database_url: str, cli: CliRunner, name: str
) -> None:
    """Every boundary file of the shared data with a population property: each area that gives one keeps it."""
    import orjson

    from pochub.services.population import stored_area_populations

    path = shared_file(name)
    given = [f["properties"].get("population") for f in orjson.loads(Path(path).read_bytes())["features"]]
    base = ("--database", database_url, "import")
    refused = cli(*base, "population", path)
    assert refused.code != 0 and "boundaries first" in refused.err
    assert cli(*base, "boundaries", path, "--level", "1").code == 0
    result = cli(*base, "population", path, "--format", "json")
    assert result.code == 0, result.err
    summary = json.loads(result.out)
    with engine.connect() as conn:
        stored = stored_area_populations(conn)
    assert summary["points"] == len(stored) == sum(p is not None for p in given)
    assert sorted(stored.values()) == sorted(int(p) for p in given if p is not None)
    if name.startswith("admin-boundaries-osm/caf"):
        assert cli(*base, "acled", shared_file("acled-legacy-perse/ACLED_CAR_00_14.csv")).code == 0
        rows = assess(cli, database_url)
        assert rows and all(
            r["exposure_basis"] == "area population" for r in rows if r["area_pcode"] in stored
        )
        assert all(
            r["population_at_risk"] == stored[str(r["area_pcode"])] for r in rows if r["area_pcode"] in stored
        )


def test_communities_of_unknown_population_make_a_lower_bound(
    engine: Engine, database_url: str, cli: CliRunner, tmp_path: Path
) -> None:
    """Some communities without population: their area's sum is "at least", and a boundary file's population
    for the area, when there is one, is preferred to it."""
    base = ("--database", database_url, "import")
    boundaries = shared_file("admin-boundaries-osm/caf_admin1_osm_q8.geojson")
    assert cli(*base, "boundaries", boundaries, "--level", "1").code == 0
    assert cli(*base, "acled", shared_file("acled-legacy-perse/ACLED_CAR_00_14.csv")).code == 0
    communities = tmp_path / "communities.csv"
    communities.write_text(
        "id,name,lat,lon,population\nc1,Bangui A,4.37,18.56,5000\nc2,Bangui B,4.38,18.57,\n", encoding="utf-8"
    )
    assert cli(*base, "communities", communities).code == 0
    bangui = [r for r in assess(cli, database_url) if r["area"] == "Bangui"]
    assert bangui and all(r["exposure_basis"] == "partial communities" for r in bangui)
    assert all(r["population_at_risk"] == 5000 for r in bangui)
    assert cli(*base, "population", boundaries).code == 0
    bangui = [r for r in assess(cli, database_url) if r["area"] == "Bangui"]
    assert all(
        r["exposure_basis"] == "area population" and r["population_at_risk"] == 734_350 for r in bangui
    )

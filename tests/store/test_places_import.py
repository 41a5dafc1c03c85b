"""Boundaries with P-codes and communities: real COD-AB boundaries give ACLED events their P-codes."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import shapely
from shapely.geometry import shape
from sqlalchemy import Engine, func, select

from pochub.store import tables
from tests.conftest import CliRunner, shared_file

CAR_ADM2 = "cod-ab-car/caf_admbnda_adm2_200k_sigcaf_reach_itos_v2.geojson"


def test_cod_ab_boundaries_locate_events(engine: Engine, database_url: str, cli: CliRunner) -> None:
    assert (
        cli(
            "--database",
            database_url,
            "import",
            "acled",
            shared_file("acled-legacy-perse/ACLED_CAR_00_14.csv"),
        ).code
        == 0
    )
    result = cli(
        "--database",
        database_url,
        "import",
        "boundaries",
        shared_file(CAR_ADM2),
        "--level",
        "2",
        "--format",
        "json",
    )
    assert result.code == 0, result.err
    summary = json.loads(result.out)
    assert summary["stored"] == 72
    document = json.loads(shared_file(CAR_ADM2).read_text())
    polygons = {f["properties"]["admin2Pcod"]: shape(f["geometry"]) for f in document["features"]}
    with engine.connect() as conn:
        ev = tables.events.c
        rows = conn.execute(select(ev.latitude, ev.longitude, ev.admin2_pcode)).all()
        areas = conn.execute(
            select(
                tables.admin_areas.c.pcode,
                tables.admin_areas.c.parent_pcode,
                tables.admin_areas.c.boundary_version,
            )
        ).all()
    assert {a.parent_pcode for a in areas} <= {f"CF{n}" for n in range(10, 80)}
    assert {a.boundary_version for a in areas} == {Path(CAR_ADM2).name}
    located = [r for r in rows if r.admin2_pcode]
    assert summary["events_located"] == len(located) > 0.95 * len(rows)
    for r in located[::50]:  # inside its area, or the nearest within the 25 km tolerance (0.23 degrees)
        point = shapely.Point(r.longitude, r.latitude)
        assert polygons[r.admin2_pcode].distance(point) < 0.25


def test_osm_admin1_codes_are_found_by_property_name(
    engine: Engine, database_url: str, cli: CliRunner
) -> None:
    result = cli(
        "--database",
        database_url,
        "import",
        "boundaries",
        shared_file("admin-boundaries-osm/ssd_admin1_osm_q8.geojson"),
        "--level",
        "1",
        "--format",
        "json",
    )
    assert result.code == 0, result.err
    assert json.loads(result.out)["stored"] == 10


def test_communities_csv_get_pcodes_and_bad_rows_are_named(
    engine: Engine, database_url: str, cli: CliRunner, tmp_path: Path
) -> None:
    assert (
        cli("--database", database_url, "import", "boundaries", shared_file(CAR_ADM2), "--level", "2").code
        == 0
    )
    good = tmp_path / "communities.csv"
    good.write_text(
        "id,name,lat,lon,population,vulnerable_groups,phone_coverage\n"
        "C1,Bambari,5.76,20.67,41356,idps;children,true\n"
        "C2,Bria,6.54,21.99,43322,,false\n"
    )
    result = cli("--database", database_url, "import", "communities", good, "--format", "json")
    assert result.code == 0, result.err
    assert json.loads(result.out)["communities_located"] == 2
    with engine.connect() as conn:
        pcodes = dict(
            conn.execute(select(tables.communities.c.community_id, tables.communities.c.pcode)).all()
        )
    assert all(code and code.startswith("CF") for code in pcodes.values())
    bad = tmp_path / "bad.csv"
    bad.write_text("id,name,lat,lon,population\nC3,X,5.0,20.0,100\nC4,Y,5.0,20.0,many\n")
    result = cli("--database", database_url, "import", "communities", bad)
    assert result.code == 1 and f"{bad}:3: column 'population'" in result.err
    with engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(tables.communities)).scalar_one() == 2


def test_communities_from_geojson_points(
    engine: Engine, database_url: str, cli: CliRunner, tmp_path: Path
) -> None:
    path = tmp_path / "c.geojson"
    path.write_text(
        json.dumps(
            {
                "type": "FeatureCollection",
                "features": [
                    {
                        "type": "Feature",
                        "geometry": {"type": "Point", "coordinates": [20.67, 5.76]},
                        "properties": {"id": "C1", "name": "Bambari", "population": 41356},
                    }
                ],
            }
        )
    )
    assert cli("--database", database_url, "import", "communities", path).code == 0
    with engine.connect() as conn:
        row = conn.execute(select(tables.communities)).one()
    assert (row.latitude, row.longitude) == (5.76, 20.67), "GeoJSON is [lon, lat]"


PLACE_FILES = {
    # file: (rows, stored, with population, left out)
    "geonames-cities/geonames_cities500_cd_ss_cf_ml_sd.csv": (398, 398, 398, 0),
    "drc-localities-rgc/drc_localites_rgc.csv": (30272, 30260, 0, 12),
    "health-facilities/drc_health_facilities.csv": (435, 435, 0, 0),
    "health-facilities/ssd_health_facilities.csv": (1734, 1727, 0, 7),
}


@pytest.mark.parametrize("name", sorted(PLACE_FILES))
def test_place_files_import_as_communities_as_they_come(
    name: str, engine: Engine, database_url: str, cli: CliRunner
) -> None:
    """Every place file of the shared data imports with `import communities` unchanged: the id from geonameid,
    a publisher's code or the name and coordinates; the name from name/NOM1/Facility name; a missing population
    is unknown (null), never 0; every row accounted for; a second import updates the same places."""
    rows, stored, with_population, left_out = PLACE_FILES[name]
    path = shared_file(name)
    result = cli("--database", database_url, "import", "communities", path, "--format", "json")
    assert result.code == 0, result.err
    summary = json.loads(result.out)
    assert (summary["rows_read"], summary["stored"], summary["rejected"]) == (rows, stored, 0)
    assert sum(int(text.split(":")[0]) for text in summary["left_out"]) == left_out
    with engine.connect() as conn:
        c = tables.communities.c
        assert conn.execute(select(func.count()).select_from(tables.communities)).scalar_one() == stored
        known = conn.execute(select(func.count()).where(c.population.is_not(None))).scalar_one()
        assert known == with_population
        if not with_population:
            assert conn.execute(select(func.count()).where(c.population == 0)).scalar_one() == 0
        assert conn.execute(select(func.count()).where(c.name == "")).scalar_one() == 0
    again = json.loads(cli("--database", database_url, "import", "communities", path, "--format", "json").out)
    assert (again["stored"], again["updated"]) == (0, stored), "ids are stable: the same places are updated"


def test_a_plan_too_large_for_memory_is_refused_naming_candidates(
    database_url: str, cli: CliRunner, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Every community is a candidate site by default: a gazetteer's 30,000 localities would need 7 GB of travel
    times, so a plan over the limit is refused with the way out (--candidates), not killed by the system."""
    import pochub.services.allocation as allocation

    db = ("--database", database_url)
    places = shared_file("geonames-cities/geonames_cities500_cd_ss_cf_ml_sd.csv")
    assert cli(*db, "import", "communities", places).code == 0
    bases = shared_file("geo-pko/geopko_v1_africa_1994_2018.csv")
    assert cli(*db, "import", "bases", bases, "--mission", "MONUSCO").code == 0
    monkeypatch.setattr(allocation, "MAX_PLAN_CELLS", 398 * 398 - 1)
    refused = cli(*db, "allocate", "mclp", "--p", "2")
    assert refused.code == 1 and "--candidates" in refused.err and "398 communities" in refused.err

"""Bases (PoC Hub CSV and real Geo-PKO deployments), units and roads, on both backends."""

from __future__ import annotations

import csv
import json
from pathlib import Path

from sqlalchemy import Engine, select

from pochub.store import tables
from tests.conftest import CliRunner, shared_file

GEOPKO = "geo-pko/geopko_v1_africa_1994_2018.csv"


def test_geopko_deployments_import_as_bases_with_troops(
    engine: Engine, database_url: str, cli: CliRunner
) -> None:
    path = shared_file(GEOPKO)
    missing = cli("--database", database_url, "import", "bases", path)
    assert missing.code == 1 and "--mission" in missing.err and "MONUSCO" in missing.err
    result = cli(
        "--database",
        database_url,
        "import",
        "bases",
        path,
        "--mission",
        "MONUSCO",
        "--year",
        "2018",
        "--month",
        "9",
        "--format",
        "json",
    )
    assert result.code == 0, result.err
    with path.open(encoding="utf-8") as handle:
        sites = [
            r
            for r in csv.DictReader(handle)
            if r["Mission"] == "MONUSCO" and r["year"] == "2018" and r["month"] == "9"
        ]
    with engine.connect() as conn:
        bases = {r.name: r for r in conn.execute(select(tables.bases))}
    assert json.loads(result.out)["stored"] == len(bases) == len({s["location"] for s in sites})
    kinshasa = bases["Kinshasa"]
    assert kinshasa.base_type == "mission_hq"
    troops = {s["location"]: int(s["No.troops"]) for s in sites if s["No.troops"].isdigit()}
    assert bases["Beni"].capacity == troops["Beni"]


def test_units_need_known_bases_and_valid_types(
    engine: Engine, database_url: str, cli: CliRunner, tmp_path: Path
) -> None:
    bases = tmp_path / "bases.csv"
    bases.write_text("id,name,base_type,lat,lon,capacity\nB1,Alpha,company_operating_base,1.0,29.0,150\n")
    assert cli("--database", database_url, "import", "bases", bases).code == 0
    units = tmp_path / "units.csv"
    units.write_text(
        "id,name,unit_type,strength,home_base,tiers\nU1,Coy A,infantry_company,150,B1,II;III\n"
        "U2,Heli,utility_helicopter,20,B9,II\n"
    )
    result = cli("--database", database_url, "import", "units", units)
    assert result.code == 1 and "B9" in result.err
    units.write_text("id,name,unit_type,strength,home_base,tiers\nU1,Coy A,tank_regiment,150,B1,II\n")
    result = cli("--database", database_url, "import", "units", units)
    assert result.code == 1 and f"{units}:2: column 'unit_type'" in result.err


def test_real_road_network_imports_with_speeds(engine: Engine, database_url: str, cli: CliRunner) -> None:
    path = shared_file("africa-road-network/africa_network.geojson")
    result = cli("--database", database_url, "import", "roads", path, "--format", "json")
    assert result.code == 0, result.err
    document = json.loads(path.read_text())
    existing = [f for f in document["features"] if not f["properties"]["add"]]
    assert json.loads(result.out)["stored"] == len(existing) == 2344
    with engine.connect() as conn:
        speeds = dict(conn.execute(select(tables.roads.c.road_id, tables.roads.c.speed_kmh)).all())
    assert all(s is not None and s > 0 for s in speeds.values())

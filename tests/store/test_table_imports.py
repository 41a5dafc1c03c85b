"""Communities, bases, units and roads as people have them, on both backends: every row accounted for, invalid
rows left out with --skip-invalid and written to --rejects, spreadsheets and other encodings read, and defaults
that do not lie (unknown coverage stays unknown, helicopters fly, decimal counts rounded with a warning)."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest
from sqlalchemy import Engine, select

from pochub.core.models.places import Community
from pochub.services.threats import coverage_shares
from pochub.store import place_queries, tables
from tests.conftest import CliRunner, shared_file
from tests.ingest.test_file_formats import source_rows, to_xlsx, write_text

GEOPKO_DEPLOYMENTS = [
    ("geo-pko/geopko_v1_africa_1994_2018.csv", ["--year", "2018", "--month", "9"]),
    ("geo-pko/geopko_v2.3_frontmap_mission_year_location.csv", []),
]


def run(cli: CliRunner, database_url: str, *args: str | Path) -> dict[str, object]:
    result = cli("--database", database_url, "import", *args, "--format", "json")
    assert result.code == 0, result.err
    summary: dict[str, object] = json.loads(result.out)
    return summary


def accounted(summary: dict[str, object]) -> int:
    left_out = sum(int(str(r).split(":")[0]) for r in summary.get("left_out", []))  # type: ignore[attr-defined]
    return int(summary["stored"]) + int(summary["updated"]) + int(summary["rejected"]) + left_out  # type: ignore[call-overload]


def test_communities_without_coverage_are_unknown_not_uncovered(
    engine: Engine, database_url: str, cli: CliRunner, tmp_path: Path
) -> None:
    path = tmp_path / "communities.csv"
    path.write_text(
        "id,name,lat,lon,population\nC1,Alpha,1.0,29.0,1234.0\nC2,Beta,1.1,29.1,880.6\nC3,Gamma,1.2,29.2,12\n"
    )
    summary = run(cli, database_url, "communities", path)
    assert summary["stored"] == summary["rows_read"] == 3
    warnings = "\n".join(summary["warnings"])  # type: ignore[arg-type]
    assert "population: 1 decimal value(s) rounded" in warnings
    assert "phone_coverage: unknown for 3 communities" in warnings
    with engine.connect() as conn:
        rows = {r.community_id: r for r in conn.execute(select(tables.communities))}
        shown = place_queries.community(conn, "C1")
    assert (rows["C1"].population, rows["C2"].population) == (1234, 881)
    assert all(r.phone_coverage is None and r.radio_coverage is None for r in rows.values())
    assert shown is not None and shown["phone_coverage"] is None and shown["radio_coverage"] is None
    members = [
        Community("a", "A", 0, 0, 1),
        Community("b", "B", 0, 0, 1, phone_coverage=False, radio_coverage=False),
    ]
    assert coverage_shares(members) == (1.0, 1)
    assert coverage_shares(members[:1]) == (0.0, 1), "unknown coverage never counts as no coverage"


def test_helicopters_fly_unless_the_file_says_otherwise(
    engine: Engine, database_url: str, cli: CliRunner, tmp_path: Path
) -> None:
    bases = tmp_path / "bases.csv"
    bases.write_text("id,name,base_type,lat,lon\nB1,Alpha,company_operating_base,1.0,29.0\n")
    run(cli, database_url, "bases", bases)
    units = tmp_path / "units.csv"
    units.write_text(
        "id,name,unit_type,strength,home_base\nH1,Heli,utility_helicopter,12.0,B1\nI1,Inf,infantry_company,150,B1\n"
    )
    summary = run(cli, database_url, "units", units)
    assert "taken as flying: H1 (utility_helicopter)" in "\n".join(summary["warnings"])  # type: ignore[arg-type]
    with engine.connect() as conn:
        air = dict(conn.execute(select(tables.units.c.unit_id, tables.units.c.air)).all())
    assert air == {"H1": True, "I1": False}
    grounded = tmp_path / "grounded.csv"
    grounded.write_text("id,name,unit_type,strength,home_base,air\nH1,Heli,utility_helicopter,12,B1,no\n")
    summary = run(cli, database_url, "units", grounded)
    assert "marked as not flying, kept as the file says" in "\n".join(summary["warnings"])  # type: ignore[arg-type]
    with engine.connect() as conn:
        assert (
            conn.execute(select(tables.units.c.air).where(tables.units.c.unit_id == "H1")).scalar_one()
            is False
        )


def test_road_features_left_out_are_reported_with_their_reason(
    engine: Engine, database_url: str, cli: CliRunner
) -> None:
    path = shared_file("africa-road-network/africa_network.geojson")
    summary = run(cli, database_url, "roads", path)
    assert summary["rows_read"] == 2825
    assert summary["left_out"] == ["481: proposed link (add = true), not an existing road"]
    assert accounted(summary) == 2825


@pytest.mark.parametrize(("name", "options"), GEOPKO_DEPLOYMENTS)
def test_every_geopko_deployment_file_imports_from_xlsx_with_every_row_accounted_for(
    engine: Engine, database_url: str, cli: CliRunner, tmp_path: Path, name: str, options: list[str]
) -> None:
    path = shared_file(name)
    from_csv = run(cli, database_url, "bases", path, "--mission", "MONUSCO", *options)
    with engine.connect() as conn:
        expected = sorted(
            tuple(r) for r in conn.execute(select(tables.bases).order_by(tables.bases.c.base_id))
        )
    with path.open(encoding="utf-8") as handle:
        rows = sum(1 for _ in csv.DictReader(handle))
    assert from_csv["rows_read"] == rows == accounted(from_csv)
    xlsx = to_xlsx(tmp_path / "deployments.xlsx", source_rows(path))
    from_xlsx = run(cli, database_url, "bases", xlsx, "--mission", "MONUSCO", *options)
    assert str(from_xlsx["read_as"]).startswith("XLSX workbook")
    assert (from_xlsx["updated"], from_xlsx["stored"], from_xlsx["rows_read"]) == (
        from_csv["stored"],
        0,
        rows,
    )
    with engine.connect() as conn:
        assert (
            sorted(tuple(r) for r in conn.execute(select(tables.bases).order_by(tables.bases.c.base_id)))
            == expected
        )


@pytest.mark.parametrize("kind", ["communities", "bases", "units", "roads"])
def test_skip_invalid_and_rejects_exist_where_suggested(
    engine: Engine, database_url: str, cli: CliRunner, tmp_path: Path, kind: str
) -> None:
    bases = tmp_path / "b.csv"
    bases.write_text("id,name,base_type,lat,lon\nB1,Alpha,company_operating_base,1.0,29.0\n")
    if kind == "units":
        run(cli, database_url, "bases", bases)
    files = {
        "communities": ("c.csv", "id,name,lat,lon,population\nC1,A,1.0,29.0,10\nC2,B,95,29.0,10\nC3,C,1,29,many\n"),
        "bases": ("b2.csv", "id,name,base_type,lat,lon\nB2,A,company_operating_base,1,29\nB3,B,castle,1,29\n"),
        "units": ("u.csv", "id,name,unit_type,strength,home_base\nU1,A,engineers,30,B1\nU2,B,engineers,30,NOPE\n"),
        "roads": (
            "r.geojson",
            json.dumps(
                {
                    "type": "FeatureCollection",
                    "features": [
                        {"type": "Feature", "properties": {"road_class": "primary"},
                         "geometry": {"type": "LineString", "coordinates": [[29, 1], [29.1, 1.1]]}},
                        {"type": "Feature", "properties": {"road_class": "motorway"},
                         "geometry": {"type": "LineString", "coordinates": [[29, 1], [29.2, 1.1]]}},
                    ],
                }
            ),
        ),
    }  # fmt: skip
    name, content = files[kind]
    path = tmp_path / name
    path.write_text(content)
    refused = cli("--database", database_url, "import", kind, path)
    assert (
        refused.code == 1
        and "--skip-invalid --rejects" in refused.err
        and "nothing was written" in refused.err
    )
    rejects = tmp_path / "rejects.csv"
    summary = run(cli, database_url, kind, path, "--skip-invalid", "--rejects", rejects)
    with rejects.open(encoding="utf-8") as handle:
        rejected = list(csv.DictReader(handle))
    assert summary["stored"] == 1 and summary["rejected"] == len({r["line"] for r in rejected}) >= 1
    assert summary["rows_read"] == accounted(summary)
    assert all(r["reason"] for r in rejected)


def test_spreadsheet_and_encoding_are_reported_and_a_png_is_named(
    database_url: str, cli: CliRunner, tmp_path: Path
) -> None:
    rows = [
        ["id", "name", "lat", "lon", "population", "phone_coverage"],
        ["C1", "Bangassou-Sélé", "4.7", "22.8", "10", "oui"],
    ]
    xlsx = to_xlsx(tmp_path / "c.xlsx", rows)
    assert run(cli, database_url, "communities", xlsx)["read_as"] == "XLSX workbook, sheet 'events'"
    semicolon = write_text(tmp_path / "c.csv", rows, "cp1252", ";")
    read_as = run(cli, database_url, "communities", semicolon)["read_as"]
    assert read_as == "CSV, Windows-1252 (cp1252), semicolon-separated"
    png = tmp_path / "communities.csv"
    png.write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(200))
    result = cli("--database", database_url, "import", "communities", png)
    assert (
        result.code == 1
        and "this is a PNG image, not a table" in result.err
        and "--encoding" not in result.err
    )


@pytest.mark.parametrize(
    ("kind", "optional"),
    [
        ("communities", ["pcode", "vulnerable_groups", "focal_point", "phone_coverage", "unknown"]),
        ("bases", ["pcode", "capacity"]),
        ("units", ["tiers", "road_speed_kmh", "air", "readiness", "helicopter"]),
        ("roads", ["road_class", "surface", "speed_kmh", "add"]),
        ("acled", ["sub_event_type", "timestamp"]),
        ("ucdp", ["date_end", "version"]),
    ],
)
def test_help_lists_optional_columns_and_the_options(cli: CliRunner, kind: str, optional: list[str]) -> None:
    result = cli("import", kind, "--help")
    assert result.code == 0
    words = " ".join(result.out.split())
    for name in [*optional, "--skip-invalid", "--rejects"]:
        assert name in words, name


def test_an_acled_export_as_xlsx_imports_on_both_backends(
    engine: Engine, database_url: str, cli: CliRunner, tmp_path: Path
) -> None:
    path = shared_file("acled-mali/acled_mali_2017-01-01_2019-02-27.csv")
    xlsx = to_xlsx(tmp_path / "mali.xlsx", source_rows(path))
    from_xlsx = run(cli, database_url, "acled", xlsx)
    assert from_xlsx["read_as"] == "XLSX workbook, sheet 'events'"
    with engine.connect() as conn:
        ev = tables.events.c
        stored = sorted(
            conn.execute(select(ev.source_id, ev.event_date, ev.category, ev.fatalities_best)).all()
        )
    from_csv = run(cli, database_url, "acled", path)
    assert from_csv["read_as"] == "CSV, UTF-8, comma-separated"
    assert from_xlsx["stored"] == from_xlsx["rows_read"] == from_csv["rows_read"] == 1339
    assert from_csv["stored"] == 0 and from_csv["older"] == 0
    with engine.connect() as conn:
        again = sorted(
            conn.execute(select(ev.source_id, ev.event_date, ev.category, ev.fatalities_best)).all()
        )
    assert again == stored

"""A new mission's real data, first time, end to end through the CLI: each country's boundaries, places, Geo-PKO
bases and events from the shared datasets, then the summary by area, hot spots, forecast, threat matrix, coverage
and a drawn plan. Areas must be P-codes of the imported boundaries only (or "outside the boundaries") and every
event must be counted once."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import Engine, func, select

from pochub.core.geography.areas import OUTSIDE
from pochub.store import tables
from tests.conftest import CliResult, CliRunner, shared_file

pytestmark = pytest.mark.slow

OSM = "admin-boundaries-osm"
GEONAMES = "geonames-cities/geonames_cities500_cd_ss_cf_ml_sd.csv"
GEOPKO = "geo-pko/geopko_v1_africa_1994_2018.csv"


@dataclass(frozen=True)
class Country:
    """One mission's files: boundaries (file, level, options), places, Geo-PKO mission, event files."""

    boundaries: tuple[tuple[str, int, tuple[str, ...]], ...]
    places: tuple[str, ...]
    """Place files imported as communities as they come (GeoNames towns of every country, gazetteers, facilities)."""
    mission: str
    events: tuple[tuple[str, str], ...]
    extra: dict[str, str] = field(default_factory=dict)


COUNTRIES = {
    "drc": Country(
        boundaries=(
            (f"{OSM}/cod_admin0_osm_q8.geojson", 0, ()),
            (f"{OSM}/cod_admin1_osm_q8.geojson", 1, ()),
            (
                "drc-health-areas/drc_health_areas_nordkivu_ituri.geojson",
                2,
                ("--pcode-field", "CODEAS", "--name-field", "NOMAS", "--skip-invalid"),
            ),
        ),
        places=(
            GEONAMES,
            "drc-localities-rgc/drc_localites_rgc.csv",
            "health-facilities/drc_health_facilities.csv",
        ),
        mission="MONUSCO",
        events=(("acled", "acled-legacy-perse/ACLED_DRC_97_14.csv"),),
    ),
    "south-sudan": Country(
        boundaries=((f"{OSM}/ssd_admin0_osm_q8.geojson", 0, ()), (f"{OSM}/ssd_admin1_osm_q8.geojson", 1, ())),
        places=(GEONAMES, "health-facilities/ssd_health_facilities.csv"),
        mission="UNMISS",
        events=(
            ("acled", "acled-legacy-perse/ACLED_SouthSudan_11_14.csv"),
            ("ucdp", "ucdp-ged-ssd-hdx/conflict_data_ssd.csv"),
        ),
    ),
    "car": Country(
        boundaries=(
            (f"{OSM}/caf_admin0_osm_q8.geojson", 0, ()),
            (f"{OSM}/caf_admin1_osm_q8.geojson", 1, ()),
            ("cod-ab-car/caf_admbnda_adm2_200k_sigcaf_reach_itos_v2.geojson", 2, ()),
            ("cod-ab-car/caf_admbnda_adm3_200k_sigcaf_reach_itos_v2.geojson", 3, ()),
        ),
        places=(GEONAMES,),
        mission="MINUSCA",
        events=(("acled", "acled-legacy-perse/ACLED_CAR_00_14.csv"),),
    ),
    "mali": Country(
        boundaries=((f"{OSM}/mli_admin0_osm_q8.geojson", 0, ()), (f"{OSM}/mli_admin1_osm_q8.geojson", 1, ())),
        places=(GEONAMES,),
        mission="MINUSMA",
        events=(
            ("hxl", "acled-mali/conflict_data_mli_hdx.csv"),
            ("acled", "acled-mali/acled_mali_2017-01-01_2019-02-27.csv"),
        ),
    ),
}


def units_file(engine: Engine, folder: Path) -> Path:
    """One infantry company at each imported base (Geo-PKO gives sites, not units)."""
    with engine.connect() as conn:
        bases = conn.execute(select(tables.bases.c.base_id)).scalars().all()
    path = folder / "units.csv"
    rows = ["id,name,unit_type,strength,home_base"]
    rows += [f"U{i},unit {i},infantry_company,150,{base}" for i, base in enumerate(bases)]
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    return path


def ok(result: CliResult) -> str:
    """The output of a run that must succeed."""
    assert result.code == 0, result.err + result.out
    return result.out


@pytest.mark.parametrize("country", sorted(COUNTRIES))
def test_a_missions_data_end_to_end(
    country: str, engine: Engine, database_url: str, cli: CliRunner, tmp_path: Path
) -> None:
    files = COUNTRIES[country]
    db = ("--database", database_url)
    for path, level, options in files.boundaries:
        summary = json.loads(
            ok(
                cli(
                    *db,
                    "import",
                    "boundaries",
                    shared_file(path),
                    "--level",
                    str(level),
                    *options,
                    "--format",
                    "json",
                )
            )
        )
        assert summary["stored"] > 0
    for path in files.places:  # as they come: no conversion
        placed = json.loads(ok(cli(*db, "import", "communities", shared_file(path), "--format", "json")))
        assert placed["stored"] + placed["updated"] > 0 and placed["rejected"] == 0
        assert placed["communities_located"] > 0, f"{path}: none of its places in {country}'s boundaries"
    ok(cli(*db, "import", "bases", shared_file(GEOPKO), "--mission", files.mission))
    ok(cli(*db, "import", "units", units_file(engine, tmp_path)))
    for kind, path in files.events:
        ok(cli(*db, "import", kind, shared_file(path)))

    with engine.connect() as conn:
        a = tables.admin_areas.c
        names = {(int(level), p): n for level, p, n in conn.execute(select(a.level, a.pcode, a.name))}
        ev = tables.events.c
        counted = conn.execute(select(func.count()).where(ev.duplicate_of.is_(None))).scalar_one()
        last = conn.execute(select(func.max(ev.event_date)).where(ev.duplicate_of.is_(None))).scalar_one()
        window = conn.execute(
            select(func.count()).where(
                ev.duplicate_of.is_(None),
                ev.threat_type.is_not(None),
                ev.event_date.between(last - timedelta(days=89), last),
            )
        ).scalar_one()
        last_threat = conn.execute(
            select(func.max(ev.event_date)).where(ev.duplicate_of.is_(None), ev.threat_type.is_not(None))
        ).scalar_one()
        community_pcodes = set(conn.execute(select(tables.communities.c.pcode)).scalars())
        population = tables.communities.c.population
        with_population = conn.execute(select(func.count()).where(population.is_not(None))).scalar_one()
        zero = conn.execute(select(func.count()).where(population == 0)).scalar_one()
        base_pcodes = set(conn.execute(select(tables.bases.c.pcode)).scalars())
    pcodes = {level: {p for (lvl, p) in names if lvl == level} for level in {lvl for lvl, _ in names}}
    every = {p for (_, p) in names}
    assert community_pcodes - {None} <= every and base_pcodes - {None} <= every
    zeros_in_file = shared_file(GEONAMES).read_text(encoding="utf-8").count(",0,Africa/")  # GeoNames' own 0s
    assert (with_population, zero) == (398, zeros_in_file), (
        "only GeoNames has populations; others unknown, not 0"
    )

    # every event counted once, under a P-code of the level's boundaries or "outside the boundaries"
    for level in sorted({1, 2} & set(pcodes)):
        rows = json.loads(
            ok(cli(*db, "events", "summary", "--by", "area", "--level", str(level), "--format", "json"))
        )
        keys = [r["key"] for r in rows]
        assert len(keys) == len(set(keys))
        assert set(keys) <= pcodes[level] | {OUTSIDE}, set(keys) - pcodes[level]
        assert all(r["name"] == names.get((level, r["key"]), OUTSIDE) for r in rows)
        assert sum(r["events"] for r in rows) == counted
    by_source = json.loads(ok(cli(*db, "events", "summary", "--by", "source", "--format", "json")))
    assert sum(r["events"] for r in by_source) == counted

    # hot spots: every event of the window in a cell (border cells included)
    cells = json.loads(ok(cli(*db, "hotspots", "--permutations", "99", "--format", "json")))
    assert sum(c["count"] for c in cells) == window
    assert {c.get("area_pcode") for c in cells} - {None, OUTSIDE} <= every

    forecast = json.loads(ok(cli(*db, "forecast", "run", "--level", "1", "--format", "json")))
    assert forecast and {r["unit"] for r in forecast} <= pcodes[1]
    assert all(r["name"] == names[(1, r["unit"])] for r in forecast)

    matrix = json.loads(
        ok(
            cli(
                *db,
                "assess",
                "--level",
                "1",
                "--as-of",
                str(last_threat),
                "--format",
                "json",
                "--top",
                "1000",
            )
        )
    )
    assert matrix and {r["area_pcode"] for r in matrix} <= pcodes[1] | {OUTSIDE}

    coverage = json.loads(ok(cli(*db, "coverage", "--format", "json")))
    assert coverage["communities"] and coverage["total_weight"] > 0

    plan = tmp_path / "plan.png"
    with engine.connect() as conn:  # candidate sites: the towns (a gazetteer's every locality is too many)
        c = tables.communities.c
        towns = conn.execute(
            select(c.community_id, c.name, c.latitude, c.longitude).where(
                c.pcode.is_not(None), c.population > 0
            )
        ).all()
    candidates = tmp_path / "candidates.csv"
    candidates.write_text("id,name,lat,lon\n" + "".join(f'{t[0]},"{t[1]}",{t[2]},{t[3]}\n' for t in towns))
    ok(cli(*db, "allocate", "mclp", "--p", "2", "--candidates", candidates, "-o", plan, "--format", "json"))
    assert plan.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"

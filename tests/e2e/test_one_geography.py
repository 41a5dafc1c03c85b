"""One geography on real files: without boundaries the sources' names, labelled so; once boundaries are imported
(after the events), every event is re-assigned to a P-code of them or "outside the boundaries", each counted
once, and no source spelling ("Ouaka" beside "Ouaka province", "Nord-Kivu" beside "North Kivu") is an area."""

from __future__ import annotations

import json

from sqlalchemy import Engine, func, select

from pochub.core.geography.areas import OUTSIDE
from pochub.store import tables
from tests.conftest import CliRunner, shared_file
from tests.e2e.test_mission_data import ok

CAR_EVENTS = "acled-legacy-perse/ACLED_CAR_00_14.csv"
CAR_PROVINCES = "admin-boundaries-osm/caf_admin1_osm_q8.geojson"


def test_events_take_the_boundaries_imported_after_them(
    engine: Engine, database_url: str, cli: CliRunner
) -> None:
    db = ("--database", database_url)
    ok(cli(*db, "import", "acled", shared_file(CAR_EVENTS)))
    before = json.loads(ok(cli(*db, "events", "summary", "--by", "area", "--format", "json")))
    assert {r["area_basis"] for r in before} == {"source's names"}
    table = ok(cli(*db, "events", "summary", "--by", "area"))
    assert "source's names" in table
    matrix = cli(*db, "assess", "--level", "1", "--format", "json")
    assert matrix.code == 0 and "areas are the source's names" in matrix.err

    summary = json.loads(
        ok(cli(*db, "import", "boundaries", shared_file(CAR_PROVINCES), "--level", "1", "--format", "json"))
    )
    with engine.connect() as conn:
        a = tables.admin_areas.c
        names = dict(conn.execute(select(a.pcode, a.name).where(a.level == 1)).all())
        ev = tables.events.c
        total = conn.execute(select(func.count()).where(ev.duplicate_of.is_(None))).scalar_one()
        codes = set(conn.execute(select(ev.admin1_pcode).distinct()).scalars())
    assert summary["events_located"] + summary["events_outside_boundaries"] == total
    assert codes - {None} <= set(names)

    after = json.loads(ok(cli(*db, "events", "summary", "--by", "area", "--format", "json")))
    assert {r["key"] for r in after} <= set(names) | {OUTSIDE}
    assert {r["name"] for r in after} <= set(names.values()) | {OUTSIDE}
    assert sum(r["events"] for r in after) == sum(r["events"] for r in before) == total
    source_names = {r["key"] for r in before}
    assert not source_names & {r["key"] for r in after} - set(names)

    forecast = cli(*db, "forecast", "run", "--level", "1", "--format", "json")
    assert forecast.code == 0 and "source's names" not in forecast.err
    assert {r["unit"] for r in json.loads(forecast.out)} <= set(names)

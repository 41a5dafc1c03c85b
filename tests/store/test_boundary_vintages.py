"""A new vintage of a level's boundaries: without --replace the stored areas it no longer holds are kept and
named; with --replace they are removed and every event, community and base is assigned again (none keeps a
removed P-code), refused while alerts are routed to a removed area. Real files, both backends."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import Engine, insert, select

from pochub.store import tables
from tests.conftest import CliRunner, shared_file

PROVINCES = "admin-boundaries-osm/cod_admin1_osm_q8.geojson"


def _without(tmp_path: Path, count: int) -> Path:
    """The OSM DRC provinces file without its first ``count`` features (a later vintage that redrew them)."""
    document = json.loads(shared_file(PROVINCES).read_text(encoding="utf-8"))
    document["features"] = document["features"][count:]
    path = tmp_path / "provinces_new.geojson"
    path.write_text(json.dumps(document), encoding="utf-8")
    return path


def _codes(engine: Engine) -> dict[str, set[str | None]]:
    with engine.connect() as conn:
        return {
            "areas": set(conn.execute(select(tables.admin_areas.c.pcode)).scalars()),
            "events": set(conn.execute(select(tables.events.c.admin1_pcode)).scalars()),
            "communities": set(conn.execute(select(tables.communities.c.pcode)).scalars()),
            "bases": set(conn.execute(select(tables.bases.c.pcode)).scalars()),
        }


def test_a_new_vintage_keeps_or_replaces_the_levels_areas(
    engine: Engine, database_url: str, cli: CliRunner, tmp_path: Path
) -> None:
    db = ("--database", database_url)
    assert cli(*db, "import", "boundaries", shared_file(PROVINCES), "--level", "1").code == 0
    assert cli(*db, "import", "acled", shared_file("acled-legacy-perse/ACLED_DRC_97_14.csv")).code == 0
    places = shared_file("geonames-cities/geonames_cities500_cd_ss_cf_ml_sd.csv")
    assert cli(*db, "import", "communities", places).code == 0
    assert (
        cli(
            *db,
            "import",
            "bases",
            shared_file("geo-pko/geopko_v1_africa_1994_2018.csv"),
            "--mission",
            "MONUSCO",
        ).code
        == 0
    )
    before = _codes(engine)
    newer = _without(tmp_path, 3)

    kept = json.loads(cli(*db, "import", "boundaries", newer, "--level", "1", "--format", "json").out)
    assert kept["removed"] == [] and "3 stored area(s) of level 1 are not in this file" in kept["warnings"][0]
    assert _codes(engine)["areas"] == before["areas"]

    with engine.connect() as conn:
        names = dict(conn.execute(select(tables.admin_areas.c.pcode, tables.admin_areas.c.name)).all())
    document = json.loads(newer.read_text(encoding="utf-8"))
    remaining = {name for name in names.values()} - {
        f["properties"].get("name") for f in document["features"]
    }
    removed_codes = {code for code, name in names.items() if name in remaining}
    assert len(removed_codes) == 3, remaining

    now = datetime.now(UTC)
    with engine.begin() as conn:
        conn.execute(
            insert(tables.alerts).values(
                reference="T-1", state="received", received_at=now, updated_at=now, channel="sms",
                text="test", urgency="high", body_id="jsoc", pcode=sorted(removed_codes)[0],
            )
        )  # fmt: skip
    refused = cli(*db, "import", "boundaries", newer, "--level", "1", "--replace")
    assert (
        refused.code == 1 and sorted(removed_codes)[0] in refused.err and "nothing was changed" in refused.err
    )
    assert _codes(engine) == before
    with engine.begin() as conn:
        conn.execute(tables.alerts.delete())

    replaced = json.loads(
        cli(*db, "import", "boundaries", newer, "--level", "1", "--replace", "--format", "json").out
    )
    assert {r.split(" ")[0] for r in replaced["removed"]} == removed_codes
    after = _codes(engine)
    assert after["areas"] == before["areas"] - removed_codes
    for kind in ("events", "communities", "bases"):
        assert not (after[kind] & removed_codes), f"{kind} keep a removed P-code"
    assert before["events"] & removed_codes, "the test removes provinces that held events"

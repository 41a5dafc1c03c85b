"""The actor registry in the store on both backends: imports register every name; the threat matrix and the
summary by actor group by registry actor and show the source names; merge, alias and the aliases file."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

from sqlalchemy import Engine, select

from pochub.store import tables
from tests.conftest import CliRunner, shared_file

CPC = "CPC: Coalition of Patriots for Change"


def _rows(path: Path, skip_hxl: bool = False) -> tuple[list[str], list[dict[str, str]]]:
    reader = csv.DictReader(io.StringIO(path.read_text(encoding="utf-8-sig")))
    rows = list(reader)
    return list(reader.fieldnames or []), rows[1:] if skip_hxl else rows


def _write(path: Path, fields: list[str], rows: list[dict[str, str]]) -> Path:
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=fields)
        writer.writeheader()
        writer.writerows(rows)
    return path


def cpc_files(tmp_path: Path) -> tuple[Path, Path]:
    """Real ACLED (Mali) and UCDP (South Sudan) rows of violence against civilians, the perpetrator spelt as each
    source spells the CPC."""
    fields, acled = _rows(shared_file("acled-mali/acled_mali_2017-01-01_2019-02-27.csv"))
    acled = [r for r in acled if r["event_type"] == "Violence against civilians"][:12]
    for r in acled:
        r["actor1"] = CPC
    ufields, ucdp = _rows(shared_file("ucdp-ged-ssd-hdx/conflict_data_ssd.csv"), skip_hxl=True)
    ucdp = [r for r in ucdp if r["type_of_violence"] == "3"][:12]
    for r in ucdp:
        r["side_a"], r["dyad_name"] = "CPC", "CPC - Civilians"
    return _write(tmp_path / "acled.csv", fields, acled), _write(tmp_path / "ucdp.csv", ufields, ucdp)


def test_acled_and_ucdp_cpc_are_one_perpetrator_in_the_matrix_and_the_summary(
    database_url: str, cli: CliRunner, tmp_path: Path
) -> None:
    acled, ucdp = cpc_files(tmp_path)
    assert cli("--database", database_url, "import", "acled", acled).code == 0
    assert cli("--database", database_url, "import", "ucdp", ucdp).code == 0
    result = cli("--database", database_url, "assess", "--level", "1", "--format", "json", "--top", "100")
    assert result.code == 0, result.err
    rows = json.loads(result.out)
    assert rows and {r["perpetrator"] for r in rows} == {CPC}
    assert {name for r in rows for name in r["perpetrator_names"]} == {"CPC", CPC}
    summary = cli("--database", database_url, "events", "summary", "--by", "actor", "--format", "json")
    assert summary.code == 0, summary.err
    by_actor = json.loads(summary.out)
    assert [(r["key"], r["events"], r["names"]) for r in by_actor] == [(CPC, 24, ["CPC", CPC])]


def test_real_south_sudan_registry_merge_alias_and_aliases_file(
    engine: Engine, database_url: str, cli: CliRunner, tmp_path: Path
) -> None:
    db = ("--database", database_url)
    acled = shared_file("acled-legacy-perse/ACLED_SouthSudan_11_14.csv")
    assert cli(*db, "import", "acled", acled).code == 0
    assert cli(*db, "import", "ucdp", shared_file("ucdp-ged-ssd-hdx/conflict_data_ssd.csv")).code == 0
    listed = json.loads(cli(*db, "actors", "list", "--format", "json").out)
    actors = {a["actor"]: {n["name"]: n["sources"] for n in a["names"]} for a in listed["actors"]}
    assert actors["LRA: Lord's Resistance Army"] == {
        "LRA": ["ucdp"],
        "LRA: Lord's Resistance Army": ["acled"],
    }
    assert actors["Military Forces of Sudan"] == {"Military Forces of Sudan (1989-)": ["acled"]}
    assert "Military Forces of South Sudan" in actors
    with engine.connect() as conn:
        before = sorted(conn.execute(select(tables.actor_names)).all())
    assert cli(*db, "import", "acled", acled).code == 0, "a second import changes nothing"
    with engine.connect() as conn:
        assert sorted(conn.execute(select(tables.actor_names)).all()) == before

    io_name = "SPLA/M-In Opposition: Sudanese People's Liberation Army/Movement-In Opposition"
    merged = cli(*db, "actors", "merge", io_name, "SPLM/A - IO")
    assert merged.code == 0, merged.err
    assert cli(*db, "actors", "alias", io_name, "--to", "SPLM/A-IO").code == 0
    listed = json.loads(cli(*db, "actors", "list", "--format", "json").out)
    io_actor = next(a for a in listed["actors"] if a["actor"] == "SPLM/A-IO")
    assert {n["name"] for n in io_actor["names"]} == {io_name, "SPLM/A - IO"}
    assert cli(*db, "actors", "merge", "No Such Group", "SPLM/A - IO").code == 1

    aliases = tmp_path / "aliases.yaml"
    assert cli(*db, "actors", "save", "-o", aliases).code == 0
    assert "SPLM/A-IO" in aliases.read_text(encoding="utf-8")
    for name in ("SPLM/A - IO", io_name):
        assert cli(*db, "actors", "unalias", name).code == 0
    listed = json.loads(cli(*db, "actors", "list", "--format", "json").out)
    assert not any(a["actor"] == "SPLM/A-IO" for a in listed["actors"])
    aliases.write_text(
        aliases.read_text(encoding="utf-8")
        + '"Government of South Sudan":\n  - "Military Forces of South Sudan (2011-)"\n',
        encoding="utf-8",
    )
    loaded = cli(*db, "actors", "load", aliases)
    assert loaded.code == 0, loaded.err
    summary = json.loads(cli(*db, "events", "summary", "--by", "actor", "--format", "json").out)
    government = next(r for r in summary if r["key"] == "Government of South Sudan")
    assert "Military Forces of South Sudan (2011-)" in government["names"]
    assert any(r["key"] == "SPLM/A-IO" for r in summary)
    bad = tmp_path / "bad.yaml"
    bad.write_text("- just a list\n", encoding="utf-8")
    refused = cli(*db, "actors", "load", bad)
    assert refused.code == 1 and "bad.yaml" in refused.err


def test_hxl_org_columns_and_ucdp_dyad_names_register_actors(
    database_url: str, cli: CliRunner, tmp_path: Path
) -> None:
    """The real ACLED HDX file with its actors tagged #org, and real UCDP rows without side columns: their
    actors are in the registry, under the names the sources use."""
    path = shared_file("acled-mali/conflict_data_mli_hdx.csv")
    with path.open(encoding="utf-8") as handle:
        header, tags, *rows = list(csv.reader(handle))
    tags = [t.replace("#group", "#org") for t in tags]
    hxl = tmp_path / "mali_org.csv"
    with hxl.open("w", encoding="utf-8", newline="") as handle:
        csv.writer(handle).writerows([header, tags, *rows[:200]])
    db = ("--database", database_url)
    imported = cli(*db, "import", "hxl", hxl)
    assert imported.code == 0, imported.err
    ufields, ucdp = _rows(shared_file("ucdp-ged-ssd-hdx/conflict_data_ssd.csv"), skip_hxl=True)
    cut = _write(
        tmp_path / "ucdp_no_sides.csv",
        [f for f in ufields if f not in ("side_a", "side_b")],
        [{k: v for k, v in r.items() if k not in ("side_a", "side_b")} for r in ucdp],
    )
    imported = cli(*db, "import", "ucdp", cut)
    assert imported.code == 0, imported.err
    listed = json.loads(cli(*db, "actors", "list", "--format", "json").out)
    names = {n["name"]: n["sources"] for a in listed["actors"] for n in a["names"]}
    idx = header.index("actor1")
    assert {r[idx] for r in rows[:200]} <= set(names)
    sides = {r["side_a"] for r in ucdp} | {r["side_b"] for r in ucdp}
    plain = {s for s in sides if " - " not in s}
    assert plain <= set(names) and "ucdp" in names["Government of South Sudan"]

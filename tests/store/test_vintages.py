"""Vintages and all-or-nothing: an older export never overwrites a newer one, and a bad row in a later batch
leaves the store exactly as it was, on both backends, in normal and bulk mode."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest
from sqlalchemy import Engine, select

from pochub.config import Settings
from pochub.errors import InvalidRows
from pochub.ingest.acled import ACLED
from pochub.ingest.events import ImportOptions
from pochub.ingest.ucdp import UCDP
from pochub.services import imports
from pochub.services.imports import import_events
from pochub.store import tables
from tests.conftest import CliRunner, shared_file
from tests.store.test_event_import import ACLED_HEADER, acled_row, write_rows

NEWER = "acled-mali/conflict_data_mli_hdx.csv"
OLDER = "acled-mali/acled_mali_2017-01-01_2019-02-27.csv"


def snapshot(engine: Engine) -> list[tuple[object, ...]]:
    with engine.connect() as conn:
        ev = tables.events.c
        return [
            tuple(r)
            for r in conn.execute(
                select(
                    ev.source,
                    ev.source_id,
                    ev.source_event_type,
                    ev.fatalities_best,
                    ev.source_updated,
                    ev.raw,
                ).order_by(ev.source, ev.source_id)
            ).all()
        ]


def test_older_acled_export_keeps_the_newer_typology(
    database_url: str, engine: Engine, cli: CliRunner
) -> None:
    newer, older = shared_file(NEWER), shared_file(OLDER)
    with older.open(encoding="utf-8") as handle:
        old_rows = {r["event_id_cnty"]: r for r in csv.DictReader(handle)}
    with newer.open(encoding="utf-8") as handle:
        reader = csv.DictReader(handle)
        next(reader)  # the HXL row
        new_rows = {r["event_id_cnty"]: r for r in reader}
    shared = set(old_rows) & set(new_rows)
    assert len(shared) == 1325
    assert all(int(old_rows[k]["timestamp"]) < int(new_rows[k]["timestamp"]) for k in shared)

    first = cli("--database", database_url, "import", "acled", newer, "--format", "json")
    assert first.code == 0, first.err
    before = snapshot(engine)
    result = cli("--database", database_url, "import", "acled", older, "--format", "json")
    assert result.code == 0, result.err
    summary = json.loads(result.out)
    assert summary["updated"] == 0
    assert summary["older"] == 1325
    assert summary["stored"] == len(set(old_rows) - shared)
    assert (
        summary["rows_read"]
        == summary["stored"]
        + summary["updated"]
        + summary["unchanged"]
        + summary["older"]
        + summary["rejected"]
    )
    with engine.connect() as conn:
        ev = tables.events.c
        types = dict(
            conn.execute(
                select(ev.source_id, ev.source_event_type).where(ev.source_id.in_(sorted(shared)))
            ).all()
        )
    assert types == {k: new_rows[k]["event_type"] for k in shared}
    after = {r[1]: r for r in snapshot(engine)}
    assert all(after[r[1]] == r for r in before), "no stored event changed"

    # the newer file again: nothing to do
    again = json.loads(cli("--database", database_url, "import", "acled", newer, "--format", "json").out)
    assert (again["updated"], again["older"], again["stored"]) == (0, 0, 0)


def test_newer_row_updates_older_row_is_kept(engine: Engine, tmp_path: Path) -> None:
    first = write_rows(
        tmp_path / "a.csv", ACLED_HEADER, [acled_row("V1", stamp="100"), acled_row("V2", stamp="100")]
    )
    import_events(engine, first, ACLED, ImportOptions(), Settings(), kind="acled")
    second = write_rows(
        tmp_path / "b.csv",
        ACLED_HEADER,
        [acled_row("V1", fatalities="9", stamp="200"), acled_row("V2", fatalities="7", stamp="50")],
    )
    summary = import_events(engine, second, ACLED, ImportOptions(), Settings(), kind="acled")
    assert (summary.updated, summary.older, summary.unchanged) == (1, 1, 0)
    with engine.connect() as conn:
        ev = tables.events.c
        got = dict(conn.execute(select(ev.source_id, ev.fatalities_best)).all())
    assert got == {"V1": 9, "V2": 2}


def test_ucdp_version_column_orders_releases(engine: Engine, tmp_path: Path) -> None:
    header = "id,type_of_violence,latitude,longitude,date_start,date_end,best,version\n"
    newer = tmp_path / "new.csv"
    newer.write_text(header + "U1,3,1.5,29.1,2023-03-02,2023-03-02,4,24.1\n")
    older = tmp_path / "old.csv"
    older.write_text(header + "U1,3,1.5,29.1,2023-03-02,2023-03-02,2,23.1\n")
    import_events(engine, newer, UCDP, ImportOptions(), Settings(), kind="ucdp")
    summary = import_events(engine, older, UCDP, ImportOptions(), Settings(), kind="ucdp")
    assert (summary.updated, summary.older) == (0, 1)
    with engine.connect() as conn:
        assert conn.execute(select(tables.events.c.fatalities_best)).scalar_one() == 4


def test_deletions_still_remove_after_vintages(
    database_url: str, engine: Engine, cli: CliRunner, tmp_path: Path
) -> None:
    path = write_rows(
        tmp_path / "a.csv", ACLED_HEADER, [acled_row("D1", stamp="5"), acled_row("D2", stamp="5")]
    )
    assert cli("--database", database_url, "import", "acled", path).code == 0
    deletions = tmp_path / "deleted.csv"
    deletions.write_text("event_id_cnty,deleted_timestamp\nD1,1700000000\n")
    assert cli("--database", database_url, "import", "acled-deletions", deletions).code == 0
    assert [r[1] for r in snapshot(engine)] == ["D2"]


@pytest.mark.parametrize("bulk", [False, True], ids=["normal", "bulk"])
def test_bad_row_in_a_later_batch_leaves_the_store_as_it_was(
    engine: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, bulk: bool
) -> None:
    monkeypatch.setattr(imports, "_is_bulk", lambda conn, path: bulk)
    first = write_rows(tmp_path / "a.csv", ACLED_HEADER, [acled_row(f"K{i}", stamp="1") for i in range(10)])
    import_events(engine, first, ACLED, ImportOptions(), Settings(), kind="acled")
    before = snapshot(engine)
    rows = [acled_row(f"K{i}", fatalities="8", stamp="2") for i in range(10)]  # updates, in the first batch
    rows += [acled_row(f"N{i}") for i in range(30)]  # new events, in the next batches
    rows[35][1] = "2023-02-30"  # a bad date in the last batch, after earlier batches were written
    bad = write_rows(tmp_path / "b.csv", ACLED_HEADER, rows)
    with pytest.raises(InvalidRows) as caught:
        import_events(engine, bad, ACLED, ImportOptions(batch_rows=7), Settings(), kind="acled")
    assert caught.value.errors[0].line == 37
    assert snapshot(engine) == before
    with engine.connect() as conn:
        assert conn.execute(select(tables.imports)).all().__len__() == 1, "no import recorded"

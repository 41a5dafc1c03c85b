"""Large files are loaded with the secondary indexes rebuilt afterwards; a failed bulk load leaves them intact."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest
from sqlalchemy import Engine, inspect

from pochub.config import Settings
from pochub.errors import InvalidRows
from pochub.ingest.acled import ACLED
from pochub.ingest.events import ImportOptions
from pochub.services import imports
from pochub.services.imports import import_events
from tests.store.test_event_import import ACLED_HEADER, acled_row


def write(path: Path, rows: list[list[str]]) -> Path:
    with path.open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(ACLED_HEADER)
        writer.writerows(rows)
    return path


def index_names(engine: Engine) -> set[str]:
    return {ix["name"] for ix in inspect(engine).get_indexes("events")}


def test_bulk_load_keeps_indexes(engine: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(imports, "_is_bulk", lambda conn, path: True)
    before = index_names(engine)
    assert {"ix_events_event_date", "ix_events_lat_lon"} <= before
    good = write(tmp_path / "good.csv", [acled_row(f"B{i}") for i in range(50)])
    assert import_events(engine, good, ACLED, ImportOptions(), Settings(), kind="acled").stored == 50
    assert index_names(engine) == before
    rows = [acled_row(f"C{i}") for i in range(50)]
    rows[10][1] = "not a date"
    bad = write(tmp_path / "bad.csv", rows)
    with pytest.raises(InvalidRows):
        import_events(engine, bad, ACLED, ImportOptions(), Settings(), kind="acled")
    assert index_names(engine) == before

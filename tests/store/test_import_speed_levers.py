"""What the import's speed levers must not change: SQLite's page cache is given back after an import (also a failed
one), a start of the command line does not load scipy.spatial (it is loaded where duplicates are linked), and
batches read ahead in a thread arrive in order, with the reader's errors."""

from __future__ import annotations

import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine

from pochub.config import Settings
from pochub.errors import InvalidInput, InvalidRows
from pochub.ingest.acled import ACLED
from pochub.ingest.events import ImportOptions
from pochub.services.imports import import_events, read_ahead
from pochub.store.event_writer import SQLITE_CACHE_KIB
from tests.store.test_event_import import ACLED_HEADER, acled_row, write_rows


def _cache_size(engine: Engine) -> int:
    with engine.connect() as conn:
        return int(conn.exec_driver_sql("PRAGMA cache_size").scalar_one())


def test_sqlite_cache_size_is_restored_after_an_import(
    engine: Engine, database_url: str, tmp_path: Path
) -> None:
    if not database_url.startswith("sqlite"):
        pytest.skip("a SQLite connection setting")
    engine.pool.dispose()
    before = _cache_size(engine)
    assert before != -SQLITE_CACHE_KIB
    good = write_rows(tmp_path / "good.csv", ACLED_HEADER, [acled_row(f"G{i}") for i in range(5)])
    summary = import_events(engine, good, ACLED, ImportOptions(batch_rows=2), Settings(), kind="acled")
    assert summary.stored == 5
    assert _cache_size(engine) == before
    rows = [acled_row(f"B{i}") for i in range(5)]
    rows[3][1] = "2023-13-45"
    bad = write_rows(tmp_path / "bad.csv", ACLED_HEADER, rows)
    with pytest.raises(InvalidRows):
        import_events(engine, bad, ACLED, ImportOptions(batch_rows=2), Settings(), kind="acled")
    assert _cache_size(engine) == before


def test_command_line_start_does_not_import_scipy_spatial() -> None:
    code = "import sys, pochub.cli.main, pochub.services.imports; print('scipy.spatial' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "False"


def test_read_ahead_keeps_order_raises_the_readers_error_and_stops_early() -> None:
    assert list(read_ahead(iter(range(50)))) == list(range(50))

    def failing() -> Iterator[int]:
        yield 1
        raise InvalidInput("bad.csv:3: column 'x': broken")

    with pytest.raises(InvalidInput, match=r"bad\.csv:3: column 'x'"):
        list(read_ahead(failing()))
    made: list[int] = []

    def counted() -> Iterator[int]:
        for i in range(1000):
            made.append(i)
            yield i

    for i in read_ahead(counted()):
        if i == 2:
            break
    assert len(made) <= 5, "the worker stops soon after the caller"
    assert all(t.name != "pochub-read-ahead" for t in threading.enumerate()), "the worker has ended"

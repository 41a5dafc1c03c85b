"""The import's fast paths (plain insert or direct COPY where no key is stored yet, rows identical to their stored
event left out) store exactly what the general upsert stores, on every real ACLED and UCDP file, both backends:
a first import, a re-import, and a revision with changed rows, older vintages and ids repeated in the file."""

from __future__ import annotations

import functools
import gzip
import uuid
from collections.abc import Iterator
from pathlib import Path

import polars as pl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import Engine, create_engine, select, text

from pochub.config import Settings
from pochub.ingest._csv import _last_record_end, _record_ends
from pochub.ingest.acled import ACLED
from pochub.ingest.events import EventFormat, ImportOptions
from pochub.ingest.ucdp import UCDP
from pochub.services import imports
from pochub.services.imports import ImportSummary, import_events
from pochub.store import tables
from pochub.store.database import connect, upgrade
from pochub.store.event_writer import EventWriter
from tests.conftest import DATA, PG_SERVER

FILES = sorted(
    [*(DATA / "acled-legacy-perse").glob("*.csv"), *(DATA / "acled-mali").glob("*.csv")],
    key=lambda p: p.name,
)
UCDP_FILES = sorted(
    [*(DATA / "ucdp-ged-ssd-hdx").glob("*.csv"), *(DATA / "ucdp-ged-syria").glob("*.csv.gz")],
    key=lambda p: p.name,
)
OPTIONS = ImportOptions(batch_rows=700)
"""Small batches: repeated ids fall both within one batch and across batches."""


@pytest.fixture
def reference_engine(database_url: str, tmp_path: Path) -> Iterator[Engine]:
    """A second migrated database on the same backend, for the reference path."""
    if database_url.startswith("sqlite"):
        eng = connect(f"sqlite:///{tmp_path / 'reference.db'}")
        upgrade(eng)
        yield eng
        eng.dispose()
        return
    schema = f"r_{uuid.uuid4().hex[:12]}"
    admin = create_engine(PG_SERVER)
    with admin.begin() as conn:
        conn.execute(text(f"CREATE SCHEMA {schema}"))
    eng = connect(f"{PG_SERVER}?options=-csearch_path%3D{schema}")
    upgrade(eng)
    try:
        yield eng
    finally:
        eng.dispose()
        with admin.begin() as conn:
            conn.execute(text(f"DROP SCHEMA {schema} CASCADE"))
        admin.dispose()


def stored(engine: Engine) -> list[tuple[object, ...]]:
    """Every stored event, every column, in id order."""
    with engine.connect() as conn:
        return [tuple(r) for r in conn.execute(select(tables.events).order_by(tables.events.c.id))]


def figures(summary: ImportSummary) -> tuple[int, ...]:
    return (
        summary.rows_read,
        summary.stored,
        summary.updated,
        summary.unchanged,
        summary.older,
        summary.rejected,
    )


def run(
    engine: Engine, path: Path, fmt: EventFormat, reference: bool, monkeypatch: pytest.MonkeyPatch
) -> ImportSummary:
    with monkeypatch.context() as patch:
        if reference:
            patch.setattr(imports, "EventWriter", functools.partial(EventWriter, reference=True))
        return import_events(engine, path, fmt, OPTIONS, Settings(), kind=fmt.name, skip_invalid=True)


def revised(path: Path, target: Path) -> Path:
    """The file with every third row's notes changed, every fifth row's timestamp one older (an older vintage
    where its notes changed too), and its last rows repeated at the end with other notes."""
    data = gzip.decompress(path.read_bytes()) if path.suffix == ".gz" else path.read_bytes()
    frame = pl.read_csv(data, infer_schema=False, encoding="utf8-lossy")
    names = {c.lower(): c for c in frame.columns}
    notes = names.get("notes") or names.get("source_article") or names.get("where_description")
    stamp = names.get("timestamp")
    assert notes, f"{path}: no notes column"
    index = pl.int_range(pl.len())
    changes = [
        pl.when((index % 3 == 1) & ~pl.col(notes).fill_null("").str.starts_with("#"))
        .then(pl.col(notes).fill_null("") + " (revised)")
        .otherwise(pl.col(notes))
        .alias(notes)
    ]
    if stamp:
        older = pl.col(stamp).cast(pl.Int64, strict=False) - 1
        changes.append(
            pl.when((index % 5 == 1) & older.is_not_null())
            .then(older.cast(pl.String))
            .otherwise(pl.col(stamp))
            .alias(stamp)
        )
    out = frame.with_columns(changes)
    repeats = out.tail(7).with_columns((pl.col(notes).fill_null("") + " (again)").alias(notes))
    pl.concat([out, repeats]).write_csv(target)
    return target


@pytest.mark.parametrize("path", FILES + UCDP_FILES, ids=lambda p: p.name)
def test_fast_path_stores_what_the_reference_stores(
    engine: Engine,
    reference_engine: Engine,
    path: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    fmt = UCDP if path in UCDP_FILES else ACLED
    second = revised(path, tmp_path / f"revised-{path.stem}.csv")
    done = []
    for step in (path, path, second, second):
        fast = run(engine, step, fmt, False, monkeypatch)
        slow = run(reference_engine, step, fmt, True, monkeypatch)
        assert figures(fast) == figures(slow), step
        done.append(fast)
    rows = stored(engine)
    assert rows, path
    assert rows == stored(reference_engine)
    first, again, revision, _ = done
    assert first.stored > 0 and again.stored == again.updated == 0  # a re-import changes nothing
    assert revision.updated > 0  # the revision exercised the upsert


@settings(max_examples=60, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.lists(
        st.sampled_from([b"a", b"b", b",", b'"', b'""', b"\n", b"\r\n", b"x,y\n", b'"q\nq"']),
        max_size=60,
    )
)
def test_last_record_end_agrees_with_all_record_ends(pieces: list[bytes]) -> None:
    buffer = b"".join(pieces)
    ends = _record_ends(buffer)
    assert _last_record_end(buffer) == (int(ends[-1]) if len(ends) else -1)

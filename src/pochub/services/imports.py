"""Import use cases: files in the field's formats -> validated, de-duplicated, stored. One transaction each.

By default an import is all-or-nothing: any invalid row and nothing is written. With ``skip_invalid`` the valid
rows are stored and the rejected ones written, with their reasons, to ``rejects``.
"""

from __future__ import annotations

import csv
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import closing, contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from queue import Full, Queue
from typing import TextIO, TypeVar

import polars as pl
from sqlalchemy import Connection, Engine, delete, func, insert, select

from pochub.config import Settings
from pochub.core.evidence.duplicates import find_duplicates
from pochub.core.geography.areas import BEYOND, NEAREST, AreaIndex
from pochub.errors import InvalidRows, RowError
from pochub.ingest.events import EventFormat, ImportOptions, read_events
from pochub.services import actors
from pochub.store import repositories, tables
from pochub.store.event_writer import EventWriter

Progress = Callable[[int, int], None]
SOURCE_PRIORITY = ("mission", "acled", "ucdp", "hxl")
"""Which source stays canonical when two report one event: the mission's own, then ACLED, then UCDP."""
MAX_ERRORS_KEPT = 1000
BULK_BYTES_PER_STORED_EVENT = 2000
"""A file this many bytes per event already stored (or more) is loaded with the secondary indexes rebuilt
afterwards: rebuilding costs about as much as maintaining them for that many new rows."""


@dataclass(frozen=True)
class ImportSummary:
    """What an import did."""

    kind: str
    file: str
    rows_read: int
    stored: int
    updated: int
    unchanged: int
    rejected: int
    duplicates_linked: int
    seconds: float
    errors: tuple[RowError, ...] = field(default=(), compare=False)
    older: int = 0
    """Rows that differ from a stored event but are an older vintage of it (older ``timestamp``): kept as stored."""
    read_as: str = ""
    """How the file was read: format, encoding and delimiter as detected."""
    nearest_area: int = 0
    """Rows outside every polygon of the finest event level that took the nearest area within the tolerance."""
    outside_boundaries: int = 0
    """Rows beyond every boundary and the tolerance: counted as "outside the boundaries", never a new area."""

    def as_dict(self) -> dict[str, object]:
        """The figures, for JSON output."""
        return {k: v for k, v in self.__dict__.items() if k != "errors"}


@contextmanager
def _rejects_writer(path: Path | None) -> Iterator[csv.writer | None]:  # type: ignore[valid-type]
    if path is None:
        yield None
        return
    handle: TextIO
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["line", "column", "value", "reason"])
        yield writer


def _is_bulk(conn: Connection, path: Path) -> bool:
    size = path.stat().st_size if path.exists() else 0
    stored = conn.execute(select(func.count()).select_from(tables.events)).scalar_one()
    return size > 10_000_000 and size > BULK_BYTES_PER_STORED_EVENT * stored


_T = TypeVar("_T")


def read_ahead(items: Iterator[_T]) -> Iterator[_T]:
    """``items`` in order, the next one made by a worker thread while the caller handles the current one.

    Reading and checking a batch (Polars) and writing the previous one (sqlite3's statement steps, or the
    PostgreSQL server) release the GIL, so on two cores they overlap. At most one batch waits (bounded memory);
    an error of the reader is raised here, in the caller's thread; when the caller stops early the worker stops
    after its current item."""
    queue: Queue[tuple[bool, object]] = Queue(maxsize=1)
    stop = threading.Event()
    end = object()

    def put(entry: tuple[bool, object]) -> bool:
        while not stop.is_set():
            try:
                queue.put(entry, timeout=0.1)
                return True
            except Full:
                continue
        return False

    def work() -> None:
        try:
            for item in items:
                if not put((True, item)):
                    return
            put((True, end))
        except BaseException as error:  # handed to the caller, raised in its thread
            put((False, error))
        finally:
            close = getattr(items, "close", None)
            if close is not None:
                close()

    worker = threading.Thread(target=work, name="pochub-read-ahead", daemon=True)
    worker.start()
    try:
        while True:
            ok, item = queue.get()
            if not ok:
                assert isinstance(item, BaseException)
                raise item
            if item is end:
                return
            yield item  # type: ignore[misc]
    finally:
        stop.set()
        worker.join()


def assign_areas(
    frame: pl.DataFrame, indexes: list[AreaIndex], tolerance_km: float
) -> tuple[pl.DataFrame, dict[str, int]]:
    """One geography: at each level with boundaries, every event's admin P-code is that of the area holding it,
    else the nearest within ``tolerance_km``, else none ("outside the boundaries"); the source's own code or
    spelling never becomes an area. Empty admin names take the boundary's. Returns the frame and the counts of
    the finest level by method (inside, nearest, outside)."""
    counts: dict[str, int] = {}
    if frame.height == 0:
        return frame, counts
    lat = frame["latitude"].to_numpy()
    lon = frame["longitude"].to_numpy()
    updates = []
    for index in indexes:
        if index.level not in (1, 2) or len(index) == 0:
            continue
        code_col, name_col = f"admin{index.level}_pcode", f"admin{index.level}_name"
        assignment = index.assign(lat, lon, tolerance_km)
        counts = assignment.counts()
        updates += [
            pl.Series(code_col, assignment.pcodes.tolist(), dtype=pl.String),
            pl.when(pl.col(name_col).fill_null("") == "")
            .then(pl.Series(values=assignment.names.tolist(), dtype=pl.String))
            .otherwise(pl.col(name_col))
            .alias(name_col),
        ]
    return (frame.with_columns(updates) if updates else frame), counts


def relink_duplicates(conn: Connection, settings: Settings) -> int:
    """Recompute cross-source duplicate links over all stored events; returns the links added."""
    if repositories.source_count(conn) < 2:
        return repositories.replace_duplicate_links(conn, [])
    links = find_duplicates(
        repositories.event_points(conn),
        SOURCE_PRIORITY,
        max_km=settings.duplicate_distance_km,
        max_days=settings.duplicate_days,
    )
    return repositories.replace_duplicate_links(conn, links)


def import_events(
    engine: Engine,
    path: Path,
    fmt: EventFormat,
    options: ImportOptions,
    settings: Settings,
    *,
    kind: str,
    skip_invalid: bool = False,
    rejects: Path | None = None,
    on_progress: Progress | None = None,
) -> ImportSummary:
    """Import an event file in one transaction; raise InvalidRows (writing nothing) on bad rows by default."""
    started = time.perf_counter()
    started_at = datetime.now(UTC)
    rows_read = rejected = nearest = outside = 0
    read_as = ""
    kept: list[RowError] = []
    with (
        engine.begin() as conn,
        _rejects_writer(rejects) as reject_writer,
        closing(EventWriter(conn, bulk=_is_bulk(conn, path))) as writer,
    ):
        indexes = [AreaIndex.build(repositories.load_admin_areas(conn, level), level) for level in (1, 2)]
        for batch in read_ahead(read_events(path, fmt, options, on_progress)):
            rows_read += batch.rows_read
            read_as = batch.read_as or read_as
            if batch.errors:
                rejected += len({e.line for e in batch.errors})
                room = MAX_ERRORS_KEPT - len(kept)
                kept.extend(batch.errors[: max(room, 0)])
                if reject_writer is not None:
                    reject_writer.writerows([e.line, e.column, e.value, e.reason] for e in batch.errors)
            if rejected and not skip_invalid:
                continue  # keep reading to report every bad row, write nothing more
            located, counts = assign_areas(batch.events, indexes, settings.area_tolerance_km)
            nearest += counts.get(NEAREST, 0)
            outside += counts.get(BEYOND, 0)
            writer.write(located)
        if rejected and not skip_invalid:
            raise InvalidRows(kept, rejected, file=str(path))
        new, updated = writer.finish()
        linked = relink_duplicates(conn, settings)
        actors.register(conn)  # the actor registry stays current with the stored names
        summary = ImportSummary(
            kind=kind,
            file=str(path),
            rows_read=rows_read,
            stored=new,
            updated=updated,
            unchanged=rows_read - rejected - new - updated - writer.older,
            rejected=rejected,
            duplicates_linked=linked,
            seconds=round(time.perf_counter() - started, 3),
            errors=tuple(kept),
            older=writer.older,
            read_as=read_as,
            nearest_area=nearest,
            outside_boundaries=outside,
        )
        _record(conn, summary, started_at)
    return summary


def _record(conn: Connection, summary: ImportSummary, started_at: datetime) -> None:
    conn.execute(
        insert(tables.imports).values(
            kind=summary.kind,
            file=summary.file,
            started_at=started_at,
            finished_at=datetime.now(UTC),
            rows_read=summary.rows_read,
            stored=summary.stored,
            updated=summary.updated,
            unchanged=summary.unchanged,
            rejected=summary.rejected,
            duplicates_linked=summary.duplicates_linked,
            older=summary.older,
        )
    )


def delete_events(
    engine: Engine, source: str, ids: Iterator[list[str]], settings: Settings, file: str
) -> ImportSummary:
    """Remove events of ``source`` by source id (ACLED's deleted-events list)."""
    started = time.perf_counter()
    started_at = datetime.now(UTC)
    read = deleted = 0
    with engine.begin() as conn:
        ev = tables.events.c
        for chunk in ids:
            read += len(chunk)
            for start in range(0, len(chunk), 1000):
                part = chunk[start : start + 1000]
                conn.execute(
                    tables.events.update()
                    .where(
                        ev.duplicate_of.in_(
                            tables.events.select()
                            .with_only_columns(ev.id)
                            .where(ev.source == source, ev.source_id.in_(part))
                            .scalar_subquery()
                        )
                    )
                    .values(duplicate_of=None)
                )
                deleted += conn.execute(
                    delete(tables.events).where(ev.source == source, ev.source_id.in_(part))
                ).rowcount
        linked = relink_duplicates(conn, settings)
        actors.register(conn)
        summary = ImportSummary(
            kind=f"{source}-deletions",
            file=file,
            rows_read=read,
            stored=0,
            updated=-deleted,
            unchanged=read - deleted,
            rejected=0,
            duplicates_linked=linked,
            seconds=round(time.perf_counter() - started, 3),
        )
        _record(conn, summary, started_at)
    return summary

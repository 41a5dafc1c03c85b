"""Bulk upsert of event batches: executemany on SQLite, COPY through a staging table on PostgreSQL.

A row whose (source, source_id) exists is updated only when its raw source row changed and it is not an older
vintage: when both carry a version (``source_updated``: ACLED's ``timestamp``, UCDP's ``version`` where the file
gives one), the row must be at least as new as the stored one. So re-importing a file changes nothing, a revised
ACLED row updates the stored event, and an older export imported after a newer one leaves the newer coding in
place (those rows are counted as ``older``). Rows without a version update a stored row without one (the last
import wins: UCDP GED rows carry no version) but never a stored row that has one.
"""

from __future__ import annotations

import hashlib
from typing import Any

import orjson
import polars as pl
from sqlalchemy import Connection, func, select, text

from pochub.core.models.events import EVENT_COLUMNS
from pochub.ingest._csv import LINE
from pochub.store.tables import events

STAGING = "import_staging"
_KEY = ("source", "source_id")
SQLITE_CACHE_KIB = 65_536
"""SQLite page cache of the import's connection while it writes (64 MiB; the default is 2 MiB): the unique key's
index pages then stay in memory instead of being spilled to the WAL again and again, and the secondary indexes
are sorted in memory when they are built again. Restored when the writer is closed."""
_UPDATED = [c for c in EVENT_COLUMNS if c not in _KEY]


def _set_clause() -> str:
    return ", ".join(f"{c} = excluded.{c}" for c in _UPDATED)


_NOT_OLDER = (
    "(events.source_updated IS NULL OR "
    "(excluded.source_updated IS NOT NULL AND excluded.source_updated >= events.source_updated))"
)
"""The incoming row is not an older vintage than the stored one (see the module docstring)."""


def is_older(incoming: int | None, stored: int | None) -> bool:
    """True when a stored row's version makes the incoming row an older vintage (it is kept, not applied)."""
    return stored is not None and (incoming is None or incoming < stored)


_STORED_SCHEMA = {
    "source": pl.String(),
    "source_id": pl.String(),
    "stored_updated": pl.Int64(),
    "stored_raw": pl.String(),
}


_DIGEST_SCHEMA = {"source": pl.String(), "source_id": pl.String(), "stored_md5": pl.String()}

_SEED = 20241205
"""A fixed seed: a key hashes alike in every batch of one import."""


def _key_hashes(batch: pl.DataFrame) -> pl.Series:
    """A 64-bit hash of each (source, source_id) of ``batch``."""
    return batch.select(pl.struct(_KEY).hash(_SEED)).to_series()


def _keys_unique(batch: pl.DataFrame) -> bool:
    """True when no (source, source_id) repeats within ``batch``."""
    return bool(batch.select(pl.struct(_KEY).is_unique().all()).item())


def _count_older(batch: pl.DataFrame, stored: pl.DataFrame) -> int:
    """Rows of ``batch`` (the last one of a repeated key) that differ from their stored event and are older."""
    if stored.height == 0:
        return 0
    last = batch.select(*_KEY, "source_updated", "raw").unique(subset=list(_KEY), keep="last")
    older = last.join(stored, on=list(_KEY), how="inner").filter(
        (pl.col("raw") != pl.col("stored_raw"))
        & pl.col("stored_updated").is_not_null()
        & (pl.col("source_updated").is_null() | (pl.col("source_updated") < pl.col("stored_updated")))
    )
    return older.height


class EventWriter:
    """Writes validated event batches into ``events`` inside the caller's transaction."""

    def __init__(self, conn: Connection, *, bulk: bool = False, reference: bool = False) -> None:
        """``bulk`` drops the secondary indexes for the load and builds them again in ``finish``, inside the same
        transaction (so a failed import still leaves everything as it was): faster for large files.

        ``reference`` writes every row through the general upsert (staging table on PostgreSQL), never the fast
        paths (plain insert or direct COPY where no key is stored yet, identical rows left out): the tests check
        that both store exactly the same."""
        self.conn = conn
        self.reference = reference
        self.dialect = conn.dialect.name
        self.changed = 0
        self.older = 0
        """Rows that differ from the stored event but are an older vintage of it: not applied."""
        self.rows_before = self.count()
        self._written: pl.Series | None = (
            pl.Series("h", [], dtype=pl.UInt64) if self.rows_before == 0 else None
        )
        """When ``events`` was empty at the start: the key hashes of every batch written since. A key whose hash
        is not in it cannot be stored, so a batch with none of them needs no look-up in the database (which on
        PostgreSQL scanned the freshly loaded, statistics-less table once per batch). A hash collision only
        sends a batch to the look-up, so the result never depends on it."""
        self._cache_size: int | None = None
        if self.dialect == "sqlite":
            self._cache_size = int(conn.exec_driver_sql("PRAGMA cache_size").scalar_one())
            conn.exec_driver_sql(f"PRAGMA cache_size = -{SQLITE_CACHE_KIB}")
        self.dropped = list(events.indexes) if bulk else []
        for index in self.dropped:
            index.drop(conn)
        if self.dialect == "postgresql":
            columns = ", ".join(EVENT_COLUMNS)
            conn.execute(
                text(f"CREATE TEMP TABLE IF NOT EXISTS {STAGING} AS SELECT {columns} FROM events WHERE false")
            )
            conn.execute(text(f"ALTER TABLE {STAGING} ADD COLUMN IF NOT EXISTS line BIGINT"))
            conn.execute(text(f"TRUNCATE {STAGING}"))

    def count(self) -> int:
        """Number of stored events."""
        return int(self.conn.execute(select(func.count()).select_from(events)).scalar_one())

    def write(self, batch: pl.DataFrame) -> None:
        """Upsert one batch (event columns plus ``_line``)."""
        if batch.height == 0:
            return
        hashes = _key_hashes(batch) if self._written is not None else None
        if self.dialect == "postgresql":
            self._write_postgresql(batch, hashes)
        else:
            self._write_sqlite(batch, hashes)
        if self._written is not None and hashes is not None:
            self._written.append(hashes)

    def _none_stored(self, hashes: pl.Series | None) -> bool:
        """True when no key of the batch (``hashes``) can be stored yet (see ``_written``); False when unknown."""
        if self._written is None or hashes is None or self.reference:
            return False
        return self._written.len() == 0 or not bool(self._written.is_in(hashes.implode()).any())

    def _write_sqlite(self, batch: pl.DataFrame, hashes: pl.Series | None) -> None:
        cursor: Any = self.conn.connection.dbapi_connection.cursor()  # type: ignore[union-attr]
        stored = (
            pl.DataFrame(schema=_STORED_SCHEMA)
            if self._none_stored(hashes)
            else self._stored_sqlite(cursor, batch)
        )
        self.older += _count_older(batch, stored)
        unique = _keys_unique(batch) and not self.reference
        if stored.height and unique:
            # a row identical to its stored event changes nothing: leave it out (re-imports write nothing)
            same = batch.join(stored, on=list(_KEY), how="inner").filter(
                pl.col("raw") == pl.col("stored_raw")
            )
            if same.height:
                batch = batch.join(same.select(_KEY), on=list(_KEY), how="anti", maintain_order="left")
        if batch.height == 0:
            cursor.close()
            return
        columns = batch.select(
            [
                pl.col(c).dt.to_string("%Y-%m-%d") if batch.schema[c] == pl.Date else pl.col(c)
                for c in EVENT_COLUMNS
            ]
        )
        # row tuples made by zip, one at a time, from per-column lists (faster than DataFrame.rows())
        rows = zip(*(series.to_list() for series in columns.iter_columns()), strict=True)
        placeholders = ", ".join("?" for _ in EVENT_COLUMNS)
        sql = f"INSERT INTO events ({', '.join(EVENT_COLUMNS)}) VALUES ({placeholders})"
        if stored.height or not unique:  # upsert only where a key may exist; a plain insert otherwise
            sql += (
                f" ON CONFLICT (source, source_id) DO UPDATE SET {_set_clause()} "
                f"WHERE events.raw <> excluded.raw AND {_NOT_OLDER}"
            )
        cursor.executemany(sql, rows)
        self.changed += cursor.rowcount
        cursor.close()

    @staticmethod
    def _stored_sqlite(cursor: Any, batch: pl.DataFrame) -> pl.DataFrame:
        """The stored events with a key in ``batch``: source, source_id, stored_updated, stored_raw."""
        found: list[tuple[str, str, int | None, str]] = []
        for source, ids in batch.group_by("source").agg(pl.col("source_id").unique()).iter_rows():
            for start in range(0, len(ids), 50_000):
                found += cursor.execute(
                    "SELECT source, source_id, source_updated, raw FROM events "
                    "WHERE source = ? AND source_id IN (SELECT value FROM json_each(?))",
                    (source, orjson.dumps(ids[start : start + 50_000]).decode()),
                ).fetchall()
        return pl.DataFrame(found, schema=_STORED_SCHEMA, orient="row")

    def _write_postgresql(self, batch: pl.DataFrame, hashes: pl.Series | None) -> None:
        raw = self.conn.connection.dbapi_connection
        assert raw is not None
        unique = _keys_unique(batch)
        if unique and not self.reference:
            stored = (
                pl.DataFrame(schema=_DIGEST_SCHEMA)
                if self._none_stored(hashes)
                else self._stored_digests_postgresql(raw, batch)
            )
            if stored.height == 0:
                # no key of the batch is stored yet: straight into events, no staging table and no upsert
                self._copy(raw, "events", batch.select(EVENT_COLUMNS))
                self.changed += batch.height
                return
            # a row identical to its stored event changes nothing: leave it out (a re-import writes nothing);
            # the rows left (changed or new) take the general upsert below, which compares the raw rows exactly
            pairs = batch.select(*_KEY, "raw").join(stored, on=list(_KEY), how="inner")
            digests = pl.Series(
                [hashlib.md5(r.encode(), usedforsecurity=False).hexdigest() for r in pairs["raw"]],
                dtype=pl.String,
            )
            same = pairs.filter(digests == pairs["stored_md5"]).select(_KEY)
            if same.height:
                batch = batch.join(same, on=list(_KEY), how="anti", maintain_order="left")
            if batch.height == 0:
                return
        with raw.cursor() as cursor:  # type: ignore[attr-defined]
            cursor.execute(f"TRUNCATE {STAGING}")
        self._copy(raw, STAGING, batch.select([*EVENT_COLUMNS, pl.col(LINE).alias("line")]))
        with raw.cursor() as cursor:  # type: ignore[attr-defined]
            # the staging table and a freshly loaded events table have no statistics yet: the planner then
            # hashes all of events for every batch; one index probe per staged row is always the right plan
            cursor.execute("SET LOCAL enable_hashjoin = off")
            cursor.execute("SET LOCAL enable_mergejoin = off")
            columns = ", ".join(EVENT_COLUMNS)
            # a file may repeat an id (the last row wins); sorting wide rows is costly, so only when needed
            chosen = (
                f"SELECT {columns} FROM {STAGING}"
                if unique
                else f"SELECT DISTINCT ON (source, source_id) {columns} FROM {STAGING} "
                f"ORDER BY source, source_id, line DESC"
            )
            cursor.execute(
                f"SELECT count(*) FROM ({chosen}) AS excluded JOIN events "
                f"ON events.source = excluded.source AND events.source_id = excluded.source_id "
                f"WHERE events.raw IS DISTINCT FROM excluded.raw AND NOT {_NOT_OLDER}"
            )
            self.older += int(cursor.fetchone()[0])
            cursor.execute(
                f"INSERT INTO events ({columns}) {chosen} "
                f"ON CONFLICT (source, source_id) DO UPDATE SET {_set_clause()} "
                f"WHERE events.raw IS DISTINCT FROM excluded.raw AND {_NOT_OLDER}"
            )
            self.changed += cursor.rowcount
            cursor.execute("RESET enable_hashjoin")
            cursor.execute("RESET enable_mergejoin")

    @staticmethod
    def _stored_digests_postgresql(raw: Any, batch: pl.DataFrame) -> pl.DataFrame:
        """The stored events with a key in ``batch``: source, source_id and the MD5 of their raw row (computed by
        the server, so the raw rows do not cross the connection). One index probe per key (a nested loop over
        the keys): the freshly loaded events table may have no statistics, and the planner then read all of it for
        every batch (``source_id = ANY(...)`` was only a filter over a bitmap scan of the whole source)."""
        found: list[tuple[str, str, str]] = []
        plan = ("enable_seqscan", "enable_hashjoin", "enable_mergejoin")
        with raw.cursor() as cursor:
            for setting in plan:
                cursor.execute(f"SET LOCAL {setting} = off")
            for source, ids in batch.group_by("source").agg(pl.col("source_id")).iter_rows():
                cursor.execute(
                    "SELECT e.source, e.source_id, md5(e.raw) FROM unnest(%s::text[]) AS k(id) "
                    "JOIN events AS e ON e.source = %s AND e.source_id = k.id",
                    (ids, source),
                )
                found += cursor.fetchall()
            for setting in plan:
                cursor.execute(f"RESET {setting}")
        return pl.DataFrame(found, schema=_DIGEST_SCHEMA, orient="row")

    @staticmethod
    def _copy(raw: Any, table: str, frame: pl.DataFrame) -> None:
        """COPY ``frame`` (columns named as the table's) into ``table`` as CSV: empty unquoted fields are NULL,
        every text value is quoted (so an empty text stays empty text)."""
        data = frame.write_csv(include_header=False, quote_style="non_numeric", null_value="").encode()
        with (
            raw.cursor() as cursor,
            cursor.copy(f"COPY {table} ({', '.join(frame.columns)}) FROM STDIN (FORMAT csv)") as copy,
        ):
            view = memoryview(data)
            for start in range(0, len(view), 1 << 20):
                copy.write(view[start : start + (1 << 20)])

    def finish(self) -> tuple[int, int]:
        """(new rows, updated rows) written since the writer was made."""
        for index in self.dropped:
            index.create(self.conn)
        if self.dialect == "postgresql":
            self.conn.execute(text(f"DROP TABLE IF EXISTS {STAGING}"))
        new = self.count() - self.rows_before
        self.close()
        return new, self.changed - new

    def close(self) -> None:
        """Give the connection its page cache size back (after ``finish``, or when the import failed)."""
        if self._cache_size is not None and not self.conn.invalidated:
            self.conn.exec_driver_sql(f"PRAGMA cache_size = {self._cache_size}")
        self._cache_size = None

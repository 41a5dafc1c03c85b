"""Bulk upsert of event batches: executemany on SQLite, COPY through a staging table on PostgreSQL.

A row whose (source, source_id) exists is updated only when its raw source row changed and it is not an older
vintage: when both carry a version (``source_updated``: ACLED's ``timestamp``, UCDP's ``version`` where the file
gives one), the row must be at least as new as the stored one. So re-importing a file changes nothing, a revised
ACLED row updates the stored event, and an older export imported after a newer one leaves the newer coding in
place (those rows are counted as ``older``). Rows without a version update a stored row without one (the last
import wins: UCDP GED rows carry no version) but never a stored row that has one.
"""

from __future__ import annotations

import io

import polars as pl
from sqlalchemy import Connection, func, select, text

from pochub.core.models.events import EVENT_COLUMNS
from pochub.ingest._csv import LINE
from pochub.store.tables import events

STAGING = "import_staging"
_KEY = ("source", "source_id")
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


class EventWriter:
    """Writes validated event batches into ``events`` inside the caller's transaction."""

    def __init__(self, conn: Connection, *, bulk: bool = False) -> None:
        """``bulk`` drops the secondary indexes for the load and builds them again in ``finish``, inside the same
        transaction (so a failed import still leaves everything as it was): faster for large files."""
        self.conn = conn
        self.dialect = conn.dialect.name
        self.changed = 0
        self.older = 0
        """Rows that differ from the stored event but are an older vintage of it: not applied."""
        self.rows_before = self.count()
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
        if self.dialect == "postgresql":
            self._write_postgresql(batch)
        else:
            self._write_sqlite(batch)

    def _write_sqlite(self, batch: pl.DataFrame) -> None:
        rows = batch.select(
            [
                pl.col(c).dt.to_string("%Y-%m-%d") if batch.schema[c] == pl.Date else pl.col(c)
                for c in EVENT_COLUMNS
            ]
        ).rows()
        placeholders = ", ".join("?" for _ in EVENT_COLUMNS)
        sql = (
            f"INSERT INTO events ({', '.join(EVENT_COLUMNS)}) VALUES ({placeholders}) "
            f"ON CONFLICT (source, source_id) DO UPDATE SET {_set_clause()} "
            f"WHERE events.raw <> excluded.raw AND {_NOT_OLDER}"
        )
        cursor = self.conn.connection.dbapi_connection.cursor()  # type: ignore[union-attr]
        self.older += self._count_older_sqlite(cursor, batch)
        cursor.executemany(sql, rows)
        self.changed += cursor.rowcount
        cursor.close()

    @staticmethod
    def _count_older_sqlite(cursor: object, batch: pl.DataFrame) -> int:
        """Rows of ``batch`` that differ from their stored event and are older than it."""
        incoming = {
            (source, source_id): (stamp, raw)
            for source, source_id, stamp, raw in batch.select(
                "source", "source_id", "source_updated", "raw"
            ).iter_rows()
        }
        older = 0
        keys = list(incoming)
        for start in range(0, len(keys), 400):
            part = keys[start : start + 400]
            where = " OR ".join("(source = ? AND source_id = ?)" for _ in part)
            found = cursor.execute(  # type: ignore[attr-defined]
                f"SELECT source, source_id, source_updated, raw FROM events WHERE {where}",
                [v for key in part for v in key],
            ).fetchall()
            for source, source_id, stamp, raw in found:
                new_stamp, new_raw = incoming[(source, source_id)]
                older += new_raw != raw and is_older(new_stamp, stamp)
        return older

    def _write_postgresql(self, batch: pl.DataFrame) -> None:
        data = batch.select([*EVENT_COLUMNS, LINE]).write_csv(
            include_header=False, quote_style="non_numeric", null_value=""
        )
        raw = self.conn.connection.dbapi_connection
        assert raw is not None
        with raw.cursor() as cursor:  # type: ignore[attr-defined]
            cursor.execute(f"TRUNCATE {STAGING}")
            with cursor.copy(
                f"COPY {STAGING} ({', '.join(EVENT_COLUMNS)}, line) FROM STDIN (FORMAT csv)"
            ) as copy:
                buffer = io.BytesIO(data.encode())
                while chunk := buffer.read(1 << 20):
                    copy.write(chunk)
            columns = ", ".join(EVENT_COLUMNS)
            # a file may repeat an id (the last row wins); sorting wide rows is costly, so only when needed
            cursor.execute(f"SELECT count(*) = count(DISTINCT (source, source_id)) FROM {STAGING}")
            unique = cursor.fetchone()[0]
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

    def finish(self) -> tuple[int, int]:
        """(new rows, updated rows) written since the writer was made."""
        for index in self.dropped:
            index.create(self.conn)
        if self.dialect == "postgresql":
            self.conn.execute(text(f"DROP TABLE IF EXISTS {STAGING}"))
        new = self.count() - self.rows_before
        return new, self.changed - new

"""Bulk upsert of event batches: executemany on SQLite, COPY through a staging table on PostgreSQL.

A row whose (source, source_id) exists is updated only when its raw source row changed, so re-importing a file
changes nothing and a revised ACLED row updates the stored event.
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


class EventWriter:
    """Writes validated event batches into ``events`` inside the caller's transaction."""

    def __init__(self, conn: Connection, *, bulk: bool = False) -> None:
        """``bulk`` drops the secondary indexes for the load and builds them again in ``finish``, inside the same
        transaction (so a failed import still leaves everything as it was): faster for large files."""
        self.conn = conn
        self.dialect = conn.dialect.name
        self.changed = 0
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
            f"ON CONFLICT (source, source_id) DO UPDATE SET {_set_clause()} WHERE events.raw <> excluded.raw"
        )
        cursor = self.conn.connection.dbapi_connection.cursor()  # type: ignore[union-attr]
        cursor.executemany(sql, rows)
        self.changed += cursor.rowcount
        cursor.close()

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
                f"INSERT INTO events ({columns}) {chosen} "
                f"ON CONFLICT (source, source_id) DO UPDATE SET {_set_clause()} "
                f"WHERE events.raw IS DISTINCT FROM excluded.raw"
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

"""Streaming CSV reading shared by every tabular format: plain or gzip, a header row, an optional HXL row.

Rows are read with the standard library's C csv parser (which handles quoted newlines) and handed on as
Polars frames of text columns, one batch at a time, each row carrying the physical line number it started on,
so that every error can name its line.
"""

from __future__ import annotations

import csv
import gzip
import io
import re
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, BinaryIO

import polars as pl

from pochub.errors import InvalidInput, RowError

if TYPE_CHECKING:
    from pochub.ingest.event_geojson import GeoJsonTable

LINE = "_line"
"""Column holding the 1-based physical line number each row starts on."""

csv.field_size_limit(min(sys.maxsize, 2**31 - 1))


def normalise_header(name: str) -> str:
    """Lower-case a column name and replace spaces and dashes with underscores."""
    return re.sub(r"[\s\-]+", "_", name.strip().lstrip("\ufeff").strip().lower())


def is_hxl_row(row: list[str]) -> bool:
    """True for a row of HXL hashtags: every non-empty cell starts with '#', and at least one does."""
    cells = [c.strip() for c in row if c.strip()]
    return bool(cells) and all(c.startswith("#") for c in cells)


@dataclass
class CsvTable:
    """An open CSV file: its columns, its HXL tags (if any), and its rows in batches.

    ``default_header`` is used when the first row is data rather than names (UCDP files without a header):
    it is taken when none of the first row's cells is a known column name and the widths agree.
    """

    path: Path
    known_columns: frozenset[str] = frozenset()
    default_header: tuple[str, ...] = ()
    aliases: dict[str, str] = field(default_factory=dict)
    encoding: str = "utf-8-sig"
    columns: list[str] = field(init=False, default_factory=list)
    hxl_tags: dict[str, str] = field(init=False, default_factory=dict)
    ragged: list[RowError] = field(init=False, default_factory=list)
    bytes_total: int = field(init=False, default=0)
    _binary: BinaryIO | None = field(init=False, default=None)

    @property
    def name(self) -> str:
        """The file name used in messages."""
        return str(self.path)

    def open_rows(self) -> Iterator[tuple[int, list[str]]]:
        """Yield (line number, fields) for every data row, after the header and HXL rows."""
        if not self.path.exists():
            raise InvalidInput(f"{self.path}: no such file")
        self.bytes_total = self.path.stat().st_size
        self._binary = self.path.open("rb")
        raw: BinaryIO = self._binary
        if self.path.suffix == ".gz":
            raw = gzip.GzipFile(fileobj=self._binary)  # type: ignore[assignment]
        text = io.TextIOWrapper(raw, encoding=self.encoding, newline="")
        reader = csv.reader(text)
        try:
            yield from self._rows(reader)
        except UnicodeDecodeError as exc:
            raise InvalidInput(
                f"{self.path}:{reader.line_num + 1}: the file is not {self.encoding} text ({exc.reason}); "
                "give its encoding with --encoding (e.g. cp1252 or latin-1)"
            ) from exc
        except (OSError, EOFError, csv.Error) as exc:
            raise InvalidInput(f"{self.path}:{reader.line_num}: cannot read the file: {exc}") from exc
        finally:
            text.close()

    def bytes_read(self) -> int:
        """Bytes of the file consumed so far (compressed bytes for .gz), for progress bars."""
        if self._binary is None or self._binary.closed:
            return self.bytes_total
        return self._binary.tell()

    def _rows(self, reader: Iterator[list[str]]) -> Iterator[tuple[int, list[str]]]:
        line_reader = reader  # csv reader exposes line_num
        first = next(reader, None)
        if first is None:
            raise InvalidInput(f"{self.path}:1: the file is empty")
        first_line = 1
        names = [normalise_header(c) for c in first]
        pending: list[tuple[int, list[str]]] = []
        if is_hxl_row(first):
            self.columns = [self.aliases.get(normalise_header(c), normalise_header(c)) for c in first]
            self.hxl_tags = {c: c for c in self.columns}
        elif self.default_header and not (set(names) & self.known_columns):
            if len(first) != len(self.default_header):
                raise InvalidInput(
                    f"{self.path}:1: no header row, and {len(first)} fields do not match the "
                    f"{len(self.default_header)} columns of the headerless format"
                )
            self.columns = list(self.default_header)
            pending.append((first_line, first))
        else:
            self.columns = [self.aliases.get(n, n) for n in names]
        last_line = line_reader.line_num  # type: ignore[attr-defined]
        width = len(self.columns)
        for line, row in pending:
            yield line, row
        for index, row in enumerate(reader):
            line = last_line + 1
            last_line = line_reader.line_num  # type: ignore[attr-defined]
            if index == 0 and not self.hxl_tags and is_hxl_row(row):
                self.hxl_tags = {c: t.strip() for c, t in zip(self.columns, row, strict=False) if t.strip()}
                continue
            if len(row) != width:
                if not any(cell.strip() for cell in row):
                    continue  # blank line
                self.ragged.append(
                    RowError(
                        self.name, line, "*", ",".join(row)[:80], f"expected {width} fields, found {len(row)}"
                    )
                )
                continue
            yield line, row

    def batches(
        self, rows_per_batch: int, on_progress: Callable[[int], None] | None = None
    ) -> Iterator[pl.DataFrame]:
        """Yield the data rows as frames of text columns plus ``_line``, ``rows_per_batch`` rows at a time."""
        buffer_lines: list[int] = []
        buffer_rows: list[list[str]] = []
        for line, row in self.open_rows():
            buffer_lines.append(line)
            buffer_rows.append(row)
            if len(buffer_rows) >= rows_per_batch:
                yield self._frame(buffer_lines, buffer_rows)
                buffer_lines, buffer_rows = [], []
                if on_progress:
                    on_progress(self.bytes_read())
        if buffer_rows:
            yield self._frame(buffer_lines, buffer_rows)
        if on_progress:
            on_progress(self.bytes_total)

    def _frame(self, lines: list[int], rows: list[list[str]]) -> pl.DataFrame:
        columns = list(zip(*rows, strict=True))
        data: dict[str, pl.Series] = {}
        for name, values in zip(self.columns, columns, strict=True):
            if name in data or not name:
                continue  # duplicate or unnamed column: keep the first
            data[name] = pl.Series(name, values, dtype=pl.String)
        data[LINE] = pl.Series(LINE, lines, dtype=pl.Int64)
        return pl.DataFrame(data)


def require_columns(table: CsvTable | GeoJsonTable, required: list[str], format_name: str) -> None:
    """Raise InvalidInput naming the missing columns of a format, with line 1 of the file."""
    missing = [c for c in required if c not in table.columns]
    if missing:
        raise InvalidInput(
            f"{table.path}:1: not a {format_name} file: missing column(s) {', '.join(missing)} "
            f"(found: {', '.join(table.columns[:40])})"
        )

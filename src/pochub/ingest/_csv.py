"""Streaming table reading shared by every tabular format: delimited text (plain or gzip, any delimiter and
encoding, detected) and spreadsheets (XLSX, XLS, ODS), with a header row and an optional HXL row.

Rows are read with the standard library's C csv parser (which handles quoted newlines), Polars' reader for UTF-8
text, or calamine for workbooks, and handed on as Polars frames of text columns, one batch at a time, each row
carrying the physical line (sheet row) number it started on, so that every error can name its line.
"""

from __future__ import annotations

import csv
import gzip
import io
import re
import shutil
import sys
import tempfile
from collections.abc import Callable, Generator, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO, Protocol

import numpy as np
import numpy.typing as npt
import polars as pl

from pochub.errors import InvalidInput, RowError
from pochub.ingest._sheets import SheetRows
from pochub.ingest._sniff import SPREADSHEETS, FileKind, sniff

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
    encoding: str = "auto"
    """The text encoding, or "auto" to detect it (byte-order mark, UTF-16, UTF-8, else cp1252)."""
    columns: list[str] = field(init=False, default_factory=list)
    hxl_tags: dict[str, str] = field(init=False, default_factory=dict)
    ragged: list[RowError] = field(init=False, default_factory=list)
    bytes_total: int = field(init=False, default=0)
    _binary: BinaryIO | None = field(init=False, default=None)
    _header_records: int = field(init=False, default=1)
    _kind: FileKind | None = field(init=False, default=None)
    _sheet_name: str = field(init=False, default="")

    @property
    def name(self) -> str:
        """The file name used in messages."""
        return str(self.path)

    @property
    def kind(self) -> FileKind:
        """What the file is (spreadsheet, or text with its encoding and delimiter), detected once."""
        if self._kind is None:
            self._kind = sniff(self.path, self.encoding)
        return self._kind

    @property
    def read_as(self) -> str:
        """How the file was read, for the import summary (e.g. "CSV, UTF-16 LE, semicolon-separated")."""
        if self.kind.kind in SPREADSHEETS and self._sheet_name:
            return f"{self.kind.describe()}, sheet {self._sheet_name!r}"
        return self.kind.describe()

    def open_rows(self) -> Generator[tuple[int, list[str]], None, None]:
        """Yield (line number, fields) for every data row, after the header and HXL rows."""
        kind = self.kind
        self.bytes_total = self.path.stat().st_size
        if kind.kind in SPREADSHEETS:
            sheet = SheetRows(self.path)
            self._sheet_name = sheet.sheet_name
            yield from self._rows(sheet)
            return
        self._binary = self.path.open("rb")
        raw: BinaryIO = self._binary
        if kind.compressed:
            raw = gzip.GzipFile(fileobj=self._binary)  # type: ignore[assignment]
        text = io.TextIOWrapper(raw, encoding=kind.encoding, newline="")
        reader = csv.reader(text, delimiter=kind.delimiter)
        try:
            yield from self._rows(reader)
        except UnicodeDecodeError as exc:
            raise InvalidInput(
                f"{self.path}:{reader.line_num + 1}: the file is not {kind.encoding} text ({exc.reason}); "
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
        blank = 0
        while first is not None and not any(cell.strip() for cell in first):
            first, blank = next(reader, None), blank + 1  # blank lines (or empty sheet rows) above the header
        if first is None:
            raise InvalidInput(f"{self.path}:1: the file is empty")
        first_line = line_reader.line_num  # type: ignore[attr-defined]
        sheet = isinstance(reader, SheetRows)
        if sheet:
            while first and not first[-1].strip():
                first = first[:-1]  # sheets pad rows to the widest one
        names = [normalise_header(c) for c in first]
        pending: list[tuple[int, list[str]]] = []
        self._header_records = 1 + blank
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
            self._header_records = blank
        else:
            self.columns = [self.aliases.get(n, n) for n in names]
        last_line = line_reader.line_num  # type: ignore[attr-defined]
        width = len(self.columns)
        for line, row in pending:
            yield line, row
        for index, row in enumerate(reader):
            line = last_line + 1
            last_line = line_reader.line_num  # type: ignore[attr-defined]
            if sheet:
                row = _fit(row, width)
            if index == 0 and not self.hxl_tags and is_hxl_row(row):
                self.hxl_tags = {c: t.strip() for c, t in zip(self.columns, row, strict=False) if t.strip()}
                self._header_records = 2 + blank
                continue
            if not any(cell.strip() for cell in row):
                continue  # a blank line, or a row of empty cells (",,," or an empty sheet row): no data
            if len(row) != width:
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
        """Yield the data rows as frames of text columns plus ``_line``, ``rows_per_batch`` rows at a time.

        UTF-8 files (plain, or gzip decompressed to a temporary file) are parsed by Polars' multi-threaded
        reader; anything it cannot read exactly (other encodings, rows with too many fields, bad bytes) is
        read, from where Polars stopped, by the standard library's parser, which names every line.
        """
        kind = self.kind
        if kind.kind in SPREADSHEETS or kind.encoding.replace("-", "").lower() not in ("utf8", "utf8sig"):
            yield from self._python_batches(rows_per_batch, on_progress, skip=0)
            return
        with _plain_copy(self.path, kind.compressed) as plain:
            done = 0
            try:
                for frame in self._polars_batches(plain, rows_per_batch, on_progress):
                    done += frame.height
                    yield frame
            except (pl.exceptions.PolarsError, UnicodeDecodeError, OSError):
                yield from self._python_batches(rows_per_batch, on_progress, skip=done)

    def _polars_batches(
        self, plain: Path, rows_per_batch: int, on_progress: Callable[[int], None] | None
    ) -> Iterator[pl.DataFrame]:
        probe = self.open_rows()
        first = next(probe, None)  # reads the header (and HXL row), sets the columns
        probe.close()
        if self._binary is not None:
            self._binary.close()
        if first is None:
            return
        line = first[0]
        names = [f"__column{i}" for i in range(len(self.columns))]
        schema = dict.fromkeys(names, pl.String())
        block = max(rows_per_batch * BYTES_PER_ROW, 4096)
        frame_iter = (
            (
                pl.read_csv(
                    io.BytesIO(chunk),
                    has_header=False,
                    separator=self.kind.delimiter,
                    schema=schema,
                    empty_string_is_null=False,
                    encoding="utf8",
                    raise_if_empty=False,
                ),
                chunk.count(b"\n") + (not chunk.endswith(b"\n")),
            )
            for chunk in record_chunks(plain, self._header_records, block)
        )
        keep: dict[str, str] = {}
        for name, column in zip(names, self.columns, strict=True):
            if column and column not in keep.values():
                keep[name] = column
        width = len(names)
        read_bytes = 0
        for batch, physical_lines in frame_iter:
            if batch.height == 0:
                continue
            if physical_lines == batch.height:  # one line per record: no newline inside a field
                lines = pl.int_range(line, line + batch.height, eager=True).cast(pl.Int64)
                line += batch.height
            else:
                lines, line = _record_lines(batch, names, line)
            empty_first = batch.select(pl.col(names[0]).fill_null("").str.strip_chars() == "").to_series()
            blank = (
                batch.select(
                    pl.all_horizontal(pl.col(n).fill_null("").str.strip_chars() == "" for n in names)
                ).to_series()
                if empty_first.any()  # a blank row has an empty first cell: test the others only then
                else empty_first
            )
            if blank.any():  # rows of empty cells carry no data, as blank lines
                batch, lines = batch.filter(~blank), lines.filter(~blank)
                if batch.height == 0:
                    continue
            short = batch.select(pl.any_horizontal(pl.col(n).is_null() for n in names)).to_series()
            if short.any():
                for row_line, row in zip(lines.filter(short), batch.filter(short).rows(), strict=True):
                    found = sum(1 for v in row if v is not None)
                    self.ragged.append(
                        RowError(
                            self.name,
                            int(row_line),
                            "*",
                            ",".join(v or "" for v in row)[:80],
                            f"expected {width} fields, found {found}",
                        )
                    )
                batch, lines = batch.filter(~short), lines.filter(~short)
            frame = batch.select([pl.col(n).alias(c) for n, c in keep.items()]).with_columns(
                lines.alias(LINE)
            )
            if on_progress:
                read_bytes += (
                    int(
                        batch.select(pl.sum_horizontal(pl.col(n).str.len_bytes() for n in names)).sum().item()
                    )
                    + batch.height * width
                )
                on_progress(min(read_bytes, self.bytes_total))
            yield frame
        if on_progress:
            on_progress(self.bytes_total)

    def _python_batches(
        self, rows_per_batch: int, on_progress: Callable[[int], None] | None, skip: int
    ) -> Iterator[pl.DataFrame]:
        buffer_lines: list[int] = []
        buffer_rows: list[list[str]] = []
        for index, (line, row) in enumerate(self.open_rows()):
            if index < skip:
                continue
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


BYTES_PER_ROW = 400
"""Bytes read per requested row when cutting a file into blocks (an ACLED row is 300-600 bytes)."""


def record_chunks(path: Path, skip_records: int, block: int) -> Iterator[bytes]:
    """The file's bytes after ``skip_records`` records, in blocks of about ``block`` bytes that end on a record
    boundary: a newline outside quotes, found from the parity of the quote characters before it (CSV doubles
    quotes inside quoted fields, so parity is exact). Reads a block at a time: memory stays bounded."""
    carry = b""
    to_skip = skip_records
    with path.open("rb") as handle:
        if handle.read(3) != b"\xef\xbb\xbf":  # a UTF-8 byte-order mark is not data
            handle.seek(0)
        while True:
            data = handle.read(block)
            buffer = carry + data
            if not buffer:
                return
            if to_skip:
                ends = _record_ends(buffer)
                if len(ends) < to_skip and data:
                    carry = buffer
                    continue
                cut = int(ends[to_skip - 1]) + 1 if len(ends) >= to_skip else len(buffer)
                buffer, to_skip = buffer[cut:], 0
            if not data:
                if buffer.strip():
                    yield buffer
                return
            last = _last_record_end(buffer)
            if last < 0:
                carry = buffer
                continue
            cut = last + 1
            if cut:
                yield buffer[:cut]
            carry = buffer[cut:]


def _record_lines(batch: pl.DataFrame, names: list[str], line: int) -> tuple[pl.Series, int]:
    """The line each record of ``batch`` starts on, counting the newlines inside its fields; and the next line."""
    newlines = (
        batch.select(
            pl.sum_horizontal(pl.col(n).str.count_matches("\n", literal=True) for n in names).alias("n")
        )
        .to_series()
        .cast(pl.Int64)
    )
    offsets = newlines.cum_sum() - newlines
    lines = pl.int_range(0, batch.height, eager=True).cast(pl.Int64) + offsets + line
    return lines, int(lines[-1]) + int(newlines[-1]) + 1


def _last_record_end(buffer: bytes) -> int:
    """Position of the last newline in ``buffer`` that ends a record (an even number of quotes before it), or
    -1; the same rule as ``_record_ends``, searched from the end (usually the first newline tried)."""
    end = buffer.rfind(b"\n")
    for _ in range(8):
        if end < 0 or buffer.count(b'"', 0, end) % 2 == 0:
            return end
        end = buffer.rfind(b"\n", 0, end)
    ends = _record_ends(buffer[:end])  # many quoted newlines at the end: count them all at once
    return int(ends[-1]) if len(ends) else -1


def _record_ends(buffer: bytes) -> npt.NDArray[np.int64]:
    """Positions of the newlines in ``buffer`` that end a record (an even number of quotes before them)."""
    raw = np.frombuffer(buffer, dtype=np.uint8)
    newlines = np.flatnonzero(raw == 10)
    quotes = np.flatnonzero(raw == 34)  # 34 is '"'
    if len(quotes) == 0:
        return newlines
    ends: npt.NDArray[np.int64] = newlines[np.searchsorted(quotes, newlines) % 2 == 0]  # quotes before each
    return ends


def _fit(row: list[str], width: int) -> list[str]:
    """A sheet row cut or padded to the header's width when the cells beyond it are empty."""
    if len(row) < width:
        return row + [""] * (width - len(row))
    if len(row) > width and not any(cell.strip() for cell in row[width:]):
        return row[:width]
    return row


@contextmanager
def _plain_copy(path: Path, compressed: bool) -> Iterator[Path]:
    """The file itself, or for gzip a decompressed temporary copy (streamed: memory stays bounded)."""
    if not compressed:
        yield path
        return
    with tempfile.TemporaryDirectory(prefix="pochub-import-") as folder:
        plain = Path(folder) / (path.stem if path.suffix == ".gz" else path.name)
        try:
            with gzip.open(path, "rb") as source, plain.open("wb") as target:
                shutil.copyfileobj(source, target, 1 << 20)
        except (OSError, EOFError) as exc:
            raise InvalidInput(f"{path}: cannot decompress: {exc}") from exc
        yield plain


class Table(Protocol):
    """What the format readers check of any table they read: a ``CsvTable``, or another reader offering its
    interface (``event_geojson.GeoJsonTable``), so this shared module imports no format reader."""

    @property
    def path(self) -> Path:
        """The file read."""

    @property
    def columns(self) -> list[str]:
        """The table's column names."""


def require_columns(table: Table, required: list[str], format_name: str) -> None:
    """Raise InvalidInput naming the missing columns of a format, with line 1 of the file."""
    missing = [c for c in required if c not in table.columns]
    if missing:
        raise InvalidInput(
            f"{table.path}:1: not a {format_name} file: missing column(s) {', '.join(missing)} "
            f"(found: {', '.join(table.columns[:40])})"
        )

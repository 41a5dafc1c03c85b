"""The table reader gives back exactly the cells that were written, whatever the delimiter, encoding or spreadsheet
form: a property over random tables (quotes, delimiters, newlines and accents inside cells)."""

from __future__ import annotations

import csv
import io
import tempfile
from pathlib import Path

import polars as pl
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pochub.ingest._csv import LINE, CsvTable
from tests.ingest.test_file_formats import to_xlsx

CELL = st.text(alphabet=st.sampled_from([*"abcXYZ019 ,;\t|\"'.-éçàœ€ñ", "\n"]), min_size=0, max_size=12).map(
    str.strip
)
HEADER = ["alpha", "beta", "gamma", "delta"]
TABLE = st.lists(st.lists(CELL, min_size=4, max_size=4), min_size=1, max_size=25).filter(
    lambda rows: any(any(cell for cell in row) for row in rows)  # a table that is not blank
)


def read_back(path: Path) -> tuple[list[list[str]], str]:
    table = CsvTable(path, known_columns=frozenset(HEADER))
    frames = list(table.batches(7))
    frame = pl.concat(frames) if frames else pl.DataFrame()
    rows = [list(r) for r in frame.drop(LINE).rows()] if frame.height else []
    return rows, table.read_as


def non_blank(rows: list[list[str]]) -> list[list[str]]:
    return [r for r in rows if any(cell.strip() for cell in r)]


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    rows=TABLE,
    delimiter=st.sampled_from([",", ";", "\t"]),
    encoding=st.sampled_from(["utf-8", "utf-8-sig", "utf-16", "utf-16-le", "utf-16-be", "cp1252"]),
)
def test_delimited_text_reads_back_the_cells_written(
    rows: list[list[str]], delimiter: str, encoding: str
) -> None:
    buffer = io.StringIO()
    csv.writer(buffer, delimiter=delimiter, lineterminator="\r\n").writerows([HEADER, *rows])
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "t.csv"
        path.write_bytes(buffer.getvalue().encode(encoding))
        got, read_as = read_back(path)
    assert got == non_blank(rows)
    assert {",": "comma", ";": "semicolon", "\t": "tab"}[delimiter] in read_as


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(rows=TABLE)
def test_xlsx_reads_back_the_cells_written(rows: list[list[str]]) -> None:
    text_rows = [["t" + cell if cell else cell for cell in row] for row in rows]  # kept as text cells
    with tempfile.TemporaryDirectory() as folder:
        got, read_as = read_back(to_xlsx(Path(folder) / "t.xlsx", [HEADER, *text_rows]))
    assert got == non_blank(text_rows)
    assert read_as.startswith("XLSX workbook")

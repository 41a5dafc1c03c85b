"""Files as people have them: every real event file of ../shared/data, converted on the fly into the forms an
analyst's colleagues send (XLSX, XLS, ODS, UTF-16, cp1252, semicolon-separated with decimal commas from a
French-locale Excel, tab-separated), reads into the same events as the original; other files are named for what
they are; numeric dates are read in the file's own day/month order or refused when it cannot be told.

ODS files are written with odfpy, which is slow: they hold the first 300 rows of each file, the other forms the
whole file.
"""

from __future__ import annotations

import csv
import datetime as dt
import gzip
import io
import re
from collections.abc import Callable
from pathlib import Path

import polars as pl
import pytest
import xlsxwriter
import xlwt
from odf.opendocument import OpenDocumentSpreadsheet
from odf.table import Table, TableCell, TableRow
from odf.text import P

from pochub.errors import InvalidInput, RowError
from pochub.ingest._csv import LINE
from pochub.ingest.acled import ACLED
from pochub.ingest.events import EventFormat, ImportOptions, read_events
from pochub.ingest.hxl import HXL
from pochub.ingest.ucdp import UCDP
from tests.conftest import shared_file

EVENT_FILES: list[tuple[str, EventFormat]] = [
    ("acled-legacy-perse/ACLED_AllSudan_00_14.csv", ACLED),
    ("acled-legacy-perse/ACLED_CAR_00_14.csv", ACLED),
    ("acled-legacy-perse/ACLED_DRC_97_14.csv", ACLED),
    ("acled-legacy-perse/ACLED_SouthSudan_11_14.csv", ACLED),
    ("acled-mali/acled_mali_2017-01-01_2019-02-27.csv", ACLED),
    ("acled-mali/conflict_data_mli_hdx.csv", ACLED),
    ("acled-mali/conflict_data_mli_hdx.csv", HXL),
    ("ucdp-ged-ssd-hdx/conflict_data_ssd.csv", UCDP),
    ("ucdp-ged-syria/ged_syria_20160101_20191130.csv.gz", UCDP),
]
NUMBER = re.compile(r"^-?(0|[1-9]\d{0,14})(\.\d+)?$")
ISO_DAY = re.compile(r"^\d{4}-\d{2}-\d{2}$")
ODS_ROWS = 300

Rows = list[list[str]]


def source_rows(path: Path) -> Rows:
    data = gzip.decompress(path.read_bytes()) if path.suffix == ".gz" else path.read_bytes()
    return list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline="")))


def write_text(path: Path, rows: Rows, encoding: str = "utf-8", delimiter: str = ",") -> Path:
    buffer = io.StringIO()
    csv.writer(buffer, delimiter=delimiter, lineterminator="\r\n").writerows(rows)
    path.write_bytes(buffer.getvalue().encode(encoding))
    return path


def cell(value: str) -> object:
    """A cell as a spreadsheet holds it: numbers as numbers, ISO days as dates, the rest as text."""
    if NUMBER.match(value):
        number = float(value)
        return int(number) if "." not in value else number
    if ISO_DAY.match(value):
        return dt.datetime.strptime(value, "%Y-%m-%d")
    return value


def to_xlsx(path: Path, rows: Rows) -> Path:
    workbook = xlsxwriter.Workbook(str(path), {"strings_to_urls": False})
    sheet, day = workbook.add_worksheet("events"), workbook.add_format({"num_format": "yyyy-mm-dd"})
    for r, row in enumerate(rows):
        for c, value in enumerate(row):
            v = cell(value) if r else value
            if isinstance(v, dt.datetime):
                sheet.write_datetime(r, c, v, day)
            elif isinstance(v, str):
                sheet.write_string(r, c, v)
            else:
                sheet.write_number(r, c, v)  # type: ignore[arg-type]
    workbook.close()
    return path


def to_xls(path: Path, rows: Rows) -> Path:
    workbook = xlwt.Workbook(encoding="utf-8")
    sheet, day = workbook.add_sheet("events"), xlwt.easyxf(num_format_str="YYYY-MM-DD")
    for r, row in enumerate(rows):
        for c, value in enumerate(row):
            v = cell(value) if r else value
            if isinstance(v, dt.datetime):
                sheet.write(r, c, v, day)
            else:
                sheet.write(r, c, v[:32767] if isinstance(v, str) else v)
    workbook.save(str(path))
    return path


def to_ods(path: Path, rows: Rows) -> Path:
    document = OpenDocumentSpreadsheet()
    table = Table(name="events")
    for r, row in enumerate(rows):
        table_row = TableRow()
        for value in row:
            v = cell(value) if r else value
            if isinstance(v, dt.datetime):
                table_cell = TableCell(valuetype="date", datevalue=v.date().isoformat())
            elif isinstance(v, str):
                table_cell = TableCell(valuetype="string")
            else:
                table_cell = TableCell(valuetype="float", value=v)
            table_cell.addElement(P(text=value))
            table_row.addElement(table_cell)
        table.addElement(table_row)
    document.spreadsheet.addElement(table)
    document.save(str(path))
    return path


def french_excel(rows: Rows) -> Rows:
    """Decimal commas, as a French-locale Excel writes them (hence the semicolons)."""
    return [rows[0]] + [[v.replace(".", ",") if NUMBER.match(v) else v for v in row] for row in rows[1:]]


def in_cp1252(rows: Rows) -> Rows:
    """The text a cp1252 file can hold (characters outside it become '?', as Excel does)."""
    return [[v.encode("cp1252", "replace").decode("cp1252") for v in row] for row in rows]


def without_bom_characters(rows: Rows) -> Rows:
    """The rows without stray U+FEFF inside cells (one Syrian headline has one): XLS cells lose them."""
    return [[v.replace("\ufeff", "") for v in row] for row in rows]


Variant = Callable[[Path, Rows], tuple[Path, Rows, str]]
"""Writes a variant of ``rows`` into a folder: (file, the rows it holds as UTF-8 CSV text, expected read_as)."""

VARIANTS: dict[str, Variant] = {
    "xlsx": lambda d, rows: (to_xlsx(d / "f.xlsx", rows), rows, "XLSX workbook, sheet 'events'"),
    "xls": lambda d, rows: (
        to_xls(d / "f.xls", without_bom_characters(rows)),
        without_bom_characters(rows),
        "XLS workbook, sheet 'events'",
    ),
    "ods": lambda d, rows: (to_ods(d / "f.ods", rows[: ODS_ROWS + 1]), rows[: ODS_ROWS + 1], "ODS workbook"),
    "utf-16": lambda d, rows: (write_text(d / "f.csv", rows, "utf-16"), rows, "CSV, UTF-16, comma-separated"),
    "utf-16-be": lambda d, rows: (
        write_text(d / "f.csv", rows, "utf-16-be"),
        rows,
        "CSV, UTF-16 BE, comma-separated",
    ),
    "cp1252": lambda d, rows: (
        write_text(d / "f.csv", in_cp1252(rows), "cp1252"),
        in_cp1252(rows),
        "CSV, UTF-8, comma-separated"  # plain ASCII is both
        if all(v.isascii() for row in rows for v in row)
        else "CSV, Windows-1252 (cp1252), comma-separated",
    ),
    "semicolon": lambda d, rows: (
        write_text(d / "f.csv", french_excel(rows), "utf-8-sig", ";"),
        rows,
        "CSV, UTF-8 (with byte-order mark), semicolon-separated",
    ),
    "tab": lambda d, rows: (write_text(d / "f.tsv", rows, "utf-8", "\t"), rows, "TSV, UTF-8, tab-separated"),
}


def read(path: Path, fmt: EventFormat, **options: object) -> tuple[pl.DataFrame, list[RowError], str]:
    frames, errors, read_as = [], [], ""
    for batch in read_events(path, fmt, ImportOptions(**options)):  # type: ignore[arg-type]
        frames.append(batch.events)
        errors += batch.errors
        read_as = batch.read_as
    return pl.concat(frames).drop("raw", LINE).sort("source_id"), errors, read_as


@pytest.mark.parametrize("variant", list(VARIANTS))
@pytest.mark.parametrize(("name", "fmt"), EVENT_FILES, ids=[f"{f.name}:{n}" for n, f in EVENT_FILES])
def test_every_event_file_reads_the_same_in_every_form(
    name: str, fmt: EventFormat, variant: str, tmp_path: Path
) -> None:
    rows = source_rows(shared_file(name))
    converted, holds, read_as = VARIANTS[variant](tmp_path, rows)
    reference = write_text(tmp_path / "reference.csv", holds)
    expected, expected_errors, _ = read(reference, fmt)
    got, errors, how = read(converted, fmt)
    assert how.startswith(read_as)
    assert [(e.column, e.reason) for e in errors] == [(e.column, e.reason) for e in expected_errors]
    assert got.height == expected.height > 0
    differ = [c for c in expected.columns if not got[c].equals(expected[c])]
    assert differ == [], got.filter(
        pl.any_horizontal(pl.col(c).ne_missing(expected[c]) for c in differ)
    ).head(3)


def test_a_png_renamed_csv_is_named_for_what_it_is(tmp_path: Path) -> None:
    png = tmp_path / "events.csv"
    png.write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4)
    with pytest.raises(InvalidInput, match="this is a PNG image, not a table") as caught:
        list(read_events(png, ACLED, ImportOptions()))
    assert "encoding" not in str(caught.value)


@pytest.mark.parametrize(
    ("head", "what"),
    [
        (b"%PDF-1.7\n", "a PDF document"),
        (b"\xff\xd8\xff\xe0\x00\x10JFIF", "a JPEG image"),
        (b"II*\x00\x08\x00", "a TIFF image"),
    ],
)
def test_other_files_are_named(tmp_path: Path, head: bytes, what: str) -> None:
    path = tmp_path / "events.csv"
    path.write_bytes(head + b"\x00\x01\x02" * 100)
    with pytest.raises(InvalidInput, match=what):
        list(read_events(path, UCDP, ImportOptions()))


def test_a_zip_that_is_not_a_spreadsheet(tmp_path: Path) -> None:
    import zipfile

    path = tmp_path / "events.xlsx"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("events.csv", "a,b\n1,2\n")
    with pytest.raises(InvalidInput, match="a ZIP archive that is not a spreadsheet"):
        list(read_events(path, ACLED, ImportOptions()))


def test_real_pdf_and_raster_of_the_shared_data_are_named() -> None:
    for name, what in (
        ("un-pko-missions/UNPMM_V2.0_Codebook.pdf", "a PDF document"),
        ("population-gpw-kivu/gpw_v4_popcount_kivu_region_30s.tif", "a TIFF image"),
    ):
        with pytest.raises(InvalidInput, match=what):
            list(read_events(shared_file(name), ACLED, ImportOptions()))


UCDP_HEADER = ["id", "type_of_violence", "latitude", "longitude", "date_start", "date_end", "best"]


def ucdp_rows(dates: list[str]) -> Rows:
    return [UCDP_HEADER] + [[f"U{i}", "3", "1.5", "29.1", d, d, "2"] for i, d in enumerate(dates)]


def test_day_first_and_month_first_files_are_read_in_their_own_order(tmp_path: Path) -> None:
    day_first = write_text(tmp_path / "d.csv", ucdp_rows(["02/03/2020", "25/03/2020"]))
    month_first = write_text(tmp_path / "m.csv", ucdp_rows(["03/02/2020", "03/25/2020"]))
    for path in (day_first, month_first):
        events, errors, _ = read(path, UCDP)
        assert errors == []
        assert events["event_date"].to_list() == [dt.date(2020, 3, 2), dt.date(2020, 3, 25)]


def test_a_file_whose_days_are_all_twelve_or_less_is_refused_naming_the_option(tmp_path: Path) -> None:
    path = write_text(tmp_path / "a.csv", ucdp_rows(["02/03/2020", "11/12/2020", "2020-05-30"]))
    with pytest.raises(InvalidInput, match="--date-format") as caught:
        read(path, UCDP)
    assert f"{path}:2: column 'date_start'" in str(caught.value)
    events, errors, _ = read(path, UCDP, date_format="%m/%d/%Y")
    assert events["event_date"].to_list()[:1] == [dt.date(2020, 2, 3)]
    assert {e.line for e in errors} == {4}  # the ISO row, not in the given format
    assert all("--date-format" in e.reason for e in errors)


def test_the_order_is_found_from_the_whole_file_not_the_first_batch(tmp_path: Path) -> None:
    dates = ["01/02/2020"] * 30 + ["28/02/2020"]
    path = write_text(tmp_path / "late.csv", ucdp_rows(dates))
    events, errors, _ = read(path, UCDP, batch_rows=7)
    assert errors == [] and events["event_date"].min() == dt.date(2020, 2, 1)


def test_both_orders_in_one_file_are_refused(tmp_path: Path) -> None:
    path = write_text(tmp_path / "both.csv", ucdp_rows(["25/03/2020", "03/25/2020"]))
    with pytest.raises(
        InvalidInput, match=r"day first but line 3 .* month first; give the format with --date-format"
    ):
        read(path, UCDP)


def test_iso_and_month_names_are_not_ambiguous(tmp_path: Path) -> None:
    path = write_text(tmp_path / "iso.csv", ucdp_rows(["2020-02-03", "2020-01-01"]))
    assert read(path, UCDP)[1] == []


def test_every_date_error_names_the_option(tmp_path: Path) -> None:
    path = write_text(tmp_path / "bad.csv", ucdp_rows(["2020-02-30", "soon"]))
    _, errors, _ = read(path, UCDP)
    assert errors and all("--date-format" in e.reason for e in errors)

"""HXL-tagged CSV tables for partners (alerts, action points): a header row of column names, the HXL hashtag row
under it (as HDX files carry it), then one row per record; every cell a spreadsheet would run as a formula is
written with a leading apostrophe (``spreadsheet_cells``)."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Mapping, Sequence
from datetime import date, datetime
from typing import Any

from pochub.documents.spreadsheet_cells import neutralised_row

Columns = Sequence[tuple[str, str]]
"""(column name, HXL hashtag with its attributes), in the table's order."""


def cell(value: Any) -> str:
    """One value as CSV text: ISO dates and times, true/false, empty for missing."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, date | datetime):
        return value.isoformat()
    return str(value)


def hxl_csv(columns: Columns, rows: Iterable[Mapping[str, Any]], *, tags: bool = True) -> str:
    """The rows under the column names and (``tags``) the hashtag row; a plain CSV without it."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow([name for name, _ in columns])
    if tags:
        writer.writerow([tag for _, tag in columns])
    for row in rows:
        writer.writerow(neutralised_row(cell(row.get(name)) for name, _ in columns))
    return buffer.getvalue()

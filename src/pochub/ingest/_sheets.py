"""Rows of a spreadsheet (XLSX, XLS, ODS) as text, through calamine (python-calamine), for the tabular readers.

Cells become the text a CSV export would hold: whole numbers without ".0", dates in ISO order (a date cell is never
ambiguous), booleans as true/false. The first sheet that holds any cell is read.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from python_calamine import CalamineError, CalamineWorkbook

from pochub.errors import InvalidInput


def cell_text(value: object) -> str:
    """A cell's value as the text a CSV file would hold."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() and abs(value) < 2**63 else repr(value)
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time() else value.isoformat(sep=" ")
    if isinstance(value, dt.date | dt.time):
        return value.isoformat()
    return str(value)


class SheetRows:
    """Iterates a workbook's first non-empty sheet as lists of text; ``line_num`` is the sheet row last read."""

    def __init__(self, path: Path) -> None:
        """Open the workbook and choose its sheet."""
        try:
            workbook = CalamineWorkbook.from_path(str(path))
            self.sheet_name = ""
            rows: list[list[Any]] = []
            for name in workbook.sheet_names:
                rows = workbook.get_sheet_by_name(name).to_python(skip_empty_area=False)
                if any(any(cell not in ("", None) for cell in row) for row in rows):
                    self.sheet_name = name
                    break
        except (CalamineError, OSError, ValueError) as exc:
            raise InvalidInput(f"{path}: cannot read the workbook: {exc}") from exc
        if not self.sheet_name:
            raise InvalidInput(f"{path}:1: the workbook has no sheet with data")
        self._rows = rows
        self.line_num = 0

    def __iter__(self) -> Iterator[list[str]]:
        return self

    def __next__(self) -> list[str]:
        if self.line_num >= len(self._rows):
            raise StopIteration
        row = self._rows[self.line_num]
        self.line_num += 1
        return [cell_text(v) for v in row]

"""Cells of the CSV and XLSX files PoC Hub writes: text from data never becomes a formula.

Names, notes and messages come from imported files and from communities' texts. A spreadsheet opening an export
reads a cell that starts with ``=``, ``+``, ``-`` or ``@`` as a formula (``=HYPERLINK(...)`` sends the reader's
data elsewhere; tab and carriage return lead some programs into the same), so such text is written with a
leading apostrophe, which spreadsheets show as plain text (OWASP's CSV injection advice). Numbers, including
negative coordinates written as text, are left as they are.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Any

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
"""First characters a spreadsheet may read as the start of a formula."""
_NUMBER = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?")


def neutralised(value: Any) -> Any:
    """``value``, with a leading apostrophe when it is text a spreadsheet would read as a formula."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS) and not _NUMBER.fullmatch(value):
        return "'" + value
    return value


def neutralised_row(values: Iterable[Any]) -> list[Any]:
    """Every cell of a row, neutralised."""
    return [neutralised(value) for value in values]


def neutralised_record(record: Mapping[str, Any]) -> dict[str, Any]:
    """Every value of a row given by column name, neutralised."""
    return {name: neutralised(value) for name, value in record.items()}

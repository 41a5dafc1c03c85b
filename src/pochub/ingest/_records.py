"""The account of a places or capacities table: the valid records, and for every other row why it is not one.

Every row of a file ends up in exactly one place: a record, a rejected row (invalid: refused, or left out with
``--skip-invalid`` and written to the rejects file), or a row left out on purpose with its reason (a proposed
road link is not a road).
"""

from __future__ import annotations

import csv
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Generic, TypeVar

from pochub.errors import InvalidRows, RowError

T = TypeVar("T")


@dataclass
class Records(Generic[T]):
    """Records read from one file, with the account of every row."""

    file: str
    records: list[T] = field(default_factory=list)
    rows_read: int = 0
    errors: list[RowError] = field(default_factory=list)
    """Every error of the invalid rows (a row may have several)."""
    left_out: Counter[str] = field(default_factory=Counter)
    """Rows not meant to be imported, by reason."""
    warnings: list[str] = field(default_factory=list)
    read_as: str = ""

    @property
    def rejected(self) -> int:
        """Invalid rows (distinct lines with an error)."""
        return len({e.line for e in self.errors})

    def checked(self, skip_invalid: bool) -> Records[T]:
        """Self when every row is valid or invalid rows may be left out; else InvalidRows naming them all."""
        if self.errors and not skip_invalid:
            ordered = sorted(self.errors, key=lambda e: e.line)
            raise InvalidRows(ordered, len(ordered), file=self.file)
        return self

    def left_out_text(self) -> tuple[str, ...]:
        """The rows left out on purpose, as "481: proposed link (add=true), not a road"."""
        return tuple(f"{count}: {reason}" for reason, count in sorted(self.left_out.items()))


def write_rejects(path: Path, errors: list[RowError]) -> None:
    """The rejected rows with their reasons, one error a line (CSV: line, column, value, reason)."""
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["line", "column", "value", "reason"])
        writer.writerows([e.line, e.column, e.value, e.reason] for e in sorted(errors, key=lambda e: e.line))

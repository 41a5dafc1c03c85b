"""The event-import stream shared by every event format: read -> normalise -> validate, batch by batch.

A format supplies its column vocabulary and a ``normalise`` function that turns a batch of text columns into
event columns plus the checks that reject bad rows. De-duplication and storing happen downstream
(``pochub.services.imports``).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path

import polars as pl

from pochub.errors import InvalidInput, RowError
from pochub.ingest._columns import (
    DATE_FORMAT_HINT,
    DAY_FIRST,
    MONTH_FIRST,
    Check,
    conform,
    numeric_date_parts,
    prefix_raw,
    run_checks,
)
from pochub.ingest._csv import LINE, CsvTable, require_columns
from pochub.ingest.event_geojson import GeoJsonTable


@dataclass(frozen=True)
class ImportOptions:
    """What the user may set for an import."""

    source_grade: str | None = None
    date_format: str | None = None
    encoding: str = "auto"
    """The text encoding, or "auto" to detect it."""
    batch_rows: int = 20_000
    source_name: str | None = None
    """For HXL files whose rows name no dataset: the source to store them under (default ``hxl``)."""
    day_first: bool | None = None
    """The order of day and month in the file's numeric dates (06/12/2022), found from the whole file when
    ``date_format`` is not given; None when the file has no numeric dates."""


Normaliser = Callable[[pl.DataFrame, ImportOptions], tuple[pl.DataFrame, list[Check]]]


@dataclass(frozen=True)
class EventFormat:
    """A tabular event format: its columns and how to read its rows into events."""

    name: str
    required: tuple[str, ...]
    normalise: Normaliser
    known_columns: frozenset[str] = frozenset()
    aliases: dict[str, str] = field(default_factory=dict)
    default_header: tuple[str, ...] = ()
    resolve: Callable[[CsvTable | GeoJsonTable], EventFormat] | None = None
    """For formats whose columns are found from the header (HXL): the concrete format for an open table."""
    date_columns: tuple[str, ...] = ()
    """The file's date columns, whose numeric dates must agree on one day/month order."""


@dataclass(frozen=True)
class EventBatch:
    """One batch of events that passed validation, the errors of the rows that did not, and rows read."""

    events: pl.DataFrame
    errors: list[RowError]
    rows_read: int
    read_as: str = ""
    """How the file was read (format, encoding, delimiter), for the summary."""


def read_events(
    path: Path,
    fmt: EventFormat,
    options: ImportOptions,
    on_progress: Callable[[int, int], None] | None = None,
) -> Iterator[EventBatch]:
    """Stream a file of ``fmt`` as validated event batches, with bounded memory."""
    table = _open(path, fmt, options)
    progress = (lambda done: on_progress(done, table.bytes_total)) if on_progress else None
    checked = False
    reported_ragged = 0
    for frame in table.batches(options.batch_rows, progress):
        if not checked:
            fmt = fmt.resolve(table) if fmt.resolve else fmt
            require_columns(table, list(fmt.required), fmt.name)
            checked = True
        if options.date_format is None and options.day_first is None and _numeric_dates(frame, fmt):
            options = replace(options, day_first=date_order(path, fmt, options))
        normalised, checks = fmt.normalise(prefix_raw(frame), options)
        ok, errors = run_checks(normalised, checks, table.name)
        ragged = table.ragged[reported_ragged:]
        reported_ragged = len(table.ragged)
        yield EventBatch(
            conform(normalised.filter(ok)), ragged + errors, frame.height + len(ragged), _read_as(table)
        )
    if not checked:
        fmt = fmt.resolve(table) if fmt.resolve else fmt
        require_columns(table, list(fmt.required), fmt.name)
    if len(table.ragged) > reported_ragged:
        yield EventBatch(
            conform(pl.DataFrame()),
            table.ragged[reported_ragged:],
            len(table.ragged) - reported_ragged,
            _read_as(table),
        )


def _read_as(table: CsvTable | GeoJsonTable) -> str:
    return table.read_as if isinstance(table, CsvTable) else "GeoJSON"


def _open(path: Path, fmt: EventFormat, options: ImportOptions) -> CsvTable | GeoJsonTable:
    if path.suffix.lower() in (".geojson", ".json"):
        return GeoJsonTable(path)
    return CsvTable(
        path,
        known_columns=fmt.known_columns | frozenset(fmt.required),
        default_header=fmt.default_header,
        aliases=fmt.aliases,
        encoding=options.encoding,
    )


def _numeric_dates(frame: pl.DataFrame, fmt: EventFormat) -> bool:
    columns = [c for c in fmt.date_columns if c in frame.columns]
    return bool(columns) and bool(
        frame.select(
            pl.any_horizontal(numeric_date_parts(pl.col(c))[0].is_not_null().any() for c in columns)
        ).item()
    )


def date_order(path: Path, fmt: EventFormat, options: ImportOptions) -> bool:
    """Whether the file's numeric dates are day first (True) or month first (False), from all of its rows.

    A file where a first number is above 12 is day first, a second number above 12 month first; a file where
    every day and month is 12 or less cannot be told and is refused, as is a file with both: a guess would
    swap day and month silently."""
    table = _open(path, fmt, options)
    first_above: tuple[int, str, str] | None = None
    second_above: tuple[int, str, str] | None = None
    example: tuple[int, str, str] | None = None
    for frame in table.batches(options.batch_rows):
        for column in (c for c in fmt.date_columns if c in frame.columns):
            one, two = numeric_date_parts(pl.col(column))
            parts = frame.select(pl.col(LINE), pl.col(column), one.alias("a"), two.alias("b")).filter(
                pl.col("a").is_not_null()
            )
            if parts.height == 0:
                continue
            example = example or (parts[LINE][0], column, parts[column][0])
            if first_above is None and (above := parts.filter(pl.col("a") > 12)).height:
                first_above = (above[LINE][0], column, above[column][0])
            if second_above is None and (above := parts.filter(pl.col("b") > 12)).height:
                second_above = (above[LINE][0], column, above[column][0])
    if first_above and second_above:
        raise InvalidInput(
            f"{path}:{first_above[0]}: column {first_above[1]!r}: {first_above[2]!r} is day first but line "
            f"{second_above[0]} has {second_above[2]!r}, month first; {DATE_FORMAT_HINT}"
        )
    if first_above:
        return True
    if second_above:
        return False
    if example is None:
        return True
    raise InvalidInput(
        f"{path}:{example[0]}: column {example[1]!r}: in every numeric date such as {example[2]!r} day and month "
        f"are both 12 or less, so which comes first cannot be told; give it with --date-format {DAY_FIRST} "
        f"(day first) or --date-format {MONTH_FIRST} (month first)"
    )

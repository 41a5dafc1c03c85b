"""The event-import stream shared by every event format: read -> normalise -> validate, batch by batch.

A format supplies its column vocabulary and a ``normalise`` function that turns a batch of text columns into
event columns plus the checks that reject bad rows. De-duplication and storing happen downstream
(``pochub.services.imports``).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import polars as pl

from pochub.errors import RowError
from pochub.ingest._columns import Check, conform, prefix_raw, run_checks
from pochub.ingest._csv import CsvTable, require_columns
from pochub.ingest.event_geojson import GeoJsonTable


@dataclass(frozen=True)
class ImportOptions:
    """What the user may set for an import."""

    source_grade: str | None = None
    date_format: str | None = None
    encoding: str = "utf-8-sig"
    batch_rows: int = 20_000
    source_name: str | None = None
    """For HXL files whose rows name no dataset: the source to store them under (default ``hxl``)."""


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


@dataclass(frozen=True)
class EventBatch:
    """One batch of events that passed validation, the errors of the rows that did not, and rows read."""

    events: pl.DataFrame
    errors: list[RowError]
    rows_read: int


def read_events(
    path: Path,
    fmt: EventFormat,
    options: ImportOptions,
    on_progress: Callable[[int, int], None] | None = None,
) -> Iterator[EventBatch]:
    """Stream a file of ``fmt`` as validated event batches, with bounded memory."""
    table: CsvTable | GeoJsonTable
    if path.suffix.lower() in (".geojson", ".json"):
        table = GeoJsonTable(path)
    else:
        table = CsvTable(
            path,
            known_columns=fmt.known_columns | frozenset(fmt.required),
            default_header=fmt.default_header,
            aliases=fmt.aliases,
            encoding=options.encoding,
        )
    progress = (lambda done: on_progress(done, table.bytes_total)) if on_progress else None
    checked = False
    reported_ragged = 0
    for frame in table.batches(options.batch_rows, progress):
        if not checked:
            fmt = fmt.resolve(table) if fmt.resolve else fmt
            require_columns(table, list(fmt.required), fmt.name)
            checked = True
        normalised, checks = fmt.normalise(prefix_raw(frame), options)
        ok, errors = run_checks(normalised, checks, table.name)
        ragged = table.ragged[reported_ragged:]
        reported_ragged = len(table.ragged)
        yield EventBatch(conform(normalised.filter(ok)), ragged + errors, frame.height + len(ragged))
    if not checked:
        fmt = fmt.resolve(table) if fmt.resolve else fmt
        require_columns(table, list(fmt.required), fmt.name)
    if len(table.ragged) > reported_ragged:
        yield EventBatch(
            conform(pl.DataFrame()), table.ragged[reported_ragged:], len(table.ragged) - reported_ragged
        )

"""The `pochub` command: database, imports, summaries, exports, the demo mission and the server.

Exit codes: 0 success, 1 invalid input (or any PoC Hub error), 2 usage error.
"""

from __future__ import annotations

import os

# the optimisers' BLAS calls are tiny: threads only contend for the cores (set before NumPy loads)
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import functools
import json
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

import numpy as np
import typer
from rich.console import Console
from rich.progress import BarColumn, DownloadColumn, Progress, TextColumn, TimeRemainingColumn
from rich.table import Table
from sqlalchemy import Engine

from pochub.config import Settings, settings_help
from pochub.errors import InvalidInput, PocHubError

app = typer.Typer(
    help="PoC Hub: protection of civilians in peacekeeping.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)
db_app = typer.Typer(help="Create or migrate the database.", no_args_is_help=True)
import_app = typer.Typer(help="Import files in the field's formats.", no_args_is_help=True)
events_app = typer.Typer(help="Look at the stored events.", no_args_is_help=True)
export_app = typer.Typer(help="Export stored data in the field's formats.", no_args_is_help=True)
app.add_typer(db_app, name="db")
app.add_typer(import_app, name="import")
app.add_typer(events_app, name="events")
app.add_typer(export_app, name="export")
threats_app = typer.Typer(help="The PoC threat matrix: analysts' overrides.", no_args_is_help=True)
forecast_app = typer.Typer(
    help="Forecasts of violence against civilians, and their honest evaluation.", no_args_is_help=True
)
app.add_typer(forecast_app, name="forecast")
app.add_typer(threats_app, name="threats")

out = Console()
err = Console(stderr=True)
if not out.is_terminal:  # pipes and files get wide tables rather than 80 columns
    out = Console(width=200)


class OutputFormat(StrEnum):
    """How a command prints its result."""

    table = "table"
    csv = "csv"
    json = "json"


class ExportFormat(StrEnum):
    """Event export formats."""

    csv = "csv"
    hxl = "hxl"
    geojson = "geojson"


class State:
    """Options shared by every command."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self._engine: Engine | None = None

    def engine(self, create: bool = True) -> Engine:
        """The database engine; an empty database gets the schema on first use."""
        from pochub.store.database import connect, ensure_schema

        if self._engine is None:
            self._engine = connect(self.settings.database_url)
            if create:
                ensure_schema(self._engine)
        return self._engine

    def close(self) -> None:
        """Release the database connections when the command ends (in-process runs must not leak them)."""
        if self._engine is not None:
            self._engine.dispose()
            self._engine = None


def state(ctx: typer.Context) -> State:
    """The shared options of the running command."""
    return ctx.ensure_object(State)


@app.callback()
def main_options(
    ctx: typer.Context,
    database: Annotated[
        str | None,
        typer.Option(
            "--database", help="Database URL (default: POCHUB_DATABASE_URL, else sqlite:///pochub.db)."
        ),
    ] = None,
) -> None:
    """PoC Hub: evidence, threats, capacities, response, coordination and training for PoC."""
    settings = Settings() if database is None else Settings(database_url=database)
    ctx.obj = State(settings)
    ctx.call_on_close(ctx.obj.close)


@app.command("settings")
def show_settings() -> None:
    """List the settings (POCHUB_* environment variables) with their defaults."""
    for variable, default, meaning in settings_help():
        print(f"{variable}={default}\n    {meaning}")


@db_app.command("upgrade")
def db_upgrade(ctx: typer.Context) -> None:
    """Create the schema, or migrate it to the newest revision."""
    from pochub.store.database import current_revision, upgrade

    engine = state(ctx).engine(create=False)
    upgrade(engine)
    err.print(f"database at revision {current_revision(engine)}")


@db_app.command("current")
def db_current(ctx: typer.Context) -> None:
    """Print the schema revision of the database."""
    from pochub.store.database import current_revision

    print(current_revision(state(ctx).engine(create=False)) or "empty")


@contextmanager
def progress_bar(label: str) -> Iterator[Callable[[int, int], None]]:
    """A progress bar over bytes read, on stderr."""
    with Progress(
        TextColumn(label),
        BarColumn(),
        DownloadColumn(),
        TimeRemainingColumn(),
        console=err,
        transient=True,
        disable=not err.is_terminal,
    ) as progress:
        task = progress.add_task(label, total=None)

        def update(done: int, total: int) -> None:
            progress.update(task, completed=done, total=total)

        yield update


SUMMARY_LABELS = {"older": "older than stored, kept"}
"""Summary rows whose key alone would not say what they count."""


def print_summary(summary: dict[str, Any], output: OutputFormat) -> None:
    """Print an import's closing summary as a table or JSON."""
    if output == OutputFormat.json:
        print(json.dumps(summary))
        return
    table = Table(
        title=f"import {summary.get('kind', '')}", caption=str(summary.get("file", "")), show_header=False
    )
    for key, value in summary.items():
        if key not in ("kind", "file"):
            shown = "\n".join(map(str, value)) if isinstance(value, list) else str(value)
            table.add_row(SUMMARY_LABELS.get(key, key.replace("_", " ")), shown)
    err.print(table)


SkipInvalid = Annotated[bool, typer.Option("--skip-invalid", help="Store the valid rows; reject the others.")]
Rejects = Annotated[
    Path | None, typer.Option("--rejects", help="Write rejected rows with their reasons here (CSV).")
]
Grade = Annotated[
    str | None, typer.Option("--grade", help="Source grade A-F/1-6 for these events (e.g. B2).")
]
DateFormat = Annotated[
    str | None,
    typer.Option(
        "--date-format",
        help="strptime format of the dates, e.g. %d/%m/%Y (day first) or %m/%d/%Y (month first). Needed when "
        "every numeric date of the file has day and month both 12 or less (their order cannot be told) or the "
        "dates are in an unusual form; ISO (2022-12-06) and month names are read without it.",
    ),
]
Encoding = Annotated[
    str,
    typer.Option(
        "--encoding",
        help="Text encoding of the file (e.g. utf-8, cp1252, utf-16); 'auto' detects it from the bytes.",
    ),
]
Output = Annotated[OutputFormat, typer.Option("--format", help="Summary as a table or JSON.")]


def _import_events(
    ctx: typer.Context,
    kind: str,
    fmt: Any,
    path: Path,
    skip_invalid: bool,
    rejects: Path | None,
    grade: str | None,
    date_format: str | None,
    encoding: str,
    output: OutputFormat,
    source_name: str | None = None,
) -> None:
    from pochub.core.models.events import is_valid_grade
    from pochub.ingest.events import ImportOptions
    from pochub.services.imports import import_events

    if grade is not None and not is_valid_grade(grade.upper()):
        raise InvalidInput(f"--grade {grade!r}: give reliability A-F and credibility 1-6, e.g. B2")
    st = state(ctx)
    options = ImportOptions(
        source_grade=grade.upper() if grade else None,
        date_format=date_format,
        encoding=encoding,
        batch_rows=st.settings.import_batch_rows,
        source_name=source_name,
    )
    with progress_bar(f"import {kind}") as update:
        summary = import_events(
            st.engine(),
            path,
            fmt,
            options,
            st.settings,
            kind=kind,
            skip_invalid=skip_invalid,
            rejects=rejects,
            on_progress=update,
        )
    for error in summary.errors[:20]:
        print(f"rejected: {error}", file=sys.stderr)
    print_summary(summary.as_dict(), output)


EVENT_FORMATS: dict[str, tuple[str, str, str]] = {
    "acled": (
        "pochub.ingest.acled",
        "ACLED",
        "Import an ACLED export (any vintage; CSV, TSV, .csv.gz, XLSX, XLS or ODS; HDX copies with an HXL row). "
        "Needs event_id_cnty, event_date, event_type, latitude, longitude, fatalities; reads the other ACLED "
        "columns when present (sub_event_type, actor1/2, assoc_actor_1/2, inter1/2, civilian_targeting, "
        "admin1-3, location, geo_precision, time_precision, notes, timestamp). A stored event is updated only by "
        "a row with a timestamp at least as new: older rows are counted as 'older than stored, kept'.",
    ),
    "ucdp": (
        "pochub.ingest.ucdp",
        "UCDP",
        "Import a UCDP GED file (full or country release, with or without a header row; CSV, TSV, .csv.gz, "
        "XLSX, XLS or ODS). Needs id, type_of_violence, latitude, longitude, date_start, best; reads the other "
        "GED columns when present (date_end, low, high, deaths_civilians, side_a, side_b, where_prec, date_prec, "
        "adm_1, adm_2, ...) and an optional version column (e.g. 24.1): with it an older release never "
        "overwrites a newer one; without it the last import wins.",
    ),
    "hxl": (
        "pochub.ingest.hxl",
        "HXL",
        "Import an HXL-tagged event table (or PoC Hub's own CSV/HXL export). Needs #date, #geo+lat, #geo+lon "
        "and #event+type; reads the other tags of PoC Hub's export when present.",
    ),
    "geojson": (
        "pochub.ingest.hxl",
        "HXL",
        "Import events from GeoJSON points (PoC Hub's own GeoJSON export).",
    ),
}
"""Event formats: command name -> (module, format object, help)."""

SourceName = Annotated[
    str | None,
    typer.Option("--source", help="Store the events under this source (e.g. mission); default per format."),
]


def _event_import_command(kind: str, module: str, attribute: str) -> Callable[..., None]:
    """The `pochub import KIND` command for one event format."""

    def command(
        ctx: typer.Context,
        path: Path,
        skip_invalid: SkipInvalid = False,
        rejects: Rejects = None,
        grade: Grade = None,
        date_format: DateFormat = None,
        encoding: Encoding = "auto",
        output: Output = OutputFormat.table,
        source: SourceName = None,
    ) -> None:
        import importlib

        fmt = getattr(importlib.import_module(module), attribute)
        _import_events(
            ctx, kind, fmt, path, skip_invalid, rejects, grade, date_format, encoding, output, source
        )

    return command


for _kind, (_module, _attribute, _help) in EVENT_FORMATS.items():
    import_app.command(_kind, help=_help)(_event_import_command(_kind, _module, _attribute))


@import_app.command("acled-deletions")
def import_acled_deletions(ctx: typer.Context, path: Path, output: Output = OutputFormat.table) -> None:
    """Remove the events listed in an ACLED deleted-events file (event_id_cnty, deleted_timestamp)."""
    from pochub.ingest.acled import read_deletions
    from pochub.services.imports import delete_events

    st = state(ctx)
    summary = delete_events(st.engine(), "acled", read_deletions(path), st.settings, str(path))
    print_summary(summary.as_dict(), output)


@import_app.command("boundaries")
def import_boundaries_command(
    ctx: typer.Context,
    path: Path,
    level: Annotated[
        int, typer.Option("--level", min=0, max=5, help="Admin level of the areas (1 = province).")
    ],
    pcode_field: Annotated[str | None, typer.Option(help="Property holding the P-code.")] = None,
    name_field: Annotated[str | None, typer.Option(help="Property holding the name.")] = None,
    parent_field: Annotated[str | None, typer.Option(help="Property holding the parent P-code.")] = None,
    version: Annotated[str | None, typer.Option(help="Boundary version (default: the file name).")] = None,
    skip_invalid: SkipInvalid = False,
    rejects: Rejects = None,
    output: Output = OutputFormat.table,
    replace: Annotated[
        bool,
        typer.Option(
            "--replace",
            help="A new vintage replaces the level: its stored areas not in this file are removed and every "
            "event, community and base is assigned again (refused while alerts are routed to a removed P-code). "
            "Without it they are kept and named in a warning.",
        ),
    ] = False,
) -> None:
    """Import admin areas with P-codes from GeoJSON (geometry repaired into valid polygons, each repair named);
    every event, community and base then takes its area: inside, else the nearest within
    POCHUB_AREA_TOLERANCE_KM, else "outside the boundaries". A new vintage of a level adds and updates areas by
    P-code; --replace also removes the level's areas it no longer holds."""
    from pochub.services.places import import_boundaries

    summary = import_boundaries(
        state(ctx).engine(),
        path,
        level,
        pcode_field=pcode_field,
        name_field=name_field,
        parent_field=parent_field,
        version=version,
        tolerance_km=state(ctx).settings.area_tolerance_km,
        skip_invalid=skip_invalid,
        rejects=rejects,
        replace=replace,
    )
    print_summary(summary.as_dict(), output)


@import_app.command(
    "communities",
    help="Import communities: a table (CSV, TSV, XLSX, XLS, ODS) with id, name, lat, lon, or GeoJSON points with "
    "those properties, or a place file as it comes (GeoNames: geonameid, name, latitude, longitude, population; a "
    "gazetteer: PCODE, NOM1; a facility list: Facility name; the column taken for each field is reported; "
    "without an id column, ids come from name and coordinates). Optional columns: population (missing or empty: "
    "unknown, never 0), pcode (default: from the stored boundaries), vulnerable_groups and "
    "self_protection_capacities (';'-separated), focal_point, phone_coverage and radio_coverage (yes/no; missing "
    "or empty: unknown, never 'no'). Decimal populations are rounded, with a warning.",
)
def import_communities_command(
    ctx: typer.Context,
    path: Path,
    skip_invalid: SkipInvalid = False,
    rejects: Rejects = None,
    output: Output = OutputFormat.table,
    within_boundaries: Annotated[
        bool,
        typer.Option(
            "--within-boundaries",
            help="Leave out (and count) the places beyond every stored boundary: a regional or national "
            "gazetteer gives the mission's places only.",
        ),
    ] = False,
) -> None:
    from pochub.services.places import import_communities

    st = state(ctx)
    summary = import_communities(
        st.engine(),
        path,
        tolerance_km=st.settings.area_tolerance_km,
        skip_invalid=skip_invalid,
        rejects=rejects,
        within_boundaries=within_boundaries,
    )
    print_summary(summary.as_dict(), output)


@import_app.command("population")
def import_population_command(ctx: typer.Context, path: Path, output: Output = OutputFormat.table) -> None:
    """Import population for the threat matrix's exposure where no community is known: a CSV of points or grid
    cells (lat, lon, population) or a population-count GeoTIFF in EPSG:4326 (either replaces the stored grid), or
    a boundary GeoJSON whose features carry a population property (matched to the stored areas)."""
    from pochub.services.population import import_population

    print_summary(import_population(state(ctx).engine(), path).as_dict(), output)


@import_app.command("bases")
def import_bases_command(
    ctx: typer.Context,
    path: Path,
    mission: Annotated[str | None, typer.Option(help="Geo-PKO files: the mission (e.g. MONUSCO).")] = None,
    year: Annotated[
        int | None, typer.Option(help="Geo-PKO files: the year of the map (default: latest).")
    ] = None,
    month: Annotated[int | None, typer.Option(help="Geo-PKO files: the month of the map.")] = None,
    skip_invalid: SkipInvalid = False,
    rejects: Rejects = None,
    output: Output = OutputFormat.table,
) -> None:
    """Import mission bases: a table (CSV, TSV, XLSX, XLS, ODS) with id, name, base_type, lat, lon, or a Geo-PKO
    deployment file. Optional columns: pcode (default: from the stored boundaries), capacity (people it holds;
    default 0)."""
    from pochub.services.capacities import import_bases

    summary = import_bases(
        state(ctx).engine(),
        path,
        mission=mission,
        year=year,
        month=month,
        skip_invalid=skip_invalid,
        rejects=rejects,
    )
    print_summary(summary.as_dict(), output)


@import_app.command("units")
def import_units_command(
    ctx: typer.Context,
    path: Path,
    skip_invalid: SkipInvalid = False,
    rejects: Rejects = None,
    output: Output = OutputFormat.table,
) -> None:
    """Import mission units: a table (CSV, TSV, XLSX, XLS, ODS) with id, name, unit_type, strength, home_base
    (a stored base). Optional columns: tiers (';'-separated I, II, III; default II), road_speed_kmh (default
    40), air (yes/no; default yes for helicopter and aircraft types, with a warning), readiness (high, medium,
    low; default medium)."""
    from pochub.services.capacities import import_units

    summary = import_units(state(ctx).engine(), path, skip_invalid=skip_invalid, rejects=rejects)
    print_summary(summary.as_dict(), output)


@import_app.command("roads")
def import_roads_command(
    ctx: typer.Context,
    path: Path,
    skip_invalid: SkipInvalid = False,
    rejects: Rejects = None,
    output: Output = OutputFormat.table,
) -> None:
    """Import roads: GeoJSON lines. Optional properties: road_class (primary, secondary, tertiary, track; or
    OSM highway; default from speed_kmh), surface (paved, gravel, earth; default paved for primary and
    secondary roads, else earth), speed_kmh, id. Proposed links (add = true) are left out and counted."""
    from pochub.services.capacities import import_roads

    summary = import_roads(state(ctx).engine(), path, skip_invalid=skip_invalid, rejects=rejects)
    print_summary(summary.as_dict(), output)


@import_app.command("structure")
def import_structure_command(ctx: typer.Context, path: Path, output: Output = OutputFormat.table) -> None:
    """Validate and store the mission's coordination structure (YAML), as `pochub structure import` does: with
    boundaries stored, every office's area must be one of them (the unknown P-codes are named)."""
    from pochub.services.structures import import_structure

    report = import_structure(state(ctx).engine(), path)
    print_summary({"kind": "structure", "file": str(path), "stored": 1, "updated": 0}, output)
    err.print(report.summary(), highlight=False, soft_wrap=True)


def first_steps(ctx: typer.Context, *needs: str) -> None:
    """Stop with what to import first when the store holds none of what the command needs (no silent zeros)."""
    from pochub.services.first_steps import require

    require(state(ctx).engine(), *needs)


def _filter(start: date | None, end: date | None, source: str | None, include_duplicates: bool) -> Any:
    from pochub.store.event_queries import EventFilter

    return EventFilter(start=start, end=end, source=source, include_duplicates=include_duplicates)


DateOption = Annotated[Any, typer.Option(parser=date.fromisoformat, metavar="YYYY-MM-DD")]


@events_app.command("summary")
def events_summary(
    ctx: typer.Context,
    by: Annotated[
        str, typer.Option("--by", help="type, category, threat, month, year, area, actor or source.")
    ],
    output: Output = OutputFormat.table,
    chart: Annotated[Path | None, typer.Option("--chart", help="Draw the monthly trend to this PNG.")] = None,
    start: Annotated[Any, typer.Option("--from", parser=date.fromisoformat, metavar="YYYY-MM-DD")] = None,
    end: Annotated[Any, typer.Option("--to", parser=date.fromisoformat, metavar="YYYY-MM-DD")] = None,
    source: Annotated[str | None, typer.Option(help="Only this source (acled, ucdp, ...).")] = None,
    include_duplicates: Annotated[
        bool, typer.Option("--all", help="Count cross-source duplicates too.")
    ] = False,
    level: Annotated[
        int, typer.Option("--level", min=1, max=2, help="--by area: the admin level of the areas (1 or 2).")
    ] = 1,
) -> None:
    """Events, fatalities and civilian fatalities by a key (de-duplicated across sources). By area: the P-codes
    of the imported boundaries with their names ("outside the boundaries" for events beyond them), or without
    boundaries the sources' own names, labelled so."""
    first_steps(ctx, "events")
    from pochub.store import event_queries

    event_filter = _filter(start, end, source, include_duplicates)
    with state(ctx).engine().connect() as conn:
        rows = event_queries.summary(conn, by, event_filter, level=level)
        monthly = event_queries.summary(conn, "month", event_filter) if chart else []
    if by == "actor":  # registry actors, with every source name behind each
        from pochub.services.actors import summary_by_actor

        rows = summary_by_actor(state(ctx).engine(), event_filter)
    if chart:
        from pochub.documents.charts import monthly_trend

        monthly_trend(monthly, chart)
        err.print(f"chart written to {chart}")
    if output == OutputFormat.json:
        print(json.dumps(rows))
    elif output == OutputFormat.csv:
        import csv

        from pochub.documents.spreadsheet_cells import neutralised_record

        names = ["names"] if by == "actor" else ["name", "area_basis"] if by == "area" else []
        writer = csv.DictWriter(
            sys.stdout,
            fieldnames=["key", "events", "fatalities", "civilian_fatalities", *names],
            lineterminator="\n",
        )
        writer.writeheader()
        writer.writerows(
            neutralised_record({**r, "names": "; ".join(r["names"])} if by == "actor" else r) for r in rows
        )
    else:
        extra = ("source names",) if by == "actor" else ()
        basis = f" ({rows[0]['area_basis']})" if by == "area" and rows else ""
        table = Table(
            by, "events", "fatalities", "civilian fatalities", *extra, title=f"events by {by}{basis}"
        )
        for r in rows:
            table.add_row(
                f"{r['name']} ({r['key']})" if by == "area" and r["name"] != r["key"] else str(r["key"]),
                f"{r['events']:,}",
                f"{r['fatalities']:,}",
                f"{r['civilian_fatalities']:,}",
                *(["\n".join(r["names"])] if extra else []),
            )
        table.add_row(
            "total",
            f"{sum(r['events'] for r in rows):,}",
            f"{sum(r['fatalities'] for r in rows):,}",
            f"{sum(r['civilian_fatalities'] for r in rows):,}",
            *([""] if extra else []),
            style="bold",
        )
        out.print(table)


@export_app.command("events")
def export_events(
    ctx: typer.Context,
    fmt: Annotated[ExportFormat, typer.Option("--format", help="csv, hxl (HXL-tagged CSV) or geojson.")],
    output_path: Annotated[
        Path | None, typer.Option("-o", "--output", help="File to write (default: stdout).")
    ] = None,
    start: Annotated[Any, typer.Option("--from", parser=date.fromisoformat, metavar="YYYY-MM-DD")] = None,
    end: Annotated[Any, typer.Option("--to", parser=date.fromisoformat, metavar="YYYY-MM-DD")] = None,
    source: Annotated[str | None, typer.Option(help="Only this source.")] = None,
    include_duplicates: Annotated[
        bool, typer.Option("--all/--deduplicated", help="Export cross-source duplicates too (default).")
    ] = True,
) -> None:
    """Export events as CSV, HXL or GeoJSON; the files import back unchanged."""
    from pochub.documents.event_exports import write_csv, write_geojson
    from pochub.store import event_queries

    event_filter = _filter(start, end, source, include_duplicates)
    handle = output_path.open("w", encoding="utf-8", newline="") if output_path else sys.stdout
    try:
        with state(ctx).engine().connect() as conn:
            rows = event_queries.stream(conn, event_filter)
            if fmt == ExportFormat.geojson:
                written = write_geojson(rows, handle)
            else:
                written = write_csv(rows, handle, hxl=fmt == ExportFormat.hxl)
    finally:
        if output_path:
            handle.close()
    err.print(f"{written:,} events exported")


def as_of_option(help_text: str) -> Any:
    """The ``--as-of YYYY-MM-DD`` option with its own help text."""
    return typer.Option("--as-of", parser=date.fromisoformat, metavar="YYYY-MM-DD", help=help_text)


def _as_of(value: date | None) -> Any:
    from datetime import UTC, datetime, time

    return datetime.combine(value, time(23, 59), tzinfo=UTC) if value else None


def _note_source_names(engine: Engine, level: int) -> None:
    """Say so when areas are the sources' own names (no boundaries of the level imported)."""
    from pochub.services.places import source_names_note

    note = source_names_note(engine, level)
    if note:
        err.print(note, highlight=False)


@app.command("assess")
def assess_command(
    ctx: typer.Context,
    area: Annotated[
        str | None, typer.Option(help="Only this area (P-code, or name where events have no code).")
    ] = None,
    as_of: Annotated[Any, as_of_option("Assess as of this day (default: the latest event).")] = None,
    level: Annotated[int, typer.Option(min=1, max=2, help="Admin level of the areas (1 or 2).")] = 2,
    output_path: Annotated[
        Path | None, typer.Option("-o", "--output", help="Write FILE.html or FILE.xlsx.")
    ] = None,
    output: Output = OutputFormat.table,
    top: Annotated[int, typer.Option(min=1, help="How many threats to print.")] = 10,
    language: Annotated[
        str,
        typer.Option(
            "--language", help="The language of the table and of the HTML or XLSX matrix: en or fr."
        ),
    ] = "en",
) -> None:
    """Compute the PoC threat matrix from the evidence; print the top threats; write HTML or XLSX."""
    first_steps(ctx, "events")
    from pochub.services.threats import assess
    from pochub.services.warning import area_signals
    from pochub.store import event_queries

    if output_path is not None and output_path.suffix.lower() not in (".html", ".xlsx"):
        raise InvalidInput(f"-o {output_path}: write a .html or .xlsx file")
    if language not in ("en", "fr"):
        raise InvalidInput(f"--language {language!r}: choose en or fr")
    engine = state(ctx).engine()
    matrix = assess(engine, level=level, area=area, as_of=_as_of(as_of), signals=area_signals)
    _note_source_names(engine, level)
    if output_path is not None:
        from pochub.documents.threat_matrix import render_html, write_xlsx

        ids = sorted({i for r in matrix.records for i in r.evidence_ids})
        with engine.connect() as conn:
            events = event_queries.by_ids(conn, ids)
        if output_path.suffix.lower() == ".html":
            output_path.write_text(render_html(matrix, events, area, language), encoding="utf-8")
        else:
            write_xlsx(matrix, events, output_path, language)
        err.print(f"threat matrix ({len(matrix.records)} threats) written to {output_path}")
    rows: list[dict[str, Any]] = [
        {
            "rank": r.rank,
            "key": r.key,
            "threat_type": r.threat_type,
            "perpetrator": r.perpetrator,
            "perpetrator_names": list(r.perpetrator_names),
            "area": r.area_name,
            "area_pcode": r.area_pcode,
            "population_at_risk": r.population_at_risk,
            "exposure_basis": r.exposure_basis,
            "harm": dict(r.harm.__dict__),
            "likelihood": r.likelihood,
            "impact": r.impact,
            "risk": r.risk,
            "band": r.band,
            "drivers": list(r.drivers),
            "phase": r.phase.value,
            "confidence": r.confidence,
            "evidence_events": len(r.evidence_ids),
            "overridden": [o.field for o in r.overrides],
        }
        for r in matrix.top(top)
    ]
    if output == OutputFormat.json:
        print(json.dumps(rows))
        return
    from pochub.core.geography.areas import OUTSIDE
    from pochub.core.models.taxonomy import threat_label
    from pochub.documents.threat_matrix import DRIVER_NAMES
    from pochub.i18n import localise, translations

    _ = translations(language).gettext
    table = Table(
        "#",
        _("threat type"),
        _("perpetrator"),
        _("area"),
        _("people at risk"),
        _("likelihood (1-5)"),
        _("impact (1-5)"),
        _("risk (1-25)"),
        _("main drivers"),
        _("evidence (events, civilians killed)"),
        title=_("PoC threat matrix as of %(date)s (top %(shown)s of %(total)s)")
        % {"date": matrix.as_of.date(), "shown": len(rows), "total": len(matrix.records)},
        caption=_("unknown exposure, vulnerability or capacity is scored at mid-scale (see docs: risk)"),
    )
    for r in rows:
        people = r["population_at_risk"]
        table.add_row(
            str(r["rank"]),
            localise(threat_label(str(r["threat_type"])), language),
            str(r["perpetrator"])[:30],
            _(str(r["area"])) if r["area_pcode"] == OUTSIDE else str(r["area"]),
            _("unknown") if people is None else f"{people:,} ({_(r['exposure_basis'])})",
            f"{r['likelihood']:.1f}",
            f"{r['impact']:.1f}",
            f"{r['risk']:.1f} {_(r['band'])}",
            ", ".join(_(DRIVER_NAMES.get(name, name)) for name in r["drivers"]),
            f"{r['evidence_events']}, {r['harm']['civilian_fatalities']}",
        )
    out.print(table)


@threats_app.command("override")
def threats_override(
    ctx: typer.Context,
    key: Annotated[
        str, typer.Argument(help="The threat's key, AREA|THREAT_TYPE|PERPETRATOR (see assess --format json).")
    ],
    field: Annotated[
        str, typer.Argument(help="likelihood, impact, risk, vulnerability, other_actors_capacity, ...")
    ],
    value: Annotated[str, typer.Argument(help="The analyst's value.")],
    analyst: Annotated[str, typer.Option(help="Who overrides.")],
    reason: Annotated[str, typer.Option(help="Why.")],
) -> None:
    """Override a computed value of the threat matrix; the computed value is kept beside it."""
    from pochub.commands.access import cli_actor
    from pochub.services.threats import add_override

    add_override(
        state(ctx).engine(), key, field, value, analyst, reason, actor=cli_actor(), actor_role="admin"
    )
    err.print(f"override recorded: {key} {field} = {value}")


class HotspotFormat(StrEnum):
    """How hotspots are printed."""

    table = "table"
    json = "json"
    geojson = "geojson"
    csv = "csv"


def _emerging_command(
    ctx: typer.Context,
    resolution: int,
    k: int,
    months: int,
    as_of: date | None,
    all_events: bool,
    output: Any,
) -> None:
    from collections import Counter

    from pochub.services.warning import emerging

    run = emerging(
        state(ctx).engine(),
        resolution=resolution,
        k=k,
        months=months,
        as_of=_as_of(as_of),
        threat_only=not all_events,
    )
    result = run.result
    rows: list[dict[str, Any]] = [
        {
            "cell": c,
            "count": run.counts[c],
            "category": cat,
            "trend_tau": float(tau),
            "trend_z": float(tz),
            "trend_p": float(tp),
            "z_last": float(result.z[i, -1]),
        }
        for i, (c, cat, tau, tz, tp) in enumerate(
            zip(
                result.units, result.categories, result.trend_tau, result.trend_z, result.trend_p, strict=True
            )
        )
    ]
    if output == HotspotFormat.json:
        print(json.dumps(rows))
        return
    counts = Counter(r["category"] for r in rows)
    table = Table(
        "pattern",
        "cells",
        title=f"emerging hot spots: {len(rows):,} cells, {run.months} months to "
        f"{run.as_of.date()} (res {resolution}, k {k})",
    )
    for name, n in counts.most_common():
        table.add_row(name, f"{n:,}")
    out.print(table)


@app.command("hotspots")
def hotspots_command(
    ctx: typer.Context,
    resolution: Annotated[int, typer.Option(help="H3 resolution of the cells (6 is about 36 km2).")] = 6,
    k: Annotated[int, typer.Option(help="Neighbours: cells within k steps (the cell itself included).")] = 1,
    window: Annotated[
        str, typer.Option(help="Events of this span before --as-of: 90d, 12w, 6m, 1y.")
    ] = "90d",
    as_of: Annotated[Any, as_of_option("End of the window (default: the latest event).")] = None,
    permutations: Annotated[
        int,
        typer.Option(
            help="0 (default): analytic normal p-values of Gi*, right for event counts over many cells. "
            "P > 0: pseudo p-values from P total randomisations (the cell's own count included), for small "
            "grids or very few events; they cannot go below 2/(P+1), nor much below 2W/n for the busiest "
            "neighbourhoods, so on grids of thousands of cells read them with --no-fdr (BENCHMARKS.md)."
        ),
    ] = 0,
    seed: Annotated[int, typer.Option(help="Random seed of the permutations.")] = 0,
    no_fdr: Annotated[
        bool,
        typer.Option(
            "--no-fdr",
            help="Classify by raw two-sided p-values, without the false-discovery-rate correction "
            "(Benjamini-Hochberg, as ArcGIS's Hot Spot Analysis).",
        ),
    ] = False,
    all_events: Annotated[
        bool, typer.Option("--all-events", help="All events, not only violence against civilians.")
    ] = False,
    output: Annotated[
        HotspotFormat, typer.Option("--format", help="table, json, geojson or csv.")
    ] = HotspotFormat.table,
    emerging_periods: Annotated[
        int | None,
        typer.Option("--emerging", metavar="MONTHS", help="Emerging hot spots over this many months."),
    ] = None,
) -> None:
    """Getis-Ord Gi* hot and cold spots of violence against civilians on H3 cells (or, with --emerging, ESRI's
    emerging hot spot patterns over monthly Gi* with a Mann-Kendall trend). Classes come from two-sided p-values
    adjusted for the false discovery rate; each cell is named by its area and nearest community."""
    first_steps(ctx, "events")
    from pochub.services.warning import hotspots, parse_span

    if emerging_periods is not None:
        _emerging_command(ctx, resolution, k, emerging_periods, as_of, all_events, output)
        return

    run = hotspots(
        state(ctx).engine(),
        resolution=resolution,
        k=k,
        window_days=parse_span(window),
        as_of=_as_of(as_of),
        permutations=permutations,
        seed=seed,
        fdr=not no_fdr,
        threat_only=not all_events,
    )
    import h3

    result = run.result
    basis = "fdr" if result.fdr else "raw"
    rows: list[dict[str, Any]] = []
    for c, z, p, q, cls in zip(result.cells, result.z, result.p, result.p_fdr, result.classes, strict=True):
        place = run.places.get(c)
        lat, lon = (place.latitude, place.longitude) if place else h3.cell_to_latlng(c)
        rows.append(
            {
                "cell": c,
                "count": run.counts[c],
                "z": float(z),
                "p": float(p),
                "p_fdr": float(q),
                "p_class": float(q if result.fdr else p),
                "p_basis": basis,
                "class": cls,
                "latitude": round(float(lat), 5),
                "longitude": round(float(lon), 5),
                "area_pcode": place.area_pcode if place else None,
                "area_name": place.area_name if place else None,
                "nearest_community": place.community if place else None,
                "community_km": place.community_km if place else None,
            }
        )
    if output == HotspotFormat.json:
        print(json.dumps(rows))
    elif output == HotspotFormat.csv:
        import csv

        from pochub.documents.spreadsheet_cells import neutralised_record

        writer = csv.DictWriter(
            sys.stdout, fieldnames=list(rows[0]) if rows else ["cell"], lineterminator="\n"
        )
        writer.writeheader()
        writer.writerows(neutralised_record(r) for r in rows)
    elif output == HotspotFormat.geojson:
        features = [
            {
                "type": "Feature",
                "id": r["cell"],
                "properties": r,
                "geometry": {
                    "type": "Polygon",
                    "coordinates": [
                        [
                            [lon, lat]
                            for lat, lon in (
                                *h3.cell_to_boundary(r["cell"]),
                                h3.cell_to_boundary(r["cell"])[0],
                            )
                        ]
                    ],
                },
            }
            for r in rows
        ]
        print(json.dumps({"type": "FeatureCollection", "features": features}))
    else:
        from collections import Counter

        classes = Counter(r["class"] for r in rows)
        summary = ", ".join(
            f"{name} {classes[name]}"
            for name in ("hot99", "hot95", "hot90", "cold90", "cold95", "cold99")
            if classes[name]
        )
        table = Table(
            "area (P-code)",
            "nearest community (km)",
            "centre lat, lon",
            "events",
            "Gi* z",
            "p, FDR-adjusted" if result.fdr else "p, two-sided, unadjusted",
            "class",
            title=f"hotspots: {len(rows):,} cells, {run.events:,} events, {run.window_days} days to "
            f"{run.as_of.date()} (res {resolution}, k {k})",
            caption=f"{summary or 'no significant cell'}; significance: {result.method}",
        )
        for r in sorted(rows, key=lambda r: -r["z"])[:20]:
            area = f"{r['area_name']} ({r['area_pcode']})" if r["area_pcode"] else "outside the boundaries"
            near = f"{r['nearest_community']} ({r['community_km']:.1f})" if r["nearest_community"] else "-"
            table.add_row(
                area,
                near,
                f"{r['latitude']:.3f}, {r['longitude']:.3f}",
                str(r["count"]),
                f"{r['z']:.2f}",
                f"{r['p_class']:.2g}",
                r["class"],
            )
        out.print(table)
        floor = 2 / (permutations + 1)
        if (
            permutations
            and not no_fdr
            and not any(c != "none" for c in classes)
            and any(abs(r["z"]) > 3.3 for r in rows)
        ):
            err.print(
                f"No cell is significant after the false-discovery-rate correction, although some |z| > 3.3: "
                f"permutation p-values cannot go below {floor:.2g} ({permutations} permutations), nor much below "
                f"the chance that a random neighbourhood holds the busiest cell, too coarse for {len(rows):,} "
                "cells. Use the analytic test (leave out --permutations), or read these classes with --no-fdr."
            )


class UnitKind(StrEnum):
    """Spatial units of early warning."""

    area = "area"
    cell = "cell"


UnitOption = Annotated[UnitKind, typer.Option("--unit", help="Admin areas or H3 cells.")]
LevelOption = Annotated[int, typer.Option(min=1, max=2, help="Admin level of the areas.")]
ResolutionOption = Annotated[int, typer.Option(help="H3 resolution of the cells.")]


def _unit_panel(ctx: typer.Context, unit: UnitKind, level: int, resolution: int, as_of: date | None) -> Any:
    from pochub.services.warning import monthly_panel

    return monthly_panel(
        state(ctx).engine(), unit_kind=unit.value, level=level, resolution=resolution, as_of=_as_of(as_of)
    )


@forecast_app.command("evaluate")
def forecast_evaluate(
    ctx: typer.Context,
    unit: UnitOption = UnitKind.area,
    level: LevelOption = 2,
    resolution: ResolutionOption = 6,
    origins: Annotated[int, typer.Option(min=1, help="Rolling origins (the last N months).")] = 24,
    samples: Annotated[int, typer.Option(min=100, help="Samples for laws without a closed form.")] = 1000,
    seed: Annotated[int, typer.Option(help="Random seed.")] = 0,
    output_path: Annotated[
        Path | None, typer.Option("-o", "--output", help="Write the table (Markdown) here.")
    ] = None,
    output: Output = OutputFormat.table,
) -> None:
    """Rolling-origin evaluation of the forecast against the five VIEWS baselines, every metric, per step."""
    first_steps(ctx, "events")
    from pochub.services.warning import evaluate_forecasts

    unit_panel = _unit_panel(ctx, unit, level, resolution, None)
    panel = unit_panel.panel
    err.print(
        f"evaluating on {len(panel.units):,} {unit.value}s x {len(panel.periods)} months "
        f"({panel.periods[0]:%Y-%m} .. {panel.periods[-1]:%Y-%m}), {origins} origins"
    )
    with Progress(
        TextColumn("origins"),
        BarColumn(),
        TimeRemainingColumn(),
        console=err,
        transient=True,
        disable=not err.is_terminal,
    ) as progress:
        task = progress.add_task("origins", total=origins)
        table = evaluate_forecasts(
            unit_panel,
            origins=origins,
            samples=samples,
            seed=seed,
            on_origin=lambda _origin: progress.advance(task),
        )
    markdown = table.to_markdown()
    if output_path:
        output_path.write_text(markdown + "\n", encoding="utf-8")
        err.print(f"evaluation written to {output_path}")
    if output == OutputFormat.json:
        from dataclasses import asdict

        print(json.dumps([asdict(r) for r in table.rows]))
    else:
        print(markdown)


@forecast_app.command("run")
def forecast_run(
    ctx: typer.Context,
    unit: UnitOption = UnitKind.area,
    level: LevelOption = 2,
    resolution: ResolutionOption = 6,
    as_of: Annotated[
        Any, as_of_option("Forecast from the month ending here (default: the last full month).")
    ] = None,
    top: Annotated[int, typer.Option(min=1, help="Rows to print in the table.")] = 20,
    output: Output = OutputFormat.table,
) -> None:
    """Probability of at least one event and expected events, next month and next three months, per unit."""
    first_steps(ctx, "events")
    from pochub.services.warning import forecast_units

    unit_panel = _unit_panel(ctx, unit, level, resolution, as_of)
    for note in unit_panel.notes:
        err.print(f"warning: {note}")
    if unit == UnitKind.area:
        _note_source_names(state(ctx).engine(), level)
    forecast = forecast_units(unit_panel)
    first, total = forecast.step(1), forecast.total
    rows = [
        {
            "unit": u,
            "name": unit_panel.names.get(u, u),
            "from": forecast.origin.isoformat(),
            "p_next_month": float(p1),
            "expected_next_month": float(m1),
            "p_next_3_months": float(p3),
            "expected_next_3_months": float(m3),
            "expected_by_month": [float(m) for m in months],
        }
        for u, p1, m1, p3, m3, months in zip(
            forecast.units,
            first.prob_at_least_one(),
            first.mean(),
            total.prob_at_least_one(),
            total.mean(),
            np.transpose([law.mean() for law in forecast.by_step]),
            strict=True,
        )
    ]
    rows.sort(key=lambda r: -r["expected_next_3_months"])
    if output == OutputFormat.json:
        print(json.dumps(rows))
        return
    table = Table(
        unit.value,
        "name",
        "P(>=1) next month",
        "expected",
        "P(>=1) 3 months",
        "expected 3 months",
        title=f"forecast of violence against civilians after {forecast.origin:%Y-%m}",
    )
    for r in rows[:top]:
        table.add_row(
            r["unit"],
            r["name"],
            f"{r['p_next_month']:.0%}",
            f"{r['expected_next_month']:.2f}",
            f"{r['p_next_3_months']:.0%}",
            f"{r['expected_next_3_months']:.2f}",
        )
    out.print(table)


@app.command("surges")
def surges_command(
    ctx: typer.Context,
    unit: UnitOption = UnitKind.area,
    level: LevelOption = 2,
    resolution: ResolutionOption = 6,
    as_of: Annotated[Any, as_of_option("Test the month ending here (default: the last full month).")] = None,
    alpha: Annotated[
        float, typer.Option(min=0.0001, max=0.5, help="Flag when P(X >= observed) <= alpha.")
    ] = 0.01,
    baseline: Annotated[int, typer.Option(min=2, help="Trailing months of the baseline.")] = 12,
    output: Output = OutputFormat.table,
) -> None:
    """Areas (or cells) whose last month is improbable under their trailing baseline; with the false-alarm rate."""
    first_steps(ctx, "events")
    from pochub.core.warning.surges import detect_surges, false_alarm_rate

    unit_panel = _unit_panel(ctx, unit, level, resolution, as_of)
    try:
        report = detect_surges(unit_panel.panel, alpha=alpha, baseline=baseline)
        history = false_alarm_rate(unit_panel.panel, alpha=alpha, baseline=baseline)
    except ValueError as exc:
        raise InvalidInput(str(exc)) from exc
    flags = [
        {
            "unit": f.unit,
            "name": unit_panel.names.get(f.unit, f.unit),
            "window_start": f.window_start.isoformat(),
            "window_end": f.window_end.isoformat(),
            "observed": f.observed,
            "expected": round(f.expected, 3),
            "tail_probability": f.tail_probability,
            "law": f.law,
        }
        for f in report.flags
    ]
    alarms = {
        "tests": history.tests,
        "flags": history.flags,
        "flag_rate": history.flag_rate,
        "followed": history.followed,
        "unconfirmed": history.unconfirmed,
        "unconfirmed_share": history.unconfirmed_share,
    }
    if output == OutputFormat.json:
        print(
            json.dumps(
                {
                    "window_start": report.window_start.isoformat(),
                    "window_end": report.window_end.isoformat(),
                    "alpha": alpha,
                    "flags": flags,
                    "false_alarms": alarms,
                }
            )
        )
        return
    table = Table(
        unit.value,
        "name",
        "observed",
        "expected",
        "P(X >= observed)",
        title=f"surges {report.window_start} .. {report.window_end} (alpha {alpha})",
    )
    for f in flags:
        table.add_row(
            f["unit"], f["name"], str(f["observed"]), f"{f['expected']:.2f}", f"{f['tail_probability']:.2g}"
        )
    out.print(table)
    out.print(
        f"On history: {history.flags:,} flags in {history.tests:,} tests ({history.flag_rate:.2%}); "
        f"{history.unconfirmed:,} of {history.followed:,} followed flags were not followed by elevated "
        f"violence ({history.unconfirmed_share:.0%})."
    )


class PlanFormat(StrEnum):
    """How coverage and plans are printed."""

    table = "table"
    json = "json"
    geojson = "geojson"


class LocationModel(StrEnum):
    """Location models."""

    mclp = "mclp"
    pmedian = "pmedian"
    lscp = "lscp"


Season = Annotated[str, typer.Option("--season", help="dry or rainy (rainy closes or slows earth roads).")]
OffRoad = Annotated[
    float,
    typer.Option(
        "--offroad-speed", help="Off-road speed (km/h), and great-circle speed when no road is imported."
    ),
]
Weight = Annotated[str, typer.Option("--weight", help="Demand weight: population or risk.")]


@app.command("coverage")
def coverage_command(
    ctx: typer.Context,
    standard: Annotated[
        list[str] | None,
        typer.Option("--standard", help="Response standards, e.g. 1h 4h 24h (repeat the option)."),
    ] = None,
    season: Season = "dry",
    off_road: OffRoad = 20.0,
    weight: Weight = "population",
    output: Annotated[
        PlanFormat, typer.Option("--format", help="table, json or geojson.")
    ] = PlanFormat.table,
) -> None:
    """Which unit reaches each community first, how many within each standard, and the protection gap."""
    first_steps(ctx, "communities", "bases")
    from pochub.services.allocation import coverage, parse_hours, posture_words

    standards = tuple(sorted(parse_hours(s) for s in (standard or ["1h", "4h", "24h"])))
    run = coverage(
        state(ctx).engine(), standards=standards, season=season, off_road_kmh=off_road, weight=weight
    )
    result = run.result
    communities: list[dict[str, Any]] = [
        {
            "id": c.community_id,
            "name": c.name,
            "lat": c.latitude,
            "lon": c.longitude,
            "weight": float(result.weights[i]),
            "fastest_unit": run.responders[result.fastest_unit[i]].site_id
            if result.fastest_unit[i] >= 0
            else None,
            "fastest_hours": float(result.fastest_hours[i]) if np.isfinite(result.fastest_hours[i]) else None,
            **{f"units_within_{h:g}h": int(result.units_within[i, j]) for j, h in enumerate(standards)},
        }
        for i, c in enumerate(run.communities)
    ]
    totals = [
        {
            "standard_hours": h,
            "covered_weight": float(result.covered_weight[j]),
            "gap_weight": float(result.gap_weight[j]),
            "covered_share": float(result.covered_share[j]),
        }
        for j, h in enumerate(standards)
    ]
    if output == PlanFormat.json:
        print(
            json.dumps(
                {
                    "season": run.network.season.value,
                    "roads": run.network.graph is not None,
                    "counted": run.posture.counted(),
                    "total_weight": result.total_weight,
                    "median_response_hours": result.median_response_hours
                    if np.isfinite(result.median_response_hours)
                    else None,
                    "standards": totals,
                    "communities": communities,
                }
            )
        )
        return
    if output == PlanFormat.geojson:
        features = [
            {
                "type": "Feature",
                "geometry": {"type": "Point", "coordinates": [c["lon"], c["lat"]]},
                "properties": c,
            }
            for c in communities
        ]
        print(json.dumps({"type": "FeatureCollection", "features": features}))
        return
    table = Table(
        "standard",
        "covered weight",
        "gap (weight beyond)",
        "covered share",
        title=f"coverage of {len(communities):,} communities by {posture_words(run.posture.counted())} "
        f"({run.network.season.value} season, {'roads' if run.network.graph else 'great circle'})",
    )
    for t in totals:
        table.add_row(
            f"{t['standard_hours']:g} h",
            f"{t['covered_weight']:,.0f}",
            f"{t['gap_weight']:,.0f}",
            f"{t['covered_share']:.1%}",
        )
    out.print(table)
    middle = standards[len(standards) // 2]
    beyond = [c for c in communities if c["fastest_hours"] is None or float(c["fastest_hours"]) > middle]
    gaps = sorted(beyond, key=lambda c: -float(c["weight"]))[:10]
    if gaps:
        gap_table = Table(
            "community",
            "weight",
            "fastest unit",
            "hours",
            title=f"largest protection gaps beyond {middle:g} h",
        )
        for c in gaps:
            gap_table.add_row(
                c["name"],
                f"{c['weight']:,.0f}",
                str(c["fastest_unit"]),
                "unreachable" if c["fastest_hours"] is None else f"{c['fastest_hours']:.1f}",
            )
        out.print(gap_table)


@app.command("allocate")
def allocate_command(
    ctx: typer.Context,
    model: Annotated[
        LocationModel, typer.Argument(help="mclp (maximal covering), pmedian or lscp (set covering).")
    ],
    p: Annotated[int, typer.Option("--p", help="New sites to open (mclp, pmedian).")] = 3,
    standard: Annotated[str, typer.Option("--standard", help="Response standard, e.g. 90m or 4h.")] = "4h",
    season: Season = "dry",
    off_road: OffRoad = 20.0,
    weight: Weight = "population",
    candidates: Annotated[
        Path | None,
        typer.Option("--candidates", help="CSV of candidate sites: id, lat, lon (default: the communities)."),
    ] = None,
    minimum_weight: Annotated[
        float, typer.Option(help="lscp: communities of at least this weight must be covered.")
    ] = 0.0,
    time_limit: Annotated[
        float, typer.Option(help="Solver time limit (s); the proven gap is reported.")
    ] = 60.0,
    plan: Annotated[Path | None, typer.Option("-o", "--output", help="Draw the plan to this PNG.")] = None,
    output: Annotated[
        PlanFormat, typer.Option("--format", help="table, json or geojson.")
    ] = PlanFormat.table,
) -> None:
    """Optimise where to deploy: new sites chosen with the existing bases fixed, compared with today's posture."""
    first_steps(ctx, "communities")
    from pochub.services.allocation import allocate, parse_hours, plan_map, posture_words, site_rows

    engine = state(ctx).engine()
    run = allocate(
        engine,
        model.value,
        p=p,
        standard_hours=parse_hours(standard),
        season=season,
        off_road_kmh=off_road,
        weight=weight,
        candidates_file=candidates,
        minimum_weight=minimum_weight,
        time_limit=time_limit,
    )
    result = run.result
    sites = site_rows(run)
    if plan is not None:
        plan_map(run, engine, plan)
        err.print(f"plan drawn to {plan}")
    body = {
        "model": model.value,
        "status": result.status,
        "objective": result.objective,
        "gap": result.gap,
        "sites": sites,
        "covered_weight": result.covered_weight,
        "total_weight": result.total_weight,
        "season": run.season,
        "counted": run.posture.counted(),
        "current_covered_share": float(run.current.covered_share[0]),
        "proposed_covered_share": float(run.proposed.covered_share[0]),
    }
    if output == PlanFormat.json:
        print(json.dumps(body))
        return
    if output == PlanFormat.geojson:
        features = [
            {
                "type": "Feature",
                "geometry": {"type": "Point", "coordinates": [s["lon"], s["lat"]]},
                "properties": {**s, "kind": "proposed"},
            }
            for s in sites
        ]
        features += [
            {
                "type": "Feature",
                "geometry": {"type": "Point", "coordinates": [b.longitude, b.latitude]},
                "properties": {"id": b.site_id, "name": b.name, "kind": "existing"},
            }
            for b in run.bases
        ]
        print(json.dumps({"type": "FeatureCollection", "features": features, "plan": body}))
        return
    table = Table(
        "id",
        "name",
        "area",
        "nearest community",
        "population newly covered",
        "lat",
        "lon",
        title=f"{model.value}: {len(sites)} new site(s), {result.status}, gap {result.gap:.2%}, "
        f"objective {result.objective:,.2f}",
    )
    for s in sites:
        table.add_row(
            s["id"],
            s["name"],
            f"{s['area_name']} ({s['area_pcode']})" if s["area_pcode"] else "-",
            f"{s['nearest_community']} ({s['nearest_community_km']:g} km)",
            f"{s['population_newly_covered']:,}",
            f"{s['lat']:.4f}",
            f"{s['lon']:.4f}",
        )
    out.print(table)
    compare = Table(
        "posture",
        f"covered within {standard}",
        "gap weight",
        "median response (h)",
        title=f"current posture ({posture_words(run.posture.counted())}, {run.season} season) vs proposed",
    )
    for name, cov in (("current", run.current), ("proposed", run.proposed)):
        compare.add_row(
            name,
            f"{cov.covered_share[0]:.1%}",
            f"{cov.gap_weight[0]:,.0f}",
            f"{cov.median_response_hours:.1f}" if np.isfinite(cov.median_response_hours) else "-",
        )
    out.print(compare)


@app.command("demo")
def demo(
    ctx: typer.Context,
    seed: Annotated[int, typer.Option(help="Random seed: the same seed gives the same mission.")] = 1,
    communities: Annotated[int, typer.Option(help="Number of communities.")] = 2000,
    events: Annotated[int, typer.Option(help="Minimum number of ACLED-format events.")] = 20000,
    keep_files: Annotated[Path | None, typer.Option(help="Keep the generated files in this folder.")] = None,
    accounts: Annotated[
        bool,
        typer.Option(
            help="Create one sign-in per role and print the passwords, and the field offices' staff with the "
            "alerts they have worked (every lifecycle status in each office)."
        ),
    ] = True,
) -> None:
    """Generate the fictional demo mission and store it through the normal importers."""
    from pochub.services.demo_mission import create_demo_accounts, load_demo
    from pochub.services.structures import require_structure

    st = state(ctx)
    summaries = load_demo(
        st.engine(), st.settings, seed=seed, n_communities=communities, n_events=events, keep=keep_files
    )
    table = Table("step", "stored", "updated", "duplicates linked", title=f"demo mission (seed {seed})")
    for step, figures in summaries:
        table.add_row(
            step,
            str(figures.get("stored", "")),
            str(figures.get("updated", "")),
            str(figures.get("duplicates_linked", "")),
        )
    err.print(table)
    if accounts:
        office = require_structure(st.engine()).field_offices[0].id
        made = create_demo_accounts(st.engine(), office)
        logins = Table("user", "role", "field office", "password", title="demo sign-ins (shown once)")
        for account in made:
            logins.add_row(
                account.username, account.role, account.field_office or "mission-wide", account.password
            )
        out.print(logins if made else "demo sign-ins already exist (their passwords were shown when made)")
        from pochub.services.demo_mission import create_demo_alerts

        statuses = create_demo_alerts(st.engine(), st.settings)
        if statuses:  # every field office holds an alert in every lifecycle status
            err.print(
                f"demo alerts: {sum(statuses.values())}, every lifecycle status in each field office "
                f"({', '.join(f'{status} {count}' for status, count in statuses.items())})"
            )


@app.command("serve")
def serve(
    ctx: typer.Context,
    host: Annotated[str | None, typer.Option(help="Address to listen on.")] = None,
    port: Annotated[int | None, typer.Option(help="Port to listen on.")] = None,
    workers: Annotated[
        int,
        typer.Option(
            min=1,
            help="Server processes. With more than one, each builds its own application from the POCHUB_* "
            "settings and the escalation and notification workers run once, in the supervising process.",
        ),
    ] = 1,
) -> None:
    """Serve the API and web application."""
    import uvicorn

    from pochub.api.app import create_app
    from pochub.services.workers import start_workers

    st = state(ctx)
    st.settings.key()  # no secret key, no server: the error says how to make one
    st.engine()  # create the schema if the database is empty
    settings = st.settings
    err.print(
        f"PoC Hub at http://{host or settings.host}:{port or settings.port}/  (database {settings.database_url}, "
        f"{workers} process{'es' if workers > 1 else ''})"
    )
    address, number = host or settings.host, port or settings.port
    if workers == 1:
        uvicorn.run(create_app(settings), host=address, port=number, log_level="info")
        return
    # the processes are spawned: they read their settings (with --database) from the environment
    os.environ["POCHUB_DATABASE_URL"] = settings.database_url
    os.environ["POCHUB_WORKERS"] = "false"
    background = start_workers(st.engine(), settings) if settings.workers else None
    try:
        uvicorn.run(
            "pochub.api.app:create_app_from_environment",
            factory=True,
            workers=workers,
            host=address,
            port=number,
            log_level="info",
            timeout_worker_healthcheck=60,  # importing the application takes more than uvicorn's 5 s on a busy host
        )
    finally:
        if background is not None:
            background.shutdown()


def _register_command_groups() -> None:
    """Command groups that live in pochub.commands (imported here, after the shared helpers above)."""
    from pochub.commands import access, actors, alert_stats, alerts, exercise, keys, notifications, structure

    for module in (structure, access, keys, alerts, alert_stats, notifications, exercise, actors):
        module.register(app)


_register_command_groups()


@functools.cache
def _command() -> Any:
    """The click command built from the Typer app, once per process (building it costs ~0.4 s)."""
    return typer.main.get_command(app)


def main() -> None:
    """Entry point: run the app, turning PoC Hub errors into messages and exit codes (usage errors exit 2)."""
    from pydantic import ValidationError

    try:
        _command()()
    except PocHubError as exc:
        print(f"error: {exc}", file=sys.stderr)
        sys.exit(exc.exit_code)
    except ValidationError as exc:  # a POCHUB_* setting is wrong (values are never shown: they may be keys)
        for problem in exc.errors():
            where = ".".join(str(part) for part in problem["loc"]) or "settings"
            print(f"error: {where}: {problem['msg'].removeprefix('Value error, ')}", file=sys.stderr)
        sys.exit(1)

"""`pochub import ...`: events (ACLED, UCDP, HXL, GeoJSON), boundaries, communities, population, bases,
units, roads and the coordination structure, each with a closing summary."""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any

import typer

from pochub.cli.console import Output, OutputFormat, err, print_summary, progress_bar, state
from pochub.errors import InvalidInput

import_app = typer.Typer(help="Import files in the field's formats.", no_args_is_help=True)


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

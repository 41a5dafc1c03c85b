"""`pochub events summary` and `pochub export events`: the stored events, summarised or exported."""

from __future__ import annotations

import json
import sys
from datetime import date
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.table import Table

from pochub.cli.console import Output, OutputFormat, err, first_steps, out, state

events_app = typer.Typer(help="Look at the stored events.", no_args_is_help=True)
export_app = typer.Typer(help="Export stored data in the field's formats.", no_args_is_help=True)


class ExportFormat(StrEnum):
    """Event export formats."""

    csv = "csv"
    hxl = "hxl"
    geojson = "geojson"


def _filter(start: date | None, end: date | None, source: str | None, include_duplicates: bool) -> Any:
    from pochub.core.models.filters import EventFilter

    return EventFilter(start=start, end=end, source=source, include_duplicates=include_duplicates)


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
    from pochub.services import event_views

    event_filter = _filter(start, end, source, include_duplicates)
    with state(ctx).engine().connect() as conn:
        rows = event_views.summary(conn, by, event_filter, level=level)
        monthly = event_views.summary(conn, "month", event_filter) if chart else []
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
    from pochub.services.event_views import exported

    event_filter = _filter(start, end, source, include_duplicates)
    handle = output_path.open("w", encoding="utf-8", newline="") if output_path else sys.stdout
    try:
        if fmt == ExportFormat.geojson:
            written = exported(state(ctx).engine(), event_filter, lambda rows: write_geojson(rows, handle))
        else:
            hxl = fmt == ExportFormat.hxl
            written = exported(
                state(ctx).engine(), event_filter, lambda rows: write_csv(rows, handle, hxl=hxl)
            )
    finally:
        if output_path:
            handle.close()
    err.print(f"{written:,} events exported")

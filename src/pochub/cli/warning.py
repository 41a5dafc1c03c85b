"""Early warning: `pochub hotspots` (Gi* and emerging hot spots), `pochub surges` and `pochub forecast ...`."""

from __future__ import annotations

import json
import sys
from datetime import date
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

import numpy as np
import typer
from rich.progress import BarColumn, Progress, TextColumn, TimeRemainingColumn
from rich.table import Table

from pochub.cli.console import Output, OutputFormat, err, first_steps, note_source_names, out, state
from pochub.cli.options import as_of_option, end_of_day
from pochub.errors import InvalidInput

forecast_app = typer.Typer(
    help="Forecasts of violence against civilians, and their honest evaluation.", no_args_is_help=True
)


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
        as_of=end_of_day(as_of),
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
        as_of=end_of_day(as_of),
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
        state(ctx).engine(), unit_kind=unit.value, level=level, resolution=resolution, as_of=end_of_day(as_of)
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
        note_source_names(state(ctx).engine(), level)
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

"""`pochub assess` and `pochub threats override`: the PoC threat matrix and the analysts' overrides."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.table import Table

from pochub.cli.console import (
    Output,
    OutputFormat,
    cli_actor,
    err,
    first_steps,
    note_source_names,
    out,
    state,
)
from pochub.cli.options import as_of_option, end_of_day
from pochub.errors import InvalidInput

threats_app = typer.Typer(help="The PoC threat matrix: analysts' overrides.", no_args_is_help=True)


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
    from pochub.services.event_views import by_ids
    from pochub.services.threats import assess
    from pochub.services.warning import area_signals

    if output_path is not None and output_path.suffix.lower() not in (".html", ".xlsx"):
        raise InvalidInput(f"-o {output_path}: write a .html or .xlsx file")
    if language not in ("en", "fr"):
        raise InvalidInput(f"--language {language!r}: choose en or fr")
    engine = state(ctx).engine()
    matrix = assess(engine, level=level, area=area, as_of=end_of_day(as_of), signals=area_signals)
    note_source_names(engine, level)
    if output_path is not None:
        from pochub.documents.threat_matrix import render_html, write_xlsx

        ids = sorted({i for r in matrix.records for i in r.evidence_ids})
        events = by_ids(engine, ids)
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
    from pochub.services.threats import add_override

    add_override(
        state(ctx).engine(), key, field, value, analyst, reason, actor=cli_actor(), actor_role="admin"
    )
    err.print(f"override recorded: {key} {field} = {value}")

"""`pochub structure ...` and `pochub checklist`: the coordination structure as data and the toolkit built on it.

The toolkit commands (organogram, terms of reference, checklist, model comparison) read the stored structure
(the demo mission's after `pochub demo`) or the file given with ``--structure``.
"""

from __future__ import annotations

import json
import sys
from datetime import date
from enum import StrEnum
from pathlib import Path
from typing import Annotated, NoReturn

import typer
from rich.table import Table

from pochub.cli.console import err, out, state
from pochub.cli.options import DocumentLanguage, LanguageOption
from pochub.core.models.coordination import CoordinatorModel, structure_in
from pochub.core.text import N_, Message
from pochub.errors import InvalidInput, PocHubError
from pochub.i18n import error_text, localise, translations

structure_app = typer.Typer(
    help="The coordination structure: validate, import, export, templates, organogram, terms of reference.",
    no_args_is_help=True,
)

StructureOption = Annotated[
    Path | None,
    typer.Option("--structure", help="Read this structure file (YAML) instead of the stored structure."),
]
BoundariesFromStore = Annotated[
    bool,
    typer.Option(
        "--boundaries-from-store", help="Check that the stored admin areas' P-codes are all covered."
    ),
]
PcodesFile = Annotated[
    Path | None,
    typer.Option(
        "--pcodes", help="Check coverage of these P-codes (one a line, CSV 'pcode' column, GeoJSON)."
    ),
]


class TorFormat(StrEnum):
    """Which documents `structure tor` writes."""

    html = "html"
    pdf = "pdf"
    both = "both"


class ReportFormat(StrEnum):
    """How `checklist` prints its scores."""

    table = "table"
    json = "json"


ProblemLanguageOption = Annotated[
    DocumentLanguage,
    typer.Option("--language", help="Print the problems in this language: en (English) or fr (French)."),
]


def _fail(error: PocHubError, language: str) -> NoReturn:
    """Print ``error`` in ``language`` as the CLI prints every error, and exit with its code."""
    print(f"error: {error_text(error, language)}", file=sys.stderr)
    raise typer.Exit(error.exit_code)


def _check_pcodes(
    ctx: typer.Context, from_store: bool, pcodes: Path | None
) -> set[str] | dict[str, str | None] | None:
    from pochub.services.structures import pcodes_for_check

    engine = state(ctx).engine() if from_store else None
    return pcodes_for_check(engine, from_store=from_store, pcodes_file=pcodes)


@structure_app.command("validate")
def validate(
    ctx: typer.Context,
    path: Path,
    boundaries_from_store: BoundariesFromStore = False,
    pcodes: PcodesFile = None,
    language: ProblemLanguageOption = DocumentLanguage.en,
) -> None:
    """Check a structure file: every problem is listed with its line and element; exit 1 if there is any."""
    from pochub.services.structures import validate_file

    lang = language.value
    try:
        report = validate_file(path, _check_pcodes(ctx, boundaries_from_store, pcodes))
    except PocHubError as exc:
        _fail(exc, lang)
    if report.valid:
        out.print(report.summary(lang), highlight=False, soft_wrap=True)
        return
    for line in report.lines(lang):
        print(line)
    count = Message(N_("{path}: {count} problem(s)"), path=str(path), count=len(report.problems))
    err.print(localise(count, lang), highlight=False, soft_wrap=True)
    raise typer.Exit(1)


@structure_app.command("import")
def import_command(
    ctx: typer.Context,
    path: Path,
    boundaries_from_store: BoundariesFromStore = False,
    pcodes: PcodesFile = None,
    language: ProblemLanguageOption = DocumentLanguage.en,
) -> None:
    """Validate a structure file and store it as the mission's current structure."""
    from pochub.services.structures import import_structure

    lang = language.value
    try:
        report = import_structure(
            state(ctx).engine(), path, _check_pcodes(ctx, boundaries_from_store, pcodes)
        )
    except PocHubError as exc:
        _fail(exc, lang)
    stored = Message(N_("stored. {summary}"), summary=report.summary(lang))
    err.print(localise(stored, lang), highlight=False, soft_wrap=True)


@structure_app.command("export")
def export_command(
    ctx: typer.Context,
    output: Annotated[Path, typer.Option("-o", "--output", help="Write the current structure here (YAML).")],
) -> None:
    """Write the current structure as YAML (it imports back unchanged)."""
    from pochub.services.structures import export_structure

    err.print(f"wrote {export_structure(state(ctx).engine(), output)}", highlight=False)


@structure_app.command("templates")
def templates(
    model: Annotated[
        CoordinatorModel | None, typer.Option("--model", help="Write this model's template (with -o).")
    ] = None,
    output: Annotated[
        Path | None, typer.Option("-o", "--output", help="Where to write the template.")
    ] = None,
) -> None:
    """List the structure templates (one per coordinator model), or write one to start from."""
    from pochub.core.toolkit.coordinator_models import profile
    from pochub.services.structures import template_text, write_template

    if model is None:
        table = Table("model", "coordinator", title="structure templates")
        for candidate in CoordinatorModel:
            table.add_row(candidate.value, profile(candidate).coordinator)
        out.print(table)
        return
    if output is None:
        print(template_text(model.value), end="")
        return
    err.print(f"wrote {write_template(model.value, output)}", highlight=False)


@structure_app.command("organogram")
def organogram(
    ctx: typer.Context,
    output: Annotated[Path, typer.Option("-o", "--output", help="The SVG file to write.")],
    structure_file: StructureOption = None,
    language: LanguageOption = DocumentLanguage.en,
) -> None:
    """Draw the structure's organogram (SVG): bodies by level with their reporting lines."""
    from pochub.documents.organogram import organogram_svg
    from pochub.services.structures import require_structure

    structure = require_structure(state(ctx).engine(), structure_file)
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_text(organogram_svg(structure, language.value), encoding="utf-8")
    err.print(f"wrote {output} ({len(structure.bodies)} bodies)", highlight=False)


@structure_app.command("tor")
def terms_of_reference(
    ctx: typer.Context,
    output: Annotated[Path, typer.Option("-o", "--output", help="The folder to write the documents to.")],
    structure_file: StructureOption = None,
    output_format: Annotated[TorFormat, typer.Option("--format", help="HTML, PDF or both.")] = TorFormat.both,
    body: Annotated[str | None, typer.Option("--body", help="Only this body's terms of reference.")] = None,
    language: LanguageOption = DocumentLanguage.en,
) -> None:
    """Write the terms of reference of every body (HTML and PDF) and an index with the organogram."""
    from pochub.documents.terms_of_reference import write_terms_of_reference
    from pochub.services.structures import require_structure

    structure = require_structure(state(ctx).engine(), structure_file)
    if body is not None and structure.body(body) is None:
        raise InvalidInput(f"--body {body!r}: no such body (bodies: {', '.join(structure.bodies_by_id)})")
    written = write_terms_of_reference(
        structure,
        output,
        html=output_format != TorFormat.pdf,
        pdf=output_format != TorFormat.html,
        body=body,
        language=language.value,
    )
    err.print(f"wrote {len(written)} files to {output}", highlight=False)


@structure_app.command("compare-models")
def compare_models(
    ctx: typer.Context,
    output: Annotated[
        Path | None, typer.Option("-o", "--output", help="Write the comparison (.html or .pdf).")
    ] = None,
    structure_file: StructureOption = None,
    language: LanguageOption = DocumentLanguage.en,
) -> None:
    """Compare the four coordinator models: advantages, drawbacks, the contexts that suit each."""
    from pochub.core.toolkit.coordinator_models import FACTORS, PROFILES
    from pochub.documents.coordinator_models import write_comparison
    from pochub.services.structures import current_structure

    if structure_file is not None:
        from pochub.services.structures import require_structure

        current = require_structure(state(ctx).engine(), structure_file).mission.coordinator_model
    else:
        with state(ctx).engine().connect() as conn:
            stored = current_structure(conn)
        current = stored.mission.coordinator_model if stored is not None else None
    if output is not None:
        err.print(f"wrote {write_comparison(output, current, language.value)}", highlight=False)
        return
    lang = language.value
    _ = translations(lang).gettext
    table = Table("", *(localise(p.title, lang) + (f" ({_('this mission')})" if p.model == current else "")
                        for p in PROFILES),
                  title=_("PoC coordinator models compared"), show_lines=True)  # fmt: skip
    table.add_row(
        _("Advantages"), *("\n".join(f"+ {localise(a, lang)}" for a in p.advantages) for p in PROFILES)
    )
    table.add_row(
        _("Drawbacks"), *("\n".join(f"- {localise(d, lang)}" for d in p.drawbacks) for p in PROFILES)
    )
    table.add_row(_("Contexts it suits"),
                  *("\n".join(f"* {localise(c, lang)}" for c in p.suited_contexts) for p in PROFILES))  # fmt: skip
    ratings = {"low": _("low"), "medium": _("medium"), "high": _("high")}
    for factor in FACTORS:
        table.add_row(localise(factor.name, lang), *(ratings[factor.rating(p.model)] for p in PROFILES))
    out.print(table)


@structure_app.command("route")
def route_command(
    ctx: typer.Context,
    urgency: Annotated[str, typer.Option("--urgency", help="The alert's urgency.")],
    threat: Annotated[str | None, typer.Option("--threat", help="The alert's threat type.")] = None,
    pcode: Annotated[str | None, typer.Option("--pcode", help="Where the alert comes from.")] = None,
    structure_file: StructureOption = None,
) -> None:
    """Show where the structure routes an alert: body, focal point, field office, who is informed, deadlines."""
    from pochub.core.models.coordination import LIFECYCLE_STEPS
    from pochub.core.workflow.structure import deadline, escalation_path, route
    from pochub.services.structures import require_structure

    structure = require_structure(state(ctx).engine(), structure_file)
    if urgency not in structure.routing.urgencies:
        raise InvalidInput(f"--urgency {urgency!r}: known: {', '.join(structure.routing.urgencies)}")
    found = route(structure, threat_type=threat, urgency=urgency, pcode=pcode)
    print(
        json.dumps(
            {
                "body": found.body_id,
                "focal_point_role": found.focal_point_role,
                "field_office": found.field_office,
                "notify": list(found.notify),
                "escalation_path": list(escalation_path(structure, found.body_id)),
                "deadlines_hours": {
                    step: deadline(structure, step, urgency).total_seconds() / 3600
                    for step in LIFECYCLE_STEPS
                    if step in dict(structure.deadlines_hours)
                },
            },
            indent=2,
        )
    )


def checklist(
    ctx: typer.Context,
    structure_file: StructureOption = None,
    template: Annotated[
        Path | None, typer.Option("--template", help="Write the blank self-assessment (YAML) to fill in.")
    ] = None,
    answers: Annotated[Path | None, typer.Option("--answers", help="The filled-in self-assessment.")] = None,
    output: Annotated[
        Path | None, typer.Option("-o", "--output", help="Write the report (.html or .pdf).")
    ] = None,
    as_of: Annotated[
        str | None, typer.Option("--as-of", help="Date of the assessment (YYYY-MM-DD; default today).")
    ] = None,
    output_format: Annotated[ReportFormat, typer.Option("--format", help="Scores as a table or JSON.")] = (
        ReportFormat.table
    ),
    language: LanguageOption = DocumentLanguage.en,
) -> None:
    """The ten-task PoC coordination checklist: a self-assessment with a score per task and remedial measures."""
    from pochub.documents.checklist import write_report
    from pochub.services.structures import assess_checklist, require_structure, write_checklist_template

    structure = structure_in(require_structure(state(ctx).engine(), structure_file), language.value)
    if template is not None:
        write_checklist_template(structure, template, language.value)
        err.print(
            f"wrote {template}: answer it, then run pochub checklist --answers {template}", highlight=False
        )
        if answers is None and output is None:
            return
    try:
        day = date.fromisoformat(as_of) if as_of else date.today()
    except ValueError as exc:
        raise InvalidInput(f"--as-of {as_of!r}: expected YYYY-MM-DD") from exc
    assessment = assess_checklist(structure, answers, day)
    lang = language.value
    if output is not None:
        err.print(f"wrote {write_report(assessment, output, language.value)}", highlight=False)
    if output_format == ReportFormat.json:
        print(json.dumps({
            "mission": assessment.mission, "as_of": day.isoformat(), "score": round(assessment.score, 1),
            "tasks": [{"task": t.task.key, "title": localise(t.task.title, lang), "score": t.score, "rating": t.rating,
                       **dict(t.counts)} for t in assessment.tasks],
        }))  # fmt: skip
        return
    _ = translations(lang).gettext
    table = Table("#", _("Task"), _("Score"), _("Rating"), _("Yes"), _("Partial"), _("No"), _("Unanswered"),
                  title=_("PoC coordination checklist — %(mission)s") % {"mission": assessment.mission}
                  + f" ({day.isoformat()})",
                  caption=_("overall score") + f" {assessment.score:.0f} %")  # fmt: skip
    ratings = {"strong": _("strong"), "partial": _("partial"), "weak": _("weak")}
    for i, t in enumerate(assessment.tasks, 1):
        counts = dict(t.counts)
        table.add_row(str(i), localise(t.task.title, lang), f"{t.score:.0f} %", ratings.get(t.rating, t.rating),
                      *(str(counts[s]) for s in ("yes", "partial", "no", "unanswered")))  # fmt: skip
    out.print(table)

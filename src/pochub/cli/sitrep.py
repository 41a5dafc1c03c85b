"""`pochub report weekly`: the weekly PoC situation report (HTML or PDF, English or French)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from pochub.cli.console import err, state
from pochub.cli.options import DocumentLanguage, LanguageOption

report_app = typer.Typer(
    help="Reports a mission sends: the weekly PoC situation report.", no_args_is_help=True
)


@report_app.command("weekly")
def weekly(
    ctx: typer.Context,
    output: Annotated[Path, typer.Option("-o", "--output", help="The file to write: .html or .pdf.")],
    as_user: Annotated[str, typer.Option("--as", help="Write it as this user (their role and area apply).")],
    week: Annotated[str | None, typer.Option(help="ISO week, e.g. 2026-W48 (default: this week).")] = None,
    standard: Annotated[float, typer.Option(help="Coverage standard in hours.")] = 4.0,
    language: LanguageOption = DocumentLanguage.en,
) -> None:
    """Assemble the week's report from the data: violence and trends, top risks and changes, alerts and response
    times against the standard, coverage and gaps, commitments to communities."""
    from pochub.documents import sitrep as document
    from pochub.i18n import translations
    from pochub.services.access import get_user
    from pochub.services.sitrep import this_week, weekly_report

    engine = state(ctx).engine()
    user: Any = get_user(engine, as_user)
    report = weekly_report(engine, user, week or this_week(), coverage_hours=standard)
    if output.suffix.lower() == ".pdf":
        output.write_bytes(document.render_pdf(report, language.value))
    else:
        output.write_text(document.render_html(report, language.value), encoding="utf-8")
    _ = translations(language.value).gettext
    err.print(_("wrote %(file)s") % {"file": output})

"""The weekly PoC situation report as a document (HTML, PDF) in English or French."""

from __future__ import annotations

from markupsafe import Markup

from pochub.documents.templating import render, render_content
from pochub.i18n import DEFAULT_LANGUAGE
from pochub.services.sitrep import WeeklyReport


def render_html(report: WeeklyReport, language: str = DEFAULT_LANGUAGE) -> str:
    """The report as a self-contained HTML page."""
    return render("sitrep.html.j2", language, report=report)


def render_page_content(report: WeeklyReport, language: str = DEFAULT_LANGUAGE) -> Markup:
    """The report without the page around it, for the web page that shows it."""
    return render_content("sitrep.html.j2", language, report=report)


def render_pdf(report: WeeklyReport, language: str = DEFAULT_LANGUAGE) -> bytes:
    """The report as PDF."""
    from weasyprint import HTML

    pdf: bytes = HTML(string=render_html(report, language)).write_pdf()
    return pdf

"""Terms of reference of the coordination bodies as HTML and PDF (WeasyPrint), with an index page, in English or
French (the documents' headings and labels; the structure's and doctrine's own text stays as written)."""

from __future__ import annotations

from pathlib import Path

from markupsafe import Markup

from pochub.core.models.coordination import Structure, structure_in
from pochub.core.toolkit.organogram import layout
from pochub.core.toolkit.terms_of_reference import TermsOfReference, all_terms_of_reference
from pochub.documents.organogram import render_svg
from pochub.documents.templating import ENVIRONMENT, render, render_content
from pochub.i18n import DEFAULT_LANGUAGE

__all__ = [
    "ENVIRONMENT",
    "render_html",
    "render_index",
    "render_page_content",
    "render_pdf",
    "write_terms_of_reference",
]


def render_html(tor: TermsOfReference, language: str = DEFAULT_LANGUAGE) -> str:
    """One body's terms of reference as a self-contained HTML page."""
    return render("tor_body.html.j2", language, tor=tor)


def render_page_content(tor: TermsOfReference, language: str = DEFAULT_LANGUAGE) -> Markup:
    """One body's terms of reference without the page around them, for the web page that shows them."""
    return render_content("tor_body.html.j2", language, tor=tor)


def render_pdf(tor: TermsOfReference, language: str = DEFAULT_LANGUAGE) -> bytes:
    """One body's terms of reference as PDF."""
    from weasyprint import HTML

    pdf: bytes = HTML(string=render_html(tor, language)).write_pdf()
    return pdf


def render_index(
    structure: Structure, terms: tuple[TermsOfReference, ...], *, pdf: bool, language: str = DEFAULT_LANGUAGE
) -> str:
    """The index page: the organogram and a link to every body's terms of reference."""
    svg = render_svg(layout(structure), language).split("?>", 1)[-1]
    return render(
        "tor_index.html.j2", language, mission=structure.mission.name, terms=terms, organogram=svg, pdf=pdf
    )


def write_terms_of_reference(
    structure: Structure,
    folder: Path,
    *,
    html: bool = True,
    pdf: bool = True,
    body: str | None = None,
    language: str = DEFAULT_LANGUAGE,
) -> list[Path]:
    """Write ``BODY.html`` and/or ``BODY.pdf`` for every body (or one) and ``index.html``; returns the paths."""
    folder.mkdir(parents=True, exist_ok=True)
    structure = structure_in(structure, language)
    terms = all_terms_of_reference(structure)
    if body is not None:
        terms = tuple(t for t in terms if t.body_id == body)
    written = []
    for tor in terms:
        if html:
            path = folder / f"{tor.body_id}.html"
            path.write_text(render_html(tor, language), encoding="utf-8")
            written.append(path)
        if pdf:
            path = folder / f"{tor.body_id}.pdf"
            path.write_bytes(render_pdf(tor, language))
            written.append(path)
    if body is None:
        index = folder / "index.html"
        index.write_text(render_index(structure, terms, pdf=pdf, language=language), encoding="utf-8")
        written.append(index)
    return written

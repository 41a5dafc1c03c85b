"""Terms of reference of the coordination bodies as HTML and PDF (WeasyPrint), with an index page."""

from __future__ import annotations

from pathlib import Path

from jinja2 import Environment, PackageLoader, select_autoescape

from pochub.core.models.coordination import Structure
from pochub.core.toolkit.organogram import layout
from pochub.core.toolkit.terms_of_reference import TermsOfReference, all_terms_of_reference
from pochub.documents.organogram import render_svg

ENVIRONMENT = Environment(
    loader=PackageLoader("pochub.documents", "templates"), autoescape=select_autoescape(["html", "j2"])
)


def render_html(tor: TermsOfReference) -> str:
    """One body's terms of reference as a self-contained HTML page."""
    return ENVIRONMENT.get_template("tor_body.html.j2").render(tor=tor)


def render_pdf(tor: TermsOfReference) -> bytes:
    """One body's terms of reference as PDF."""
    from weasyprint import HTML

    pdf: bytes = HTML(string=render_html(tor)).write_pdf()
    return pdf


def render_index(structure: Structure, terms: tuple[TermsOfReference, ...], *, pdf: bool) -> str:
    """The index page: the organogram and a link to every body's terms of reference."""
    svg = render_svg(layout(structure)).split("?>", 1)[-1]
    return ENVIRONMENT.get_template("tor_index.html.j2").render(
        mission=structure.mission.name, terms=terms, organogram=svg, pdf=pdf
    )


def write_terms_of_reference(
    structure: Structure, folder: Path, *, html: bool = True, pdf: bool = True, body: str | None = None
) -> list[Path]:
    """Write ``BODY.html`` and/or ``BODY.pdf`` for every body (or one) and ``index.html``; returns the paths."""
    folder.mkdir(parents=True, exist_ok=True)
    terms = all_terms_of_reference(structure)
    if body is not None:
        terms = tuple(t for t in terms if t.body_id == body)
    written = []
    for tor in terms:
        if html:
            path = folder / f"{tor.body_id}.html"
            path.write_text(render_html(tor), encoding="utf-8")
            written.append(path)
        if pdf:
            path = folder / f"{tor.body_id}.pdf"
            path.write_bytes(render_pdf(tor))
            written.append(path)
    if body is None:
        index = folder / "index.html"
        index.write_text(render_index(structure, terms, pdf=pdf), encoding="utf-8")
        written.append(index)
    return written

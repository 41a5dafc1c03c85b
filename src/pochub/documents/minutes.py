"""A forum meeting's minutes as a document (HTML, PDF) in English or French: the body, the date, attendance by
post against the terms of reference (quorum, missing components), the agenda, decisions and their action points,
for the secretariat to circulate (DOMAIN.md section 9)."""

from __future__ import annotations

from typing import Any

from markupsafe import Markup

from pochub.core.coordination_practice.actions import ACTION_STATUS_LABELS
from pochub.core.models.coordination import Structure, structure_in
from pochub.documents.templating import render, render_content
from pochub.i18n import DEFAULT_LANGUAGE


def _context(meeting: Any, structure: Structure, language: str) -> dict[str, object]:
    named = structure_in(structure, language)
    return {"meeting": meeting, "structure": named, "status_labels": ACTION_STATUS_LABELS}


def render_html(meeting: Any, structure: Structure, language: str = DEFAULT_LANGUAGE) -> str:
    """The minutes as a self-contained HTML page (``meeting``: a ``services.forums.MeetingRecord``)."""
    return render("minutes.html.j2", language, **_context(meeting, structure, language))


def render_page_content(meeting: Any, structure: Structure, language: str = DEFAULT_LANGUAGE) -> Markup:
    """The minutes without the page around them, for the web page that shows them."""
    return render_content("minutes.html.j2", language, **_context(meeting, structure, language))


def render_pdf(meeting: Any, structure: Structure, language: str = DEFAULT_LANGUAGE) -> bytes:
    """The minutes as PDF."""
    from weasyprint import HTML

    pdf: bytes = HTML(string=render_html(meeting, structure, language)).write_pdf()
    return pdf


def render_docx(meeting: Any, structure: Structure, language: str = DEFAULT_LANGUAGE) -> bytes:
    """The minutes as DOCX (python-docx), the format secretariats edit and circulate; same content as the HTML."""
    from io import BytesIO

    from docx import Document

    from pochub.i18n import localise, translations

    _ = translations(language).gettext
    named = structure_in(structure, language)
    body = named.body(meeting.body_id)
    document = Document()
    document.core_properties.language = language
    document.add_heading(
        _("Minutes: %(body)s, %(date)s")
        % {"body": body.name if body else meeting.body, "date": meeting.held_on.isoformat()},
        level=1,
    )
    document.add_paragraph(_("Recorded by %(who)s.") % {"who": meeting.recorded_by})
    document.add_heading(_("Attendance"), level=2)
    for post in meeting.attendance:
        document.add_paragraph(named.title_of(post), style="List Bullet")
    document.add_paragraph(
        _("Quorum: %(present)s member(s) present of %(quorum)s required.")
        % {"present": len(meeting.check.members_present), "quorum": meeting.check.quorum}
    )
    for flag in meeting.check.flags():
        document.add_paragraph(localise(flag, language)).runs[0].bold = True
    document.add_heading(_("Agenda"), level=2)
    for item in meeting.agenda:
        document.add_paragraph(localise(item, language), style="List Number")
    document.add_heading(_("Decisions and action points"), level=2)
    if not meeting.decisions:
        document.add_paragraph(_("No decision recorded."))
    for decision in meeting.decisions:
        document.add_paragraph(decision.text, style="List Number")
        if decision.action_points:
            table = document.add_table(rows=1, cols=4)
            table.style = "Table Grid"
            for cell, title in zip(
                table.rows[0].cells, (_("Action point"), _("Owner"), _("Due"), _("Status")), strict=True
            ):
                cell.text = title
            for record in decision.action_points:
                status = localise(ACTION_STATUS_LABELS[record.point.status], language)
                if record.overdue:
                    status += " — " + _("overdue")
                cells = table.add_row().cells
                cells[0].text = f"{record.reference} {localise(record.what_text, language)}"
                cells[1].text = named.title_of(record.point.owner_post)
                cells[2].text = record.point.due.isoformat()
                cells[3].text = status
    if meeting.note:
        document.add_heading(_("Notes"), level=2)
        document.add_paragraph(meeting.note)
    buffer = BytesIO()
    document.save(buffer)
    return buffer.getvalue()

"""The coordination checklist self-assessment as an HTML (or PDF) report, in English or French (the report's
headings and labels; the toolkit's questions and the answers stay as written)."""

from __future__ import annotations

from pathlib import Path

from pochub.core.toolkit.checklist import ChecklistAssessment
from pochub.documents.templating import render
from pochub.i18n import DEFAULT_LANGUAGE


def render_html(assessment: ChecklistAssessment, language: str = DEFAULT_LANGUAGE) -> str:
    """Scores per task, then every question with its answer, evidence and remedial measure."""
    return render("checklist_report.html.j2", language, assessment=assessment)


def write_report(assessment: ChecklistAssessment, path: Path, language: str = DEFAULT_LANGUAGE) -> Path:
    """Write the report as HTML, or as PDF when ``path`` ends in .pdf."""
    path.parent.mkdir(parents=True, exist_ok=True)
    html = render_html(assessment, language)
    if path.suffix.lower() == ".pdf":
        from weasyprint import HTML

        HTML(string=html).write_pdf(path)
    else:
        path.write_text(html, encoding="utf-8")
    return path

"""The coordination checklist self-assessment as an HTML (or PDF) report."""

from __future__ import annotations

from pathlib import Path

from pochub.core.toolkit.checklist import ChecklistAssessment
from pochub.documents.terms_of_reference import ENVIRONMENT


def render_html(assessment: ChecklistAssessment) -> str:
    """Scores per task, then every question with its answer, evidence and remedial measure."""
    return ENVIRONMENT.get_template("checklist_report.html.j2").render(assessment=assessment)


def write_report(assessment: ChecklistAssessment, path: Path) -> Path:
    """Write the report as HTML, or as PDF when ``path`` ends in .pdf."""
    path.parent.mkdir(parents=True, exist_ok=True)
    html = render_html(assessment)
    if path.suffix.lower() == ".pdf":
        from weasyprint import HTML

        HTML(string=html).write_pdf(path)
    else:
        path.write_text(html, encoding="utf-8")
    return path

"""The side-by-side comparison of the four coordinator models as HTML (or PDF), in English or French (the
document's headings, labels and ratings, and the toolkit's profiles, translated from the catalogues)."""

from __future__ import annotations

from pathlib import Path

from markupsafe import Markup

from pochub.core.models.coordination import CoordinatorModel
from pochub.core.toolkit.coordinator_models import FACTORS, MODEL_LABELS, PROFILES
from pochub.documents.templating import render, render_content
from pochub.i18n import DEFAULT_LANGUAGE


def render_html(current: CoordinatorModel | None = None, language: str = DEFAULT_LANGUAGE) -> str:
    """The comparison, outlining the model the mission uses."""
    return render(
        "models_comparison.html.j2",
        language,
        profiles=PROFILES,
        factors=FACTORS,
        current=current,
        MODEL_LABELS=MODEL_LABELS,
    )


def render_page_content(current: CoordinatorModel | None = None, language: str = DEFAULT_LANGUAGE) -> Markup:
    """The comparison without the page around it, for the web page that shows it."""
    return render_content(
        "models_comparison.html.j2",
        language,
        profiles=PROFILES,
        factors=FACTORS,
        current=current,
        MODEL_LABELS=MODEL_LABELS,
    )


def write_comparison(
    path: Path, current: CoordinatorModel | None = None, language: str = DEFAULT_LANGUAGE
) -> Path:
    """Write the comparison as HTML, or as PDF when ``path`` ends in .pdf."""
    path.parent.mkdir(parents=True, exist_ok=True)
    html = render_html(current, language)
    if path.suffix.lower() == ".pdf":
        from weasyprint import HTML

        HTML(string=html).write_pdf(path)
    else:
        path.write_text(html, encoding="utf-8")
    return path

"""A community protection plan as a document (HTML, PDF) in English or French, for the community meeting and the
field office's file."""

from __future__ import annotations

from datetime import date

from markupsafe import Markup

from pochub.core.perspectives.plans import ProtectionPlan, review_due
from pochub.core.perspectives.profiles import LABELS
from pochub.core.text import Text
from pochub.documents.templating import render, render_content
from pochub.i18n import DEFAULT_LANGUAGE


def _context(
    plan: ProtectionPlan, community: str, today: date, reasons: list[Text] | None
) -> dict[str, object]:
    return {
        "plan": plan, "community": community, "today": today, "labels": LABELS,
        "review_reasons": reasons if reasons is not None else review_due(plan, today),
    }  # fmt: skip


def render_html(
    plan: ProtectionPlan,
    community: str,
    today: date,
    language: str = DEFAULT_LANGUAGE,
    reasons: list[Text] | None = None,
) -> str:
    """The plan as a self-contained HTML page (``reasons``: why it needs review, computed with events if given)."""
    return render("protection_plan.html.j2", language, **_context(plan, community, today, reasons))


def render_page_content(
    plan: ProtectionPlan,
    community: str,
    today: date,
    language: str = DEFAULT_LANGUAGE,
    reasons: list[Text] | None = None,
) -> Markup:
    """The plan without the page around it, for the web page that shows it."""
    return render_content("protection_plan.html.j2", language, **_context(plan, community, today, reasons))


def render_pdf(
    plan: ProtectionPlan,
    community: str,
    today: date,
    language: str = DEFAULT_LANGUAGE,
    reasons: list[Text] | None = None,
) -> bytes:
    """The plan as PDF."""
    from weasyprint import HTML

    pdf: bytes = HTML(string=render_html(plan, community, today, language, reasons)).write_pdf()
    return pdf

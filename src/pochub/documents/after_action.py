"""The after-action review of an exercise as HTML (or PDF through WeasyPrint): the timeline of injects and
decisions, the map at each key moment with the team's posture beside the optimal plan, the scores with their
explanations, and the lessons; in English or French (the review's headings, labels and legend, the scores'
explanations and the lessons; the injects are the exercise's own text and stay as written)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from markupsafe import Markup, escape

from pochub.core.models.coordination import LanguageText
from pochub.documents.templating import render, render_content
from pochub.i18n import DEFAULT_LANGUAGE, translations
from pochub.services.exercises import Moment, Review

WIDTH, HEIGHT, MARGIN = 520.0, 360.0, 18.0


def moment_svg(moment: Moment, language: str = DEFAULT_LANGUAGE) -> Markup:
    """The map of one moment: communities at risk (filled when the team covers them), alerts, the bases kept,
    the team's sites and the optimal plan's sites (their tooltips in ``language``)."""
    _ = translations(language).gettext
    covered_label, not_covered_label = _("covered"), _("not covered")
    lats = [d[1] for d in moment.demand] + [a[1] for a in moment.alerts] + [s.latitude for s in moment.fixed]
    lons = [d[2] for d in moment.demand] + [a[2] for a in moment.alerts] + [s.longitude for s in moment.fixed]
    lats += [s.latitude for s in moment.team_sites + moment.optimal_sites]
    lons += [s.longitude for s in moment.team_sites + moment.optimal_sites]
    south, north = min(lats), max(lats)
    west, east = min(lons), max(lons)
    span = max(north - south, east - west, 0.05)
    scale = min((WIDTH - 2 * MARGIN) / span, (HEIGHT - 2 * MARGIN) / span)

    def xy(lat: float, lon: float) -> tuple[float, float]:
        return MARGIN + (lon - west) * scale, HEIGHT - MARGIN - (lat - south) * scale

    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH:g} {HEIGHT:g}" width="{WIDTH:g}" '
        f'height="{HEIGHT:g}" role="img"><rect width="100%" height="100%" fill="#f7f7f2" stroke="#ccc"/>'
    ]
    heaviest = max((d[3] for d in moment.demand), default=1.0) or 1.0
    for name, lat, lon, weight, covered in moment.demand:
        x, y = xy(lat, lon)
        radius = 2.5 + 6 * (weight / heaviest) ** 0.5
        fill = "#2b8cbe" if covered else "#f03b20"
        parts.append(
            f'<circle cx="{x:.1f}" cy="{y:.1f}" r="{radius:.1f}" fill="{fill}" fill-opacity="0.55">'
            f"<title>{escape(name)}: {weight:,.0f} {covered_label if covered else not_covered_label}</title></circle>"
        )
    for site in moment.fixed:
        x, y = xy(site.latitude, site.longitude)
        tooltip = _("base %(site)s") % {"site": site.name}
        parts.append(
            f'<rect x="{x - 4:.1f}" y="{y - 4:.1f}" width="8" height="8" fill="#444"><title>{escape(tooltip)}'
            "</title></rect>"
        )
    for reference, lat, lon in moment.alerts:
        x, y = xy(lat, lon)
        tooltip = _("alert %(reference)s") % {"reference": reference}
        parts.append(
            f'<path d="M{x:.1f},{y - 7:.1f} L{x + 6:.1f},{y + 5:.1f} L{x - 6:.1f},{y + 5:.1f} Z" fill="#fdae61" '
            f'stroke="#b35806"><title>{escape(tooltip)}</title></path>'
        )
    for site in moment.team_sites:
        x, y = xy(site.latitude, site.longitude)
        tooltip = _("team: %(site)s") % {"site": site.name}
        parts.append(
            f'<circle cx="{x:.1f}" cy="{y:.1f}" r="5" fill="#08519c">'
            f"<title>{escape(tooltip)}</title></circle>"
        )
    for site in moment.optimal_sites:
        x, y = xy(site.latitude, site.longitude)
        tooltip = _("optimal: %(site)s") % {"site": site.name}
        parts.append(
            f'<circle cx="{x:.1f}" cy="{y:.1f}" r="9" fill="none" stroke="#238b45" stroke-width="2.5">'
            f"<title>{escape(tooltip)}</title></circle>"
        )
    parts.append("</svg>")
    return Markup("".join(parts))


def _names(review: Review, language: str) -> dict[str, Any]:
    """The post titles in ``language`` (a structure's titles may be language maps) and the units' names."""
    posts = {
        post: title.in_language(language) if isinstance(title, LanguageText) else title
        for post, title in review.posts.items()
    }
    return {"posts": posts, "units": review.units}


def render_html(review: Review, *, pdf: bool = False, language: str = DEFAULT_LANGUAGE) -> str:
    """The review as one self-contained HTML page."""
    maps = [(moment, moment_svg(moment, language)) for moment in review.moments]
    return render(
        "aar_report.html.j2", language, review=review, maps=maps, pdf=pdf, **_names(review, language)
    )


def render_page_content(review: Review, language: str = DEFAULT_LANGUAGE) -> Markup:
    """The review without the page around it, for the web page that shows it."""
    maps = [(moment, moment_svg(moment, language)) for moment in review.moments]
    return render_content(
        "aar_report.html.j2", language, review=review, maps=maps, pdf=False, **_names(review, language)
    )


def render_pdf(review: Review, language: str = DEFAULT_LANGUAGE) -> bytes:
    """The review as PDF."""
    from weasyprint import HTML

    pdf: bytes = HTML(string=render_html(review, pdf=True, language=language)).write_pdf()
    return pdf


def write_review(review: Review, path: Path, language: str = DEFAULT_LANGUAGE) -> Path:
    """Write the review as HTML, or as PDF when ``path`` ends in .pdf."""
    path.parent.mkdir(parents=True, exist_ok=True)
    if path.suffix.lower() == ".pdf":
        path.write_bytes(render_pdf(review, language))
    else:
        path.write_text(render_html(review, language=language), encoding="utf-8")
    return path

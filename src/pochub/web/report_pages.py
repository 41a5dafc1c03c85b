"""The weekly PoC situation report as a page of the site, with its HTML and PDF documents a link away."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response

from pochub.documents import sitrep as document
from pochub.errors import InvalidInput
from pochub.http.auth import OptionalUser
from pochub.i18n import translations
from pochub.services.sitrep import this_week, weekly_report
from pochub.web.rendering import language_of, render, to_login

router = APIRouter(include_in_schema=False)


@router.get("/reports/weekly")
def weekly_page(request: Request, user: OptionalUser, week: str = "") -> Response:
    """This week's report, or the week asked for (``?week=2026-W48``)."""
    if user is None:
        return to_login(request)
    language = language_of(request)
    _ = translations(language).gettext
    chosen = week[:10] or this_week()
    try:
        report = weekly_report(request.app.state.engine, user, chosen)
    except InvalidInput:
        return render(request, "not_found.html", status_code=404, user=user)
    link = f"/api/v1/reports/weekly?week={report.week}"
    return render(
        request, "document_page.html", user=user,
        title=_("Weekly PoC situation report, %(week)s") % {"week": report.week},
        document=document.render_page_content(report, language),
        downloads=[(link, _("The report as a document to print or save (HTML)")), (f"{link}&format=pdf", _("The report as PDF"))],
        back_href="/", back_label=_("Operational picture"),
    )  # fmt: skip

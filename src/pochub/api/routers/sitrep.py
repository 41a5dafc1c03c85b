"""The weekly PoC situation report over the API: as HTML or PDF in the reader's language."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse, Response

from pochub.api.responses import SIGNED_IN
from pochub.core.models.access import User
from pochub.documents import sitrep as document
from pochub.http.auth import current_user
from pochub.http.language import language_of
from pochub.services.sitrep import this_week, weekly_report

router = APIRouter(prefix="/api/v1/reports", tags=["reports"], responses=SIGNED_IN)


@router.get(
    "/weekly", response_class=Response, responses={200: {"content": {"text/html": {}, "application/pdf": {}}}}
)
def weekly(
    request: Request,
    user: Annotated[User, Depends(current_user)],
    week: Annotated[
        str | None, Query(pattern=r"^\d{4}-[Ww]\d{2}$", description="ISO week, e.g. 2026-W48.")
    ] = None,
    format: Annotated[Literal["html", "pdf"], Query()] = "html",
) -> Response:
    """The week's situation report (default: this week) as the reader may read it."""
    report = weekly_report(request.app.state.engine, user, week or this_week())
    language = language_of(request)
    if format == "pdf":
        return Response(document.render_pdf(report, language), media_type="application/pdf")
    return HTMLResponse(document.render_html(report, language))

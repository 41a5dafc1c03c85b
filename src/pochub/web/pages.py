"""The web application's pages: login, the operational picture, charts and the pages still to come.

Pages are rendered on the server in the user's language; the map and charts fetch the JSON API of the same
server (never anything outside it). A page needs a signed-in user (the ``pochub_session`` cookie that login sets);
without one it redirects to the login page, which brings the user back afterwards.
"""

from __future__ import annotations

import mimetypes
from collections.abc import Callable
from datetime import date, timedelta
from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import FileResponse, JSONResponse, RedirectResponse, Response

from pochub.core.models.filters import EventFilter
from pochub.errors import Forbidden, NotFound
from pochub.http.auth import SESSION_COOKIE, OptionalUser, client_address, optional_user
from pochub.http.database import DbConnection
from pochub.services import event_views, place_views
from pochub.services.access import authenticate, issue_credential, revoke_credential
from pochub.web import threat_matrix
from pochub.web.i18n import LANGUAGE_COOKIE, LANGUAGES
from pochub.web.rendering import STATIC_DIR, language_of, local_path, render, to_login

router = APIRouter(include_in_schema=False)
router.include_router(threat_matrix.router)

LANGUAGE_COOKIE_SECONDS = 365 * 24 * 3600

UPCOMING = ("alerts", "coverage", "coordination")
"""Pages whose API is not final yet; each says what will be there (the alert inbox and alert page go at /alerts)."""


@router.get("/login")
def login_page(request: Request, user: OptionalUser, next: str = "/") -> Response:
    """The login form (a signed-in user goes straight on)."""
    if user is not None:
        return RedirectResponse(local_path(next), status_code=303)
    return render(request, "login.html", next=local_path(next), errors={}, username="")


@router.post("/login")
def login(
    request: Request,
    username: Annotated[str, Form()] = "",
    password: Annotated[str, Form()] = "",
    next: Annotated[str, Form()] = "/",
) -> Response:
    """Check the form, sign the user in with a session cookie and go to ``next``; else say what is wrong."""
    username = username.strip()
    errors: dict[str, str] = {}
    if not username:
        errors["username"] = "missing_username"
    if not password:
        errors["password"] = "missing_password"
    status_code = 422
    if not errors:
        engine = request.app.state.engine
        try:
            user = authenticate(engine, username, password, client=client_address(request))
        except Forbidden as exc:
            errors["form"] = "throttled" if "too many" in str(exc) else "wrong_credentials"
            status_code = 401
        else:
            hours = request.app.state.settings.session_hours
            secret = issue_credential(engine, user, "session", timedelta(hours=hours), name="web sign-in")
            response = RedirectResponse(local_path(next), status_code=303)
            response.set_cookie(
                SESSION_COOKIE,
                secret,
                max_age=int(hours * 3600),
                httponly=True,
                samesite="lax",
                secure=request.url.scheme == "https",
                path="/",
            )
            return response
    return render(
        request,
        "login.html",
        status_code=status_code,
        next=local_path(next),
        errors=errors,
        username=username,
    )


@router.post("/logout")
def logout(request: Request) -> Response:
    """Revoke the session, forget its cookie, clear what the browser keeps of this site (the service worker's
    caches, the queue of writes waiting to send, the HTTP cache: a shared phone keeps nothing of the person) and
    go back to the login page. The page's script clears the same before it posts, for browsers without
    Clear-Site-Data."""
    secret = request.cookies.get(SESSION_COOKIE)
    if secret:
        revoke_credential(request.app.state.engine, secret, client=client_address(request))
    response = RedirectResponse("/login", status_code=303)
    response.delete_cookie(SESSION_COOKIE, path="/", httponly=True, samesite="lax")
    response.headers["Clear-Site-Data"] = '"cache", "storage"'
    return response


@router.post("/language")
def choose_language(
    request: Request, language: Annotated[str, Form()] = "", next: Annotated[str, Form()] = "/"
) -> Response:
    """Remember the language the user picked (a cookie) and show the same page again in it."""
    response = RedirectResponse(local_path(next), status_code=303)
    if language in LANGUAGES:
        response.set_cookie(
            LANGUAGE_COOKIE, language, max_age=LANGUAGE_COOKIE_SECONDS, samesite="lax", httponly=False
        )
    return response


def _months(first: date | None, last: date | None) -> list[str]:
    """Every month from ``first`` to ``last`` as YYYY-MM (none when there are no events)."""
    if first is None or last is None:
        return []
    year, month, months = first.year, first.month, []
    while (year, month) <= (last.year, last.month):
        months.append(f"{year:04d}-{month:02d}")
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return months


@router.get("/")
def operational_picture(request: Request, conn: DbConnection, user: OptionalUser) -> Response:
    """The operational picture: the map of areas, events, communities, bases and units, with a time slider."""
    if user is None:
        return to_login(request)
    first, last = event_views.date_range(conn)
    extent = place_views.mission_extent(conn)  # the map frames it at once, and asks its layers for that view
    return render(request, "picture.html", user=user, months=_months(first, last), extent=extent)


def _date(value: str | None) -> date | None:
    """A YYYY-MM-DD query value (None when empty); ValueError when it is not a date."""
    return date.fromisoformat(value) if value else None


@router.get("/charts")
def charts(
    request: Request, conn: DbConnection, user: OptionalUser, start: str | None = None, end: str | None = None
) -> Response:
    """Charts: events and fatalities by month, by threat type and by category, over a chosen period."""
    if user is None:
        return to_login(request)
    error = None
    try:
        first, last = _date(start), _date(end)
    except ValueError:
        first = last = None
        error = "bad_date"
    if first and last and last < first:
        error = "end_before_start"
    chosen = EventFilter() if error else EventFilter(start=first, end=last)
    summaries = {key: event_views.summary(conn, key, chosen) for key in ("month", "threat", "category")}
    return render(
        request,
        "charts.html",
        status_code=422 if error else 200,
        user=user,
        summaries=summaries,
        start=start,
        end=end,
        error=error,
    )


def _upcoming(page: str) -> Callable[..., Response]:
    def upcoming_page(request: Request, user: OptionalUser) -> Response:
        """A page whose API is still being written: it says what will be there."""
        if user is None:
            return to_login(request)
        return render(request, "upcoming.html", user=user, page=page)

    return upcoming_page


for _page in UPCOMING:
    router.add_api_route(f"/{_page}", _upcoming(_page), methods=["GET"], name=f"{_page}_page")


@router.get("/static/{name:path}")
def static_file(request: Request, name: str) -> Response:
    """A static asset; the gzip copy the build wrote when the browser takes it; cached for a year when the
    name carries its content hash (the build's files), else revalidated."""
    root = STATIC_DIR.resolve()
    path = (root / name).resolve()
    if not path.is_relative_to(root) or not path.is_file():
        raise NotFound(f"no static file {name!r}")
    media_type = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
    hashed = path.parent.name == "dist" and path.name != "manifest.json"
    headers = {"Cache-Control": "public, max-age=31536000, immutable" if hashed else "no-cache"}
    compressed = path.with_name(path.name + ".gz")
    if compressed.is_file() and "gzip" in request.headers.get("accept-encoding", ""):
        headers |= {"Content-Encoding": "gzip", "Vary": "Accept-Encoding"}
        return FileResponse(compressed, media_type=media_type, headers=headers)
    return FileResponse(path, media_type=media_type, headers=headers)


__all__ = ["language_of", "router"]


def not_found(request: Request) -> Response:
    """An unknown address: a page in the layout (with the navigation of the signed-in user) for a browser, JSON
    under /api/ and for clients that do not ask for HTML."""
    if request.url.path.startswith("/api/") or "text/html" not in request.headers.get("accept", ""):
        return JSONResponse({"detail": "not found"}, status_code=404)
    user = None
    session = request.cookies.get(SESSION_COOKIE)
    if session:
        with request.app.state.engine.connect() as conn:
            user = optional_user(conn, None, session)
    return render(request, "not_found.html", status_code=404, user=user)

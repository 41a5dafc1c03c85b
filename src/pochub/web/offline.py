"""Offline-first pages (issue 18): the service worker at the site's root, the web app manifest, the phrases the
offline script shows in both languages, the signed-in session a phone's queue sends with, and the page shown for
a page the phone did not keep (rendering.offline_pages says which pages each person's phone reads ahead).

What a phone may keep is decided by the server, once: the answers of ``OFFLINE_READABLE`` (pochub.http.
security_headers: pages and data without protected fields) are marked ``private, no-cache``, every other answer
``no-store``, which the service worker never writes to the device.
"""

from __future__ import annotations

import json

from fastapi import APIRouter, Request
from fastapi.responses import FileResponse, JSONResponse, Response

from pochub.core.text import N_
from pochub.errors import NotFound
from pochub.http.auth import OptionalUser
from pochub.http.csrf import request_token
from pochub.web import rendering
from pochub.web.i18n import LANGUAGES, translations
from pochub.web.rendering import language_of, render, to_login

router = APIRouter(include_in_schema=False)

PHRASES = {
    "offline": N_(
        "You are offline: what you log is kept on this phone and sent when the connection returns."
    ),
    "heading": N_("Kept on this phone"),
    "kept": N_("Kept on this phone: waiting to send."),
    "waiting": N_("waiting to send"),
    "sending": N_("sending…"),
    "sent": N_("sent"),
    "conflict": N_(
        "not sent: it changed meanwhile; open it to see where it stands (nothing was overwritten)"
    ),
    "refused": N_("not sent: refused; open it to see why"),
    "open": N_("Open"),
    "discard": N_("Discard"),
    "kind_alert": N_("Alert"),
    "kind_engagement": N_("Engagement"),
    "kind_action_point": N_("Action point"),
    "kind_alert_action": N_("Alert action"),
    "sender_not_kept": N_("(the sender's name and number were not kept: they are protected)"),
    "sender_offline": N_(
        "Offline, the sender's name and number cannot be kept on this phone (they are protected)."
    ),
    "sign_out_waiting": N_(
        "{count} waiting to send will be deleted from this phone if you sign out now. Press Sign out again to "
        "sign out anyway."
    ),
}
"""What the offline script says, by key (the script takes the reader's language from the page)."""

ICON = (
    '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 96 96"><rect width="96" height="96" rx="18" '
    'fill="#1d3b5c"/><path d="M48 16 76 28v20c0 16-12 28-28 32-16-4-28-16-28-32V28z" fill="#fff"/>'
    '<path d="M48 26 68 34v14c0 11-8 20-20 23-12-3-20-12-20-23V34z" fill="#1d3b5c"/></svg>'
)
"""The home screen icon: a shield (drawn here: no image file to build)."""


@router.get("/sw.js")
def service_worker(request: Request) -> Response:
    """The service worker, at the root so that it serves every page; looked for again at each visit (no-cache:
    a new build is found at once). A browser that has this build gets a 304 without a body: the check a phone
    makes at every page costs a few hundred bytes on a 2G line, not the worker's 10 kB."""
    path = rendering.DIST_DIR / "sw.js"
    if not path.is_file():
        raise NotFound("no service worker: run `make web`")
    built = path.stat()
    etag = f'"sw-{built.st_mtime_ns:x}-{built.st_size:x}"'
    headers = {"Cache-Control": "no-cache", "ETag": etag}
    if etag in request.headers.get("if-none-match", ""):
        return Response(status_code=304, headers=headers)
    packed = path.with_name("sw.js.gz")
    if packed.is_file() and "gzip" in request.headers.get("accept-encoding", ""):
        headers |= {"Content-Encoding": "gzip", "Vary": "Accept-Encoding"}
        return FileResponse(packed, media_type="text/javascript", headers=headers)
    return FileResponse(path, media_type="text/javascript", headers=headers)


@router.get("/manifest.webmanifest")
def web_app_manifest(request: Request) -> Response:
    """The web app manifest in the reader's language: PoC Hub on a phone's home screen, opening on the inbox."""
    language = language_of(request)
    _ = translations(language).gettext
    manifest = {
        "name": "PoC Hub",
        "short_name": "PoC Hub",
        "description": _("Protection of civilians: alerts, communities and the operational picture."),
        "lang": language,
        "start_url": "/alerts",
        "scope": "/",
        "display": "standalone",
        "background_color": "#ffffff",
        "theme_color": "#1d3b5c",
        "icons": [{"src": "/icon.svg", "sizes": "any", "type": "image/svg+xml", "purpose": "any"}],
    }
    return Response(json.dumps(manifest, ensure_ascii=False), media_type="application/manifest+json")


@router.get("/icon.svg")
def icon() -> Response:
    """The manifest's icon."""
    return Response(ICON, media_type="image/svg+xml", headers={"Cache-Control": "public, max-age=86400"})


@router.get("/offline/phrases.json")
def phrases() -> Response:
    """What the offline script says, in every language (kept on the phone: the reader may switch language)."""
    body = {
        language: {key: translations(language).gettext(text) for key, text in PHRASES.items()}
        for language in LANGUAGES
    }
    return JSONResponse(body)


@router.get("/offline/session")
def session(request: Request, user: OptionalUser) -> Response:
    """Who is signed in and the CSRF token of their session, for the queue to send what waits as that person
    (never kept: no-store; another site cannot read it)."""
    if user is None:
        return JSONResponse({"detail": "sign in"}, status_code=401)
    return JSONResponse({"user": user.username, "csrf_token": request_token(request)})


@router.get("/offline")
def offline_page(request: Request, user: OptionalUser) -> Response:
    """What a phone shows for a page it did not keep, when the connection is down (kept at sign-in)."""
    if user is None:
        return to_login(request)
    return render(request, "offline.html", user=user)

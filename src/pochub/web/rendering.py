"""Rendering pages: the Jinja2 environment (autoescaped, gettext in every template) and the built assets' names."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from functools import cache
from pathlib import Path
from typing import Any
from urllib.parse import quote
from zoneinfo import ZoneInfo

from fastapi import Request
from fastapi.responses import HTMLResponse, RedirectResponse
from jinja2 import Environment, FileSystemLoader, pass_context, select_autoescape
from jinja2.runtime import Context
from markupsafe import Markup, escape

from pochub.core.models.access import INTAKE_ROLES, User
from pochub.core.perspectives.engagements import ENGAGING_ROLES
from pochub.http.csrf import CSRF_FIELD, request_token
from pochub.http.language import language_of as language_of  # the pages take it with the other helpers here
from pochub.i18n import install_gettext
from pochub.web.i18n import LANGUAGES, translations

WEB_DIR = Path(__file__).parent
TEMPLATE_DIR = WEB_DIR / "templates"
STATIC_DIR = WEB_DIR / "static"
DIST_DIR = STATIC_DIR / "dist"


@cache
def environment() -> Environment:
    """The templates' environment; ``_``/``gettext``/``ngettext`` use the ``translations`` of the render."""
    env = Environment(
        loader=FileSystemLoader(TEMPLATE_DIR),
        autoescape=select_autoescape(default=True),
        extensions=["jinja2.ext.i18n"],
        trim_blocks=True,
        lstrip_blocks=True,
    )
    install_gettext(env)
    env.globals["asset"] = asset
    env.globals["csrf_field"] = csrf_field
    env.filters["local_time"] = local_time
    env.globals["now_utc"] = now_utc
    env.globals["mission_zone"] = mission_zone
    env.globals["minutes_until"] = minutes_until
    env.globals["offline_pages"] = offline_pages
    return env


def offline_pages(user: User | None) -> str:
    """The pages a person's phone reads ahead so that they open offline (space-separated, for offline.js): the
    offline page and phrases, the picture, the inbox, the communities and the action points for everyone signed
    in, the alert form for those who log alerts, the engagement form for those who record engagements."""
    if user is None:
        return ""
    pages = ["/offline", "/offline/phrases.json", "/", "/alerts", "/communities", "/action-points"]
    if user.role in INTAKE_ROLES:
        pages.append("/alerts/new")
    if user.role in ENGAGING_ROLES:
        pages.append("/engagements/new")
    return " ".join(pages)


def _instant(value: datetime | str) -> datetime:
    """An aware UTC instant from a datetime or an ISO 8601 text (a naive one is taken as UTC, as stored)."""
    moment = value if isinstance(value, datetime) else datetime.fromisoformat(value)
    return (moment if moment.tzinfo else moment.replace(tzinfo=UTC)).astimezone(UTC)


def now_utc() -> datetime:
    """The current instant (the exercise banner shows real time beside exercise time)."""
    return datetime.now(UTC)


def minutes_until(value: datetime | str | None) -> int | None:
    """Whole minutes from now until ``value`` (negative once past): deadlines said in words ("in 2 h 10 min")."""
    if not value:
        return None
    return int((_instant(value) - datetime.now(UTC)).total_seconds() // 60)


def zone_label(moment: datetime) -> str:
    """The zone's short name at ``moment`` ('WAT'), or 'UTC+01' where the zone database has only an offset."""
    name = moment.tzname() or ""
    return f"UTC{name}" if name[:1] in "+-" else name


def local_times(value: datetime | str, zone: str) -> dict[str, str]:
    """One instant as the pages show it: ``iso`` (UTC, machine-readable), ``local`` (in the mission's zone, with
    the zone) and ``utc`` (for the hover and exports)."""
    moment = _instant(value)
    local = moment.astimezone(ZoneInfo(zone))
    return {
        "iso": moment.isoformat(),
        "local": f"{local:%Y-%m-%d %H:%M} {zone_label(local)}",
        "utc": f"{moment:%Y-%m-%d %H:%M} UTC",
    }


def mission_zone(request: Request | None) -> str:
    """The mission's time zone (the ``timezone`` setting of the app serving ``request``; UTC without one)."""
    settings = getattr(getattr(request, "app", None), "state", None)
    return str(getattr(getattr(settings, "settings", None), "timezone", "UTC") or "UTC")


@pass_context
def local_time(context: Context, value: datetime | str | None) -> Markup:
    """``{{ value|local_time }}``: a <time> in the mission's local time with its zone, UTC on hover; every page
    shows times through this one filter (the setting POCHUB_TIMEZONE names the zone)."""
    if not value:
        return Markup("")
    try:
        times = local_times(value, mission_zone(context.get("request")))
    except ValueError:
        return Markup("{}").format(value)
    return Markup('<time datetime="{}" title="{}">{}</time>').format(
        times["iso"], times["utc"], times["local"]
    )


@pass_context
def csrf_field(context: Context) -> Markup:
    """The hidden field that carries the page's CSRF token: every ``method="post"`` form holds one."""
    return Markup('<input type="hidden" name="{}" value="{}">').format(
        CSRF_FIELD, escape(context["csrf_token"])
    )


@cache
def _manifest(modified: float) -> dict[str, str]:
    names: dict[str, str] = json.loads((DIST_DIR / "manifest.json").read_text(encoding="utf-8"))
    return names


def asset(name: str) -> str:
    """The URL of a built asset: its content-hashed name from the build's manifest (read again after a build)."""
    manifest = DIST_DIR / "manifest.json"
    names = _manifest(manifest.stat().st_mtime) if manifest.exists() else {}
    return f"/static/dist/{names.get(name, name)}"


def render(request: Request, template: str, *, status_code: int = 200, **context: Any) -> HTMLResponse:
    """Render ``template`` in the request's language, with the shared layout's values."""
    language = language_of(request)
    values = {
        "request": request,
        "language": language,
        "languages": LANGUAGES,
        "translations": translations(language),
        "path": request.url.path,
        "user": None,
        "csrf_token": request_token(request),
        **context,
    }
    html = environment().get_template(template).render(values)
    response = HTMLResponse(html, status_code=status_code)
    response.headers["Content-Language"] = language
    response.headers["Vary"] = "Accept-Language, Cookie"
    return response


def local_path(target: str | None) -> str:
    """``target`` when it is a path on this site, else the home page (no open redirects)."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return "/"
    return target


def to_login(request: Request) -> RedirectResponse:
    """Send an anonymous visitor to the login page, to come back to this page afterwards."""
    here = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    return RedirectResponse(f"/login?next={quote(here, safe='/')}", status_code=303)

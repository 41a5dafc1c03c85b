"""Which language a request is answered in, for the API's errors and documents and the pages alike: the
``pochub_lang`` cookie the language selector sets, else the browser's ``Accept-Language``, else English."""

from __future__ import annotations

from starlette.requests import Request

from pochub.i18n import DEFAULT_LANGUAGE, LANGUAGES

LANGUAGE_COOKIE = "pochub_lang"


def accepted_languages(header: str) -> list[str]:
    """Primary language tags of an ``Accept-Language`` header, most preferred first (q=0 left out)."""
    ranked: list[tuple[float, int, str]] = []
    for position, part in enumerate(header.split(",")):
        tag, _, parameters = part.strip().partition(";")
        quality = 1.0
        for parameter in parameters.split(";"):
            name, _, value = parameter.strip().partition("=")
            if name == "q":
                try:
                    quality = float(value)
                except ValueError:
                    quality = 0.0
        primary = tag.strip().split("-")[0].lower()
        if primary and quality > 0:
            ranked.append((-quality, position, primary))
    return [tag for _, _, tag in sorted(ranked)]


def choose_language(cookie: str | None, accept_language: str | None) -> str:
    """The language to render: the cookie's when supported, else the browser's first supported one."""
    if cookie in LANGUAGES:
        return cookie
    for tag in accepted_languages(accept_language or ""):
        if tag in LANGUAGES:
            return tag
        if tag == "*":
            break
    return DEFAULT_LANGUAGE


def language_of(request: Request) -> str:
    """The language this request is answered in (cookie, else Accept-Language, else English)."""
    return choose_language(request.cookies.get(LANGUAGE_COOKIE), request.headers.get("accept-language"))

"""Languages of the web application: gettext catalogues (Babel) compiled when first used, and the user's choice.

The catalogues are the ``.po`` files under ``web/locale``, loaded by :mod:`pochub.i18n` (the generated documents
use the same ones); they are compiled in memory (no build step, nothing to forget to regenerate). The language
comes from the ``pochub_lang`` cookie the selector sets, else from the browser's ``Accept-Language``, else English.

After changing a page's strings, extract them and merge them into both catalogues, then translate what is new
(tests/web/test_i18n.py and tests/core/test_documents_i18n.py fail while any string of a page or of a generated
document lacks its English or French text)::

    pybabel extract -F src/pochub/web/babel.cfg -o src/pochub/web/locale/messages.pot --no-wrap .
    pybabel update -i src/pochub/web/locale/messages.pot -d src/pochub/web/locale --no-wrap
"""

from __future__ import annotations

from pochub.i18n import DEFAULT_LANGUAGE, LANGUAGES, LOCALE_DIR, catalogue_path, translations

__all__ = [
    "DEFAULT_LANGUAGE",
    "LANGUAGES",
    "LANGUAGE_COOKIE",
    "LOCALE_DIR",
    "accepted_languages",
    "catalogue_path",
    "choose_language",
    "translations",
]

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

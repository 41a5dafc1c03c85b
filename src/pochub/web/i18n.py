"""Languages of the web application: gettext catalogues (Babel) compiled when first used, and the user's choice.

The catalogues are the ``.po`` files under ``web/locale``; they are compiled in memory (no build step, nothing to
forget to regenerate). The language comes from the ``pochub_lang`` cookie the selector sets, else from the
browser's ``Accept-Language``, else English.

After changing a page's strings, extract them and merge them into both catalogues, then translate what is new
(tests/web/test_i18n.py fails while any string lacks its English or French text)::

    pybabel extract -F src/pochub/web/babel.cfg -o src/pochub/web/locale/messages.pot --no-wrap .
    pybabel update -i src/pochub/web/locale/messages.pot -d src/pochub/web/locale --no-wrap
"""

from __future__ import annotations

import gettext
import io
from functools import cache
from pathlib import Path

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

LOCALE_DIR = Path(__file__).parent / "locale"
LANGUAGES: dict[str, str] = {"en": "English", "fr": "Français"}
"""Supported languages: code -> the language's own name (as the selector shows it)."""
DEFAULT_LANGUAGE = "en"
LANGUAGE_COOKIE = "pochub_lang"


def catalogue_path(language: str) -> Path:
    """The ``.po`` file of ``language``."""
    return LOCALE_DIR / language / "LC_MESSAGES" / "messages.po"


@cache
def translations(language: str) -> gettext.GNUTranslations:
    """The compiled catalogue of ``language`` (read once per process)."""
    if language not in LANGUAGES:
        raise ValueError(f"unsupported language {language!r}; choose one of {', '.join(LANGUAGES)}")
    with catalogue_path(language).open("rb") as handle:
        catalogue = read_po(handle, locale=language)
    compiled = io.BytesIO()
    write_mo(compiled, catalogue)
    compiled.seek(0)
    return gettext.GNUTranslations(compiled)


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

"""The gettext catalogues (Babel) shared by the web pages and the generated documents, compiled when first used.

The catalogues are the ``.po`` files under ``web/locale`` (one per language, covering the pages' and the
documents' strings); they are compiled in memory, so there is no build step to forget. How to extract and
update them is in :mod:`pochub.web.i18n`.
"""

from __future__ import annotations

import gettext
import io
from functools import cache
from pathlib import Path

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from jinja2 import Environment, pass_context
from jinja2.runtime import Context

LOCALE_DIR = Path(__file__).parent / "web" / "locale"
LANGUAGES: dict[str, str] = {"en": "English", "fr": "Français"}
"""Supported languages: code -> the language's own name (as the selector shows it)."""
DEFAULT_LANGUAGE = "en"


def catalogue_path(language: str) -> Path:
    """The ``.po`` file of ``language``."""
    return LOCALE_DIR / language / "LC_MESSAGES" / "messages.po"


@cache
def translations(language: str) -> gettext.GNUTranslations:
    """The compiled catalogue of ``language`` (read once per process); unsupported languages are refused."""
    if language not in LANGUAGES:
        raise ValueError(f"unsupported language {language!r}; choose one of {', '.join(LANGUAGES)}")
    with catalogue_path(language).open("rb") as handle:
        catalogue = read_po(handle, locale=language)
    compiled = io.BytesIO()
    write_mo(compiled, catalogue)
    compiled.seek(0)
    return gettext.GNUTranslations(compiled)


@pass_context
def _gettext(context: Context, message: str) -> str:
    catalogue: gettext.GNUTranslations = context["translations"]
    return catalogue.gettext(message)


@pass_context
def _ngettext(context: Context, singular: str, plural: str, number: int) -> str:
    catalogue: gettext.GNUTranslations = context["translations"]
    return catalogue.ngettext(singular, plural, number)


def install_gettext(environment: Environment) -> None:
    """``_``/``gettext``/``ngettext`` in ``environment``'s templates use the ``translations`` passed to each
    render, so one environment serves renders in several languages at once (nothing installed globally)."""
    environment.install_gettext_callables(gettext=_gettext, ngettext=_ngettext, newstyle=True)  # type: ignore[attr-defined]

"""The gettext catalogues (Babel) shared by the web pages and the generated documents, compiled when first used.

The catalogues are the ``.po`` files under ``web/locale`` (one per language, covering the pages' and the
documents' strings); they are compiled in memory, so there is no build step to forget. How to extract and
update them is in :mod:`pochub.web.i18n`.
"""

from __future__ import annotations

import gettext
import io
from collections.abc import Mapping
from functools import cache
from pathlib import Path
from typing import Any

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from jinja2 import Environment, pass_context
from jinja2.runtime import Context

from pochub.core.models.taxonomy import category_label, threat_label
from pochub.core.text import Message, from_document

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


def localise(text: object, language: str | gettext.NullTranslations) -> str:
    """``text`` as a person reads it in ``language`` (a code or a compiled catalogue): a marked core text
    (``N_``) or an error's text is looked up, a :class:`~pochub.core.text.Message` is looked up then filled
    with its values (themselves localised), and so is a message as JSON stored it
    (:func:`~pochub.core.text.to_document`); anything else (a name from the data, a number) is shown as is."""
    catalogue = translations(language) if isinstance(language, str) else language
    text = from_document(text)
    if isinstance(text, Message):
        values = {
            name: localise(value, catalogue) if isinstance(value, Message) else value
            for name, value in text.params.items()
        }
        return catalogue.gettext(text.msgid).format(**values)
    if isinstance(text, str):
        return catalogue.gettext(text) if text else text
    return "" if text is None else str(text)


def localised(document: Any, language: str) -> Any:
    """A JSON-ready document with every message in it (stored by ``to_document``) as text in ``language``:
    what the API and the CLI return, while the stored document keeps the messages for any reader's language."""
    if isinstance(document, Mapping) and isinstance(document.get("msgid"), str):
        return localise(document, language)
    if isinstance(document, Mapping):
        return {key: localised(value, language) for key, value in document.items()}
    if isinstance(document, list | tuple):
        return [localised(value, language) for value in document]
    if isinstance(document, Message):
        return localise(document, language)
    return document


def error_text(error: BaseException, language: str) -> str:
    """What a person reads for ``error`` in ``language``: its translatable text when it has one (a
    :class:`~pochub.errors.PocHubError` raised with a marked text or a message), else its English text."""
    message = getattr(error, "message", None)
    return localise(message, language) if isinstance(message, Message | str) and message else str(error)


@pass_context
def _localise(context: Context, text: object) -> str:
    return localise(text, context["translations"])


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
    render, so one environment serves renders in several languages at once (nothing installed globally).
    The ``translate`` filter shows the core's texts (``{{ task.title | translate }}``): unlike ``_()``, its
    result is plain text, escaped like any value, because a text not in the catalogue comes back unchanged."""
    environment.install_gettext_callables(gettext=_gettext, ngettext=_ngettext, newstyle=True)  # type: ignore[attr-defined]
    environment.filters["translate"] = _localise
    environment.globals.update(threat_label=threat_label, category_label=category_label)

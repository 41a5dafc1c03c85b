"""The generated documents' Jinja2 environment: autoescaped, with gettext in every template.

Every fixed string of a document template is marked with ``_()``/``ngettext()`` and translated through the same
catalogues as the web pages (:mod:`pochub.i18n`); the language is chosen per render, so one environment serves
renders in different languages at the same time (nothing is installed globally).
"""

from __future__ import annotations

import gettext
from typing import Any

from jinja2 import Environment, PackageLoader, pass_context, select_autoescape
from jinja2.runtime import Context

from pochub.i18n import DEFAULT_LANGUAGE, translations


@pass_context
def _gettext(context: Context, message: str) -> str:
    catalogue: gettext.GNUTranslations = context["translations"]
    return catalogue.gettext(message)


@pass_context
def _ngettext(context: Context, singular: str, plural: str, number: int) -> str:
    catalogue: gettext.GNUTranslations = context["translations"]
    return catalogue.ngettext(singular, plural, number)


ENVIRONMENT = Environment(
    loader=PackageLoader("pochub.documents", "templates"),
    autoescape=select_autoescape(["html", "j2"]),
    extensions=["jinja2.ext.i18n"],
)
ENVIRONMENT.install_gettext_callables(gettext=_gettext, ngettext=_ngettext, newstyle=True)  # type: ignore[attr-defined]


def render(template: str, language: str = DEFAULT_LANGUAGE, **context: Any) -> str:
    """Render a document template in ``language`` (``en`` or ``fr``; others are refused)."""
    return ENVIRONMENT.get_template(template).render(
        translations=translations(language), language=language, **context
    )

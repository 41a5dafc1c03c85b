"""The generated documents' Jinja2 environment: autoescaped, with gettext in every template.

Every fixed string of a document template is marked with ``_()``/``ngettext()`` and translated through the same
catalogues as the web pages (:mod:`pochub.i18n`); the language is chosen per render, so one environment serves
renders in different languages at the same time (nothing is installed globally).
"""

from __future__ import annotations

from typing import Any

from jinja2 import Environment, PackageLoader, select_autoescape
from markupsafe import Markup

from pochub.i18n import DEFAULT_LANGUAGE, install_gettext, translations

ENVIRONMENT = Environment(
    loader=PackageLoader("pochub.documents", "templates"),
    autoescape=select_autoescape(["html", "j2"]),
    extensions=["jinja2.ext.i18n"],
)
install_gettext(ENVIRONMENT)


def render(template: str, language: str = DEFAULT_LANGUAGE, **context: Any) -> str:
    """Render a document template in ``language`` (``en`` or ``fr``; others are refused)."""
    return ENVIRONMENT.get_template(template).render(
        translations=translations(language), language=language, **context
    )


def render_content(template: str, language: str = DEFAULT_LANGUAGE, **context: Any) -> Markup:
    """The ``content`` block of a document template in ``language``: the document without its page (head, print
    styles), for a web page to show inside the site's layout; escaped as the whole document is."""
    compiled = ENVIRONMENT.get_template(template)
    scope = compiled.new_context({"translations": translations(language), "language": language, **context})
    return Markup("".join(compiled.blocks["content"](scope)))

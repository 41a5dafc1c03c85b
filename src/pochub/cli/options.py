"""Options shared by several command groups: the ``--language`` of the commands that write documents (terms of
reference, reports, matrices) and the ``--as-of`` day of the analyses."""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from enum import StrEnum
from typing import Annotated, Any

import typer


class DocumentLanguage(StrEnum):
    """The languages a document can be written in: those of the catalogues (pochub.i18n.LANGUAGES)."""

    en = "en"
    fr = "fr"


LanguageOption = Annotated[
    DocumentLanguage,
    typer.Option("--language", help="The document's language: en (English) or fr (French)."),
]


def as_of_option(help_text: str) -> Any:
    """The ``--as-of YYYY-MM-DD`` option with its own help text."""
    return typer.Option("--as-of", parser=date.fromisoformat, metavar="YYYY-MM-DD", help=help_text)


def end_of_day(value: date | None) -> Any:
    """The ``--as-of`` day as the moment the analyses run to (23:59 UTC), or None when not given."""
    return datetime.combine(value, time(23, 59), tzinfo=UTC) if value else None

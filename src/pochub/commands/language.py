"""The ``--language`` option of the commands that write documents (terms of reference, reports, matrices)."""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated

import typer


class DocumentLanguage(StrEnum):
    """The languages a document can be written in: those of the catalogues (pochub.i18n.LANGUAGES)."""

    en = "en"
    fr = "fr"


LanguageOption = Annotated[
    DocumentLanguage,
    typer.Option("--language", help="The document's language: en (English) or fr (French)."),
]

"""The language a generated document is served in: ``?language=`` when given, else the web's choice for this
browser (the ``pochub_lang`` cookie the language selector sets, else Accept-Language, else English)."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import Depends, Query, Request

from pochub.http.language import language_of


def document_language(
    request: Request,
    language: Annotated[
        Literal["en", "fr"] | None,
        Query(description="The document's language (default: the user's chosen language, else English)."),
    ] = None,
) -> str:
    """The requested language, else the signed-in browser's."""
    return language or language_of(request)


DocumentLanguage = Annotated[str, Depends(document_language)]

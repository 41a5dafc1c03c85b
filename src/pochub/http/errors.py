"""Errors as HTTP answers, for the API and the pages alike: the one error hierarchy (:mod:`pochub.errors`) as its
status code with the message in the caller's language, an address no route knows as the "not found" page (JSON
under /api/ and for API clients), and a value the database cannot store as the request's fault (422)."""

from __future__ import annotations

from collections.abc import Callable

from fastapi import FastAPI, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.exception_handlers import http_exception_handler
from fastapi.responses import JSONResponse, Response
from sqlalchemy.exc import DataError
from starlette.exceptions import HTTPException as StarletteHTTPException

from pochub.errors import PocHubError
from pochub.http.language import language_of
from pochub.i18n import error_text


def install_error_handlers(app: FastAPI, not_found: Callable[[Request], Response]) -> None:
    """Answer errors on ``app``: ``not_found`` renders an address no route knows (it runs in the thread pool)."""

    @app.exception_handler(PocHubError)
    async def pochub_error(request: Request, exc: PocHubError) -> JSONResponse:
        # in the caller's language (the page's cookie, else Accept-Language, else English)
        return JSONResponse(
            status_code=exc.http_status, content={"detail": error_text(exc, language_of(request))}
        )

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> Response:
        # an address no route knows: the "not found" page in the layout (JSON under /api/ and for API clients)
        if exc.status_code == 404 and exc.detail == "Not Found":
            return await run_in_threadpool(not_found, request)
        return await http_exception_handler(request, exc)

    @app.exception_handler(DataError)
    @app.exception_handler(OverflowError)
    async def value_refused(_request: Request, _exc: Exception) -> JSONResponse:
        """A value the database cannot store (an id beyond its integers, a NUL character in text): the
        request's fault, found by fuzzing the API (bench/schemathesis_run.py)."""
        return JSONResponse(
            status_code=422,
            content={"detail": "a value is out of range or holds a character that cannot be stored (NUL)"},
        )

"""The FastAPI application factory."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.exception_handlers import http_exception_handler
from fastapi.middleware.gzip import GZipMiddleware
from fastapi.responses import JSONResponse, Response
from sqlalchemy.exc import DataError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Receive, Scope, Send

from pochub import __version__
from pochub.api.guards import QuerySecretsRefused, RefusalsAudited
from pochub.api.routers import (
    alert_stats,
    alerts,
    areas,
    audit,
    auth,
    bases,
    communities,
    event_cells,
    events,
    exercises,
    health,
    intake,
    notifications,
    reports,
    structures,
    threats,
    units,
)
from pochub.config import Settings
from pochub.errors import PocHubError
from pochub.http import install as install_http_security
from pochub.i18n import error_text
from pochub.services.allocation import PlanJobs
from pochub.store.database import connect
from pochub.web import account_pages, alert_pages, exercise_pages, pages, planning_pages
from pochub.web.i18n import LANGUAGE_COOKIE, choose_language


class RefuseNulPaths:
    """ASGI middleware: a path holding a NUL character names nothing, so it is 404 (file APIs raise on NUL)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and "\x00" in scope.get("path", ""):
            await JSONResponse(status_code=404, content={"detail": "not found"})(scope, receive, send)
            return
        await self.app(scope, receive, send)


def create_app(settings: Settings) -> FastAPI:
    """Build the application for ``settings`` (its own engine; nothing read from the environment here)."""

    @asynccontextmanager
    async def lifespan(application: FastAPI) -> AsyncIterator[None]:
        """Start the escalation and notification workers with the server (unless settings.workers is off)."""
        from pochub.services.alerts import fill_fuzzed_places
        from pochub.services.workers import start_workers

        # alerts stored before their fuzzed place was (migration 0010): filled before the first request
        await run_in_threadpool(fill_fuzzed_places, application.state.engine, settings)
        workers = start_workers(application.state.engine, settings) if settings.workers else None
        try:
            yield
        finally:
            if workers is not None:
                workers.shutdown()
            application.state.plan_jobs.shutdown()

    docs = settings.api_docs  # the API's map is for developers, not for an outsider probing the server
    app = FastAPI(
        lifespan=lifespan,
        title="PoC Hub",
        version=__version__,
        description="Protection of civilians: evidence, threats, capacities, response, coordination.",
        openapi_url="/openapi.json" if docs else None,
        docs_url="/docs" if docs else None,
        redoc_url="/redoc" if docs else None,
    )
    settings.key()  # no secret key, no server: it says how to make one (MissingSecretKey)
    app.state.settings = settings
    app.state.engine = connect(settings.database_url)
    app.state.plan_jobs = PlanJobs()  # plans from the coverage page run here, off the event loop
    app.add_middleware(GZipMiddleware, minimum_size=1024)  # field offices' connections are slow
    app.add_middleware(RefuseNulPaths)
    install_http_security(app, settings)  # CSRF check and security headers, around everything
    app.add_middleware(
        RefusalsAudited, engine=app.state.engine
    )  # every 403, whoever gave it, in the audit log
    app.add_middleware(QuerySecretsRefused)  # outermost: no credential in a URL reaches a route or a log

    @app.exception_handler(PocHubError)
    async def pochub_error(request: Request, exc: PocHubError) -> JSONResponse:
        # in the caller's language (the page's cookie, else Accept-Language, else English)
        language = choose_language(
            request.cookies.get(LANGUAGE_COOKIE), request.headers.get("accept-language")
        )
        return JSONResponse(status_code=exc.http_status, content={"detail": error_text(exc, language)})

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> Response:
        # an address no route knows: the "not found" page in the layout (JSON under /api/ and for API clients)
        if exc.status_code == 404 and exc.detail == "Not Found":
            return await run_in_threadpool(pages.not_found, request)
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

    app.include_router(event_cells.router)  # before events: /events/cells is not an event
    # alert_stats before alerts: /alerts/stats must not be read as an alert reference
    for module in (health, auth, events, communities, areas, threats, units, bases, structures, intake,
                   alert_stats, alerts, reports, notifications, audit, exercises):  # fmt: skip
        app.include_router(module.router)
    app.include_router(alert_pages.router)  # before pages: /alerts is the inbox, not a placeholder
    app.include_router(planning_pages.router)  # before pages: /coverage and /coordination, not placeholders
    app.include_router(
        exercise_pages.router
    )  # before pages: the facilitator's and the trainees' exercise pages
    app.include_router(account_pages.router)  # one's sessions, tokens and password
    app.include_router(pages.router)  # the web pages ("/" is the operational picture), after the API
    return app


def create_app_from_environment() -> FastAPI:
    """The application for the POCHUB_* environment: the factory each `pochub serve --workers N` process runs."""
    return create_app(Settings())

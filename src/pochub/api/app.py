"""The FastAPI application factory."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI, Request
from fastapi.middleware.gzip import GZipMiddleware
from fastapi.responses import JSONResponse
from sqlalchemy.exc import DataError

from pochub import __version__
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
from pochub.store.database import connect
from pochub.web import alert_pages, exercise_pages, pages, planning_pages


def create_app(settings: Settings) -> FastAPI:
    """Build the application for ``settings`` (its own engine; nothing read from the environment here)."""

    @asynccontextmanager
    async def lifespan(application: FastAPI) -> AsyncIterator[None]:
        """Start the escalation and notification workers with the server (unless settings.workers is off)."""
        from pochub.services.workers import start_workers

        workers = start_workers(application.state.engine, settings) if settings.workers else None
        try:
            yield
        finally:
            if workers is not None:
                workers.shutdown()

    app = FastAPI(
        lifespan=lifespan,
        title="PoC Hub",
        version=__version__,
        description="Protection of civilians: evidence, threats, capacities, response, coordination.",
    )
    app.state.settings = settings
    app.state.engine = connect(settings.database_url)
    app.add_middleware(GZipMiddleware, minimum_size=1024)  # field offices' connections are slow

    @app.exception_handler(PocHubError)
    async def pochub_error(_request: Request, exc: PocHubError) -> JSONResponse:
        return JSONResponse(status_code=exc.http_status, content={"detail": str(exc)})

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
    app.include_router(exercise_pages.router)  # before pages: the facilitator's and the trainees' exercise pages
    app.include_router(pages.router)  # the web pages ("/" is the operational picture), after the API
    return app


def create_app_from_environment() -> FastAPI:
    """The application for the POCHUB_* environment: the factory each `pochub serve --workers N` process runs."""
    return create_app(Settings())

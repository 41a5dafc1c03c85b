"""The composition root: ``create_app`` builds the ASGI application, with the guards, the CSRF check and the
security headers around everything, the errors answered alike, and the API's routers and the web pages mounted
side by side. It is the one module that imports both edges; neither imports the other."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.middleware.gzip import GZipMiddleware
from fastapi.responses import Response

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
    forums,
    health,
    intake,
    notifications,
    perspectives,
    reports,
    sitrep,
    structures,
    teams,
    threats,
    units,
)
from pochub.config import Settings
from pochub.http import install as install_http_security
from pochub.http.errors import install_error_handlers
from pochub.http.guards import QuerySecretsRefused, RefusalsAudited, RefuseNulPaths
from pochub.http.replays import RedirectsAsJson
from pochub.services.allocation import PlanJobs
from pochub.services.database import connect
from pochub.web import (
    account_pages,
    alert_pages,
    community_pages,
    exercise_pages,
    forum_pages,
    offline,
    pages,
    planning_pages,
    report_pages,
    team_pages,
)
from pochub.web.rendering import render


def csrf_refusal_page(request: Request, reason: str) -> Response:
    """The CSRF check's refusal as a page in the visitor's language that says how to go on."""
    return render(request, "csrf_refused.html", status_code=403, reason=reason)


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
    app.add_middleware(
        RedirectsAsJson
    )  # a phone's queue learns where its write went without loading the page
    app.add_middleware(GZipMiddleware, minimum_size=1024)  # field offices' connections are slow
    app.add_middleware(RefuseNulPaths)
    install_http_security(
        app, settings, csrf_refusal_page
    )  # CSRF check and security headers, around everything
    app.add_middleware(
        RefusalsAudited, engine=app.state.engine
    )  # every 403, whoever gave it, in the audit log
    app.add_middleware(QuerySecretsRefused)  # outermost: no credential in a URL reaches a route or a log
    install_error_handlers(app, not_found=pages.not_found)

    # first: gateways post in bursts and FastAPI tries the routers in order (its paths overlap no other route's)
    app.include_router(intake.router)
    app.include_router(event_cells.router)  # before events: /events/cells is not an event
    # alert_stats before alerts: /alerts/stats must not be read as an alert reference
    for module in (health, auth, events, communities, areas, threats, units, bases, structures,
                   alert_stats, alerts, reports, notifications, audit, exercises, perspectives, sitrep,
                   teams):  # fmt: skip
        app.include_router(module.router)
    app.include_router(forums.router)  # forum meetings, agendas, minutes and action points
    app.include_router(alert_pages.router)  # before pages: /alerts is the inbox, not a placeholder
    app.include_router(planning_pages.router)  # before pages: /coverage and /coordination, not placeholders
    app.include_router(
        exercise_pages.router
    )  # before pages: the facilitator's and the trainees' exercise pages
    app.include_router(account_pages.router)  # one's sessions, tokens and password
    app.include_router(community_pages.router)  # communities' own voices: profiles, engagements, commitments
    app.include_router(forum_pages.router)  # forums, their meetings and the action points boards
    app.include_router(report_pages.router)  # the weekly situation report
    app.include_router(team_pages.router)  # joint protection teams and assessment missions
    app.include_router(offline.router)  # the service worker, the web app manifest, what a phone keeps offline
    app.include_router(pages.router)  # the web pages ("/" is the operational picture), after the API
    return app


def create_app_from_environment() -> FastAPI:
    """The application for the POCHUB_* environment: the factory each `pochub serve --workers N` process runs."""
    return create_app(Settings())

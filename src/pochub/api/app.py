"""The FastAPI application factory."""

from __future__ import annotations

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, RedirectResponse

from pochub import __version__
from pochub.api.routers import (
    alert_stats,
    alerts,
    audit,
    auth,
    bases,
    communities,
    events,
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


def create_app(settings: Settings) -> FastAPI:
    """Build the application for ``settings`` (its own engine; nothing read from the environment here)."""
    app = FastAPI(
        title="PoC Hub",
        version=__version__,
        description="Protection of civilians: evidence, threats, capacities, response, coordination.",
    )
    app.state.settings = settings
    app.state.engine = connect(settings.database_url)

    @app.exception_handler(PocHubError)
    async def pochub_error(_request: Request, exc: PocHubError) -> JSONResponse:
        return JSONResponse(status_code=exc.http_status, content={"detail": str(exc)})

    @app.get("/", include_in_schema=False)
    def home() -> RedirectResponse:
        return RedirectResponse("/docs")

    # alert_stats before alerts: /alerts/stats must not be read as an alert reference
    for module in (health, auth, events, communities, threats, units, bases, structures, intake, alert_stats,
                   alerts, reports, notifications, audit):  # fmt: skip
        app.include_router(module.router)
    return app

"""`pochub serve`: the API and web application under uvicorn, with the background workers."""

from __future__ import annotations

import os
from typing import Annotated

import typer

from pochub.cli.console import err, state


def serve(
    ctx: typer.Context,
    host: Annotated[str | None, typer.Option(help="Address to listen on.")] = None,
    port: Annotated[int | None, typer.Option(help="Port to listen on.")] = None,
    workers: Annotated[
        int,
        typer.Option(
            min=1,
            help="Server processes. With more than one, each builds its own application from the POCHUB_* "
            "settings and the escalation and notification workers run once, in the supervising process.",
        ),
    ] = 1,
) -> None:
    """Serve the API and web application."""
    import uvicorn

    from pochub.http.app import create_app
    from pochub.services.workers import start_workers

    st = state(ctx)
    st.settings.key()  # no secret key, no server: the error says how to make one
    st.engine()  # create the schema if the database is empty
    settings = st.settings
    err.print(
        f"PoC Hub at http://{host or settings.host}:{port or settings.port}/  (database {settings.database_url}, "
        f"{workers} process{'es' if workers > 1 else ''})"
    )
    address, number = host or settings.host, port or settings.port
    if workers == 1:
        uvicorn.run(create_app(settings), host=address, port=number, log_level="info")
        return
    # the processes are spawned: they read their settings (with --database) from the environment
    os.environ["POCHUB_DATABASE_URL"] = settings.database_url
    os.environ["POCHUB_WORKERS"] = "false"
    background = start_workers(st.engine(), settings) if settings.workers else None
    try:
        uvicorn.run(
            "pochub.http.app:create_app_from_environment",
            factory=True,
            workers=workers,
            host=address,
            port=number,
            log_level="info",
            timeout_worker_healthcheck=60,  # importing the application takes more than uvicorn's 5 s on a busy host
        )
    finally:
        if background is not None:
            background.shutdown()

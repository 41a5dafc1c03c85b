"""`pochub alerts`: community alerts through the coordination structure."""

from __future__ import annotations

import typer

alerts_app = typer.Typer(
    help="Community alerts: intake, lifecycle, escalation and response times.", no_args_is_help=True
)


def register(app: typer.Typer) -> None:
    """Add `pochub alerts` to the app."""
    app.add_typer(alerts_app, name="alerts")

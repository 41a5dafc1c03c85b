"""`pochub alerts stats`: response times per field office and per alert network."""

from __future__ import annotations

import typer

from pochub.commands.alerts import alerts_app  # noqa: F401  (the group this module's commands join)


def register(app: typer.Typer) -> None:
    """The commands join `pochub alerts` when this module is imported; nothing more to add."""

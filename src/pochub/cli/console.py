"""What every `pochub` command shares: the consoles, the output formats, the options of the running command
(settings and database), who acts for the audit log, progress bars and the import summary.

Every command module imports from here; nothing here imports a command module or pochub.cli.main.
"""

from __future__ import annotations

import getpass
import json
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from enum import StrEnum
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.progress import BarColumn, DownloadColumn, Progress, TextColumn, TimeRemainingColumn
from rich.table import Table
from sqlalchemy import Engine

from pochub.config import Settings

out = Console()
err = Console(stderr=True)
if not out.is_terminal:  # pipes and files get wide tables rather than 80 columns
    out = Console(width=200)


class OutputFormat(StrEnum):
    """How a command prints its result."""

    table = "table"
    csv = "csv"
    json = "json"


Output = Annotated[OutputFormat, typer.Option("--format", help="Summary as a table or JSON.")]


class State:
    """Options shared by every command."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self._engine: Engine | None = None

    def engine(self, create: bool = True) -> Engine:
        """The database engine; an empty database gets the schema on first use."""
        from pochub.services.database import connect, ensure_schema

        if self._engine is None:
            self._engine = connect(self.settings.database_url)
            if create:
                ensure_schema(self._engine)
        return self._engine

    def close(self) -> None:
        """Release the database connections when the command ends (in-process runs must not leak them)."""
        if self._engine is not None:
            self._engine.dispose()
            self._engine = None


def state(ctx: typer.Context) -> State:
    """The shared options of the running command."""
    return ctx.ensure_object(State)


def first_steps(ctx: typer.Context, *needs: str) -> None:
    """Stop with what to import first when the store holds none of what the command needs (no silent zeros)."""
    from pochub.services.first_steps import require

    require(state(ctx).engine(), *needs)


def cli_actor() -> str:
    """Who runs the command, for the audit log."""
    try:
        return f"cli:{getpass.getuser()}"
    except (KeyError, OSError):  # no user name in containers without a passwd entry
        return "cli"


def note_source_names(engine: Engine, level: int) -> None:
    """Say so when areas are the sources' own names (no boundaries of the level imported)."""
    from pochub.services.places import source_names_note

    note = source_names_note(engine, level)
    if note:
        err.print(note, highlight=False)


@contextmanager
def progress_bar(label: str) -> Iterator[Callable[[int, int], None]]:
    """A progress bar over bytes read, on stderr."""
    with Progress(
        TextColumn(label),
        BarColumn(),
        DownloadColumn(),
        TimeRemainingColumn(),
        console=err,
        transient=True,
        disable=not err.is_terminal,
    ) as progress:
        task = progress.add_task(label, total=None)

        def update(done: int, total: int) -> None:
            progress.update(task, completed=done, total=total)

        yield update


SUMMARY_LABELS = {"older": "older than stored, kept"}
"""Summary rows whose key alone would not say what they count."""


def print_summary(summary: dict[str, Any], output: OutputFormat) -> None:
    """Print an import's closing summary as a table or JSON."""
    if output == OutputFormat.json:
        print(json.dumps(summary))
        return
    table = Table(
        title=f"import {summary.get('kind', '')}", caption=str(summary.get("file", "")), show_header=False
    )
    for key, value in summary.items():
        if key not in ("kind", "file"):
            shown = "\n".join(map(str, value)) if isinstance(value, list) else str(value)
            table.add_row(SUMMARY_LABELS.get(key, key.replace("_", " ")), shown)
    err.print(table)


def acting_user(ctx: typer.Context, username: str) -> Any:
    """The stored user a command acts as (``--as``): their role, post and area apply to the CLI as to the API; an
    empty store says what to do first."""
    from pochub.services.access import get_user
    from pochub.services.first_steps import require

    require(state(ctx).engine(), "users")
    return get_user(state(ctx).engine(), username)


def gettext_for(language: str) -> Callable[[str], str]:
    """The catalogue's ``gettext`` for ``language``: the commands' own texts in the reader's language."""
    from pochub.i18n import translations

    return translations(language).gettext


def in_language(value: object, language: str) -> str:
    """A text of the core (marked, or a message with values) as a person reads it in ``language``."""
    from pochub.i18n import localise

    return localise(value, language)

"""`pochub db upgrade|current`: create or migrate the database."""

from __future__ import annotations

import typer

from pochub.cli.console import err, state

db_app = typer.Typer(help="Create or migrate the database.", no_args_is_help=True)


@db_app.command("upgrade")
def db_upgrade(ctx: typer.Context) -> None:
    """Create the schema, or migrate it to the newest revision."""
    from pochub.services.database import current_revision, upgrade

    engine = state(ctx).engine(create=False)
    upgrade(engine)
    err.print(f"database at revision {current_revision(engine)}")


@db_app.command("current")
def db_current(ctx: typer.Context) -> None:
    """Print the schema revision of the database."""
    from pochub.services.database import current_revision

    print(current_revision(state(ctx).engine(create=False)) or "empty")

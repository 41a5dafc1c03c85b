"""The `pochub` command: the Typer app, its global options and the registration of every command group.

Exit codes: 0 success, 1 invalid input (or any PoC Hub error), 2 usage error.

The commands live one group a module beside this one (imports, events, threats, warning, allocation, structure,
users, alerts, exercise, ...) and share console.py (consoles, formats, the running command's state); none of them
imports this module. The order below is the order of `pochub --help`.
"""

from __future__ import annotations

import functools
import sys
from typing import Annotated, Any

import typer

from pochub.cli import (
    actors,
    alerts,
    allocation,
    coordination_practice,
    database,
    demo,
    events,
    exercise,
    imports,
    keys,
    perspectives,
    server,
    sitrep,
    structure,
    teams,
    threats,
    users,
    warning,
    webhooks,
)
from pochub.cli.console import State
from pochub.config import Settings, settings_help
from pochub.errors import PocHubError

app = typer.Typer(
    help="PoC Hub: protection of civilians in peacekeeping.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)


@app.callback()
def main_options(
    ctx: typer.Context,
    database: Annotated[
        str | None,
        typer.Option(
            "--database", help="Database URL (default: POCHUB_DATABASE_URL, else sqlite:///pochub.db)."
        ),
    ] = None,
) -> None:
    """PoC Hub: evidence, threats, capacities, response, coordination and training for PoC."""
    settings = Settings() if database is None else Settings(database_url=database)
    ctx.obj = State(settings)
    ctx.call_on_close(ctx.obj.close)


@app.command("settings")
def show_settings() -> None:
    """List the settings (POCHUB_* environment variables) with their defaults."""
    for variable, default, meaning in settings_help():
        print(f"{variable}={default}\n    {meaning}")


COMMANDS: tuple[tuple[str, Any], ...] = (
    ("assess", threats.assess_command),
    ("hotspots", warning.hotspots_command),
    ("surges", warning.surges_command),
    ("coverage", allocation.coverage_command),
    ("allocate", allocation.allocate_command),
    ("demo", demo.demo),
    ("serve", server.serve),
    ("checklist", structure.checklist),
    ("audit", users.audit_command),
    ("divergence", perspectives.divergence_command),
)
"""The commands of `pochub` itself, after `settings`."""

GROUPS: tuple[tuple[str, typer.Typer], ...] = (
    ("db", database.db_app),
    ("import", imports.import_app),
    ("events", events.events_app),
    ("export", events.export_app),
    ("forecast", warning.forecast_app),
    ("threats", threats.threats_app),
    ("structure", structure.structure_app),
    ("users", users.users_app),
    ("gateways", users.gateways_app),
    ("keys", keys.keys_app),
    ("alerts", alerts.alerts_app),
    ("webhooks", webhooks.webhooks_app),
    ("exercise", exercise.exercise_app),
    ("actors", actors.actors_app),
    ("communities", perspectives.communities_app),
    ("surveys", perspectives.surveys_app),
    ("engagements", perspectives.engagements_app),
    ("plans", perspectives.plans_app),
    ("report", sitrep.report_app),
    ("forums", coordination_practice.forums_app),
    ("actions", coordination_practice.actions_app),
    ("teams", teams.teams_app),
)
"""The command groups: `pochub GROUP COMMAND ...`."""

for _name, _command_function in COMMANDS:
    app.command(_name)(_command_function)
for _name, _group in GROUPS:
    app.add_typer(_group, name=_name)


@functools.cache
def _command() -> Any:
    """The click command built from the Typer app, once per process (building it costs ~0.4 s)."""
    return typer.main.get_command(app)


def main() -> None:
    """Entry point: run the app, turning PoC Hub errors into messages and exit codes (usage errors exit 2)."""
    from pydantic import ValidationError

    try:
        _command()()
    except PocHubError as exc:
        print(f"error: {exc}", file=sys.stderr)
        sys.exit(exc.exit_code)
    except ValidationError as exc:  # a POCHUB_* setting is wrong (values are never shown: they may be keys)
        for problem in exc.errors():
            where = ".".join(str(part) for part in problem["loc"]) or "settings"
            print(f"error: {where}: {problem['msg'].removeprefix('Value error, ')}", file=sys.stderr)
        sys.exit(1)

"""`pochub actors`: the registry of actors across sources, and the analyst's merges and aliases."""

from __future__ import annotations

import json
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from pochub.cli.console import cli_actor, err, out, state

actors_app = typer.Typer(
    help="One registry of actors across sources: list it, merge actors, alias names, load an aliases file.",
    no_args_is_help=True,
)


class ListFormat(StrEnum):
    """How `actors list` prints."""

    table = "table"
    json = "json"


@actors_app.command("list")
def actors_list(
    ctx: typer.Context,
    output: Annotated[ListFormat, typer.Option("--format", help="table or json.")] = ListFormat.table,
) -> None:
    """Every registry actor with every source name behind it (sources and events per name)."""
    from pochub.services.actors import listing

    actors, ambiguous = listing(state(ctx).engine())
    if output == ListFormat.json:
        print(
            json.dumps(
                {
                    "actors": [
                        {
                            "actor": a.actor,
                            "events": a.events,
                            "names": [
                                {"name": n.name, "sources": list(n.sources), "events": n.events}
                                for n in a.names
                            ],
                        }
                        for a in actors
                    ],
                    "ambiguous_acronyms": list(ambiguous),
                },
                ensure_ascii=False,
            )
        )
        return
    if not actors:
        err.print("no actors yet: import events first (pochub import acled|ucdp|hxl FILE)")
        return
    table = Table("actor", "events", "source names (sources, events)", title="actor registry")
    for a in actors:
        names = "\n".join(f"{n.name} ({', '.join(n.sources)}, {n.events:,})" for n in a.names)
        table.add_row(a.actor, f"{a.events:,}", names)
    out.print(table)
    if ambiguous:
        err.print(
            "acronyms that stand for several actors, left unmatched (alias them): "
            + ", ".join(ambiguous).upper()
        )


@actors_app.command("merge")
def actors_merge(
    ctx: typer.Context,
    first: Annotated[str, typer.Argument(help="An actor or source name: the actor kept.")],
    second: Annotated[str, typer.Argument(help="An actor or source name that is the same actor.")],
) -> None:
    """Make SECOND (and every name behind it) the same actor as FIRST."""
    from pochub.services.actors import merge

    actor = merge(state(ctx).engine(), first, second, analyst=cli_actor())
    err.print(f"{second} is now {actor}")


@actors_app.command("alias")
def actors_alias(
    ctx: typer.Context,
    name: Annotated[str, typer.Argument(help="A source name or registry actor.")],
    to: Annotated[str, typer.Option("--to", help="The registry actor it is (a new name renames the actor).")],
) -> None:
    """Record that NAME is the actor given by --to."""
    from pochub.services.actors import alias

    actor = alias(state(ctx).engine(), name, to, analyst=cli_actor())
    err.print(f"{name} is now {actor}")


@actors_app.command("unalias")
def actors_unalias(
    ctx: typer.Context, name: Annotated[str, typer.Argument(help="The name whose alias is dropped.")]
) -> None:
    """Drop the analyst's alias of NAME (the automatic matching still applies)."""
    from pochub.services.actors import remove_alias

    remove_alias(state(ctx).engine(), name)
    err.print(f"alias of {name} removed")


@actors_app.command("load")
def actors_load(
    ctx: typer.Context,
    path: Annotated[
        Path, typer.Argument(help="YAML: each registry actor with the list of source names it is.")
    ],
) -> None:
    """Add the aliases of a YAML file (`pochub actors save` writes one to start from)."""
    from pochub.services.actors import load_aliases

    count = load_aliases(state(ctx).engine(), path, analyst=cli_actor())
    err.print(f"{count} alias(es) loaded from {path}")


@actors_app.command("save")
def actors_save(
    ctx: typer.Context,
    output: Annotated[
        Path | None, typer.Option("-o", "--output", help="Write here (default: print).")
    ] = None,
) -> None:
    """The stored aliases as a YAML file the analyst extends and loads back."""
    from pochub.services.actors import aliases_yaml

    text = aliases_yaml(state(ctx).engine())
    if output is None:
        print(text, end="")
    else:
        output.write_text(text, encoding="utf-8")
        err.print(f"aliases written to {output}")

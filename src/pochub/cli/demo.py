"""`pochub demo`: the fictional demo mission, stored through the normal importers."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from pochub.cli.console import err, out, state


def demo(
    ctx: typer.Context,
    seed: Annotated[int, typer.Option(help="Random seed: the same seed gives the same mission.")] = 1,
    communities: Annotated[int, typer.Option(help="Number of communities.")] = 2000,
    events: Annotated[int, typer.Option(help="Minimum number of ACLED-format events.")] = 20000,
    keep_files: Annotated[Path | None, typer.Option(help="Keep the generated files in this folder.")] = None,
    accounts: Annotated[
        bool,
        typer.Option(
            help="Create one sign-in per role and print the passwords, and the field offices' staff with the "
            "alerts they have worked (every lifecycle status in each office)."
        ),
    ] = True,
) -> None:
    """Generate the fictional demo mission and store it through the normal importers."""
    from pochub.services.demo_mission import create_demo_accounts, load_demo
    from pochub.services.structures import require_structure

    st = state(ctx)
    summaries = load_demo(
        st.engine(), st.settings, seed=seed, n_communities=communities, n_events=events, keep=keep_files
    )
    table = Table("step", "stored", "updated", "duplicates linked", title=f"demo mission (seed {seed})")
    for step, figures in summaries:
        table.add_row(
            step,
            str(figures.get("stored", "")),
            str(figures.get("updated", "")),
            str(figures.get("duplicates_linked", "")),
        )
    err.print(table)
    if accounts:
        office = require_structure(st.engine()).field_offices[0].id
        made = create_demo_accounts(st.engine(), office)
        logins = Table("user", "role", "field office", "password", title="demo sign-ins (shown once)")
        for account in made:
            logins.add_row(
                account.username, account.role, account.field_office or "mission-wide", account.password
            )
        out.print(logins if made else "demo sign-ins already exist (their passwords were shown when made)")
        held = [f"{a.username} holds {a.post}" for a in made if a.post]
        if held:  # they move the action points their post owns
            err.print("posts of the structure: " + ", ".join(held), highlight=False, soft_wrap=True)
        from pochub.services.demo_mission import create_demo_alerts

        statuses = create_demo_alerts(st.engine(), st.settings)
        if statuses:  # every field office holds an alert in every lifecycle status
            err.print(
                f"demo alerts: {sum(statuses.values())}, every lifecycle status in each field office "
                f"({', '.join(f'{status} {count}' for status, count in statuses.items())})"
            )
        from pochub.services.demo_perspectives import create_demo_perspectives

        voices = create_demo_perspectives(st.engine(), seed=seed)
        if voices:  # what communities say: profiles, engagements and commitments, two survey waves, plans
            err.print(
                "demo local perspectives: " + ", ".join(f"{what} {count}" for what, count in voices.items())
            )
        from pochub.services.demo_teams import create_demo_teams

        teams = create_demo_teams(st.engine(), seed=seed)
        if teams:  # two joint teams deployed with findings, one requested
            err.print(
                f"demo joint teams: {teams['deployed']} deployed with findings, {teams['requested']} requested, "
                f"{teams.get('action_points', 0)} action points from a team's recommendations"
            )
        from pochub.services.demo_forums import create_demo_forums

        forums = create_demo_forums(st.engine(), seed=seed)
        if forums["meetings"]:  # a quarter of forums, action points in every state, checklist assessed twice
            err.print(f"demo forums: {forums['meetings']} meetings, {forums['action_points']} action points")

"""`pochub alerts stats`: response times per field office and per alert network (registered by alerts.py)."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from typing import TYPE_CHECKING, Annotated

import typer
from rich.table import Table

from pochub.cli.console import out, state
from pochub.errors import InvalidInput

if TYPE_CHECKING:
    from pochub.core.workflow.metrics import GroupTimes, ResponseTimes, StepTimes

STEP_TITLES = {
    "acknowledge": "Acknowledge",
    "verify": "Verify",
    "decide": "Decide",
    "deploy": "Deploy",
    "give_feedback": "Feedback",
}
DIMENSION_TITLES = {"field_office": "Field office", "alert_network": "Alert network"}


class StatsFormat(StrEnum):
    """How `pochub alerts stats` prints."""

    table = "table"
    json = "json"


class Grouping(StrEnum):
    """Which groups `pochub alerts stats` shows."""

    field_office = "field_office"
    alert_network = "alert_network"
    both = "both"


def parse_moment(text: str, *, end_of_day: bool = False) -> datetime:
    """An ISO date or date-time as UTC; a bare date is its midnight, or the next midnight with ``end_of_day``."""
    try:
        moment = datetime.fromisoformat(text)
    except ValueError as exc:
        raise InvalidInput(f"{text!r} is not a date (YYYY-MM-DD) or ISO date-time") from exc
    moment = moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)
    bare_date = len(text.strip()) == 10
    return moment + timedelta(days=1) if bare_date and end_of_day else moment


def hours_text(hours: float | None) -> str:
    """Hours for a table cell."""
    return "-" if hours is None else f"{hours:.1f}"


def step_cell(times: StepTimes) -> str:
    """``median / p90 h`` with the number measured and the number still waiting."""
    cell = "-" if not times.count else f"{hours_text(times.median_hours)} / {hours_text(times.p90_hours)} h"
    cell += f"  n={times.count}"
    return cell + (f" ({times.waiting} waiting)" if times.waiting else "")


def times_table(title: str, dimension: str, overall: GroupTimes, groups: tuple[GroupTimes, ...]) -> Table:
    """One table: a row per group, then all alerts; a column per step (median / p90 hours)."""
    table = Table(title=title, caption="hours from receipt: median / 90th percentile")
    table.add_column(DIMENSION_TITLES.get(dimension, dimension))
    table.add_column("Alerts", justify="right")
    for step in STEP_TITLES.values():
        table.add_column(step, justify="right")
    for group in groups:
        table.add_row(group.group, str(group.alerts), *(step_cell(s) for s in group.steps))
    table.add_section()
    table.add_row("all", str(overall.alerts), *(step_cell(s) for s in overall.steps), style="bold")
    return table


def print_times(result: ResponseTimes, output: StatsFormat) -> None:
    """Print ``result`` as JSON or as one table per dimension."""

    if output == StatsFormat.json:
        print(json.dumps(result.as_dict()))
        return
    for dimension, groups in result.groups.items():
        title = f"Response times by {DIMENSION_TITLES.get(dimension, dimension).lower()}"
        out.print(times_table(title, dimension, result.overall, groups))


def alerts_stats(
    ctx: typer.Context,
    output: Annotated[StatsFormat, typer.Option("--format", help="A table or JSON.")] = StatsFormat.table,
    since: Annotated[
        str | None, typer.Option(help="Only alerts received from this date or ISO time (UTC).")
    ] = None,
    until: Annotated[
        str | None,
        typer.Option(help="Only alerts received before this ISO time; a date includes that whole day."),
    ] = None,
    by: Annotated[Grouping, typer.Option("--by", help="Group by field office, alert network or both.")] = (
        Grouping.both
    ),
    field_office: Annotated[str | None, typer.Option(help="Only the alerts of this field office.")] = None,
) -> None:
    """Response times: hours from receipt to acknowledge, verify, decide, deploy and feedback (median, p90)."""
    from pochub.services.alert_metrics import response_times

    dimensions = ("field_office", "alert_network") if by == Grouping.both else (by.value,)
    result = response_times(
        state(ctx).engine(),
        since=None if since is None else parse_moment(since),
        until=None if until is None else parse_moment(until, end_of_day=True),
        field_office=field_office,
        dimensions=dimensions,
        now=datetime.now(UTC),
    )
    print_times(result, output)

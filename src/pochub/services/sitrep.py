"""The weekly PoC situation report, assembled from the week's data through the same services as the commands it
summarises, so its figures are theirs: events and trends by area and threat (`pochub events summary`), the threat
matrix's top risks and what changed since the week before (`pochub assess`), alerts received and response times
against the structure's standard (`pochub alerts stats`), coverage and the protection gap (`pochub coverage`),
commitments to communities and the areas where communities and events disagree, the forums' action points opened
and closed, and the joint protection teams deployed.

An ISO week (``2026-W48``) runs Monday to Sunday; the matrix is taken as of the end of Sunday, the previous one as
of the Sunday before.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import Engine

from pochub.core.models.access import User
from pochub.core.models.filters import EventFilter
from pochub.core.text import N_, Message
from pochub.core.threats.matrix import ThreatRecord
from pochub.core.workflow.metrics import STEPS, GroupTimes
from pochub.errors import Forbidden, InvalidInput, NotFound
from pochub.services import action_points, alert_metrics, engagements, event_views, joint_teams, perspectives
from pochub.services.allocation import coverage
from pochub.services.structures import current_structure
from pochub.services.threat_listing import list_threats

TOP_RISKS = 10
TOP_AREAS = 10


@dataclass(frozen=True)
class RiskLine:
    """A top risk of the week and how it moved since the previous week's matrix."""

    record: ThreatRecord
    change: str
    """new, up, down or same (risk compared with last week's row of the same key)."""
    previous_risk: float | None


@dataclass(frozen=True)
class WeeklyReport:
    """Everything the weekly situation report says, with the week it covers."""

    week: str
    start: date
    end: date
    events: int
    fatalities: int
    civilian_fatalities: int
    previous_events: int
    by_area: tuple[dict[str, object], ...]
    by_threat: tuple[dict[str, object], ...]
    top_risks: tuple[RiskLine, ...]
    alerts_received: int
    response: GroupTimes
    standard_hours: tuple[tuple[str, float], ...]
    coverage_standard_hours: float | None
    covered_share: float | None
    gap_people: float | None
    commitments_overdue: int
    commitments_awaiting_feedback: int
    divergent_areas: int
    actions_opened: int = 0
    actions_done: int = 0
    actions_dropped: int = 0
    actions_overdue: int = 0
    teams_deployed: tuple[tuple[str, str], ...] = ()
    """(community, status) of the joint teams deployed or reporting in the week."""


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def week_bounds(week: str) -> tuple[date, date]:
    """Monday and Sunday of ISO week ``YYYY-Www``; a malformed week is refused saying how to write it."""
    try:
        year, number = week.upper().split("-W")
        start = date.fromisocalendar(int(year), int(number), 1)
    except ValueError as exc:
        raise InvalidInput(
            Message(N_("write the week as YYYY-Www, for example 2026-W48, not {week}"), week=week)
        ) from exc
    return start, start + timedelta(days=6)


def this_week(today: date | None = None) -> str:
    """The ISO week of ``today``."""
    year, number, _ = (today or datetime.now(UTC).date()).isocalendar()
    return f"{year}-W{number:02d}"


def _moves(now: tuple[ThreatRecord, ...], before: tuple[ThreatRecord, ...]) -> tuple[RiskLine, ...]:
    previous = {r.key: r.risk for r in before}
    lines = []
    for record in now[:TOP_RISKS]:
        old = previous.get(record.key)
        change = (
            "new"
            if old is None
            else "up"
            if record.risk > old + 0.05
            else "down"
            if record.risk < old - 0.05
            else "same"
        )
        lines.append(RiskLine(record, change, old))
    return tuple(lines)


def weekly_report(
    engine: Engine, viewer: User, week: str, *, coverage_hours: float | None = 4.0, level: int = 2
) -> WeeklyReport:
    """The report of ``week`` as ``viewer`` may read it (alerts of their area for area-scoped roles; the alerts'
    per-office figures never for roles that see approximate places)."""
    start, end = week_bounds(week)
    with engine.connect() as conn:
        figures = event_views.daily_figures(conn, start, end, level, 0)
        structure = current_structure(conn)
        previous = event_views.count(
            conn, EventFilter(start=start - timedelta(days=7), end=start - timedelta(days=1))
        )
        by_threat = event_views.summary(conn, "threat", EventFilter(start=start, end=end))
    now = list_threats(engine, level=level, as_of=end)
    before = list_threats(engine, level=level, as_of=start - timedelta(days=1))
    since = datetime.combine(start, time(0), tzinfo=UTC)
    until = datetime.combine(end + timedelta(days=1), time(0), tzinfo=UTC)
    times = alert_metrics.response_times(engine, since=since, until=until, viewer=viewer, dimensions=())
    covered = gap = None
    if coverage_hours is not None:
        try:
            run = coverage(engine, standards=(coverage_hours,))
            covered = float(run.result.covered_share[0])
            gap = float(run.result.gap_weight[0])
        except InvalidInput:
            covered = gap = None  # no communities or no units: the section says so
    board = engagements.commitments_board(engine, viewer, today=end)
    try:
        divergent = len(perspectives.divergence(engine, viewer, level=level, as_of=end))
    except InvalidInput:
        divergent = 0
    try:
        actions = action_points.action_points_in_period(engine, viewer, since, until)
        counts = (len(actions.opened), len(actions.done), len(actions.dropped), len(actions.overdue))
    except (Forbidden, InvalidInput, NotFound):  # partners read no action point; no structure, no forum
        counts = (0, 0, 0, 0)
    try:
        teams = tuple(
            (t.community, t.team.status.value) for t in joint_teams.list_teams(engine, viewer)
            if any(action in ("deploy", "report") and since <= _aware(at) < until for action, _s, _n, _a, at in t.steps)
        )  # fmt: skip
    except (Forbidden, InvalidInput, NotFound):
        teams = ()
    areas = sorted(figures.areas, key=lambda a: (-int(a["civilian_fatalities"]), -int(a["events"])))[
        :TOP_AREAS
    ]
    return WeeklyReport(
        week=week.upper(), start=start, end=end,
        events=sum(int(a["events"]) for a in figures.areas),
        fatalities=sum(int(a["fatalities"]) for a in figures.areas),
        civilian_fatalities=sum(int(a["civilian_fatalities"]) for a in figures.areas),
        previous_events=previous, by_area=tuple(areas), by_threat=tuple(by_threat),
        top_risks=_moves(now.records, before.records), alerts_received=times.overall.alerts, response=times.overall,
        standard_hours=tuple((s, h) for s, h in (structure.deadlines_hours if structure else ()) if s in STEPS),
        coverage_standard_hours=coverage_hours, covered_share=covered, gap_people=gap,
        commitments_overdue=sum(1 for r in board if r.overdue),
        commitments_awaiting_feedback=sum(1 for r in board if r.awaiting_feedback),
        divergent_areas=divergent, actions_opened=counts[0], actions_done=counts[1], actions_dropped=counts[2],
        actions_overdue=counts[3], teams_deployed=teams,
    )  # fmt: skip

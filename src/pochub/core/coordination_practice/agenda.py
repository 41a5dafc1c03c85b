"""The next meeting's agenda drafted from the data (DOMAIN.md section 9): the standing inputs a forum reads.

Pure: the services gather plain values (the threat matrix's top risks now and at the last meeting, overdue alerts
and commitments, open action points, coverage gaps, reviews coming up) and :func:`draft_agenda` orders them into
agenda items, each with its lines; an item with nothing to say says so rather than disappearing, so a forum sees
that it was looked at.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from pochub.core.text import N_, Message, Text


@dataclass(frozen=True)
class RiskNow:
    """A threat row now and its score at the last meeting (None when it was not ranked then)."""

    key: str
    label: Text
    score: float
    previous_score: float | None = None


@dataclass(frozen=True)
class OverdueItem:
    """Something late: an alert, a commitment or an action point, with a reference and how late."""

    reference: str
    label: str
    days_late: int


@dataclass(frozen=True)
class OpenActionPoint:
    """An open action point: what, whose post, due when."""

    reference: str
    what: Text
    owner: str
    due: date


@dataclass(frozen=True)
class CoverageGap:
    """An area or community the units do not reach in time, with the people there."""

    label: str
    population: int


@dataclass(frozen=True)
class UpcomingReview:
    """A review due soon: a protection plan, terms of reference, a checklist assessment."""

    label: str
    due: date


@dataclass(frozen=True)
class AgendaInputs:
    """What the services found for the body since its last meeting."""

    body_id: str
    meeting_on: date
    last_meeting_on: date | None = None
    risks: tuple[RiskNow, ...] = ()
    overdue_alerts: tuple[OverdueItem, ...] = ()
    overdue_commitments: tuple[OverdueItem, ...] = ()
    open_action_points: tuple[OpenActionPoint, ...] = ()
    coverage_gaps: tuple[CoverageGap, ...] | None = None
    """None when coverage was not computed (it is optional: expensive)."""
    upcoming_reviews: tuple[UpcomingReview, ...] = ()


@dataclass(frozen=True)
class AgendaItem:
    """One agenda item: its title and its lines."""

    key: str
    title: str
    lines: tuple[Text, ...]


@dataclass(frozen=True)
class Agenda:
    """The drafted agenda of a body's next meeting."""

    body_id: str
    meeting_on: date
    last_meeting_on: date | None
    items: tuple[AgendaItem, ...]

    @property
    def titles(self) -> tuple[str, ...]:
        """The items' titles, for a meeting's agenda field."""
        return tuple(item.title for item in self.items)


NOTHING = N_("nothing to report")


def _risk_line(risk: RiskNow) -> Message:
    if risk.previous_score is None:
        return Message(
            N_("{label}: {score} (new since the last meeting)"), label=risk.label, score=f"{risk.score:.1f}"
        )
    change = risk.score - risk.previous_score
    if abs(change) < 0.05:
        return Message(N_("{label}: {score} (unchanged)"), label=risk.label, score=f"{risk.score:.1f}")
    return Message(
        N_("{label}: {score} ({change} since the last meeting)"),
        label=risk.label, score=f"{risk.score:.1f}", change=f"{change:+.1f}",
    )  # fmt: skip


def _late_line(item: OverdueItem) -> Message:
    return Message(
        N_("{reference} {label}: {days} day(s) late"),
        reference=item.reference,
        label=item.label,
        days=item.days_late,
    )


def draft_agenda(inputs: AgendaInputs, top: int = 5) -> Agenda:
    """The agenda: top risks and their changes, overdue alerts, overdue commitments, open action points (overdue
    first), coverage gaps (largest population first, when computed), upcoming reviews (soonest first)."""
    risks = sorted(inputs.risks, key=lambda r: (-r.score, r.key))[:top]
    points = sorted(inputs.open_action_points, key=lambda p: (p.due, p.reference))
    items = [
        AgendaItem(
            "risks", N_("Top risks and changes since the last meeting"), tuple(_risk_line(r) for r in risks)
        ),
        AgendaItem(
            "alerts",
            N_("Overdue alerts"),
            tuple(_late_line(a) for a in sorted(inputs.overdue_alerts, key=lambda a: -a.days_late)),
        ),
        AgendaItem(
            "commitments",
            N_("Overdue commitments to communities"),
            tuple(_late_line(c) for c in sorted(inputs.overdue_commitments, key=lambda c: -c.days_late)),
        ),
        AgendaItem(
            "action_points",
            N_("Open action points"),
            tuple(
                Message(
                    N_("{reference} {what} ({owner}, due {due}){late}"),
                    reference=p.reference,
                    what=p.what,
                    owner=p.owner,
                    due=p.due.isoformat(),
                    late=Message(N_(" — overdue")) if p.due < inputs.meeting_on else "",
                )
                for p in points
            ),
        ),
    ]
    if inputs.coverage_gaps is not None:
        gaps = sorted(inputs.coverage_gaps, key=lambda g: (-g.population, g.label))[:top]
        items.append(
            AgendaItem(
                "coverage",
                N_("Coverage gaps"),
                tuple(
                    Message(N_("{label}: {population} people"), label=g.label, population=g.population)
                    for g in gaps
                ),
            )
        )
    reviews = sorted(inputs.upcoming_reviews, key=lambda r: (r.due, r.label))
    items.append(
        AgendaItem(
            "reviews",
            N_("Upcoming reviews"),
            tuple(Message(N_("{label}: due {due}"), label=r.label, due=r.due.isoformat()) for r in reviews),
        )
    )
    return Agenda(inputs.body_id, inputs.meeting_on, inputs.last_meeting_on, tuple(items))

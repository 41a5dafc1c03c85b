"""Community protection plans (DOMAIN.md section 8), drawn up with the community.

A plan states the threats the community identified and its vulnerabilities, what the community itself does, what
the mission and the local authorities commit to (who, what, by when), and the indicators that call for a review
(an event of a named type nearby, a commitment overdue, a survey figure crossing a line). Reviews are kept: when,
who, what was found, and whether the plan was kept or revised. ``review_due`` says whether a plan needs review now
and why, so that a plan is a living document rather than a file in a drawer.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum
from typing import Any

from pochub.core.models.taxonomy import ThreatType
from pochub.core.perspectives.profiles import NamedThreat, Strategy
from pochub.core.text import N_, Message, Text
from pochub.errors import InvalidInput

REVIEW_EVERY = timedelta(days=180)
"""A plan no indicator triggered is still reviewed twice a year."""


class Party(StrEnum):
    """Who commits: the mission or the local authorities (the community's own measures are listed apart)."""

    MISSION = "mission"
    AUTHORITIES = "authorities"


PARTY_LABELS = {Party.MISSION: N_("the mission"), Party.AUTHORITIES: N_("local authorities")}


@dataclass(frozen=True)
class PlanCommitment:
    """A commitment in the plan: which party, who exactly (a post or an office), what, by when, done or not."""

    party: Party
    who: str
    what: str
    due: date
    done: bool = False


@dataclass(frozen=True)
class Indicator:
    """A sign that calls for a review, and what it watches: an event type nearby, overdue commitments, or a text."""

    what: str
    threat_type: ThreatType | None = None


@dataclass(frozen=True)
class Review:
    """A review held: when, by whom, what was found, whether the plan was revised."""

    held_on: date
    by: str
    findings: str
    revised: bool


@dataclass(frozen=True)
class ProtectionPlan:
    """A community's protection plan."""

    community_id: str
    agreed_on: date
    threats: tuple[NamedThreat, ...]
    vulnerabilities: str
    community_measures: tuple[tuple[Strategy, str], ...]
    commitments: tuple[PlanCommitment, ...]
    indicators: tuple[Indicator, ...]
    reviews: tuple[Review, ...] = ()


def check_plan(plan: ProtectionPlan) -> ProtectionPlan:
    """Refuse a plan a community could not act on: no threat, no commitment, a commitment without who or what or
    due before the plan, no indicator that would call for a review, a review before the plan was agreed."""
    if not plan.threats:
        raise InvalidInput(N_("a protection plan names at least one threat the community identified"))
    if not plan.commitments:
        raise InvalidInput(
            N_("a protection plan holds at least one commitment of the mission or the authorities")
        )
    for commitment in plan.commitments:
        if not commitment.who.strip() or not commitment.what.strip():
            raise InvalidInput(N_("every commitment of the plan says who commits and to what"))
        if commitment.due < plan.agreed_on:
            raise InvalidInput(
                Message(N_("the commitment '{what}' is due before the plan was agreed"), what=commitment.what)
            )
    if not plan.indicators or any(not i.what.strip() for i in plan.indicators):
        raise InvalidInput(N_("a protection plan names the indicators that call for its review"))
    if any(review.held_on < plan.agreed_on for review in plan.reviews):
        raise InvalidInput(N_("a review cannot be held before the plan was agreed"))
    return plan


def review_due(
    plan: ProtectionPlan, today: date, *, events_nearby: Mapping[ThreatType, int] | None = None
) -> list[Text]:
    """Why the plan needs review now (empty: it does not): an indicator's event type recorded nearby since the
    last review, a commitment overdue, or six months since the last review."""
    last = max([plan.agreed_on, *(r.held_on for r in plan.reviews)])
    reasons: list[Text] = []
    for indicator in plan.indicators:
        if indicator.threat_type is not None and (events_nearby or {}).get(indicator.threat_type, 0) > 0:
            reasons.append(
                Message(
                    N_("events of the watched type nearby since {since} ({count}): {indicator}"),
                    count=(events_nearby or {})[indicator.threat_type], since=last.isoformat(), indicator=indicator.what,
                )
            )  # fmt: skip
    overdue = [c for c in plan.commitments if not c.done and c.due < today]
    if overdue:
        reasons.append(
            Message(
                N_("commitments overdue ({count}): {what}"),
                count=len(overdue),
                what="; ".join(c.what for c in overdue),
            )
        )
    if today - last >= REVIEW_EVERY:
        reasons.append(Message(N_("last reviewed {days} days ago"), days=(today - last).days))
    return reasons


def to_document(plan: ProtectionPlan) -> dict[str, Any]:
    """The plan as JSON can store it."""
    return {
        "community_id": plan.community_id,
        "agreed_on": plan.agreed_on.isoformat(),
        "threats": [
            {
                "threat_type": t.threat_type.value,
                "perpetrator": t.perpetrator,
                "registry_actor": t.registry_actor,
            }
            for t in plan.threats
        ],
        "vulnerabilities": plan.vulnerabilities,
        "community_measures": [{"strategy": s.value, "how": how} for s, how in plan.community_measures],
        "commitments": [
            {"party": c.party.value, "who": c.who, "what": c.what, "due": c.due.isoformat(), "done": c.done}
            for c in plan.commitments
        ],
        "indicators": [
            {"what": i.what, "threat_type": i.threat_type.value if i.threat_type else None}
            for i in plan.indicators
        ],
        "reviews": [
            {"held_on": r.held_on.isoformat(), "by": r.by, "findings": r.findings, "revised": r.revised}
            for r in plan.reviews
        ],
    }


def from_document(document: Mapping[str, Any]) -> ProtectionPlan:
    """The plan :func:`to_document` stored (or a person wrote as YAML), checked; a bad value names its field."""
    try:
        plan = ProtectionPlan(
            community_id=str(document["community_id"]),
            agreed_on=date.fromisoformat(str(document["agreed_on"])),
            threats=tuple(
                NamedThreat(
                    ThreatType(t["threat_type"]), t.get("perpetrator", ""), t.get("registry_actor", "")
                )
                for t in document.get("threats") or []
            ),
            vulnerabilities=str(document.get("vulnerabilities") or ""),
            community_measures=tuple(
                (Strategy(m["strategy"]), str(m.get("how", "")))
                for m in document.get("community_measures") or []
            ),
            commitments=tuple(
                PlanCommitment(
                    Party(c["party"]),
                    str(c["who"]),
                    str(c["what"]),
                    date.fromisoformat(str(c["due"])),
                    bool(c.get("done", False)),
                )
                for c in document.get("commitments") or []
            ),
            indicators=tuple(
                Indicator(str(i["what"]), ThreatType(i["threat_type"]) if i.get("threat_type") else None)
                for i in document.get("indicators") or []
            ),
            reviews=tuple(
                Review(
                    date.fromisoformat(str(r["held_on"])),
                    str(r["by"]),
                    str(r.get("findings", "")),
                    bool(r.get("revised", False)),
                )
                for r in document.get("reviews") or []
            ),
        )
    except KeyError as exc:
        raise InvalidInput(Message(N_("the plan lacks '{field}'"), field=str(exc.args[0]))) from exc
    except (ValueError, TypeError) as exc:
        raise InvalidInput(
            Message(N_("the plan holds a value that cannot be read: {reason}"), reason=str(exc))
        ) from exc
    return check_plan(plan)

"""Scoring an exercise: per decision and per team, every score with the reason it has that value.

Five criteria, each 0 to 1 (or not applicable), weighted into a total out of 100:

- **acknowledge**: time from delivery to acknowledgement against the structure's deadline at the alert's urgency
  (full marks within the deadline, none at ``late_factor`` times it, linear between);
- **respond**: time to the response decision (for a rumour: to finding it unfounded) against its deadline;
- **coverage**: civilians at risk within the response standard of the team's posture after its deployment,
  against the optimal plan (maximal covering with as many units moved) for the same moment;
- **doctrine**: the decided tier and phase against the doctrine rules (a rumour should be found unfounded and
  nothing deployed; an unavailable unit should not be sent);
- **feedback**: the alert closed with feedback to the community.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from pochub.core.exercise.scenario import ExpectedResponse
from pochub.core.models.alerts import Decision, Phase, Tier, Verification

CRITERIA = ("acknowledge", "respond", "coverage", "doctrine", "feedback")


@dataclass(frozen=True)
class ScoringRules:
    """Weights of the criteria and how fast lateness costs (configurable per exercise)."""

    weights: Mapping[str, float] = field(
        default_factory=lambda: {
            "acknowledge": 20.0,
            "respond": 20.0,
            "coverage": 25.0,
            "doctrine": 20.0,
            "feedback": 15.0,
        }
    )
    late_factor: float = 2.0
    """A step done at this multiple of its deadline scores nothing."""


@dataclass(frozen=True)
class CoverageComparison:
    """Civilians covered at one moment by the team's posture and by the optimal plan."""

    at: datetime
    at_risk: float
    team_covered: float
    optimal_covered: float
    units_moved: int
    standard_hours: float
    team_sites: tuple[str, ...] = ()
    optimal_sites: tuple[str, ...] = ()
    measure: str = "civilians"
    """``civilians`` (community population) or ``places`` (no community stored near the alerts)."""


@dataclass(frozen=True)
class AlertPlay:
    """What one team did with one alert inject, at exercise times."""

    inject_id: int
    title: str
    reference: str
    delivered_at: datetime
    expected: ExpectedResponse
    deadlines: Mapping[str, timedelta]
    acknowledged_at: datetime | None = None
    verified_at: datetime | None = None
    verification: Verification | None = None
    decided_at: datetime | None = None
    decision: Decision | None = None
    tier: Tier | None = None
    phase: Phase | None = None
    units: tuple[str, ...] = ()
    unavailable_units: tuple[str, ...] = ()
    """Deployed units that an inject had made unavailable at the time."""
    deployed_at: datetime | None = None
    feedback_at: datetime | None = None
    closed_at: datetime | None = None
    coverage: CoverageComparison | None = None


@dataclass(frozen=True)
class Score:
    """One criterion's value (0..1, or None when it does not apply) and why."""

    criterion: str
    value: float | None
    weight: float
    explanation: str


@dataclass(frozen=True)
class DecisionScore:
    """The scores of one team's handling of one alert."""

    inject_id: int
    title: str
    reference: str
    scores: tuple[Score, ...]
    total: float

    def score(self, criterion: str) -> Score:
        """The score of one criterion."""
        return next(s for s in self.scores if s.criterion == criterion)


@dataclass(frozen=True)
class TeamScore:
    """A team's scores: per decision, per criterion (mean of the applicable ones) and in total."""

    team: str
    decisions: tuple[DecisionScore, ...]
    criteria: Mapping[str, float | None]
    total: float
    explanation: tuple[str, ...]


def _hours(delta: timedelta) -> float:
    return delta.total_seconds() / 3600


def timeliness(
    done: datetime | None, since: datetime, deadline: timedelta, late_factor: float, what: str
) -> tuple[float, str]:
    """Full marks within the deadline, none at ``late_factor`` times it or when never done, linear between."""
    if done is None:
        return 0.0, f"never {what} (deadline {_hours(deadline):.1f} h)"
    taken = max(done - since, timedelta(0))
    if taken <= deadline:
        return 1.0, f"{what} after {_hours(taken):.1f} h, within the {_hours(deadline):.1f} h deadline"
    limit = deadline * late_factor
    value = 0.0 if taken >= limit else 1.0 - (taken - deadline) / (limit - deadline)
    return (
        value,
        f"{what} after {_hours(taken):.1f} h, {_hours(taken - deadline):.1f} h past the {_hours(deadline):.1f} h deadline",
    )


def _respond(play: AlertPlay, rules: ScoringRules) -> tuple[float, str]:
    if not play.expected.respond:
        deadline = play.deadlines.get("verify", timedelta(hours=4))
        done = play.verified_at if play.verification is Verification.UNFOUNDED else None
        value, why = timeliness(done, play.delivered_at, deadline, rules.late_factor, "found unfounded")
        return value, why
    deadline = play.deadlines.get("decide", timedelta(hours=8))
    return timeliness(play.decided_at, play.delivered_at, deadline, rules.late_factor, "response decided")


def _doctrine(play: AlertPlay) -> tuple[float, str]:
    expected = play.expected
    reasons: list[str] = []
    if not expected.respond:
        if play.units:
            return 0.0, f"units {', '.join(play.units)} deployed on a rumour ({expected.reason})"
        if play.verification is Verification.UNFOUNDED:
            return 1.0, f"found unfounded and nothing deployed ({expected.reason})"
        return 0.0, f"not found unfounded (found {play.verification or 'nothing'}); {expected.reason}"
    if play.verification is Verification.UNFOUNDED:
        return 0.0, f"violence that happened was found unfounded; {expected.reason}"
    if play.decision is None:
        return 0.0, f"no response decided; {expected.reason}"
    if play.decision is not Decision.RESPOND:
        return 0.0, f"decided {play.decision.value} where doctrine expects a response; {expected.reason}"
    value = 0.0
    if play.phase is not None and play.phase is expected.phase:
        value += 0.5
        reasons.append(f"phase {play.phase.value} is right")
    else:
        reasons.append(
            f"phase {play.phase.value if play.phase else '-'} where doctrine says {expected.phase.value if expected.phase else '-'}"
        )
    if play.tier is not None and play.tier in expected.tiers:
        value += 0.5
        reasons.append(
            f"tier {play.tier.value} is among doctrine's options ({', '.join(t.value for t in expected.tiers)})"
        )
    else:
        reasons.append(
            f"tier {play.tier.value if play.tier else '-'} is not among doctrine's options ({', '.join(t.value for t in expected.tiers)})"
        )
    if play.unavailable_units:
        value = max(value - 0.5, 0.0)
        reasons.append(f"{', '.join(play.unavailable_units)} had been reported unavailable")
    return value, "; ".join(reasons)


def _coverage(play: AlertPlay) -> tuple[float | None, str]:
    if not play.expected.respond:
        return None, "not applicable: nothing should be deployed on a rumour"
    found = play.coverage
    if found is None:
        return 0.0, "no deployment: nobody moved towards the civilians at risk"
    unit = found.measure
    if found.optimal_covered <= 0:
        return (
            None,
            f"not applicable: no {unit} at risk could be reached within {found.standard_hours:g} h by any plan",
        )
    value = min(found.team_covered / found.optimal_covered, 1.0)
    return value, (
        f"{found.team_covered:,.0f} of {found.at_risk:,.0f} {unit} at risk within {found.standard_hours:g} h "
        f"after the team moved {found.units_moved} unit(s); the optimal plan for that moment covers "
        f"{found.optimal_covered:,.0f}"
        + (f" (at {', '.join(found.optimal_sites)})" if found.optimal_sites else "")
    )


def _feedback(play: AlertPlay) -> tuple[float, str]:
    if play.closed_at is not None and play.feedback_at is not None:
        return 1.0, "closed with feedback to the community"
    if play.feedback_at is not None:
        return 0.5, "the community heard back, but the alert was not closed"
    return 0.0, "the community never heard back"


def score_play(play: AlertPlay, rules: ScoringRules | None = None) -> DecisionScore:
    """Score one team's handling of one alert inject."""
    chosen = rules or ScoringRules()
    values: dict[str, tuple[float | None, str]] = {
        "acknowledge": timeliness(
            play.acknowledged_at,
            play.delivered_at,
            play.deadlines.get("acknowledge", timedelta(hours=1)),
            chosen.late_factor,
            "acknowledged",
        ),
        "respond": _respond(play, chosen),
        "coverage": _coverage(play),
        "doctrine": _doctrine(play),
        "feedback": _feedback(play),
    }
    scores = tuple(
        Score(name, values[name][0], chosen.weights.get(name, 0.0), values[name][1]) for name in CRITERIA
    )
    return DecisionScore(play.inject_id, play.title, play.reference, scores, _weighted(scores))


def _weighted(scores: Sequence[Score]) -> float:
    applicable = [s for s in scores if s.value is not None and s.weight > 0]
    weight = sum(s.weight for s in applicable)
    if weight == 0:
        return 0.0
    return round(100 * sum(s.weight * (s.value or 0.0) for s in applicable) / weight, 1)


def score_team(team: str, plays: Sequence[AlertPlay], rules: ScoringRules | None = None) -> TeamScore:
    """Score a team over every alert inject it received."""
    chosen = rules or ScoringRules()
    decisions = tuple(score_play(play, chosen) for play in plays)
    criteria: dict[str, float | None] = {}
    for name in CRITERIA:
        values = [d.score(name).value for d in decisions if d.score(name).value is not None]
        criteria[name] = round(sum(v for v in values if v is not None) / len(values), 3) if values else None
    total = round(sum(d.total for d in decisions) / len(decisions), 1) if decisions else 0.0
    closed = sum(1 for p in plays if p.closed_at is not None and p.feedback_at is not None)
    explanation = [
        f"{len(plays)} alert(s) received; mean score {total:g} of 100",
        f"{closed} of {len(plays)} closed with feedback to the community",
    ]
    for name in CRITERIA:
        value = criteria[name]
        explanation.append(
            f"{name}: "
            + (
                "not applicable"
                if value is None
                else f"{100 * value:.0f} % (weight {chosen.weights.get(name, 0):g})"
            )
        )
    weakest = min(decisions, key=lambda d: d.total, default=None)
    if weakest is not None and weakest.total < 100:
        low = min((s for s in weakest.scores if s.value is not None), key=lambda s: s.value or 0.0)
        explanation.append(
            f"weakest: {weakest.title} ({weakest.total:g}): {low.criterion}: {low.explanation}"
        )
    return TeamScore(team, decisions, criteria, total, tuple(explanation))


def lessons(teams: Sequence[TeamScore]) -> tuple[str, ...]:
    """Lessons for the after-action review, from where the teams lost most."""
    found: list[str] = []
    for name in CRITERIA:
        values = [t.criteria[name] for t in teams if t.criteria.get(name) is not None]
        if not values:
            continue
        mean = sum(v for v in values if v is not None) / len(values)
        if mean >= 0.8:
            continue
        found.append({
            "acknowledge": "Alerts waited too long for acknowledgement: the CLA or focal point on duty should "
                           "acknowledge every alert within the structure's deadline, before triangulating.",
            "respond": "Response decisions came late: decide on the information at hand and revise, rather than "
                       "wait for certainty; escalate when the body cannot decide in time.",
            "coverage": "Deployments covered fewer civilians than the optimal plan for the same moment: use the "
                        "coverage and allocation tools before choosing where units go.",
            "doctrine": "Tiers and phases did not match doctrine: violence under way calls for the response phase; "
                        "rumours must be triangulated before anything is deployed; check units are available.",
            "feedback": "Communities did not hear back: close every alert with feedback, or the alert network "
                        "stops calling.",
        }[name] + f" (mean {100 * mean:.0f} %)")  # fmt: skip
    return tuple(found) or ("Every criterion averaged 80 % or more: keep the same drills.",)

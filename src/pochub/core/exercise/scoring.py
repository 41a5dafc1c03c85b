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
from pochub.core.text import N_, Message, Text, joined

CRITERIA = ("acknowledge", "respond", "coverage", "doctrine", "feedback")
CRITERION_NAMES = {
    "acknowledge": N_("acknowledge"),
    "respond": N_("respond"),
    "coverage": N_("coverage"),
    "doctrine": N_("doctrine"),
    "feedback": N_("feedback"),
}
"""What a person reads for each criterion (translated at the edge)."""


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
    explanation: Text


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
    explanation: tuple[Text, ...]


def _hours(delta: timedelta) -> float:
    return delta.total_seconds() / 3600


def timeliness(
    done: datetime | None, since: datetime, deadline: timedelta, late_factor: float, what: str
) -> tuple[float, Text]:
    """Full marks within the deadline, none at ``late_factor`` times it or when never done, linear between
    (``what`` is the step done, a marked text such as ``N_("acknowledged")``)."""
    step = Message(what)
    if done is None:
        return 0.0, Message(
            N_("never {what} (deadline {deadline:.1f} h)"), what=step, deadline=_hours(deadline)
        )
    taken = max(done - since, timedelta(0))
    if taken <= deadline:
        return 1.0, Message(
            N_("{what} after {taken:.1f} h, within the {deadline:.1f} h deadline"),
            what=step,
            taken=_hours(taken),
            deadline=_hours(deadline),
        )
    limit = deadline * late_factor
    value = 0.0 if taken >= limit else 1.0 - (taken - deadline) / (limit - deadline)
    return value, Message(
        N_("{what} after {taken:.1f} h, {late:.1f} h past the {deadline:.1f} h deadline"),
        what=step,
        taken=_hours(taken),
        late=_hours(taken - deadline),
        deadline=_hours(deadline),
    )


def _respond(play: AlertPlay, rules: ScoringRules) -> tuple[float, Text]:
    if not play.expected.respond:
        deadline = play.deadlines.get("verify", timedelta(hours=4))
        done = play.verified_at if play.verification is Verification.UNFOUNDED else None
        return timeliness(done, play.delivered_at, deadline, rules.late_factor, N_("found unfounded"))
    deadline = play.deadlines.get("decide", timedelta(hours=8))
    return timeliness(play.decided_at, play.delivered_at, deadline, rules.late_factor, N_("response decided"))


def _tiers(tiers: Sequence[Tier]) -> str:
    return ", ".join(t.value for t in tiers)


def _doctrine(play: AlertPlay) -> tuple[float, Text]:
    expected = play.expected
    reason = expected.reason
    if not expected.respond:
        if play.units:
            return 0.0, Message(
                N_("units {units} deployed on a rumour ({reason})"),
                units=", ".join(play.units),
                reason=reason,
            )
        if play.verification is Verification.UNFOUNDED:
            return 1.0, Message(N_("found unfounded and nothing deployed ({reason})"), reason=reason)
        if play.verification is None:
            return 0.0, Message(N_("not found unfounded (found nothing); {reason}"), reason=reason)
        return 0.0, Message(
            N_("not found unfounded (found {verification}); {reason}"),
            verification=Message(str(play.verification)),
            reason=reason,
        )
    if play.verification is Verification.UNFOUNDED:
        return 0.0, Message(N_("violence that happened was found unfounded; {reason}"), reason=reason)
    if play.decision is None:
        return 0.0, Message(N_("no response decided; {reason}"), reason=reason)
    if play.decision is not Decision.RESPOND:
        return 0.0, Message(
            N_("decided {decision} where doctrine expects a response; {reason}"),
            decision=Message(play.decision.value),
            reason=reason,
        )
    value = 0.0
    reasons: list[Text] = []
    if play.phase is not None and play.phase is expected.phase:
        value += 0.5
        reasons.append(Message(N_("phase {phase} is right"), phase=Message(play.phase.value)))
    else:
        reasons.append(
            Message(
                N_("phase {phase} where doctrine says {expected}"),
                phase=Message(play.phase.value) if play.phase else "-",
                expected=Message(expected.phase.value) if expected.phase else "-",
            )
        )
    if play.tier is not None and play.tier in expected.tiers:
        value += 0.5
        reasons.append(
            Message(
                N_("tier {tier} is among doctrine's options ({options})"),
                tier=play.tier.value,
                options=_tiers(expected.tiers),
            )
        )
    else:
        reasons.append(
            Message(
                N_("tier {tier} is not among doctrine's options ({options})"),
                tier=play.tier.value if play.tier else "-",
                options=_tiers(expected.tiers),
            )
        )
    if play.unavailable_units:
        value = max(value - 0.5, 0.0)
        reasons.append(
            Message(N_("{units} had been reported unavailable"), units=", ".join(play.unavailable_units))
        )
    return value, joined(reasons, "; ")


def _coverage(play: AlertPlay) -> tuple[float | None, Text]:
    if not play.expected.respond:
        return None, N_("not applicable: nothing should be deployed on a rumour")
    found = play.coverage
    if found is None:
        return 0.0, N_("no deployment: nobody moved towards the civilians at risk")
    places = found.measure == "places"
    if found.optimal_covered <= 0:
        return None, Message(
            N_("not applicable: no places at risk could be reached within {hours:g} h by any plan")
            if places
            else N_("not applicable: no civilians at risk could be reached within {hours:g} h by any plan"),
            hours=found.standard_hours,
        )
    value = min(found.team_covered / found.optimal_covered, 1.0)
    covered = Message(
        N_(
            "{covered:,.0f} of {at_risk:,.0f} places at risk within {hours:g} h after the team moved {moved} "
            "unit(s); the optimal plan for that moment covers {optimal:,.0f}"
        )
        if places
        else N_(
            "{covered:,.0f} of {at_risk:,.0f} civilians at risk within {hours:g} h after the team moved {moved} "
            "unit(s); the optimal plan for that moment covers {optimal:,.0f}"
        ),
        covered=found.team_covered,
        at_risk=found.at_risk,
        hours=found.standard_hours,
        moved=found.units_moved,
        optimal=found.optimal_covered,
    )
    if not found.optimal_sites:
        return value, covered
    return value, Message(
        N_("{coverage} (at {sites})"), coverage=covered, sites=", ".join(found.optimal_sites)
    )


def _feedback(play: AlertPlay) -> tuple[float, Text]:
    if play.closed_at is not None and play.feedback_at is not None:
        return 1.0, N_("closed with feedback to the community")
    if play.feedback_at is not None:
        return 0.5, N_("the community heard back, but the alert was not closed")
    return 0.0, N_("the community never heard back")


def score_play(
    play: AlertPlay, rules: ScoringRules | None = None, not_applicable: Mapping[str, Text] | None = None
) -> DecisionScore:
    """Score one team's handling of one alert inject. ``not_applicable`` names the criteria the team could not
    meet whatever it did (no member's role may take that step), with why: they are left out of the total."""
    chosen = rules or ScoringRules()
    values: dict[str, tuple[float | None, Text]] = {
        "acknowledge": timeliness(
            play.acknowledged_at,
            play.delivered_at,
            play.deadlines.get("acknowledge", timedelta(hours=1)),
            chosen.late_factor,
            N_("acknowledged"),
        ),
        "respond": _respond(play, chosen),
        "coverage": _coverage(play),
        "doctrine": _doctrine(play),
        "feedback": _feedback(play),
    }
    for name, why in (not_applicable or {}).items():
        values[name] = (None, why)
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


def score_team(
    team: str,
    plays: Sequence[AlertPlay],
    rules: ScoringRules | None = None,
    not_applicable: Mapping[str, Text] | None = None,
) -> TeamScore:
    """Score a team over every alert inject it received (see :func:`score_play` for ``not_applicable``). A team
    that received no alert is not scored: its explanation says so instead of a total of 0."""
    chosen = rules or ScoringRules()
    decisions = tuple(score_play(play, chosen, not_applicable) for play in plays)
    if not decisions:
        return TeamScore(
            team,
            decisions,
            dict.fromkeys(CRITERIA),
            0.0,
            (N_("no alert reached this team: there is no decision to score"),),
        )
    criteria: dict[str, float | None] = {}
    for name in CRITERIA:
        values = [d.score(name).value for d in decisions if d.score(name).value is not None]
        criteria[name] = round(sum(v for v in values if v is not None) / len(values), 3) if values else None
    total = round(sum(d.total for d in decisions) / len(decisions), 1) if decisions else 0.0
    closed = sum(1 for p in plays if p.closed_at is not None and p.feedback_at is not None)
    explanation: list[Text] = [
        Message(N_("{count} alert(s) received; mean score {total:g} of 100"), count=len(plays), total=total),
        Message(
            N_("{closed} of {count} closed with feedback to the community"), closed=closed, count=len(plays)
        ),
    ]
    for name in CRITERIA:
        value = criteria[name]
        explanation.append(
            Message(N_("{criterion}: not applicable"), criterion=Message(CRITERION_NAMES[name]))
            if value is None
            else Message(
                N_("{criterion}: {percent:.0f} % (weight {weight:g})"),
                criterion=Message(CRITERION_NAMES[name]),
                percent=100 * value,
                weight=chosen.weights.get(name, 0),
            )
        )
    weakest = min(decisions, key=lambda d: d.total, default=None)
    if weakest is not None and weakest.total < 100:
        low = min((s for s in weakest.scores if s.value is not None), key=lambda s: s.value or 0.0)
        explanation.append(
            Message(
                N_("weakest: {title} ({total:g}): {criterion}: {explanation}"),
                title=weakest.title,
                total=weakest.total,
                criterion=Message(CRITERION_NAMES[low.criterion]),
                explanation=low.explanation
                if isinstance(low.explanation, Message)
                else Message(low.explanation),
            )
        )
    return TeamScore(team, decisions, criteria, total, tuple(explanation))


LESSONS = {
    "acknowledge": N_(
        "Alerts waited too long for acknowledgement: the CLA or focal point on duty should acknowledge every "
        "alert within the structure's deadline, before triangulating."
    ),
    "respond": N_(
        "Response decisions came late: decide on the information at hand and revise, rather than wait for "
        "certainty; escalate when the body cannot decide in time."
    ),
    "coverage": N_(
        "Deployments covered fewer civilians than the optimal plan for the same moment: use the coverage and "
        "allocation tools before choosing where units go."
    ),
    "doctrine": N_(
        "Tiers and phases did not match doctrine: violence under way calls for the response phase; rumours must "
        "be triangulated before anything is deployed; check units are available."
    ),
    "feedback": N_(
        "Communities did not hear back: close every alert with feedback, or the alert network stops calling."
    ),
}
"""The lesson drawn when the teams averaged under 80 % on a criterion."""


def lessons(teams: Sequence[TeamScore]) -> tuple[Text, ...]:
    """Lessons for the after-action review, from where the teams lost most."""
    found: list[Text] = []
    if not any(t.decisions for t in teams):
        return (N_("No alert was played: the scores hold no lesson."),)
    for name in CRITERIA:
        values = [t.criteria[name] for t in teams if t.criteria.get(name) is not None]
        if not values:
            continue
        mean = sum(v for v in values if v is not None) / len(values)
        if mean >= 0.8:
            continue
        found.append(
            Message(N_("{lesson} (mean {percent:.0f} %)"), lesson=Message(LESSONS[name]), percent=100 * mean)
        )
    return tuple(found) or (N_("Every criterion averaged 80 % or more: keep the same drills."),)

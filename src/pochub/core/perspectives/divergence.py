"""Where what communities say and what events show disagree (DOMAIN.md section 8: divergence is information).

For each area, two readings of insecurity: the share of people who say they do not feel safe (a survey estimate
with its interval) plus the threats communities raised in engagements, and the violence against civilians that
recorded events show per 10,000 people. An area where communities report insecurity that events do not show may
be under-reported (no phone coverage, fear, no media); an area with violence that communities do not report can
mean events far from people or a gap in the mission's local knowledge. Both are listed with their evidence.

The comparison is by rank within the mission, not by raw value (the two scales differ), and an area is flagged
only when the survey's interval, not just its point, lies on the far side: a wide interval never makes a signal.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum

import numpy as np

from pochub.core.text import N_, Message, Text


class Divergence(StrEnum):
    """Which way the two readings disagree."""

    UNDER_REPORTED = "reported_not_recorded"
    UNHEARD = "recorded_not_reported"


DIVERGENCE_LABELS = {
    Divergence.UNDER_REPORTED: N_(
        "communities report insecurity that recorded events do not show (possible under-reporting)"
    ),
    Divergence.UNHEARD: N_("recorded violence that communities do not report"),
}


@dataclass(frozen=True)
class AreaReading:
    """An area's two readings: perceived insecurity (share feeling unsafe, its interval; ``None`` when withheld or
    not surveyed), concerns raised in engagements, and recorded violence against civilians with the population."""

    pcode: str
    name: str
    unsafe_share: float | None
    unsafe_low: float | None
    unsafe_high: float | None
    respondents: int
    concerns_raised: int
    events: int
    victims: int
    population: int | None


@dataclass(frozen=True)
class DivergentArea:
    """An area flagged, which way, and the evidence a person reads."""

    pcode: str
    name: str
    kind: Divergence
    evidence: tuple[Text, ...]


def _rate(reading: AreaReading) -> float:
    """Violence per 10,000 people: events weighted by their victims (a massacre is not one event like a theft)."""
    harm = reading.events + reading.victims
    if reading.population:
        return harm * 10_000 / reading.population
    return float(harm)


def divergent_areas(
    readings: Sequence[AreaReading], *, low_quantile: float = 0.25, high_quantile: float = 0.75
) -> list[DivergentArea]:
    """Areas whose perceived insecurity and recorded violence disagree, strongest disagreement first.

    Under-reported: the survey's lower bound is above the mission's median share feeling unsafe (or the area
    raised concerns in the top quarter), while recorded violence per person is clearly low (lowest quarter and
    under half the median). Unheard: recorded violence clearly high (top quarter and over twice the median) while
    the survey's upper bound is below the median share.
    """
    surveyed = [
        r
        for r in readings
        if r.unsafe_share is not None and r.unsafe_low is not None and r.unsafe_high is not None
    ]
    if not readings:
        return []
    rates = np.array([_rate(r) for r in readings])
    median_rate = float(np.median(rates))
    # clearly low or high: in the lowest (highest) quarter AND under half (over twice) the mission's median
    low_rate = min(float(np.quantile(rates, low_quantile)), median_rate / 2)
    high_rate = max(float(np.quantile(rates, high_quantile)), median_rate * 2)
    median_unsafe = float(np.median([r.unsafe_share for r in surveyed])) if surveyed else None
    concerns = np.array([r.concerns_raised for r in readings])
    many_concerns = float(np.quantile(concerns, high_quantile)) if concerns.any() else None
    flagged: list[tuple[float, DivergentArea]] = []
    for reading in readings:
        rate = _rate(reading)
        evidence: list[Text] = []
        if reading.unsafe_share is not None:
            evidence.append(
                Message(
                    N_("{share:.0%} say they do not feel safe ({low:.0%} to {high:.0%}, {n} respondents; mission median {median:.0%})"),
                    share=reading.unsafe_share, low=reading.unsafe_low, high=reading.unsafe_high, n=reading.respondents,
                    median=median_unsafe,
                )
            )  # fmt: skip
        if reading.concerns_raised:
            evidence.append(
                Message(N_("concerns raised in engagements: {count}"), count=reading.concerns_raised)
            )
        evidence.append(
            Message(
                N_("{events} recorded events against civilians, {victims} victims ({rate:.1f} per 10,000 people)"),
                events=reading.events, victims=reading.victims, rate=rate,
            )
            if reading.population
            else Message(N_("{events} recorded events against civilians, {victims} victims (population unknown)"),
                         events=reading.events, victims=reading.victims)
        )  # fmt: skip
        perceived_high = (
            median_unsafe is not None
            and reading.unsafe_low is not None
            and reading.unsafe_low > median_unsafe
        ) or (
            many_concerns is not None
            and reading.concerns_raised > 0
            and reading.concerns_raised >= many_concerns
        )
        perceived_low = (
            median_unsafe is not None
            and reading.unsafe_high is not None
            and reading.unsafe_high < median_unsafe
        )
        if perceived_high and rate <= low_rate and high_rate > low_rate:
            strength = (
                (reading.unsafe_low or 0.0)
                - (median_unsafe or 0.0)
                + reading.concerns_raised / (1 + (many_concerns or 0))
            )
            flagged.append(
                (
                    strength,
                    DivergentArea(reading.pcode, reading.name, Divergence.UNDER_REPORTED, tuple(evidence)),
                )
            )
        elif perceived_low and rate >= high_rate and high_rate > low_rate:
            strength = (median_unsafe or 0.0) - (reading.unsafe_high or 0.0) + rate / (high_rate or 1.0)
            flagged.append(
                (strength, DivergentArea(reading.pcode, reading.name, Divergence.UNHEARD, tuple(evidence)))
            )
    flagged.sort(key=lambda item: (-item[0], item[1].pcode))
    return [area for _, area in flagged]

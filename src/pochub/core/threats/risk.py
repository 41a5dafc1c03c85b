"""Risk scoring: likelihood (1-5) x impact (1-5), in five bands, and the drivers that explain each score.

Impact weighs two things side by side: the **severity** of the threat type (doctrine's judgement of the harm a
killing, an abduction... does) and the **observed harm** of the threat's own evidence (its events, fatalities,
civilian fatalities, and victims where the source gives them), so that a killing of 12 ranks above a killing of 1,
other things equal. That base is then scaled by the civilians' **exposure** (how many people live where the threat
is), their **vulnerability** and the **capacity** of other protection actors. Every factor stays within its range
without clipping, so more harm, more exposure or more severity always raise impact (never just to a ceiling).

Unknown inputs are never read as zero. Exposure is unknown when neither communities nor a population grid nor an
area population is known for the area; vulnerability and capacity are unknown without communities or capacity
data. The declared rule (``RiskSettings.unknown_exposure`` / ``unknown_score``): an unknown factor is scored at the
middle of its scale, so that missing data neither hides a threat (as "0 people at risk" would) nor inflates it; the
matrix shows it as unknown. Likelihood comes from the forecast and the recent evidence. Every scale and weight here
is a setting (``RiskSettings``): doctrine leaves them to the mission.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field, replace

from pochub.core.models.taxonomy import ThreatType

DEFAULT_SEVERITY: dict[str, float] = {
    ThreatType.KILLING.value: 5,
    ThreatType.SEXUAL_VIOLENCE.value: 5,
    ThreatType.INDISCRIMINATE_EXPLOSIVE_WEAPONS.value: 5,
    ThreatType.ABDUCTION.value: 4,
    ThreatType.FORCED_RECRUITMENT.value: 4,
    ThreatType.ATTACK_ON_SCHOOL_OR_HOSPITAL.value: 4,
    ThreatType.MAIMING_INJURY.value: 4,
    ThreatType.FORCED_DISPLACEMENT.value: 3,
    ThreatType.LOOTING_PROPERTY_DESTRUCTION.value: 3,
    ThreatType.DENIAL_OF_HUMANITARIAN_ACCESS.value: 3,
    ThreatType.INCITEMENT_HATE_SPEECH.value: 2,
}

DEFAULT_BANDS: tuple[tuple[float, str], ...] = (
    (4, "very low"),
    (9, "low"),
    (14, "medium"),
    (19, "high"),
    (25, "unacceptable"),
)


@dataclass(frozen=True)
class RiskSettings:
    """Scales and weights of risk scoring (all configurable)."""

    severity: dict[str, float] = field(default_factory=lambda: dict(DEFAULT_SEVERITY))
    bands: tuple[tuple[float, str], ...] = DEFAULT_BANDS
    reference_population: int = 100_000
    """Exposed population at which exposure reaches its full weight."""
    severity_weight: float = 0.6
    """Share of the impact base that the threat type's severity carries; observed harm carries the rest."""
    harm_half: float = 10.0
    """Harm units (events + fatalities + civilian fatalities + victims) at which observed harm is half its scale."""
    unknown_exposure: float = 0.5
    """Exposure (0-1) scored when the people exposed are unknown: the middle of the scale."""
    unknown_score: float = 3.0
    """Vulnerability or capacity (1-5) scored when unknown: the middle of the scale."""
    evidence_scale: float = 8.0
    """Recent events at which evidence alone makes a threat about 63 % likely."""
    surge_likelihood: float = 4.0
    """Likelihood floor when a surge is flagged."""


def clip(value: float, low: float = 1.0, high: float = 5.0) -> float:
    """``value`` held within [low, high]."""
    return max(low, min(high, value))


def exposure(population: int | None, settings: RiskSettings) -> float | None:
    """0..1, rising with the log of the exposed population; None when the population is unknown."""
    if population is None:
        return None
    if population <= 0:
        return 0.0
    return min(1.0, math.log10(1 + population) / math.log10(1 + settings.reference_population))


@dataclass(frozen=True)
class Harm:
    """The observed harm of a threat's evidence. ``victims`` is None where the source does not give them."""

    events: int
    fatalities: int = 0
    civilian_fatalities: int = 0
    victims: int | None = None

    @property
    def units(self) -> float:
        """Events + fatalities + civilian fatalities + victims: a civilian killed counts as a death and as a
        civilian, so harm to civilians weighs twice."""
        return float(
            max(self.events, 0)
            + max(self.fatalities, 0)
            + max(self.civilian_fatalities, 0)
            + max(self.victims or 0, 0)
        )


def observed_harm(harm: Harm, settings: RiskSettings) -> float:
    """0..1 (never 1): harm units u as u / (u + ``harm_half``), strictly rising with every kind of harm."""
    units = harm.units
    return units / (units + settings.harm_half)


@dataclass(frozen=True)
class ImpactFactors:
    """What impact is made of. ``exposure`` (0-1), ``vulnerability`` and ``capacity`` (1-5) are None when
    unknown (scored by the declared rule, see the module notes)."""

    severity: float
    harm: float
    exposure: float | None
    vulnerability: float | None
    capacity: float | None


def impact_of(factors: ImpactFactors, settings: RiskSettings) -> float:
    """Impact 1-5 = 1 + 4 x base x exposed x vulnerable x protected, where base = w x (severity - 1) / 4 +
    (1 - w) x observed harm (w = ``severity_weight``), exposed = 0.7 + 0.3 x exposure, vulnerable = 0.8 + 0.2 x
    (vulnerability - 1) / 4 and protected = 1 - 0.2 x (capacity - 1) / 4. Each term rises (capacity: falls) with
    its input and stays within its range, so impact never saturates before its inputs do."""
    weight = settings.severity_weight
    base = weight * (clip(factors.severity) - 1.0) / 4.0 + (1.0 - weight) * min(max(factors.harm, 0.0), 1.0)
    known_exposure = factors.exposure if factors.exposure is not None else settings.unknown_exposure
    vulnerability = factors.vulnerability if factors.vulnerability is not None else settings.unknown_score
    capacity = factors.capacity if factors.capacity is not None else settings.unknown_score
    exposed = 0.7 + 0.3 * min(max(known_exposure, 0.0), 1.0)
    vulnerable = 0.8 + 0.2 * (clip(vulnerability) - 1.0) / 4.0
    protected = 1.0 - 0.2 * (clip(capacity) - 1.0) / 4.0
    return round(1.0 + 4.0 * base * exposed * vulnerable * protected, 2)


def impact(
    severity: float,
    harm: float,
    population: int | None,
    vulnerability: float | None,
    capacity: float | None,
    settings: RiskSettings,
) -> float:
    """Impact 1-5 of a threat type's ``severity`` and observed ``harm`` (0-1) on ``population`` people (None:
    unknown) of the given vulnerability and other actors' capacity (see :func:`impact_of`)."""
    return impact_of(
        ImpactFactors(severity, harm, exposure(population, settings), vulnerability, capacity), settings
    )


DRIVER_FLOORS: dict[str, float] = {
    "likelihood": 1.0,
    "severity": 1.0,
    "harm": 0.0,
    "exposure": 0.0,
    "vulnerability": 1.0,
    "capacity": 5.0,
}
"""Each driver's least risky value: a driver's weight in a score is how far the score would fall at it."""


def drivers(
    likelihood_value: float, factors: ImpactFactors, settings: RiskSettings
) -> tuple[tuple[str, float], ...]:
    """Every driver of a risk score with its weight, largest first: the risk points the score would lose if that
    driver alone were at its least risky value (likelihood 1, severity 1, no harm, no one exposed, vulnerability 1,
    capacity 5; an unknown factor is weighed at its declared score). Ties keep the order of ``DRIVER_FLOORS``."""
    score = risk_score(likelihood_value, impact_of(factors, settings))
    weights = []
    for name, floor in DRIVER_FLOORS.items():
        if name == "likelihood":
            lower = risk_score(floor, impact_of(factors, settings))
        else:
            value = getattr(factors, name)
            if value is None:
                value = settings.unknown_exposure if name == "exposure" else settings.unknown_score
            changed = replace(factors, **{name: floor}) if value != floor else factors
            lower = risk_score(likelihood_value, impact_of(changed, settings))
        weights.append((name, round(max(score - lower, 0.0), 2)))
    return tuple(sorted(weights, key=lambda item: -item[1]))


def likelihood(probability: float | None, recent_events: int, surge: bool, settings: RiskSettings) -> float:
    """Likelihood 1-5 from the forecast probability of at least one event, the recent evidence and surges."""
    evidence = 1.0 - math.exp(-max(recent_events, 0) / settings.evidence_scale)
    chance = max(probability or 0.0, evidence)
    value = 1.0 + 4.0 * chance
    if surge:
        value = max(value, settings.surge_likelihood)
    return round(clip(value), 2)


def risk_score(likelihood_value: float, impact_value: float) -> float:
    """Risk 1-25."""
    return round(likelihood_value * impact_value, 2)


def band(score: float, settings: RiskSettings) -> str:
    """The risk band of a score."""
    for upper, name in settings.bands:
        if score <= upper:
            return name
    return settings.bands[-1][1]

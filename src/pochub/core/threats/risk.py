"""Risk scoring: likelihood (1-5) x impact (1-5), in five bands.

Impact is the severity of the threat type, scaled by the civilians exposed and their vulnerability, and reduced by
the capacity of other protection actors. Likelihood comes from the forecast and the recent evidence. Every scale
and weight here is a setting (``RiskSettings``): doctrine leaves them to the mission.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

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
    evidence_scale: float = 8.0
    """Recent events at which evidence alone makes a threat about 63 % likely."""
    surge_likelihood: float = 4.0
    """Likelihood floor when a surge is flagged."""


def clip(value: float, low: float = 1.0, high: float = 5.0) -> float:
    """``value`` held within [low, high]."""
    return max(low, min(high, value))


def exposure(population: int, settings: RiskSettings) -> float:
    """0..1, rising with the log of the exposed population."""
    if population <= 0:
        return 0.0
    return min(1.0, math.log10(1 + population) / math.log10(1 + settings.reference_population))


def impact(
    severity: float, population: int, vulnerability: float, capacity: float, settings: RiskSettings
) -> float:
    """Impact 1-5: the threat type's severity, scaled by exposure (x0.6 with no one exposed .. x1.0 at the
    reference population), the civilians' vulnerability (1-5: x0.7 .. x1.0) and other actors' capacity
    (1-5: x1.15 with none .. x0.85 with strong capacity). Never falls when severity or population rises."""
    exposed = 0.6 + 0.4 * exposure(population, settings)
    vulnerable = 0.7 + 0.3 * (clip(vulnerability) - 1.0) / 4.0
    protected = 1.15 - 0.3 * (clip(capacity) - 1.0) / 4.0
    return round(clip(severity * exposed * vulnerable * protected), 2)


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

"""The phase of each threat and the mission's response options by tier and phase, from configurable rules.

Phases (DOMAIN.md section 3): prevention (no clear threat), pre-emption (threat identified, attack anticipated),
response (violence imminent or under way), consolidation (after violence). Tiers: I dialogue and engagement,
II physical protection, III a protective environment.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum


class Phase(StrEnum):
    """The four PoC phases."""

    PREVENTION = "prevention"
    PRE_EMPTION = "pre-emption"
    RESPONSE = "response"
    CONSOLIDATION = "consolidation"


class Tier(StrEnum):
    """The three PoC tiers."""

    I = "I"  # noqa: E741 - doctrine's name
    II = "II"
    III = "III"


@dataclass(frozen=True)
class PhaseRules:
    """When a threat is in which phase (all configurable)."""

    response_hours: int = 72
    """An event this recent puts the threat in the response phase."""
    pre_emption_probability: float = 0.5
    """A forecast probability of at least one event this high means pre-emption."""
    consolidation_days: int = 90
    """Violence within this many days, but none recent, means consolidation."""
    quiet_days: int = 30
    """No event for this many days ends the response phase."""


def phase_for(
    hours_since_last: float | None, probability: float | None, surge: bool, rules: PhaseRules
) -> Phase:
    """The phase from the time since the last event, the forecast and surges."""
    if hours_since_last is not None and hours_since_last <= rules.response_hours:
        return Phase.RESPONSE
    if surge or (probability or 0.0) >= rules.pre_emption_probability:
        return Phase.PRE_EMPTION
    if (
        hours_since_last is not None
        and rules.quiet_days * 24 <= hours_since_last <= rules.consolidation_days * 24
    ):
        return Phase.CONSOLIDATION
    if hours_since_last is not None and hours_since_last < rules.quiet_days * 24:
        return Phase.PRE_EMPTION
    return Phase.PREVENTION


@dataclass(frozen=True)
class ResponseOption:
    """One thing the mission can do, with its tier and the components that lead and support it."""

    tier: Tier
    action: str
    lead: str
    supporting: tuple[str, ...] = ()


GENERAL: dict[Phase, tuple[ResponseOption, ...]] = {
    Phase.PREVENTION: (
        ResponseOption(
            Tier.I,
            "Community engagement and early-warning network maintenance",
            "Civil Affairs",
            ("CLA team", "Human Rights"),
        ),
        ResponseOption(
            Tier.III,
            "Support local authorities' protection plans and rule-of-law presence",
            "Rule of Law",
            ("Civil Affairs", "UNPOL"),
        ),
    ),
    Phase.PRE_EMPTION: (
        ResponseOption(
            Tier.I,
            "Political engagement with the perpetrator's leadership and local authorities",
            "Head of Office",
            ("Political Affairs", "Civil Affairs"),
        ),
        ResponseOption(
            Tier.II,
            "Deterrence patrols and a temporary operating base near the communities at risk",
            "Force",
            ("UNPOL", "Civil Affairs"),
        ),
        ResponseOption(
            Tier.I,
            "Joint Protection Team visit and local protection plan",
            "Civil Affairs",
            ("Human Rights", "Child Protection", "Force"),
        ),
    ),
    Phase.RESPONSE: (
        ResponseOption(
            Tier.II,
            "Deploy the quick reaction force; secure civilians fleeing; protect sites",
            "Force",
            ("UNPOL", "JOC"),
        ),
        ResponseOption(
            Tier.I,
            "Demand cessation of attacks through all channels; alert national authorities",
            "Head of Mission",
            ("Political Affairs", "Head of Office"),
        ),
        ResponseOption(Tier.III, "Document violations for accountability", "Human Rights", ("UNPOL",)),
    ),
    Phase.CONSOLIDATION: (
        ResponseOption(
            Tier.III,
            "Support justice, DDR and the return of state authority",
            "Rule of Law",
            ("DDR", "Civil Affairs"),
        ),
        ResponseOption(Tier.I, "Reconciliation and community dialogue", "Civil Affairs", ("Head of Office",)),
    ),
}

BY_THREAT: dict[str, tuple[ResponseOption, ...]] = {
    "sexual_violence": (
        ResponseOption(
            Tier.II,
            "Patrols at times and places of exposure (firewood, water, markets)",
            "Force",
            ("Women Protection Advisers", "UNPOL"),
        ),
        ResponseOption(
            Tier.III,
            "Referral to medical and psychosocial services",
            "Women Protection Advisers",
            ("Humanitarian partners",),
        ),
    ),
    "forced_recruitment": (
        ResponseOption(
            Tier.I,
            "Engagement on action plans against child recruitment",
            "Child Protection",
            ("Political Affairs",),
        ),
    ),
    "abduction_forced_disappearance": (
        ResponseOption(
            Tier.I,
            "Engagement for release through community and religious leaders",
            "Civil Affairs",
            ("Human Rights",),
        ),
    ),
    "denial_of_humanitarian_access": (
        ResponseOption(
            Tier.II, "Escorts and route security for humanitarian convoys", "Force", ("OCHA liaison",)
        ),
    ),
    "incitement_hate_speech": (
        ResponseOption(
            Tier.I,
            "Counter-messaging through mission radio and community leaders",
            "Public Information",
            ("Civil Affairs",),
        ),
    ),
}


@dataclass(frozen=True)
class ResponseRules:
    """Response options by phase, with threat-specific additions (configurable)."""

    general: dict[Phase, tuple[ResponseOption, ...]] = field(default_factory=lambda: dict(GENERAL))
    by_threat: dict[str, tuple[ResponseOption, ...]] = field(default_factory=lambda: dict(BY_THREAT))

    def options(self, phase: Phase, threat_type: str) -> tuple[ResponseOption, ...]:
        """The options for a threat in a phase, ordered by tier."""
        chosen = self.general.get(phase, ()) + self.by_threat.get(threat_type, ())
        return tuple(sorted(chosen, key=lambda o: list(Tier).index(o.tier)))

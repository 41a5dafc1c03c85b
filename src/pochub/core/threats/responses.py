"""The phase of each threat and the mission's response options by tier and phase, from configurable rules.

Phases (DOMAIN.md section 3): prevention (no clear threat), pre-emption (threat identified, attack anticipated),
response (violence imminent or under way), consolidation (after violence). Tiers: I dialogue and engagement,
II physical protection, III a protective environment.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum

from pochub.core.text import N_


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
    """One thing the mission can do, with its tier and the components that lead and support it (texts marked
    for translation: the edges show them in the reader's language)."""

    tier: Tier
    action: str
    lead: str
    supporting: tuple[str, ...] = ()


GENERAL: dict[Phase, tuple[ResponseOption, ...]] = {
    Phase.PREVENTION: (
        ResponseOption(
            Tier.I,
            N_("Community engagement and early-warning network maintenance"),
            N_("Civil Affairs"),
            (N_("CLA team"), N_("Human Rights")),
        ),
        ResponseOption(
            Tier.III,
            N_("Support local authorities' protection plans and rule-of-law presence"),
            N_("Rule of Law"),
            (N_("Civil Affairs"), N_("UNPOL")),
        ),
    ),
    Phase.PRE_EMPTION: (
        ResponseOption(
            Tier.I,
            N_("Political engagement with the perpetrator's leadership and local authorities"),
            N_("Head of Office"),
            (N_("Political Affairs"), N_("Civil Affairs")),
        ),
        ResponseOption(
            Tier.II,
            N_("Deterrence patrols and a temporary operating base near the communities at risk"),
            N_("Force"),
            (N_("UNPOL"), N_("Civil Affairs")),
        ),
        ResponseOption(
            Tier.I,
            N_("Joint Protection Team visit and local protection plan"),
            N_("Civil Affairs"),
            (N_("Human Rights"), N_("Child Protection"), N_("Force")),
        ),
    ),
    Phase.RESPONSE: (
        ResponseOption(
            Tier.II,
            N_("Deploy the quick reaction force; secure civilians fleeing; protect sites"),
            N_("Force"),
            (N_("UNPOL"), N_("JOC")),
        ),
        ResponseOption(
            Tier.I,
            N_("Demand cessation of attacks through all channels; alert national authorities"),
            N_("Head of Mission"),
            (N_("Political Affairs"), N_("Head of Office")),
        ),
        ResponseOption(
            Tier.III, N_("Document violations for accountability"), N_("Human Rights"), (N_("UNPOL"),)
        ),
    ),
    Phase.CONSOLIDATION: (
        ResponseOption(
            Tier.III,
            N_("Support justice, DDR and the return of state authority"),
            N_("Rule of Law"),
            (N_("DDR"), N_("Civil Affairs")),
        ),
        ResponseOption(
            Tier.I, N_("Reconciliation and community dialogue"), N_("Civil Affairs"), (N_("Head of Office"),)
        ),
    ),
}

BY_THREAT: dict[str, tuple[ResponseOption, ...]] = {
    "sexual_violence": (
        ResponseOption(
            Tier.II,
            N_("Patrols at times and places of exposure (firewood, water, markets)"),
            N_("Force"),
            (N_("Women Protection Advisers"), N_("UNPOL")),
        ),
        ResponseOption(
            Tier.III,
            N_("Referral to medical and psychosocial services"),
            N_("Women Protection Advisers"),
            (N_("Humanitarian partners"),),
        ),
    ),
    "forced_recruitment": (
        ResponseOption(
            Tier.I,
            N_("Engagement on action plans against child recruitment"),
            N_("Child Protection"),
            (N_("Political Affairs"),),
        ),
    ),
    "abduction_forced_disappearance": (
        ResponseOption(
            Tier.I,
            N_("Engagement for release through community and religious leaders"),
            N_("Civil Affairs"),
            (N_("Human Rights"),),
        ),
    ),
    "denial_of_humanitarian_access": (
        ResponseOption(
            Tier.II,
            N_("Escorts and route security for humanitarian convoys"),
            N_("Force"),
            (N_("OCHA liaison"),),
        ),
    ),
    "incitement_hate_speech": (
        ResponseOption(
            Tier.I,
            N_("Counter-messaging through mission radio and community leaders"),
            N_("Public Information"),
            (N_("Civil Affairs"),),
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

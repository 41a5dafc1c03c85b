"""The PoC threat taxonomy and the harmonised event categories (DOMAIN.md section 3 and 6).

``EventCategory`` uses the current ACLED event types as the harmonised vocabulary; older ACLED typologies and
UCDP's type_of_violence are mapped onto it. ``ThreatType`` is the PoC threat taxonomy, aligned with ACLED's
violence-against-civilians sub-types and the UN grave-violations list. An event that threatens no civilian
(a clash between armed groups, a peaceful protest) has no threat type.
"""

from __future__ import annotations

from enum import StrEnum

from pochub.core.text import N_


class EventCategory(StrEnum):
    """Harmonised event category (the current ACLED event types)."""

    BATTLES = "Battles"
    VIOLENCE_AGAINST_CIVILIANS = "Violence against civilians"
    EXPLOSIONS_REMOTE_VIOLENCE = "Explosions/Remote violence"
    RIOTS = "Riots"
    PROTESTS = "Protests"
    STRATEGIC_DEVELOPMENTS = "Strategic developments"


class ThreatType(StrEnum):
    """PoC threat taxonomy (DOMAIN.md section 3)."""

    KILLING = "killing"
    MAIMING_INJURY = "maiming_injury"
    SEXUAL_VIOLENCE = "sexual_violence"
    ABDUCTION = "abduction_forced_disappearance"
    FORCED_RECRUITMENT = "forced_recruitment"
    ATTACK_ON_SCHOOL_OR_HOSPITAL = "attack_on_school_or_hospital"
    LOOTING_PROPERTY_DESTRUCTION = "looting_property_destruction_arson"
    FORCED_DISPLACEMENT = "forced_displacement"
    DENIAL_OF_HUMANITARIAN_ACCESS = "denial_of_humanitarian_access"
    INCITEMENT_HATE_SPEECH = "incitement_hate_speech"
    INDISCRIMINATE_EXPLOSIVE_WEAPONS = "indiscriminate_explosive_weapons"


VIOLENCE_AGAINST_CIVILIANS_THREATS = frozenset(ThreatType)
"""Every threat type counts as violence against civilians for early warning."""


THREAT_LABELS: dict[str, str] = {
    ThreatType.KILLING: N_("Killing"),
    ThreatType.MAIMING_INJURY: N_("Maiming and injury"),
    ThreatType.SEXUAL_VIOLENCE: N_("Sexual violence"),
    ThreatType.ABDUCTION: N_("Abduction and forced disappearance"),
    ThreatType.FORCED_RECRUITMENT: N_("Forced recruitment"),
    ThreatType.ATTACK_ON_SCHOOL_OR_HOSPITAL: N_("Attack on a school or hospital"),
    ThreatType.LOOTING_PROPERTY_DESTRUCTION: N_("Looting, property destruction and arson"),
    ThreatType.FORCED_DISPLACEMENT: N_("Forced displacement"),
    ThreatType.DENIAL_OF_HUMANITARIAN_ACCESS: N_("Denial of humanitarian access"),
    ThreatType.INCITEMENT_HATE_SPEECH: N_("Incitement and hate speech"),
    ThreatType.INDISCRIMINATE_EXPLOSIVE_WEAPONS: N_("Indiscriminate explosive weapons"),
    "none": N_("No threat to civilians"),
}
"""What a person reads for each threat type (translated at the edge)."""

CATEGORY_LABELS: dict[str, str] = {
    EventCategory.BATTLES: N_("Battles"),
    EventCategory.VIOLENCE_AGAINST_CIVILIANS: N_("Violence against civilians"),
    EventCategory.EXPLOSIONS_REMOTE_VIOLENCE: N_("Explosions/Remote violence"),
    EventCategory.RIOTS: N_("Riots"),
    EventCategory.PROTESTS: N_("Protests"),
    EventCategory.STRATEGIC_DEVELOPMENTS: N_("Strategic developments"),
}
"""What a person reads for each harmonised event category (translated at the edge)."""


def threat_label(code: str) -> str:
    """The readable name of a threat type code (an unknown code is shown with spaces for underscores)."""
    return THREAT_LABELS.get(code, code.replace("_", " "))


def category_label(code: str) -> str:
    """The readable name of a harmonised event category (an unknown one is shown as it is)."""
    return CATEGORY_LABELS.get(code, code)

"""The PoC threat taxonomy and the harmonised event categories (DOMAIN.md section 3 and 6).

``EventCategory`` uses the current ACLED event types as the harmonised vocabulary; older ACLED typologies and
UCDP's type_of_violence are mapped onto it. ``ThreatType`` is the PoC threat taxonomy, aligned with ACLED's
violence-against-civilians sub-types and the UN grave-violations list. An event that threatens no civilian
(a clash between armed groups, a peaceful protest) has no threat type.
"""

from __future__ import annotations

from enum import StrEnum


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

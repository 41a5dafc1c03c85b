"""What communities' own accounts give the threat matrix for an area, with the reasons a person reads.

- **Vulnerability** from profiles where they exist (the vulnerable groups a community names, whether it can alert
  by phone or radio), instead of the communities table's defaults; the factor says how many profiles it rests on.
- **Other actors' capacity** (1-5) from what communities already do to protect themselves (early-warning committees,
  night watches, safe places, mediation...) and whether they trust the police: capacity that was "unknown" becomes
  a figure with its reasons.
- **Threats communities name** (in profiles and in engagements' concerns), counted per threat type, so the matrix
  shows them beside the threats the events show, and those that no event shows.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from pochub.core.perspectives.profiles import CommunityProfile, Strategy, Trust
from pochub.core.text import N_, Message, Text

ORGANISED = frozenset({Strategy.EARLY_WARNING_COMMITTEE, Strategy.NIGHT_WATCH, Strategy.WOMENS_GROUP, Strategy.YOUTH_GROUP,
                       Strategy.LEADERS_MEDIATION, Strategy.NEGOTIATION_BY_ELDERS})  # fmt: skip
"""Strategies that are organised protection (a committee, a watch, mediation), not coping by avoidance or payment."""


@dataclass(frozen=True)
class AreaVoices:
    """An area's communities as they describe themselves (profiles) and the concerns they raised."""

    profiled: int = 0
    with_groups: int = 0
    without_alert_means: int = 0
    alert_means_known: int = 0
    capacity: float | None = None
    capacity_factors: tuple[Text, ...] = ()
    named_threats: Mapping[str, int] = field(default_factory=dict)
    """Threat type -> how many profiles and engagement concerns name it."""


def _alert_means(profile: CommunityProfile) -> bool | None:
    """Can the community alert? Phone through any operator or radio: yes; none known to be there: no; else unknown."""
    phone = any(profile.phone_operators.values()) if profile.phone_operators else None
    if phone or profile.radio_coverage:
        return True
    if phone is False and profile.radio_coverage is False:
        return False
    return None


def capacity_of(profiles: Sequence[CommunityProfile]) -> tuple[float | None, tuple[Text, ...]]:
    """Capacity 1-5 of the area's communities to protect themselves, averaged over the profiled ones: 1 with no
    strategy, up to 4 with organised protection (a point per organised strategy, half a point per coping one), one
    more where the police are trusted, one less where they are distrusted. None without profiles."""
    if not profiles:
        return None, ()
    scores = []
    for profile in profiles:
        organised = len(profile.strategies & ORGANISED)
        coping = len(profile.strategies - ORGANISED)
        score = 1.0 + min(3.0, organised + 0.5 * coping)
        police = profile.trust.get("the police") or profile.trust.get("police")
        score += 1.0 if police is Trust.TRUSTED else -1.0 if police is Trust.DISTRUSTED else 0.0
        scores.append(min(5.0, max(1.0, score)))
    organised_count = sum(1 for p in profiles if p.strategies & ORGANISED)
    factors: list[Text] = [
        Message(
            N_("{count} of {profiled} profiled communities have organised self-protection"),
            count=organised_count, profiled=len(profiles),
        )
    ]  # fmt: skip
    distrust = sum(
        1 for p in profiles if (p.trust.get("the police") or p.trust.get("police")) is Trust.DISTRUSTED
    )
    if distrust:
        factors.append(Message(N_("{count} distrust the police"), count=distrust))
    return round(sum(scores) / len(scores), 2), tuple(factors)


def area_voices(profiles: Sequence[CommunityProfile], concerns: Iterable[str] = ()) -> AreaVoices:
    """What the profiles of an area's communities and the concerns raised there say (threat type codes)."""
    means = [_alert_means(p) for p in profiles]
    named: Counter[str] = Counter(t.threat_type.value for p in profiles for t in p.named_threats)
    named.update(concerns)
    capacity, factors = capacity_of(profiles)
    return AreaVoices(
        profiled=len(profiles),
        with_groups=sum(1 for p in profiles if p.vulnerable_groups),
        without_alert_means=sum(1 for m in means if m is False),
        alert_means_known=sum(1 for m in means if m is not None),
        capacity=capacity,
        capacity_factors=factors,
        named_threats=dict(named),
    )

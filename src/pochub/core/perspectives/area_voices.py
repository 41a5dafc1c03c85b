"""What communities' own accounts give the threat matrix for an area, with the reasons a person reads.

- **Vulnerability** from profiles where they exist (the vulnerable groups a community names, whether it can alert
  by phone or radio), instead of the communities table's defaults; the factor says how many profiles it rests on.
- **Other actors' capacity** (1-5) from what communities already do to protect themselves (early-warning committees,
  night watches, safe places, mediation...) and whether they trust the police: capacity that was "unknown" becomes
  a figure with its reasons.
- **Threats communities name** (in profiles and in engagements' concerns), counted per threat type, so the matrix
  shows them beside the threats the events show, and those that no event shows.
- **What people say in a perception survey** (its latest wave's published figures for the area, never a withheld
  one): the share who do not feel safe raises vulnerability; the share who trust the police or the army moves other
  actors' capacity. Each factor names the survey, the wave, the share and the respondents.
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


@dataclass(frozen=True)
class SurveyFigure:
    """A published figure of a perception survey for an area: the weighted share (0-1) of its respondents who said
    something (do not feel safe, trust the police), how many answered, and the survey and wave it comes from. Only
    published figures are made into one: a withheld figure has no share to give."""

    survey: str
    wave: str
    share: float
    respondents: int


def pooled(figures: Sequence[SurveyFigure]) -> SurveyFigure | None:
    """Several published figures of one survey wave as one (an admin-1 area from its admin-2 areas' figures),
    weighted by their respondents; None without any."""
    answered = sum(f.respondents for f in figures)
    if not figures or answered <= 0:
        return None
    share = sum(f.share * f.respondents for f in figures) / answered
    return SurveyFigure(figures[0].survey, figures[0].wave, min(1.0, max(0.0, share)), answered)


def _clip(value: float) -> float:
    return min(5.0, max(1.0, value))


def felt_vulnerability(
    vulnerability: float | None, unsafe: SurveyFigure | None
) -> tuple[float | None, tuple[Text, ...]]:
    """Vulnerability 1-5 with what people say: the mean of the vulnerability known from the communities (their
    vulnerable groups, their means of alert) and 1 + 4 x the share of respondents who do not feel safe (1 when all
    feel safe, 5 when none does); the survey's figure alone when nothing else is known. It never falls when the
    share rises. Returns the score and the factor saying why (none without a published figure)."""
    if unsafe is None:
        return vulnerability, ()
    said = 1.0 + 4.0 * min(1.0, max(0.0, unsafe.share))
    score = said if vulnerability is None else (vulnerability + said) / 2.0
    factor = Message(
        N_("{share:.0%} of {respondents} respondents do not feel safe ({survey}, wave {wave})"),
        share=unsafe.share, respondents=unsafe.respondents, survey=unsafe.survey, wave=unsafe.wave,
    )  # fmt: skip
    return round(_clip(score), 2), (factor,)


TRUSTED_FORCES = {
    "police": N_("{share:.0%} of {respondents} respondents trust the police ({survey}, wave {wave})"),
    "army": N_("{share:.0%} of {respondents} respondents trust the army ({survey}, wave {wave})"),
}
"""The state's forces whose trust a survey may measure, with the factor each gives. The mission is left out: it is
not one of the *other* actors whose capacity the matrix weighs."""


def trusted_capacity(
    capacity: float | None, trust: Mapping[str, SurveyFigure]
) -> tuple[float | None, tuple[Text, ...]]:
    """Other actors' capacity 1-5 with how far people trust the state's forces (``trust``: force -> published share
    who trust it): the mean share moves the capacity from the profiles (mid-scale 3 without one) by up to a point,
    up when everyone trusts them, down when nobody does, as a profile's trusted or distrusted police do. It never
    falls when a share rises. Returns the score and a factor per force (none without a published figure)."""
    known = {force: figure for force, figure in sorted(trust.items()) if force in TRUSTED_FORCES}
    if not known:
        return capacity, ()
    mean = sum(min(1.0, max(0.0, f.share)) for f in known.values()) / len(known)
    score = (3.0 if capacity is None else capacity) + 2.0 * (mean - 0.5)
    factors = tuple(
        Message(TRUSTED_FORCES[force], share=figure.share, respondents=figure.respondents,
                survey=figure.survey, wave=figure.wave)
        for force, figure in known.items()
    )  # fmt: skip
    return round(_clip(score), 2), factors

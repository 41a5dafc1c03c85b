"""A community's profile in its own terms (DOMAIN.md section 8), kept over time: each version dated and attributed.

The profile holds what the community says: its population groups and vulnerable groups, the threats it names (with
the perpetrators as it names them), what it already does to protect itself, its needs, how it can alert (phone and
radio coverage by operator, languages, the alert network and its focal point), access by season, and whom it trusts.
The focal point is protected like an informant: only need-to-know roles read it (``for_reader``).
``changes`` says what differs between two versions, for the history a person reads.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, fields, replace
from enum import StrEnum
from typing import Any

from pochub.core.models.access import Role, can_read_protected
from pochub.core.models.taxonomy import ThreatType
from pochub.core.text import N_, Message, Text
from pochub.errors import InvalidInput


class VulnerableGroup(StrEnum):
    """Groups whose threats differ and whom a plan must name."""

    CHILDREN = "children"
    WOMEN = "women"
    OLDER_PEOPLE = "older_people"
    PEOPLE_WITH_DISABILITIES = "people_with_disabilities"
    DISPLACED = "displaced_people"
    MINORITIES = "minorities"


class Strategy(StrEnum):
    """What communities already do to protect themselves."""

    EARLY_WARNING_COMMITTEE = "early_warning_committee"
    NIGHT_WATCH = "night_watch"
    SAFE_PLACES = "safe_places"
    FLIGHT_ROUTES = "flight_routes"
    NEGOTIATION_BY_ELDERS = "negotiation_by_elders"
    WOMENS_GROUP = "womens_group"
    YOUTH_GROUP = "youth_group"
    LEADERS_MEDIATION = "leaders_mediation"
    AVOIDING_ROADS_OR_FIELDS = "avoiding_roads_or_fields"
    PAYING_PROTECTION = "paying_protection"


class Access(StrEnum):
    """How the mission can reach the community in a season."""

    OPEN = "open"
    LIMITED = "limited"
    CLOSED = "closed"


class Trust(StrEnum):
    """Whether the community trusts an actor."""

    TRUSTED = "trusted"
    DISTRUSTED = "distrusted"


LABELS: Mapping[str, str] = {
    VulnerableGroup.CHILDREN: N_("children"),
    VulnerableGroup.WOMEN: N_("women"),
    VulnerableGroup.OLDER_PEOPLE: N_("older people"),
    VulnerableGroup.PEOPLE_WITH_DISABILITIES: N_("people with disabilities"),
    VulnerableGroup.DISPLACED: N_("displaced people"),
    VulnerableGroup.MINORITIES: N_("minorities"),
    Strategy.EARLY_WARNING_COMMITTEE: N_("early-warning committee"),
    Strategy.NIGHT_WATCH: N_("night watches"),
    Strategy.SAFE_PLACES: N_("safe places"),
    Strategy.FLIGHT_ROUTES: N_("flight routes"),
    Strategy.NEGOTIATION_BY_ELDERS: N_("negotiation by elders"),
    Strategy.WOMENS_GROUP: N_("women's group"),
    Strategy.YOUTH_GROUP: N_("youth group"),
    Strategy.LEADERS_MEDIATION: N_("mediation by local leaders"),
    Strategy.AVOIDING_ROADS_OR_FIELDS: N_("avoiding roads or fields"),
    Strategy.PAYING_PROTECTION: N_("paying for protection"),
    Access.OPEN: N_("open"),
    Access.LIMITED: N_("limited"),
    Access.CLOSED: N_("closed"),
    Trust.TRUSTED: N_("trusted"),
    Trust.DISTRUSTED: N_("distrusted"),
}
"""What a person reads for each code."""


@dataclass(frozen=True)
class NamedThreat:
    """A threat as the community names it: the type, the perpetrator in its words, and the registry actor if known."""

    threat_type: ThreatType
    perpetrator: str = ""
    registry_actor: str = ""


@dataclass(frozen=True)
class CommunityProfile:
    """What a community says about itself; every field optional, since profiles grow visit by visit."""

    population_groups: Mapping[str, int] = field(default_factory=dict)
    vulnerable_groups: frozenset[VulnerableGroup] = frozenset()
    named_threats: tuple[NamedThreat, ...] = ()
    strategies: frozenset[Strategy] = frozenset()
    capacities_note: str = ""
    needs: tuple[str, ...] = ()
    phone_operators: Mapping[str, bool] = field(default_factory=dict)
    radio_coverage: bool | None = None
    languages: tuple[str, ...] = ()
    alert_network: str = ""
    focal_point: str = ""
    """Protected: the name and number of the community's alert focal point."""
    access_by_season: Mapping[str, Access] = field(default_factory=dict)
    trust: Mapping[str, Trust] = field(default_factory=dict)


PROTECTED_FIELDS = frozenset({"focal_point"})

FIELD_LABELS: Mapping[str, str] = {
    "population_groups": N_("population groups"),
    "vulnerable_groups": N_("vulnerable groups"),
    "named_threats": N_("threats the community names"),
    "strategies": N_("self-protection"),
    "capacities_note": N_("capacities"),
    "needs": N_("needs"),
    "phone_operators": N_("phone coverage"),
    "radio_coverage": N_("radio coverage"),
    "languages": N_("languages"),
    "alert_network": N_("alert network"),
    "focal_point": N_("focal point"),
    "access_by_season": N_("access by season"),
    "trust": N_("trusted and distrusted actors"),
}


def for_reader(profile: CommunityProfile, role: Role) -> CommunityProfile:
    """The profile as ``role`` may read it: the focal point only for need-to-know roles."""
    return profile if can_read_protected(role) else replace(profile, focal_point="")


def check_profile(profile: CommunityProfile) -> CommunityProfile:
    """Refuse what a person would not write: negative group sizes, empty names where a name is the content."""
    for group, count in profile.population_groups.items():
        if not group.strip():
            raise InvalidInput(N_("a population group needs a name"))
        if count < 0:
            raise InvalidInput(
                Message(N_("the population group '{group}' cannot count fewer than 0 people"), group=group)
            )
    if any(
        not name.strip() for name in (*profile.phone_operators, *profile.trust, *profile.access_by_season)
    ):
        raise InvalidInput(N_("a phone operator, an actor or a season needs a name"))
    return profile


def to_document(profile: CommunityProfile) -> dict[str, Any]:
    """The profile as JSON can store it (sorted, so equal profiles give equal documents)."""
    return {
        "population_groups": dict(sorted(profile.population_groups.items())),
        "vulnerable_groups": sorted(g.value for g in profile.vulnerable_groups),
        "named_threats": [
            {
                "threat_type": t.threat_type.value,
                "perpetrator": t.perpetrator,
                "registry_actor": t.registry_actor,
            }
            for t in profile.named_threats
        ],
        "strategies": sorted(s.value for s in profile.strategies),
        "capacities_note": profile.capacities_note,
        "needs": list(profile.needs),
        "phone_operators": dict(sorted(profile.phone_operators.items())),
        "radio_coverage": profile.radio_coverage,
        "languages": list(profile.languages),
        "alert_network": profile.alert_network,
        "focal_point": profile.focal_point,
        "access_by_season": {k: v.value for k, v in sorted(profile.access_by_season.items())},
        "trust": {k: v.value for k, v in sorted(profile.trust.items())},
    }


def from_document(document: Mapping[str, Any]) -> CommunityProfile:
    """The profile :func:`to_document` stored; an unknown code is refused naming the field."""

    def codes(name: str, kind: type[StrEnum]) -> list[Any]:
        values = document.get(name) or []
        try:
            return [kind(v) for v in (values.values() if isinstance(values, Mapping) else values)]
        except ValueError as exc:
            raise InvalidInput(Message(N_("{field}: {reason}"), field=name, reason=str(exc))) from exc

    codes("vulnerable_groups", VulnerableGroup)
    codes("strategies", Strategy)
    codes("access_by_season", Access)
    codes("trust", Trust)
    try:
        threats = tuple(
            NamedThreat(ThreatType(t["threat_type"]), t.get("perpetrator", ""), t.get("registry_actor", ""))
            for t in document.get("named_threats") or []
        )
    except (ValueError, KeyError, TypeError) as exc:
        raise InvalidInput(Message(N_("{field}: {reason}"), field="named_threats", reason=str(exc))) from exc
    return check_profile(
        CommunityProfile(
            population_groups={str(k): int(v) for k, v in (document.get("population_groups") or {}).items()},
            vulnerable_groups=frozenset(VulnerableGroup(v) for v in document.get("vulnerable_groups") or []),
            named_threats=threats,
            strategies=frozenset(Strategy(v) for v in document.get("strategies") or []),
            capacities_note=str(document.get("capacities_note") or ""),
            needs=tuple(str(n) for n in document.get("needs") or []),
            phone_operators={str(k): bool(v) for k, v in (document.get("phone_operators") or {}).items()},
            radio_coverage=document.get("radio_coverage"),
            languages=tuple(str(lang) for lang in document.get("languages") or []),
            alert_network=str(document.get("alert_network") or ""),
            focal_point=str(document.get("focal_point") or ""),
            access_by_season={str(k): Access(v) for k, v in (document.get("access_by_season") or {}).items()},
            trust={str(k): Trust(v) for k, v in (document.get("trust") or {}).items()},
        )
    )


def changes(before: CommunityProfile | None, after: CommunityProfile) -> list[Text]:
    """The fields that differ between two versions, as a person reads them (a protected field is named, never
    shown)."""
    if before is None:
        return [N_("profile created")]
    old, new = to_document(before), to_document(after)
    return [
        Message(N_("{field} changed"), field=Message(FIELD_LABELS[f.name]))
        for f in fields(CommunityProfile)
        if old[f.name] != new[f.name]
    ]

"""Map the field's event typologies (ACLED of every vintage, UCDP GED) onto PoC Hub's categories and threats.

Everything is vectorised over Polars columns. Unknown source values are never silently "other": the callers
turn the null results into row errors that list the known values (``known_values``).
"""

from __future__ import annotations

from collections.abc import Mapping

import polars as pl

from pochub.core.models.actors import ActorCategory
from pochub.core.models.taxonomy import EventCategory as C
from pochub.core.models.taxonomy import ThreatType as T

ACLED_EVENT_TYPES: dict[str, C] = {
    # current typology (2019-)
    "battles": C.BATTLES,
    "violence against civilians": C.VIOLENCE_AGAINST_CIVILIANS,
    "explosions/remote violence": C.EXPLOSIONS_REMOTE_VIOLENCE,
    "riots": C.RIOTS,
    "protests": C.PROTESTS,
    "strategic developments": C.STRATEGIC_DEVELOPMENTS,
    # older typologies (ACLED version 1-8 era)
    "battle-no change of territory": C.BATTLES,
    "battle-government regains territory": C.BATTLES,
    "battle-non-state actor overtakes territory": C.BATTLES,
    "battle-non-state actors overtake territory": C.BATTLES,
    "remote violence": C.EXPLOSIONS_REMOTE_VIOLENCE,
    "riots/protests": C.PROTESTS,
    "non-violent activity by a conflict actor": C.STRATEGIC_DEVELOPMENTS,
    "non-violent transfer of territory": C.STRATEGIC_DEVELOPMENTS,
    "headquarters or base established": C.STRATEGIC_DEVELOPMENTS,
    "strategic development": C.STRATEGIC_DEVELOPMENTS,
}

_KILLING_OR_INJURY = "killing_or_injury"
"""Marker: the threat is killing when there were fatalities, maiming/injury otherwise."""

ACLED_SUB_EVENT_TYPES: dict[str, str | None] = {
    "": None,
    "armed clash": None,
    "government regains territory": None,
    "non-state actor overtakes territory": None,
    "chemical weapon": None,
    "air/drone strike": None,
    "suicide bomb": None,
    "shelling/artillery/missile attack": None,
    "remote explosive/landmine/ied": None,
    "grenade": None,
    "sexual violence": T.SEXUAL_VIOLENCE.value,
    "attack": _KILLING_OR_INJURY,
    "abduction/forced disappearance": T.ABDUCTION.value,
    "peaceful protest": None,
    "protest with intervention": None,
    "excessive force against protesters": _KILLING_OR_INJURY,
    "violent demonstration": None,
    "mob violence": None,
    "agreement": None,
    "arrests": None,
    "change to group/activity": None,
    "disrupted weapons use": None,
    "headquarters or base established": None,
    "looting/property destruction": T.LOOTING_PROPERTY_DESTRUCTION.value,
    "non-violent transfer of territory": None,
    "other": None,
}

UCDP_TYPES_OF_VIOLENCE: dict[int, tuple[str, C]] = {
    1: ("state-based conflict", C.BATTLES),
    2: ("non-state conflict", C.BATTLES),
    3: ("one-sided violence", C.VIOLENCE_AGAINST_CIVILIANS),
}


def known_values(mapping: Mapping[str, object] | Mapping[int, object]) -> str:
    """The known keys of a mapping, for an error message."""
    return ", ".join(repr(k) for k in mapping if k != "")


def normalised_key(column: str) -> pl.Expr:
    """A text column trimmed and lower-cased, the form the mapping tables use."""
    return pl.col(column).fill_null("").str.strip_chars().str.to_lowercase()


def acled_category(event_type: str) -> pl.Expr:
    """Harmonised category of an ACLED event type column; null where unknown."""
    return normalised_key(event_type).replace_strict(
        {k: v.value for k, v in ACLED_EVENT_TYPES.items()}, default=None, return_dtype=pl.String
    )


def acled_sub_event_known(sub_event_type: str) -> pl.Expr:
    """True where the ACLED sub-event type is known (empty counts as known: older exports have none)."""
    return normalised_key(sub_event_type).is_in(list(ACLED_SUB_EVENT_TYPES))


def inter_code(column: str) -> pl.Expr:
    """ACLED actor type as an integer code, from a numeric code or a newer export's text label; null if unknown."""
    text = normalised_key(column)
    labels = {k: int(v) for k, v in ActorCategory.labels().items()}
    as_int = text.cast(pl.Int16, strict=False)
    as_label = text.replace_strict(labels, default=None, return_dtype=pl.Int16)
    code = pl.coalesce(as_int, as_label)
    return pl.when(code.is_between(0, 8)).then(code).otherwise(None)


def threat_type(
    category: pl.Expr, sub_event_type: pl.Expr, civilian_targeting: pl.Expr, fatalities: pl.Expr
) -> pl.Expr:
    """Threat type from the harmonised category, ACLED sub-event type, civilian targeting and fatalities.

    Specific sub-events (sexual violence, abduction, looting) give their threat; otherwise an event that targets
    civilians is indiscriminate explosive weapons (explosions), killing (fatalities) or maiming/injury.
    """
    specific = sub_event_type.replace_strict(
        {k: v for k, v in ACLED_SUB_EVENT_TYPES.items() if v not in (None, _KILLING_OR_INJURY)},
        default=None,
        return_dtype=pl.String,
    )
    by_harm = (
        pl.when(category == C.EXPLOSIONS_REMOTE_VIOLENCE.value)
        .then(pl.lit(T.INDISCRIMINATE_EXPLOSIVE_WEAPONS.value))
        .when(fatalities > 0)
        .then(pl.lit(T.KILLING.value))
        .otherwise(pl.lit(T.MAIMING_INJURY.value))
    )
    return (
        pl.when(specific.is_not_null()).then(specific).when(civilian_targeting).then(by_harm).otherwise(None)
    )

"""The PoC threat matrix, computed from the evidence and open to analysts' overrides.

One record per (area, threat type, perpetrator) seen in the evidence window, with the fields of DOMAIN.md
section 3: the threat, the perpetrator's capability and intent, the civilians at risk, their vulnerability, other
actors' capacity, the assessment (likelihood, impact, risk, band, rank, confidence, horizon, indicators), the
mission's response options by tier and phase, and tracking (status, review date, linked evidence).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta
from typing import Any

import polars as pl

from pochub.core.geography.areas import OUTSIDE
from pochub.core.models.taxonomy import threat_label
from pochub.core.text import N_, Message, Text
from pochub.core.threats.keys import threat_key
from pochub.core.threats.responses import Phase, PhaseRules, ResponseOption, ResponseRules, phase_for
from pochub.core.threats.risk import (
    Harm,
    ImpactFactors,
    RiskSettings,
    band,
    clip,
    drivers,
    exposure,
    impact_of,
    likelihood,
    observed_harm,
    risk_score,
)

EVIDENCE_COLUMNS = (
    "id",
    "event_date",
    "area_pcode",
    "area_name",
    "threat_type",
    "actor1",
    "fatalities_best",
    "civilian_fatalities",
    "civilian_targeting",
    "source",
    "source_id",
    "source_grade",
)
"""Columns the matrix reads from the evidence frame (all events of the window; threats have a threat_type). An
optional ``victims`` column (people harmed, where the source counts them) adds to the observed harm."""

NO_HARM = Harm(0)
"""The harm of a record built without evidence counts."""
EXPOSURE_BASES = (
    "communities",
    "population grid",
    "partial population grid",
    "area population",
    "partial communities",
    "unknown",
)
"""Where an area's people at risk come from, in order of preference ("partial population grid": the grid covers
only part of the area, so its sum is a lower bound; "partial communities": some of the area's communities have no
known population, so theirs is a lower bound)."""
TOP_COMMUNITIES = 5
"""Communities named per row: the most populous of the area (the rest are in the area's community list)."""


@dataclass(frozen=True)
class AreaContext:
    """What the matrix knows about an area: its civilians, other actors' capacity, forecasts and surges."""

    pcode: str
    name: str
    population: int | None = None
    """People at risk in the area; None when unknown (no communities, population grid or area population)."""
    communities: tuple[str, ...] = ()
    """The area's most populous communities (at most ``TOP_COMMUNITIES``)."""
    vulnerable_groups: tuple[str, ...] = ()
    vulnerability: float | None = None
    vulnerability_factors: tuple[Text, ...] = ()
    capacity: float | None = None
    forecast_probability: float | None = None
    expected_events: float | None = None
    surge: bool = False
    exposure_basis: str = "unknown"
    """Where ``population`` comes from: one of ``EXPOSURE_BASES``."""
    community_count: int = 0
    """Communities known in the area (``communities`` names the top ones)."""
    capacity_factors: tuple[Text, ...] = ()
    """Why ``capacity`` is what it is (from the communities' profiles)."""
    named_threats: tuple[tuple[str, int], ...] = ()
    """Threat types the area's communities name (profiles, engagements' concerns), with how often."""

    def __post_init__(self) -> None:
        if self.exposure_basis not in EXPOSURE_BASES:
            raise ValueError(f"exposure_basis must be one of {EXPOSURE_BASES}, not {self.exposure_basis!r}")
        if self.population is not None and self.exposure_basis == "unknown":
            object.__setattr__(
                self, "exposure_basis", "communities" if self.communities else "area population"
            )


@dataclass(frozen=True)
class OverrideNote:
    """An analyst's override: the computed value is kept beside it, with who, when and why."""

    field: str
    computed: Any
    value: Any
    analyst: str
    at: datetime
    reason: str


@dataclass(frozen=True)
class ThreatRecord:
    """One row of the PoC threat matrix."""

    key: str
    threat_type: str
    description: Text
    perpetrator: str
    capability: float
    intent: float
    area_pcode: str
    area_name: str
    communities_at_risk: tuple[str, ...]
    population_at_risk: int | None
    """People in the area (None: unknown, see ``exposure_basis``)."""
    vulnerable_groups: tuple[str, ...]
    vulnerability: float | None
    """1-5, None when unknown (scored by the declared rule of ``core.threats.risk``)."""
    vulnerability_factors: tuple[Text, ...]
    other_actors_capacity: float | None
    """1-5, None when unknown (scored by the declared rule of ``core.threats.risk``)."""
    likelihood: float
    impact: float
    risk: float
    band: str
    rank: int
    confidence: str
    horizon: str
    indicators: tuple[Text, ...]
    phase: Phase
    response_options: tuple[ResponseOption, ...]
    status: str
    review_date: date
    evidence_ids: tuple[int, ...]
    recent_events: int
    last_event: date | None
    overrides: tuple[OverrideNote, ...] = ()
    perpetrator_names: tuple[str, ...] = ()
    """The source names behind the perpetrator (the actor registry's spellings of it in the evidence)."""
    exposure_basis: str = "unknown"
    """Where ``population_at_risk`` comes from (``EXPOSURE_BASES``)."""
    severity: float = 3.0
    """The threat type's severity, 1-5."""
    harm: Harm = NO_HARM
    """The observed harm of the evidence: events, fatalities, civilian fatalities, victims (where given)."""
    driver_weights: tuple[tuple[str, float], ...] = ()
    """Every driver of the risk score with the risk points it adds, largest first (see ``risk.drivers``)."""
    community_count: int = 0
    """Communities known in the area (``communities_at_risk`` names the most populous)."""
    capacity_factors: tuple[Text, ...] = ()
    """Why ``other_actors_capacity`` is what it is (communities' own protection, from their profiles)."""
    named_by_communities: int = 0
    """How often the area's communities name this threat type (profiles, engagements): 0 when they do not."""

    @property
    def drivers(self) -> tuple[str, ...]:
        """The two largest drivers of the risk score: what explains the row's rank."""
        return tuple(name for name, _ in self.driver_weights[:2])


@dataclass(frozen=True)
class ThreatMatrix:
    """The matrix as of a moment, ranked by risk."""

    as_of: datetime
    window_days: int
    records: tuple[ThreatRecord, ...]
    named_not_recorded: tuple[tuple[str, str, str, int], ...] = ()
    """(area P-code, area name, threat type, how often named): threats the communities of an area name that no
    recorded event of the window shows there; divergence is information (possible under-reporting)."""

    def top(self, n: int = 10) -> tuple[ThreatRecord, ...]:
        """The ``n`` highest-risk threats."""
        return self.records[:n]


@dataclass(frozen=True)
class MatrixSettings:
    """How the matrix is computed (all configurable)."""

    window_days: int = 180
    recent_days: int = 90
    review_days: int = 14
    horizon: str = "next 30 days"
    risk: RiskSettings = field(default_factory=RiskSettings)
    phases: PhaseRules = field(default_factory=PhaseRules)
    responses: ResponseRules = field(default_factory=ResponseRules)


def actor_profile(evidence: pl.DataFrame) -> dict[str, tuple[float, float]]:
    """(capability, intent) per perpetrator, 1-5: capability from the actor's share of the window's events and
    fatalities (rank-scaled), intent from the share of its events that targeted civilians."""
    if evidence.height == 0:
        return {}
    stats = (
        evidence.group_by("actor1")
        .agg(
            pl.len().alias("events"),
            pl.col("fatalities_best").sum().alias("fatalities"),
            pl.col("civilian_targeting").mean().alias("targeting"),
        )
        .with_columns(strength=pl.col("events") + pl.col("fatalities"))
        .with_columns(rank=pl.col("strength").rank("average") / pl.len())
    )
    return {
        row["actor1"]: (round(1 + 4 * row["rank"], 2), round(clip(1 + 4 * float(row["targeting"] or 0.0)), 2))
        for row in stats.iter_rows(named=True)
    }


def confidence_for(events: int, grades: Sequence[str]) -> str:
    """High with five or more events from mostly reliable sources (A-B), medium with two or more, else low."""
    reliable = sum(1 for g in grades if g[:1] in ("A", "B"))
    if events >= 5 and reliable * 2 >= len(grades):
        return "high"
    return "medium" if events >= 2 else "low"


def _describe(threat_type: str, perpetrator: str, area_name: str, events: int, fatalities: int) -> Message:
    what = Message(threat_label(threat_type))
    area: str | Message = Message(OUTSIDE) if area_name == OUTSIDE else area_name  # translated; a name is not
    if not perpetrator:
        return Message(
            N_(
                "{threat} by unidentified perpetrators in {area}: {events} event(s), {fatalities} civilian "
                "fatalities in the window"
            ),
            threat=what,
            area=area,
            events=events,
            fatalities=fatalities,
        )
    return Message(
        N_(
            "{threat} by {perpetrator} in {area}: {events} event(s), {fatalities} civilian fatalities in the "
            "window"
        ),
        threat=what,
        perpetrator=perpetrator,
        area=area,
        events=events,
        fatalities=fatalities,
    )


def _described_with_names(description: Message, names: Sequence[str]) -> Message:
    """The description, followed by the source names behind the perpetrator when they differ from it."""
    if not names:
        return description
    return Message(
        N_("{description}; source names: {names}"), description=description, names="; ".join(names)
    )


def build_matrix(
    evidence: pl.DataFrame,
    areas: Mapping[str, AreaContext],
    as_of: datetime,
    settings: MatrixSettings | None = None,
) -> ThreatMatrix:
    """Compute the matrix from the window's events (``EVIDENCE_COLUMNS``) and what is known of each area."""
    settings = settings or MatrixSettings()
    start = as_of.date() - timedelta(days=settings.window_days)
    window = evidence.filter(pl.col("event_date").is_between(start, as_of.date()))
    profiles = actor_profile(window)
    threats = window.filter(pl.col("threat_type").is_not_null() & pl.col("area_pcode").is_not_null())
    recent_from = as_of.date() - timedelta(days=settings.recent_days)
    victims = (  # people harmed where the source counts them; absent otherwise (not zero)
        [pl.col("victims").sum().alias("victims"), pl.col("victims").is_not_null().any().alias("has_victims")]
        if "victims" in threats.columns
        else []
    )
    source_names = (  # the source spellings behind a registry actor (actor1_source, when the caller mapped actor1)
        [pl.col("actor1_source").drop_nulls().unique().sort().alias("perpetrator_names")]
        if "actor1_source" in threats.columns
        else []
    )
    groups = (
        threats.sort("event_date", descending=True)
        .group_by("area_pcode", "threat_type", "actor1", maintain_order=True)
        .agg(
            pl.col("id"),
            pl.col("event_date").max().alias("last"),
            pl.col("source_grade"),
            (pl.col("event_date") >= recent_from).sum().alias("recent"),
            pl.col("civilian_fatalities").sum().alias("civilian_fatalities"),
            pl.col("fatalities_best").sum().alias("fatalities"),
            *victims,
            pl.col("area_name").first(),
            *source_names,
        )
    )
    area_recent = dict(groups.group_by("area_pcode").agg(pl.col("recent").sum()).iter_rows())
    records = []
    for row in groups.iter_rows(named=True):
        records.append(_record(row, areas, profiles, as_of, settings, area_recent.get(row["area_pcode"], 0)))
    shown = {(r.area_pcode, r.threat_type) for r in records}
    unseen = tuple(
        (area.pcode, area.name, threat_type, count)
        for area in sorted(areas.values(), key=lambda a: a.pcode)
        for threat_type, count in area.named_threats
        if (area.pcode, threat_type) not in shown
    )
    return ThreatMatrix(as_of, settings.window_days, ranked(records), unseen)


def threat_probability(area: AreaContext, recent: int, area_recent: int) -> float | None:
    """Probability of at least one event of this threat next month: the area's expected events of violence
    against civilians times this threat's share of the area's recent events (Poisson), or the area's probability
    where no expected count is known."""
    if area.expected_events is None:
        return area.forecast_probability
    share = recent / area_recent if area_recent > 0 else 0.0
    return 1.0 - math.exp(-area.expected_events * share)


def _record(
    row: dict[str, Any],
    areas: Mapping[str, AreaContext],
    profiles: Mapping[str, tuple[float, float]],
    as_of: datetime,
    settings: MatrixSettings,
    area_recent: int,
) -> ThreatRecord:
    pcode, threat_type, perpetrator = row["area_pcode"], row["threat_type"], row["actor1"] or ""
    area = areas.get(pcode) or AreaContext(pcode, row["area_name"] or pcode)
    last: date = row["last"]
    hours_since = (
        as_of - datetime(last.year, last.month, last.day, tzinfo=as_of.tzinfo)
    ).total_seconds() / 3600
    severity = settings.risk.severity.get(threat_type, 3.0)
    probability = threat_probability(area, int(row["recent"]), area_recent)
    likely = likelihood(probability, row["recent"], area.surge, settings.risk)
    observed = Harm(
        len(row["id"]),
        int(row["fatalities"] or 0),
        int(row["civilian_fatalities"] or 0),
        int(row["victims"] or 0) if row.get("has_victims") else None,
    )
    factors = ImpactFactors(
        severity,
        observed_harm(observed, settings.risk),
        exposure(area.population, settings.risk),
        area.vulnerability,
        area.capacity,
    )
    harm = impact_of(factors, settings.risk)
    score = risk_score(likely, harm)
    phase = phase_for(max(hours_since, 0.0), probability, area.surge, settings.phases)
    capability, intent = profiles.get(perpetrator, (1.0, 1.0))
    indicators: list[Text] = [
        Message(
            N_("{recent} event(s) in the last {days} days; last on {last}"),
            recent=row["recent"],
            days=settings.recent_days,
            last=last.isoformat(),
        )
    ]
    if area.forecast_probability is not None:
        indicators.append(
            Message(
                N_("forecast probability of at least one event next month: {probability:.0%}"),
                probability=area.forecast_probability,
            )
        )
    if area.surge:
        indicators.append(N_("surge flagged in the area"))
    named = dict(area.named_threats).get(threat_type, 0)
    if named:
        indicators.append(
            Message(N_("the area's communities name this threat themselves ({count})"), count=named)
        )
    ids = tuple(int(i) for i in row["id"])
    names = tuple(row.get("perpetrator_names") or ())
    return ThreatRecord(
        key=threat_key(pcode, threat_type, perpetrator),
        threat_type=threat_type,
        description=_described_with_names(
            _describe(threat_type, perpetrator, area.name, len(ids), int(row["civilian_fatalities"])),
            names if names != (perpetrator,) else (),
        ),
        perpetrator=perpetrator,
        capability=capability,
        intent=intent,
        area_pcode=pcode,
        area_name=area.name,
        communities_at_risk=area.communities,
        population_at_risk=area.population,
        vulnerable_groups=area.vulnerable_groups,
        vulnerability=area.vulnerability,
        vulnerability_factors=area.vulnerability_factors,
        other_actors_capacity=area.capacity,
        likelihood=likely,
        impact=harm,
        risk=score,
        band=band(score, settings.risk),
        rank=0,
        confidence=confidence_for(len(ids), row["source_grade"]),
        horizon=settings.horizon,
        indicators=tuple(indicators),
        phase=phase,
        response_options=settings.responses.options(phase, threat_type),
        status="open",
        review_date=as_of.date() + timedelta(days=settings.review_days),
        evidence_ids=ids,
        recent_events=int(row["recent"]),
        last_event=last,
        perpetrator_names=names,
        exposure_basis=area.exposure_basis,
        severity=severity,
        harm=observed,
        driver_weights=drivers(likely, factors, settings.risk),
        community_count=area.community_count,
        capacity_factors=area.capacity_factors,
        named_by_communities=named,
    )


def ranked(records: Iterable[ThreatRecord]) -> tuple[ThreatRecord, ...]:
    """Records ordered by risk (then recent evidence, then key), numbered from 1."""
    ordered = sorted(records, key=lambda r: (-r.risk, -r.recent_events, r.key))
    return tuple(replace(r, rank=i) for i, r in enumerate(ordered, start=1))


OVERRIDABLE = (
    "likelihood",
    "impact",
    "risk",
    "vulnerability",
    "other_actors_capacity",
    "confidence",
    "phase",
    "status",
    "capability",
    "intent",
)


@dataclass(frozen=True)
class Override:
    """An analyst's value for one field of one threat."""

    key: str
    field: str
    value: str
    analyst: str
    at: datetime
    reason: str


def _typed(field_name: str, value: str) -> Any:
    if field_name in ("confidence", "status"):
        return value
    if field_name == "phase":
        return Phase(value)
    number = float(value)
    if field_name == "risk":
        if not 1 <= number <= 25:
            raise ValueError("risk must be within 1-25")
    elif not 1 <= number <= 5:
        raise ValueError(f"{field_name} must be within 1-5")
    return number


def validate_override(field_name: str, value: str) -> None:
    """Raise ValueError when the field cannot be overridden or the value does not fit it."""
    if field_name not in OVERRIDABLE:
        raise ValueError(f"cannot override {field_name!r}; overridable: {', '.join(OVERRIDABLE)}")
    _typed(field_name, value)


def apply_overrides(
    matrix: ThreatMatrix, overrides: Sequence[Override], settings: MatrixSettings | None = None
) -> ThreatMatrix:
    """The matrix with analysts' values in place (the latest per field wins); risk and band follow overridden
    likelihood or impact unless risk itself is overridden; the matrix is ranked again."""
    settings = settings or MatrixSettings()
    latest: dict[tuple[str, str], Override] = {}
    for override in sorted(overrides, key=lambda o: o.at):
        latest[(override.key, override.field)] = override
    records = []
    for record in matrix.records:
        notes, changes = [], {}
        for (key, field_name), override in latest.items():
            if key != record.key:
                continue
            value = _typed(field_name, override.value)
            notes.append(
                OverrideNote(
                    field_name,
                    getattr(record, field_name),
                    value,
                    override.analyst,
                    override.at,
                    override.reason,
                )
            )
            changes[field_name] = value
        if not changes:
            records.append(record)
            continue
        updated = replace(record, **changes, overrides=tuple(notes))
        if "risk" not in changes and ("likelihood" in changes or "impact" in changes):
            updated = replace(updated, risk=risk_score(updated.likelihood, updated.impact))
        if "phase" in changes:
            updated = replace(
                updated, response_options=settings.responses.options(updated.phase, updated.threat_type)
            )
        records.append(replace(updated, band=band(updated.risk, settings.risk)))
    return ThreatMatrix(matrix.as_of, matrix.window_days, ranked(records), matrix.named_not_recorded)


def vulnerability_of(groups_share: float, uncovered_share: float) -> tuple[float, tuple[Text, ...]]:
    """Vulnerability 1-5 of an area's communities: higher with vulnerable groups present and without alert
    network coverage (no phone and no radio), with the factors that raised it."""
    factors: list[Text] = []
    if groups_share > 0:
        factors.append(Message(N_("{share:.0%} of communities with vulnerable groups"), share=groups_share))
    if uncovered_share > 0:
        factors.append(
            Message(N_("{share:.0%} of communities without phone or radio coverage"), share=uncovered_share)
        )
    return round(clip(2.0 + 1.5 * groups_share + 1.5 * uncovered_share), 2), tuple(factors)

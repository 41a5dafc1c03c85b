"""Threat assessment use cases: compute the PoC threat matrix from the store, record analysts' overrides."""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import replace
from datetime import UTC, date, datetime, time, timedelta

import numpy as np
import polars as pl
from sqlalchemy import Connection, Engine, func, insert, select

from pochub.core.geography.areas import AreaIndex, with_area_keys
from pochub.core.models.filters import EventFilter
from pochub.core.models.places import Community
from pochub.core.perspectives.area_voices import (
    SurveyFigure,
    area_voices,
    felt_vulnerability,
    pooled,
    trusted_capacity,
)
from pochub.core.perspectives.profiles import CommunityProfile
from pochub.core.perspectives.profiles import from_document as profile_from_document
from pochub.core.text import N_, Message
from pochub.core.threats.matrix import (
    TOP_COMMUNITIES,
    AreaContext,
    MatrixSettings,
    Override,
    ThreatMatrix,
    apply_overrides,
    build_matrix,
    validate_override,
    vulnerability_of,
)
from pochub.errors import InvalidInput, NotFound
from pochub.services import actors
from pochub.services.population import area_populations, stored_area_populations
from pochub.services.survey_figures import AreaFigures, published_area_figures
from pochub.store import audit, event_queries, place_queries, repositories, tables

AreaSignals = Callable[[pl.DataFrame, datetime, int], Mapping[str, tuple[float | None, float | None, bool]]]
"""(evidence, as_of, level) -> per area: (forecast probability of >= 1 event next month, expected events, surge)."""


def evidence_frame(conn: Connection, level: int, first: object, last: object) -> pl.DataFrame:
    """Events of the window with the area of the chosen admin level: the P-code and name of the imported
    boundary ("outside the boundaries" beyond them); without boundaries of the level, the source's name."""
    events = event_queries.frame(conn, EventFilter(start=first, end=last))  # type: ignore[arg-type]
    return with_area_keys(events, level, place_queries.area_names(conn, level))


def coverage_shares(members: list[Community]) -> tuple[float, int]:
    """(share of the communities whose coverage is known that have neither phone nor radio, number whose
    coverage is unknown). A community with phone or radio is covered; with neither known to be there, it is not;
    otherwise unknown, and left out of the share rather than counted as "no coverage"."""
    covered = sum(1 for c in members if c.phone_coverage or c.radio_coverage)
    uncovered = sum(1 for c in members if c.phone_coverage is False and c.radio_coverage is False)
    known = covered + uncovered
    return (uncovered / known if known else 0.0), len(members) - known


FULL_COVER = 0.98
"""Share of an area inside the population grid's extent from which the grid's sum is the area's population
(below it, the sum is a lower bound and is shown as such)."""


def _voices(conn: Connection, since: date | None) -> tuple[dict[str, CommunityProfile], dict[str, list[str]]]:
    """The newest profile of each profiled community, and the threat types of the concerns each community raised
    in engagements, and joint teams heard there, since ``since`` (all when None)."""
    latest = (
        select(
            tables.community_profiles.c.community_id, func.max(tables.community_profiles.c.version).label("v")
        )
        .group_by(tables.community_profiles.c.community_id)
        .subquery()
    )
    rows = conn.execute(
        select(tables.community_profiles.c.community_id, tables.community_profiles.c.document).join(
            latest,
            (latest.c.community_id == tables.community_profiles.c.community_id)
            & (latest.c.v == tables.community_profiles.c.version),
        )
    ).all()
    profiles = {row.community_id: profile_from_document(json.loads(row.document)) for row in rows}
    query = select(tables.engagements.c.community_id, tables.engagements.c.concerns)
    if since is not None:
        query = query.where(tables.engagements.c.held_on >= datetime.combine(since, time(0), tzinfo=UTC))
    concerns: dict[str, list[str]] = {}
    for row in conn.execute(query):
        concerns.setdefault(row.community_id, []).extend(c["threat_type"] for c in json.loads(row.concerns))
    heard = select(tables.joint_team_findings.c.community_id, tables.joint_team_findings.c.threat_type)
    if since is not None:
        heard = heard.where(
            tables.joint_team_findings.c.heard_on >= datetime.combine(since, time(0), tzinfo=UTC)
        )
    for row in conn.execute(heard):  # a joint team's findings count as the community's concerns
        concerns.setdefault(row.community_id, []).append(row.threat_type)
    return profiles, concerns


def _area_survey(
    figures: AreaFigures | None, pcode: str, members: list[Community], level_codes: set[str]
) -> tuple[SurveyFigure | None, dict[str, SurveyFigure]]:
    """The survey's published figures for a matrix area: its own (the survey pools respondents by their
    community's P-code), else its communities' areas' published figures pooled (an admin-1 area from its admin-2
    areas); never another area of the matrix's level, and never a withheld figure (there is none to take)."""
    if figures is None:
        return None, {}
    inside = sorted({c.pcode for c in members if c.pcode and c.pcode not in level_codes})
    codes = [pcode] if pcode in figures.unsafe or pcode in figures.trust else inside
    unsafe = pooled([figures.unsafe[code] for code in codes if code in figures.unsafe])
    forces = sorted({force for code in codes for force in figures.trust.get(code, {})})
    trust = {
        force: found
        for force in forces
        if (found := pooled([figures.trust[c][force] for c in codes if force in figures.trust.get(c, {})]))
    }
    return unsafe, trust


def area_contexts(
    conn: Connection, level: int, *, concerns_since: date | None = None
) -> dict[str, AreaContext]:
    """Civilians per area: communities located in the level's areas (population, the most populous, groups,
    vulnerability); without communities, the people of the stored population grid in the area (when the grid
    covers it), else its population from a boundary file, else the grid's partial sum (a lower bound); else
    unknown exposure and vulnerability (never 0 people). Communities' own profiles, where they exist, give their
    vulnerable groups and means of alert, and other actors' capacity (their organised self-protection); the threats
    they name in profiles and engagements since ``concerns_since`` are counted per type. The latest wave of the
    latest perception survey, where it publishes a figure for the area, adds the share of people who do not feel
    safe to the vulnerability and their trust in the police and the army to other actors' capacity."""
    areas = repositories.load_admin_areas(conn, level)
    communities = repositories.load_communities(conn)
    if not areas:
        return {}
    gridded = area_populations(conn, level)
    given = stored_area_populations(conn)
    index = AreaIndex.build(areas, level)
    codes, _ = index.locate(
        np.array([c.latitude for c in communities]), np.array([c.longitude for c in communities])
    )
    profiles, concerns = _voices(conn, concerns_since)
    surveyed = published_area_figures(conn)
    level_codes = {a.pcode for a in areas}
    contexts = {}
    for area in areas:
        members = [c for c, code in zip(communities, codes, strict=True) if code == area.pcode]
        # a community's own profile, where it has one, says more than the communities file
        told = [profiles[c.community_id] for c in members if c.community_id in profiles]
        members = [
            replace(
                c,
                vulnerable_groups=tuple(sorted(g.value for g in profiles[c.community_id].vulnerable_groups)),
                phone_coverage=any(profiles[c.community_id].phone_operators.values())
                if profiles[c.community_id].phone_operators else c.phone_coverage,
                radio_coverage=profiles[c.community_id].radio_coverage
                if profiles[c.community_id].radio_coverage is not None else c.radio_coverage,
            ) if c.community_id in profiles else c
            for c in members
        ]  # fmt: skip
        voices = area_voices(told, (t for c in members for t in concerns.get(c.community_id, ())))
        groups = sorted({g for c in members for g in c.vulnerable_groups})
        with_groups = sum(1 for c in members if c.vulnerable_groups) / len(members) if members else 0.0
        uncovered, unknown_coverage = coverage_shares(members)
        vulnerability, factors = vulnerability_of(with_groups, uncovered)
        if told:
            factors = (*factors, Message(N_("from the profiles of {count} of {total} communities"),
                                         count=len(told), total=len(members)))  # fmt: skip
        if unknown_coverage:
            factors = (
                *factors,
                Message(N_("phone or radio coverage unknown for {unknown} of {total} communities"),
                        unknown=unknown_coverage, total=len(members)),
            )  # fmt: skip
        unsafe, trust = _area_survey(surveyed, area.pcode, members, level_codes)
        vulnerability_or_none, said = felt_vulnerability(vulnerability if members else None, unsafe)
        capacity, trusted = trusted_capacity(voices.capacity, trust)
        largest = sorted(members, key=lambda c: -(c.population or 0))[:TOP_COMMUNITIES]
        known = [c.population for c in members if c.population is not None]
        if known and len(known) == len(members):
            population: int | None = sum(known)
            basis = "communities"
        elif known and not (area.pcode in gridded or area.pcode in given):
            population, basis = sum(known), "partial communities"  # a lower bound: some are unknown
        elif area.pcode in gridded and gridded[area.pcode].covered >= FULL_COVER:
            population, basis = gridded[area.pcode].people, "population grid"
        elif area.pcode in given:
            population, basis = given[area.pcode], "area population"
        elif area.pcode in gridded:
            population, basis = gridded[area.pcode].people, "partial population grid"
        else:
            population, basis = None, "unknown"
        contexts[area.pcode] = AreaContext(
            pcode=area.pcode,
            name=area.name,
            population=population,
            communities=tuple(c.name for c in largest),
            vulnerable_groups=tuple(groups),
            vulnerability=vulnerability_or_none,
            vulnerability_factors=(*factors, *said),
            exposure_basis=basis,
            community_count=len(members),
            capacity=capacity,
            capacity_factors=(*voices.capacity_factors, *trusted),
            named_threats=tuple(sorted(voices.named_threats.items())),
        )
    return contexts


def assess(
    engine: Engine,
    *,
    level: int = 2,
    area: str | None = None,
    as_of: datetime | None = None,
    settings: MatrixSettings | None = None,
    signals: AreaSignals | None = None,
) -> ThreatMatrix:
    """The threat matrix as of ``as_of`` (default: the day of the latest stored event), overrides applied."""
    settings = settings or MatrixSettings()
    with engine.connect() as conn:
        if as_of is None:
            _, last = event_queries.date_range(conn, EventFilter())
            if last is None:
                raise InvalidInput("no events stored: import events before assessing threats")
            as_of = datetime.combine(last, time(23, 59), tzinfo=UTC)
        history_start = as_of.date() - timedelta(days=max(settings.window_days, 3 * 365))
        evidence = evidence_frame(conn, level, history_start, as_of.date())
        contexts = area_contexts(
            conn, level, concerns_since=as_of.date() - timedelta(days=settings.window_days)
        )
        overrides = load_overrides(conn)
        evidence = actors.with_registry_actor(
            evidence, actors.name_mapping(conn)
        )  # perpetrator = registry actor
    if signals is not None:
        for pcode, (probability, expected, surge) in signals(evidence, as_of, level).items():
            base = contexts.get(pcode) or AreaContext(pcode, pcode)
            contexts[pcode] = AreaContext(
                **{
                    **base.__dict__,
                    "forecast_probability": probability,
                    "expected_events": expected,
                    "surge": surge,
                }
            )
    if area is not None:
        if not evidence.filter(pl.col("area_pcode") == area).height and area not in contexts:
            raise NotFound(f"no area {area!r} at admin level {level} in the evidence or the boundaries")
        evidence = evidence.filter(pl.col("area_pcode") == area)
    matrix = build_matrix(evidence, contexts, as_of, settings)
    return apply_overrides(matrix, overrides, settings)


def load_overrides(conn: Connection) -> list[Override]:
    """Every stored override."""
    t = tables.threat_overrides.c
    rows = conn.execute(
        select(t.threat_key, t.field, t.value, t.analyst, t.created_at, t.reason).order_by(t.created_at)
    ).all()
    return [Override(*row) for row in rows]


def add_override(
    engine: Engine,
    key: str,
    field: str,
    value: str,
    analyst: str,
    reason: str,
    now: datetime | None = None,
    *,
    actor: str | None = None,
    actor_role: str = "",
    client: str = "",
) -> None:
    """Record an analyst's value for one field of one threat (the computed value stays beside it).

    The override is audited under ``actor``, the signed-in user's name (``analyst`` is the name shown on the
    matrix, which the user may choose), with the client's address."""
    try:
        validate_override(field, value)
    except ValueError as exc:
        raise InvalidInput(str(exc)) from exc
    if not analyst.strip() or not reason.strip():
        raise InvalidInput("an override needs the analyst's name and a reason")
    moment = now or datetime.now(UTC)
    with engine.begin() as conn:
        conn.execute(
            insert(tables.threat_overrides).values(
                threat_key=key,
                field=field,
                value=value,
                analyst=analyst.strip(),
                reason=reason.strip(),
                created_at=moment,
            )
        )
        audit.record(
            conn,
            actor=actor or analyst.strip(),
            role=actor_role,
            action="write",
            entity="threat",
            entity_id=key,
            detail=f"override {field} = {value} (shown as by {analyst.strip()}): {reason.strip()}"[:2000],
            at=moment,
            client=client,
        )

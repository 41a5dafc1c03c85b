"""What the community pages show, gathered in one place: the communities of the reader's area with what they have
said (profile, engagements, commitments, plan), one community's whole picture, and the commitments board by field
office. Area rules are those of every local-perspectives use case (``engagements.community_for`` and ``in_area``)."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import Engine, func, select

from pochub.core.models.access import User, in_area
from pochub.core.models.taxonomy import ThreatType
from pochub.core.perspectives.surveys import Estimate
from pochub.errors import NotFound
from pochub.services import engagements, perspectives, profiles, protection_plans
from pochub.services.structures import current_structure
from pochub.store import tables

EVENTS_NEARBY_DAYS = 90


@dataclass(frozen=True)
class CommunityRow:
    """A community in the list, with what it has said and what is owed to it."""

    community_id: str
    name: str
    pcode: str | None
    population: int | None
    profile_version: int
    last_engagement: date | None
    open_commitments: int
    overdue_commitments: int
    has_plan: bool


@dataclass(frozen=True)
class SurveyLine:
    """One measure of the latest survey across its waves for one community (withheld waves included)."""

    measure: perspectives.MeasureInfo
    waves: tuple[tuple[str, Estimate], ...]


@dataclass(frozen=True)
class CommunityView:
    """One community's whole picture, as the reader may see it."""

    community_id: str
    name: str
    pcode: str | None
    population: int | None
    office: str | None
    profile: profiles.ProfileVersion
    history: tuple[profiles.HistoryEntry, ...]
    engagements: tuple[engagements.EngagementRecord, ...]
    survey: str | None
    survey_lines: tuple[SurveyLine, ...]
    plan: protection_plans.PlanVersion | None
    events_nearby: tuple[tuple[ThreatType, int], ...]


def _office_names(engine: Engine) -> dict[str, tuple[str, tuple[str, ...]]]:
    with engine.connect() as conn:
        structure = current_structure(conn)
    if structure is None:
        return {}
    return {office.id: (str(office.name), office.area_pcodes) for office in structure.field_offices}


def office_of(offices: dict[str, tuple[str, tuple[str, ...]]], pcode: str | None) -> str | None:
    """The name of the field office whose area holds ``pcode``."""
    for name, areas in offices.values():
        if pcode and any(pcode.startswith(area) for area in areas):
            return name
    return None


def community_listing(
    engine: Engine, user: User, *, search: str = "", limit: int = 200, today: date | None = None
) -> tuple[list[CommunityRow], int]:
    """The communities of the reader's area matching ``search`` (name, id or P-code), those the mission has heard
    from first (most overdue commitments, then latest engagement), at most ``limit``; and how many matched."""
    day = today or datetime.now(UTC).date()
    wanted = search.strip().lower()
    c = tables.communities.c
    with engine.connect() as conn:
        rows = [r for r in conn.execute(select(c.community_id, c.name, c.pcode, c.population))
                if in_area(user, pcode=r.pcode, field_office=None)
                and (not wanted or wanted in r.name.lower() or wanted in r.community_id.lower()
                     or wanted in (r.pcode or "").lower())]  # fmt: skip
        versions = dict(
            conn.execute(
                select(
                    tables.community_profiles.c.community_id, func.max(tables.community_profiles.c.version)
                ).group_by(tables.community_profiles.c.community_id)
            ).all()
        )
        last = dict(
            conn.execute(
                select(tables.engagements.c.community_id, func.max(tables.engagements.c.held_on)).group_by(
                    tables.engagements.c.community_id
                )
            ).all()
        )
        plans = set(conn.execute(select(tables.protection_plans.c.community_id).distinct()).scalars())
        owed = conn.execute(
            select(
                tables.commitments.c.community_id, tables.commitments.c.due, tables.commitments.c.status
            ).where(tables.commitments.c.status != "closed")
        ).all()
    open_count: dict[str, int] = defaultdict(int)
    overdue: dict[str, int] = defaultdict(int)
    for row in owed:
        open_count[row.community_id] += 1
        if row.due < day and row.status in ("open", "in_progress"):
            overdue[row.community_id] += 1
    listed = [
        CommunityRow(
            r.community_id, r.name, r.pcode, r.population, versions.get(r.community_id, 0),
            last[r.community_id].date() if r.community_id in last else None, open_count[r.community_id],
            overdue[r.community_id], r.community_id in plans,
        )
        for r in rows
    ]  # fmt: skip
    heard = [r for r in listed if r.profile_version or r.last_engagement or r.open_commitments or r.has_plan]
    silent = [r for r in listed if r not in heard]
    heard.sort(key=lambda r: (-r.overdue_commitments, -(r.last_engagement or date.min).toordinal(), r.name))
    silent.sort(key=lambda r: r.name)
    ordered = heard + silent
    return ordered[:limit], len(ordered)


def community_view(
    engine: Engine, user: User, community_id: str, *, today: date | None = None
) -> CommunityView:
    """Everything the community page shows (NotFound for a community outside the reader's area)."""
    day = today or datetime.now(UTC).date()
    profile = profiles.community_profile(engine, user, community_id)  # the area rule, first
    history = profiles.profile_history(engine, user, community_id)
    met = engagements.community_engagements(engine, user, community_id)
    with engine.connect() as conn:
        place = conn.execute(
            select(tables.communities).where(tables.communities.c.community_id == community_id)
        ).one()
        survey = conn.execute(
            select(tables.surveys.c.name).order_by(tables.surveys.c.survey_id.desc()).limit(1)
        ).scalar()
        nearby = protection_plans.events_nearby(
            conn, place.latitude, place.longitude, day - timedelta(days=EVENTS_NEARBY_DAYS), day
        )
    lines: list[SurveyLine] = []
    if survey is not None:
        results = perspectives.survey_results(engine, user, survey)
        mine = [r for r in results.communities if r.community_id == community_id]
        for measure in (m for m in results.measures if not m.per_choice):
            waves = tuple((r.wave, f) for r in mine if isinstance(f := r.figures.get(measure.id), Estimate))
            if waves:
                lines.append(SurveyLine(measure, waves))
    try:
        plan = protection_plans.current_plan(engine, user, community_id, today=day)
    except NotFound:
        plan = None
    return CommunityView(
        community_id, place.name, place.pcode, place.population, office_of(_office_names(engine), place.pcode),
        profile, tuple(history), tuple(met), survey if lines else None, tuple(lines), plan,
        tuple(sorted(nearby.items(), key=lambda item: -item[1])),
    )  # fmt: skip


def commitments_by_office(
    engine: Engine, user: User, *, today: date | None = None, include_closed: bool = False
) -> list[tuple[str, list[engagements.CommitmentRecord]]]:
    """The commitments board grouped by field office (the office whose area holds the community), overdue first
    within each, the offices with the most overdue first."""
    day = today or datetime.now(UTC).date()
    board = engagements.commitments_board(engine, user, today=day, include_closed=include_closed)
    offices = _office_names(engine)
    with engine.connect() as conn:
        pcodes = dict(
            conn.execute(select(tables.communities.c.community_id, tables.communities.c.pcode)).all()
        )
    grouped: dict[str, list[engagements.CommitmentRecord]] = defaultdict(list)
    for record in board:
        grouped[office_of(offices, pcodes.get(record.community_id)) or ""].append(record)
    return sorted(grouped.items(), key=lambda item: (-sum(r.overdue for r in item[1]), item[0]))


@dataclass(frozen=True)
class AlertCommunity:
    """What the alert page shows of the alert's community: how to reach it and what the mission owes it."""

    community_id: str
    languages: tuple[str, ...]
    focal_point: str
    """Empty for roles without a need to know."""
    access_by_season: tuple[tuple[str, str], ...]
    alert_network: str
    last_engagement: date | None
    open_commitments: int
    overdue_commitments: int


def alert_community(
    engine: Engine, user: User, community_id: str, *, today: date | None = None
) -> AlertCommunity | None:
    """The community of an alert as the reader may see it (None when it is outside their area or unknown)."""
    day = today or datetime.now(UTC).date()
    try:
        profile = profiles.community_profile(engine, user, community_id)
    except NotFound:
        return None
    met = engagements.community_engagements(engine, user, community_id)
    owed = [c for r in met for c in r.commitments if c.commitment.status.value != "closed"]
    return AlertCommunity(
        community_id, profile.profile.languages, profile.profile.focal_point,
        tuple((season, access.value) for season, access in sorted(profile.profile.access_by_season.items())),
        profile.profile.alert_network, met[0].engagement.held_on.date() if met else None, len(owed),
        sum(1 for c in owed if c.commitment.overdue(day)),
    )  # fmt: skip

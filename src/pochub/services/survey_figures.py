"""Perception-survey figures as a reader may see them: per community and per area, in each wave, with intervals,
and no figure from fewer respondents than the survey's minimum (nor one that would give a withheld one away).

Kept apart from :mod:`pochub.services.perspectives` (importing surveys, divergence, weights) so that the threat
assessment (:mod:`pochub.services.threats`), which the perspectives use, can read the published figures too: the
latest wave's share who do not feel safe and who trust the state's forces, per area (:func:`published_area_figures`).
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, Engine, select

from pochub.core.models.access import Role, User, in_area
from pochub.core.perspectives.area_voices import TRUSTED_FORCES, SurveyFigure
from pochub.core.perspectives.surveys import (
    Estimate,
    complementary_suppression,
    estimate_choices,
    estimate_share,
)
from pochub.core.text import N_, Message
from pochub.errors import InvalidInput, NotFound
from pochub.store import tables


@dataclass(frozen=True)
class MeasureInfo:
    """A measure as stored: its id, labels per language, and for a per-choice measure the choices' labels."""

    id: str
    per_choice: bool
    labels: Mapping[str, str]
    choices: Mapping[str, Mapping[str, str]]

    def label(self, language: str) -> str:
        """The measure's label in ``language``, else English, else its id."""
        return self.labels.get(language) or self.labels.get("en") or self.id


@dataclass(frozen=True)
class CommunityResult:
    """One community's figures in one wave: an estimate per measure, or per choice for a per-choice measure."""

    community_id: str
    community: str
    pcode: str | None
    wave: str
    figures: Mapping[str, Estimate | Mapping[str, Estimate]]


@dataclass(frozen=True)
class SurveyResults:
    """A survey's results as the reader may see them."""

    survey: str
    minimum: int
    waves: tuple[str, ...]
    measures: tuple[MeasureInfo, ...]
    communities: tuple[CommunityResult, ...]
    areas: tuple[AreaResult, ...] = ()
    """The same figures for each area (the communities' admin area), from all its respondents of the wave."""


@dataclass(frozen=True)
class AreaResult:
    """One area's figures in one wave, pooled over its communities' respondents (withheld below the minimum)."""

    pcode: str
    wave: str
    figures: Mapping[str, Estimate | Mapping[str, Estimate]]


def _figures(members: Sequence[Any], measures: Sequence[MeasureInfo], minimum: int) -> dict[str, Any]:
    """Each measure's estimate (or per-choice estimates) over ``members``' answers with their weights."""
    weights = [member.weight for member in members]
    answers = [json.loads(member.answers) for member in members]
    figures: dict[str, Any] = {}
    for measure in measures:
        if measure.per_choice:
            values = [None if a.get(measure.id) is None else frozenset(a[measure.id]) for a in answers]
            figures[measure.id] = estimate_choices(values, weights, choices=measure.choices, minimum=minimum)
        else:
            figures[measure.id] = estimate_share(
                [a.get(measure.id) for a in answers], weights, minimum=minimum
            )
    return figures


def survey_results(engine: Engine, user: User, survey: str, *, wave: str | None = None) -> SurveyResults:
    """The survey's figures per community and wave for the communities ``user`` may see, suppressed where too few
    answered or where a withheld figure could be worked out from the rest of its area."""
    with engine.connect() as conn:
        return results_in(conn, user, survey, wave=wave)


def results_in(conn: Connection, user: User, survey: str, *, wave: str | None = None) -> SurveyResults:
    """:func:`survey_results` on an open connection."""
    stored = conn.execute(select(tables.surveys).where(tables.surveys.c.name == survey)).first()
    if stored is None:
        raise NotFound(Message(N_("no survey named '{survey}'"), survey=survey))
    query = (
        select(tables.survey_responses.c.community_id, tables.survey_responses.c.wave,
               tables.survey_responses.c.weight, tables.survey_responses.c.answers,
               tables.communities.c.name, tables.communities.c.pcode)
        .join(tables.communities, tables.communities.c.community_id == tables.survey_responses.c.community_id)
        .where(tables.survey_responses.c.survey_id == stored.survey_id)
    )  # fmt: skip
    if wave is not None:
        query = query.where(tables.survey_responses.c.wave == wave)
    rows = [row for row in conn.execute(query) if in_area(user, pcode=row.pcode, field_office=None)]
    measures = tuple(
        MeasureInfo(m["id"], m["per_choice"], m.get("labels", {}), m.get("choices", {})) for m in json.loads(stored.measures)
    )  # fmt: skip
    groups: dict[tuple[str, str], list[Any]] = defaultdict(list)
    places: dict[str, tuple[str, str | None]] = {}
    for row in rows:
        groups[(row.community_id, row.wave)].append(row)
        places[row.community_id] = (row.name, row.pcode)
    figures = {key: _figures(members, measures, stored.minimum) for key, members in groups.items()}
    _suppress_within_areas(figures, places, measures, stored.minimum)
    pooled: dict[tuple[str, str], list[Any]] = defaultdict(list)
    for row in rows:
        if row.pcode:
            pooled[(row.pcode, row.wave)].append(row)
    areas = tuple(
        AreaResult(pcode, w, _figures(pooled[(pcode, w)], measures, stored.minimum))
        for pcode, w in sorted(pooled)
    )
    waves = tuple(sorted({w for _, w in groups}))
    communities = tuple(
        CommunityResult(
            community_id, places[community_id][0], places[community_id][1], w, figures[(community_id, w)]
        )
        for community_id, w in sorted(groups, key=lambda k: (places[k[0]][1] or "", places[k[0]][0], k[1]))
    )
    return SurveyResults(stored.name, stored.minimum, waves, measures, communities, areas)


def _suppress_within_areas(
    figures: dict[tuple[str, str], dict[str, Any]],
    places: Mapping[str, tuple[str, str | None]],
    measures: tuple[MeasureInfo, ...],
    minimum: int,
) -> None:
    """Complementary suppression: in each area, wave and measure (and choice), never one withheld community
    figure beside shown ones, since the area's figure minus the others would reveal it."""
    for measure in measures:
        cells: dict[tuple[str | None, str, str], dict[str, Estimate]] = defaultdict(dict)
        for (community_id, wave), by_measure in figures.items():
            area = places[community_id][1]
            value = by_measure[measure.id]
            if isinstance(value, Estimate):
                cells[(area, wave, "")][community_id] = value
            else:
                for choice, estimate in value.items():
                    cells[(area, wave, choice)][community_id] = estimate
        for (_area, wave, choice), done in complementary_suppression(cells, minimum).items():
            for community_id, estimate in done.items():
                if choice:
                    figures[(community_id, wave)][measure.id][choice] = estimate
                else:
                    figures[(community_id, wave)][measure.id] = estimate


def safety_measure(measures: tuple[MeasureInfo, ...], wanted: str | None) -> MeasureInfo:
    """The measure that says whether people feel safe: the one named, else the first whose id starts 'feels_safe'."""
    for measure in measures:
        if (wanted is not None and measure.id == wanted) or (
            wanted is None and measure.id.startswith("feels_safe")
        ):
            if measure.per_choice:
                break
            return measure
    raise InvalidInput(
        Message(
            N_("the survey has no yes/no measure of feeling safe{named}: name one with --measure"),
            named=Message(N_(" called '{measure}'"), measure=wanted) if wanted else "",
        )
    )  # fmt: skip


SYSTEM_READER = User(0, "pochub", Role.ADMIN)
"""Who reads survey figures for the mission's own computations (weights, the threat matrix): mission-wide, and
suppression still applies."""


def latest_survey(conn: Connection, survey: str | None = None) -> str | None:
    """The survey named (None when there is none by that name), else the latest imported (None without any)."""
    query = select(tables.surveys.c.name)
    query = (
        query.where(tables.surveys.c.name == survey)
        if survey
        else query.order_by(tables.surveys.c.survey_id.desc())
    )
    name: str | None = conn.execute(query.limit(1)).scalar()
    return name


def trust_measures(measures: Sequence[MeasureInfo]) -> dict[str, MeasureInfo]:
    """The yes/no measures of trust in the state's forces a survey maps, by force: an id such as ``trusts_police``,
    ``trust_police_night`` or ``trusts_army`` (the first of each force)."""
    found: dict[str, MeasureInfo] = {}
    for measure in measures:
        name = measure.id.lower()
        for prefix in ("trusts_", "trust_"):
            if measure.per_choice or not name.startswith(prefix):
                continue
            force = next((f for f in TRUSTED_FORCES if name[len(prefix) :].startswith(f)), None)
            if force is not None:
                found.setdefault(force, measure)
    return found


@dataclass(frozen=True)
class AreaFigures:
    """The latest wave of the latest perception survey, per area (the communities' P-code): the published share
    who do not feel safe, and who trust each of the state's forces the survey asks about. A withheld figure is not
    here at all."""

    survey: str
    wave: str
    unsafe: Mapping[str, SurveyFigure]
    trust: Mapping[str, Mapping[str, SurveyFigure]]
    """Area -> force ("police", "army") -> the share who trust it."""


def _published(estimate: object) -> bool:
    return isinstance(estimate, Estimate) and not estimate.suppressed and estimate.share is not None


def published_area_figures(conn: Connection) -> AreaFigures | None:
    """What the latest wave of the latest survey publishes per area (see :class:`AreaFigures`); None without a
    survey or answers. A survey with no measure of feeling safe gives trust only, and the reverse."""
    name = latest_survey(conn)
    if name is None:
        return None
    waves = conn.execute(
        select(tables.survey_responses.c.wave)
        .join(tables.surveys, tables.surveys.c.survey_id == tables.survey_responses.c.survey_id)
        .where(tables.surveys.c.name == name).distinct()
    ).scalars().all()  # fmt: skip
    if not waves:
        return None
    wave = max(waves)
    results = results_in(conn, SYSTEM_READER, name, wave=wave)
    try:
        safety: MeasureInfo | None = safety_measure(results.measures, None)
    except InvalidInput:
        safety = None
    forces = trust_measures(results.measures)
    unsafe: dict[str, SurveyFigure] = {}
    trust: dict[str, dict[str, SurveyFigure]] = defaultdict(dict)
    for area in results.areas:
        if safety is not None:
            said = area.figures.get(safety.id)
            if isinstance(said, Estimate) and _published(said) and said.share is not None:
                unsafe[area.pcode] = SurveyFigure(name, wave, 1.0 - said.share, said.respondents)
        for force, measure in forces.items():
            said = area.figures.get(measure.id)
            if isinstance(said, Estimate) and _published(said) and said.share is not None:
                trust[area.pcode][force] = SurveyFigure(name, wave, said.share, said.respondents)
    return AreaFigures(name, wave, unsafe, dict(trust))

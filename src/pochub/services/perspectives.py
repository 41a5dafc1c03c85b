"""Local perspectives use cases: import a perception survey, and read its results per community and wave.

The import keeps a respondent's community, wave, weight and mapped answers, never who they are, and writes
nothing unless every row is good. Results are computed for the communities the reader may see (their area), with
intervals, and no figure from fewer respondents than the survey's minimum: a community's figure is also withheld
when its area's other figures would give a withheld one away (complementary suppression within each area, wave
and measure).
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl
from numpy.typing import NDArray
from sqlalchemy import Connection, Engine, delete, func, insert, select

from pochub.core.geography.areas import AreaIndex
from pochub.core.models.access import User, covers_pcode
from pochub.core.models.places import Community
from pochub.core.perspectives.divergence import AreaReading, DivergentArea, divergent_areas
from pochub.core.perspectives.perceived import PerceivedRisk, perceived_shares
from pochub.core.perspectives.surveys import (
    Estimate,
    estimate_share,
)
from pochub.core.text import N_, Message
from pochub.errors import InvalidInput, InvalidRows, NotFound, RowError
from pochub.ingest.kobo_survey import Form, Measure, SurveyImport, read_survey
from pochub.services.survey_figures import (
    SYSTEM_READER,
    AreaResult,
    CommunityResult,
    MeasureInfo,
    SurveyResults,
    latest_survey,
    safety_measure,
    survey_results,
)
from pochub.services.threats import area_contexts, evidence_frame
from pochub.store import repositories, tables

__all__ = [
    "SYSTEM_READER", "AreaResult", "CommunityResult", "MeasureInfo", "SurveyResults", "SurveySummary", "divergence",
    "import_survey", "list_surveys", "perceived_points", "perceived_risk", "perceived_risk_of", "safety_measure", "survey_results",
]  # fmt: skip


@dataclass(frozen=True)
class SurveySummary:
    """What a survey import stored."""

    survey: str
    respondents: int
    waves: tuple[str, ...]
    communities: int
    measures: tuple[str, ...]
    replaced: int = 0


def _measure_document(measure: Measure, form: Form | None) -> dict[str, Any]:
    """A measure with its labels: the mapping's, else the XLSForm question's; and its choices' labels."""
    labels = dict(measure.labels)
    choices: dict[str, dict[str, str]] = {}
    if form is not None:
        wanted = measure.question.replace(".", "/").replace(":", "/").split("/")
        for path, question in form.questions.items():
            if path.split("/")[-len(wanted) :] == wanted:
                labels = {**question.labels, **labels}
                if question.choices:
                    choices = {
                        code: dict(names) for code, names in form.choices.get(question.choices, {}).items()
                    }
                break
    return {"id": measure.id, "per_choice": measure.per_choice, "labels": labels, "choices": choices}


def _community_ids(conn: Connection) -> tuple[set[str], dict[str, str]]:
    """The mission's community ids, and the id of each name that only one community has (case-insensitive)."""
    ids: set[str] = set()
    by_name: dict[str, list[str]] = defaultdict(list)
    for community_id, name in conn.execute(
        select(tables.communities.c.community_id, tables.communities.c.name)
    ):
        ids.add(community_id)
        by_name[name.strip().lower()].append(community_id)
    return ids, {name: found[0] for name, found in by_name.items() if len(found) == 1}


def import_survey(
    engine: Engine,
    export: Path,
    mapping: Path,
    form: Path | None = None,
    *,
    replace: bool = False,
    now: datetime | None = None,
) -> SurveySummary:
    """Import a KoBo/ODK export through its mapping: all rows or none. A wave already stored is refused unless
    ``replace`` (then its answers are replaced); a survey keeps the measures it was first imported with."""
    read: SurveyImport = read_survey(export, mapping, form)
    measures = [_measure_document(m, read.form) for m in read.mapping.measures]
    waves = tuple(sorted({r.wave for r in read.respondents}))
    with engine.begin() as conn:
        ids, by_name = _community_ids(conn)
        errors = []
        rows = []
        for respondent in read.respondents:
            community = (
                respondent.community
                if respondent.community in ids
                else by_name.get(respondent.community.lower())
            )
            if community is None:
                errors.append(
                    RowError(str(export), respondent.line, read.mapping.community, respondent.community,
                             "no community of the mission has this id or name (import the communities first)")
                )  # fmt: skip
                continue
            answers = {k: sorted(v) if isinstance(v, frozenset) else v for k, v in respondent.answers.items()}
            rows.append({"community_id": community, "wave": respondent.wave, "weight": respondent.weight,
                         "answers": json.dumps(answers, sort_keys=True)})  # fmt: skip
        if errors:
            raise InvalidRows(errors, len(errors), file=str(export))
        stored = conn.execute(
            select(tables.surveys.c.survey_id, tables.surveys.c.measures).where(
                tables.surveys.c.name == read.mapping.survey
            )
        ).first()
        replaced = 0
        source = f"{export.name} ({mapping.name})"
        if stored is None:
            survey_id = conn.execute(
                insert(tables.surveys).values(
                    name=read.mapping.survey,
                    minimum=read.mapping.minimum,
                    measures=json.dumps(measures),
                    source=source,
                    imported_at=now or datetime.now(UTC),
                )
            ).inserted_primary_key[0]  # type: ignore[index]
        else:
            survey_id = stored.survey_id
            before = sorted(m["id"] for m in json.loads(stored.measures))
            if before != sorted(m["id"] for m in measures):
                raise InvalidInput(
                    Message(
                        N_("{file}: the survey '{survey}' measures {before}; this mapping measures {after}"),
                        file=str(mapping), survey=read.mapping.survey, before=", ".join(before),
                        after=", ".join(sorted(m["id"] for m in measures)),
                    )
                )  # fmt: skip
            present = {
                w for (w,) in conn.execute(
                    select(tables.survey_responses.c.wave).distinct().where(
                        tables.survey_responses.c.survey_id == survey_id, tables.survey_responses.c.wave.in_(waves)
                    )
                )
            }  # fmt: skip
            if present and not replace:
                raise InvalidInput(
                    Message(
                        N_("{file}: the survey '{survey}' already holds wave {waves}: import it again with --replace to replace it"),
                        file=str(export), survey=read.mapping.survey, waves=", ".join(sorted(present)),
                    )
                )  # fmt: skip
            replaced = conn.execute(
                delete(tables.survey_responses).where(
                    tables.survey_responses.c.survey_id == survey_id,
                    tables.survey_responses.c.wave.in_(present),
                )
            ).rowcount
            conn.execute(
                tables.surveys.update()
                .where(tables.surveys.c.survey_id == survey_id)
                .values(minimum=read.mapping.minimum, measures=json.dumps(measures), source=source,
                        imported_at=now or datetime.now(UTC))
            )  # fmt: skip
        if rows:
            conn.execute(insert(tables.survey_responses), [{**row, "survey_id": survey_id} for row in rows])
    return SurveySummary(
        read.mapping.survey, len(rows), waves, len({r["community_id"] for r in rows}),
        tuple(m["id"] for m in measures), replaced,
    )  # fmt: skip


def list_surveys(engine: Engine) -> list[tuple[str, int, tuple[str, ...]]]:
    """Every survey: its name, respondents and waves."""
    with engine.connect() as conn:
        surveys = conn.execute(
            select(tables.surveys.c.survey_id, tables.surveys.c.name).order_by(tables.surveys.c.name)
        )
        result = []
        for survey_id, name in surveys.all():
            answers = conn.execute(
                select(tables.survey_responses.c.wave).where(tables.survey_responses.c.survey_id == survey_id)
            ).scalars().all()  # fmt: skip
            result.append((name, len(answers), tuple(sorted(set(answers)))))
    return result


def divergence(
    engine: Engine,
    user: User,
    *,
    level: int = 2,
    survey: str | None = None,
    measure: str | None = None,
    days: int = 365,
    as_of: date | None = None,
) -> list[DivergentArea]:
    """Areas of the user's reach where what communities say (the survey's latest wave: the share who do not feel
    safe; concerns raised in engagements) and recorded violence against civilians (events and victims of the last
    ``days``) disagree, with the evidence of each."""

    if level not in (1, 2):
        raise InvalidInput(
            Message(N_("the areas compared are of admin level 1 or 2, not {level}"), level=level)
        )
    with engine.connect() as conn:
        last = as_of or datetime.now(UTC).date()
        first = last - timedelta(days=days)
        contexts = area_contexts(conn, level)
        areas = repositories.load_admin_areas(conn, level)
        communities = repositories.load_communities(conn)
        events = evidence_frame(conn, level, first, last)
        concerns = conn.execute(
            select(tables.engagements.c.community_id, tables.engagements.c.concerns).where(
                tables.engagements.c.held_on >= datetime.combine(first, datetime.min.time(), tzinfo=UTC)
            )
        ).all()
        stored = None
        if (
            survey is not None
            or conn.execute(select(tables.surveys.c.survey_id).limit(1)).first() is not None
        ):
            query = select(tables.surveys)
            query = (
                query.where(tables.surveys.c.name == survey)
                if survey
                else query.order_by(tables.surveys.c.survey_id.desc())
            )
            stored = conn.execute(query.limit(1)).first()
            if stored is None:
                raise NotFound(Message(N_("no survey named '{survey}'"), survey=survey))
        answers: Sequence[Any] = []
        if stored is not None:
            latest = conn.execute(
                select(func.max(tables.survey_responses.c.wave)).where(tables.survey_responses.c.survey_id == stored.survey_id)
            ).scalar_one()  # fmt: skip
            answers = conn.execute(
                select(tables.survey_responses.c.community_id, tables.survey_responses.c.weight,
                       tables.survey_responses.c.answers)
                .where(tables.survey_responses.c.survey_id == stored.survey_id, tables.survey_responses.c.wave == latest)
            ).all()  # fmt: skip
    if not areas:
        raise InvalidInput(
            Message(N_("no boundaries of admin level {level}: import them first"), level=level)
        )
    index = AreaIndex.build(areas, level)
    codes, _ = index.locate(
        np.array([c.latitude for c in communities]), np.array([c.longitude for c in communities])
    )
    area_of = {c.community_id: code for c, code in zip(communities, codes, strict=True)}
    unsafe: dict[str, list[tuple[bool | None, float]]] = defaultdict(list)
    if stored is not None:
        info = safety_measure(
            tuple(
                MeasureInfo(m["id"], m["per_choice"], m.get("labels", {}), {})
                for m in json.loads(stored.measures)
            ),
            measure,
        )
        for row in answers:
            said = json.loads(row.answers).get(info.id)
            unsafe[area_of.get(row.community_id) or ""].append(
                (None if said is None else not said, row.weight)
            )
    raised: dict[str, int] = defaultdict(int)
    for row in concerns:
        raised[area_of.get(row.community_id) or ""] += len(json.loads(row.concerns))
    against_civilians = events.filter(pl.col("threat_type").is_not_null())
    harm = {
        r["area_pcode"]: (int(r["events"]), int(r["victims"]))
        for r in against_civilians.group_by("area_pcode")
        .agg(pl.len().alias("events"), pl.col("civilian_fatalities").sum().alias("victims"))
        .iter_rows(named=True)
    }
    minimum = stored.minimum if stored is not None else 1
    readings = []
    for area in areas:
        if not covers_pcode(user.area_pcodes, area.pcode) and not user.mission_wide:
            continue
        rows = unsafe.get(area.pcode, [])
        estimate = (
            estimate_share([a for a, _ in rows], [w for _, w in rows], minimum=minimum) if rows else None
        )
        shown = estimate is not None and not estimate.suppressed
        count, victims = harm.get(area.pcode, (0, 0))
        context = contexts.get(area.pcode)
        readings.append(
            AreaReading(
                area.pcode, area.name,
                estimate.share if shown and estimate else None, estimate.low if shown and estimate else None,
                estimate.high if shown and estimate else None, estimate.respondents if shown and estimate else 0,
                raised.get(area.pcode, 0), count, victims, context.population if context else None,
            )
        )  # fmt: skip
    return divergent_areas(readings)


def perceived_risk(
    engine: Engine, communities: Sequence[Community], *, survey: str | None = None
) -> NDArray[np.float64]:
    """Each community's perceived risk, 1 (everyone feels safe) to 5 (nobody does): see :func:`perceived_risk_of`."""
    return perceived_risk_of(engine, communities, survey=survey).scores


def perceived_risk_of(
    engine: Engine, communities: Sequence[Community], *, survey: str | None = None
) -> PerceivedRisk:
    """Each community's share feeling unsafe, from the latest wave of the survey (default: the latest imported),
    with where it comes from: the community's own figure where it is published, else the mean of the published
    figures of its area, else of the mission. A withheld figure is never used, so a weight (or a plan's reason)
    can never give away what the results withhold. No survey: refused with what to do."""
    with engine.connect() as conn:
        name = latest_survey(conn, survey)
    if name is None:
        raise InvalidInput(
            N_(
                "no perception survey imported: import one (pochub surveys import), or weigh by population or risk"
            )
        )
    everything = survey_results(engine, SYSTEM_READER, name)
    latest = everything.waves[-1] if everything.waves else ""
    measure = safety_measure(everything.measures, None)
    published: dict[str, float] = {}
    area_of: dict[str, str | None] = {c.community_id: c.pcode for c in communities}
    for result in everything.communities:
        figure = result.figures.get(measure.id)
        if (
            result.wave == latest
            and isinstance(figure, Estimate)
            and not figure.suppressed
            and figure.share is not None
        ):
            published[result.community_id] = 1.0 - figure.share
            area_of[result.community_id] = result.pcode
    return perceived_shares(published, area_of, [c.community_id for c in communities], name, latest)


def perceived_points(engine: Engine, user: User) -> list[dict[str, Any]]:
    """The latest perception wave's published figures of feeling unsafe, one point per community of the reader's
    area, for the map (withheld figures are not drawn: a point must not give away what the results withhold)."""
    with engine.connect() as conn:
        name = conn.execute(
            select(tables.surveys.c.name).order_by(tables.surveys.c.survey_id.desc()).limit(1)
        ).scalar()
        if name is None:
            return []
        places = {
            r.community_id: (r.latitude, r.longitude)
            for r in conn.execute(
                select(tables.communities.c.community_id, tables.communities.c.latitude, tables.communities.c.longitude)
            )
        }  # fmt: skip
    results = survey_results(engine, user, name)
    if not results.waves:
        return []
    latest = results.waves[-1]
    measure = safety_measure(results.measures, None)
    points = []
    for result in results.communities:
        figure = result.figures.get(measure.id)
        if (
            result.wave != latest
            or not isinstance(figure, Estimate)
            or figure.suppressed
            or figure.share is None
        ):
            continue
        latitude, longitude = places[result.community_id]
        points.append({
            "community_id": result.community_id, "name": result.community, "pcode": result.pcode,
            "latitude": latitude, "longitude": longitude, "survey": results.survey, "wave": latest,
            "unsafe": 1.0 - figure.share, "low": 1.0 - (figure.high or 0.0), "high": 1.0 - (figure.low or 0.0),
            "respondents": figure.respondents,
        })  # fmt: skip
    return points

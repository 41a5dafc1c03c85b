"""What communities say changes the mission's decisions, each changed row saying why (issue 16, "done when"), on the
demo mission with its local perspectives (both backends): a new wave of the demo's perception survey in which the
people of the most violent area go from feeling safe to not feeling safe changes

- the threat matrix's rows for that area (vulnerability, with the survey, wave, share and respondents as the factor),
- the divergence list (recorded violence that people no longer deny is no longer "unheard"),
- a plan weighed by perceived risk (the site chosen, with the basis of its weights on its row);

replacing the wave's answers changes them back. A profile's change is tested in test_matrix_perspectives."""

from __future__ import annotations

import csv
import json
import zipfile
from datetime import UTC, date, datetime
from pathlib import Path

import numpy as np
import polars as pl
from sqlalchemy import Engine, select

from pochub.core.geography.areas import AreaIndex
from pochub.core.models.access import Role, User
from pochub.core.models.places import Community
from pochub.core.perspectives.divergence import Divergence
from pochub.core.perspectives.perceived import basis_reason
from pochub.documents import threat_matrix as matrix_document
from pochub.i18n import localise
from pochub.services import perspectives
from pochub.services.allocation import allocate, coverage
from pochub.services.demo_perspectives import create_demo_perspectives
from pochub.services.threats import area_contexts, assess, evidence_frame
from pochub.store import repositories, tables
from tests.conftest import CliRunner

ADVISER = User(1, "adviser", Role.POC_ADVISER)
SURVEY = "Perception survey"  # the demo's survey: new waves with the same measures
STANDARD = 10 / 60  # a site reaches little more than its own community
MAPPING = (
    f"survey: {SURVEY}\ncommunity: community\nwave: wave\nminimum: 10\nmeasures:\n"
    "  feels_safe_night: {question: safe_night, yes: [yes]}\n"
    "  feels_safe_fields: {question: safe_fields, yes: [yes]}\n"
    "  trusts_mission: {question: trust_mission, yes: [high, some]}\n"
    "  would_alert: {question: whom}\n"
)


def _wave(folder: Path, wave: str, communities: list[Community], area_of: dict[str, str | None],
          unsafe: dict[str | None, float]) -> Path:  # fmt: skip
    """A wave of 12 respondents per community, the share of its area in ``unsafe`` (else 40 %) saying no."""
    export = folder / f"{wave}.csv"
    with export.open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["community", "wave", "safe_night", "safe_fields", "trust_mission", "whom"])
        for community in communities:
            share = unsafe.get(area_of[community.community_id], 0.4)
            for i in range(12):
                said = "no" if i < round(12 * share) else "yes"
                writer.writerow([community.community_id, wave, said, said, "some", "chief"])
    return export


def test_survey_results_change_the_matrix_the_divergence_list_and_a_plan(
    demo_engine: Engine, tmp_path: Path, cli: CliRunner
) -> None:
    create_demo_perspectives(demo_engine, seed=1, now=datetime(2026, 11, 20, 12, tzinfo=UTC))
    with demo_engine.connect() as conn:
        areas = repositories.load_admin_areas(conn, 2)
        communities = repositories.load_communities(conn)
        last = conn.execute(
            select(tables.events.c.event_date).order_by(tables.events.c.event_date.desc())
        ).scalar()
        assert isinstance(last, date)
        events = evidence_frame(conn, 2, date(2000, 1, 1), last)
        people = {pcode: context.population for pcode, context in area_contexts(conn, 2).items()}
    codes, _ = AreaIndex.build(areas, 2).locate(
        np.array([c.latitude for c in communities]), np.array([c.longitude for c in communities])
    )
    area_of = {c.community_id: code for c, code in zip(communities, codes, strict=True)}
    harm = {r["area_pcode"]: r["events"] + r["victims"] for r in events.filter(pl.col("threat_type").is_not_null())
            .group_by("area_pcode").agg(pl.len().alias("events"), pl.col("civilian_fatalities").sum().alias("victims"))
            .iter_rows(named=True)}  # fmt: skip
    # the area with the most recorded violence per person among those the matrix has rows for
    rowed = {r.area_pcode for r in assess(demo_engine, level=2).records}
    violent = max((a for a in set(area_of.values()) if a in rowed),
                  key=lambda a: harm.get(a, 0) * 10_000 / (people.get(a) or 1))  # fmt: skip
    # two places beyond the standard today, in two other areas: the plan chooses between them
    today = coverage(demo_engine, standards=(STANDARD,))
    beyond = [c for c, covered in zip(today.communities, today.result.covered(STANDARD), strict=True)
              if not covered and area_of[c.community_id] not in (violent, None)]  # fmt: skip
    first = max(beyond, key=lambda c: c.population or 0)
    second = min((c for c in beyond if area_of[c.community_id] != area_of[first.community_id]),
                 key=lambda c: abs(np.log((c.population or 1) / (first.population or 1))))  # fmt: skip
    here, there = area_of[first.community_id], area_of[second.community_id]
    candidates = tmp_path / "candidates.csv"
    candidates.write_text(
        "id,name,lat,lon\n"
        + "".join(f"{c.community_id},{c.name},{c.latitude},{c.longitude}\n" for c in (first, second)),
        encoding="utf-8",
    )
    mapping = tmp_path / "mapping.yaml"
    mapping.write_text(MAPPING, encoding="utf-8")

    def after(wave: str, unsafe: dict[str | None, float], *, replace: bool = False) -> tuple:  # type: ignore[type-arg]
        export = _wave(tmp_path, wave, communities, area_of, unsafe)
        perspectives.import_survey(demo_engine, export, mapping, replace=replace)
        matrix = assess(demo_engine, level=2)
        flagged = perspectives.divergence(demo_engine, ADVISER, level=2, as_of=last, days=3650)
        plan = allocate(demo_engine, "mclp", p=1, standard_hours=STANDARD, weight="perceived-risk",
                        candidates_file=candidates, time_limit=30)  # fmt: skip
        return [r for r in matrix.records if r.area_pcode == violent], flagged, plan

    # wave 1: the people of the violent area say they feel safe; the plan's second place is where people don't
    calm_rows, calm_flags, calm_plan = after("2099-1", {violent: 0.0, here: 0.0, there: 1.0})
    assert calm_rows
    assert all("0% of 12 respondents do not feel safe (Perception survey, wave 2099-1)" in
               [str(f) for f in r.vulnerability_factors] for r in calm_rows)  # fmt: skip
    unheard = {a.pcode: a for a in calm_flags if a.kind is Divergence.UNHEARD}
    assert violent in unheard, [(a.pcode, a.kind) for a in calm_flags]
    assert "0% say they do not feel safe" in " ".join(str(e) for e in unheard[violent].evidence)
    [calm_site] = calm_plan.sites
    assert calm_site["id"] == second.community_id

    # wave 2: they now say they do not feel safe, and so do the people around the first place
    tense_rows, tense_flags, tense_plan = after("2099-2", {violent: 1.0, here: 1.0, there: 0.0})
    by_key = {r.key: r for r in calm_rows}
    for row in tense_rows:
        before = by_key[row.key]
        assert row.vulnerability is not None and before.vulnerability is not None
        assert row.vulnerability > before.vulnerability and row.risk >= before.risk
        assert "100% of 12 respondents do not feel safe (Perception survey, wave 2099-2)" in [
            str(f) for f in row.vulnerability_factors
        ]
    assert violent not in {a.pcode for a in tense_flags if a.kind is Divergence.UNHEARD}
    [tense_site] = tense_plan.sites
    assert tense_site["id"] == first.community_id  # the plan follows what people say
    basis = tense_site["perceived_risk"]
    assert basis["wave"] == "2099-2" and basis["own"] >= 1 and basis["unsafe"] == 1.0
    why = str(basis_reason(basis))
    assert (
        "weighted by perceived risk, for" in why
        and "100% do not feel safe (Perception survey, wave 2099-2)" in why
    )
    french = localise(basis_reason(basis), "fr")
    assert "pondéré par le risque perçu" in french and "vague 2099-2" in french
    assert calm_plan.sites[0]["perceived_risk"]["unsafe"] == 1.0  # the first wave's choice said why too

    # the second wave's answers replaced: its rows say so, and the area is calm again
    again_rows, _, again_plan = after("2099-2", {violent: 0.0, here: 0.0, there: 1.0}, replace=True)
    assert {r.key: r.vulnerability for r in again_rows} == {r.key: r.vulnerability for r in calm_rows}
    assert all("0% of 12 respondents do not feel safe (Perception survey, wave 2099-2)" in
               [str(f) for f in r.vulnerability_factors] for r in again_rows)  # fmt: skip
    assert again_plan.sites[0]["id"] == second.community_id

    # the command says it too, in the reader's language
    url = demo_engine.url.render_as_string(hide_password=False)
    command = ("--database", url, "allocate", "mclp", "--p", "1", "--standard", "10m", "--weight", "perceived-risk",
               "--candidates", str(candidates), "--time-limit", "30")  # fmt: skip
    shown = cli(*command, "--format", "json", "--language", "fr")
    assert shown.code == 0, shown.err
    [row] = json.loads(shown.out)["sites"]
    assert row["id"] == second.community_id and row["perceived_risk"]["wave"] == "2099-2"
    assert (
        row["weighted_by"].startswith("pondéré par le risque perçu, pour")
        and "vague 2099-2" in row["weighted_by"]
    )
    table = cli(*command)
    assert table.code == 0 and "why (weights)" in table.out and "weighted by" in table.out

    # the matrix's documents print the reasons, in French too
    matrix = assess(demo_engine, level=2)
    page = matrix_document.render_html(matrix, {}, None, "fr")
    assert "0% des 12 répondants ne se sentent pas en sécurité (Perception survey, vague 2099-2)" in page
    sheet = tmp_path / "matrix.xlsx"
    matrix_document.write_xlsx(matrix, {}, sheet, "en")
    with zipfile.ZipFile(sheet) as archive:
        strings = archive.read("xl/sharedStrings.xml").decode()
    assert "why this vulnerability" in strings
    assert "0% of 12 respondents do not feel safe (Perception survey, wave 2099-2)" in strings

    # a survey that asks about trust in the police: other actors' capacity follows it, and says why
    police = tmp_path / "police.csv"
    with police.open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["community", "wave", "safe", "police"])
        for community in communities:
            trusted = area_of[community.community_id] == violent
            writer.writerows(
                [community.community_id, "1", "yes", "yes" if trusted else "no"] for _ in range(12)
            )
    (tmp_path / "police.yaml").write_text(
        "survey: Police survey\ncommunity: community\nwave: wave\nminimum: 10\nmeasures:\n"
        "  feels_safe: {question: safe, yes: [yes]}\n  trusts_police: {question: police, yes: [yes]}\n",
        encoding="utf-8",
    )
    perspectives.import_survey(demo_engine, police, tmp_path / "police.yaml")
    before = {r.key: r.other_actors_capacity for r in again_rows}
    for row in assess(demo_engine, level=2).records:
        if row.area_pcode == violent:
            assert row.other_actors_capacity is not None and row.other_actors_capacity > (
                before[row.key] or 3.0
            )
            assert "100% of 12 respondents trust the police (Police survey, wave 1)" in [
                str(f) for f in row.capacity_factors
            ]

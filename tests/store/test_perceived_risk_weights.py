"""Coverage and allocation weighed by the risk people perceive (demo mission, both backends): a new survey wave
in which a community says it feels unsafe raises its weight; a community whose figure is withheld weighs with its
area's or the mission's figure, never its own, and says which; no survey is a clear refusal; blend lies between."""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np
import pytest
from sqlalchemy import Engine

from pochub.core.perspectives.perceived import Basis
from pochub.errors import InvalidInput
from pochub.services import perspectives
from pochub.services.allocation import coverage, demand_weights
from pochub.store import repositories


def _wave(tmp: Path, name: str, answers: dict[str, tuple[int, float]], wave: str) -> tuple[Path, Path]:
    export = tmp / f"{wave}.csv"
    with export.open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["community", "wave", "safe"])
        for community, (n, unsafe) in answers.items():
            for i in range(n):
                writer.writerow([community, wave, "no" if i < round(n * unsafe) else "yes"])
    mapping = tmp / "mapping.yaml"
    mapping.write_text(
        f"survey: {name}\ncommunity: community\nwave: wave\nmeasures:\n  feels_safe: {{question: safe, yes: [yes]}}\n"
    )
    return export, mapping


def test_perceived_risk_weights(demo_engine: Engine, tmp_path: Path) -> None:
    with demo_engine.connect() as conn:
        communities = repositories.load_communities(conn)
    by_area: dict[str | None, list[str]] = {}
    for c in communities:
        by_area.setdefault(c.pcode, []).append(c.community_id)
    _area, members = next((a, m) for a, m in by_area.items() if len(m) >= 4)
    calm, tense, tiny, quiet = members[:4]
    survey = "Weights survey"
    if not perspectives.list_surveys(demo_engine):
        with pytest.raises(InvalidInput, match="no perception survey imported"):
            demand_weights(demo_engine, communities, "perceived-risk")
    export, mapping = _wave(
        tmp_path, survey, {calm: (30, 0.1), tense: (40, 0.2), tiny: (4, 1.0), quiet: (12, 0.5)}, "w1"
    )
    perspectives.import_survey(demo_engine, export, mapping)
    population = demand_weights(demo_engine, communities, "population")
    first = demand_weights(demo_engine, communities, "perceived-risk") / population
    index = {c.community_id: i for i, c in enumerate(communities)}
    # 4 respondents all unsafe in `tiny`: withheld, and `quiet` (the next smallest) with it, so that neither can be
    # worked out; both weigh like the figures their area shows (calm and tense), never like their own
    area_figure = (1 + 4 * np.mean([0.1, 0.2])) / 5
    assert first[index[tiny]] == pytest.approx(area_figure) and first[index[quiet]] == pytest.approx(
        area_figure
    )
    # and each says where its figure comes from, never from its own withheld figure
    told = perspectives.perceived_risk_of(demo_engine, communities)
    assert (told.survey, told.wave) == (survey, "w1")
    assert [told.basis[index[c]] for c in (calm, tense, tiny, quiet)] == [
        Basis.OWN,
        Basis.OWN,
        Basis.AREA,
        Basis.AREA,
    ]
    elsewhere = next(c for c in communities if c.pcode != _area)
    assert told.basis[index[elsewhere.community_id]] is Basis.MISSION
    export, mapping = _wave(
        tmp_path, survey, {calm: (30, 0.1), tense: (40, 0.9), tiny: (4, 1.0), quiet: (12, 0.5)}, "w2"
    )
    perspectives.import_survey(demo_engine, export, mapping)
    second = demand_weights(demo_engine, communities, "perceived-risk") / population
    assert second[index[tense]] > first[index[tense]] and second[index[calm]] == pytest.approx(
        first[index[calm]]
    )
    assert second[index[tense]] == pytest.approx((1 + 4 * 0.9) / 5)
    risk = demand_weights(demo_engine, communities, "risk") / population
    blend = demand_weights(demo_engine, communities, "blend") / population
    assert np.allclose(blend, (risk + second) / 2)
    # the coverage run weighs with it: the tense community's share of the total weight grew
    run = coverage(demo_engine, standards=(2.0,), weight="perceived-risk")
    assert run.result.total_weight == pytest.approx(float((second * population).sum()))
    with pytest.raises(InvalidInput, match="population, risk, perceived-risk or blend"):
        demand_weights(demo_engine, communities, "fear")

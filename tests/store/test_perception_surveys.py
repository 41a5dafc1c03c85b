"""Perception surveys stored and read back on both backends: two waves imported, figures per community and wave
with intervals and suppression, a field officer sees only their area, identities are never stored, a bad file
writes nothing, and a wave is not imported twice by accident."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import Engine, insert, select

from pochub.core.models.access import Role, User
from pochub.core.perspectives.surveys import Estimate
from pochub.errors import InvalidInput, InvalidRows, NotFound
from pochub.services import perspectives
from pochub.store import tables
from tests.ingest.test_kobo_survey import HEADER, MAPPING, _rows, _write_csv, _write_form

ADVISER = User(1, "adviser", Role.POC_ADVISER)
OFFICER = User(2, "officer", Role.FIELD_OFFICER, field_office="North", area_pcodes=("CD61",))


@pytest.fixture
def files(tmp_path: Path, engine: Engine) -> dict[str, Path]:
    with engine.begin() as conn:
        conn.execute(
            insert(tables.communities),
            [
                {
                    "community_id": "CD001",
                    "name": "Kanyabayonga",
                    "latitude": -0.7,
                    "longitude": 29.2,
                    "pcode": "CD6101",
                },
                {
                    "community_id": "CD002",
                    "name": "Kirumba",
                    "latitude": -0.6,
                    "longitude": 29.2,
                    "pcode": "CD6101",
                },
                {
                    "community_id": "CD003",
                    "name": "Luofu",
                    "latitude": -0.5,
                    "longitude": 29.1,
                    "pcode": "CD6101",
                },
                {
                    "community_id": "CD004",
                    "name": "Bunia",
                    "latitude": 1.6,
                    "longitude": 30.2,
                    "pcode": "CD5401",
                },
            ],
        )
    mapping = tmp_path / "mapping.yaml"
    mapping.write_text(MAPPING, encoding="utf-8")
    rows = _rows()
    rows += [[*r[:4], "CD004", *r[5:]] for r in rows if r[4] == "CD003"]  # Bunia, in another province
    return {
        "mapping": mapping,
        "form": _write_form(tmp_path / "form.xlsx"),
        "wave1": _write_csv(tmp_path / "wave1.csv", HEADER, [r for r in rows if r[5] == "2026-1"]),
        "wave2": _write_csv(tmp_path / "wave2.csv", HEADER, [r for r in rows if r[5] == "2026-2"]),
        "pair": _write_csv(
            tmp_path / "pair.csv", HEADER, [r for r in rows if r[5] == "2026-1" and r[4] < "CD003"]
        ),
    }


def test_two_waves_give_figures_per_community_with_intervals_and_suppression(
    engine: Engine, files: dict[str, Path]
) -> None:
    first = perspectives.import_survey(engine, files["wave1"], files["mapping"], files["form"])
    second = perspectives.import_survey(engine, files["wave2"], files["mapping"], files["form"])
    assert (first.respondents, first.waves, first.communities) == (58, ("2026-1",), 4)
    assert second.waves == ("2026-2",)
    assert perspectives.list_surveys(engine) == [("Perception survey", 116, ("2026-1", "2026-2"))]
    # nobody's identity is stored: no name, number or uuid anywhere in the answers
    with engine.connect() as conn:
        stored = " ".join(conn.execute(select(tables.survey_responses.c.answers)).scalars())
    assert "Name" not in stored and "+243" not in stored and "uuid" not in stored

    results = perspectives.survey_results(engine, ADVISER, "Perception survey")
    assert results.waves == ("2026-1", "2026-2") and results.minimum == 10
    by = {(c.community_id, c.wave): c for c in results.communities}
    safe = by[("CD001", "2026-1")].figures["feels_safe_night"]
    assert isinstance(safe, Estimate) and not safe.suppressed and safe.low < safe.share < safe.high  # type: ignore[operator]
    later = by[("CD001", "2026-2")].figures["feels_safe_night"]
    assert isinstance(later, Estimate) and later.share > safe.share  # type: ignore[operator]
    # 4 respondents in Kirumba: no figure; and Kanyabayonga, alone beside it in the area, is withheld with it
    small = by[("CD002", "2026-1")].figures["feels_safe_night"]
    assert isinstance(small, Estimate) and small.suppressed and small.share is None
    threats = by[("CD004", "2026-1")].figures["top_threats"]
    assert isinstance(threats, dict) and set(threats) == {"abduction", "looting", "sgbv"}
    measure = next(m for m in results.measures if m.id == "feels_safe_night")
    assert measure.label("fr") == "Se sent en sécurité la nuit"
    top = next(m for m in results.measures if m.id == "top_threats")
    assert (
        top.per_choice
        and top.choices["sgbv"]["fr"] == "Violences sexuelles"
        and top.label("fr") == "Menaces principales"
    )


def test_a_withheld_figure_is_not_given_away_by_its_neighbour(engine: Engine, files: dict[str, Path]) -> None:
    perspectives.import_survey(engine, files["pair"], files["mapping"])
    by = {
        c.community_id: c
        for c in perspectives.survey_results(engine, ADVISER, "Perception survey").communities
    }
    # only CD001 (30) and CD002 (4) answered in area CD6101: showing CD001 beside the area's figure reveals CD002
    kirumba, kanyabayonga = by["CD002"].figures["feels_safe_night"], by["CD001"].figures["feels_safe_night"]
    assert isinstance(kirumba, Estimate) and isinstance(kanyabayonga, Estimate)
    assert kirumba.suppressed and kanyabayonga.suppressed
    assert "cannot be worked out" in str(kanyabayonga.why)


def test_a_field_officer_sees_only_their_area(engine: Engine, files: dict[str, Path]) -> None:
    perspectives.import_survey(engine, files["wave1"], files["mapping"])
    seen = {
        c.community_id for c in perspectives.survey_results(engine, OFFICER, "Perception survey").communities
    }
    assert seen == {"CD001", "CD002", "CD003"}
    with pytest.raises(NotFound):
        perspectives.survey_results(engine, OFFICER, "Another survey")


def test_a_bad_file_writes_nothing_and_a_wave_is_not_imported_twice(
    engine: Engine, files: dict[str, Path], tmp_path: Path
) -> None:
    rows = [r for r in _rows() if r[5] == "2026-1"]
    rows[3][HEADER.index("community")] = "CD999"
    bad = _write_csv(tmp_path / "bad.csv", HEADER, rows)
    with pytest.raises(InvalidRows) as refused:
        perspectives.import_survey(engine, bad, files["mapping"])
    assert [(e.line, e.column, e.value) for e in refused.value.errors] == [(5, "community", "CD999")]
    assert perspectives.list_surveys(engine) == []
    perspectives.import_survey(engine, files["wave1"], files["mapping"])
    with pytest.raises(InvalidInput, match="already holds wave 2026-1"):
        perspectives.import_survey(engine, files["wave1"], files["mapping"])
    again = perspectives.import_survey(engine, files["wave1"], files["mapping"], replace=True)
    assert again.replaced == 58 and perspectives.list_surveys(engine)[0][1] == 58


def test_areas_pool_their_communities_respondents(engine: Engine, files: dict[str, Path]) -> None:
    perspectives.import_survey(engine, files["wave1"], files["mapping"])
    results = perspectives.survey_results(engine, ADVISER, "Perception survey")
    areas = {(a.pcode, a.wave): a for a in results.areas}
    assert set(areas) == {("CD6101", "2026-1"), ("CD5401", "2026-1")}
    pooled = areas[("CD6101", "2026-1")].figures["feels_safe_night"]
    assert isinstance(pooled, Estimate) and not pooled.suppressed  # 46 respondents of CD001-CD003 together
    assert pooled.respondents == sum(
        c.figures["feels_safe_night"].respondents  # type: ignore[union-attr]
        for c in results.communities
        if c.pcode == "CD6101"
    )
    # the officer of CD61 sees the areas of their province only
    assert {a.pcode for a in perspectives.survey_results(engine, OFFICER, "Perception survey").areas} == {
        "CD6101"
    }

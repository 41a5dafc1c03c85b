"""What communities' profiles and concerns give the threat matrix: capacity from organised self-protection and
trust in the police, threats they name; the matrix shows them on its rows and lists those no event shows."""

from __future__ import annotations

from datetime import UTC, date, datetime

import polars as pl
from hypothesis import given
from hypothesis import strategies as st

from pochub.core.models.taxonomy import ThreatType
from pochub.core.perspectives.area_voices import (
    SurveyFigure,
    area_voices,
    capacity_of,
    felt_vulnerability,
    pooled,
    trusted_capacity,
)
from pochub.core.perspectives.profiles import CommunityProfile, NamedThreat, Strategy, Trust
from pochub.core.threats.matrix import AreaContext, build_matrix


def test_capacity_rises_with_organised_protection_and_trusted_police() -> None:
    none, _ = capacity_of([CommunityProfile()])
    watch, _ = capacity_of([CommunityProfile(strategies=frozenset({Strategy.NIGHT_WATCH}))])
    trusted, _ = capacity_of(
        [CommunityProfile(strategies=frozenset({Strategy.NIGHT_WATCH}), trust={"the police": Trust.TRUSTED})]
    )
    paying, _ = capacity_of([CommunityProfile(strategies=frozenset({Strategy.PAYING_PROTECTION}))])
    assert none == 1.0 < paying < watch < trusted
    assert capacity_of([]) == (None, ())
    _, factors = capacity_of([CommunityProfile(strategies=frozenset({Strategy.NIGHT_WATCH}), trust={"the police": Trust.DISTRUSTED}),
                              CommunityProfile()])  # fmt: skip
    assert [str(f) for f in factors] == [
        "1 of 2 profiled communities have organised self-protection",
        "1 distrust the police",
    ]


@given(st.frozensets(st.sampled_from(list(Strategy))), st.sampled_from(list(Strategy)))
def test_adding_a_strategy_never_lowers_capacity(strategies: frozenset[Strategy], extra: Strategy) -> None:
    before, _ = capacity_of([CommunityProfile(strategies=strategies)])
    after, _ = capacity_of([CommunityProfile(strategies=strategies | {extra})])
    assert before is not None and after is not None and after >= before


def _events() -> pl.DataFrame:
    return pl.DataFrame(
        {
            "id": [1, 2], "event_date": [date(2026, 5, 1), date(2026, 5, 3)], "area_pcode": ["A1", "A1"],
            "area_name": ["Area 1", "Area 1"], "threat_type": ["killing", "killing"], "actor1": ["Group X", "Group X"],
            "source_grade": ["B2", "B2"], "civilian_fatalities": [2, 1], "fatalities_best": [2, 1],
            "civilian_targeting": [True, True],
        }
    )  # fmt: skip


def test_the_matrix_shows_what_communities_name_and_what_no_event_shows() -> None:
    voices = area_voices(
        [CommunityProfile(named_threats=(NamedThreat(ThreatType.KILLING, "X"), NamedThreat(ThreatType.ABDUCTION, "Y")),
                          strategies=frozenset({Strategy.NIGHT_WATCH}))],
        concerns=["abduction_forced_disappearance"],
    )  # fmt: skip
    told = AreaContext("A1", "Area 1", 5000, capacity=voices.capacity, capacity_factors=voices.capacity_factors,
                       named_threats=tuple(sorted(voices.named_threats.items())))  # fmt: skip
    matrix = build_matrix(_events(), {"A1": told}, datetime(2026, 5, 10, tzinfo=UTC))
    [row] = matrix.records
    assert row.named_by_communities == 1 and row.other_actors_capacity == voices.capacity
    assert "the area's communities name this threat themselves (1)" in [str(i) for i in row.indicators]
    assert matrix.named_not_recorded == (("A1", "Area 1", "abduction_forced_disappearance", 2),)
    silent = build_matrix(
        _events(), {"A1": AreaContext("A1", "Area 1", 5000)}, datetime(2026, 5, 10, tzinfo=UTC)
    )
    # other actors' capacity lowers impact: the community's night watch changes the row's risk
    assert silent.records[0].other_actors_capacity is None and silent.records[0].risk != row.risk


def _said(share: float, respondents: int = 140) -> SurveyFigure:
    return SurveyFigure("Perception survey", "2026-H2", share, respondents)


shares = st.floats(min_value=0.0, max_value=1.0, allow_nan=False)
scores = st.none() | st.floats(min_value=1.0, max_value=5.0, allow_nan=False)


@given(scores, shares, shares)
def test_vulnerability_never_falls_when_more_people_feel_unsafe(
    base: float | None, first: float, second: float
) -> None:
    low, high = sorted((first, second))
    before, _ = felt_vulnerability(base, _said(low))
    after, _ = felt_vulnerability(base, _said(high))
    assert before is not None and after is not None
    assert 1.0 <= before <= after <= 5.0


@given(scores, shares, shares, shares)
def test_capacity_never_falls_when_more_people_trust_the_forces(
    base: float | None, first: float, second: float, army: float
) -> None:
    low, high = sorted((first, second))
    before, _ = trusted_capacity(base, {"police": _said(low), "army": _said(army)})
    after, _ = trusted_capacity(base, {"police": _said(high), "army": _said(army)})
    assert before is not None and after is not None
    assert 1.0 <= before <= after <= 5.0


def test_the_survey_says_why_with_its_name_wave_share_and_respondents() -> None:
    score, factors = felt_vulnerability(2.0, _said(0.62))
    assert score == round((2.0 + 1 + 4 * 0.62) / 2, 2)
    assert [str(f) for f in factors] == [
        "62% of 140 respondents do not feel safe (Perception survey, wave 2026-H2)"
    ]
    assert felt_vulnerability(None, _said(1.0))[0] == 5.0 and felt_vulnerability(None, _said(0.0))[0] == 1.0
    assert felt_vulnerability(2.5, None) == (2.5, ())  # no published figure: as the communities say
    capacity, why = trusted_capacity(None, {"police": _said(0.25, 80), "mission": _said(1.0)})
    assert capacity == 2.5  # mid-scale, a quarter trusting the police; the mission is no *other* actor
    assert [str(f) for f in why] == [
        "25% of 80 respondents trust the police (Perception survey, wave 2026-H2)"
    ]
    assert trusted_capacity(4.0, {}) == (4.0, ())


def test_an_area_pools_its_parts_published_figures_by_respondents() -> None:
    both = pooled([_said(0.5, 30), _said(0.8, 10)])
    assert both is not None and both.respondents == 40 and both.share == 0.575
    assert pooled([]) is None

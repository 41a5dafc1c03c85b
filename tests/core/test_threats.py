"""Risk scoring and the PoC threat matrix: the invariants doctrine expects (harm weighs, unknowns stay unknown,
each row names its two largest drivers)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import polars as pl
import pytest
from hypothesis import given
from hypothesis import strategies as st

from pochub.core.threats.matrix import (
    AreaContext,
    Override,
    apply_overrides,
    build_matrix,
    validate_override,
)
from pochub.core.threats.responses import Phase, PhaseRules, Tier, phase_for
from pochub.core.threats.risk import (
    DRIVER_FLOORS,
    Harm,
    ImpactFactors,
    RiskSettings,
    band,
    drivers,
    impact,
    impact_of,
    likelihood,
    observed_harm,
    risk_score,
)

SETTINGS = RiskSettings()
scale = st.floats(1, 5)
population = st.integers(0, 5_000_000)


harm_share = st.floats(0, 1)
maybe_scale = st.none() | scale


@given(scale, scale, population, st.integers(0, 5_000_000), harm_share, maybe_scale, maybe_scale)
def test_impact_never_falls_when_severity_or_population_rises(
    s1: float,
    s2: float,
    p1: int,
    p2: int,
    harm: float,
    vulnerability: float | None,
    capacity: float | None,
) -> None:
    low_s, high_s = sorted((s1, s2))
    low_p, high_p = sorted((p1, p2))
    base = impact(low_s, harm, low_p, vulnerability, capacity, SETTINGS)
    assert impact(high_s, harm, low_p, vulnerability, capacity, SETTINGS) >= base
    assert impact(low_s, harm, high_p, vulnerability, capacity, SETTINGS) >= base
    assert 1 <= base <= 5


harms = st.builds(
    Harm,
    st.integers(1, 50),
    st.integers(0, 500),
    st.integers(0, 500),
    st.none() | st.integers(0, 500),
)


@given(harms, harms, scale, scale, st.none() | population, maybe_scale, maybe_scale)
def test_more_harm_never_lowers_risk(
    a: Harm,
    b: Harm,
    severity: float,
    likely: float,
    people: int | None,
    vulnerability: float | None,
    capacity: float | None,
) -> None:
    """Harm b' >= harm a in every count (events, fatalities, civilian fatalities, victims): risk b' >= risk a."""
    more = Harm(
        max(a.events, b.events),
        max(a.fatalities, b.fatalities),
        max(a.civilian_fatalities, b.civilian_fatalities),
        None if a.victims is None and b.victims is None else max(a.victims or 0, b.victims or 0),
    )

    def risk_of(harm: Harm) -> float:
        value = impact(severity, observed_harm(harm, SETTINGS), people, vulnerability, capacity, SETTINGS)
        return risk_score(likely, value)

    assert risk_of(more) >= risk_of(a)


@given(harm_share, scale, scale, st.none() | st.floats(0, 1), maybe_scale, maybe_scale)
def test_the_drivers_named_are_the_two_largest(
    harm: float,
    severity: float,
    likely: float,
    exposed: float | None,
    vulnerability: float | None,
    capacity: float | None,
) -> None:
    """Each driver's weight is the risk lost with that driver alone at its least risky value, recomputed here
    from impact_of; the two named are the two largest, and every driver is weighed."""
    factors = ImpactFactors(severity, harm, exposed, vulnerability, capacity)
    weights = drivers(likely, factors, SETTINGS)
    assert [name for name, _ in weights] != [] and {name for name, _ in weights} == set(DRIVER_FLOORS)
    score = risk_score(likely, impact_of(factors, SETTINGS))
    expected = {"likelihood": score - risk_score(1.0, impact_of(factors, SETTINGS))}
    for name, floor in DRIVER_FLOORS.items():
        if name != "likelihood":
            changed = ImpactFactors(**{**factors.__dict__, name: floor})
            expected[name] = score - risk_score(likely, impact_of(changed, SETTINGS))
    for name, weight in weights:
        assert weight == pytest.approx(max(expected[name], 0.0), abs=0.011)
    values = [w for _, w in weights]
    assert values == sorted(values, reverse=True)
    named = weights[:2]
    assert all(w >= max(values[2:], default=0.0) for _, w in named)


def test_unknown_factors_are_scored_at_the_middle_of_their_scale() -> None:
    known = impact(5, 0.3, None, None, None, SETTINGS)
    mid_exposure = ImpactFactors(5, 0.3, SETTINGS.unknown_exposure, 3.0, 3.0)
    assert known == impact_of(mid_exposure, SETTINGS)
    assert impact(5, 0.3, 0, 3, 3, SETTINGS) < known < impact(5, 0.3, 5_000_000, 3, 3, SETTINGS)


@given(st.floats(0, 1), st.floats(0, 1), st.integers(0, 100), st.integers(0, 100), st.booleans())
def test_likelihood_never_falls_when_evidence_rises(
    p1: float, p2: float, n1: int, n2: int, surge: bool
) -> None:
    low_p, high_p = sorted((p1, p2))
    low_n, high_n = sorted((n1, n2))
    assert likelihood(high_p, low_n, surge, SETTINGS) >= likelihood(low_p, low_n, surge, SETTINGS)
    assert likelihood(low_p, high_n, surge, SETTINGS) >= likelihood(low_p, low_n, surge, SETTINGS)
    assert likelihood(low_p, low_n, True, SETTINGS) >= likelihood(low_p, low_n, False, SETTINGS)
    assert 1 <= likelihood(low_p, low_n, surge, SETTINGS) <= 5


@given(scale, scale, scale, scale)
def test_risk_rises_with_likelihood_and_impact(l1: float, l2: float, i1: float, i2: float) -> None:
    assert risk_score(max(l1, l2), max(i1, i2)) >= risk_score(min(l1, l2), min(i1, i2))
    order = [name for _, name in SETTINGS.bands]
    assert order.index(band(risk_score(max(l1, l2), i1), SETTINGS)) >= order.index(
        band(risk_score(min(l1, l2), i1), SETTINGS)
    )


def test_bands_cover_the_scale() -> None:
    assert [band(s, SETTINGS) for s in (1, 4, 5, 9.5, 14, 15, 20, 25)] == [
        "very low",
        "very low",
        "low",
        "medium",
        "medium",
        "high",
        "unacceptable",
        "unacceptable",
    ]


def test_phases_follow_the_rules() -> None:
    rules = PhaseRules()
    assert phase_for(10, None, False, rules) is Phase.RESPONSE
    assert phase_for(24 * 10, 0.7, False, rules) is Phase.PRE_EMPTION
    assert phase_for(24 * 200, None, True, rules) is Phase.PRE_EMPTION
    assert phase_for(24 * 45, 0.1, False, rules) is Phase.CONSOLIDATION
    assert phase_for(None, 0.1, False, rules) is Phase.PREVENTION


AS_OF = datetime(2024, 6, 30, 23, 59, tzinfo=UTC)


def evidence(rows: list[tuple[int, str, str, str, int]]) -> pl.DataFrame:
    """(days before as_of, area, threat, actor, civilian fatalities) -> an evidence frame."""
    return pl.DataFrame(
        {
            "id": list(range(1, len(rows) + 1)),
            "event_date": [AS_OF.date() - timedelta(days=r[0]) for r in rows],
            "area_pcode": [r[1] for r in rows],
            "area_name": [r[1] for r in rows],
            "threat_type": [r[2] for r in rows],
            "actor1": [r[3] for r in rows],
            "fatalities_best": [r[4] for r in rows],
            "civilian_fatalities": [r[4] for r in rows],
            "civilian_targeting": [True] * len(rows),
            "source": ["acled"] * len(rows),
            "source_id": [str(i) for i in range(len(rows))],
            "source_grade": ["B2"] * len(rows),
        },
        schema_overrides={"event_date": pl.Date},
    )


@given(
    st.lists(
        st.tuples(
            st.integers(0, 170),
            st.sampled_from(["A1", "A2", "A3"]),
            st.sampled_from(["killing", "abduction_forced_disappearance", "incitement_hate_speech"]),
            st.sampled_from(["G1", "G2"]),
            st.integers(0, 5),
        ),
        min_size=1,
        max_size=40,
    )
)
def test_matrix_ranks_by_risk_and_links_all_evidence(rows: list[tuple[int, str, str, str, int]]) -> None:
    areas = {
        "A1": AreaContext("A1", "One", population=50_000),
        "A2": AreaContext("A2", "Two", population=500),
    }
    matrix = build_matrix(evidence(rows), areas, AS_OF)
    risks = [r.risk for r in matrix.records]
    assert risks == sorted(risks, reverse=True)
    assert [r.rank for r in matrix.records] == list(range(1, len(matrix.records) + 1))
    assert sorted(i for r in matrix.records for i in r.evidence_ids) == list(range(1, len(rows) + 1))
    for record in matrix.records:
        assert record.response_options and all(isinstance(o.tier, Tier) for o in record.response_options)
        assert 1 <= record.likelihood <= 5 and 1 <= record.impact <= 5


def test_a_killing_of_twelve_outranks_a_killing_of_one() -> None:
    """Two killings in two areas of the same context, on the same day, by the same group: 12 dead vs 1."""
    rows = [(5, "A1", "killing", "G1", 1), (5, "A2", "killing", "G1", 12)]
    areas = {
        "A1": AreaContext("A1", "One", population=20_000),
        "A2": AreaContext("A2", "Two", population=20_000),
    }
    matrix = build_matrix(evidence(rows), areas, AS_OF)
    assert [r.area_pcode for r in matrix.records] == ["A2", "A1"]
    first, second = matrix.records
    assert first.risk > second.risk and first.likelihood == second.likelihood
    assert first.harm == Harm(1, 12, 12) and second.harm == Harm(1, 1, 1)
    assert dict(first.driver_weights)["harm"] > dict(second.driver_weights)["harm"]
    assert len(first.drivers) == 2 and first.drivers == tuple(n for n, _ in first.driver_weights[:2])


def test_unknown_exposure_is_unknown_not_zero() -> None:
    rows = [(5, "A1", "killing", "G1", 2), (5, "A2", "killing", "G1", 2)]
    matrix = build_matrix(evidence(rows), {"A2": AreaContext("A2", "Two", population=0)}, AS_OF)
    by_area = {r.area_pcode: r for r in matrix.records}
    unknown, empty = by_area["A1"], by_area["A2"]
    assert unknown.population_at_risk is None and unknown.exposure_basis == "unknown"
    assert unknown.vulnerability is None and unknown.other_actors_capacity is None
    assert empty.population_at_risk == 0 and empty.exposure_basis == "area population"
    assert unknown.impact > empty.impact  # unknown people are scored at mid-scale, not as nobody


def test_victims_where_the_source_gives_them_add_to_harm() -> None:
    frame = evidence([(5, "A1", "abduction_forced_disappearance", "G1", 0)] * 2)
    with_victims = build_matrix(frame.with_columns(victims=pl.Series([30, None])), {}, AS_OF)
    without = build_matrix(frame, {}, AS_OF)
    assert with_victims.records[0].harm.victims == 30 and without.records[0].harm.victims is None
    assert with_victims.records[0].risk > without.records[0].risk


def test_more_exposed_people_rank_higher() -> None:
    rows = [(1, "A1", "killing", "G1", 2), (1, "A2", "killing", "G1", 2)]
    areas = {
        "A1": AreaContext("A1", "Big", population=400_000),
        "A2": AreaContext("A2", "Small", population=300),
    }
    matrix = build_matrix(evidence(rows), areas, AS_OF)
    assert [r.area_pcode for r in matrix.records] == ["A1", "A2"]
    assert matrix.records[0].phase is Phase.RESPONSE


def test_overrides_keep_the_computed_value_and_rerank() -> None:
    rows = [(3, "A1", "killing", "G1", 2)] * 3 + [(100, "A2", "incitement_hate_speech", "G2", 0)]
    matrix = build_matrix(evidence(rows), {}, AS_OF)
    low = matrix.records[-1]
    when = datetime(2024, 7, 1, tzinfo=UTC)
    changed = apply_overrides(
        matrix,
        [
            Override(low.key, "likelihood", "5", "analyst", when, "new report"),
            Override(low.key, "impact", "5", "analyst", when, "mass gathering"),
        ],
    )
    top = changed.records[0]
    assert top.key == low.key and top.risk == 25 and top.band == "unacceptable"
    assert {(o.field, o.computed) for o in top.overrides} == {
        ("likelihood", low.likelihood),
        ("impact", low.impact),
    }
    assert all(o.analyst == "analyst" and o.reason for o in top.overrides)


@pytest.mark.parametrize(
    ("field", "value"), [("colour", "1"), ("likelihood", "7"), ("risk", "0"), ("phase", "panic")]
)
def test_bad_overrides_are_refused(field: str, value: str) -> None:
    with pytest.raises(ValueError):
        validate_override(field, value)


def test_empty_evidence_gives_an_empty_matrix() -> None:
    assert build_matrix(evidence([]).clear(), {}, AS_OF).records == ()
    assert (
        date(2024, 7, 14)
        == build_matrix(evidence([(1, "A", "killing", "G", 0)]), {}, AS_OF).records[0].review_date
    )

"""Perception-survey estimates: weighted shares, intervals, small-cell and complementary suppression."""

from __future__ import annotations

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from pochub.core.perspectives.surveys import (
    COMPLEMENTARY,
    Estimate,
    complementary_suppression,
    effective_size,
    estimate_share,
    wilson_interval,
)
from pochub.errors import InvalidInput

answers = st.lists(st.one_of(st.none(), st.booleans()), min_size=0, max_size=80)


def test_an_unweighted_share_and_its_interval() -> None:
    estimate = estimate_share([True] * 30 + [False] * 70 + [None] * 5, minimum=10)
    assert estimate.respondents == 100 and estimate.effective == pytest.approx(100)
    assert estimate.share == pytest.approx(0.3)
    # the Wilson interval for 30/100 at 95 %: 0.219 to 0.396 (textbook figures)
    assert estimate.low == pytest.approx(0.2189, abs=1e-3) and estimate.high == pytest.approx(
        0.3958, abs=1e-3
    )


def test_unequal_weights_move_the_share_and_widen_the_interval() -> None:
    plain = estimate_share([True] * 20 + [False] * 20, minimum=10)
    weighted = estimate_share([True] * 20 + [False] * 20, [3.0] * 20 + [1.0] * 20, minimum=10)
    assert weighted.share == pytest.approx(0.75)
    assert weighted.effective < plain.effective == pytest.approx(40)
    assert (
        weighted.high is not None
        and weighted.low is not None
        and plain.high is not None
        and plain.low is not None
    )
    assert weighted.high - weighted.low > plain.high - plain.low - 0.02


def test_too_few_respondents_give_no_figure() -> None:
    estimate = estimate_share([True] * 9, minimum=10)
    assert estimate.suppressed and estimate.share is None and estimate.low is None and estimate.high is None
    assert str(estimate.why) == "fewer than 10 respondents"
    assert not estimate_share([True] * 10, minimum=10).suppressed


def test_bad_parameters_are_refused() -> None:
    with pytest.raises(InvalidInput, match="at least 1"):
        estimate_share([True], minimum=0)
    with pytest.raises(InvalidInput, match="not negative"):
        estimate_share([True] * 10, [-1.0] + [1.0] * 9, minimum=1)
    with pytest.raises(ValueError):
        estimate_share([True] * 10, [1.0] * 9, minimum=1)  # one weight per answer


@given(answers, st.integers(min_value=1, max_value=30))
def test_a_figure_is_shown_exactly_when_enough_people_answered(
    values: list[bool | None], minimum: int
) -> None:
    estimate = estimate_share(values, minimum=minimum)
    answered = sum(v is not None for v in values)
    assert estimate.respondents == answered
    assert estimate.suppressed == (answered < minimum)
    if not estimate.suppressed:
        assert estimate.share is not None and estimate.low is not None and estimate.high is not None
        assert 0 <= estimate.low <= estimate.share <= estimate.high <= 1


@given(st.floats(min_value=0, max_value=1), st.integers(min_value=1, max_value=10_000))
def test_the_interval_holds_the_share_and_narrows_with_more_people(share: float, n: int) -> None:
    low, high = wilson_interval(share, n)
    assert 0 <= low <= share + 1e-12 and share - 1e-12 <= high <= 1
    low4, high4 = wilson_interval(share, 4 * n)
    assert high4 - low4 <= high - low + 1e-12


@given(st.lists(st.floats(min_value=0.01, max_value=100), min_size=1, max_size=50))
def test_the_effective_size_is_at_most_the_number_of_respondents(weights: list[float]) -> None:
    assert 1 - 1e-9 <= effective_size(weights) <= len(weights) + 1e-9
    assert effective_size([2.5] * len(weights)) == pytest.approx(len(weights))


def _cell(n: int, minimum: int = 10) -> Estimate:
    return estimate_share([True] * (n // 2) + [False] * (n - n // 2), minimum=minimum)


def test_one_withheld_cell_takes_the_smallest_other_with_it() -> None:
    tables = {
        "Area A": {"X": _cell(4), "Y": _cell(25), "Z": _cell(12)},
        "Area B": {"X": _cell(30), "Y": _cell(40)},
    }
    done = complementary_suppression(tables, 10)
    assert done["Area A"]["X"].suppressed and done["Area A"]["Z"].why == COMPLEMENTARY
    assert not done["Area A"]["Y"].suppressed
    assert not any(cell.suppressed for cell in done["Area B"].values())
    assert not tables["Area A"]["Z"].suppressed  # the input is left as it was


@given(
    st.dictionaries(
        st.sampled_from("ABCD"),
        st.dictionaries(st.sampled_from("pqrstu"), st.integers(min_value=0, max_value=40), max_size=6),
        max_size=4,
    ),
    st.integers(min_value=1, max_value=20),
)
def test_no_withheld_figure_can_be_worked_out_from_a_total(
    tables: dict[str, dict[str, int]], minimum: int
) -> None:
    cells = {g: {c: _cell(n, minimum) for c, n in row.items()} for g, row in tables.items()}
    done = complementary_suppression(cells, minimum)
    for group, row in done.items():
        with_people = [c for c, cell in row.items() if cell.respondents > 0]
        hidden = [c for c in with_people if row[c].suppressed]
        shown = [c for c in with_people if not row[c].suppressed]
        # what the total minus the shown cells gives away comes from one cell, or from fewer than the minimum:
        # never, unless nothing is shown (then the total is the cells' own pooled figure)
        if hidden and shown:
            assert len(hidden) > 1 and sum(row[c].respondents for c in hidden) >= minimum
        for c, cell in row.items():
            assert cell.respondents == tables[group][c]
            if 0 < cell.respondents < minimum:
                assert cell.suppressed and cell.share is None
            if cell.suppressed:
                assert cell.share is None and cell.low is None and cell.high is None
            assert not (math.isnan(cell.share) if cell.share is not None else False)

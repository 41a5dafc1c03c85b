"""Coverage and protection gaps from a units x communities time matrix, and posture comparison."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from pochub.core.allocation import (
    MaximalCovering,
    assess_coverage,
    compare_postures,
    posture_times,
)
from pochub.core.allocation.coverage import weighted_median

INF = math.inf


def test_fastest_unit_counts_and_gaps() -> None:
    times = np.array([[0.5, 3.0, INF, 30.0], [2.0, 0.8, INF, 20.0]])
    result = assess_coverage(times, [100, 200, 300, 400], standards_hours=(1.0, 4.0, 24.0))
    np.testing.assert_array_equal(result.fastest_unit, [0, 1, -1, 1])
    np.testing.assert_array_equal(result.fastest_hours, [0.5, 0.8, INF, 20.0])
    np.testing.assert_array_equal(result.units_within[:, 1], [2, 2, 0, 0])
    np.testing.assert_array_equal(result.covered_weight, [300, 300, 700])
    np.testing.assert_array_equal(result.gap_weight, [700, 700, 300])
    np.testing.assert_allclose(result.covered_share, [0.3, 0.3, 0.7])
    assert result.median_response_hours == 20.0  # half the 1,000 people are reached within 20 h
    np.testing.assert_array_equal(result.gap_communities(4.0), [3, 2])


def test_unavailable_units_do_not_count() -> None:
    times = np.array([[0.5, 5.0], [5.0, 0.5]])
    result = assess_coverage(times, None, (1.0,), available=[True, False])
    np.testing.assert_array_equal(result.fastest_unit, [0, 0])
    assert result.covered_weight[0] == 1.0


def test_no_units_leave_everyone_in_the_gap() -> None:
    result = assess_coverage(np.zeros((0, 3)), [1, 2, 3], (4.0,))
    assert result.covered_weight[0] == 0 and result.gap_weight[0] == 6
    assert math.isinf(result.median_response_hours)


def test_bad_inputs_are_rejected() -> None:
    with pytest.raises(ValueError, match="non-negative hours"):
        assess_coverage(np.array([[-1.0]]))
    with pytest.raises(ValueError, match="2 community weights for 1"):
        assess_coverage(np.array([[1.0]]), [1, 2])


def test_weighted_median() -> None:
    assert weighted_median(np.array([1.0, 2.0, 3.0]), np.array([1.0, 1.0, 10.0])) == 3.0
    assert weighted_median(np.array([5.0, 1.0]), np.array([1.0, 1.0])) == 1.0
    assert math.isnan(weighted_median(np.array([1.0]), np.array([0.0])))


times_matrices = hnp.arrays(
    np.float64,
    hnp.array_shapes(min_dims=2, max_dims=2, min_side=1, max_side=8),
    elements=st.one_of(st.floats(0, 50, allow_nan=False), st.just(INF)),
)


@settings(max_examples=60, deadline=None)
@given(times_matrices, st.data())
def test_adding_a_unit_never_lowers_coverage_or_slows_anyone(times: np.ndarray, data: st.DataObject) -> None:
    communities = times.shape[1]
    weights = data.draw(hnp.arrays(np.float64, communities, elements=st.floats(0, 1000, allow_nan=False)))
    new_unit = data.draw(hnp.arrays(np.float64, (1, communities), elements=st.floats(0, 50, allow_nan=False)))
    standards = (1.0, 4.0, 24.0)
    before = assess_coverage(times, weights, standards)
    after = assess_coverage(np.vstack((times, new_unit)), weights, standards)
    assert (after.covered_weight >= before.covered_weight).all()
    assert (after.fastest_hours <= before.fastest_hours).all()
    assert (after.units_within >= before.units_within).all()
    if before.total_weight > 0:
        assert after.median_response_hours <= before.median_response_hours


def test_compare_current_and_proposed_posture() -> None:
    existing = np.array([[0.5, 6.0, 30.0, INF]])
    candidates = np.array([[INF, 1.0, 2.0, 3.0], [5.0, 5.0, 5.0, 5.0]])
    weights = np.array([100.0, 200.0, 300.0, 400.0])
    allocation = MaximalCovering.from_cost_matrix(
        np.vstack((existing, candidates)).T, weights, 4.0, 1, existing=[0]
    ).solve()
    chosen = allocation.sites - 1  # candidate rows follow the one existing row
    current = assess_coverage(existing, weights, (4.0, 24.0))
    proposed = assess_coverage(posture_times(existing, candidates, chosen), weights, (4.0, 24.0))
    comparison = compare_postures(current, proposed)
    first = comparison.standards[0]
    assert (first.current_covered_weight, first.proposed_covered_weight) == (100.0, 1000.0)
    assert first.covered_gain == 900.0 and first.proposed_gap_weight == 0.0
    assert comparison.current_median_hours == 30.0 and comparison.proposed_median_hours == 2.0
    assert comparison.communities_improved == 3
    with pytest.raises(ValueError, match="different standards"):
        compare_postures(current, assess_coverage(existing, weights, (1.0, 24.0)))

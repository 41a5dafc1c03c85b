"""p-median: the multi-start local search and the solved model against brute force, and the bound and gap
the result reports (hypothesis; no timing)."""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pochub.core.allocation import PMedian
from pochub.core.allocation.median import local_search
from pochub.core.allocation.solver import HighsSolver

SMALL = settings(max_examples=40, deadline=None)


def clustered(seed: int, demand: int, candidates: int) -> tuple[np.ndarray, np.ndarray]:
    """Hours between clustered demand points and candidates (the hard case for a greedy start)."""
    rng = np.random.default_rng(seed)
    centres = rng.uniform(0, 10, (max(1, demand // 5), 2))
    points = centres[rng.integers(0, len(centres), demand)] + rng.normal(0, 0.7, (demand, 2))
    sites = rng.uniform(0, 10, (candidates, 2))
    hours = np.linalg.norm(points[:, None, :] - sites[None, :, :], axis=2)
    return hours, np.round(rng.lognormal(3, 1, demand))


def brute(hours: np.ndarray, weights: np.ndarray, p: int) -> float:
    return min(
        float(weights @ hours[:, list(combo)].min(axis=1))
        for combo in itertools.combinations(range(hours.shape[1]), p)
    )


@SMALL
@given(st.integers(0, 10_000), st.integers(2, 40), st.integers(2, 9), st.integers(1, 4))
def test_the_optimum_equals_brute_force_and_the_bound_is_truthful(
    seed: int, demand: int, candidates: int, p: int
) -> None:
    hours, weights = clustered(seed, demand, candidates)
    p = min(p, candidates)
    result = PMedian.from_cost_matrix(hours, weights, p).solve()
    best = brute(hours, weights, p)
    assert result.status == "optimal"
    assert result.objective == pytest.approx(best, rel=1e-9)
    assert result.bound <= result.objective * (1 + 1e-9) + 1e-9
    assert result.bound <= best * (1 + 1e-9) + 1e-9
    assert result.gap == 0.0


@SMALL
@given(st.integers(0, 10_000), st.integers(5, 40), st.integers(4, 9), st.integers(1, 4))
def test_restarts_never_lose_to_the_greedy_descent(seed: int, demand: int, candidates: int, p: int) -> None:
    hours, weights = clustered(seed, demand, candidates)
    p = min(p, candidates - 1)
    fixed = np.full(demand, np.inf)
    greedy = local_search(hours, weights, fixed, p, restarts=0)
    multi = local_search(hours, weights, fixed, p)
    assert len(set(multi.tolist())) == p
    cost = lambda sites: float(weights @ hours[:, sites].min(axis=1))  # noqa: E731
    assert cost(multi) <= cost(greedy) * (1 + 1e-12)
    assert cost(multi) >= brute(hours, weights, p) * (1 - 1e-12)


@settings(max_examples=10, deadline=None)
@given(st.integers(0, 10_000))
def test_a_result_stopped_at_a_gap_reports_a_true_bound_and_gap(seed: int) -> None:
    # a large instance with a loose requested gap: whatever status comes back, its bound is below the optimum
    # and its gap is the relative difference it states
    hours, weights = clustered(seed, 60, 9)
    result = PMedian.from_cost_matrix(hours, weights, 3).solve(HighsSolver(mip_rel_gap=0.2))
    best = brute(hours, weights, 3)
    assert result.status in {"optimal", "gap_limit"}
    assert result.bound <= best * (1 + 1e-9)
    assert result.objective >= best * (1 - 1e-9)
    if result.status == "optimal":
        assert result.gap == 0.0
    else:
        assert result.gap == pytest.approx((result.objective - result.bound) / result.objective, rel=1e-9)
        assert result.gap <= 0.2 + 1e-12
    assert math.isfinite(result.objective)

"""Location models against brute force, their properties (hypothesis), errors, and the reductions."""

from __future__ import annotations

import itertools
from dataclasses import dataclass

import highspy
import numpy as np
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st
from scipy import sparse

from pochub.core.allocation import (
    CapacitatedAssignment,
    HighsSolver,
    MaximalCovering,
    PMedian,
    Points,
    SetCovering,
)
from pochub.core.allocation._reduction import (
    _split_collisions,
    greedy_cover,
    row_groups,
    undominated_columns,
    unimplied_rows,
)
from pochub.core.allocation.solver import MixedIntegerProgram, SolverLimit, Status
from pochub.errors import Infeasible

SMALL = settings(max_examples=30, deadline=None)


def instance(seed: int, demand: int, candidates: int) -> tuple[np.ndarray, np.ndarray]:
    """Hours (demand x candidates) between random points 0-4 degrees apart at 20 km/h, and weights."""
    rng = np.random.default_rng(seed)
    d = Points.from_arrays(rng.uniform(0, 3, demand), rng.uniform(20, 23, demand))
    c = Points.from_arrays(rng.uniform(0, 3, candidates), rng.uniform(20, 23, candidates))
    from pochub.core.allocation import great_circle_time_matrix

    return great_circle_time_matrix(d, c, 20.0), rng.integers(1, 1000, demand).astype(float)


def brute_mclp(covers: np.ndarray, weights: np.ndarray, p: int, existing: tuple[int, ...] = ()) -> float:
    free = [j for j in range(covers.shape[1]) if j not in existing]
    best = 0.0
    for combo in itertools.combinations(free, min(p, len(free))):
        best = max(best, float(weights[covers[:, [*existing, *combo]].any(axis=1)].sum()))
    return best


# --- maximal covering ----------------------------------------------------------------------------


@SMALL
@given(st.integers(0, 10_000), st.integers(1, 40), st.integers(1, 9), st.integers(0, 4))
def test_mclp_matches_brute_force(seed: int, demand: int, candidates: int, p: int) -> None:
    hours, weights = instance(seed, demand, candidates)
    p = min(p, candidates)
    result = MaximalCovering.from_cost_matrix(hours, weights, 4.0, p).solve()
    assert result.status == "optimal" and result.gap == 0.0
    assert result.objective == pytest.approx(brute_mclp(hours <= 4.0, weights, p))
    assert len(result.sites) <= p
    covered = (hours[:, result.sites] <= 4.0).any(axis=1)
    assert result.covered_weight == pytest.approx(weights[covered].sum())
    assigned = result.assignment >= 0
    np.testing.assert_array_equal(assigned, covered)
    assert (hours[assigned, result.assignment[assigned]] <= 4.0).all()


@SMALL
@given(st.integers(0, 10_000), st.integers(1, 200), st.integers(2, 40), st.integers(1, 6))
def test_mclp_optimum_is_at_least_greedy_and_adding_a_site_never_lowers_coverage(
    seed: int, demand: int, candidates: int, p: int
) -> None:
    hours, weights = instance(seed, demand, candidates)
    covers = hours <= 3.0
    p = min(p, candidates - 1)
    result = MaximalCovering.from_cost_matrix(hours, weights, 3.0, p).solve()
    greedy = greedy_cover(sparse.csr_array(covers), weights, p)
    assert result.objective >= weights[covers[:, greedy].any(axis=1)].sum() - 1e-9
    # one existing site more (fixed) and the same p: coverage never drops
    extra = int(np.setdiff1d(np.arange(candidates), result.sites)[0])
    more = MaximalCovering.from_cost_matrix(hours, weights, 3.0, p, existing=[extra]).solve()
    assert more.objective >= result.objective - 1e-9
    assert extra not in more.sites


def test_mclp_counts_existing_coverage_and_spends_p_on_new_sites() -> None:
    covers = np.array([[1, 0, 0], [1, 0, 0], [0, 1, 0], [0, 0, 1]], dtype=bool)
    weights = np.array([5.0, 5.0, 3.0, 2.0])
    result = MaximalCovering.from_coverage_matrix(covers, weights, 1, existing=[0]).solve()
    assert result.objective == 13.0 and list(result.sites) == [1] and list(result.existing) == [0]
    np.testing.assert_array_equal(result.open_sites, [0, 1])


def test_mclp_from_points_equals_from_cost_matrix() -> None:
    rng = np.random.default_rng(3)
    demand = Points.from_arrays(rng.uniform(0, 2, 150), rng.uniform(20, 22, 150))
    candidates = Points.from_arrays(rng.uniform(0, 2, 25), rng.uniform(20, 22, 25))
    existing = Points.from_arrays([1.0], [21.0])
    weights = rng.integers(1, 100, 150).astype(float)
    geographic = MaximalCovering.from_points(
        demand, candidates, weights, 2.0, 3, existing_sites=existing
    ).solve()
    from pochub.core.allocation import great_circle_time_matrix

    both = Points(np.r_[candidates.latitude, 1.0], np.r_[candidates.longitude, 21.0])
    matrix = MaximalCovering.from_cost_matrix(
        great_circle_time_matrix(demand, both, 20.0), weights, 2.0, 3, [25]
    )
    assert geographic.objective == matrix.solve().objective


def test_mclp_rejects_impossible_p() -> None:
    hours, weights = instance(1, 10, 4)
    with pytest.raises(ValueError, match="p = 5 new sites requested but only 4"):
        MaximalCovering.from_cost_matrix(hours, weights, 4.0, 5)
    with pytest.raises(ValueError, match="only 3 candidate"):
        MaximalCovering.from_cost_matrix(hours, weights, 4.0, 4, existing=[0])


# --- set covering --------------------------------------------------------------------------------


@SMALL
@given(st.integers(0, 10_000), st.integers(1, 40), st.integers(1, 9))
def test_lscp_covers_every_required_point_with_the_fewest_sites(
    seed: int, demand: int, candidates: int
) -> None:
    hours, _ = instance(seed, demand, candidates)
    covers = hours <= 5.0
    required = covers.any(axis=1)
    result = SetCovering.from_cost_matrix(hours[required], 5.0).solve()
    assert result.status == "optimal"
    assert covers[required][:, result.sites].any(axis=1).all()
    fewest = next(
        k
        for k in range(candidates + 1)
        for combo in itertools.combinations(range(candidates), k)
        if covers[required][:, list(combo)].any(axis=1).all()
    )
    assert result.objective == fewest


def test_lscp_names_the_uncoverable_required_points() -> None:
    covers = np.array([[1, 0], [0, 0], [0, 1], [0, 0]], dtype=bool)
    model = SetCovering.from_coverage_matrix(covers, demand_ids=["a", "b", "c", "d"])
    with pytest.raises(Infeasible, match=r"2 required demand point\(s\).*'b', 'd'"):
        model.solve()


def test_lscp_threshold_leaves_light_points_out_and_existing_sites_count() -> None:
    covers = np.array([[1, 0, 0], [0, 1, 0], [0, 0, 0], [0, 0, 1]], dtype=bool)
    weights = np.array([10.0, 10.0, 1.0, 10.0])
    result = SetCovering.from_coverage_matrix(covers, weights, minimum_weight=5.0, existing=[2]).solve()
    assert result.objective == 2 and list(result.sites) == [0, 1]
    assert result.covered_weight == 30.0


# --- p-median ------------------------------------------------------------------------------------


def brute_median(hours: np.ndarray, weights: np.ndarray, p: int, existing: tuple[int, ...] = ()) -> float:
    free = [j for j in range(hours.shape[1]) if j not in existing]
    return min(
        float(weights @ hours[:, [*existing, *combo]].min(axis=1))
        for combo in itertools.combinations(free, p)
    )


@SMALL
@given(
    st.integers(0, 10_000),
    st.integers(1, 30),
    st.integers(2, 8),
    st.integers(1, 3),
    st.integers(1, 4),
    st.booleans(),
)
# HiGHS 1.16 with presolve and a MIP start returned the start's columns beside the program's true optimum: the
# lists stopped growing at a 1.8 % gap (found by CI, 2026-12-06)
@example(7, 2, 7, 1, 1, False)
def test_p_median_is_exact_even_with_short_candidate_lists(
    seed: int, demand: int, candidates: int, p: int, neighbours: int, lagrangian: bool
) -> None:
    hours, weights = instance(seed, demand, candidates)
    p = min(p, candidates)
    model = PMedian.from_cost_matrix(hours, weights, p, neighbours=neighbours, lagrangian=lagrangian)
    result = model.solve()
    assert result.status == "optimal"
    assert result.objective == pytest.approx(brute_median(hours, weights, p), rel=1e-9)
    # the objective is the cost of assigning each point to its nearest open site
    recomputed = float(weights @ hours[np.arange(demand), result.assignment])
    assert result.objective == pytest.approx(recomputed, rel=1e-12)
    assert (hours[np.arange(demand), result.assignment] <= hours[:, result.sites].min(axis=1) + 1e-12).all()


def test_p_median_with_existing_sites_and_a_cutoff() -> None:
    hours, weights = instance(11, 40, 8)
    result = PMedian.from_cost_matrix(hours, weights, 2, existing=[0, 5], cutoff_hours=3.0).solve()
    assert result.objective == pytest.approx(brute_median(hours, weights, 2, (0, 5)), rel=1e-9)
    assert not set(result.sites) & {0, 5}


def test_p_median_names_unreachable_points_and_impossible_p() -> None:
    hours = np.array([[1.0, np.inf], [np.inf, np.inf], [2.0, 3.0]])
    with pytest.raises(Infeasible, match=r"1 demand point\(s\) can reach no candidate.*'x'"):
        PMedian.from_cost_matrix(hours, None, 1, demand_ids=["w", "x", "y"]).solve()
    with pytest.raises(Infeasible, match="p = 1"):
        PMedian.from_cost_matrix(np.array([[1.0, np.inf], [np.inf, 1.0]]), None, 1).solve()
    with pytest.raises(ValueError, match="p = 3 new sites requested but only 2"):
        PMedian.from_cost_matrix(hours, None, 3)


# --- capacitated assignment ----------------------------------------------------------------------


@settings(max_examples=15, deadline=None)
@given(st.integers(0, 10_000), st.sampled_from(["coverage", "time"]))
def test_capacitated_assignment_matches_brute_force(seed: int, objective: str) -> None:
    rng = np.random.default_rng(seed)
    hours = rng.uniform(0, 6, (25, 5))
    weights = rng.integers(1, 100, 25).astype(float)
    strengths = rng.integers(50, 150, 3).astype(float)
    capacities = rng.integers(60, 300, 5).astype(float)
    capacities[rng.integers(0, 5)] = 500.0  # somewhere fits everyone
    model = CapacitatedAssignment.from_cost_matrix(hours, weights, strengths, capacities, objective, 2.0)  # type: ignore[arg-type]
    result = model.solve()
    best = None
    for combo in itertools.product(range(5), repeat=3):
        load = np.bincount(combo, weights=strengths, minlength=5)
        if (load > capacities).any():
            continue
        occupied = list(set(combo))
        value = (
            weights[(hours[:, occupied] <= 2.0).any(axis=1)].sum()
            if objective == "coverage"
            else weights @ hours[:, occupied].min(axis=1)
        )
        best = value if best is None else (max(best, value) if objective == "coverage" else min(best, value))
    assert result.objective == pytest.approx(best, rel=1e-9)
    assert result.unit_sites is not None
    load = np.bincount(result.unit_sites, weights=strengths, minlength=5)
    assert (load <= capacities + 1e-9).all()


def test_capacitated_assignment_names_units_that_fit_nowhere() -> None:
    model = CapacitatedAssignment.from_cost_matrix(
        np.ones((3, 2)), None, [50.0, 500.0], [100.0, 100.0], "coverage", 2.0
    )
    with pytest.raises(Infeasible, match="units 1"):
        model.solve()


# --- solver labelling ----------------------------------------------------------------------------


def hard_set_cover(seed: int = 0) -> MixedIntegerProgram:
    rng = np.random.default_rng(seed)
    matrix = sparse.csc_array((rng.random((400, 150)) < 0.08).astype(float))
    keep = np.asarray(matrix.sum(axis=1)).ravel() > 0
    matrix = sparse.csc_array(matrix.tocsr()[keep])
    rows, cols = matrix.shape
    return MixedIntegerProgram(
        "minimize", np.ones(cols), np.zeros(cols), np.ones(cols), np.ones(cols, dtype=bool), matrix,
        np.ones(rows), np.full(rows, np.inf),
    )  # fmt: skip


@dataclass(frozen=True)
class RootNodeOnly(HighsSolver):
    """HiGHS stopped after its root node: a stop as certain as a time limit (which depends on the machine's speed)
    is not. HiGHS reports such a stop as a solution limit; it is labelled as the time limit's stop would be."""

    def _highs(self) -> highspy.Highs:
        highs = super()._highs()
        highs.setOptionValue("mip_max_nodes", 1)
        return highs

    def _label(self, model_status: highspy.HighsModelStatus, gap: float) -> Status:
        assert model_status == highspy.HighsModelStatus.kSolutionLimit
        return super()._label(highspy.HighsModelStatus.kTimeLimit, gap)


def test_a_stopped_solve_is_labelled_with_its_proven_gap() -> None:
    program = hard_set_cover()
    start = np.ones(program.shape[1])
    solution = RootNodeOnly().solve(program, start=start)
    assert solution.status == "time_limit"
    assert solution.gap > 0 and solution.bound < solution.objective
    assert solution.gap == pytest.approx((solution.objective - solution.bound) / solution.objective, rel=1e-6)


def test_each_stop_of_highs_has_its_label_or_is_refused() -> None:
    solver = HighsSolver(mip_rel_gap=0.05)
    assert HighsSolver()._label(highspy.HighsModelStatus.kOptimal, 0.0) == "optimal"
    assert solver._label(highspy.HighsModelStatus.kOptimal, 0.04) == "gap_limit"
    assert solver._label(highspy.HighsModelStatus.kTimeLimit, 0.2) == "time_limit"
    for status in (highspy.HighsModelStatus.kSolutionLimit, highspy.HighsModelStatus.kIterationLimit):
        with pytest.raises(SolverLimit, match="not reliable"):
            solver._label(status, 0.1)


def test_infeasible_program_raises_infeasible() -> None:
    program = MixedIntegerProgram(
        "minimize", np.ones(1), np.zeros(1), np.ones(1), np.ones(1, dtype=bool),
        sparse.csc_array(np.ones((1, 1))), np.array([2.0]), np.array([np.inf]),
    )  # fmt: skip
    with pytest.raises(Infeasible, match="nothing fits"):
        HighsSolver().solve(program, "nothing fits")


# --- reductions ----------------------------------------------------------------------------------


def test_row_groups_are_exact_even_when_hashes_collide() -> None:
    matrix = sparse.csr_array(np.array([[1, 0, 1], [0, 1, 0], [1, 0, 1], [0, 0, 0], [0, 0, 0]], dtype=bool))
    group, first = row_groups(matrix)
    assert group[0] == group[2] and group[3] == group[4] and len(first) == 3
    # pretend rows 0 and 1 collided into one group: the check splits them again
    indptr, indices = matrix.indptr.astype(np.int64), matrix.indices.astype(np.int64)
    forced, firsts = _split_collisions(
        indptr, indices, np.diff(indptr), np.array([0, 0, 0, 1, 1]), np.array([0, 3])
    )
    assert forced[1] != forced[0] and forced[2] == forced[0] and len(firsts) == 3


def test_dominated_columns_and_implied_rows_are_found() -> None:
    matrix = sparse.csr_array(np.array([[1, 1, 0], [1, 0, 0], [0, 0, 1], [1, 1, 1]], dtype=bool))
    np.testing.assert_array_equal(undominated_columns(matrix), [True, False, True])
    np.testing.assert_array_equal(unimplied_rows(matrix), [False, True, True, False])


def test_capacitated_assignment_from_points_uses_great_circle_hours() -> None:
    communities = Points.from_arrays([0.0, 0.0, 0.0], [20.0, 20.5, 23.0])
    sites = Points.from_arrays([0.0, 0.0], [20.1, 22.9])
    model = CapacitatedAssignment.from_points(
        communities, sites, [10, 20, 25], [100.0], [100.0, 100.0], "coverage", 4.0
    )
    result = model.solve()
    assert result.objective == 30.0 and result.unit_sites is not None and list(result.unit_sites) == [0]
    np.testing.assert_array_equal(result.assignment, [0, 0, -1])

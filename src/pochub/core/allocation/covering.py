"""Covering models: maximal covering (MCLP) and location set covering (LSCP), each built from a cost matrix
(demand x candidates, hours) or a boolean coverage matrix, with a thin geographic constructor on top.

Before solving, demand points already covered by existing sites leave the program (their weight is counted),
demand points no candidate covers leave it too (MCLP) or make it infeasible (LSCP), demand points with the same
coverage set merge into one row (weights summed), and candidates whose coverage set lies inside another's are
dropped: any solution using one can swap it for the larger without losing coverage. The reduced program is
solved exactly by HiGHS, starting from the greedy solution.

MCLP: maximise sum_g W_g y_g  s.t.  y_g <= sum_{j covers g} x_j,  sum_j x_j <= p,  x binary, 0 <= y <= 1
(y need not be integer: at an optimum y_g = min(1, coverage) for integer x). ``p`` counts *new* sites; spopt's
``p_facilities`` counts existing ones too. When fewer than ``p`` sites add coverage, only those are proposed.

LSCP: minimise sum_j x_j  s.t.  sum_{j covers i} x_j >= 1 for every required demand point i.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike
from scipy import sparse

from pochub.core.allocation._geodesy import FloatArray, IntArray, Points, with_existing_sites
from pochub.core.allocation._maximal_covering import CoverSolution, solve_maximal_covering
from pochub.core.allocation._reduction import (
    BoolArray,
    as_coverage,
    cost_coverage,
    covered_rows,
    greedy_set_cover,
    merge_rows,
    reduce_set_cover,
    undominated_columns,
)
from pochub.core.allocation.results import (
    AllocationResult,
    Reduction,
    check_existing,
    check_sites,
    check_weights,
    describe_points,
    nearest_open,
)
from pochub.core.allocation.solver import HighsSolver, MipSolution, MixedIntegerProgram
from pochub.core.allocation.travel import RoadGraph, SpeedProfile, great_circle_coverage, travel_time_matrix
from pochub.errors import Infeasible


@dataclass(frozen=True, eq=False)
class _Reduced:
    """The reduced covering program's data: merged rows x kept columns, row weights, kept column indices,
    and the demand points behind the rows (covered beforehand, and in the program)."""

    matrix: sparse.csr_array
    weights: FloatArray
    columns: IntArray
    covered_before: BoolArray
    rows: IntArray


def _reduce(coverage: sparse.csr_array, weights: FloatArray, existing: IntArray, rows: BoolArray) -> _Reduced:
    """Drop covered rows, merge identical rows and drop dominated columns (only rows marked ``rows`` count)."""
    covered_before = covered_rows(coverage, existing)
    free = np.setdiff1d(np.arange(coverage.shape[1]), existing)
    active = np.flatnonzero(rows & ~covered_before)
    sub = sparse.csr_array(coverage[active][:, free])
    reachable = np.diff(sub.indptr) > 0
    active, sub = active[reachable], sparse.csr_array(sub[reachable])
    merged, merged_weights, _ = merge_rows(sub, weights[active])
    keep = undominated_columns(merged)
    return _Reduced(sparse.csr_array(merged[:, keep]), merged_weights, free[keep], covered_before, active)


def _coverage_from_points(
    demand: Points,
    candidates: Points,
    existing_sites: Points | None,
    standard_hours: float,
    graph: RoadGraph | None,
    profile_speed: float | None,
    workers: int,
) -> tuple[sparse.csr_array, FloatArray | None, IntArray]:
    """Coverage (and hours, with a road graph) of demand x (candidates then existing sites), and the existing
    columns. Without a graph: great circle at the off-road speed, found by a k-d tree (no dense matrix)."""
    sites, existing = with_existing_sites(candidates, existing_sites)
    if graph is None:
        speed = profile_speed if profile_speed is not None else SpeedProfile().off_road_kmh
        return great_circle_coverage(demand, sites, standard_hours, speed), None, existing
    hours = travel_time_matrix(
        graph, sites, demand, standard_hours, off_road_kmh=profile_speed, workers=workers
    ).T
    return cost_coverage(hours, standard_hours), np.ascontiguousarray(hours), existing


@dataclass(frozen=True, eq=False)
class MaximalCovering:
    """Maximal covering location problem: ``p`` new sites maximising the demand weight within the standard,
    existing sites (columns of the matrix) fixed open."""

    coverage: sparse.csr_array
    weights: FloatArray
    p: int
    existing: IntArray
    cost: FloatArray | None = None
    standard_hours: float | None = None

    @classmethod
    def from_cost_matrix(
        cls,
        cost: ArrayLike,
        weights: ArrayLike | None,
        standard_hours: float,
        p: int,
        existing: Sequence[int] | ArrayLike = (),
    ) -> MaximalCovering:
        """From hours (demand x candidates; ``inf`` for unreachable): a candidate covers a demand point when
        its time is at most ``standard_hours``."""
        matrix = np.asarray(cost, dtype=np.float64)
        return cls._make(cost_coverage(matrix, standard_hours), weights, p, existing, matrix, standard_hours)

    @classmethod
    def from_coverage_matrix(
        cls,
        coverage: ArrayLike | sparse.sparray,
        weights: ArrayLike | None,
        p: int,
        existing: Sequence[int] | ArrayLike = (),
    ) -> MaximalCovering:
        """From a boolean (dense or sparse) matrix: demand x candidates, True where the candidate covers."""
        return cls._make(as_coverage(coverage), weights, p, existing, None, None)

    @classmethod
    def from_points(
        cls,
        demand: Points,
        candidates: Points,
        weights: ArrayLike | None,
        standard_hours: float,
        p: int,
        *,
        existing_sites: Points | None = None,
        graph: RoadGraph | None = None,
        off_road_kmh: float | None = None,
        workers: int = 1,
    ) -> MaximalCovering:
        """From places: road hours on ``graph``, or great-circle hours at the off-road speed without one.
        Existing sites become the columns after the candidates."""
        coverage, hours, existing = _coverage_from_points(
            demand, candidates, existing_sites, standard_hours, graph, off_road_kmh, workers
        )
        return cls._make(coverage, weights, p, existing, hours, standard_hours)

    @classmethod
    def _make(
        cls,
        coverage: sparse.csr_array,
        weights: ArrayLike | None,
        p: int,
        existing: Sequence[int] | ArrayLike,
        cost: FloatArray | None,
        standard_hours: float | None,
    ) -> MaximalCovering:
        n, m = coverage.shape
        fixed = check_existing(existing, m)
        check_sites(p, m, fixed.size)
        return cls(coverage, check_weights(weights, n), int(p), fixed, cost, standard_hours)

    def solve(self, solver: HighsSolver | None = None) -> AllocationResult:
        """Solve with HiGHS (default: 60 s, proven optimal); the result is labelled with status and gap."""
        chosen_solver = solver or HighsSolver()
        n, m = self.coverage.shape
        reduced = _reduce(self.coverage, self.weights, self.existing, self.weights > 0)
        base = float(self.weights[reduced.covered_before].sum())
        groups, columns = reduced.matrix.shape
        solution: CoverSolution | None = None
        chosen = np.zeros(0, dtype=np.int64)
        if groups and columns and self.p:
            solution = solve_maximal_covering(reduced.matrix, reduced.weights, self.p, chosen_solver)
            chosen = np.sort(reduced.columns[solution.columns])
        covered = reduced.covered_before | covered_rows(self.coverage, chosen)
        covered_weight = float(self.weights[covered].sum())
        bound = base + solution.bound if solution else covered_weight
        open_sites = np.union1d(self.existing, chosen).astype(np.int64)
        return AllocationResult(
            model="mclp",
            status=solution.status if solution else "optimal",
            objective=covered_weight,
            gap=_relative_gap(covered_weight, bound) if solution and solution.status != "optimal" else 0.0,
            sites=chosen,
            covered_weight=covered_weight,
            total_weight=float(self.weights.sum()),
            assignment=nearest_open(self.cost, self.coverage, open_sites, n),
            solve_seconds=solution.seconds if solution else 0.0,
            bound=max(bound, covered_weight),
            existing=self.existing,
            reduction=Reduction(n, groups, m, columns),
            iterations=solution.rounds if solution else 0,
        )


def _relative_gap(value: float, bound: float) -> float:
    """|bound - value| relative to the value."""
    return abs(bound - value) / max(abs(value), 1e-12)


@dataclass(frozen=True, eq=False)
class SetCovering:
    """Location set covering problem: the fewest new sites such that every required demand point is within
    the standard of an open site (existing sites fixed open)."""

    coverage: sparse.csr_array
    required: BoolArray
    weights: FloatArray
    existing: IntArray
    cost: FloatArray | None = None
    standard_hours: float | None = None
    demand_ids: tuple[str, ...] | None = None

    @classmethod
    def from_cost_matrix(
        cls,
        cost: ArrayLike,
        standard_hours: float,
        weights: ArrayLike | None = None,
        minimum_weight: float = 0.0,
        existing: Sequence[int] | ArrayLike = (),
        demand_ids: Sequence[str] | None = None,
    ) -> SetCovering:
        """From hours (demand x candidates); demand points whose weight is at least ``minimum_weight`` must be
        covered (all of them by default)."""
        matrix = np.asarray(cost, dtype=np.float64)
        coverage = cost_coverage(matrix, standard_hours)
        return cls._make(coverage, weights, minimum_weight, existing, matrix, standard_hours, demand_ids)

    @classmethod
    def from_coverage_matrix(
        cls,
        coverage: ArrayLike | sparse.sparray,
        weights: ArrayLike | None = None,
        minimum_weight: float = 0.0,
        existing: Sequence[int] | ArrayLike = (),
        demand_ids: Sequence[str] | None = None,
    ) -> SetCovering:
        """From a boolean (dense or sparse) matrix: demand x candidates, True where the candidate covers."""
        return cls._make(as_coverage(coverage), weights, minimum_weight, existing, None, None, demand_ids)

    @classmethod
    def from_points(
        cls,
        demand: Points,
        candidates: Points,
        standard_hours: float,
        weights: ArrayLike | None = None,
        minimum_weight: float = 0.0,
        *,
        existing_sites: Points | None = None,
        graph: RoadGraph | None = None,
        off_road_kmh: float | None = None,
        demand_ids: Sequence[str] | None = None,
        workers: int = 1,
    ) -> SetCovering:
        """From places: road hours on ``graph``, or great-circle hours at the off-road speed without one.
        Existing sites become the columns after the candidates."""
        coverage, hours, existing = _coverage_from_points(
            demand, candidates, existing_sites, standard_hours, graph, off_road_kmh, workers
        )
        return cls._make(coverage, weights, minimum_weight, existing, hours, standard_hours, demand_ids)

    @classmethod
    def _make(
        cls,
        coverage: sparse.csr_array,
        weights: ArrayLike | None,
        minimum_weight: float,
        existing: Sequence[int] | ArrayLike,
        cost: FloatArray | None,
        standard_hours: float | None,
        demand_ids: Sequence[str] | None,
    ) -> SetCovering:
        n, m = coverage.shape
        values = check_weights(weights, n)
        if demand_ids is not None and len(demand_ids) != n:
            raise ValueError(f"{len(demand_ids)} demand ids for {n} demand points")
        ids = tuple(str(i) for i in demand_ids) if demand_ids is not None else None
        fixed = check_existing(existing, m)
        return cls(coverage, values >= minimum_weight, values, fixed, cost, standard_hours, ids)

    def uncoverable(self) -> IntArray:
        """Required demand points that no site (candidate or existing) covers: they make the model infeasible."""
        reachable = np.diff(self.coverage.indptr) > 0
        return np.flatnonzero(self.required & ~reachable).astype(np.int64)

    def solve(self, solver: HighsSolver | None = None) -> AllocationResult:
        """Solve with HiGHS; raises :class:`~pochub.errors.Infeasible` naming the uncoverable demand points."""
        impossible = self.uncoverable()
        if impossible.size:
            standard = f"within {self.standard_hours:g} h " if self.standard_hours is not None else ""
            raise Infeasible(
                f"{impossible.size} required demand point(s) cannot be covered {standard}by any candidate or "
                f"existing site: {describe_points(impossible, self.demand_ids)}"
            )
        chosen_solver = solver or HighsSolver()
        n, m = self.coverage.shape
        reduced = _reduce(self.coverage, np.ones(n), self.existing, self.required)
        matrix, kept = reduce_set_cover(reduced.matrix)
        groups, columns = matrix.shape
        solution: MipSolution | None = None
        chosen = np.zeros(0, dtype=np.int64)
        if groups:
            program = MixedIntegerProgram(
                sense="minimize",
                cost=np.ones(columns),
                col_lower=np.zeros(columns),
                col_upper=np.ones(columns),
                integral=np.ones(columns, dtype=bool),
                matrix=sparse.csc_array(matrix, dtype=np.float64),
                row_lower=np.ones(groups),
                row_upper=np.full(groups, math.inf),
            )
            start = np.zeros(columns)
            start[greedy_set_cover(matrix)] = 1.0
            solution = chosen_solver.solve(program, "no set of candidates covers every required point", start)
            chosen = np.sort(reduced.columns[kept[solution.values > 0.5]])
        open_sites = np.union1d(self.existing, chosen).astype(np.int64)
        covered = covered_rows(self.coverage, open_sites)
        return AllocationResult(
            model="lscp",
            status=solution.status if solution else "optimal",
            objective=float(chosen.size),
            gap=solution.gap if solution else 0.0,
            sites=chosen,
            covered_weight=float(self.weights[covered].sum()),
            total_weight=float(self.weights.sum()),
            assignment=nearest_open(self.cost, self.coverage, open_sites, n),
            solve_seconds=solution.seconds if solution else 0.0,
            bound=solution.bound if solution else 0.0,
            existing=self.existing,
            reduction=Reduction(n, groups, m, columns),
        )

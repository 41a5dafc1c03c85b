"""Capacitated assignment of units to sites (bases, temporary operating bases): each unit goes to one eligible
site, the strength at a site stays within its capacity, and a site serves communities when a unit is there.

Objective ``coverage``: maximise the community weight within the standard of an occupied site (rows merged by
coverage set, as in MCLP). Objective ``time``: minimise the weighted hours from each community to its nearest
occupied site (the p-median chains of :mod:`pochub.core.allocation.median`, untruncated; every community must
reach some site). A small MIP: units x sites binaries, continuous occupancy (integral at any optimum since it is
capped by the integer number of units present) and demand variables.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Literal

import numpy as np
from numpy.typing import ArrayLike
from scipy import sparse

from pochub.core.allocation._geodesy import FloatArray, IntArray, Points
from pochub.core.allocation._reduction import BoolArray, cost_coverage, covered_rows, merge_rows
from pochub.core.allocation.median import candidate_lists, chain_block
from pochub.core.allocation.results import AllocationResult, Reduction, check_weights, nearest_open
from pochub.core.allocation.solver import HighsSolver, MixedIntegerProgram, Status
from pochub.core.allocation.travel import RoadGraph, travel_time_matrix
from pochub.errors import Infeasible

Objective = Literal["coverage", "time"]


@dataclass(frozen=True, eq=False)
class _Demand:
    """The demand part of the program: COO entries over [occupancy | demand columns], the demand columns'
    costs and upper bounds, row bounds and the constant objective."""

    rows: IntArray
    cols: IntArray
    values: FloatArray
    cost: FloatArray
    upper: FloatArray
    row_lower: FloatArray
    row_upper: FloatArray
    offset: float


@dataclass(frozen=True, eq=False)
class CapacitatedAssignment:
    """Units (with strength) to sites (with capacity), for coverage or for response time."""

    cost: FloatArray
    weights: FloatArray
    strengths: FloatArray
    capacities: FloatArray
    objective: Objective
    standard_hours: float | None
    eligible: BoolArray

    @classmethod
    def from_cost_matrix(
        cls,
        cost: ArrayLike,
        weights: ArrayLike | None,
        strengths: ArrayLike,
        capacities: ArrayLike,
        objective: Objective = "coverage",
        standard_hours: float | None = None,
        eligible: ArrayLike | None = None,
    ) -> CapacitatedAssignment:
        """From hours (communities x sites), unit strengths, site capacities and, optionally, which unit may go
        to which site (units x sites). ``coverage`` needs ``standard_hours``."""
        matrix = np.asarray(cost, dtype=np.float64)
        if matrix.ndim != 2 or np.isnan(matrix).any() or (matrix < 0).any():
            raise ValueError(
                "the cost matrix must be 2-D non-negative hours (communities x sites; inf allowed)"
            )
        n, m = matrix.shape
        strength = np.asarray(strengths, dtype=np.float64).reshape(-1)
        capacity = np.asarray(capacities, dtype=np.float64).reshape(-1)
        if capacity.size != m:
            raise ValueError(f"{capacity.size} capacities for {m} sites")
        if strength.size == 0:
            raise ValueError("no unit to assign")
        if not (np.isfinite(strength).all() and (strength >= 0).all() and (capacity >= 0).all()):
            raise ValueError("strengths and capacities must be non-negative numbers")
        if objective not in ("coverage", "time"):
            raise ValueError(f"objective must be 'coverage' or 'time', not {objective!r}")
        if objective == "coverage" and standard_hours is None:
            raise ValueError("the coverage objective needs a response standard (standard_hours)")
        allowed = (
            np.ones((strength.size, m), dtype=bool) if eligible is None else np.asarray(eligible, dtype=bool)
        )
        if allowed.shape != (strength.size, m):
            raise ValueError(f"eligibility must be units x sites = {(strength.size, m)}, not {allowed.shape}")
        return cls(matrix, check_weights(weights, n), strength, capacity, objective, standard_hours, allowed)

    @classmethod
    def from_points(
        cls,
        communities: Points,
        sites: Points,
        weights: ArrayLike | None,
        strengths: ArrayLike,
        capacities: ArrayLike,
        objective: Objective = "coverage",
        standard_hours: float | None = None,
        *,
        graph: RoadGraph | None = None,
        off_road_kmh: float | None = None,
        eligible: ArrayLike | None = None,
        workers: int = 1,
    ) -> CapacitatedAssignment:
        """From places: road hours on ``graph``, or great-circle hours at the off-road speed without one."""
        hours = travel_time_matrix(graph, sites, communities, off_road_kmh=off_road_kmh, workers=workers).T
        return cls.from_cost_matrix(
            np.ascontiguousarray(hours), weights, strengths, capacities, objective, standard_hours, eligible
        )

    def _check_fits(self) -> None:
        """Raise when a unit fits no eligible site or the total strength exceeds the total capacity."""
        fits = self.eligible & (self.strengths[:, None] <= self.capacities[None, :])
        homeless = np.flatnonzero(~fits.any(axis=1))
        if homeless.size:
            names = ", ".join(str(int(u)) for u in homeless[:20])
            raise Infeasible(f"{homeless.size} unit(s) fit no eligible site's capacity: units {names}")
        if self.strengths.sum() > self.capacities.sum():
            raise Infeasible(
                f"total strength {self.strengths.sum():g} exceeds total site capacity {self.capacities.sum():g}"
            )

    def solve(self, solver: HighsSolver | None = None) -> AllocationResult:
        """Solve the MIP with HiGHS; raises :class:`~pochub.errors.Infeasible` when the units cannot be placed."""
        self._check_fits()
        chosen_solver = solver or HighsSolver()
        units, sites = self.eligible.shape
        pairs_unit, pairs_site = np.nonzero(
            self.eligible & (self.strengths[:, None] <= self.capacities[None, :])
        )
        pairs = pairs_unit.size
        demand = self._coverage_block(pairs) if self.objective == "coverage" else self._time_block(pairs)
        demand_columns = demand.cost.size
        pair_cols = np.arange(pairs)
        occupancy = pairs + np.arange(sites)
        unit_rows, capacity_rows, occupancy_rows = 0, units, units + sites
        demand_first_row = units + 2 * sites
        rows = np.concatenate((
            unit_rows + pairs_unit, capacity_rows + pairs_site, occupancy_rows + pairs_site,
            occupancy_rows + np.arange(sites), demand_first_row + demand.rows,
        ))  # fmt: skip
        cols = np.concatenate((pair_cols, pair_cols, pair_cols, occupancy, demand.cols))
        values = np.concatenate((
            np.ones(pairs), self.strengths[pairs_unit], -np.ones(pairs), np.ones(sites), demand.values,
        ))  # fmt: skip
        total_rows = demand_first_row + demand.row_lower.size
        total_cols = pairs + sites + demand_columns
        program = MixedIntegerProgram(
            sense="maximize" if self.objective == "coverage" else "minimize",
            cost=np.concatenate((np.zeros(pairs + sites), demand.cost)),
            col_lower=np.zeros(total_cols),
            col_upper=np.concatenate((np.ones(pairs + sites), demand.upper)),
            integral=np.concatenate(
                (np.ones(pairs, dtype=bool), np.zeros(sites + demand_columns, dtype=bool))
            ),
            matrix=sparse.csc_array((values, (rows, cols)), shape=(total_rows, total_cols)),
            row_lower=np.concatenate((np.ones(units), np.full(2 * sites, -math.inf), demand.row_lower)),
            row_upper=np.concatenate((np.ones(units), self.capacities, np.zeros(sites), demand.row_upper)),
            offset=demand.offset,
        )
        solution = chosen_solver.solve(
            program, "the units cannot be placed within the sites' capacities and eligibility"
        )
        placed = solution.values[:pairs] > 0.5
        unit_sites = np.full(units, -1, dtype=np.int64)
        unit_sites[pairs_unit[placed]] = pairs_site[placed]
        return self._result(
            unit_sites, solution.status, solution.bound, solution.gap, solution.seconds, program
        )

    def _coverage_block(self, pairs: int) -> _Demand:
        """y_g - sum_{sites covering g} o_j <= 0 over merged community groups; maximise sum W_g y_g."""
        assert self.standard_hours is not None
        coverage = cost_coverage(self.cost, self.standard_hours)
        reachable = np.flatnonzero((np.diff(coverage.indptr) > 0) & (self.weights > 0))
        merged, weights, _ = merge_rows(sparse.csr_array(coverage[reachable]), self.weights[reachable])
        groups = merged.shape[0]
        entries = merged.tocoo()
        first_y = pairs + self.cost.shape[1]
        return _Demand(
            rows=np.concatenate((np.arange(groups), entries.row)),
            cols=np.concatenate((first_y + np.arange(groups), pairs + entries.col)),
            values=np.concatenate((np.ones(groups), -np.ones(entries.nnz))),
            cost=weights,
            upper=np.ones(groups),
            row_lower=np.full(groups, -math.inf),
            row_upper=np.zeros(groups),
            offset=0.0,
        )

    def _time_block(self, pairs: int) -> _Demand:
        """p-median chains over the occupancy columns, every site in every list (no truncation)."""
        active = np.flatnonzero(self.weights > 0)
        stranded = active[~np.isfinite(self.cost[active]).any(axis=1)]
        if stranded.size:
            names = ", ".join(str(int(i)) for i in stranded[:20])
            raise Infeasible(f"{stranded.size} communit(ies) can reach no site at all: {names}")
        masked = self.cost[active]
        available = np.isfinite(masked).sum(axis=1)
        unreached = np.full(self.cost.shape[0], np.inf)
        lists = candidate_lists(active, masked, available, available.copy(), unreached, self.weights)
        sites = self.cost.shape[1]
        block = chain_block(lists, pairs + np.arange(sites, dtype=np.int64), pairs + sites)
        return _Demand(
            rows=block.rows,
            cols=block.cols,
            values=block.values,
            cost=block.z_cost,
            upper=block.z_upper,
            row_lower=block.row_lower,
            row_upper=np.full(block.row_lower.size, math.inf),
            offset=block.offset,
        )

    def _result(
        self,
        unit_sites: IntArray,
        status: Status,
        bound: float,
        gap: float,
        seconds: float,
        program: MixedIntegerProgram,
    ) -> AllocationResult:
        n, m = self.cost.shape
        occupied = np.unique(unit_sites[unit_sites >= 0]).astype(np.int64)
        sub = self.cost[:, occupied]
        nearest = sub.min(axis=1) if occupied.size else np.full(n, np.inf)
        if self.objective == "coverage":
            assert self.standard_hours is not None
            coverage = cost_coverage(self.cost, self.standard_hours)
            covered = covered_rows(coverage, occupied)
            objective = float(self.weights[covered].sum())
            assignment = nearest_open(self.cost, coverage, occupied, n)
        else:
            reach = self.standard_hours if self.standard_hours is not None else math.inf
            covered = nearest <= reach
            weighted = self.weights > 0
            objective = float(np.dot(self.weights[weighted], nearest[weighted]))
            assignment = nearest_open(self.cost, None, occupied, n)
        return AllocationResult(
            model="capacitated-coverage" if self.objective == "coverage" else "capacitated-time",
            status=status,
            objective=objective,
            gap=gap,
            sites=occupied,
            covered_weight=float(self.weights[covered].sum()),
            total_weight=float(self.weights.sum()),
            assignment=assignment,
            solve_seconds=seconds,
            bound=bound,
            existing=np.zeros(0, dtype=np.int64),
            reduction=Reduction(n, program.shape[0], m, m),
            unit_sites=unit_sites,
        )

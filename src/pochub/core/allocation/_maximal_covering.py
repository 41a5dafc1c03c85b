"""Exact MCLP on a reduced coverage matrix: column generation on the linear relaxation, then (only when the
relaxation is fractional) reduced-cost fixing and a MIP over the surviving candidates.

1. Start from the greedy solution and the candidates that cover most weight on their own.
2. Solve the relaxation over the chosen candidates (rows merged by their pattern on those candidates) by primal
   simplex. Row duals (split back over merged rows in proportion to weight; rows no chosen candidate covers
   take their full weight) price every other candidate: reduced cost = sum of covered duals - the dual of the
   p-constraint. Add the best-priced; repeat until none prices positive. With the largest remaining price
   delta, ``objective + p * max(0, delta)`` is a valid upper bound at every round (a feasible dual).
3. If the relaxation's solution is integral, it is optimal. Otherwise, with the best integer solution found so
   far (greedy, or the relaxation rounded) as the incumbent, every candidate whose forced opening would bound
   the objective below the incumbent is dropped (reduced-cost fixing, exact), and HiGHS solves the MIP over the
   remaining candidates from the incumbent. Its bound, with the incumbent's value, bounds the true optimum.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass, replace

import numpy as np
from scipy import sparse

from pochub.core.allocation._geodesy import FloatArray, IntArray
from pochub.core.allocation._reduction import covered_rows, greedy_cover, improve_by_swaps, merge_rows
from pochub.core.allocation.solver import HighsSolver, LpSolution, MixedIntegerProgram, SolverLimit, Status

INTEGRAL = 1e-6
"""A relaxation value within this of 0 or 1 counts as integral."""


@dataclass(frozen=True, eq=False)
class CoverSolution:
    """Chosen columns, their exact covered weight, a proven upper bound, the status and the wall time."""

    columns: IntArray
    objective: float
    bound: float
    status: Status
    seconds: float
    rounds: int


@dataclass(frozen=True, eq=False)
class _Restricted:
    """The relaxation over some columns: merged rows, their weights, the rows they stand for."""

    columns: IntArray
    matrix: sparse.csr_array
    weights: FloatArray
    rows: IntArray
    group: IntArray


def solve_maximal_covering(
    matrix: sparse.csr_array, weights: FloatArray, p: int, solver: HighsSolver
) -> CoverSolution:
    """Best ``p`` columns (at most) of a boolean matrix by covered row weight, exactly or with a proven gap."""
    started = time.perf_counter()
    cols_n = matrix.shape[1]
    if p >= cols_n:
        everything = np.flatnonzero(np.diff(sparse.csc_array(matrix).indptr) > 0).astype(np.int64)
        value = _value(matrix, weights, everything)
        return CoverSolution(everything, value, value, "optimal", time.perf_counter() - started, 0)
    transposed = sparse.csr_array(sparse.csr_array(matrix, dtype=np.float64).T)
    best = improve_by_swaps(matrix, weights, greedy_cover(matrix, weights, p), transposed=transposed)
    best_value = _value(matrix, weights, best)
    single = transposed @ weights
    upper = float(np.sort(single)[::-1][:p].sum())
    columns = np.union1d(best, np.argsort(-single, kind="stable")[: min(cols_n, max(8 * p, 100))])
    rounds = 0
    try:
        while True:
            rounds += 1
            restricted = _restrict(matrix, weights, columns)
            lp = solver.solve_relaxation(
                _program(restricted, p), time_limit_seconds=_remaining(solver, started)
            )
            price = _prices(transposed, weights, restricted, lp)
            outside = np.ones(cols_n, dtype=bool)
            outside[columns] = False
            delta = max(0.0, float(price[outside].max())) if outside.any() else 0.0
            upper = min(upper, lp.objective + p * delta)
            if delta <= 1e-9 * max(1.0, abs(lp.objective)):
                break
            entering = np.flatnonzero(outside & (price > 0))
            entering = entering[np.argsort(-price[entering], kind="stable")[: max(2 * p, 50)]]
            columns = np.union1d(columns, entering)
    except SolverLimit:
        return CoverSolution(
            best, best_value, max(upper, best_value), "time_limit", _elapsed(started), rounds
        )
    values = np.zeros(cols_n)
    values[restricted.columns] = lp.values[: restricted.columns.size]
    rounded = np.argsort(-values, kind="stable")[:p]
    for candidate in (
        np.flatnonzero(values > 0.5),
        improve_by_swaps(matrix, weights, rounded, transposed=transposed),
    ):
        candidate_value = _value(matrix, weights, candidate)
        if candidate_value > best_value:
            best, best_value = np.sort(candidate).astype(np.int64), candidate_value
    integral = bool(np.all((values < INTEGRAL) | (values > 1 - INTEGRAL)))
    if _closed(best_value, upper) or (integral and delta == 0.0):
        return CoverSolution(best, best_value, max(best_value, upper), "optimal", _elapsed(started), rounds)
    keep = (values > INTEGRAL) | (upper + np.minimum(price - delta, 0.0) >= best_value - _tolerance(upper))
    keep[best] = True
    return _branch(matrix, weights, p, solver, np.flatnonzero(keep), best, best_value, upper, started, rounds)


def _branch(
    matrix: sparse.csr_array,
    weights: FloatArray,
    p: int,
    solver: HighsSolver,
    kept: IntArray,
    best: IntArray,
    best_value: float,
    upper: float,
    started: float,
    rounds: int,
) -> CoverSolution:
    """The MIP over the columns that survived reduced-cost fixing, started from the incumbent."""
    restricted = _restrict(matrix, weights, kept)
    program = _program(restricted, p, integral=True)
    chosen = np.isin(restricted.columns, best)
    covered = covered_rows(restricted.matrix, np.flatnonzero(chosen)).astype(np.float64)
    start = np.concatenate((chosen.astype(np.float64), covered))
    remaining = _remaining(solver, started)
    if remaining <= 0:
        return CoverSolution(
            best, best_value, max(upper, best_value), "time_limit", _elapsed(started), rounds
        )
    result = replace(solver, time_limit_seconds=remaining).solve(program, start=start)
    found = restricted.columns[result.values[: restricted.columns.size] > 0.5]
    found_value = _value(matrix, weights, found)
    if found_value > best_value:
        best, best_value = np.sort(found).astype(np.int64), found_value
    bound = min(upper, max(result.bound, best_value))
    status: Status = "optimal" if result.status == "optimal" or _closed(best_value, bound) else result.status
    return CoverSolution(best, best_value, max(bound, best_value), status, _elapsed(started), rounds)


def _restrict(matrix: sparse.csr_array, weights: FloatArray, columns: IntArray) -> _Restricted:
    """Rows covered by ``columns``, merged by their pattern on those columns."""
    sub = sparse.csr_array(matrix[:, columns])
    rows = np.flatnonzero(np.diff(sub.indptr) > 0)
    merged, merged_weights, group = merge_rows(sparse.csr_array(sub[rows]), weights[rows])
    return _Restricted(columns, merged, merged_weights, rows, group)


def _program(restricted: _Restricted, p: int, integral: bool = False) -> MixedIntegerProgram:
    """MCLP columns [x | y], rows [y_g - A_g x <= 0 | sum x <= p]."""
    groups, columns = restricted.matrix.shape
    a = sparse.csr_array(restricted.matrix, dtype=np.float64)
    top = sparse.hstack([-a, sparse.eye_array(groups, format="csr")], format="csr")
    bottom = sparse.hstack(
        [sparse.csr_array(np.ones((1, columns))), sparse.csr_array((1, groups))], format="csr"
    )
    return MixedIntegerProgram(
        sense="maximize",
        cost=np.concatenate((np.zeros(columns), restricted.weights)),
        col_lower=np.zeros(columns + groups),
        col_upper=np.ones(columns + groups),
        integral=np.concatenate((np.full(columns, integral), np.zeros(groups, dtype=bool))),
        matrix=sparse.vstack([top, bottom], format="csc"),
        row_lower=np.full(groups + 1, -math.inf),
        row_upper=np.concatenate((np.zeros(groups), [float(p)])),
    )


def _prices(
    transposed: sparse.csr_array, weights: FloatArray, restricted: _Restricted, lp: LpSolution
) -> FloatArray:
    """Reduced cost of every column under the relaxation's duals (split over merged rows), and the dual of
    the p-constraint."""
    duals = np.maximum(lp.row_duals[:-1], 0.0)
    mu = max(float(lp.row_duals[-1]), 0.0)
    row_duals = weights.copy()
    share = np.divide(
        weights[restricted.rows],
        restricted.weights[restricted.group],
        out=np.zeros(restricted.rows.size),
        where=restricted.weights[restricted.group] > 0,
    )
    row_duals[restricted.rows] = duals[restricted.group] * share
    prices: FloatArray = transposed @ row_duals - mu
    return prices


def _value(matrix: sparse.csr_array, weights: FloatArray, columns: IntArray) -> float:
    """Covered weight of ``columns``."""
    return float(weights[covered_rows(matrix, columns)].sum())


def _tolerance(value: float) -> float:
    return 1e-9 * max(1.0, abs(value))


def _closed(value: float, bound: float) -> bool:
    """Whether the incumbent meets the bound (up to floating-point noise)."""
    return bound - value <= _tolerance(bound)


def _remaining(solver: HighsSolver, started: float) -> float:
    return solver.time_limit_seconds - (time.perf_counter() - started)


def _elapsed(started: float) -> float:
    return time.perf_counter() - started

"""The explicit solver: a mixed-integer program as arrays, passed to HiGHS (highspy) in one call.

Models build a :class:`MixedIntegerProgram` (a sparse column-wise matrix, bounds, costs, integrality) in bulk
with numpy and scipy; :class:`HighsSolver` passes it with ``passModel`` and reads the answer back. The outcome
is labelled, never silent: ``optimal`` (proven, to HiGHS's default tolerances), ``gap_limit`` (stopped at the
requested relative gap, which is reported), ``time_limit`` (stopped by the clock, with the proven gap);
infeasible programs raise :class:`~pochub.errors.Infeasible` and a clock that stops before any feasible
solution raises :class:`SolverLimit`.
"""

from __future__ import annotations

import math
import os
import sys
import time
from dataclasses import dataclass, replace
from typing import Literal

import highspy
import numpy as np
from numpy.typing import NDArray
from scipy import sparse

from pochub.errors import Infeasible, PocHubError

Status = Literal["optimal", "gap_limit", "time_limit"]
Sense = Literal["minimize", "maximize"]

OPTIMAL_GAP = 1e-9
"""A proven relative gap at most this small is reported as ``optimal``."""


class SolverLimit(PocHubError):
    """The solver stopped (time limit, interruption, numerical trouble) without any feasible solution."""

    exit_code = 1
    http_status = 504


@dataclass(frozen=True, eq=False)
class MixedIntegerProgram:
    """Optimise ``cost @ x + offset`` subject to ``row_lower <= matrix @ x <= row_upper`` and
    ``col_lower <= x <= col_upper``, with ``x[j]`` integer where ``integral[j]``."""

    sense: Sense
    cost: NDArray[np.float64]
    col_lower: NDArray[np.float64]
    col_upper: NDArray[np.float64]
    integral: NDArray[np.bool_]
    matrix: sparse.csc_array
    row_lower: NDArray[np.float64]
    row_upper: NDArray[np.float64]
    offset: float = 0.0

    def __post_init__(self) -> None:
        rows, cols = self.matrix.shape
        if not len(self.cost) == len(self.col_lower) == len(self.col_upper) == len(self.integral) == cols:
            raise ValueError(f"column arrays do not match the {cols} columns of the matrix")
        if not len(self.row_lower) == len(self.row_upper) == rows:
            raise ValueError(f"row bounds do not match the {rows} rows of the matrix")

    @property
    def shape(self) -> tuple[int, int]:
        """(rows, columns)."""
        rows, cols = self.matrix.shape
        return int(rows), int(cols)


@dataclass(frozen=True, eq=False)
class MipSolution:
    """What the solver found: the labelled status, the values of the columns, the objective of that
    solution, the best proven bound on the optimum, their relative gap, and the wall time."""

    status: Status
    values: NDArray[np.float64]
    objective: float
    bound: float
    gap: float
    seconds: float


@dataclass(frozen=True, eq=False)
class LpSolution:
    """An optimal solution of a linear relaxation: column values, row duals (the change of the objective per
    unit increase of each row's bound, in the program's own sense) and the objective."""

    values: NDArray[np.float64]
    row_duals: NDArray[np.float64]
    objective: float
    seconds: float


def quiet_highs() -> highspy.Highs:
    """A HiGHS instance made with standard output closed: its constructor prints a banner straight to file
    descriptor 1, which would corrupt machine-readable output (``--format json``)."""
    sys.stdout.flush()
    saved = os.dup(1)
    try:
        with open(os.devnull, "wb") as devnull:
            os.dup2(devnull.fileno(), 1)
            highs = highspy.Highs()  # type: ignore[no-untyped-call]
    finally:
        os.dup2(saved, 1)
        os.close(saved)
    return highs


@dataclass(frozen=True)
class HighsSolver:
    """HiGHS with a time limit, a relative MIP gap (0: prove optimality), a random seed and a thread count
    (None: HiGHS's default)."""

    time_limit_seconds: float = 60.0
    mip_rel_gap: float = 0.0
    random_seed: int = 0
    threads: int | None = None
    presolve: bool = True

    def __post_init__(self) -> None:
        if not self.time_limit_seconds > 0:
            raise ValueError(f"time limit must be positive, not {self.time_limit_seconds}")
        if not 0.0 <= self.mip_rel_gap < 1.0:
            raise ValueError(f"relative MIP gap must lie in [0, 1), not {self.mip_rel_gap}")

    def solve(
        self,
        program: MixedIntegerProgram,
        infeasible_message: str = "the model has no feasible solution",
        start: NDArray[np.float64] | None = None,
    ) -> MipSolution:
        """Solve ``program``; ``start`` is an optional feasible solution to begin from."""
        started = time.perf_counter()
        highs = self._highs()
        status = highs.passModel(_lp(program))
        if status == highspy.HighsStatus.kError:
            raise ValueError("HiGHS rejected the model")
        if start is not None:
            highs.setSolution(_start_solution(start))
        highs.run()
        model_status = highs.getModelStatus()
        info = highs.getInfo()
        seconds = time.perf_counter() - started
        if model_status in (
            highspy.HighsModelStatus.kInfeasible,
            highspy.HighsModelStatus.kUnboundedOrInfeasible,
        ):
            raise Infeasible(infeasible_message)
        if model_status == highspy.HighsModelStatus.kModelEmpty:
            return MipSolution("optimal", np.zeros(0), program.offset, program.offset, 0.0, seconds)
        has_solution = info.primal_solution_status == 2  # kSolutionStatusFeasible
        if not has_solution:
            raise SolverLimit(
                f"HiGHS stopped ({highs.modelStatusToString(model_status)}) after {seconds:.1f} s "
                "without a feasible solution; raise the time limit"
            )
        values = np.asarray(highs.getSolution().col_value, dtype=np.float64)
        objective = float(info.objective_function_value)
        if start is not None and abs(float(program.cost @ values) + program.offset - objective) > 1e-7 * max(
            1.0, abs(objective)
        ):  # HiGHS 1.16 (presolve with a MIP start) may return the start's columns beside a better objective
            left = max(self.time_limit_seconds - seconds, 1e-3)
            return replace(self, time_limit_seconds=left).solve(program, infeasible_message)
        integer = bool(program.integral.any())
        bound = float(info.mip_dual_bound) if integer else objective
        gap = _relative_gap(objective, bound) if integer else 0.0
        return MipSolution(self._label(model_status, gap), values, objective, bound, gap, seconds)

    def solve_relaxation(
        self, program: MixedIntegerProgram, primal: bool = True, time_limit_seconds: float | None = None
    ) -> LpSolution:
        """Solve the linear relaxation (integrality dropped) by simplex, primal (good when the origin is
        feasible, as in covering problems) or dual; raises :class:`SolverLimit` when it does not finish."""
        started = time.perf_counter()
        highs = self._highs()
        if time_limit_seconds is not None:
            highs.setOptionValue("time_limit", max(float(time_limit_seconds), 1e-3))
        highs.setOptionValue("solver", "simplex")
        highs.setOptionValue("simplex_strategy", 4 if primal else 1)
        highs.setOptionValue("presolve", "off")
        lp = _lp(program)
        lp.integrality_ = []
        highs.passModel(lp)
        highs.run()
        model_status = highs.getModelStatus()
        if model_status in (
            highspy.HighsModelStatus.kInfeasible,
            highspy.HighsModelStatus.kUnboundedOrInfeasible,
        ):
            raise Infeasible("the linear relaxation has no feasible solution")
        if model_status != highspy.HighsModelStatus.kOptimal:
            raise SolverLimit(f"the linear relaxation stopped: {highs.modelStatusToString(model_status)}")
        solution = highs.getSolution()
        return LpSolution(
            np.asarray(solution.col_value, dtype=np.float64),
            np.asarray(solution.row_dual, dtype=np.float64),
            float(highs.getInfo().objective_function_value),
            time.perf_counter() - started,
        )

    def _highs(self) -> highspy.Highs:
        """A configured, silent HiGHS instance."""
        highs = quiet_highs()
        highs.setOptionValue("output_flag", False)
        highs.setOptionValue("time_limit", float(self.time_limit_seconds))
        highs.setOptionValue("mip_rel_gap", float(self.mip_rel_gap))
        highs.setOptionValue("mip_abs_gap", 0.0 if self.mip_rel_gap == 0.0 else 1e-6)
        highs.setOptionValue("random_seed", int(self.random_seed))
        highs.setOptionValue("presolve", "on" if self.presolve else "off")
        if self.threads is not None:
            highs.setOptionValue("threads", int(self.threads))
        return highs

    def _label(self, model_status: highspy.HighsModelStatus, gap: float) -> Status:
        """The status label of a run that has a feasible solution."""
        if model_status == highspy.HighsModelStatus.kOptimal:
            return "optimal" if self.mip_rel_gap == 0.0 or gap <= OPTIMAL_GAP else "gap_limit"
        if model_status == highspy.HighsModelStatus.kTimeLimit:
            return "time_limit"
        raise SolverLimit(f"HiGHS stopped with status {model_status.name}; the solution is not reliable")


def _relative_gap(objective: float, bound: float) -> float:
    """|objective - bound| / max(|objective|, 1) (HiGHS's own definition uses the objective too)."""
    if not (math.isfinite(objective) and math.isfinite(bound)):
        return math.inf
    return abs(objective - bound) / max(abs(objective), 1.0)


def _lp(program: MixedIntegerProgram) -> highspy.HighsLp:
    """The HiGHS LP/MIP of ``program`` in column-wise form (arrays copied in bulk, no per-element Python)."""
    matrix = sparse.csc_array(program.matrix)
    matrix.sort_indices()
    rows, cols = program.shape
    lp = highspy.HighsLp()
    lp.num_col_ = cols
    lp.num_row_ = rows
    lp.sense_ = highspy.ObjSense.kMaximize if program.sense == "maximize" else highspy.ObjSense.kMinimize
    lp.offset_ = float(program.offset)
    lp.col_cost_ = np.ascontiguousarray(program.cost, dtype=np.float64)
    lp.col_lower_ = np.ascontiguousarray(program.col_lower, dtype=np.float64)
    lp.col_upper_ = np.ascontiguousarray(program.col_upper, dtype=np.float64)
    lp.row_lower_ = np.ascontiguousarray(program.row_lower, dtype=np.float64)
    lp.row_upper_ = np.ascontiguousarray(program.row_upper, dtype=np.float64)
    lp.a_matrix_.format_ = highspy.MatrixFormat.kColwise
    lp.a_matrix_.num_col_ = cols
    lp.a_matrix_.num_row_ = rows
    lp.a_matrix_.start_ = np.ascontiguousarray(matrix.indptr, dtype=np.int32)
    lp.a_matrix_.index_ = np.ascontiguousarray(matrix.indices, dtype=np.int32)
    lp.a_matrix_.value_ = np.ascontiguousarray(matrix.data, dtype=np.float64)
    if program.integral.any():
        kinds = (highspy.HighsVarType.kContinuous, highspy.HighsVarType.kInteger)
        lp.integrality_ = [kinds[flag] for flag in program.integral.tolist()]
    return lp


def _start_solution(values: NDArray[np.float64]) -> highspy.HighsSolution:
    """A HiGHS solution object holding column values (a MIP start)."""
    solution = highspy.HighsSolution()
    solution.col_value = np.ascontiguousarray(values, dtype=np.float64).tolist()
    solution.value_valid = True
    return solution

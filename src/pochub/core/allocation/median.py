"""The p-median model: ``p`` new sites minimising the weighted time from each demand point to its nearest open
site (existing sites fixed open), built from a cost matrix (demand x candidates, hours).

Formulation (Elloumi 2010): for demand point i with candidates sorted by time c_i1 <= c_i2 <= ..., variable
z_il = 1 when none of its l nearest candidates is open. Its time is c_i1 + sum_l (c_i,l+1 - c_il) z_il, with
z_i1 + x_j(i,1) >= 1 and z_il + x_j(i,l) >= z_i,l-1. Each pair (i, j) appears once, as in the classic assignment
formulation, whose LP bound this one shares, but with one row per pair instead of two.

Reductions, exact: candidates slower for i than i's nearest existing site never serve it (the list stops there
and the tail cost is that site's time); demand points of zero weight leave the program. Truncation, with proof:
each list is first cut to the ``neighbours`` nearest (or to those within ``cutoff_hours``) and the tail is
charged the next candidate's time, a lower bound on what i pays when none of its list is open. The solved
program is thus a relaxation; its bound is a proven lower bound on the true optimum and its sites are evaluated
exactly. Where a demand point pays more than it was charged, its list grows and the program is solved again
(from the best sites so far) until the exact cost meets the bound (status ``optimal``), the requested gap is
reached, or time runs out (``time_limit`` with the proven gap).
"""

from __future__ import annotations

import math
import time
from collections.abc import Sequence
from dataclasses import dataclass, replace

import numpy as np
from numpy.typing import ArrayLike
from scipy import sparse

from pochub.core.allocation._geodesy import FloatArray, IntArray, Points, with_existing_sites
from pochub.core.allocation._reduction import BoolArray
from pochub.core.allocation.results import (
    AllocationResult,
    Reduction,
    check_existing,
    check_sites,
    check_weights,
    describe_points,
)
from pochub.core.allocation.solver import HighsSolver, MixedIntegerProgram, SolverLimit, Status
from pochub.core.allocation.travel import RoadGraph, great_circle_time_matrix, travel_time_matrix
from pochub.errors import Infeasible

MIN_NEIGHBOURS = 8
"""Initial list length when there is no heuristic site to measure from."""
HEURISTIC_MARGIN = 3
"""Candidates beyond the heuristic solution's site that each initial list also holds."""
LAGRANGIAN_REACH = 80
"""Candidates beyond the heuristic solution's site over which the Lagrangian multipliers may act."""
LAGRANGIAN_SHARE = 0.25
"""Share of the time limit the Lagrangian bound may use."""
LAGRANGIAN_ROUNDS = 2000
LAGRANGIAN_STALL = 50
"""Rounds without a better bound after which the subgradient step halves."""
GROWTH = 2
"""Factor by which a demand point's list grows when its tail was charged too little."""
RESTARTS = 30
"""Random-start swap descents after the greedy one (the upper bound the Lagrangian bound is measured against)."""
RESTART_SEED = 20_240_601
CONFIRMATIONS = 3
"""Restarts stop once this many more descents have ended at the best solution found."""
HEURISTIC_SHARE = 0.25
"""Share of the time limit the restarts may use."""


@dataclass(frozen=True, eq=False)
class _Stage:
    """Demand side of a (sub)problem: weighted points, their times to the free candidates (inf where a
    candidate is no faster than the nearest open site), how many candidates are useful, nearest open times
    (for every point, and for the weighted ones) and the weights."""

    active: IntArray
    masked: FloatArray
    available: IntArray
    nearest_existing: FloatArray
    fixed: FloatArray
    weights: FloatArray


@dataclass(frozen=True, eq=False)
class _Outcome:
    """What the HiGHS stage found: sites among its free candidates, its bound, status and effort."""

    sites: IntArray
    bound: float
    status: Status
    iterations: int
    rows: int


@dataclass(frozen=True, eq=False)
class CandidateLists:
    """Each program demand point's sorted candidate list: free-candidate positions and times (padded), list
    lengths, the tail time charged when none is open (inf: one must be open), and the point's weight."""

    demand: IntArray
    positions: IntArray
    times: FloatArray
    length: IntArray
    tail: FloatArray
    weight: FloatArray


@dataclass(frozen=True, eq=False)
class PMedian:
    """p-median: ``p`` new sites minimising total weighted hours to the nearest open site."""

    cost: FloatArray
    weights: FloatArray
    p: int
    existing: IntArray
    neighbours: int | None = None
    cutoff_hours: float | None = None
    standard_hours: float | None = None
    demand_ids: tuple[str, ...] | None = None
    lagrangian: bool = True
    """Use the Lagrangian bound to close candidates before HiGHS (exact either way; off for checking)."""

    @classmethod
    def from_cost_matrix(
        cls,
        cost: ArrayLike,
        weights: ArrayLike | None,
        p: int,
        existing: Sequence[int] | ArrayLike = (),
        *,
        neighbours: int | None = None,
        cutoff_hours: float | None = None,
        standard_hours: float | None = None,
        demand_ids: Sequence[str] | None = None,
        lagrangian: bool = True,
    ) -> PMedian:
        """From hours (demand x candidates; ``inf`` where unreachable). ``neighbours`` / ``cutoff_hours`` set
        the initial candidate lists (default: up to each point's site in a local-search solution, plus a
        margin); results stay exact. ``standard_hours`` only decides the reported covered weight."""
        matrix = np.asarray(cost, dtype=np.float64)
        if matrix.ndim != 2:
            raise ValueError(f"a cost matrix must be 2-D (demand x candidates), not {matrix.ndim}-D")
        if np.isnan(matrix).any() or (matrix < 0).any():
            raise ValueError("the cost matrix must hold non-negative hours (inf for unreachable)")
        n, m = matrix.shape
        fixed = check_existing(existing, m)
        check_sites(p, m, fixed.size)
        if p == 0 and fixed.size == 0:
            raise ValueError("p-median needs at least one site: p = 0 and no existing site")
        if neighbours is not None and neighbours < 1:
            raise ValueError(f"neighbours must be at least 1, not {neighbours}")
        if demand_ids is not None and len(demand_ids) != n:
            raise ValueError(f"{len(demand_ids)} demand ids for {n} demand points")
        ids = tuple(str(i) for i in demand_ids) if demand_ids is not None else None
        values = check_weights(weights, n)
        return cls(matrix, values, int(p), fixed, neighbours, cutoff_hours, standard_hours, ids, lagrangian)

    @classmethod
    def from_points(
        cls,
        demand: Points,
        candidates: Points,
        weights: ArrayLike | None,
        p: int,
        *,
        existing_sites: Points | None = None,
        graph: RoadGraph | None = None,
        off_road_kmh: float | None = None,
        standard_hours: float | None = None,
        workers: int = 1,
    ) -> PMedian:
        """From places: road hours on ``graph``, or great-circle hours at the off-road speed (default 20 km/h)
        without one. Existing sites become the columns after the candidates. Builds a dense matrix."""
        sites, existing = with_existing_sites(candidates, existing_sites)
        if graph is None:
            hours = great_circle_time_matrix(demand, sites, off_road_kmh or 20.0)
        else:
            hours = travel_time_matrix(graph, sites, demand, off_road_kmh=off_road_kmh, workers=workers).T
        return cls.from_cost_matrix(hours, weights, p, existing, standard_hours=standard_hours)

    def solve(self, solver: HighsSolver | None = None) -> AllocationResult:
        """Solve: a local-search solution, a Lagrangian bound that closes (or opens) candidates no better
        solution can use (or avoid), then HiGHS on the rest, growing truncated lists until the exact cost meets
        the proven bound."""
        chosen_solver = solver or HighsSolver()
        started = time.perf_counter()
        free = np.setdiff1d(np.arange(self.cost.shape[1]), self.existing)
        self._check_reachable(free, self._nearest_existing(self.existing))
        stage = self._stage(free, self.existing)
        heuristic = free[
            local_search(
                stage.masked, stage.weights, stage.fixed, self.p,
                seconds=HEURISTIC_SHARE * chosen_solver.time_limit_seconds,
            )
        ]  # fmt: skip
        best_cost = self._total_cost(np.union1d(self.existing, heuristic).astype(np.int64))
        lists = candidate_lists(
            stage.active, stage.masked, stage.available,
            self._initial_lengths(stage, free, heuristic, LAGRANGIAN_REACH), stage.nearest_existing, self.weights,
        )  # fmt: skip
        # its share of the limit, but never more than half of what the local search left (a loaded machine)
        left = chosen_solver.time_limit_seconds - (time.perf_counter() - started)
        share = min(LAGRANGIAN_SHARE * chosen_solver.time_limit_seconds, 0.5 * left)
        budget = max(0.0, share) if self.lagrangian else 0.0
        bound, closed, forced = lagrangian_fixing(
            lists, free.size, self.p, best_cost, budget, chosen_solver.mip_rel_gap
        )
        if _gap(best_cost, bound) <= max(chosen_solver.mip_rel_gap, 1e-9) or self.p == 0:
            status: Status = "optimal" if _gap(best_cost, bound) <= 1e-9 or self.p == 0 else "gap_limit"
            return self._result(np.sort(heuristic), best_cost, bound, status, started, 0, 0, free.size)
        opened = np.union1d(self.existing, free[forced]).astype(np.int64)
        rest = free[~closed & ~forced]
        if rest.size < self.p - int(forced.sum()):  # no cheaper choice of p sites is left: the heuristic wins
            return self._result(np.sort(heuristic), best_cost, best_cost, "optimal", started, 0, 0, rest.size)
        outcome = self._refine(
            rest,
            opened,
            self.p - int(forced.sum()),
            chosen_solver,
            started,
            heuristic[np.isin(heuristic, rest)],
        )
        sites = np.union1d(free[forced], outcome.sites).astype(np.int64)
        cost = self._total_cost(np.union1d(self.existing, sites).astype(np.int64))
        if cost > best_cost:  # nothing better than the local-search solution exists outside what was closed
            sites, cost = np.sort(heuristic), best_cost
        lower = min(best_cost, max(bound, outcome.bound))
        if _gap(cost, lower) <= 1e-9:
            status = "optimal"
        else:
            status = "gap_limit" if outcome.status == "optimal" else outcome.status
        return self._result(sites, cost, lower, status, started, outcome.iterations, outcome.rows, rest.size)

    def _stage(self, free: IntArray, opened: IntArray) -> _Stage:
        """The demand side of a (sub)problem with ``free`` candidates and ``opened`` sites fixed open."""
        nearest_existing = self._nearest_existing(opened)
        active = np.flatnonzero(self.weights > 0)
        free_cost = self.cost[active][:, free]
        # candidates no faster than the nearest open site never serve the point: lists stop there
        useful = (free_cost < nearest_existing[active, None]) & np.isfinite(free_cost)
        return _Stage(
            active, np.where(useful, free_cost, np.inf), useful.sum(axis=1), nearest_existing,
            nearest_existing[active], self.weights[active],
        )  # fmt: skip

    def _refine(
        self, free: IntArray, opened: IntArray, p: int, solver: HighsSolver, started: float, start: IntArray
    ) -> _Outcome:
        """HiGHS on truncated lists over ``free`` (``opened`` fixed open), lists grown until exact."""
        if p == 0:
            return _Outcome(np.zeros(0, dtype=np.int64), self._total_cost(opened), "optimal", 0, 0)
        stage = self._stage(free, opened)
        best_sites = np.sort(start) if start.size == p else None
        best_cost = self._total_cost(np.union1d(opened, best_sites)) if best_sites is not None else math.inf
        limit = self._initial_lengths(stage, free, start, HEURISTIC_MARGIN)
        bound, iterations, rows = -math.inf, 0, 0
        status: Status = "time_limit"
        while True:
            iterations += 1
            lists = candidate_lists(
                stage.active, stage.masked, stage.available, limit, stage.nearest_existing, self.weights
            )
            program = _p_median_program(lists, free.size, p)
            rows = program.shape[0]
            remaining = solver.time_limit_seconds - (time.perf_counter() - started)
            if remaining <= 0:
                break
            begin = _start_values(lists, free.size, best_sites, free) if best_sites is not None else None
            solution = replace(solver, time_limit_seconds=remaining).solve(
                program, self._infeasible_message(), begin
            )
            sites = np.sort(free[solution.values[: free.size] > 0.5])
            exact = self._total_cost(np.union1d(opened, sites).astype(np.int64))
            if exact < best_cost:
                best_cost, best_sites = exact, sites
            bound = max(bound, solution.bound)
            gap = _gap(best_cost, bound)
            if gap <= max(solver.mip_rel_gap, 1e-9):
                status = "optimal" if gap <= 1e-9 else "gap_limit"
                break
            if solution.status == "time_limit" or not self._grow(
                lists, sites, free, opened, limit, stage.available
            ):
                status = solution.status
                break
        if best_sites is None:
            raise SolverLimit("p-median: the time limit passed before any solution was found")
        return _Outcome(best_sites, bound, status, iterations, rows)

    def _nearest_existing(self, opened: IntArray) -> FloatArray:
        """Each demand point's time to its nearest site in ``opened`` (inf when there is none)."""
        if opened.size == 0:
            return np.full(self.cost.shape[0], np.inf)
        return np.asarray(self.cost[:, opened].min(axis=1), dtype=np.float64)

    def _check_reachable(self, free: IntArray, nearest_existing: FloatArray) -> None:
        """Raise when a weighted demand point cannot reach any site at all."""
        reach = np.isfinite(nearest_existing) | np.isfinite(self.cost[:, free]).any(axis=1)
        stranded = np.flatnonzero(~reach & (self.weights > 0)).astype(np.int64)
        if stranded.size:
            raise Infeasible(
                f"{stranded.size} demand point(s) can reach no candidate or existing site: "
                f"{describe_points(stranded, self.demand_ids)}"
            )

    def _infeasible_message(self) -> str:
        return (
            f"no choice of p = {self.p} new site(s) reaches every weighted demand point "
            "(some points can reach only sites that cannot all be opened)"
        )

    def _initial_lengths(self, stage: _Stage, free: IntArray, heuristic: IntArray, margin: int) -> IntArray:
        """Initial list length of each program demand point: ``neighbours``, the candidates within the cutoff,
        or (by default) those up to the heuristic solution's site for that point, plus ``margin``."""
        if self.cutoff_hours is not None:
            within = (stage.masked <= self.cutoff_hours).sum(axis=1)
            lengths: IntArray = np.minimum(np.maximum(within, 1), stage.available).astype(np.int64)
            return lengths
        if self.neighbours is not None:
            return np.minimum(stage.available, self.neighbours).astype(np.int64)
        position = np.flatnonzero(np.isin(free, heuristic))
        if position.size == 0:
            return np.minimum(stage.available, MIN_NEIGHBOURS).astype(np.int64)
        served = stage.masked[:, position].min(axis=1)
        rank = (stage.masked <= served[:, None]).sum(axis=1)
        lengths = np.minimum(stage.available, rank + margin).astype(np.int64)
        return lengths

    def _total_cost(self, open_sites: IntArray) -> float:
        """Exact weighted hours with ``open_sites`` open (inf if a weighted point reaches none)."""
        nearest = self.cost[:, open_sites].min(axis=1)
        weighted = self.weights > 0
        return float(np.dot(self.weights[weighted], nearest[weighted]))

    def _grow(
        self,
        lists: CandidateLists,
        sites: IntArray,
        free: IntArray,
        opened: IntArray,
        limit: IntArray,
        available: IntArray,
    ) -> bool:
        """Lengthen the lists of points charged less than they pay; False when none was undercharged."""
        open_sites = np.union1d(opened, sites).astype(np.int64)
        pays = self.cost[lists.demand][:, open_sites].min(axis=1)
        charged = _charged(lists, np.isin(free, sites))
        short = (pays > charged + 1e-9 * np.maximum(1.0, pays)) & (limit < available)
        if not short.any():
            return False
        limit[short] = np.minimum(available[short], np.maximum(limit[short] * GROWTH, limit[short] + 1))
        return True

    def _result(
        self,
        sites: IntArray,
        cost: float,
        bound: float,
        status: Status,
        started: float,
        iterations: int,
        rows: int,
        columns: int,
    ) -> AllocationResult:
        open_sites = np.union1d(self.existing, sites).astype(np.int64)
        sub = self.cost[:, open_sites]
        best = np.argmin(sub, axis=1)
        times = sub[np.arange(sub.shape[0]), best]
        assignment = np.where(np.isfinite(times), open_sites[best], -1).astype(np.int64)
        reach = self.standard_hours if self.standard_hours is not None else math.inf
        covered = times <= reach
        n, m = self.cost.shape
        gap = _gap(cost, bound)
        return AllocationResult(
            model="p-median",
            status=status,
            objective=cost,
            gap=0.0 if status == "optimal" else gap,
            sites=sites,
            covered_weight=float(self.weights[covered].sum()),
            total_weight=float(self.weights.sum()),
            assignment=assignment,
            solve_seconds=time.perf_counter() - started,
            bound=bound,
            existing=self.existing,
            reduction=Reduction(n, rows, m, columns),
            iterations=iterations,
        )


def _gap(cost: float, bound: float) -> float:
    """Relative gap between an exact cost and a lower bound."""
    if not math.isfinite(cost) or not math.isfinite(bound):
        return math.inf
    return max(0.0, cost - bound) / max(abs(cost), 1e-12) if cost > 0 else 0.0


def candidate_lists(
    active: IntArray,
    masked: FloatArray,
    available: IntArray,
    limit: IntArray,
    nearest_existing: FloatArray,
    weights: FloatArray,
) -> CandidateLists:
    """Sorted candidate lists of length ``limit`` (with the next time as the tail when cut short)."""
    width = int(min(masked.shape[1], (limit.max() + 1) if limit.size else 0))
    if width == 0:
        positions = np.zeros((len(active), 0), dtype=np.int64)
    elif width < masked.shape[1]:
        positions = np.argpartition(masked, width - 1, axis=1)[:, :width]
    else:
        positions = np.broadcast_to(np.arange(width), (len(active), width))
    times = np.take_along_axis(masked, positions, axis=1)
    order = np.argsort(times, axis=1, kind="stable")
    positions = np.take_along_axis(positions, order, axis=1).astype(np.int64)
    times = np.take_along_axis(times, order, axis=1)
    cut = limit < available
    after = np.where(cut, times[np.arange(len(active)), np.minimum(limit, max(width - 1, 0))], np.inf)
    tail = np.minimum(nearest_existing[active], after) if width else nearest_existing[active]
    return CandidateLists(active, positions, times, limit.astype(np.int64), tail, weights[active])


@dataclass(frozen=True, eq=False)
class ChainBlock:
    """The Elloumi rows of some candidate lists, as COO entries over [site columns | z columns]: row and
    column indices (z columns numbered from ``first_z``), values, the z costs and upper bounds, the rows'
    lower bounds (upper bounds are +inf) and the constant part of the objective."""

    rows: IntArray
    cols: IntArray
    values: FloatArray
    z_cost: FloatArray
    z_upper: FloatArray
    row_lower: FloatArray
    offset: float


def chain_block(lists: CandidateLists, site_columns: IntArray, first_z: int) -> ChainBlock:
    """Elloumi chains: z_i1 + x_j(i,1) >= 1, z_il - z_i,l-1 + x_j(i,l) >= 0; the z_il cost the step to the
    next time (the tail after the last; a last z with an infinite tail is fixed at 0)."""
    rows_n, width = lists.positions.shape
    slot = np.arange(width)[None, :]
    valid = slot < lists.length[:, None]
    entries = int(valid.sum())
    offsets = np.concatenate(([0], np.cumsum(lists.length)[:-1])).astype(np.int64)
    owner = np.broadcast_to(np.arange(rows_n)[:, None], (rows_n, width))[valid]
    level = np.broadcast_to(slot, (rows_n, width))[valid]
    row = offsets[owner] + level
    z_col = first_z + row
    x_col = site_columns[lists.positions[valid]]
    times = lists.times[valid]
    last = level == lists.length[owner] - 1
    following = np.where(last, lists.tail[owner], np.roll(times, -1))
    closed = last & ~np.isfinite(lists.tail[owner])
    step = np.where(closed, 0.0, following - times)
    chain = level > 0
    first = lists.times[:, 0] if width else np.zeros(rows_n)
    has = lists.length > 0
    offset = float(np.dot(lists.weight[has], first[has]) + np.dot(lists.weight[~has], lists.tail[~has]))
    return ChainBlock(
        rows=np.concatenate((row, row[chain], row)),
        cols=np.concatenate((z_col, z_col[chain] - 1, x_col)),
        values=np.concatenate((np.ones(entries), -np.ones(int(chain.sum())), np.ones(entries))),
        z_cost=lists.weight[owner] * step,
        z_upper=np.where(closed, 0.0, 1.0),
        row_lower=np.where(level == 0, 1.0, 0.0),
        offset=offset,
    )


def _p_median_program(lists: CandidateLists, free: int, p: int) -> MixedIntegerProgram:
    """Columns [x (free candidates) | z (one per list entry)], rows [one per list entry | sum x = p]."""
    block = chain_block(lists, np.arange(free, dtype=np.int64), free)
    entries = block.z_cost.size
    matrix = sparse.csc_array(
        (
            np.concatenate((block.values, np.ones(free))),
            (
                np.concatenate((block.rows, np.full(free, entries))),
                np.concatenate((block.cols, np.arange(free))),
            ),
        ),
        shape=(entries + 1, free + entries),
    )
    return MixedIntegerProgram(
        sense="minimize",
        cost=np.concatenate((np.zeros(free), block.z_cost)),
        col_lower=np.zeros(free + entries),
        col_upper=np.concatenate((np.ones(free), block.z_upper)),
        integral=np.concatenate((np.ones(free, dtype=bool), np.zeros(entries, dtype=bool))),
        matrix=matrix,
        row_lower=np.concatenate((block.row_lower, [float(p)])),
        row_upper=np.concatenate((np.full(entries, math.inf), [float(p)])),
        offset=block.offset,
    )


def _charged(lists: CandidateLists, is_open: BoolArray) -> FloatArray:
    """What the program charges each list's point for the open free candidates (``is_open`` by position)."""
    width = lists.positions.shape[1]
    valid = np.arange(width)[None, :] < lists.length[:, None]
    hit = valid & is_open[lists.positions] if width else np.zeros((len(lists.demand), 0), dtype=bool)
    first_hit = np.where(hit.any(axis=1), np.argmax(hit, axis=1), -1)
    charged = lists.tail.copy()
    found = first_hit >= 0
    charged[found] = lists.times[np.flatnonzero(found), first_hit[found]]
    return charged


def _start_values(lists: CandidateLists, free: int, sites: IntArray, free_index: IntArray) -> FloatArray:
    """A feasible start for the program: x from ``sites``, each z_il = 1 until the list's first open site."""
    is_open = np.isin(free_index, sites)
    width = lists.positions.shape[1]
    valid = np.arange(width)[None, :] < lists.length[:, None]
    hit = valid & is_open[lists.positions] if width else np.zeros((len(lists.demand), 0), dtype=bool)
    seen = np.cumsum(hit, axis=1) > 0
    z = (~seen)[valid].astype(np.float64)
    return np.concatenate((is_open.astype(np.float64), z))


def local_search(
    cost: FloatArray,
    weights: FloatArray,
    fixed: FloatArray,
    p: int,
    rounds: int = 100,
    *,
    restarts: int | None = None,
    seconds: float = math.inf,
) -> IntArray:
    """A good p-median solution fast: greedy additions, then best-improvement swaps (one site out, one in)
    while they lower the weighted cost; then up to ``restarts`` (default ``RESTARTS``) more swap descents from
    random sets of p sites (seeded: the same input gives the same answer) within ``seconds``, keeping the
    cheapest and stopping once the best has been reached ``CONFIRMATIONS`` more times. The greedy descent
    alone often stops 1-2 % above the optimum on clustered instances, which no lower bound can close.
    ``cost`` is demand x free candidates (inf: unreachable), ``fixed`` each point's time to its nearest existing
    site. Returns candidate positions. A swap round costs O(demand x candidates) (Whitaker's fast interchange).
    """
    started = time.perf_counter()
    finite = cost[np.isfinite(cost)]
    big = 10.0 * (float(finite.max()) if finite.size else 1.0) + 1.0
    hours = np.where(np.isfinite(cost), cost, big)
    floor = np.where(np.isfinite(fixed), fixed, big)
    current = floor.copy()
    chosen: list[int] = []
    for _ in range(min(p, hours.shape[1])):
        gain = weights @ np.maximum(current[:, None] - hours, 0.0)
        gain[chosen] = -1.0
        best = int(np.argmax(gain))
        chosen.append(best)
        current = np.minimum(current, hours[:, best])
    best_sites, best_cost = _swap_descent(hours, weights, floor, chosen, rounds)
    m = hours.shape[1]
    if p == 0 or p >= m:
        return best_sites
    random = np.random.default_rng(RESTART_SEED)
    found = 1
    for _ in range(RESTARTS if restarts is None else restarts):
        if time.perf_counter() - started > seconds:
            break
        start = [int(j) for j in random.choice(m, size=p, replace=False)]
        sites, value = _swap_descent(hours, weights, floor, start, rounds)
        if value < best_cost - 1e-9 * max(1.0, abs(best_cost)):
            best_sites, best_cost, found = sites, value, 1
        elif value <= best_cost + 1e-9 * max(1.0, abs(best_cost)):
            found += 1
            if found > CONFIRMATIONS:
                break
    return best_sites


def _swap_descent(
    hours: FloatArray, weights: FloatArray, floor: FloatArray, start: list[int], rounds: int
) -> tuple[IntArray, float]:
    """Best-improvement swaps from ``start`` until none lowers the cost: (sites, weighted cost). For removing
    open site r and adding j, delta = sum_i w_i (min(h_ij, base_r(i)) - first_i), base_r(i) being i's second
    nearest when r serves it and its nearest otherwise; split into the add gain (all points) and a correction
    over r's own points, each round costs a few passes over the matrix instead of p."""
    chosen = list(start)
    n = hours.shape[0]
    rows = np.arange(n)
    while True:
        open_hours = np.column_stack((hours[:, chosen], floor))
        order = np.argsort(open_hours, axis=1)[:, :2]
        first = open_hours[rows, order[:, 0]]
        second = open_hours[rows, order[:, 1]] if len(chosen) else first
        total = float(weights @ first)
        if rounds <= 0 or not chosen:
            return np.asarray(chosen, dtype=np.int64), total
        rounds -= 1
        add_gain = weights @ np.maximum(first[:, None] - hours, 0.0)
        best_delta, best_swap = -1e-9 * max(1.0, total), None
        for position in range(len(chosen)):
            own = order[:, 0] == position
            if own.any():
                h = hours[own]
                f, s = first[own, None], second[own, None]
                correction = weights[own] @ (np.minimum(h, s) - f + np.maximum(f - h, 0.0))
            else:
                correction = np.zeros(hours.shape[1])
            delta = correction - add_gain
            delta[chosen] = np.inf
            j = int(np.argmin(delta))
            if delta[j] < best_delta:
                best_delta, best_swap = float(delta[j]), (position, j)
        if best_swap is None:
            return np.asarray(chosen, dtype=np.int64), total
        chosen[best_swap[0]] = best_swap[1]


def lagrangian_fixing(
    lists: CandidateLists, free: int, p: int, upper: float, seconds: float, target_gap: float = 0.0
) -> tuple[float, BoolArray, BoolArray]:
    """Lagrangian lower bound (assignment constraints relaxed, subgradient with Polyak steps towards
    ``upper``) and the candidates it proves closed, or open, in every solution cheaper than ``upper``.

    Each multiplier is capped at the point's weighted tail time, so only listed candidates can have negative
    reduced cost and every evaluation is sparse; any multipliers give a valid bound, so the cap costs at most
    some strength. Forcing candidate j open (closed) raises the bound by its reduced cost minus the p-th
    (plus the (p+1)-th) smallest; above ``upper`` the candidate is closed (open) for good.
    Stops early once the bound is within ``target_gap`` (relative) of ``upper``.
    """
    started = time.perf_counter()
    closed = np.zeros(free, dtype=bool)
    forced = np.zeros(free, dtype=bool)
    if p == 0 or p >= free or not math.isfinite(upper) or seconds <= 0:
        return -math.inf, closed, forced
    width = lists.positions.shape[1]
    valid = np.arange(width)[None, :] < lists.length[:, None]
    owner = np.broadcast_to(np.arange(lists.demand.size)[:, None], valid.shape)[valid]
    column = lists.positions[valid]
    weighted = lists.weight[owner] * lists.times[valid]
    cap = lists.weight * lists.tail
    reach = np.isfinite(cap)
    first = lists.weight * (lists.times[:, 0] if width else lists.tail)
    multiplier = np.where(reach, np.minimum(first, cap), np.where(np.isfinite(first), first, 0.0))
    tolerance = 1e-9 * max(1.0, abs(upper))
    best, step, stall = -math.inf, 2.0, 0
    direction: FloatArray = np.zeros(cap.size)
    for _ in range(LAGRANGIAN_ROUNDS):
        reduced = np.minimum(weighted - multiplier[owner], 0.0)
        rho = np.bincount(column, weights=reduced, minlength=free)
        order = np.argpartition(rho, p)
        chosen, others = order[:p], order[p:]
        value = float(multiplier.sum()) + float(rho[chosen].sum())
        if value > best + tolerance:
            best, stall = value, 0
        else:
            stall += 1
            if stall >= LAGRANGIAN_STALL:
                step, stall = step / 2, 0
        pth, next_ = float(rho[chosen].max()), float(rho[others].min())
        closed[others] |= value + rho[others] - pth > upper + tolerance
        forced[chosen] |= value - rho[chosen] + next_ > upper + tolerance
        if upper - best <= max(tolerance, target_gap * abs(upper)) or step < 1e-4:
            break
        if time.perf_counter() - started > seconds:
            break
        is_chosen = np.zeros(free, dtype=bool)
        is_chosen[chosen] = True
        served = np.bincount(
            owner, weights=(is_chosen[column] & (weighted < multiplier[owner])), minlength=cap.size
        )
        slope = 1.0 - served
        slope[reach & (multiplier >= cap) & (slope > 0)] = 0.0  # at the cap: cannot rise
        # Camerini-Fratta-Maffioli deflection: damps the zig-zag of plain subgradient steps (any
        # multipliers within [0, cap] still give a valid bound)
        inner, previous = float(slope @ direction), float(direction @ direction)
        if previous > 0.0 and inner < 0.0:
            slope = np.asarray(slope - 1.5 * inner / previous * direction, dtype=np.float64)
        direction = np.asarray(slope, dtype=np.float64)
        norm = float(slope @ slope)
        if norm == 0.0:
            break
        multiplier = np.clip(
            multiplier + step * (upper - value) / norm * slope, 0.0, np.where(reach, cap, np.inf)
        )
    return best, closed, forced

"""What the location models return, and the input checks they share."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np
from numpy.typing import ArrayLike
from scipy import sparse

from pochub.core.allocation._geodesy import FloatArray, IntArray
from pochub.core.allocation.solver import Status

ModelName = Literal["mclp", "lscp", "p-median", "capacitated-coverage", "capacitated-time"]


@dataclass(frozen=True)
class Reduction:
    """How much the reductions shrank the program: demand points and candidates before and after."""

    demand_points: int
    demand_rows: int
    candidates: int
    candidate_columns: int


@dataclass(frozen=True, eq=False)
class AllocationResult:
    """A solved location model.

    ``objective`` is the model's own objective, recomputed exactly from the chosen sites (covered weight for
    MCLP and capacitated coverage, number of new sites for LSCP, weighted hours for p-median and capacitated
    time); ``bound`` is the best proven bound on the optimum and ``gap`` their relative difference (0 when
    ``status`` is ``optimal``). ``sites`` are the new sites (candidate column indices, sorted); ``existing``
    the fixed ones. ``assignment`` gives each demand point its serving site (a column index, new or existing:
    the nearest open one, among those meeting the standard for coverage models) or -1 when none serves it.
    ``covered_weight`` is the demand weight within the standard (for p-median: within ``standard_hours`` when
    given, else reachable at all). ``unit_sites`` is each unit's site in the capacitated assignment.
    """

    model: ModelName
    status: Status
    objective: float
    gap: float
    sites: IntArray
    covered_weight: float
    total_weight: float
    assignment: IntArray
    solve_seconds: float
    bound: float
    existing: IntArray
    reduction: Reduction
    unit_sites: IntArray | None = None
    iterations: int = 1

    @property
    def covered_share(self) -> float:
        """Covered weight over total weight (1 when there is no weight)."""
        return self.covered_weight / self.total_weight if self.total_weight > 0 else 1.0

    @property
    def open_sites(self) -> IntArray:
        """Existing and new sites together, sorted."""
        return np.union1d(self.existing, self.sites).astype(np.int64)


def check_weights(weights: ArrayLike | None, n: int, what: str = "demand weights") -> FloatArray:
    """Non-negative finite weights of length ``n`` (ones when None)."""
    if weights is None:
        return np.ones(n)
    values = np.asarray(weights, dtype=np.float64).reshape(-1)
    if values.size != n:
        raise ValueError(f"{values.size} {what} for {n} demand points")
    if not np.isfinite(values).all() or (values < 0).any():
        raise ValueError(f"{what} must be finite and non-negative")
    return values


def check_existing(existing: Sequence[int] | ArrayLike, candidates: int) -> IntArray:
    """Distinct column indices of existing (fixed) sites, sorted."""
    values = np.asarray(existing, dtype=np.int64).reshape(-1)
    if values.size and (values.min() < 0 or values.max() >= candidates):
        raise ValueError(f"an existing site index lies outside the {candidates} candidate columns")
    unique = np.unique(values)
    if unique.size != values.size:
        raise ValueError("an existing site is listed twice")
    return unique


def check_sites(p: int, candidates: int, existing: int) -> None:
    """``p`` new sites must be a non-negative integer no larger than the free candidates."""
    if isinstance(p, bool) or not isinstance(p, int | np.integer) or p < 0:
        raise ValueError(f"the number of new sites p must be a non-negative integer, not {p!r}")
    free = candidates - existing
    if p > free:
        raise ValueError(
            f"p = {p} new sites requested but only {free} candidate(s) are free "
            f"({candidates} candidates, {existing} existing)"
        )


def describe_points(indices: IntArray, ids: Sequence[str] | None, limit: int = 20) -> str:
    """``'c1', 'c7' and 3 more`` — demand points named by id when given, else by index."""
    names = [repr(ids[int(i)]) if ids is not None else str(int(i)) for i in indices[:limit]]
    more = f" and {indices.size - limit} more" if indices.size > limit else ""
    return ", ".join(names) + more


def nearest_open(
    cost: FloatArray | None, coverage: sparse.csr_array | None, open_sites: IntArray, n: int
) -> IntArray:
    """Each demand point's serving site among ``open_sites``: the cheapest (within ``coverage`` when given),
    else the first covering one when there are no costs; -1 when none qualifies."""
    result = np.full(n, -1, dtype=np.int64)
    if open_sites.size == 0 or n == 0:
        return result
    if cost is not None:
        sub = np.asarray(cost[:, open_sites], dtype=np.float64)
        if coverage is not None:
            allowed = coverage[:, open_sites].toarray()
            sub = np.where(allowed, sub, np.inf)
        best = np.argmin(sub, axis=1)
        found = np.isfinite(sub[np.arange(n), best])
        result[found] = open_sites[best[found]]
        return result
    if coverage is None:
        return result
    sub = sparse.csr_array(coverage[:, open_sites])
    sub.sort_indices()
    has = np.diff(sub.indptr) > 0
    result[has] = open_sites[sub.indices[sub.indptr[:-1][has]]]
    return result

"""Coverage of communities by the mission's units and the protection gap, from a response-time matrix.

The matrix is units x communities (hours; ``inf`` when a unit cannot reach a community). For each community:
the fastest available unit and its time, and how many units reach it within each response standard. For each
standard: the weight (population, or risk-weighted population) covered and the gap beyond it. Adding a unit (a
row) can only add coverage and lower fastest times; the property tests check it.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike, NDArray

from pochub.core.allocation._geodesy import FloatArray, IntArray
from pochub.core.allocation.results import check_weights

DEFAULT_STANDARDS_HOURS: tuple[float, ...] = (1.0, 4.0, 24.0)
"""Response standards *(unverified: set them from the mission's own concept of operations)*."""


@dataclass(frozen=True, eq=False)
class CoverageResult:
    """Per community: ``fastest_unit`` (row index, -1 when none reaches it), ``fastest_hours`` (inf when none),
    ``units_within`` (communities x standards: units meeting each standard) and ``weights``. Per standard:
    ``covered_weight``, ``gap_weight`` (weight beyond the standard) and ``covered_share``. ``total_weight`` and
    the weighted median response time (the time within which half the weight is reached; inf when more than
    half is unreachable) summarise the posture."""

    standards_hours: tuple[float, ...]
    fastest_unit: IntArray
    fastest_hours: FloatArray
    units_within: NDArray[np.int64]
    weights: FloatArray
    covered_weight: FloatArray
    gap_weight: FloatArray
    total_weight: float
    median_response_hours: float

    @property
    def covered_share(self) -> FloatArray:
        """Covered weight over total weight for each standard (1 when there is no weight)."""
        if self.total_weight <= 0:
            return np.ones(len(self.standards_hours))
        share: FloatArray = self.covered_weight / self.total_weight
        return share

    def covered(self, standard_hours: float) -> NDArray[np.bool_]:
        """Which communities a unit reaches within ``standard_hours`` (any value, not only the listed ones)."""
        return self.fastest_hours <= standard_hours

    def gap_communities(self, standard_hours: float) -> IntArray:
        """Indices of the communities beyond ``standard_hours``, heaviest first."""
        beyond = np.flatnonzero(~self.covered(standard_hours))
        return beyond[np.argsort(-self.weights[beyond], kind="stable")].astype(np.int64)


def assess_coverage(
    times: ArrayLike,
    weights: ArrayLike | None = None,
    standards_hours: Sequence[float] = DEFAULT_STANDARDS_HOURS,
    available: ArrayLike | None = None,
) -> CoverageResult:
    """Coverage of the communities (columns of ``times``) by the units (rows) that are ``available``.

    ``weights`` are population or risk-weighted population (ones by default).
    """
    matrix = np.asarray(times, dtype=np.float64)
    if matrix.ndim != 2:
        raise ValueError(f"the time matrix must be 2-D (units x communities), not {matrix.ndim}-D")
    if np.isnan(matrix).any() or (matrix < 0).any():
        raise ValueError("response times must be non-negative hours (inf when a unit cannot reach)")
    units, communities = matrix.shape
    values = check_weights(weights, communities, "community weights")
    standards = tuple(float(s) for s in standards_hours)
    if not standards or any(math.isnan(s) or s < 0 for s in standards):
        raise ValueError(f"response standards must be non-negative hours, not {standards_hours!r}")
    if available is not None:
        mask = np.asarray(available, dtype=bool).reshape(-1)
        if mask.size != units:
            raise ValueError(f"{mask.size} availability flags for {units} units")
        matrix = np.where(mask[:, None], matrix, np.inf)
    if units:
        fastest_unit = np.argmin(matrix, axis=0).astype(np.int64)
        fastest_hours = matrix[fastest_unit, np.arange(communities)]
    else:
        fastest_unit = np.zeros(communities, dtype=np.int64)
        fastest_hours = np.full(communities, np.inf)
    fastest_unit[~np.isfinite(fastest_hours)] = -1
    thresholds = np.asarray(standards)
    units_within = np.column_stack([(matrix <= s).sum(axis=0) for s in standards]).astype(np.int64)
    covered = fastest_hours[:, None] <= thresholds[None, :]
    covered_weight = values @ covered
    total = float(values.sum())
    return CoverageResult(
        standards_hours=standards,
        fastest_unit=fastest_unit,
        fastest_hours=fastest_hours,
        units_within=units_within,
        weights=values,
        covered_weight=np.asarray(covered_weight, dtype=np.float64),
        gap_weight=total - np.asarray(covered_weight, dtype=np.float64),
        total_weight=total,
        median_response_hours=weighted_median(fastest_hours, values),
    )


def weighted_median(values: FloatArray, weights: FloatArray) -> float:
    """The smallest value v such that at least half the weight has values <= v (inf allowed; nan if no weight)."""
    total = float(weights.sum())
    if values.size == 0 or total <= 0:
        return math.nan
    order = np.argsort(values, kind="stable")
    cumulative = np.cumsum(weights[order])
    index = int(np.searchsorted(cumulative, total / 2.0, side="left"))
    return float(values[order][min(index, values.size - 1)])


@dataclass(frozen=True)
class StandardComparison:
    """One response standard under the current and the proposed posture."""

    standard_hours: float
    current_covered_weight: float
    proposed_covered_weight: float
    current_gap_weight: float
    proposed_gap_weight: float

    @property
    def covered_gain(self) -> float:
        """Weight newly covered by the proposal (negative if it loses coverage)."""
        return self.proposed_covered_weight - self.current_covered_weight


@dataclass(frozen=True)
class PostureComparison:
    """Current posture vs a proposed one: per standard, and the weighted median response time."""

    standards: tuple[StandardComparison, ...]
    total_weight: float
    current_median_hours: float
    proposed_median_hours: float
    communities_improved: int
    """Communities whose fastest response became faster."""


def compare_postures(current: CoverageResult, proposed: CoverageResult) -> PostureComparison:
    """Compare two coverage results over the same communities and standards."""
    if current.standards_hours != proposed.standards_hours:
        raise ValueError("the two postures were assessed against different standards")
    if current.weights.shape != proposed.weights.shape or not np.array_equal(
        current.weights, proposed.weights
    ):
        raise ValueError("the two postures cover different communities or weights")
    rows = tuple(
        StandardComparison(
            standard,
            float(current.covered_weight[k]),
            float(proposed.covered_weight[k]),
            float(current.gap_weight[k]),
            float(proposed.gap_weight[k]),
        )
        for k, standard in enumerate(current.standards_hours)
    )
    improved = int((proposed.fastest_hours < current.fastest_hours).sum())
    return PostureComparison(
        rows, current.total_weight, current.median_response_hours, proposed.median_response_hours, improved
    )


def posture_times(existing_times: ArrayLike, candidate_times: ArrayLike, sites: ArrayLike) -> FloatArray:
    """The time matrix of a proposed posture: the existing units' rows plus the rows of the chosen candidate
    sites (both matrices sites x communities)."""
    existing = np.asarray(existing_times, dtype=np.float64)
    candidates = np.asarray(candidate_times, dtype=np.float64)
    chosen = np.asarray(sites, dtype=np.int64).reshape(-1)
    if existing.ndim != 2 or candidates.ndim != 2 or existing.shape[1] != candidates.shape[1]:
        raise ValueError("existing and candidate time matrices must both be sites x the same communities")
    return np.vstack((existing, candidates[chosen]))

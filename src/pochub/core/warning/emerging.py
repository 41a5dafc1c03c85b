"""Emerging hot and cold spots: how each unit's Gi* hot/cold status evolves over the periods of a panel.

As ESRI's Emerging Hot Spot Analysis: a Gi* z-score and p-value per unit and period (here with the same spatial
weights in every period), the Mann–Kendall trend test on each unit's z series, and one of eight patterns from
the run of significant periods (significance 90 %, i.e. two-sided p <= 0.10, unless told otherwise):

- ``new``: hot in the final period and never before;
- ``consecutive``: a single uninterrupted run of at least two hot periods at the end, never hot before it, and
  hot in less than 90 % of the periods;
- ``intensifying`` / ``persistent`` / ``diminishing``: hot in at least 90 % of the periods including the final
  one, with a significant upward trend / no significant trend / a significant downward trend of z;
- ``sporadic``: hot in the final period, also hot on and off before the final run, in less than 90 % of the
  periods, never cold;
- ``oscillating``: hot in the final period, cold in some earlier period, hot in less than 90 % of the periods;
- ``historical``: not hot in the final period, but hot in at least 90 % of the periods.

The cold versions, prefixed ``cold_``, swap hot and cold (and up and down). A unit whose final period is hot
(cold) gets a hot (cold) pattern when one applies; else a historical one; else ``no_pattern``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Literal

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy import sparse

from pochub.core.warning.hotspots import (
    Tail,
    benjamini_hochberg,
    binary_weights,
    gi_star_test,
    gi_star_z,
    normal_tail,
)
from pochub.core.warning.panel import Panel

PATTERNS = (
    "new",
    "consecutive",
    "intensifying",
    "persistent",
    "diminishing",
    "sporadic",
    "oscillating",
    "historical",
)
CATEGORIES = (*PATTERNS, *(f"cold_{name}" for name in PATTERNS), "no_pattern")
MOST_PERIODS = 0.9
"""Share of periods that makes a hot spot persistent (or intensifying, diminishing, historical)."""
Variable = Literal["events", "fatalities", "civilian_fatalities"]


@dataclass(frozen=True)
class MannKendall:
    """Mann–Kendall trend test of each series: Kendall's tau-b against time, the statistic S, its normal score
    (tie-corrected variance, continuity correction) and the two-sided p-value."""

    tau: NDArray[np.float64]
    s: NDArray[np.float64]
    z: NDArray[np.float64]
    p: NDArray[np.float64]


def mann_kendall(series: ArrayLike) -> MannKendall:
    """The Mann–Kendall test of every row of ``series`` (units x periods, in time order; 1-D is one row).

    S = Σ_{i<j} sign(x_j − x_i); Var(S) = [n(n−1)(2n+5) − Σ_t t(t−1)(2t+5)] / 18 over groups of t tied values;
    z = (S − sign S) / √Var(S) (0 when Var(S) = 0); p = 2 (1 − Φ(|z|)); tau = S / √(n₀ (n₀ − n₁)), n₀ = n(n−1)/2,
    n₁ the tied pairs (0 when every value ties).
    """
    x = np.atleast_2d(np.asarray(series, dtype=np.float64))
    if x.ndim != 2:
        raise ValueError(f"series must be 1-D or 2-D, not {x.ndim}-D")
    if not np.isfinite(x).all():
        raise ValueError("series must be finite")
    n = x.shape[1]
    s = np.zeros(x.shape[0])
    tied_with = np.zeros(x.shape)  # how many other values of its row each value equals
    for lag in range(1, n):
        difference = x[:, lag:] - x[:, :-lag]
        s += np.sign(difference).sum(axis=1)
        equal = difference == 0
        tied_with[:, lag:] += equal
        tied_with[:, :-lag] += equal
    # Σ over tie groups of f(t) is Σ over values of f(t) / t, t being the size of the value's group.
    group = tied_with + 1
    variance = (n * (n - 1) * (2 * n + 5) - ((group - 1) * (2 * group + 5)).sum(axis=1)) / 18
    pairs = n * (n - 1) / 2
    tied_pairs = ((group - 1) / 2).sum(axis=1)
    z = np.zeros_like(s)
    np.divide(s - np.sign(s), np.sqrt(np.maximum(variance, 0.0)), out=z, where=variance > 0)
    denominator = np.sqrt(pairs * (pairs - tied_pairs))
    tau = np.zeros_like(s)
    np.divide(s, denominator, out=tau, where=denominator > 0)
    return MannKendall(tau=tau, s=s, z=z, p=2 * normal_tail(z))


@dataclass(frozen=True)
class EmergingHotspotResult:
    """The pattern of each unit, the Mann–Kendall trend of its z series, and its Gi* z and p per period."""

    units: tuple[str, ...]
    periods: tuple[date, ...]
    categories: tuple[str, ...]
    trend_tau: NDArray[np.float64]
    trend_z: NDArray[np.float64]
    trend_p: NDArray[np.float64]
    z: NDArray[np.float64]
    """Units x periods."""
    p: NDArray[np.float64]
    """Units x periods, two-sided."""


def _final_run(flags: NDArray[np.bool_]) -> NDArray[np.int64]:
    """Length of the run of True at the end of each row."""
    reversed_flags = flags[:, ::-1]
    run: NDArray[np.int64] = np.argmin(reversed_flags, axis=1).astype(np.int64)  # position of the last False
    run[reversed_flags.all(axis=1)] = flags.shape[1]
    return run


def _patterns(
    hot: NDArray[np.bool_], cold: NDArray[np.bool_], up: NDArray[np.bool_], down: NDArray[np.bool_]
) -> tuple[NDArray[np.bool_], NDArray[np.object_]]:
    """Of each unit, read as a hot spot: (whether a pattern applies, i.e. its final period is hot or it is
    historical; the pattern)."""
    periods = hot.shape[1]
    times_hot = hot.sum(axis=1)
    mostly = times_hot >= MOST_PERIODS * periods - 1e-9
    final = hot[:, -1]
    run = _final_run(hot)
    pattern = np.select(
        [
            mostly & up,
            mostly & down,
            mostly,
            times_hot == 1,
            times_hot == run,
            cold[:, :-1].any(axis=1),
        ],
        ["intensifying", "diminishing", "persistent", "new", "consecutive", "oscillating"],
        "sporadic",
    ).astype(object)
    historical = ~final & mostly
    pattern[historical] = "historical"
    return final | historical, pattern


def classify_emerging(
    z: ArrayLike,
    p: ArrayLike,
    alpha: float = 0.10,
    trend_alpha: float = 0.10,
    concordant: ArrayLike | None = None,
) -> tuple[tuple[str, ...], MannKendall]:
    """The emerging hot spot category of each unit (row) from its Gi* z and two-sided p series (periods in
    order), and the Mann–Kendall trend of its z series. A period is hot (cold) when p <= ``alpha`` and z > 0
    (z < 0) (and ``concordant``, when given); a trend is significant when its p <= ``trend_alpha``."""
    zs, ps = np.atleast_2d(np.asarray(z, dtype=np.float64)), np.atleast_2d(np.asarray(p, dtype=np.float64))
    if zs.shape != ps.shape or zs.shape[1] == 0:
        raise ValueError(f"z {zs.shape} and p {ps.shape} must have the same shape, with at least one period")
    significant = ps <= alpha
    if concordant is not None:
        significant &= np.atleast_2d(np.asarray(concordant, dtype=bool))
    hot, cold = significant & (zs > 0), significant & (zs < 0)
    trend = mann_kendall(zs)
    trending = trend.p <= trend_alpha
    up, down = trending & (trend.z > 0), trending & (trend.z < 0)
    hot_applies, hot_pattern = _patterns(hot, cold, up, down)
    cold_applies, cold_pattern = _patterns(cold, hot, down, up)
    final_hot, final_cold = hot[:, -1], cold[:, -1]
    categories = np.select(
        [final_hot & hot_applies, final_cold & cold_applies, hot_applies, cold_applies],
        [hot_pattern, "cold_" + cold_pattern, hot_pattern, "cold_" + cold_pattern],
        "no_pattern",
    )
    return tuple(categories.tolist()), trend


def emerging_hotspots(
    panel: Panel,
    weights: sparse.sparray | sparse.spmatrix,
    *,
    variable: Variable = "events",
    alpha: float = 0.10,
    trend_alpha: float = 0.10,
    permutations: int = 0,
    seed: int = 0,
    fdr: bool = False,
    tail: Tail = "inclusive",
) -> EmergingHotspotResult:
    """Emerging hot spots of a panel's ``variable`` under binary spatial ``weights`` aligned with its units
    (e.g. :func:`pochub.core.warning.hotspots.h3_neighbours` of ``panel.units``).

    p-values are two-sided: 2 × the one-sided normal p (``permutations=0``, as ESRI) or 2 × the pseudo p-value
    from ``permutations`` conditional permutations (seed ``seed + period``), capped at 1; with ``fdr`` they are
    Benjamini–Hochberg adjusted within each period before the categories are drawn.
    """
    counts = np.asarray(getattr(panel, variable), dtype=np.float64)
    units, periods = counts.shape
    matrix = binary_weights(weights)
    if matrix.shape[0] != units:
        raise ValueError(f"weights are {matrix.shape[0]} x {matrix.shape[0]}, the panel has {units} units")
    if periods == 0:
        raise ValueError("the panel has no periods")
    if permutations == 0:
        z = gi_star_z(counts, matrix)
        p = 2 * normal_tail(z)
        concordant = np.ones(z.shape, dtype=bool)
    else:
        tests = [gi_star_test(counts[:, t], matrix, permutations, seed + t, tail) for t in range(periods)]
        z = np.column_stack([test.z for test in tests])
        p = np.column_stack([np.minimum(2 * test.p, 1.0) for test in tests])
        concordant = np.column_stack([test.concordant for test in tests])
    if fdr:
        p = np.column_stack([benjamini_hochberg(p[:, t]) for t in range(periods)])
    categories, trend = classify_emerging(z, p, alpha, trend_alpha, concordant)
    return EmergingHotspotResult(
        units=panel.units,
        periods=panel.periods,
        categories=categories,
        trend_tau=trend.tau,
        trend_z=trend.z,
        trend_p=trend.p,
        z=z,
        p=p,
    )

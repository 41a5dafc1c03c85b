"""Surge detection: is a unit's latest window of counts improbable under its own trailing baseline?

Per unit, the baseline periods before the window give a mean m and a sample variance v per period. The mean is
floored (``mean_floor``, so that a unit with a quiet baseline is not flagged for a single event). When v > m the
counts are over-dispersed and modelled as negative binomial by the method of moments (size r = m**2 / (v - m));
otherwise as Poisson. The window's total over w periods is then negative binomial (mean w m, size w r) or Poisson
(mean w m), treating periods as independent. A surge is flagged when the tail probability P(X >= observed)
is at most ``alpha``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date

import numpy as np
from numpy.typing import NDArray
from scipy import stats

from pochub.core.warning.panel import Panel

FloatArray = NDArray[np.float64]

DEFAULT_WINDOWS = {"month": (1, 12), "week": (4, 52)}
"""Window and baseline lengths in periods by panel frequency: the last month against the 12 before it, the
last 4 weeks against the 52 before them."""


@dataclass(frozen=True)
class SurgeFlag:
    """One unit whose latest window is improbable under its baseline."""

    unit: str
    window_start: date
    window_end: date
    observed: int
    expected: float
    tail_probability: float
    alpha: float
    law: str


@dataclass(frozen=True, eq=False)
class SurgeReport:
    """The test of every unit's window ending at ``window_end``, and the flags (lowest tail probability first)."""

    window_start: date
    window_end: date
    window: int
    baseline: int
    alpha: float
    units: tuple[str, ...]
    observed: NDArray[np.int64]
    expected: FloatArray
    tail_probability: FloatArray
    flags: tuple[SurgeFlag, ...]


@dataclass(frozen=True)
class FalseAlarmReport:
    """How often the detector flags over history, and how often a flag is not followed by elevated counts.

    ``tests`` counts unit-windows with a full baseline; ``flag_rate`` = flags / tests (about ``alpha`` or less
    on a panel without surges). A flag is *confirmed* when the count over the next ``window`` periods is itself
    elevated: in the upper tail of the same baseline law, P(X >= next count) <= ``follow_alpha``; otherwise it is
    *unconfirmed* (the violence did not stay well above its usual level). ``unconfirmed_share`` = unconfirmed /
    followed, over the ``followed`` flags whose next window lies within the panel (NaN if none); on a panel
    without surges it is about 1 - ``follow_alpha``.
    """

    alpha: float
    follow_alpha: float
    window: int
    baseline: int
    tests: int
    flags: int
    flag_rate: float
    followed: int
    unconfirmed: int
    unconfirmed_share: float
    window_ends: tuple[date, ...]
    flags_per_window_end: tuple[int, ...]


def _lengths(panel: Panel, window: int | None, baseline: int | None) -> tuple[int, int]:
    default_window, default_baseline = DEFAULT_WINDOWS.get(panel.frequency, (1, 12))
    w = default_window if window is None else window
    b = default_baseline if baseline is None else baseline
    if w < 1 or b < 2:
        raise ValueError("window must be >= 1 period and baseline >= 2 periods")
    return w, b


def _period_index(panel: Panel, period: date) -> int:
    try:
        return panel.periods.index(period)
    except ValueError:
        raise ValueError(f"{period} is not a period of the panel") from None


def _window_tests(
    events: NDArray[np.int64], window: int, baseline: int, mean_floor: float
) -> tuple[NDArray[np.int64], FloatArray, FloatArray, FloatArray]:
    """For every window end e with a full baseline (e >= window + baseline - 1), per unit: the observed window
    total, its expected value, the size of its law (inf: Poisson) and P(X >= observed); shape units x ends."""
    counts = np.asarray(events, dtype=np.float64)
    zero = np.zeros((counts.shape[0], 1))
    total = np.concatenate([zero, np.cumsum(counts, axis=1)], axis=1)
    squares = np.concatenate([zero, np.cumsum(counts**2, axis=1)], axis=1)
    ends = np.arange(window + baseline - 1, counts.shape[1])
    window_start = ends - window + 1
    baseline_start = window_start - baseline
    observed = np.rint(total[:, ends + 1] - total[:, window_start]).astype(np.int64)
    base_sum = total[:, window_start] - total[:, baseline_start]
    mean = base_sum / baseline
    variance = np.maximum(
        (squares[:, window_start] - squares[:, baseline_start] - base_sum * mean) / (baseline - 1), 0
    )
    floored = np.maximum(mean, mean_floor)
    over_dispersed = variance > floored
    excess = np.where(over_dispersed, variance - floored, 1.0)
    size = np.where(over_dispersed, window * floored**2 / excess, np.inf)
    expected = window * floored
    return observed, expected, size, _tail_probability(observed, expected, size)


def _tail_probability(observed: NDArray[np.int64], expected: FloatArray, size: FloatArray) -> FloatArray:
    """P(X >= observed) under negative binomial laws (mean, size), Poisson where the size is infinite."""
    finite = np.isfinite(size)
    safe_size = np.where(finite, size, 1.0)
    nb_tail = stats.nbinom.sf(observed - 1, safe_size, safe_size / (safe_size + expected))
    tail = np.where(finite, nb_tail, stats.poisson.sf(observed - 1, expected))
    return np.asarray(np.clip(tail, 0.0, 1.0), dtype=np.float64)


def detect_surges(
    panel: Panel,
    *,
    window: int | None = None,
    baseline: int | None = None,
    alpha: float = 0.01,
    mean_floor: float = 0.1,
    end: date | None = None,
) -> SurgeReport:
    """Test every unit's window of ``window`` periods ending at ``end`` (default: the last period) against the
    ``baseline`` periods before it (defaults by frequency: :data:`DEFAULT_WINDOWS`); flag P(X >= observed) <=
    ``alpha``. ``mean_floor`` is the smallest baseline mean per period."""
    if not 0.0 < alpha < 1.0 or mean_floor <= 0:
        raise ValueError("alpha must be within (0, 1) and mean_floor > 0")
    w, b = _lengths(panel, window, baseline)
    last = len(panel.periods) - 1 if end is None else _period_index(panel, end)
    if last < w + b - 1:
        raise ValueError(f"a window of {w} needs {b} baseline periods before it")
    observed, expected, size, tail = _window_tests(panel.events[:, : last + 1], w, b, mean_floor)
    observed, expected, size, tail = observed[:, -1], expected[:, -1], size[:, -1], tail[:, -1]
    start, stop = panel.periods[last - w + 1], panel.periods[last]
    flags = tuple(
        SurgeFlag(
            unit=panel.units[i],
            window_start=start,
            window_end=stop,
            observed=int(observed[i]),
            expected=float(expected[i]),
            tail_probability=float(tail[i]),
            alpha=alpha,
            law="poisson" if math.isinf(size[i]) else "negative_binomial",
        )
        for i in sorted(np.flatnonzero(tail <= alpha), key=lambda i: (tail[i], -observed[i]))
    )
    observed, expected, tail = observed.copy(), expected.copy(), tail.copy()
    for values in (observed, expected, tail):
        values.setflags(write=False)
    return SurgeReport(start, stop, w, b, alpha, panel.units, observed, expected, tail, flags)


def false_alarm_rate(
    panel: Panel,
    *,
    window: int | None = None,
    baseline: int | None = None,
    alpha: float = 0.01,
    mean_floor: float = 0.1,
    follow_alpha: float = 0.1,
) -> FalseAlarmReport:
    """Run the detector at every window end with a full baseline and count how often it flags, and how often a
    flag is not followed by elevated counts (see :class:`FalseAlarmReport` for the exact definitions)."""
    if not 0.0 < alpha < 1.0 or not 0.0 < follow_alpha < 1.0 or mean_floor <= 0:
        raise ValueError("alpha and follow_alpha must be within (0, 1) and mean_floor > 0")
    w, b = _lengths(panel, window, baseline)
    if len(panel.periods) < w + b:
        raise ValueError(f"a window of {w} needs {b} baseline periods before it")
    observed, expected, size, tail = _window_tests(panel.events, w, b, mean_floor)
    flagged = tail <= alpha
    ends = np.arange(w + b - 1, len(panel.periods))
    # the next window of the one ending at ends[j] ends at ends[j] + w: column j + w
    rows, columns = np.nonzero(flagged[:, : max(flagged.shape[1] - w, 0)])
    next_tail = _tail_probability(observed[rows, columns + w], expected[rows, columns], size[rows, columns])
    unconfirmed = int(np.sum(next_tail > follow_alpha))
    followed = int(rows.size)
    flags = int(flagged.sum())
    return FalseAlarmReport(
        alpha=alpha,
        follow_alpha=follow_alpha,
        window=w,
        baseline=b,
        tests=int(flagged.size),
        flags=flags,
        flag_rate=flags / flagged.size,
        followed=followed,
        unconfirmed=unconfirmed,
        unconfirmed_share=unconfirmed / followed if followed else math.nan,
        window_ends=tuple(panel.periods[e] for e in ends),
        flags_per_window_end=tuple(int(v) for v in flagged.sum(axis=0)),
    )

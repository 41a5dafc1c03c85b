"""Emerging hot spots: the Mann–Kendall test, each of ESRI's categories on hand-built series, and a panel."""

from __future__ import annotations

from datetime import date
from itertools import combinations

import h3
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats

from pochub.core.warning.emerging import CATEGORIES, classify_emerging, emerging_hotspots, mann_kendall
from pochub.core.warning.hotspots import h3_neighbours
from pochub.core.warning.panel import Panel

HOT, QUIET = 3.0, 0.0  # z of a significant (p = 0.0027) and of a quiet period
PERIODS = 12


def two_sided(z: np.ndarray) -> np.ndarray:
    return np.asarray(2 * stats.norm.sf(np.abs(z)))


def category(z: list[float]) -> str:
    series = np.asarray(z, dtype=float)
    assert series.size == PERIODS
    return classify_emerging(series, two_sided(series))[0][0]


# Each series: the z of one unit over 12 periods (significant when |z| > 1.645).
SERIES = {
    "new": [QUIET] * 11 + [HOT],
    "consecutive": [QUIET] * 8 + [HOT] * 4,
    "intensifying": list(np.linspace(2.0, 8.0, PERIODS)),
    "persistent": [HOT, 4.0] * 6,
    "diminishing": list(np.linspace(8.0, 2.0, PERIODS)),
    "sporadic": [HOT, QUIET, QUIET, HOT, QUIET, HOT, QUIET, QUIET, HOT, QUIET, QUIET, HOT],
    "oscillating": [-HOT, QUIET, HOT, QUIET, -HOT, QUIET, QUIET, HOT, QUIET, QUIET, QUIET, HOT],
    "historical": [HOT] * 11 + [QUIET],
}


@pytest.mark.parametrize("name", list(SERIES))
@pytest.mark.parametrize("side", [1.0, -1.0], ids=["hot", "cold"])
def test_each_category_on_a_hand_built_series(name: str, side: float) -> None:
    expected = name if side > 0 else f"cold_{name}"
    assert expected in CATEGORIES
    assert category([side * z for z in SERIES[name]]) == expected


def test_edge_cases_of_the_categories() -> None:
    assert category([QUIET] * PERIODS) == "no_pattern"
    assert category([HOT] + [QUIET] * 11) == "no_pattern"  # hot once, long ago
    assert category([QUIET] * 6 + [HOT, QUIET] + [HOT] * 4) == "sporadic"  # hot before the final run
    assert category([-HOT] + [QUIET] * 10 + [HOT]) == "new"  # never hot before, whatever the cold past
    assert category([HOT] * 11 + [-HOT]) == "cold_new"  # the final period decides before history does
    assert category([QUIET] + [HOT] * 11) == "persistent"  # 11/12 >= 90 %
    assert category([QUIET, QUIET] + [HOT] * 10) == "consecutive"  # 10/12 < 90 %
    exactly_90 = np.array([QUIET] + [HOT] * 9)  # 9 of 10 periods: "at least 90 %"
    assert classify_emerging(exactly_90, two_sided(exactly_90))[0] == ("persistent",)
    not_significant = np.full(PERIODS, 1.5)  # p = 0.13
    assert classify_emerging(not_significant, two_sided(not_significant))[0] == ("no_pattern",)


def test_classification_is_vectorised_over_units() -> None:
    z = np.array([[s * v for v in series] for s in (1.0, -1.0) for series in SERIES.values()])
    categories, trend = classify_emerging(z, two_sided(z))
    assert categories == (*SERIES, *(f"cold_{name}" for name in SERIES))
    assert trend.z.shape == (len(z),)


# --- Mann–Kendall ----------------------------------------------------------------------------------------------


@pytest.mark.parametrize("n", [8, 15, 30, 45])
def test_mann_kendall_agrees_with_kendalltau_without_ties(n: int) -> None:
    rng = np.random.default_rng(n)
    series = np.cumsum(rng.normal(0.1, 1.0, size=(20, n)), axis=1)
    result = mann_kendall(series)
    for row, s, tau, z, p in zip(series, result.s, result.tau, result.z, result.p, strict=True):
        reference = stats.kendalltau(np.arange(n), row)  # exact p-value without ties
        assert tau == pytest.approx(reference.statistic, abs=1e-12)
        assert np.sign(s) == np.sign(reference.statistic)
        assert np.sign(z) == (np.sign(s) if abs(s) > 1 else 0)  # continuity correction: |S| = 1 gives z = 0
        assert p == pytest.approx(reference.pvalue, abs=0.02)


def brute_mann_kendall(x: list[float]) -> tuple[float, float]:
    """S and its tie-corrected variance, from the textbook formulas."""
    n = len(x)
    s = sum(np.sign(x[j] - x[i]) for i, j in combinations(range(n), 2))
    groups = [x.count(v) for v in set(x)]
    variance = (n * (n - 1) * (2 * n + 5) - sum(t * (t - 1) * (2 * t + 5) for t in groups)) / 18
    return float(s), variance


@settings(max_examples=60, deadline=None)
@given(st.lists(st.integers(0, 4), min_size=3, max_size=25))
def test_mann_kendall_with_ties_matches_the_textbook(x: list[int]) -> None:
    result = mann_kendall(np.asarray(x, dtype=float))
    s, variance = brute_mann_kendall([float(v) for v in x])
    assert result.s[0] == s
    expected_z = (s - np.sign(s)) / np.sqrt(variance) if variance > 0 else 0.0
    assert result.z[0] == pytest.approx(expected_z, abs=1e-12)
    assert result.p[0] == pytest.approx(2 * stats.norm.sf(abs(expected_z)), abs=1e-12)
    if len(set(x)) > 1:
        assert result.tau[0] == pytest.approx(stats.kendalltau(np.arange(len(x)), x).statistic, abs=1e-12)


def test_mann_kendall_of_a_flat_or_short_series_is_no_trend() -> None:
    flat = mann_kendall(np.ones(10))
    assert (flat.s[0], flat.z[0], flat.p[0], flat.tau[0]) == (0.0, 0.0, 1.0, 0.0)
    short = mann_kendall([1.0])
    assert (short.z[0], short.p[0]) == (0.0, 1.0)
    with pytest.raises(ValueError, match="finite"):
        mann_kendall([1.0, np.nan, 2.0])


# --- a panel ---------------------------------------------------------------------------------------------------

CENTRE = h3.latlng_to_cell(-1.68, 29.22, 6)
FAR = h3.latlng_to_cell(-2.2, 28.9, 6)


def growing_panel() -> Panel:
    """Background Poisson(1) counts; a ring around CENTRE heating up every month, one around FAR in the last."""
    cells = sorted(set(h3.grid_disk(CENTRE, 8)) | set(h3.grid_disk(FAR, 3)))
    rng = np.random.default_rng(0)
    events = rng.poisson(1.0, size=(len(cells), PERIODS))
    for cell in h3.grid_disk(CENTRE, 1):
        events[cells.index(cell)] += 4 * np.arange(PERIODS) + 6
    for cell in h3.grid_disk(FAR, 1):
        events[cells.index(cell), -1] += 25
    periods = tuple(date(2019, month, 1) for month in range(1, PERIODS + 1))
    zeros = np.zeros_like(events)
    return Panel(tuple(cells), periods, events, zeros, zeros.copy())


@pytest.mark.parametrize("permutations", [0, 199])
def test_emerging_hotspots_of_a_panel(permutations: int) -> None:
    panel = growing_panel()
    weights = h3_neighbours(panel.units)
    result = emerging_hotspots(panel, weights, permutations=permutations, seed=1)
    assert result.units == panel.units and result.periods == panel.periods
    assert result.z.shape == result.p.shape == (len(panel.units), PERIODS)
    assert ((result.p >= 0) & (result.p <= 1)).all()
    assert set(result.categories) <= set(CATEGORIES)
    assert result.categories[panel.units.index(CENTRE)] == "intensifying"
    assert result.trend_z[panel.units.index(CENTRE)] > 0
    assert result.categories[panel.units.index(FAR)] == "new"
    with_fdr = emerging_hotspots(panel, weights, permutations=permutations, seed=1, fdr=True)
    assert (with_fdr.p >= result.p - 1e-12).all()  # adjusted p-values are never smaller
    if permutations == 0:  # pseudo p-values of 199 draws (floor 0.01) rarely survive the adjustment
        assert with_fdr.categories[panel.units.index(CENTRE)] == "intensifying"


def test_emerging_hotspots_refuses_misaligned_weights() -> None:
    panel = growing_panel()
    with pytest.raises(ValueError, match="units"):
        emerging_hotspots(panel, h3_neighbours(panel.units[:-1]))

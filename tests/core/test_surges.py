"""Surge detection: planted jumps are flagged, quiet panels are not, false alarms are counted."""

from __future__ import annotations

import math
from datetime import date, timedelta

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats

from pochub.core.warning.panel import Panel
from pochub.core.warning.surges import detect_surges, false_alarm_rate


def make_panel(events: np.ndarray, frequency: str = "month") -> Panel:
    counts = np.asarray(events, dtype=np.int64)
    n, t = counts.shape
    if frequency == "month":
        periods = tuple(date(2015 + k // 12, k % 12 + 1, 1) for k in range(t))
    else:
        periods = tuple(date(2020, 1, 6) + timedelta(weeks=k) for k in range(t))
    zero = np.zeros_like(counts)
    return Panel(tuple(f"u{i}" for i in range(n)), periods, counts, zero, zero, frequency)


def test_a_planted_jump_is_flagged_with_a_small_tail_probability() -> None:
    rng = np.random.default_rng(0)
    events = rng.poisson(2.0, size=(50, 24))
    events[7, -1] = 15
    report = detect_surges(make_panel(events))
    flagged = {flag.unit: flag for flag in report.flags}
    assert "u7" in flagged
    flag = flagged["u7"]
    assert flag.tail_probability < 0.01 and flag.alpha == 0.01 and flag.observed == 15
    assert flag.window_start == flag.window_end == date(2016, 12, 1)
    assert report.flags[0].tail_probability == min(report.tail_probability)
    assert len(report.flags) <= 3


def test_tail_probability_by_hand_poisson_and_negative_binomial() -> None:
    events = np.array(
        [
            [2] * 12 + [7],  # variance 0 <= mean: Poisson(2)
            [0, 4] * 6 + [9],  # mean 2, variance 48/11 > 2: negative binomial by moments
            [0] * 12 + [1],  # quiet baseline: mean floored at 0.1
        ]
    )
    report = detect_surges(make_panel(events), alpha=0.05)
    assert report.tail_probability[0] == pytest.approx(stats.poisson.sf(6, 2.0))
    variance = 48 / 11
    size = 4 / (variance - 2)
    assert report.tail_probability[1] == pytest.approx(stats.nbinom.sf(8, size, size / (size + 2)))
    assert report.tail_probability[2] == pytest.approx(1 - math.exp(-0.1))
    assert report.expected.tolist() == pytest.approx([2.0, 2.0, 0.1])
    laws = {flag.unit: flag.law for flag in report.flags}
    assert laws.get("u0") == "poisson" and report.observed.tolist() == [7, 9, 1]
    assert "u2" not in laws


def test_weekly_panel_uses_a_four_week_window() -> None:
    rng = np.random.default_rng(1)
    events = rng.poisson(1.0, size=(20, 60))
    events[3, -4:] = [4, 5, 6, 5]
    report = detect_surges(make_panel(events, "week"))
    assert report.window == 4 and report.baseline == 52
    assert report.window_start == date(2020, 1, 6) + timedelta(weeks=56)
    assert report.flags[0].unit == "u3" and report.flags[0].observed == 20


@settings(max_examples=10, deadline=None)
@given(st.floats(0.5, 20.0), st.integers(0, 2**32 - 1))
def test_a_stationary_poisson_panel_flags_at_about_alpha(rate: float, seed: int) -> None:
    events = np.random.default_rng(seed).poisson(rate, size=(1000, 40))
    report = false_alarm_rate(make_panel(events), alpha=0.01)
    assert report.tests == 1000 * 28
    assert 0.002 < report.flag_rate < 0.02
    assert report.unconfirmed_share > 0.7  # flags on noise are rarely followed by elevated counts


def test_false_alarms_are_counted_as_defined() -> None:
    events = np.full((3, 16), 1)
    events[0, 13:] = [12, 12, 12]  # a persistent surge: flagged and confirmed
    events[1, 13] = 12  # a one-off spike: flagged, then back to 1
    report = false_alarm_rate(make_panel(events), alpha=0.01)
    assert report.tests == 3 * 4 and report.window_ends[0] == date(2016, 1, 1)
    # both jumps are flagged at their onset (P = Poisson(1).sf(11)); later months of the persistent surge are
    # judged against baselines that include it (negative binomial, P = 0.022 and 0.049): not flagged
    assert report.flags == 2 and report.flags_per_window_end == (0, 2, 0, 0)
    assert report.flag_rate == pytest.approx(2 / 12)
    # u0's flag is followed by 12 (confirmed); u1's by 1, P(X >= 1) = 0.63 under its baseline (unconfirmed)
    assert report.followed == 2 and report.unconfirmed == 1 and report.unconfirmed_share == 0.5


def test_bad_arguments() -> None:
    panel = make_panel(np.ones((2, 10)))
    with pytest.raises(ValueError):
        detect_surges(panel)
    with pytest.raises(ValueError):
        detect_surges(make_panel(np.ones((2, 20))), alpha=0.0)
    with pytest.raises(ValueError):
        detect_surges(make_panel(np.ones((2, 20))), end=date(1999, 1, 1))

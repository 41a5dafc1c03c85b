"""Forecasts and their evaluation: valid laws, a model that learns, exact scores, no leakage."""

from __future__ import annotations

import math
from dataclasses import replace
from datetime import date

import h3
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import optimize, sparse, stats

from pochub.core.warning.evaluation import (
    METRIC_NAMES,
    TIE_TOLERANCE,
    EvaluationRow,
    EvaluationTable,
    brier_score,
    compare,
    crps,
    crps_from_samples,
    interval_score,
    metric,
    roc_auc,
    rolling_origin_evaluation,
    score_law,
    top_share_capture,
)
from pochub.core.warning.forecast import (
    BASELINES,
    COMPONENTS,
    ENSEMBLE,
    ForecastDistribution,
    StaticCovariates,
    _negative_log_posterior,
    cdf_grid,
    crps_gram,
    fit_count_regression,
    forecast_baseline,
    forecast_ensemble,
    forecast_regression,
    lag_features,
    neighbour_matrix_from_h3,
    simplex_weights,
    sum_of_independent,
)
from pochub.core.warning.panel import Panel

FAST = settings(max_examples=25, deadline=None)


def months(n: int) -> tuple[date, ...]:
    return tuple(date(2015 + t // 12, t % 12 + 1, 1) for t in range(n))


def make_panel(events: np.ndarray) -> Panel:
    counts = np.asarray(events, dtype=np.int64)
    zero = np.zeros_like(counts)
    return Panel(
        tuple(f"u{i:05d}" for i in range(counts.shape[0])), months(counts.shape[1]), counts, zero, zero
    )


def lattice(rows: int, cols: int) -> sparse.csr_array:
    """Rook adjacency of a rows x cols grid of units."""
    index = np.arange(rows * cols).reshape(rows, cols)
    a = np.concatenate([index[:, :-1].ravel(), index[:-1, :].ravel()])
    b = np.concatenate([index[:, 1:].ravel(), index[1:, :].ravel()])
    n = rows * cols
    return sparse.csr_array((np.ones(2 * a.size), (np.r_[a, b], np.r_[b, a])), shape=(n, n))


def self_exciting_panel(rows: int, cols: int, n_months: int, seed: int) -> tuple[Panel, sparse.csr_array]:
    """Counts on a lattice where events raise the rate of their unit and, less, of its neighbours (a discrete
    Hawkes process, branching ratio 0.8, gamma-mixed so over-dispersed) on top of a skewed background."""
    rng = np.random.default_rng(seed)
    adjacency = lattice(rows, cols)
    degree = np.asarray(adjacency.sum(axis=1)).ravel()
    n = rows * cols
    background = np.exp(rng.normal(-4.0, 1.5, n))
    memory = np.zeros(n)
    events = np.zeros((n, n_months), dtype=np.int64)
    for t in range(n_months):
        rate = background + 0.55 * memory + 0.25 * (adjacency @ memory) / degree
        events[:, t] = rng.poisson(rate * rng.gamma(2.0, 0.5, n))
        memory = 0.5 * memory + 0.5 * events[:, t]
    return make_panel(events), adjacency


@st.composite
def small_panels(draw: st.DrawFn) -> Panel:
    seed = draw(st.integers(0, 2**32 - 1))
    n_units = draw(st.integers(2, 12))
    n_months = draw(st.integers(16, 40))
    mean = draw(st.floats(0.0, 8.0))
    rng = np.random.default_rng(seed)
    rates = rng.gamma(0.5, 2 * mean + 1e-9, size=(n_units, 1)) * rng.gamma(1.0, 1.0, size=(n_units, n_months))
    return make_panel(rng.poisson(rates))


def assert_valid(law: ForecastDistribution) -> None:
    p = law.prob_at_least_one()
    mean = law.mean()
    assert p.shape == mean.shape == (len(law.units),)
    assert np.all((p >= 0) & (p <= 1))
    assert np.all(np.isfinite(mean) & (mean >= 0))
    assert np.all(law.quantile(0.025) <= law.quantile(0.975))
    cdf = law.cdf(np.tile(np.arange(4.0), (len(law.units), 1)))
    assert np.all((cdf >= 0) & (cdf <= 1)) and np.all(np.diff(cdf, axis=1) >= -1e-12)


# --------------------------------------------------------------------------------------------- laws


@settings(max_examples=15, deadline=None)
@given(small_panels(), st.integers(1, 3))
def test_every_model_gives_probabilities_in_0_1_and_counts_at_least_0(panel: Panel, horizon: int) -> None:
    rng = np.random.default_rng(0)
    forecasts = [forecast_regression(panel, horizon=horizon, training_periods=None)]
    forecasts += [forecast_baseline(panel, name, horizon=horizon, rng=rng, samples=50) for name in BASELINES]
    for forecast in forecasts:
        assert forecast.horizon == horizon
        for law in (*forecast.by_step, forecast.total):
            assert_valid(law)


@given(
    st.floats(0.0, 50.0),
    st.floats(0.0, 50.0),
    st.one_of(st.floats(0.05, 1e4), st.just(math.inf)),
)
def test_probability_of_an_event_rises_with_the_mean(a: float, b: float, size: float) -> None:
    law = ForecastDistribution.negative_binomial("m", ("x", "y"), date(2020, 1, 1), (1,), [a, b], size)
    p = law.prob_at_least_one()
    assert np.all((p >= 0) & (p <= 1))
    if a < b:
        assert p[0] <= p[1]
    # P(X >= 1) = 1 - P(X = 0), computed without cancellation (1 - pmf(0) loses digits for tiny means)
    exact = -math.expm1(-a) if math.isinf(size) else -math.expm1(-size * math.log1p(a / size))
    assert p[0] == pytest.approx(exact, rel=1e-6, abs=1e-15)


def test_empirical_law_is_sorted_and_its_quantiles_are_order_statistics() -> None:
    law = ForecastDistribution.empirical("m", ("a",), date(2020, 1, 1), (1,), [[5.0, 0.0, 2.0, 1.0]])
    assert law.atoms is not None and law.atoms.tolist() == [[0.0, 1.0, 2.0, 5.0]]
    assert law.quantile(0.25)[0] == 0.0 and law.quantile(0.26)[0] == 1.0 and law.quantile(0.975)[0] == 5.0
    assert law.prob_at_least_one()[0] == 0.75 and law.mean()[0] == 2.0
    with pytest.raises(ValueError):
        law.atoms[0, 0] = 3.0


def test_samples_follow_the_parametric_law() -> None:
    law = ForecastDistribution.negative_binomial(
        "m", ("a", "b"), date(2020, 1, 1), (1,), [0.5, 4.0], [0.8, np.inf]
    )
    draws = law.sample(np.random.default_rng(1), 40_000)
    assert draws.mean(axis=1) == pytest.approx([0.5, 4.0], rel=0.05)
    assert draws.var(axis=1) == pytest.approx([0.5 + 0.5**2 / 0.8, 4.0], rel=0.08)
    assert (draws >= 1).mean(axis=1) == pytest.approx(law.prob_at_least_one(), abs=0.01)


# --------------------------------------------------------------------------------------------- the model


def test_fitted_model_learns_persistence_and_its_mean_is_monotone_in_the_lag() -> None:
    panel, adjacency = self_exciting_panel(15, 20, 60, seed=3)
    forecast = forecast_regression(panel, neighbours=adjacency)
    fit = forecast.fit_for((1,))
    assert fit is not None and fit.converged and fit.family == "negative_binomial"
    assert fit.coefficient("log1p_mean_3") > 0 and fit.coefficient("log1p_periods_since_event") < 0

    @FAST
    @given(st.lists(st.floats(0.0, 4.0), min_size=5, max_size=5), st.floats(0.01, 3.0))
    def monotone(row: list[float], delta: float) -> None:
        x = np.array([row])
        bumped = x.copy()
        bumped[0, 0] += delta
        lower, higher = fit.mean(x)[0], fit.mean(bumped)[0]
        sign = np.sign(fit.coefficient("log1p_last"))
        assert np.sign(higher - lower) == sign or math.isclose(higher, lower, rel_tol=1e-12)

    monotone()


def test_a_unit_with_recent_events_gets_a_higher_probability_on_a_persistent_panel() -> None:
    rng = np.random.default_rng(5)
    n, t = 300, 48
    active = np.zeros((n, t), dtype=bool)
    state = rng.random(n) < 0.2
    for k in range(t):
        switch = rng.random(n) < 0.05
        state = np.where(switch, ~state, state)
        active[:, k] = state
    events = rng.poisson(np.where(active, 4.0, 0.02))
    events[0, -3:] = [3, 5, 4]
    events[1, -12:] = 0
    forecast = forecast_regression(make_panel(events))
    for law in (*forecast.by_step, forecast.total):
        p = law.prob_at_least_one()
        assert p[0] > 0.7 and p[1] < 0.5 and p[0] - p[1] > 0.4
        assert law.mean()[0] > 5 * law.mean()[1]


def test_changing_data_after_the_origin_does_not_change_the_forecast() -> None:
    panel, adjacency = self_exciting_panel(10, 10, 48, seed=11)
    origin = panel.periods[35]
    altered = panel.events.copy()
    altered[:, 36:] = np.random.default_rng(0).poisson(30.0, size=altered[:, 36:].shape)
    changed = replace(panel, events=altered)
    a = forecast_regression(panel, origin=origin, neighbours=adjacency)
    b = forecast_regression(changed, origin=origin, neighbours=adjacency)
    full_cube = forecast_regression(changed, origin=origin, features=lag_features(altered, adjacency))
    laws = zip(
        (*a.by_step, a.total), (*b.by_step, b.total), (*full_cube.by_step, full_cube.total), strict=True
    )
    for x, y, z in laws:
        assert np.array_equal(x.mean(), y.mean()) and np.array_equal(
            x.prob_at_least_one(), y.prob_at_least_one()
        )
        assert np.allclose(x.mean(), z.mean(), rtol=1e-9)
    for name in BASELINES:
        base_a = forecast_baseline(panel, name, origin=origin, rng=np.random.default_rng(1), samples=100)
        base_b = forecast_baseline(changed, name, origin=origin, rng=np.random.default_rng(1), samples=100)
        assert np.array_equal(base_a.total.mean(), base_b.total.mean())
        assert np.array_equal(base_a.step(1).prob_at_least_one(), base_b.step(1).prob_at_least_one())


def test_features_and_covariates() -> None:
    events = np.array([[0, 2, 0, 0, 1], [0, 0, 0, 0, 0]])
    covariates = StaticCovariates.of(["log_population"], [[3.0], [5.0]])
    cube = lag_features(events, np.array([[0, 1], [1, 0]]), covariates, since_cap=3)
    assert cube.names[-2:] == ("log1p_neighbour_mean_3", "log_population")
    last = np.expm1(cube.values[-1])
    assert last[0, :4].tolist() == pytest.approx([1.0, 1 / 3, 3 / 5, 0.0])
    assert last[1, :4].tolist() == pytest.approx([0.0, 0.0, 0.0, 3.0])
    assert np.expm1(cube.values[3, 0, 3]) == pytest.approx(2.0)
    assert np.expm1(cube.values[-1, 1, 4]) == pytest.approx(1 / 3)
    assert cube.values[-1, 1, 5] == 5.0
    with pytest.raises(ValueError):
        StaticCovariates.of(["a", "b"], [[1.0], [2.0]])
    panel, adjacency = self_exciting_panel(6, 6, 30, seed=2)
    rng = np.random.default_rng(0)
    covariates = StaticCovariates.of(["log_population", "road_km"], rng.normal(size=(36, 2)))
    forecast = forecast_regression(panel, neighbours=adjacency, covariates=covariates, family="poisson")
    fit = forecast.fit_for((1, 2, 3))
    assert (
        fit is not None and fit.feature_names[-2:] == ("log_population", "road_km") and math.isinf(fit.size)
    )


def test_warm_start_reaches_the_same_fit_in_fewer_iterations() -> None:
    panel, adjacency = self_exciting_panel(10, 20, 48, seed=4)
    cube = lag_features(panel.events, adjacency)
    first = forecast_regression(panel, origin=panel.periods[40], features=cube)
    cold = forecast_regression(panel, origin=panel.periods[41], features=cube)
    warm = forecast_regression(panel, origin=panel.periods[41], features=cube, warm_start=first)
    for c, w in zip(cold.fits, warm.fits, strict=True):
        assert w.iterations <= c.iterations
        assert np.allclose(c.coefficients, w.coefficients, atol=2e-3)
    assert np.allclose(cold.step(1).mean(), warm.step(1).mean(), rtol=1e-2)


@pytest.mark.parametrize("family", ["negative_binomial", "poisson"])
def test_the_analytic_gradient_matches_finite_differences(family: str) -> None:
    rng = np.random.default_rng(8)
    xt = rng.normal(size=(3, 400))
    y = rng.negative_binomial(0.7, 0.3, size=400).astype(float)
    params = np.array([0.3, 0.2, -0.4, 0.1, 0.5])[: 4 + (family == "negative_binomial")]

    def value(p: np.ndarray) -> float:
        return _negative_log_posterior(p, xt, y, np.flatnonzero(y > 0), family, 0.1)[0]

    def gradient(p: np.ndarray) -> np.ndarray:
        return _negative_log_posterior(p, xt, y, np.flatnonzero(y > 0), family, 0.1)[1]

    assert optimize.check_grad(value, gradient, params, epsilon=1e-7) < 1e-5


def test_fit_rejects_bad_input() -> None:
    with pytest.raises(ValueError):
        fit_count_regression(np.zeros((3, 1)), [1, 2, 3], feature_names=["a"], family="gaussian")
    with pytest.raises(ValueError):
        fit_count_regression(np.zeros((3, 2)), [1, 2, 3], feature_names=["a"])
    with pytest.raises(ValueError):
        forecast_baseline(make_panel(np.ones((2, 20))), "conflictology")


def test_h3_neighbours() -> None:
    centre = h3.latlng_to_cell(12.6, -8.0, 6)
    cells = sorted(h3.grid_disk(centre, 1))
    adjacency = neighbour_matrix_from_h3(cells).toarray()
    assert (adjacency == adjacency.T).all() and adjacency[cells.index(centre)].sum() == 6
    assert adjacency.sum() == 6 + 6 * 3


# --------------------------------------------------------------------------------------------- scores


@given(st.lists(st.tuples(st.floats(0, 100), st.integers(0, 100)), min_size=1, max_size=20))
def test_crps_of_a_point_mass_is_the_absolute_error(pairs: list[tuple[float, int]]) -> None:
    x = np.array([p[0] for p in pairs])
    y = np.array([p[1] for p in pairs], dtype=float)
    law = ForecastDistribution.empirical("m", tuple(map(str, range(len(x)))), date(2020, 1, 1), (1,), x)
    assert crps(law, y) == pytest.approx(np.abs(x - y), abs=1e-9)
    assert interval_score(x, x, y) == pytest.approx(40 * np.abs(x - y))


@given(st.lists(st.integers(0, 9), min_size=1, max_size=15), st.integers(0, 12))
def test_sample_crps_matches_the_pairwise_energy_form(samples: list[int], y: int) -> None:
    x = np.array(samples, dtype=float)
    brute = np.abs(x - y).mean() - 0.5 * np.abs(x[:, None] - x[None, :]).mean()
    assert crps_from_samples(x[None, :], [y])[0] == pytest.approx(brute, abs=1e-12)


@pytest.mark.parametrize("size", [0.05, 0.7, 3.0, 1e3, 1e6, math.inf])
@pytest.mark.parametrize("mean", [0.0, 0.01, 0.8, 6.0, 45.0])
def test_parametric_crps_is_exact(size: float, mean: float) -> None:
    y = np.array([0, 1, 3, 20, 150], dtype=float)
    n = y.size
    law = ForecastDistribution.negative_binomial(
        "m", tuple("abcde"), date(2020, 1, 1), (1,), np.full(n, mean), size
    )
    k = np.arange(20_000)
    if math.isinf(size):
        cdf = stats.poisson.cdf(k, mean)
    else:
        cdf = stats.nbinom.cdf(k, size, size / (size + mean))
    brute = [np.sum((cdf - (v <= k)) ** 2) for v in y]
    tolerance = 1e-3 if size < 0.1 else 1e-7  # heavy tail: the brute-force sum is truncated
    assert crps(law, y) == pytest.approx(brute, rel=tolerance, abs=1e-9)


def test_interval_and_brier_scores_by_hand() -> None:
    assert interval_score([2, 2, 2], [5, 5, 5], [3, 0, 7]).tolist() == [3.0, 83.0, 83.0]
    assert interval_score([1], [1], [1], alpha=0.2).tolist() == [0.0]
    assert brier_score([0.2, 0.9], [False, True]).tolist() == pytest.approx([0.04, 0.01])


@given(st.lists(st.tuples(st.integers(0, 4), st.booleans()), min_size=1, max_size=30))
def test_auc_equals_the_brute_force_pair_count(pairs: list[tuple[int, bool]]) -> None:
    scores = np.array([p[0] for p in pairs], dtype=float)
    labels = np.array([p[1] for p in pairs])
    pos, neg = scores[labels], scores[~labels]
    if pos.size == 0 or neg.size == 0:
        assert math.isnan(roc_auc(scores, labels))
        return
    wins = (pos[:, None] > neg[None, :]).sum() + 0.5 * (pos[:, None] == neg[None, :]).sum()
    assert roc_auc(scores, labels) == pytest.approx(wins / (pos.size * neg.size))


def test_top_share_capture_by_hand() -> None:
    scores = np.array([9.0, 1, 1, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0])
    events = np.array([4.0, 2, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1])
    # top 10 % = 2 units: unit 0 for sure, then one of four tied units (expected 2 / 4 events)
    assert top_share_capture(scores, events) == pytest.approx((4 + 0.5) / 8)
    assert top_share_capture(np.zeros(20), events) == pytest.approx(0.1)
    assert math.isnan(top_share_capture(scores, np.zeros(20)))


def test_score_law_of_the_zero_forecast() -> None:
    y = np.array([0.0, 0.0, 3.0, 0.0])
    law = ForecastDistribution.empirical("zero", tuple("abcd"), date(2020, 1, 1), (1,), np.zeros(4))
    scores = score_law(law, y)
    assert scores["crps"] == 0.75 and scores["interval_score_95"] == 30.0 and scores["brier"] == 0.25
    assert scores["auc"] == 0.5 and scores["mse_log1p"] == pytest.approx(np.log(4) ** 2 / 4)


# --------------------------------------------------------------------------------------------- evaluation


def test_rolling_evaluation_model_beats_zero_on_a_self_exciting_panel() -> None:
    panel, adjacency = self_exciting_panel(20, 20, 60, seed=1)
    table = rolling_origin_evaluation(panel, neighbours=adjacency, origins=6, samples=200, seed=0)
    assert table.steps == ("1", "2", "3", "1-3") and len(table.origins) == 6
    assert table.origins[-1] == panel.periods[-4]
    assert len(table.rows) == 4 * (2 + len(BASELINES))
    for step in table.steps:
        model, zero = table.row(table.model, step), table.row("zero", step)
        assert model.crps < zero.crps and model.brier < zero.brier and model.mse_log1p < zero.mse_log1p
        assert model.auc > 0.6 and zero.auc == 0.5
        assert 0 <= model.top10_capture <= 1
    text = table.to_markdown()
    assert "**" in text and f"| {table.model} | 1 |" in text and "CRPS" in text


def test_rolling_evaluation_rejects_a_short_panel() -> None:
    with pytest.raises(ValueError):
        rolling_origin_evaluation(make_panel(np.ones((3, 20))), origins=24)


def table_where_the_model_loses_on_auc() -> EvaluationTable:
    def row(model: str, crps_value: float, auc_value: float) -> EvaluationRow:
        values = dict.fromkeys(METRIC_NAMES, 0.5) | {"crps": crps_value, "auc": auc_value}
        return EvaluationRow(model, "1", **values)

    rows = (row("nb", 0.1, 0.6), row("zero", 0.3, 0.5), row("conflictology", 0.2, 0.7))
    rows = tuple(replace(r, brier=0.5 * (1 + TIE_TOLERANCE / 2)) if r.model == "nb" else r for r in rows)
    return EvaluationTable("nb", ("zero", "conflictology"), ("1",), (date(2020, 1, 1),), 3, rows)


def test_best_baseline_and_verdict() -> None:
    table = table_where_the_model_loses_on_auc()
    assert table.best_baseline("crps") == "conflictology" and table.best_baseline("auc", 1) == "conflictology"
    assert table.model_beats_best_baseline("crps")
    assert not table.model_beats_best_baseline("auc")
    assert not table.model_beats_best_baseline("brier")  # a tie is not a win
    text = table.to_markdown()
    assert "| nb | 1 | **0.1000** |" in text
    assert "ROC AUC: the model does NOT match the best baseline" in text
    assert "CRPS: the model beats the best baseline" in text
    assert "Brier: the model ties with the best baseline at every step" in text
    with pytest.raises(ValueError):
        table.best_baseline("accuracy")


# --------------------------------------------------------------------------------------------- ensemble


def test_a_tie_is_reported_as_a_tie_never_as_a_win() -> None:
    crps_metric, auc = metric("crps"), metric("auc")
    assert compare(crps_metric, 1.0, 1.0 + TIE_TOLERANCE / 2) == "ties"
    assert compare(crps_metric, 1.0 + TIE_TOLERANCE / 2, 1.0) == "ties"
    assert compare(crps_metric, 1.0, 1.1) == "beats" and compare(crps_metric, 1.1, 1.0) == "loses"
    assert compare(auc, 0.9, 0.8) == "beats" and compare(auc, math.nan, 0.8) == "loses"
    table = table_where_the_model_loses_on_auc()  # Brier 0.25 % worse than the baselines': a tie
    assert table.outcome("brier", 1) == "ties"
    assert not table.model_beats_best_baseline("brier") and table.model_matches_best_baseline("brier")
    verdict = next(line for line in table.to_markdown().splitlines() if line.startswith("- Brier"))
    assert "ties with" in verdict and " beats " not in verdict


@st.composite
def count_laws(draw: st.DrawFn) -> ForecastDistribution:
    n = draw(st.integers(1, 5))
    kind = draw(st.sampled_from(["nb", "poisson", "empirical"]))
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    at, units = date(2020, 1, 1), tuple(f"u{i}" for i in range(n))
    if kind == "empirical":
        return ForecastDistribution.empirical("e", units, at, (1,), rng.poisson(3.0, size=(n, 12)))
    mean = rng.gamma(1.0, 3.0, size=n)
    size = draw(st.floats(0.3, 50.0)) if kind == "nb" else math.inf
    return ForecastDistribution.negative_binomial("p", units, at, (1,), mean, size)


@FAST
@given(st.lists(count_laws(), min_size=2, max_size=2), st.floats(0.0, 1.0), st.integers(0, 30))
def test_the_mixture_crps_is_exact_and_equals_the_quadratic_form(
    laws: list[ForecastDistribution], w: float, y: int
) -> None:
    a, b = laws
    if len(a.units) != len(b.units):
        b = b.take(np.zeros(len(a.units), dtype=np.intp))

    def crps_tabulated(grid: np.ndarray, observed: np.ndarray) -> np.ndarray:
        return crps(ForecastDistribution.tabulated("t", a.units, a.origin, (1,), grid), observed)

    top = 400
    grids = [cdf_grid(law, top) for law in (a, b)]
    observed = np.full(len(a.units), float(y))
    for law, grid in zip((a, b), grids, strict=True):  # a tabulated law scores as the law it tabulates
        table = ForecastDistribution.tabulated("t", a.units, a.origin, (1,), grid)
        assert np.allclose(crps_tabulated(grid, observed), crps(law, observed), atol=1e-5)
        # the table stops at ``top`` with the tail's mass on it: its mean is the law's where that tail is
        # negligible, and never above it (a heavy negative binomial tail can hold mass beyond 400)
        light = 1.0 - grid[:, top - 1] < 1e-9
        assert np.allclose(table.mean()[light], law.mean()[light], rtol=1e-4, atol=1e-5)
        assert np.all(table.mean() <= law.mean() * (1 + 1e-6) + 1e-9)
    mixture = ForecastDistribution.tabulated("m", a.units, a.origin, (1,), w * grids[0] + (1 - w) * grids[1])
    weights = np.array([w, 1 - w])
    gram = crps_gram(grids, observed)
    assert np.allclose(crps(mixture, observed), np.einsum("i,nij,j->n", weights, gram, weights), atol=1e-9)
    # energy form E|X - y| - E|X - X'| / 2 of the mixture, from its probabilities
    pmf = np.diff(mixture.cdf_table, axis=1, prepend=0.0)
    k = np.arange(pmf.shape[1])
    energy = pmf @ np.abs(k - y) - 0.5 * np.einsum("ni,ij,nj->n", pmf, np.abs(k[:, None] - k), pmf)
    assert np.allclose(crps(mixture, observed), energy, atol=1e-9)
    # the mixture is never worse than the weighted mean of its components (CRPS is convex in the law)
    first, second = (crps_tabulated(grid, observed) for grid in grids)
    assert np.all(crps(mixture, observed) <= w * first + (1 - w) * second + 1e-9)


def test_simplex_weights_pick_the_better_component() -> None:
    good = ForecastDistribution.poisson("g", ("u",) * 40, date(2020, 1, 1), (1,), np.full(40, 3.0))
    bad = ForecastDistribution.empirical("b", ("u",) * 40, date(2020, 1, 1), (1,), np.zeros(40))
    observed = np.random.default_rng(0).poisson(3.0, 40).astype(float)
    gram = crps_gram([cdf_grid(good, 60), cdf_grid(bad, 60)], observed).mean(axis=0)
    weights = simplex_weights(gram)
    assert weights.sum() == pytest.approx(1.0) and np.all(weights >= 0) and weights[0] > 0.9
    assert weights @ gram @ weights <= min(gram[0, 0], gram[1, 1]) + 1e-12


@FAST
@given(small_panels())
def test_horizons_are_consistent(panel: Panel) -> None:
    """The 3-month expectation is the sum of the monthly ones; P(>= 1 in 3 months) lies between the largest
    monthly probability and the sum of them (it is 1 - the product of the monthly P(0))."""
    for forecast in (
        forecast_ensemble(panel, training_periods=None, window=6),
        forecast_regression(panel, training_periods=None),
    ):
        monthly_means = np.sum([law.mean() for law in forecast.by_step], axis=0)
        assert np.allclose(forecast.total.mean(), monthly_means, rtol=1e-6, atol=1e-6)
        assert_valid(forecast.total)
        for law in forecast.by_step:
            assert_valid(law)
    ensemble = forecast_ensemble(panel, training_periods=None, window=6)
    monthly = np.array([law.prob_at_least_one() for law in ensemble.by_step])
    total = ensemble.total.prob_at_least_one()
    assert np.allclose(total, 1 - np.prod(1 - monthly, axis=0), atol=1e-6)
    assert np.all(total >= monthly.max(axis=0) - 1e-9) and np.all(total <= monthly.sum(axis=0) + 1e-9)


def test_the_ensemble_never_reads_data_after_the_origin() -> None:
    panel, adjacency = self_exciting_panel(6, 6, 48, seed=3)
    origin = panel.periods[35]
    altered = panel.events.copy()
    altered[:, 36:] = np.random.default_rng(0).poisson(30.0, size=altered[:, 36:].shape)
    a = forecast_ensemble(panel, origin=origin, neighbours=adjacency, window=8)
    b = forecast_ensemble(replace(panel, events=altered), origin=origin, neighbours=adjacency, window=8)
    assert a.weights is not None and b.weights is not None
    assert np.array_equal(a.weights.values, b.weights.values)
    for x, y in zip((*a.by_step, a.total), (*b.by_step, b.total), strict=True):
        assert x.cdf_table is not None and y.cdf_table is not None
        assert np.array_equal(x.cdf_table, y.cdf_table)
    # and the weights do change with the past: they are learnt, not fixed
    earlier = forecast_ensemble(panel, origin=panel.periods[20], neighbours=adjacency, window=8)
    assert earlier.weights is not None and not np.array_equal(earlier.weights.values, a.weights.values)


def test_rolling_evaluation_of_the_ensemble_reports_its_weights() -> None:
    panel, adjacency = self_exciting_panel(10, 10, 60, seed=2)
    table = rolling_origin_evaluation(panel, neighbours=adjacency, origins=6, samples=200, window=8)
    assert table.model == ENSEMBLE and table.others == ("negative_binomial_regression",)
    assert len(table.rows) == 4 * (2 + len(BASELINES))
    assert {row.step for row in table.weights} == {"1", "2", "3"}
    for row in table.weights:
        assert [name for name, _ in row.weights] == list(COMPONENTS)
        assert sum(weight for _, weight in row.weights) == pytest.approx(1.0)
    for step in table.steps:
        assert table.row(ENSEMBLE, step).crps < table.row("zero", step).crps
    text = table.to_markdown()
    assert "| ensemble | 1 |" in text and "Weights of the ensemble" in text


def test_sum_of_independent_counts_is_their_convolution() -> None:
    at, units = date(2020, 1, 1), ("a", "b")
    one = ForecastDistribution.poisson("p", units, at, (1,), [1.0, 4.0])
    two = ForecastDistribution.poisson("p", units, at, (2,), [2.0, 0.5])
    tables = [
        ForecastDistribution.tabulated("t", units, at, law.steps, cdf_grid(law, 80)) for law in (one, two)
    ]
    total = sum_of_independent(tables, "t", (1, 2))
    expected = ForecastDistribution.poisson("p", units, at, (1, 2), [3.0, 4.5])
    grid = np.tile(np.arange(15.0), (2, 1))
    assert np.allclose(total.cdf(grid), expected.cdf(grid), atol=1e-9)
    assert np.allclose(total.mean(), [3.0, 4.5])
    samples = total.sample(np.random.default_rng(0), 4000)
    assert abs(samples.mean(axis=1) - [3.0, 4.5]).max() < 0.15

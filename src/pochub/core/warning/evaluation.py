"""Honest evaluation of forecasts: rolling origins, proper scores, and the model against the best baseline.

At each origin the model (the ensemble, see :func:`~pochub.core.warning.forecast.forecast_ensemble`; its
regression component is scored beside it) is fitted on data up to that origin only, its weights chosen on earlier
origins' known outcomes, and every law is scored against the counts that followed. The model beats, ties (a
difference below :data:`TIE_TOLERANCE` of the larger score) or loses to the best baseline per metric and step. Metrics (per model and step, averaged over origins and units):

- ``crps``: continuous ranked probability score, exact for every law: the energy form
  E|X - y| - E|X - X'| / 2 over the atoms of an empirical law (the standard, not the "fair", estimator), and
  the sum over k of (F(k) - 1{y <= k})**2 for a negative binomial / Poisson law and for a tabulated law on 0..K
  (the ensemble's mixtures and totals; integer counts);
- ``interval_score_95``: the interval score of Gneiting & Raftery (2007) of the central 95 % interval
  [q(0.025), q(0.975)]: (u - l) + (2 / alpha) (l - y)+ + (2 / alpha) (y - u)+ with alpha = 0.05;
- ``mse_log1p``: squared error on the log1p scale of the predictive mean: (log1p(E[X]) - log1p(y))**2;
- ``brier``: (P(X >= 1) - 1{y >= 1})**2;
- ``auc``: ROC AUC of P(X >= 1) for y >= 1 across units at one origin (Mann-Whitney U with average ranks for
  ties), averaged over the origins where both classes occur (NaN if none);
- ``top10_capture``: the share of the events that fell in the 10 % of units with the highest predictive mean
  (ties at the cut shared out as under random tie-breaking), averaged over the origins with events.
Lower is better for the first four, higher for the last two.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy import special, stats

from pochub.core.warning.forecast import (
    BASELINES,
    COMPONENTS,
    ENSEMBLE,
    GROUPS,
    EnsembleHistory,
    Forecast,
    ForecastDistribution,
    StaticCovariates,
    combine,
    component_laws,
    forecast_baseline,
    forecast_regression,
    lag_features,
    quiet_units,
    support_cap,
    weight_window,
)
from pochub.core.warning.panel import Panel

FloatArray = NDArray[np.float64]
INTERVAL_ALPHA = 0.05
TOP_SHARE = 0.10
_TAIL = 1e-10


@dataclass(frozen=True)
class Metric:
    """A score's name, its label in tables, and its direction."""

    name: str
    label: str
    higher_is_better: bool

    def better(self, a: float, b: float) -> bool:
        """True when ``a`` is strictly better than ``b`` (NaN is never better, and never beaten by NaN)."""
        if math.isnan(a):
            return False
        if math.isnan(b):
            return True
        return a > b if self.higher_is_better else a < b


METRICS = (
    Metric("crps", "CRPS", False),
    Metric("interval_score_95", "IS 95 %", False),
    Metric("mse_log1p", "MSE log1p", False),
    Metric("brier", "Brier", False),
    Metric("auc", "ROC AUC", True),
    Metric("top10_capture", "top-10 % capture", True),
)
METRIC_NAMES = tuple(metric.name for metric in METRICS)


def metric(name: str) -> Metric:
    """The metric called ``name``."""
    for candidate in METRICS:
        if candidate.name == name:
            return candidate
    raise ValueError(f"metric must be one of {', '.join(METRIC_NAMES)}")


# --------------------------------------------------------------------------------------------- scores


def crps_from_samples(samples: ArrayLike, observed: ArrayLike, *, presorted: bool = False) -> FloatArray:
    """CRPS per unit of the empirical law of each row of ``samples`` (units x m): E|X-y| - E|X-X'|/2, exact,
    in O(m log m) per unit by sorting (skipped when each row is ``presorted``)."""
    x = np.asarray(samples, dtype=np.float64)
    if not presorted:
        x = np.sort(x, axis=1)
    y = np.asarray(observed, dtype=np.float64)
    m = x.shape[1]
    spread_weights = (2.0 * np.arange(1, m + 1) - m - 1) / (m * m)
    spread = np.einsum("um,m->u", x, spread_weights)  # not BLAS: see forecast._dot
    return np.asarray(np.abs(x - y[:, None]).mean(axis=1) - spread, dtype=np.float64)


def _crps_closed_form(law: ForecastDistribution, y: FloatArray) -> FloatArray:
    """CRPS of Poisson and negative binomial laws in closed form (Wei & Held 2014, as in scoringRules);
    NaN where the hypergeometric function fails (very large sizes)."""
    assert law.size is not None
    mu, size = law.mean_count, law.size
    poisson = ~np.isfinite(size)
    result = np.full_like(y, np.nan)
    if poisson.any():
        m, k = mu[poisson], y[poisson]
        bessel = special.ive(0, 2 * m) + special.ive(1, 2 * m)
        result[poisson] = (k - m) * (2 * stats.poisson.cdf(k, m) - 1) + m * (
            2 * stats.poisson.pmf(k, m) - bessel
        )
    nb = ~poisson
    if nb.any():
        m, r, k = mu[nb], size[nb], y[nb]
        p = r / (r + m)
        odds = (1 - p) / p**2
        tail = p * (2 * stats.nbinom.cdf(k - 1, r + 1, p) - 1) + special.hyp2f1(r + 1, 0.5, 2, -4 * odds)
        result[nb] = k * (2 * stats.nbinom.cdf(k, r, p) - 1) - r * odds * tail
    return np.asarray(result, dtype=np.float64)


def _crps_by_summation(law: ForecastDistribution, y: FloatArray) -> FloatArray:
    """CRPS of count laws for integer ``y`` as sum_k (F(k) - 1{y <= k})**2.

    Terms are summed on each unit's range [q(1e-10), q(1 - 1e-10)] (padded to a power of two, units grouped by
    width); outside it F is taken as 0 or 1, which leaves the count of integers between y and the range.
    """
    low = law.quantile(_TAIL)
    high = np.maximum(law.quantile(1.0 - _TAIL), low)
    width_class = np.ceil(np.log2(high - low + 1.0)).astype(np.int64)
    score = np.zeros_like(y)
    top = np.zeros_like(y)
    for width_log in np.unique(width_class):
        index = np.flatnonzero(width_class == width_log)
        grid = low[index, None] + np.arange(2**width_log)
        cdf = law.take(index).cdf(grid)
        score[index] = np.sum((cdf - (y[index, None] <= grid)) ** 2, axis=1)
        top[index] = grid[:, -1]
    return np.asarray(score + np.maximum(low - y, 0.0) + np.maximum(y - 1.0 - top, 0.0), dtype=np.float64)


def _crps_count_law(law: ForecastDistribution, y: FloatArray) -> FloatArray:
    """Exact CRPS of Poisson / negative binomial laws: closed form, summation where it fails."""
    result = _crps_closed_form(law, y)
    failed = np.flatnonzero(~np.isfinite(result))
    if failed.size:
        result[failed] = _crps_by_summation(law.take(failed), y[failed])
    return result


def _crps_tabulated(table: FloatArray, y: FloatArray) -> FloatArray:
    """sum over integers k of (F(k) - 1{y <= k})**2 for a law on 0..K (F = 1 from K on): exact."""
    top = table.shape[1] - 1
    below = y[:, None] <= np.arange(top)
    return np.asarray(
        np.sum((table[:, :top] - below) ** 2, axis=1) + np.maximum(y - top, 0.0), dtype=np.float64
    )


def crps(law: ForecastDistribution, observed: ArrayLike) -> FloatArray:
    """CRPS per unit of a forecast law against observed integer counts (exact for every kind of law)."""
    y = np.asarray(observed, dtype=np.float64)
    if law.atoms is not None:
        return crps_from_samples(law.atoms, y, presorted=True)
    if law.cdf_table is not None:
        return _crps_tabulated(law.cdf_table, y)
    return _crps_count_law(law, y)


def interval_score(
    lower: ArrayLike, upper: ArrayLike, observed: ArrayLike, alpha: float = INTERVAL_ALPHA
) -> FloatArray:
    """Interval score of central (1 - alpha) intervals (Gneiting & Raftery 2007), per unit."""
    low = np.asarray(lower, dtype=np.float64)
    high = np.asarray(upper, dtype=np.float64)
    y = np.asarray(observed, dtype=np.float64)
    penalty = (2.0 / alpha) * (np.maximum(low - y, 0.0) + np.maximum(y - high, 0.0))
    return np.asarray(high - low + penalty, dtype=np.float64)


def brier_score(probability: ArrayLike, occurred: ArrayLike) -> FloatArray:
    """Brier score per unit: (p - 1{event})**2."""
    p = np.asarray(probability, dtype=np.float64)
    return np.asarray((p - np.asarray(occurred, dtype=np.float64)) ** 2, dtype=np.float64)


def roc_auc(scores: ArrayLike, labels: ArrayLike) -> float:
    """Area under the ROC curve by the Mann-Whitney U statistic (ties count one half); NaN if a class is absent."""
    s = np.asarray(scores, dtype=np.float64)
    positive = np.asarray(labels, dtype=bool)
    n_pos = int(positive.sum())
    n_neg = positive.size - n_pos
    if n_pos == 0 or n_neg == 0:
        return math.nan
    ranks = stats.rankdata(s)
    return float((ranks[positive].sum() - n_pos * (n_pos + 1) / 2.0) / (n_pos * n_neg))


def top_share_capture(scores: ArrayLike, observed: ArrayLike, share: float = TOP_SHARE) -> float:
    """Share of all observed events in the ``share`` of units ranked highest by ``scores`` (ceil of the count).

    Units tied at the cut get the expected credit under random tie-breaking; NaN when there are no events.
    """
    s = np.asarray(scores, dtype=np.float64)
    y = np.asarray(observed, dtype=np.float64)
    total = float(y.sum())
    if total <= 0 or s.size == 0:
        return math.nan
    k = max(1, math.ceil(share * s.size - 1e-9))
    cut = np.sort(s)[::-1][k - 1]
    above = s > cut
    tied = s == cut
    slots = k - int(above.sum())
    captured = float(y[above].sum()) + slots / int(tied.sum()) * float(y[tied].sum())
    return captured / total


def score_law(law: ForecastDistribution, observed: ArrayLike) -> dict[str, float]:
    """Every metric of one law against the observed counts at one origin (unit means; AUC and capture across
    units)."""
    y = np.asarray(observed, dtype=np.float64)
    mean = law.mean()
    probability = law.prob_at_least_one()
    occurred = y >= 1
    lower = law.quantile(INTERVAL_ALPHA / 2)
    upper = law.quantile(1 - INTERVAL_ALPHA / 2)
    return {
        "crps": float(crps(law, y).mean()),
        "interval_score_95": float(interval_score(lower, upper, y).mean()),
        "mse_log1p": float(np.mean((np.log1p(mean) - np.log1p(y)) ** 2)),
        "brier": float(brier_score(probability, occurred).mean()),
        "auc": roc_auc(probability, occurred),
        "top10_capture": top_share_capture(mean, y),
    }


# --------------------------------------------------------------------------------------------- table


@dataclass(frozen=True)
class EvaluationRow:
    """The mean scores of one model at one step (``"1"``, ``"2"``, ... or the total ``"1-3"``)."""

    model: str
    step: str
    crps: float
    interval_score_95: float
    mse_log1p: float
    brier: float
    auc: float
    top10_capture: float

    def value(self, metric_name: str) -> float:
        """The score called ``metric_name``."""
        return float(getattr(self, metric(metric_name).name))


TIE_TOLERANCE = 0.005
"""Two scores tie when they differ by less than this share of the larger one (0.5 %): closer than that, the
rolling origins cannot tell them apart, and calling either the winner would mislead."""


def compare(judge: Metric, ours: float, theirs: float) -> str:
    """``"beats"``, ``"ties"`` or ``"loses"``: ``ours`` against ``theirs`` on ``judge`` (NaN never wins)."""
    if math.isnan(ours) or math.isnan(theirs):
        return "loses" if math.isnan(ours) else "beats"
    if abs(ours - theirs) <= TIE_TOLERANCE * max(abs(ours), abs(theirs)):
        return "ties"
    return "beats" if judge.better(ours, theirs) else "loses"


@dataclass(frozen=True)
class WeightRow:
    """The ensemble's mean weights over the origins, at one step, for one group of units."""

    step: str
    group: str
    units: float
    weights: tuple[tuple[str, float], ...]


@dataclass(frozen=True)
class EvaluationTable:
    """Scores of the model, other models (the ensemble's regression component) and the baselines per step,
    averaged over rolling origins and units; with the ensemble, its mean weights."""

    model: str
    baselines: tuple[str, ...]
    steps: tuple[str, ...]
    origins: tuple[date, ...]
    units: int
    rows: tuple[EvaluationRow, ...]
    others: tuple[str, ...] = ()
    weights: tuple[WeightRow, ...] = ()

    def row(self, model: str, step: int | str) -> EvaluationRow:
        """The row of one model at one step."""
        label = str(step)
        for row in self.rows:
            if row.model == model and row.step == label:
                return row
        raise ValueError(f"no row for model {model!r} at step {label!r}")

    def best_baseline(self, metric_name: str, step: int | str = 1) -> str:
        """The baseline with the best score on ``metric_name`` at ``step`` (the first listed on ties)."""
        judge = metric(metric_name)
        best = self.baselines[0]
        for name in self.baselines[1:]:
            if judge.better(self.row(name, step).value(metric_name), self.row(best, step).value(metric_name)):
                best = name
        return best

    def outcome(self, metric_name: str, step: int | str) -> str:
        """``"beats"``, ``"ties"`` (within :data:`TIE_TOLERANCE`) or ``"loses"``: the model against the best
        baseline on ``metric_name`` at ``step``."""
        best = self.best_baseline(metric_name, step)
        return compare(
            metric(metric_name),
            self.row(self.model, step).value(metric_name),
            self.row(best, step).value(metric_name),
        )

    def model_beats_best_baseline(self, metric_name: str, step: int | str | None = None) -> bool:
        """True when the model is better than the best baseline on ``metric_name`` by more than the tie
        tolerance at ``step``, or at every step when ``step`` is None (a tie or a NaN score is not a win)."""
        steps = self.steps if step is None else (str(step),)
        return all(self.outcome(metric_name, s) == "beats" for s in steps)

    def model_matches_best_baseline(self, metric_name: str, step: int | str | None = None) -> bool:
        """True when the model beats or ties the best baseline at ``step`` (every step when None)."""
        steps = self.steps if step is None else (str(step),)
        return all(self.outcome(metric_name, s) != "loses" for s in steps)

    def to_markdown(self) -> str:
        """One table (best score per step and column in bold), per metric whether the model beats, ties or loses
        to the best baseline at each step, and the ensemble's weights."""
        header = "| model | step | " + " | ".join(m.label for m in METRICS) + " |"
        lines = [header, "|" + " --- |" * (len(METRICS) + 2)]
        for step in self.steps:
            rows = [row for row in self.rows if row.step == step]
            best = {m.name: _best_value(m, [row.value(m.name) for row in rows]) for m in METRICS}
            for row in rows:
                cells = [_cell(row.value(m.name), best[m.name]) for m in METRICS]
                lines.append(f"| {row.model} | {step} | " + " | ".join(cells) + " |")
        first, last = self.origins[0], self.origins[-1]
        lines += [
            "",
            f"{len(self.origins)} rolling origins ({first} to {last}), {self.units} units; every model is fitted "
            "on data up to each origin only. Best per step and column in bold; lower is better except for ROC AUC "
            f"and top-10 % capture. A tie is a difference below {TIE_TOLERANCE:.1%} of the larger score.",
            "",
        ]
        lines += [self._verdict(m) for m in METRICS]
        if self.weights:
            lines += ["", *self._weights_markdown()]
        return "\n".join(lines) + "\n"

    def _weights_markdown(self) -> list[str]:
        components = [name for name, _ in self.weights[0].weights]
        lines = [
            f"Weights of the {self.model} (mean over the origins; each chosen at its origin from the components' "
            "CRPS on earlier origins whose outcome was known, per step and group of units; quiet: no event in "
            "the last 12 months). The total over the steps is the sum of the step forecasts.",
            "",
            "| step | units | " + " | ".join(components) + " |",
            "|" + " --- |" * (len(components) + 2),
        ]
        for row in self.weights:
            cells = " | ".join(f"{weight:.2f}" for _, weight in row.weights)
            lines.append(f"| {row.step} | {row.group} ({row.units:,.0f}) | {cells} |")
        return lines

    def _verdict(self, judge: Metric) -> str:
        parts = []
        outcomes = []
        words = {"beats": "beats", "ties": "ties with", "loses": "does NOT beat"}
        for step in self.steps:
            best = self.best_baseline(judge.name, step)
            ours = self.row(self.model, step).value(judge.name)
            theirs = self.row(best, step).value(judge.name)
            outcome = self.outcome(judge.name, step)
            outcomes.append(outcome)
            parts.append(f"step {step}: {words[outcome]} {best} ({_number(ours)} vs {_number(theirs)})")
        if all(o == "beats" for o in outcomes):
            overall = "beats the best baseline at every step"
        elif all(o == "ties" for o in outcomes):
            overall = "ties with the best baseline at every step"
        elif all(o != "loses" for o in outcomes):
            won = [step for step, o in zip(self.steps, outcomes, strict=True) if o == "beats"]
            overall = (
                f"matches the best baseline at every step (better at step {', '.join(won)}, ties elsewhere)"
            )
        else:
            lost = [step for step, o in zip(self.steps, outcomes, strict=True) if o == "loses"]
            overall = f"does NOT match the best baseline at every step (loses at step {', '.join(lost)})"
        return f"- {judge.label}: the model {overall}; " + "; ".join(parts) + "."


def _best_value(judge: Metric, values: Sequence[float]) -> float:
    finite = [v for v in values if not math.isnan(v)]
    if not finite:
        return math.nan
    return max(finite) if judge.higher_is_better else min(finite)


def _number(value: float) -> str:
    """Four decimals, or four significant digits for small scores (0.0024 vs 0.0024 would hide a 3 % gap)."""
    return f"{value:.4f}" if value == 0 or abs(value) >= 0.1 else f"{value:#.4g}"


def _cell(value: float, best: float) -> str:
    if math.isnan(value):
        return "n/a"
    text = _number(value)
    return f"**{text}**" if value == best else text


# --------------------------------------------------------------------------------------------- rolling origins


def _truth(events: NDArray[np.int64], origin: int, steps: tuple[int, ...]) -> FloatArray:
    return np.asarray(sum(events[:, origin + h] for h in steps), dtype=np.float64)


def _mean_over_origins(values: list[float]) -> float:
    finite = [v for v in values if not math.isnan(v)]
    return float(np.mean(finite)) if finite else math.nan


def rolling_origin_evaluation(
    panel: Panel,
    neighbours: Any = None,
    covariates: StaticCovariates | None = None,
    origins: int = 24,
    steps: Sequence[int] = (1, 2, 3),
    samples: int = 1000,
    seed: int = 0,
    *,
    family: str = "negative_binomial",
    l2: float = 1e-3,
    training_periods: int | None = 36,
    include_total: bool = True,
    ensemble: bool = True,
    window: int | None = None,
    on_origin: Callable[[date], None] | None = None,
) -> EvaluationTable:
    """Score the model, its regression component and the five baselines at each of the last ``origins`` periods
    that leave every step observable: fit on data up to the origin, forecast, compare with what followed.

    With ``ensemble`` the model is :func:`~pochub.core.warning.forecast.forecast_ensemble`'s: the components are
    also forecast at the ``window + horizon - 1`` origins before the first (default window:
    :func:`~pochub.core.warning.forecast.weight_window`), and at each origin the weights come
    only from the components' scores at earlier origins whose outcome the origin has seen. Without it the model
    is the regression alone. The regression is refitted at every origin (warm-started from the previous origin's
    fit; features are causal, so they are computed once). ``include_total`` adds the total over steps
    1..max(steps) as step ``"1-<max>"``. ``samples`` draws (from ``seed``) represent laws with no closed form
    (the conflictology total). ``on_origin`` is called with each evaluated origin's date (progress reporting).
    """
    wanted = tuple(sorted(set(steps)))
    if not wanted or wanted[0] < 1:
        raise ValueError("steps must be >= 1")
    horizon = wanted[-1]
    last = len(panel.periods) - 1 - horizon
    first = last - origins + 1
    if origins < 1 or first < horizon:
        raise ValueError(f"the panel is too short for {origins} origins {horizon} steps ahead")
    rng = np.random.default_rng(seed)
    window = window or weight_window(len(panel.units))
    features = lag_features(panel.events, neighbours, covariates)
    targets: list[tuple[str, tuple[int, ...]]] = [(str(h), (h,)) for h in wanted]
    if include_total and horizon > 1:
        targets.append((f"1-{horizon}", tuple(range(1, horizon + 1))))
    scores: dict[tuple[str, str], dict[str, list[float]]] = {}
    previous: Forecast | None = None
    regression = f"{family}_regression"
    history = EnsembleHistory(window)
    weight_sums = np.zeros((horizon, len(GROUPS), len(COMPONENTS)))
    group_units = np.zeros(len(GROUPS))
    start = max(first - horizon - window + 1, horizon) if ensemble else first
    for origin in range(start, last + 1):
        at = panel.periods[origin]
        fitted = forecast_regression(
            panel,
            origin=at,
            horizon=horizon,
            family=family,
            l2=l2,
            training_periods=training_periods,
            features=features,
            warm_start=previous,
        )
        previous = fitted
        laws = component_laws(panel, origin, fitted) if ensemble else {}
        quiet = quiet_units(panel, origin)
        cap = support_cap(panel, origin)
        if origin >= first:
            forecasts = [fitted] + [
                forecast_baseline(panel, name, origin=at, horizon=horizon, rng=rng, samples=samples)
                for name in BASELINES
            ]
            if ensemble:
                weights = history.weights(origin, horizon)
                forecasts.insert(0, combine(laws, weights, quiet, cap))
                weight_sums += weights.values
                group_units += (quiet.sum(), (~quiet).sum())
            for label, target in targets:
                observed = _truth(panel.events, origin, target)
                for forecast in forecasts:
                    law = forecast.total if len(target) > 1 else forecast.step(target[0])
                    cell = scores.setdefault((forecast.model, label), {name: [] for name in METRIC_NAMES})
                    for name, value in score_law(law, observed).items():
                        cell[name].append(value)
            if on_origin is not None:
                on_origin(at)
        if ensemble:
            for step in range(1, horizon + 1):
                history.record(origin, step, laws, panel.events[:, origin + step], quiet, cap)
    model = ENSEMBLE if ensemble else regression
    others = (regression,) if ensemble else ()
    rows = tuple(
        EvaluationRow(name, label, **{m: _mean_over_origins(scores[(name, label)][m]) for m in METRIC_NAMES})
        for label, _ in targets
        for name in (model, *others, *BASELINES)
    )
    weight_rows = (
        tuple(
            WeightRow(
                str(step),
                group,
                float(group_units[g] / origins),
                tuple(
                    (name, float(weight_sums[step - 1, g, c] / origins)) for c, name in enumerate(COMPONENTS)
                ),
            )
            for step in wanted
            for g, group in enumerate(GROUPS)
        )
        if ensemble
        else ()
    )
    return EvaluationTable(
        model=model,
        baselines=BASELINES,
        steps=tuple(label for label, _ in targets),
        origins=tuple(panel.periods[first : last + 1]),
        units=len(panel.units),
        rows=rows,
        others=others,
        weights=weight_rows,
    )

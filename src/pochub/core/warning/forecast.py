"""Forecasts of event counts per unit, one to a few periods ahead, as predictive distributions.

A regression, five baselines and an ensemble of them, all returning the same :class:`Forecast` (one
:class:`ForecastDistribution` per step ahead and one for the total over the steps):

- the regression: a regularised (L2) negative-binomial (or Poisson) regression with a log link, one direct fit
  per target (step 1, 2, 3 and the total, whose mean is held to the sum of the steps'), fitted by L-BFGS with an analytic gradient on causal features of each
  unit's own history, its neighbours' recent history and optional static covariates;
- the baselines of the VIEWS forecasting community: ``zero``; ``last_value`` carried forward; ``mean_12`` (mean
  of the last 12 periods); ``conflictology`` (the unit's own last 12 periods, each equally likely, resampled
  independently for every step); ``poisson_last`` (Poisson with mean the last value);
- the forecast users read, the ensemble (:func:`forecast_ensemble`): per step a mixture of the regression,
conflictology, zero and Poisson-last laws whose weights minimise the mixture's CRPS (exact, a quadratic form in
the weights) over the latest origins before it whose outcome is known, separately for units quiet for a year and
active ones; its total over the steps is the sum of the step laws (independent given the origin), so a 3-month
expectation is the sum of its months and P(>= 1 in 3 months) = 1 - the product of the monthly P(0).

Only data up to the forecast origin are read: features at period t use counts up to t, training pairs are
(features at t, counts at t + h) with t + h <= origin, the forecast uses the features at the origin, and the
ensemble's weights use the scores of origins s with s + h <= origin only.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import h3
import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy import optimize, signal, sparse, special, stats

from pochub.core.warning.panel import Panel

FloatArray = NDArray[np.float64]

FAMILIES = ("negative_binomial", "poisson")
BASELINES = ("zero", "last_value", "mean_12", "conflictology", "poisson_last")
LAG_FEATURES = (
    "log1p_last",
    "log1p_mean_3",
    "log1p_mean_12",
    "log1p_periods_since_event",
    "log1p_neighbour_mean_3",
)
_MIN_LOG_SIZE, _MAX_LOG_SIZE = math.log(1e-3), math.log(1e6)
_MAX_LINEAR_PREDICTOR = 25.0


def _frozen(values: ArrayLike) -> FloatArray:
    """A read-only float copy: results are values."""
    array = np.array(values, dtype=np.float64)
    array.setflags(write=False)
    return array


# --------------------------------------------------------------------------------------------- distributions


@dataclass(frozen=True, eq=False)
class ForecastDistribution:
    """The predictive law of one count (one period ahead, or a sum of periods) for every unit.

    Parametric when ``size`` is set: negative binomial with mean ``mean_count`` and size r (variance
    mean + mean**2 / r); an infinite size is the Poisson law. Empirical when ``atoms`` is set: per unit (row),
    equally likely values (samples, or a unit's own history), kept sorted; a single atom is a point forecast.
    Tabulated when ``cdf_table`` is set: a law on the integers 0..K given by its cdf F(0..K) per unit (row), with
    F(K) = 1 (mixtures and sums of count laws, exactly). Build with :meth:`negative_binomial`, :meth:`poisson`,
    :meth:`empirical` or :meth:`tabulated`.
    """

    model: str
    units: tuple[str, ...]
    origin: date
    steps: tuple[int, ...]
    mean_count: FloatArray
    size: FloatArray | None = None
    atoms: FloatArray | None = None
    cdf_table: FloatArray | None = None

    def __post_init__(self) -> None:
        n = len(self.units)
        if sum(kind is not None for kind in (self.size, self.atoms, self.cdf_table)) != 1:
            raise ValueError(
                "a forecast distribution is parametric (size), empirical (atoms) or tabulated (cdf_table)"
            )
        if self.cdf_table is not None and (
            self.cdf_table.ndim != 2
            or self.cdf_table.shape[0] != n
            or np.any(np.diff(self.cdf_table, axis=1) < 0)
            or np.any(self.cdf_table[:, -1] != 1.0)
        ):
            raise ValueError(f"cdf_table must be ({n}, K + 1), non-decreasing, ending at 1")
        if self.mean_count.shape != (n,):
            raise ValueError(f"mean_count has shape {self.mean_count.shape}, expected ({n},)")
        if not np.all(np.isfinite(self.mean_count)) or np.any(self.mean_count < 0):
            raise ValueError("expected counts must be finite and >= 0")
        if self.size is not None and (self.size.shape != (n,) or np.any(~(self.size > 0))):
            raise ValueError("size must be > 0 (infinite for Poisson), one per unit")
        if self.atoms is not None:
            if self.atoms.ndim != 2 or self.atoms.shape[0] != n or self.atoms.shape[1] < 1:
                raise ValueError(f"atoms must have shape ({n}, m >= 1), not {self.atoms.shape}")
            if np.any(np.diff(self.atoms, axis=1) < 0):
                object.__setattr__(self, "atoms", _frozen(np.sort(self.atoms, axis=1)))

    @classmethod
    def negative_binomial(
        cls,
        model: str,
        units: tuple[str, ...],
        origin: date,
        steps: tuple[int, ...],
        mean: ArrayLike,
        size: ArrayLike,
    ) -> ForecastDistribution:
        """Negative binomial laws (size broadcast to every unit; infinite size is Poisson)."""
        means = _frozen(mean)
        return cls(model, units, origin, steps, means, size=_frozen(np.broadcast_to(size, means.shape)))

    @classmethod
    def poisson(
        cls, model: str, units: tuple[str, ...], origin: date, steps: tuple[int, ...], mean: ArrayLike
    ) -> ForecastDistribution:
        """Poisson laws with the given means."""
        return cls.negative_binomial(model, units, origin, steps, mean, np.inf)

    @classmethod
    def empirical(
        cls, model: str, units: tuple[str, ...], origin: date, steps: tuple[int, ...], atoms: ArrayLike
    ) -> ForecastDistribution:
        """Equally likely values per unit (rows): samples, a window of history, or one point forecast."""
        values = np.array(atoms, dtype=np.float64)
        if values.ndim == 1:
            values = values[:, None]
        values.sort(axis=1)
        values = _frozen(values)
        return cls(model, units, origin, steps, _frozen(values.mean(axis=1)), atoms=values)

    @classmethod
    def tabulated(
        cls, model: str, units: tuple[str, ...], origin: date, steps: tuple[int, ...], cdf: ArrayLike
    ) -> ForecastDistribution:
        """A law on 0..K from its cdf at 0..K per unit (made non-decreasing within [0, 1]; F(K) is set to 1,
        the tail beyond K being negligible by construction)."""
        table = np.clip(np.array(cdf, dtype=np.float64, ndmin=2), 0.0, 1.0)
        table = np.maximum.accumulate(table, axis=1)
        table[:, -1] = 1.0
        table = _frozen(table)
        mean = np.sum(1.0 - table[:, :-1], axis=1)
        return cls(model, units, origin, steps, _frozen(mean), cdf_table=table)

    @property
    def is_parametric(self) -> bool:
        """True for negative binomial / Poisson laws, False for empirical ones."""
        return self.size is not None

    def mean(self) -> FloatArray:
        """Expected count per unit."""
        return self.mean_count

    def prob_at_least_one(self) -> FloatArray:
        """P(count >= 1) per unit, in [0, 1]."""
        if self.atoms is not None:
            return np.asarray((self.atoms >= 1).mean(axis=1), dtype=np.float64)
        if self.cdf_table is not None:
            return np.asarray(1.0 - self.cdf_table[:, 0], dtype=np.float64)
        return np.clip(-np.expm1(self._log_prob_zero()), 0.0, 1.0)  # no cancellation for tiny means

    def _log_prob_zero(self) -> FloatArray:
        assert self.size is not None
        mu, r = self.mean_count, self.size
        finite = np.isfinite(r)
        r_safe = np.where(finite, r, 1.0)
        return np.asarray(np.where(finite, -r_safe * np.log1p(mu / r_safe), -mu), dtype=np.float64)

    def _prob_zero(self) -> FloatArray:
        return np.asarray(np.exp(self._log_prob_zero()), dtype=np.float64)

    def cdf(self, x: ArrayLike) -> FloatArray:
        """P(count <= x) per unit; ``x`` has one row per unit (shape (units,) or (units, k))."""
        values = np.asarray(x, dtype=np.float64)
        if values.shape[:1] != (len(self.units),):
            raise ValueError("x needs one row per unit")
        if self.atoms is not None:
            below = self.atoms.reshape(self.atoms.shape[:1] + (1,) * (values.ndim - 1) + self.atoms.shape[1:])
            return np.asarray((below <= values[..., None]).mean(axis=-1), dtype=np.float64)
        if self.cdf_table is not None:
            top = self.cdf_table.shape[1] - 1
            index = np.clip(np.floor(values), 0, top).astype(np.intp)
            flat = index.reshape(len(self.units), -1)
            picked = np.take_along_axis(self.cdf_table, flat, axis=1).reshape(values.shape)
            return np.asarray(np.where(values < 0, 0.0, picked), dtype=np.float64)
        mu, r, finite = self._broadcast_law(values.ndim)
        r_safe = np.where(finite, r, 1.0)
        nb = stats.nbinom.cdf(values, r_safe, r_safe / (r_safe + mu))
        return np.asarray(np.where(finite, nb, stats.poisson.cdf(values, mu)), dtype=np.float64)

    def quantile(self, q: float) -> FloatArray:
        """The smallest value whose cdf reaches ``q`` (0 < q < 1), per unit."""
        if not 0.0 < q < 1.0:
            raise ValueError("q must be within (0, 1)")
        if self.atoms is not None:
            index = max(math.ceil(q * self.atoms.shape[1] - 1e-9) - 1, 0)
            return np.asarray(self.atoms[:, index], dtype=np.float64)
        if self.cdf_table is not None:
            return np.asarray(np.argmax(self.cdf_table >= q - 1e-12, axis=1), dtype=np.float64)
        mu, r, finite = self._broadcast_law(1)
        r_safe = np.where(finite, r, 1.0)
        nb = stats.nbinom.ppf(q, r_safe, r_safe / (r_safe + mu))
        value = np.where(finite, nb, stats.poisson.ppf(q, mu))
        return np.asarray(np.where(mu > 0, value, 0.0), dtype=np.float64)

    def sample(self, rng: np.random.Generator, n: int) -> FloatArray:
        """``n`` draws per unit, shape (units, n)."""
        if self.atoms is not None:
            m = self.atoms.shape[1]
            picks = rng.integers(0, m, size=(len(self.units), n), dtype=np.uint8 if m <= 256 else np.int64)
            return np.asarray(np.take_along_axis(self.atoms, picks, axis=1), dtype=np.float64)
        if self.cdf_table is not None:
            uniform = rng.random((len(self.units), n))
            return np.asarray(
                [
                    np.searchsorted(row, u, side="left")
                    for row, u in zip(self.cdf_table, uniform, strict=True)
                ],
                dtype=np.float64,
            ).reshape(len(self.units), n)
        mu, r, finite = self._broadcast_law(2)
        r_safe = np.where(finite, r, 1.0)
        shape = (len(self.units), n)
        nb = rng.negative_binomial(
            np.broadcast_to(r_safe, shape), np.broadcast_to(r_safe / (r_safe + mu), shape)
        )
        return np.asarray(np.where(finite, nb, rng.poisson(np.broadcast_to(mu, shape))), dtype=np.float64)

    def take(self, indices: ArrayLike) -> ForecastDistribution:
        """The laws of some units only."""
        index = np.asarray(indices, dtype=np.intp)
        units = tuple(self.units[i] for i in index)
        if self.atoms is not None:
            return ForecastDistribution.empirical(
                self.model, units, self.origin, self.steps, self.atoms[index]
            )
        if self.cdf_table is not None:
            return ForecastDistribution.tabulated(
                self.model, units, self.origin, self.steps, self.cdf_table[index]
            )
        assert self.size is not None
        return ForecastDistribution.negative_binomial(
            self.model, units, self.origin, self.steps, self.mean_count[index], self.size[index]
        )

    def _broadcast_law(self, ndim: int) -> tuple[FloatArray, FloatArray, NDArray[np.bool_]]:
        assert self.size is not None
        shape = (-1,) + (1,) * (ndim - 1)
        r = self.size.reshape(shape)
        return self.mean_count.reshape(shape), r, np.isfinite(r)


@dataclass(frozen=True, eq=False)
class Forecast:
    """One model's forecast at one origin: a law per step ahead (1, 2, ...) and one for their total."""

    model: str
    units: tuple[str, ...]
    origin: date
    by_step: tuple[ForecastDistribution, ...]
    total: ForecastDistribution
    fits: tuple[CountRegression, ...] = field(default=())
    weights: EnsembleWeights | None = None

    def step(self, h: int) -> ForecastDistribution:
        """The law of the count ``h`` periods after the origin."""
        if not 1 <= h <= len(self.by_step):
            raise ValueError(f"step must be within 1-{len(self.by_step)}, not {h}")
        return self.by_step[h - 1]

    @property
    def horizon(self) -> int:
        """The number of steps ahead."""
        return len(self.by_step)

    def fit_for(self, steps: tuple[int, ...]) -> CountRegression | None:
        """The fitted regression behind one target (e.g. ``(1,)`` or ``(1, 2, 3)``), if any."""
        return next((fit for fit in self.fits if fit.steps == steps), None)


# --------------------------------------------------------------------------------------------- features


@dataclass(frozen=True, eq=False)
class StaticCovariates:
    """Unit-level covariates that do not change over time (e.g. log population, distance to roads or bases)."""

    names: tuple[str, ...]
    values: FloatArray

    def __post_init__(self) -> None:
        if self.values.ndim != 2 or self.values.shape[1] != len(self.names):
            raise ValueError(
                f"covariates must have shape (units, {len(self.names)}), not {self.values.shape}"
            )
        if not np.all(np.isfinite(self.values)):
            raise ValueError("covariates must be finite")

    @classmethod
    def of(cls, names: Sequence[str], values: ArrayLike) -> StaticCovariates:
        """Covariates from names and a (units x k) array."""
        return cls(tuple(names), _frozen(values))


@dataclass(frozen=True, eq=False)
class FeatureCube:
    """Causal features per period, unit and feature (shape periods x units x features).

    Row t depends only on counts up to period t, so a cube built on a longer history holds exactly the rows of
    one built on a shorter one.
    """

    names: tuple[str, ...]
    values: FloatArray


def neighbour_matrix_from_h3(cells: Sequence[str]) -> sparse.csr_array:
    """Binary adjacency of H3 cells (the 6 cells one step away that are also in ``cells``)."""
    index = {cell: i for i, cell in enumerate(cells)}
    rows: list[int] = []
    cols: list[int] = []
    for i, cell in enumerate(cells):
        for other in h3.grid_ring(cell, 1):
            j = index.get(other)
            if j is not None:
                rows.append(i)
                cols.append(j)
    n = len(cells)
    return sparse.csr_array((np.ones(len(rows)), (rows, cols)), shape=(n, n))


def _trailing_means(counts: FloatArray, window: int) -> FloatArray:
    """Mean of the last ``window`` periods up to and including each period (fewer at the start)."""
    n, periods = counts.shape
    cumulative = np.zeros((n, periods + 1))
    np.cumsum(counts, axis=1, out=cumulative[:, 1:])
    t = np.arange(periods)
    start = np.maximum(t - window + 1, 0)
    return np.asarray((cumulative[:, t + 1] - cumulative[:, start]) / (t + 1 - start), dtype=np.float64)


def _periods_since_event(counts: FloatArray, cap: int) -> FloatArray:
    """Periods since the last period with an event (0 if one now), capped; ``cap`` if none yet."""
    t = np.arange(counts.shape[1])
    last = np.maximum.accumulate(np.where(counts > 0, t, -1), axis=1)
    return np.asarray(np.where(last >= 0, np.minimum(t - last, cap), cap), dtype=np.float64)


def _neighbour_means(neighbours: Any, values: FloatArray) -> FloatArray:
    """Mean over each unit's neighbours (rows of the adjacency) of ``values``; 0 without neighbours."""
    adjacency = sparse.csr_array(neighbours, dtype=np.float64)
    n = values.shape[0]
    if adjacency.shape != (n, n):
        raise ValueError(f"neighbours must have shape ({n}, {n}), not {adjacency.shape}")
    degree = np.asarray(adjacency.sum(axis=1), dtype=np.float64).ravel()
    inverse = np.divide(1.0, degree, out=np.zeros_like(degree), where=degree > 0)
    return np.asarray(inverse[:, None] * (adjacency @ values), dtype=np.float64)


def lag_features(
    events: NDArray[np.int64],
    neighbours: Any = None,
    covariates: StaticCovariates | None = None,
    since_cap: int = 24,
) -> FeatureCube:
    """Features of every unit at the end of every period, from counts up to that period only.

    log1p of: the last count, the mean of the last 3 and last 12 periods, the periods since the last event
    (capped at ``since_cap``), and, with a (units x units) sparse or dense ``neighbours`` adjacency, the mean
    over neighbours of their last-3-period mean; then the static covariates as given.
    """
    counts = np.asarray(events, dtype=np.float64)
    if counts.ndim != 2 or np.any(counts < 0):
        raise ValueError("events must be a (units x periods) array of counts >= 0")
    mean_3 = _trailing_means(counts, 3)
    layers = [counts, mean_3, _trailing_means(counts, 12), _periods_since_event(counts, since_cap)]
    names = list(LAG_FEATURES[:4])
    if neighbours is not None:
        layers.append(_neighbour_means(neighbours, mean_3))
        names.append(LAG_FEATURES[4])
    cube = np.log1p(np.stack(layers, axis=-1)).transpose(1, 0, 2)
    if covariates is not None:
        if covariates.values.shape[0] != counts.shape[0]:
            raise ValueError("covariates need one row per unit")
        static = np.broadcast_to(covariates.values, (counts.shape[1], *covariates.values.shape))
        cube = np.concatenate([cube, static], axis=-1)
        names += covariates.names
    return FeatureCube(tuple(names), _frozen(np.ascontiguousarray(cube)))


# --------------------------------------------------------------------------------------------- regression


@dataclass(frozen=True, eq=False)
class CountRegression:
    """A fitted count regression with log link, for the count summed over ``steps`` after a period.

    The linear predictor is ``intercept + ((x - center) / scale) @ coefficients``; the L2 penalty applies to the
    coefficients of the standardised features, not to the intercept. ``size`` is the negative-binomial size
    (infinite for Poisson).
    """

    family: str
    steps: tuple[int, ...]
    feature_names: tuple[str, ...]
    center: FloatArray
    scale: FloatArray
    intercept: float
    coefficients: FloatArray
    size: float
    l2: float
    training_rows: int
    converged: bool
    iterations: int

    def mean(self, features: ArrayLike) -> FloatArray:
        """Expected counts for rows of raw (unstandardised) features."""
        x = (np.asarray(features, dtype=np.float64) - self.center) / self.scale
        eta = np.minimum(
            self.intercept + np.einsum("...j,j->...", x, self.coefficients), _MAX_LINEAR_PREDICTOR
        )
        return np.asarray(np.exp(eta), dtype=np.float64)

    def coefficient(self, name: str) -> float:
        """The coefficient of one (standardised) feature."""
        return float(self.coefficients[self.feature_names.index(name)])


def _dot(a: FloatArray, b: FloatArray) -> float:
    """Inner product of two long vectors without BLAS."""
    return float(np.einsum("n,n->", a, b))


def _negative_log_posterior(
    params: FloatArray, xt: FloatArray, y: FloatArray, positive: NDArray[np.intp], family: str, l2: float
) -> tuple[float, FloatArray]:
    """Mean negative log-likelihood plus L2 penalty, and its gradient.

    ``params`` holds the intercept, the coefficients and (negative binomial) the log size; ``xt`` is the
    standardised design transposed (features x rows, contiguous: the two products per call are the cost).
    Products are einsum, not BLAS: multithreaded BLAS on these thin products spins and stalls on busy hosts.
    """
    p, n = xt.shape
    beta = params[1 : p + 1]
    eta = np.minimum(params[0] + np.einsum("j,jn->n", beta, xt), _MAX_LINEAR_PREDICTOR)
    mu = np.exp(eta)
    gradient = np.zeros_like(params)
    if family == "poisson":
        loglik = float(_dot(y, eta) - mu.sum())
        score = y - mu
    else:
        log_r = float(params[p + 1])
        r = math.exp(log_r)
        y_pos = y[positive]
        total = mu + r
        log_total = np.log(total)
        inverse = 1.0 / total
        sum_log_total = float(log_total.sum())
        loglik = float(
            np.sum(special.gammaln(y_pos + r))
            - positive.size * special.gammaln(r)
            + r * (n * log_r - sum_log_total)
            + _dot(y, eta - log_total)
        )
        score = (y - mu) * inverse * r
        d_size = (
            np.sum(special.digamma(y_pos + r))
            - positive.size * special.digamma(r)
            + n * log_r
            - sum_log_total
            + n
            - _dot(y + r, inverse)
        )
        gradient[p + 1] = -r * d_size / n
    gradient[0] = -score.sum() / n
    gradient[1 : p + 1] = -np.einsum("jn,n->j", xt, score) / n + l2 * beta
    value = -loglik / n + 0.5 * l2 * float(beta @ beta)
    return value, gradient


def fit_count_regression(
    features: ArrayLike,
    counts: ArrayLike,
    *,
    feature_names: Sequence[str],
    steps: tuple[int, ...] = (1,),
    family: str = "negative_binomial",
    l2: float = 1e-3,
    initial: CountRegression | None = None,
    max_iterations: int = 500,
) -> CountRegression:
    """Fit a regularised count regression by L-BFGS with analytic gradient.

    ``features`` (rows x features) are standardised with their own mean and standard deviation; the objective
    is the mean negative log-likelihood plus ``l2 / 2`` times the squared norm of the coefficients. ``initial``
    (a fit with the same features and family) warm-starts the optimiser.
    """
    if family not in FAMILIES:
        raise ValueError(f"family must be one of {', '.join(FAMILIES)}")
    x = np.asarray(features, dtype=np.float64)
    y = np.asarray(counts, dtype=np.float64)
    names = tuple(feature_names)
    if x.ndim != 2 or x.shape != (y.shape[0], len(names)) or y.shape[0] == 0:
        raise ValueError("features must be (rows x features) with one count per row and at least one row")
    if np.any(y < 0) or l2 < 0:
        raise ValueError("counts and l2 must be >= 0")
    center = x.mean(axis=0)
    spread = x.std(axis=0)
    scale = np.where(spread > 1e-12, spread, 1.0)
    standard_t = np.ascontiguousarray(((x - center) / scale).T)
    p = len(names)
    negative_binomial = family == "negative_binomial"
    start = np.zeros(p + 1 + int(negative_binomial))
    start[0] = math.log(max(float(y.mean()), 1e-6))
    if initial is not None and initial.family == family and initial.feature_names == names:
        start[0], start[1 : p + 1] = initial.intercept, initial.coefficients
        if negative_binomial:
            start[p + 1] = np.clip(math.log(initial.size), _MIN_LOG_SIZE, _MAX_LOG_SIZE)
    bounds = [(None, None)] * (p + 1) + [(_MIN_LOG_SIZE, _MAX_LOG_SIZE)] * int(negative_binomial)
    positive = np.flatnonzero(y > 0)
    result = optimize.minimize(
        _negative_log_posterior,
        start,
        args=(standard_t, y, positive, family, l2),
        jac=True,
        method="L-BFGS-B",
        bounds=bounds,
        options={"maxiter": max_iterations},
    )
    params = np.asarray(result.x, dtype=np.float64)
    return CountRegression(
        family=family,
        steps=steps,
        feature_names=names,
        center=_frozen(center),
        scale=_frozen(scale),
        intercept=float(params[0]),
        coefficients=_frozen(params[1 : p + 1]),
        size=math.exp(params[p + 1]) if negative_binomial else math.inf,
        l2=l2,
        training_rows=int(y.shape[0]),
        converged=bool(result.success),
        iterations=int(result.nit),
    )


# --------------------------------------------------------------------------------------------- forecasts


def _origin_index(panel: Panel, origin: date | None) -> int:
    if origin is None:
        return len(panel.periods) - 1
    try:
        return panel.periods.index(origin)
    except ValueError:
        raise ValueError(f"origin {origin} is not a period of the panel") from None


def _targets(horizon: int) -> tuple[tuple[int, ...], ...]:
    """The steps ahead forecast (one target each), then their total."""
    if horizon < 1:
        raise ValueError("horizon must be >= 1")
    return (*((h,) for h in range(1, horizon + 1)), tuple(range(1, horizon + 1)))


def _training_rows(
    cube: FloatArray,
    counts_by_period: FloatArray,
    origin: int,
    steps: tuple[int, ...],
    training_periods: int | None,
) -> tuple[FloatArray, FloatArray]:
    """(features at t, count summed over t + steps) for every unit and every t with t + max(steps) <= origin."""
    last = origin - max(steps)
    if last < 0:
        raise ValueError(f"no training data: the origin leaves no complete target {steps} before it")
    first = min(11, last)
    if training_periods is not None:
        first = max(first, last - training_periods + 1)
    x = cube[first : last + 1].reshape(-1, cube.shape[-1])
    y = sum(counts_by_period[first + h : last + 1 + h] for h in steps)
    return x, np.asarray(y, dtype=np.float64).ravel()


EXTRAPOLATION_CAP = 2.0
"""A forecast mean never exceeds this multiple of the largest count seen in training."""


def guarded_mean(fit: CountRegression, x: FloatArray, y: FloatArray, at_origin: FloatArray) -> FloatArray:
    """The fit's means at the origin with each feature held within the range it had in training and the mean
    capped at ``EXTRAPOLATION_CAP`` times the largest training count: a log-linear model fed a burst of violence
    beyond anything it was trained on would otherwise forecast thousands of events (seen on CAR in 2013-2014)."""
    if len(x) == 0:
        return fit.mean(at_origin)
    held = np.clip(at_origin, x.min(axis=0), x.max(axis=0))
    ceiling = EXTRAPOLATION_CAP * max(float(np.max(y)), 1.0)
    return np.minimum(fit.mean(held), ceiling)


def forecast_regression(
    panel: Panel,
    *,
    origin: date | None = None,
    horizon: int = 3,
    neighbours: Any = None,
    covariates: StaticCovariates | None = None,
    family: str = "negative_binomial",
    l2: float = 1e-3,
    training_periods: int | None = 36,
    since_cap: int = 24,
    features: FeatureCube | None = None,
    warm_start: Forecast | None = None,
) -> Forecast:
    """Forecast every unit's counts 1..``horizon`` periods after ``origin`` (default: the last period) and their
    total, with one regularised count regression per target fitted on data up to the origin only.

    ``training_periods`` bounds the training pairs to the latest periods (None: all, from period 12 on).
    ``features`` (a cube from :func:`lag_features` of this panel, same neighbours and covariates) saves
    recomputing them; being causal, only its rows up to the origin are read. ``warm_start`` (an earlier forecast
    of this model) starts the optimiser from its fits.
    """
    index = _origin_index(panel, origin)
    history = panel.events[:, : index + 1]
    if features is None:
        features = lag_features(history, neighbours, covariates, since_cap)
    if features.values.shape[1] != len(panel.units) or features.values.shape[0] <= index:
        raise ValueError("features do not cover the panel's units up to the origin")
    cube = features.values
    counts_by_period = np.ascontiguousarray(history.T, dtype=np.float64)
    at_origin = cube[index]
    laws: list[ForecastDistribution] = []
    fits: list[CountRegression] = []
    name = f"{family}_regression"
    for steps in _targets(horizon):
        x, y = _training_rows(cube, counts_by_period, index, steps, training_periods)
        previous = warm_start.fit_for(steps) if warm_start is not None else None
        fit = fit_count_regression(
            x, y, feature_names=features.names, steps=steps, family=family, l2=l2, initial=previous
        )
        fits.append(fit)
        if (
            len(steps) > 1
        ):  # the total: its own dispersion, but the sum of the steps' means (consistent horizons)
            mean = np.sum([law.mean() for law in laws], axis=0)
        else:
            mean = guarded_mean(fit, x, y, at_origin)
        laws.append(
            ForecastDistribution.negative_binomial(
                name, panel.units, panel.periods[index], steps, mean, fit.size
            )
        )
    return Forecast(name, panel.units, panel.periods[index], tuple(laws[:-1]), laws[-1], tuple(fits))


def forecast_baseline(
    panel: Panel,
    name: str,
    *,
    origin: date | None = None,
    horizon: int = 3,
    rng: np.random.Generator | None = None,
    samples: int = 1000,
) -> Forecast:
    """One of the five baselines (see :data:`BASELINES`) at ``origin`` (default: the last period).

    Point forecasts (``zero``, ``last_value``, ``mean_12``) are point masses; ``conflictology`` is exact per step
    (the last 12 periods, equally likely) and ``samples`` draws (needs ``rng``) for the total.
    """
    if name not in BASELINES:
        raise ValueError(f"baseline must be one of {', '.join(BASELINES)}")
    targets = _targets(horizon)
    index = _origin_index(panel, origin)
    counts = np.asarray(panel.events[:, : index + 1], dtype=np.float64)
    last = counts[:, -1]
    window = counts[:, -12:]
    units, at = panel.units, panel.periods[index]
    laws: list[ForecastDistribution] = []
    for steps in targets:
        k = len(steps)
        if name == "zero":
            law = ForecastDistribution.empirical(name, units, at, steps, np.zeros_like(last))
        elif name == "last_value":
            law = ForecastDistribution.empirical(name, units, at, steps, k * last)
        elif name == "mean_12":
            law = ForecastDistribution.empirical(name, units, at, steps, k * window.mean(axis=1))
        elif name == "poisson_last":
            law = ForecastDistribution.poisson(name, units, at, steps, k * last)
        elif k == 1:
            law = ForecastDistribution.empirical(name, units, at, steps, window)
        else:
            if rng is None:
                raise ValueError("the conflictology baseline needs rng to sample its total")
            per_step = ForecastDistribution.empirical(name, units, at, steps, window)
            total = per_step.sample(rng, samples)
            for _ in steps[1:]:
                total += per_step.sample(rng, samples)
            law = ForecastDistribution.empirical(name, units, at, steps, total)
        laws.append(law)
    return Forecast(name, units, at, tuple(laws[:-1]), laws[-1])


def forecast_baselines(
    panel: Panel,
    *,
    origin: date | None = None,
    horizon: int = 3,
    rng: np.random.Generator,
    samples: int = 1000,
) -> Mapping[str, Forecast]:
    """All five baselines at ``origin``, by name."""
    return {
        name: forecast_baseline(panel, name, origin=origin, horizon=horizon, rng=rng, samples=samples)
        for name in BASELINES
    }


# --------------------------------------------------------------------------------------------- ensemble

ENSEMBLE = "ensemble"
COMPONENTS = ("negative_binomial_regression", "conflictology", "zero", "poisson_last")
"""The ensemble's components: the regression and the three baselines that are laws on the integers (the point
forecasts ``last_value`` and ``mean_12`` are not: a point mass at 2.5 events is no count law)."""
GROUPS = ("quiet", "active")
"""Units with no event in their last 12 periods at the origin, and the others: each group gets its own weights
(a quiet unit is mostly a question of whether anything happens at all, an active one of how much)."""
WEIGHT_ORIGINS, WEIGHT_UNIT_ORIGINS = 24, 960
"""The weights are set on the out-of-sample scores of the most recent past origins whose outcome is known: at
least WEIGHT_ORIGINS of them, more for panels of few units, until they hold WEIGHT_UNIT_ORIGINS scored unit-months
(weights chosen on 10 areas x 24 months are noise; on 2,000 cells x 24 months they are not)."""


def weight_window(units: int) -> int:
    """How many past origins set the ensemble's weights for a panel of ``units`` units."""
    return max(WEIGHT_ORIGINS, math.ceil(WEIGHT_UNIT_ORIGINS / max(units, 1)))


SUPPORT_TAIL = 1e-7
"""Tabulated laws stop where every unit's cdf reaches 1 - SUPPORT_TAIL (the rest is put on the last value)."""
SUPPORT_FLOOR, SUPPORT_FACTOR = 50, 5
"""The ensemble's laws stop at K = max(SUPPORT_FLOOR, SUPPORT_FACTOR x the largest count of any unit in one
period up to the origin) per step; a component's mass beyond K (a heavy negative-binomial tail) is put on K."""


@dataclass(frozen=True, eq=False)
class EnsembleWeights:
    """The ensemble's weights at one origin: ``values[step - 1, group, component]`` (each row sums to 1), and per
    step the number of past origins (with known outcomes) they were chosen on."""

    components: tuple[str, ...]
    groups: tuple[str, ...]
    values: FloatArray
    past_origins: tuple[int, ...]

    def weight(self, step: int, group: str, component: str) -> float:
        """The weight of ``component`` for ``group`` at ``step``."""
        return float(self.values[step - 1, self.groups.index(group), self.components.index(component)])


def support_cap(panel: Panel, index: int) -> int:
    """The largest count the ensemble's step laws hold at origin ``index`` (see :data:`SUPPORT_FACTOR`)."""
    largest = int(panel.events[:, : index + 1].max(initial=0))
    return max(SUPPORT_FLOOR, SUPPORT_FACTOR * largest)


def support_top(law: ForecastDistribution, cap: int) -> NDArray[np.int64]:
    """Per unit, the count past which the law holds less than ``SUPPORT_TAIL``, at most ``cap``."""
    top = np.ceil(np.minimum(law.quantile(1.0 - SUPPORT_TAIL), cap))
    return np.asarray(np.maximum(top, 0), dtype=np.int64)


def cdf_grid(law: ForecastDistribution, top: int) -> FloatArray:
    """The law's cdf at 0..``top`` per unit (units x top + 1), 1 beyond each unit's ``support_top``."""
    n = len(law.units)
    grid = np.ones((n, top + 1))
    if law.cdf_table is not None:
        width = min(law.cdf_table.shape[1], top + 1)
        grid[:, :width] = law.cdf_table[:, :width]
        return grid
    if law.atoms is not None:
        values = np.arange(top + 1, dtype=np.float64)
        for start in range(0, n, 256):  # bounded memory: units x atoms x values per chunk
            atoms = law.atoms[start : start + 256]
            grid[start : start + 256] = (atoms[:, :, None] <= values).mean(axis=1)
        return grid
    own = support_top(law, top)
    width_class = np.ceil(np.log2(own + 1.0)).astype(np.int64)
    for width_log in np.unique(width_class):
        index = np.flatnonzero(width_class == width_log)
        width = min(2**width_log, top + 1)
        values = np.broadcast_to(np.arange(width, dtype=np.float64), (index.size, width))
        grid[index, :width] = law.take(index).cdf(values)
    return grid


def _common_top(laws: Sequence[ForecastDistribution], cap: int) -> int:
    return int(max(int(support_top(law, cap).max(initial=0)) for law in laws))


def crps_gram(grids: Sequence[FloatArray], observed: ArrayLike) -> FloatArray:
    """Per unit, the matrix G[i, j] = sum_k (F_i(k) - 1{y <= k}) (F_j(k) - 1{y <= k}) over all integers k, for
    component cdfs on a common grid 0..K (1 beyond K); shape (units, c, c).

    The CRPS of the mixture sum_i w_i F_i (weights summing to 1) against y is w' G w, exactly: weights can be
    chosen on past scores by a small quadratic programme instead of a search.
    """
    y = np.asarray(observed, dtype=np.float64)
    top = grids[0].shape[1] - 1
    below = y[:, None] <= np.arange(top)
    differences = np.stack([grid[:, :top] - below for grid in grids])
    gram = np.einsum("inj,mnj->nim", differences, differences)
    return np.asarray(gram + np.maximum(y - top, 0.0)[:, None, None], dtype=np.float64)


def simplex_weights(gram: FloatArray) -> FloatArray:
    """The weights w >= 0 with sum 1 minimising w' gram w (the mean CRPS of the mixture on past origins)."""
    c = gram.shape[0]
    scale = float(np.trace(gram)) / c
    if not np.isfinite(scale) or scale <= 0:
        return np.full(c, 1.0 / c)
    matrix = gram / scale
    result = optimize.minimize(
        lambda w: float(w @ matrix @ w),
        np.full(c, 1.0 / c),
        jac=lambda w: 2.0 * (matrix @ w),
        bounds=[(0.0, 1.0)] * c,
        constraints=[{"type": "eq", "fun": lambda w: float(w.sum() - 1.0), "jac": lambda w: np.ones(c)}],
        method="SLSQP",
        options={"ftol": 1e-12, "maxiter": 200},
    )
    weights = np.clip(np.asarray(result.x, dtype=np.float64), 0.0, None)
    return np.asarray(weights / weights.sum(), dtype=np.float64)


def quiet_units(panel: Panel, index: int, window: int = 12) -> NDArray[np.bool_]:
    """Units with no event in the ``window`` periods up to and including period ``index``."""
    return np.asarray(panel.events[:, max(index - window + 1, 0) : index + 1].sum(axis=1) == 0)


def component_laws(
    panel: Panel, index: int, regression: Forecast
) -> dict[str, tuple[ForecastDistribution, ...]]:
    """The components' laws per step at origin ``index``, from the regression's forecast there and the unit's
    own history (the baselines' per-step laws, exactly as :func:`forecast_baseline` defines them)."""
    counts = np.asarray(panel.events[:, : index + 1], dtype=np.float64)
    units, at = panel.units, panel.periods[index]
    steps = [(h,) for h in range(1, regression.horizon + 1)]
    window = counts[:, -12:]
    return {
        "negative_binomial_regression": regression.by_step,
        "conflictology": tuple(
            ForecastDistribution.empirical("conflictology", units, at, s, window) for s in steps
        ),
        "zero": tuple(
            ForecastDistribution.empirical("zero", units, at, s, np.zeros(len(units))) for s in steps
        ),
        "poisson_last": tuple(
            ForecastDistribution.poisson("poisson_last", units, at, s, counts[:, -1]) for s in steps
        ),
    }


class EnsembleHistory:
    """The components' out-of-sample CRPS at past origins, as per-group sums of :func:`crps_gram` per (origin,
    step); :meth:`weights` at an origin reads only the entries whose outcome (origin + step) it has seen."""

    def __init__(self, window: int) -> None:
        self.window = window
        self._grams: dict[tuple[int, int], tuple[FloatArray, FloatArray]] = {}

    def record(
        self,
        index: int,
        step: int,
        laws: Mapping[str, tuple[ForecastDistribution, ...]],
        observed: ArrayLike,
        quiet: NDArray[np.bool_],
        cap: int,
    ) -> None:
        """Score the components' step-``step`` laws of origin ``index`` (held within 0..``cap``) against what
        followed."""
        chosen = [laws[name][step - 1] for name in COMPONENTS]
        top = _common_top(chosen, cap)
        per_unit = crps_gram([cdf_grid(law, top) for law in chosen], observed)
        masks = (quiet, ~quiet)
        sums = np.stack([per_unit[mask].sum(axis=0) for mask in masks])
        counts = np.array([float(mask.sum()) for mask in masks])
        self._grams[(index, step)] = (sums, counts)

    def weights(self, index: int, horizon: int) -> EnsembleWeights:
        """Weights per step and group at origin ``index``: minimum mean CRPS of the mixture over the ``window``
        latest past origins s with s + step <= index (their outcome observed by the origin); equal weights where
        there is no such origin or no unit of the group."""
        c, g = len(COMPONENTS), len(GROUPS)
        values = np.full((horizon, g, c), 1.0 / c)
        used = []
        for step in range(1, horizon + 1):
            past = sorted(s for (s, h) in self._grams if h == step and s + step <= index)[-self.window :]
            used.append(len(past))
            if not past:
                continue
            sums = np.sum([self._grams[(s, step)][0] for s in past], axis=0)
            counts = np.sum([self._grams[(s, step)][1] for s in past], axis=0)
            for group in range(g):
                if counts[group] > 0:
                    values[step - 1, group] = simplex_weights(sums[group] / counts[group])
        return EnsembleWeights(COMPONENTS, GROUPS, _frozen(values), tuple(used))


def _trimmed(grid: FloatArray) -> FloatArray:
    """A cdf grid cut where every unit has reached 1 - SUPPORT_TAIL."""
    reached = np.all(grid >= 1.0 - SUPPORT_TAIL, axis=0)
    last = int(np.argmax(reached)) if reached.any() else grid.shape[1] - 1
    return grid[:, : last + 1]


def sum_of_independent(
    laws: Sequence[ForecastDistribution], model: str, steps: tuple[int, ...]
) -> ForecastDistribution:
    """The law of the sum of independent counts (convolution of the tabulated pmfs): its mean is the sum of the
    means and its P(0) the product of theirs, so totals agree with the steps they add up."""
    first = laws[0]
    pmf = np.ones((len(first.units), 1))
    for law in laws:
        assert law.cdf_table is not None
        grid = law.cdf_table
        step_pmf = np.diff(grid, axis=1, prepend=0.0)
        pmf = np.clip(signal.fftconvolve(pmf, step_pmf, axes=1), 0.0, None)
    cdf = np.minimum(np.cumsum(pmf, axis=1) / pmf.sum(axis=1, keepdims=True), 1.0)
    return ForecastDistribution.tabulated(model, first.units, first.origin, steps, _trimmed(cdf))


def combine(
    laws: Mapping[str, tuple[ForecastDistribution, ...]],
    weights: EnsembleWeights,
    quiet: NDArray[np.bool_],
    cap: int,
) -> Forecast:
    """The ensemble: per step the mixture of the components' laws (held within 0..``cap``) with the weights of
    each unit's group, and for the total the sum of the steps (independent given the origin)."""
    reference = laws[COMPONENTS[0]][0]
    by_step = []
    for step in range(1, len(laws[COMPONENTS[0]]) + 1):
        chosen = [laws[name][step - 1] for name in COMPONENTS]
        top = _common_top(chosen, cap)
        per_unit = weights.values[step - 1][np.where(quiet, 0, 1)]  # units x components
        mixture = sum(per_unit[:, [i]] * cdf_grid(law, top) for i, law in enumerate(chosen))
        by_step.append(
            ForecastDistribution.tabulated(
                ENSEMBLE, reference.units, reference.origin, (step,), _trimmed(np.asarray(mixture))
            )
        )
    total = sum_of_independent(by_step, ENSEMBLE, tuple(range(1, len(by_step) + 1)))
    return Forecast(ENSEMBLE, reference.units, reference.origin, tuple(by_step), total, weights=weights)


def forecast_ensemble(
    panel: Panel,
    *,
    origin: date | None = None,
    horizon: int = 3,
    neighbours: Any = None,
    covariates: StaticCovariates | None = None,
    l2: float = 1e-3,
    training_periods: int | None = 36,
    window: int | None = None,
) -> Forecast:
    """The ensemble's forecast at ``origin`` (default: the last period): the components are forecast at the
    ``window + horizon - 1`` origins before it as well (default window: :func:`weight_window`), scored on the
    outcomes known at the origin, and mixed with the weights that minimise that past CRPS (per step and group).
    Nothing after the origin is read."""
    index = _origin_index(panel, origin)
    window = window or weight_window(len(panel.units))
    features = lag_features(panel.events[:, : index + 1], neighbours, covariates)
    history = EnsembleHistory(window)
    previous: Forecast | None = None
    for s in range(max(index - horizon - window + 1, horizon), index + 1):
        fitted = forecast_regression(
            panel,
            origin=panel.periods[s],
            horizon=horizon,
            l2=l2,
            training_periods=training_periods,
            features=features,
            warm_start=previous,
        )
        previous = fitted
        laws = component_laws(panel, s, fitted)
        for step in range(1, horizon + 1):
            if s + step <= index:
                history.record(
                    s, step, laws, panel.events[:, s + step], quiet_units(panel, s), support_cap(panel, s)
                )
    if previous is None:  # too little history for any regression: the components are the unit's history
        raise ValueError(f"the origin needs at least {horizon} periods of history before it")
    quiet = quiet_units(panel, index)
    return combine(
        component_laws(panel, index, previous),
        history.weights(index, horizon),
        quiet,
        support_cap(panel, index),
    )

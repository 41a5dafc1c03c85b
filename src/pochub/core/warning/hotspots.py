"""Hot and cold spots: the Getis–Ord Gi* statistic on H3 cells (or on any binary contiguity, such as admin areas).

The statistic is the classic Gi* with binary weights over each unit's neighbourhood *including the unit itself*;
its z-score is the one of ``esda.G_Local(y, w, transform="B", star=True).Zs``.

Which inference to use
----------------------
* **Analytic (the default, ``permutations=0``).** p is the two-sided normal p-value of z, 2·(1 − Φ(|z|)), as
  ArcGIS's Hot Spot Analysis reports it (classes at |z| ≥ 1.645 / 1.960 / 2.576 before correction). Gi* is a
  sum over a neighbourhood, so z is close to normal once neighbourhoods hold a few events; p is exact to the
  last digit, so a cell with z = 15 keeps p ≈ 1e-51 through any multiple-testing correction. Use it for maps of
  event counts over many cells (the usual case): it is fast, deterministic and has no floor.
* **Permutations (``permutations=P``).** p is the two-sided pseudo p-value 2·(extreme + 1) / (P + 1) under
  *total randomisation*: the whole neighbourhood sum, the cell's own value included, is compared with the sums
  of |N_i| values drawn without replacement from all n units. (Conditional randomisation, which holds the cell's
  own value fixed, is right for local Moran, whose statistic multiplies by that value; for Gi*, which adds it, it
  removes the cell's own count from the test and calls a busy cell among quiet neighbours "none".) Use it when
  values are few and very skewed (a handful of large counts among zeros, small grids) and the normal tail is in
  doubt. Two floors follow: p cannot go below 2 / (P + 1), and a neighbourhood holding the grid's largest count
  cannot get a p much below 2·W/n (the chance that a random neighbourhood of W units contains that unit). With
  thousands of cells the false-discovery-rate correction then keeps almost nothing (BENCHMARKS.md, "Hot spot
  classes on real data": the busiest cell is hot in 9 of 40 real runs, against 40 of 40 with the analytic
  default): read permutation classes unadjusted on large grids.
  ``randomisation="conditional"`` keeps esda's conditional scheme for comparison.

False discovery rate
--------------------
With ``alpha_fdr`` (the default) classes come from false-discovery-rate adjusted p-values, as ArcGIS's "Apply
False Discovery Rate (FDR) Correction", which follows Caldas de Castro, M. and Singer, B. H. (2006),
"Controlling the false discovery rate: a new application to account for multiple and dependent tests in local
statistics of spatial association", Geographical Analysis 38(2): 180–208. They apply the Benjamini–Hochberg
step-up procedure to the m local tests of the map: at each level α (0.10, 0.05, 0.01) the critical p-value is the
largest p_(i) with p_(i) ≤ α·i/m, and a unit is significant at α when its p is at most that critical value. The
dependence of neighbouring tests (they share the values of their overlapping neighbourhoods, which makes them
positively dependent) is what justifies Benjamini–Hochberg here rather than the harmonic factor of
Benjamini–Yekutieli: the step-up procedure controls the FDR under positive regression dependence (Benjamini and
Yekutieli 2001), and Caldas de Castro and Singer show by simulation on local statistics that it recovers clusters
that Bonferroni, even corrected for the spatial dependence, misses. Computing the BH-adjusted p-value
q_i = min_{j ≥ rank(i)} p_(j)·m/j and classing by q_i ≤ α is the same decision at every level, so a result
carries q (``p_fdr``) and the class is read from it: ``p_class`` is the p-value that decided the class.

Permutation engine
------------------
The permutation engine is vectorised and needs no loop over cells: like esda's ``crand`` it draws one
(permutations x max_degree) matrix of random indices shared by every cell. Under total randomisation a cell whose
neighbourhood holds W units uses the first W draws of each row; their sums are prefix sums of the rows, so the
reference distribution of all cells with the same W is one sorted column and counting extremes is a binary search.
Under conditional randomisation a cell with c neighbours uses the first c draws (or the first c + 1 minus itself,
when it was drawn: a uniformly ordered sample of all n units with one unit removed is a uniformly ordered sample
of the others), and the few (row, cell) pairs that drew their own cell are corrected afterwards. Time
O(P·k² + n log P), memory O(n + P·k). Cells with the same neighbourhood size and sum share a reference
distribution, hence a p-value (common random numbers: p is monotone in the observed sum).

Folded pseudo p-values are one-sided in the direction of the observed statistic, as esda's ``p_sim``:
(min(#draws >= observed, #draws <= observed) + 1) / (P + 1). Ties count as extreme on both sides; constant
values and islands under conditional randomisation, whose draws all tie, get p = 1. ``tail="esda"`` reproduces
esda 2.9's ``alternative="directed"`` rule instead (#draws < observed for the lower tail). (esda's numba kernel
also decides exact ties by floating-point rounding; ours compares the sums exactly on integer counts.) A cell
whose permutation tail disagrees with the sign of z is classed ``none``, never hot on the strength of its cold
tail.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from itertools import chain, repeat
from typing import Literal

import h3.api.basic_int as h3_int
import numpy as np
import polars as pl
from numpy.typing import ArrayLike, NDArray
from scipy import sparse, special

Tail = Literal["inclusive", "esda"]
"""How permutation p-values count ties with the observed statistic: as extreme in either tail, or as esda does."""
Randomisation = Literal["total", "conditional"]
"""Which values a permutation redraws: the whole neighbourhood (Gi*'s own), or all but the unit itself (esda)."""

LEVELS = ((0.01, "99"), (0.05, "95"), (0.10, "90"))
"""Confidence level of a class by its largest p-value."""
CLASSES = ("hot99", "hot95", "hot90", "none", "cold90", "cold95", "cold99")
FLOYD_LIMIT = 256
"""Above this many draws per permutation, random keys replace Floyd's sampling (O(k²) per row)."""


@dataclass(frozen=True)
class HotspotResult:
    """Gi* of each cell: its value, z-score, two-sided p-value (analytic when ``permutations`` is 0, else the
    pseudo p-value of total randomisation), Benjamini–Hochberg adjusted p-value and class
    (``hot99|hot95|hot90|none|cold90|cold95|cold99``). ``fdr`` says which p decided the class."""

    cells: tuple[str, ...]
    values: NDArray[np.float64]
    z: NDArray[np.float64]
    p: NDArray[np.float64]
    p_fdr: NDArray[np.float64]
    classes: tuple[str, ...]
    permutations: int = 0
    fdr: bool = True

    @property
    def p_class(self) -> NDArray[np.float64]:
        """The p-value that decided each class: the FDR-adjusted one when ``fdr``, else the raw one."""
        return self.p_fdr if self.fdr else self.p

    @property
    def method(self) -> str:
        """How significance was assessed, in words (for tables and documents)."""
        test = "normal approximation" if self.permutations == 0 else f"{self.permutations} permutations"
        return f"{test}, {'FDR-adjusted' if self.fdr else 'unadjusted'} two-sided p"


def cell_ids(cells: Sequence[str]) -> NDArray[np.uint64]:
    """The 64-bit integer index of every H3 cell string (vectorised)."""
    series = pl.Series("cell", list(cells), dtype=pl.String)
    try:
        ids = series.str.to_integer(base=16, strict=True)
    except pl.exceptions.PolarsError as error:
        raise ValueError(f"not an H3 cell index: {error}") from None
    if ids.null_count():
        raise ValueError("missing H3 cell index")
    return ids.cast(pl.UInt64).to_numpy().astype(np.uint64, copy=False)


def _disks(ids: NDArray[np.uint64], k: int) -> tuple[NDArray[np.int64], NDArray[np.uint64]]:
    """Every cell's k-ring (itself included), flattened: (ring sizes, ring members)."""
    disks = list(map(h3_int.grid_disk, ids.tolist(), repeat(k)))
    sizes = np.fromiter(map(len, disks), dtype=np.int64, count=len(disks))
    members = np.fromiter(chain.from_iterable(disks), dtype=np.uint64, count=int(sizes.sum()))
    return sizes, members


def h3_neighbours(cells: Sequence[str], k: int = 1) -> sparse.csr_array:
    """Binary weights of the k-ring neighbours of each cell *including itself*, restricted to ``cells``.

    Row i has a 1 in column j when cell j is within ``k`` grid steps of cell i; the matrix is symmetric and its
    diagonal is 1. Rows and columns follow the order of ``cells``, which must be distinct.
    """
    if k < 0:
        raise ValueError(f"k must be >= 0, not {k}")
    ids = cell_ids(cells)
    n = ids.size
    order = np.argsort(ids, kind="stable")
    ranked = ids[order]
    if n > 1 and bool((ranked[1:] == ranked[:-1]).any()):
        raise ValueError("cells must be distinct")
    sizes, members = _disks(ids, k)
    rows = np.repeat(np.arange(n, dtype=np.int64), sizes)
    position = np.minimum(np.searchsorted(ranked, members), max(n - 1, 0))
    found = ranked[position] == members if n else np.zeros(0, dtype=bool)
    cols = order[position[found]]
    data = np.ones(cols.size, dtype=np.float64)
    return sparse.csr_array((data, (rows[found], cols)), shape=(n, n))


def extend_with_rings(
    cells: Sequence[str], values: ArrayLike, k: int = 1
) -> tuple[tuple[str, ...], NDArray[np.float64]]:
    """The cells with their values, followed by the cells of their k-rings that are missing, valued 0.

    This is the usual study area of a Gi* on event counts: every cell holding an event plus its neighbourhood.
    """
    if k < 0:
        raise ValueError(f"k must be >= 0, not {k}")
    y = _values(values, len(cells))
    ids = cell_ids(cells)
    _, members = _disks(ids, k)
    added = np.setdiff1d(members, ids)  # sorted, distinct
    names = tuple(cells) + tuple(h3_int.int_to_str(int(i)) for i in added)
    return names, np.concatenate([y, np.zeros(added.size)])


def _values(values: ArrayLike, n: int) -> NDArray[np.float64]:
    y = np.asarray(values, dtype=np.float64)
    if y.shape != (n,):
        raise ValueError(f"values have shape {y.shape}, expected ({n},)")
    if not np.isfinite(y).all():
        raise ValueError("values must be finite")
    return y


def binary_weights(weights: sparse.sparray | sparse.spmatrix | ArrayLike) -> sparse.csr_array:
    """A square binary CSR matrix with a unit diagonal (Gi* counts each unit in its own neighbourhood).

    Nonzero entries must all be 1; a missing diagonal entry is set to 1, as esda does for ``star=True``.
    """
    matrix = sparse.csr_array(weights, dtype=np.float64)
    n, m = matrix.shape
    if n != m:
        raise ValueError(f"weights must be square, not {n} x {m}")
    matrix.sum_duplicates()
    matrix.eliminate_zeros()
    if matrix.nnz and not bool(np.all(matrix.data == 1.0)):
        raise ValueError("weights must be binary (every nonzero weight equal to 1)")
    coo = matrix.tocoo()
    off = coo.row != coo.col
    diagonal = np.arange(n, dtype=np.int64)
    rows = np.concatenate([coo.row[off].astype(np.int64), diagonal])
    cols = np.concatenate([coo.col[off].astype(np.int64), diagonal])
    return sparse.csr_array((np.ones(rows.size), (rows, cols)), shape=(n, n))


def gi_star_z(values: NDArray[np.float64], weights: sparse.csr_array) -> NDArray[np.float64]:
    """Gi* z-scores of ``values`` (n, or n x periods, one column per period) under binary ``weights``
    with a unit diagonal (see :func:`binary_weights`).

    z_i = (Σ_j w_ij y_j − ȳ W_i) / (s √((n W_i − W_i²) / (n − 1))), with W_i = Σ_j w_ij and s the population
    standard deviation. z is 0 where it is undefined: constant values, fewer than 2 units, or W_i = n.
    """
    y = values[:, np.newaxis] if values.ndim == 1 else values
    n = y.shape[0]
    z = np.zeros_like(y)
    if n < 2:
        return z.reshape(values.shape)
    cardinality = np.asarray(weights.sum(axis=1), dtype=np.float64).reshape(-1, 1)
    lag = np.asarray(weights @ y, dtype=np.float64)
    spread = np.sqrt(np.maximum(n * cardinality - cardinality**2, 0.0) / (n - 1)) * y.std(axis=0)
    spread[:, np.ptp(y, axis=0) == 0] = 0.0
    defined = spread > 0
    numerator = lag - cardinality * y.mean(axis=0)
    np.divide(numerator, spread, out=z, where=defined)
    return z.reshape(values.shape)


def _distinct_draws(rng: np.random.Generator, population: int, size: int, rows: int) -> NDArray[np.int64]:
    """``rows`` uniformly ordered samples of ``size`` distinct integers from ``range(population)``."""
    out = np.empty((rows, size), dtype=np.int64)
    if size > FLOYD_LIMIT:
        chunk = max(1, 4_000_000 // population)
        for start in range(0, rows, chunk):
            keys = rng.random((min(chunk, rows - start), population))
            out[start : start + keys.shape[0]] = np.argpartition(keys, size - 1, axis=1)[:, :size]
    else:  # Floyd's algorithm, one column at a time for all rows: a uniform subset...
        for filled, top in enumerate(range(population - size, population)):
            draw = rng.integers(0, top + 1, size=rows)
            seen = (out[:, :filled] == draw[:, None]).any(axis=1)
            out[:, filled] = np.where(seen, top, draw)
    return rng.permuted(out, axis=1)  # ...in uniform order


def _total_tail_counts(
    lag: NDArray[np.float64],
    y: NDArray[np.float64],
    size: NDArray[np.int64],
    permutations: int,
    rng: np.random.Generator,
) -> tuple[NDArray[np.int64], NDArray[np.int64]]:
    """For each cell, how many totally randomised neighbourhoods (``size`` units drawn without replacement from
    all n, the cell's own value back in the pool) sum to >= and <= the observed neighbourhood sum ``lag``."""
    n = y.size
    top = int(size.max())
    draws = _distinct_draws(rng, n, top, permutations)
    prefix = np.zeros((permutations, top + 1))
    prefix[:, 1:] = np.cumsum(y[draws], axis=1)
    at_least = np.empty(n, dtype=np.int64)
    at_most = np.empty(n, dtype=np.int64)
    order = np.argsort(size, kind="stable")
    sizes, starts = np.unique(size[order], return_index=True)
    for width, members in zip(sizes, np.split(order, starts[1:]), strict=True):
        reference = np.sort(prefix[:, width])
        observed = lag[members]
        at_least[members] = permutations - np.searchsorted(reference, observed, side="left")
        at_most[members] = np.searchsorted(reference, observed, side="right")
    return at_least, at_most


def _tail_counts(
    y: NDArray[np.float64],
    others: NDArray[np.float64],
    cardinality: NDArray[np.int64],
    permutations: int,
    rng: np.random.Generator,
) -> tuple[NDArray[np.int64], NDArray[np.int64]]:
    """For each cell, how many of its conditional permutations give a neighbour sum >= and <= the observed one.

    ``others`` is the observed sum over each cell's neighbours except itself, ``cardinality`` their number.
    """
    n = y.size
    top = int(cardinality.max())
    draws = _distinct_draws(rng, n, top + 1, permutations)
    prefix = np.zeros((permutations, top + 2))
    prefix[:, 1:] = np.cumsum(y[draws], axis=1)
    at_least = np.empty(n, dtype=np.int64)
    at_most = np.empty(n, dtype=np.int64)
    order = np.argsort(cardinality, kind="stable")
    degrees, starts = np.unique(cardinality[order], return_index=True)
    for degree, members in zip(degrees, np.split(order, starts[1:]), strict=True):
        reference = np.sort(prefix[:, degree])
        observed = others[members]
        at_least[members] = permutations - np.searchsorted(reference, observed, side="left")
        at_most[members] = np.searchsorted(reference, observed, side="right")
    # Rows where a cell drew itself among its first c draws: its sample is the first c + 1 draws minus itself.
    row, column = np.nonzero(np.arange(top + 1) < cardinality[draws])
    cell = draws[row, column]
    degree = cardinality[cell]
    used, right = prefix[row, degree], prefix[row, degree + 1] - y[cell]
    observed = others[cell]
    fix_least = (right >= observed).astype(np.int64) - (used >= observed)
    fix_most = (right <= observed).astype(np.int64) - (used <= observed)
    at_least += np.bincount(cell, weights=fix_least, minlength=n).astype(np.int64)
    at_most += np.bincount(cell, weights=fix_most, minlength=n).astype(np.int64)
    return at_least, at_most


@dataclass(frozen=True)
class GiStarTest:
    """Gi* z and p of each unit, and whether p was taken in the tail of z's sign (always, when analytic)."""

    z: NDArray[np.float64]
    p: NDArray[np.float64]
    concordant: NDArray[np.bool_]


def gi_star_test(
    values: ArrayLike,
    weights_csr: sparse.sparray | sparse.spmatrix,
    permutations: int = 999,
    seed: int | np.random.Generator = 0,
    tail: Tail = "inclusive",
    randomisation: Randomisation = "total",
) -> GiStarTest:
    """Gi* z, p and tail concordance of ``values``: see :func:`gi_star_from_weights`."""
    if permutations < 0:
        raise ValueError(f"permutations must be >= 0, not {permutations}")
    if tail not in ("inclusive", "esda"):
        raise ValueError(f"tail must be 'inclusive' or 'esda', not {tail!r}")
    if randomisation not in ("total", "conditional"):
        raise ValueError(f"randomisation must be 'total' or 'conditional', not {randomisation!r}")
    weights = binary_weights(weights_csr)
    y = _values(values, weights.shape[0])
    z = gi_star_z(y, weights)
    if permutations == 0 or y.size == 0:
        return GiStarTest(z, normal_tail(z), np.ones(z.shape, dtype=bool))
    size = np.diff(weights.indptr).astype(np.int64)
    lag = np.asarray(weights @ y, dtype=np.float64)
    rng = np.random.default_rng(seed)
    if randomisation == "total":
        at_least, at_most = _total_tail_counts(lag, y, size, permutations, rng)
    else:
        at_least, at_most = _tail_counts(y, lag - y, size - 1, permutations, rng)
    lower = permutations - at_least if tail == "esda" else at_most
    upper = at_least <= lower
    extreme = np.where(upper, at_least, lower)
    return GiStarTest(z, (extreme + 1.0) / (permutations + 1.0), upper == (z >= 0))


def gi_star_from_weights(
    values: ArrayLike,
    weights_csr: sparse.sparray | sparse.spmatrix,
    permutations: int = 999,
    seed: int | np.random.Generator = 0,
    *,
    tail: Tail = "inclusive",
    randomisation: Randomisation = "total",
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """Gi* (z, p) of ``values`` under a binary weights matrix (self-weights on the diagonal; added if missing).

    ``permutations=0`` gives the one-sided normal p-value of |z| (esda's ``p_norm``); otherwise the folded pseudo
    p-value (extreme + 1) / (permutations + 1) from permutations drawn from ``seed`` (``randomisation``: total,
    Gi*'s own, or esda's conditional), in the tail the observed statistic lies in (ties: ``tail``, see the module
    notes). Works for any units: H3 cells, admin areas, ...
    """
    test = gi_star_test(values, weights_csr, permutations, seed, tail, randomisation)
    return test.z, test.p


def normal_tail(z: ArrayLike) -> NDArray[np.float64]:
    """One-sided normal p-value of |z|: 1 − Φ(|z|) (scipy.special, not the slow-to-import scipy.stats)."""
    return np.asarray(special.ndtr(-np.abs(np.asarray(z, dtype=np.float64))), dtype=np.float64)


def benjamini_hochberg(p: ArrayLike) -> NDArray[np.float64]:
    """Benjamini–Hochberg adjusted p-values (false discovery rate), in the order given:
    min over j >= i of p_(j) m / j, capped at 1, p_(j) the j-th smallest of the m p-values."""
    values = np.asarray(p, dtype=np.float64)
    if values.ndim != 1:
        raise ValueError(f"p must be 1-D, not {values.ndim}-D")
    order = np.argsort(values, kind="stable")
    scaled = values[order] * values.size / np.arange(1, values.size + 1)
    adjusted = np.empty_like(values)
    adjusted[order] = np.minimum(np.minimum.accumulate(scaled[::-1])[::-1], 1.0)
    return adjusted


def hotspot_classes(z: ArrayLike, p: ArrayLike, concordant: ArrayLike | None = None) -> tuple[str, ...]:
    """``hot``/``cold`` by the sign of z, ``99``/``95``/``90`` by p <= 0.01 / 0.05 / 0.10; else ``none``.

    ``concordant`` (default all true) marks the cells whose p-value was taken in the tail of z's sign.
    """
    zs, ps = np.asarray(z, dtype=np.float64), np.asarray(p, dtype=np.float64)
    level = np.full(zs.shape, "", dtype=object)
    for threshold, name in reversed(LEVELS):
        level[ps <= threshold] = name
    side = np.where(zs > 0, "hot", np.where(zs < 0, "cold", ""))
    named = (level != "") & (side != "")
    if concordant is not None:
        named &= np.asarray(concordant, dtype=bool)
    labels = np.where(named, side.astype(object) + level, "none")
    return tuple(labels.tolist())


def two_sided(test: GiStarTest) -> NDArray[np.float64]:
    """The two-sided p-value of a Gi* test: twice its one-sided (or folded pseudo) p, capped at 1."""
    return np.minimum(2.0 * test.p, 1.0)


def getis_ord_gi_star(
    cells: Sequence[str],
    values: ArrayLike,
    k: int = 1,
    permutations: int = 0,
    seed: int | np.random.Generator = 0,
    alpha_fdr: bool = True,
    *,
    tail: Tail = "inclusive",
    randomisation: Randomisation = "total",
) -> HotspotResult:
    """Gi* hot and cold spots of ``values`` on H3 ``cells`` with k-ring neighbours (the cell included).

    By default p is the analytic two-sided normal p-value and the classes come from its Benjamini–Hochberg
    adjustment (``alpha_fdr``), as ArcGIS's Hot Spot Analysis with its FDR correction (Caldas de Castro and
    Singer 2006; see the module notes for when to use ``permutations`` instead).
    """
    return gi_star_from_weights_result(
        cells,
        values,
        h3_neighbours(cells, k),
        permutations,
        seed,
        alpha_fdr,
        tail=tail,
        randomisation=randomisation,
    )


def gi_star_from_weights_result(
    units: Sequence[str],
    values: ArrayLike,
    weights: sparse.sparray | sparse.spmatrix,
    permutations: int = 0,
    seed: int | np.random.Generator = 0,
    alpha_fdr: bool = True,
    *,
    tail: Tail = "inclusive",
    randomisation: Randomisation = "total",
) -> HotspotResult:
    """Gi* hot and cold spots of ``values`` on any named ``units`` under binary ``weights`` (see
    :func:`getis_ord_gi_star`)."""
    y = _values(values, len(units))
    test = gi_star_test(y, weights, permutations, seed, tail, randomisation)
    p = two_sided(test)
    p_fdr = benjamini_hochberg(p)
    return HotspotResult(
        cells=tuple(units),
        values=y,
        z=test.z,
        p=p,
        p_fdr=p_fdr,
        classes=hotspot_classes(test.z, p_fdr if alpha_fdr else p, test.concordant),
        permutations=permutations,
        fdr=alpha_fdr,
    )

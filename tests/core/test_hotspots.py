"""Gi* hot spots: neighbours, z against esda, permutation p-values (total and conditional randomisation), the
false-discovery-rate classes, invariants (hypothesis), real events of every events file, and the memory bound."""

from __future__ import annotations

import tracemalloc
import warnings
from collections import Counter
from typing import Any

import h3
import numpy as np
import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import sparse, stats

from pochub.core.warning import hotspots
from pochub.core.warning.hotspots import (
    benjamini_hochberg,
    binary_weights,
    extend_with_rings,
    getis_ord_gi_star,
    gi_star_from_weights,
    gi_star_test,
    h3_neighbours,
    hotspot_classes,
)
from tests.conftest import shared_file

CENTRE = h3.latlng_to_cell(-1.68, 29.22, 6)  # Goma, DR Congo
POOL = sorted(h3.grid_disk(CENTRE, 5))


def random_cells(count: int, seed: int, radius: int = 14) -> list[str]:
    """``count`` distinct res-6 cells drawn from a disk (so some are islands, most have a few neighbours)."""
    pool = sorted(h3.grid_disk(CENTRE, radius))
    rng = np.random.default_rng(seed)
    return [str(c) for c in rng.choice(pool, size=count, replace=False)]


def libpysal_weights(cells: list[str], k: int = 1) -> Any:
    """libpysal W of the same k-ring neighbours, without self-neighbours (esda adds them for star=True)."""
    from libpysal.weights import W

    index = {c: i for i, c in enumerate(cells)}
    neighbours = {
        i: [index[c] for c in h3.grid_disk(cell, k) if c in index and c != cell]
        for i, cell in enumerate(cells)
    }
    return W(neighbours, id_order=list(range(len(cells))), silence_warnings=True)


def esda_g_local(y: np.ndarray, cells: list[str], permutations: int, seed: int = 1) -> Any:
    esda = pytest.importorskip("esda")
    pytest.importorskip("libpysal")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # esda's alternative= deprecation, numba, islands
        return esda.G_Local(
            y,
            libpysal_weights(cells),
            transform="B",
            star=True,
            permutations=permutations,
            seed=seed,
            n_jobs=1,
        )


# --- neighbours ----------------------------------------------------------------------------------------------


@pytest.mark.parametrize("k", [0, 1, 2])
def test_neighbours_are_the_k_rings_within_the_cells(k: int) -> None:
    cells = [*random_cells(150, seed=k), "8029fffffffffff"]  # and a pentagon (res 0), an island
    matrix = h3_neighbours(cells, k).toarray()
    members = set(cells)
    for i, cell in enumerate(cells):
        expected = {c for c in h3.grid_disk(cell, k) if c in members}
        assert {cells[j] for j in np.flatnonzero(matrix[i])} == expected
    assert (np.diag(matrix) == 1).all()
    assert (matrix == matrix.T).all()
    assert set(np.unique(matrix)) <= {0.0, 1.0}


def test_neighbours_reject_duplicates_bad_cells_and_negative_k() -> None:
    with pytest.raises(ValueError, match="distinct"):
        h3_neighbours([CENTRE, CENTRE])
    with pytest.raises(ValueError):
        h3_neighbours(["not a cell"])
    with pytest.raises(ValueError, match="k must"):
        h3_neighbours([CENTRE], -1)
    assert h3_neighbours([]).shape == (0, 0)


def test_extend_with_rings_adds_the_missing_ring_cells_as_zero() -> None:
    cells, values = extend_with_rings([CENTRE, POOL[0]], [4, 2], k=1)
    assert cells[:2] == (CENTRE, POOL[0])
    assert set(cells) == set(h3.grid_disk(CENTRE, 1)) | set(h3.grid_disk(POOL[0], 1))
    assert len(cells) == len(set(cells))
    assert values[:2].tolist() == [4, 2] and not values[2:].any()


def test_binary_weights_add_the_diagonal_and_refuse_other_weights() -> None:
    ring = sparse.csr_array(np.array([[0, 1, 0], [1, 0, 1], [0, 1, 0]], dtype=float))
    assert (binary_weights(ring).toarray() == ring.toarray() + np.eye(3)).all()
    with pytest.raises(ValueError, match="binary"):
        binary_weights(ring * 0.5)
    with pytest.raises(ValueError, match="square"):
        binary_weights(sparse.csr_array(np.ones((2, 3))))


# --- z against esda --------------------------------------------------------------------------------------------


def test_z_agrees_with_esda_on_random_cells() -> None:
    cells = random_cells(400, seed=7)
    rng = np.random.default_rng(7)
    for y in (rng.poisson(2.0, len(cells)).astype(float), rng.lognormal(0, 1, len(cells))):
        z, _ = gi_star_from_weights(y, h3_neighbours(cells), permutations=0)
        expected = esda_g_local(y, cells, permutations=0).Zs
        assert np.abs(z - expected).max() <= 1e-9


def test_z_agrees_with_esda_on_real_events() -> None:
    """UCDP GED events of 2015-2019 in the Kivus and Ituri, counted on res-6 cells plus their rings."""
    events = pl.read_csv(shared_file("ucdp-ged201-points/ged201_points.csv")).filter(
        pl.col("year") >= 2015, pl.col("longitude").is_between(27, 31), pl.col("latitude").is_between(-5, 3)
    )
    counts = Counter(
        h3.latlng_to_cell(la, lo, 6) for la, lo in zip(events["latitude"], events["longitude"], strict=True)
    )
    cells, y = extend_with_rings(list(counts), list(counts.values()), k=1)
    assert len(counts) > 200
    z, _ = gi_star_from_weights(y, h3_neighbours(cells), permutations=0)
    expected = esda_g_local(y, list(cells), permutations=0).Zs
    assert np.abs(z - expected).max() <= 1e-9


# --- permutation p-values --------------------------------------------------------------------------------------


@pytest.mark.slow  # esda's first permutation run compiles its numba kernels (~30 s)
def test_pseudo_p_agree_in_distribution_with_esda() -> None:
    cells = random_cells(500, seed=3)
    islands = np.diff(h3_neighbours(cells).indptr) == 1
    rng = np.random.default_rng(3)
    y = rng.lognormal(0, 1, len(cells))
    reference = esda_g_local(y, cells, permutations=9999).p_sim
    _, p = gi_star_from_weights(
        y, h3_neighbours(cells), permutations=9999, seed=11, randomisation="conditional"
    )
    # esda gives an island the null statistic 0 (p = 1/(P + 1)); with no neighbours to permute ours says p = 1.
    assert (p[islands] == 1).all()
    kept, reference = p[~islands], reference[~islands]
    assert stats.ks_2samp(kept, reference).pvalue > 0.05
    assert np.abs(kept - reference).max() < 0.03  # Monte Carlo error of 9999 draws
    assert abs(np.median(kept) - np.median(reference)) < 0.01
    # On counts, with ties, esda's own rule is reproduced by tail="esda".
    counts = rng.poisson(1.0, len(cells)).astype(float)
    reference = esda_g_local(counts, cells, permutations=9999).p_sim
    _, p = gi_star_from_weights(
        counts, h3_neighbours(cells), permutations=9999, seed=5, tail="esda", randomisation="conditional"
    )
    assert stats.ks_2samp(p[~islands], reference[~islands]).pvalue > 0.05
    assert np.abs(p - reference)[~islands].max() < 0.03


def brute_force_counts(
    y: np.ndarray, weights: sparse.csr_array, permutations: int, seed: int
) -> tuple[np.ndarray, np.ndarray]:
    """Per cell and permutation, the sample the engine means: the first c draws of the row, skipping itself."""
    cardinality = np.diff(weights.indptr) - 1
    others = weights @ y - y
    draws = hotspots._distinct_draws(
        np.random.default_rng(seed), y.size, int(cardinality.max()) + 1, permutations
    )
    at_least, at_most = np.zeros(y.size, dtype=int), np.zeros(y.size, dtype=int)
    for i in range(y.size):
        for row in draws:
            total = y[[j for j in row if j != i][: cardinality[i]]].sum()
            at_least[i] += total >= others[i]
            at_most[i] += total <= others[i]
    return at_least, at_most


def test_vectorised_counts_equal_the_brute_force_ones() -> None:
    rng = np.random.default_rng(0)
    upper = sparse.triu(sparse.random_array((30, 30), density=0.15, rng=rng), k=1)
    weights = binary_weights((upper + upper.T) != 0)
    y = rng.poisson(1.5, 30).astype(float)  # many ties
    cardinality = np.diff(weights.indptr) - 1
    got = hotspots._tail_counts(y, weights @ y - y, cardinality, 300, np.random.default_rng(4))
    expected = brute_force_counts(y, weights, 300, seed=4)
    assert (got[0] == expected[0]).all() and (got[1] == expected[1]).all()


@pytest.mark.parametrize("limit", [hotspots.FLOYD_LIMIT, 0])
def test_draws_are_uniform_ordered_samples_without_replacement(
    limit: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(hotspots, "FLOYD_LIMIT", limit)  # 0: the random-keys path
    draws = hotspots._distinct_draws(np.random.default_rng(1), 5, 3, 30_000)
    assert all(len(set(row)) == 3 for row in draws.tolist())
    frequencies = Counter(map(tuple, draws.tolist()))
    assert len(frequencies) == 60  # 5 * 4 * 3 ordered triples
    assert stats.chisquare(list(frequencies.values())).pvalue > 1e-3


def test_permutations_are_seeded() -> None:
    cells = random_cells(200, seed=1)
    y = np.random.default_rng(1).poisson(2, 200)
    weights = h3_neighbours(cells)
    _, first = gi_star_from_weights(y, weights, 199, seed=4)
    _, again = gi_star_from_weights(y, weights, 199, seed=4)
    _, other = gi_star_from_weights(y, weights, 199, seed=5)
    assert (first == again).all() and not (first == other).all()
    assert first.min() >= 1 / 200 and first.max() <= 1


def brute_force_total_counts(
    y: np.ndarray, weights: sparse.csr_array, permutations: int, seed: int
) -> tuple[np.ndarray, np.ndarray]:
    """Per cell and permutation, total randomisation as the engine means it: the first W draws of the row."""
    size = np.diff(weights.indptr)
    lag = weights @ y
    draws = hotspots._distinct_draws(np.random.default_rng(seed), y.size, int(size.max()), permutations)
    at_least, at_most = np.zeros(y.size, dtype=int), np.zeros(y.size, dtype=int)
    for i in range(y.size):
        totals = y[draws[:, : size[i]]].sum(axis=1)
        at_least[i] = (totals >= lag[i]).sum()
        at_most[i] = (totals <= lag[i]).sum()
    return at_least, at_most


def test_total_randomisation_counts_equal_the_brute_force_ones() -> None:
    rng = np.random.default_rng(1)
    upper = sparse.triu(sparse.random_array((40, 40), density=0.12, rng=rng), k=1)
    weights = binary_weights((upper + upper.T) != 0)
    y = rng.poisson(1.5, 40).astype(float)
    size = np.diff(weights.indptr).astype(np.int64)
    got = hotspots._total_tail_counts(weights @ y, y, size, 300, np.random.default_rng(4))
    expected = brute_force_total_counts(y, weights, 300, seed=4)
    assert (got[0] == expected[0]).all() and (got[1] == expected[1]).all()


def test_total_randomisation_counts_the_cells_own_events() -> None:
    """The issue's case: a busy cell among quiet neighbours. Conditional randomisation holds its own count fixed
    and so tests only its neighbours (none); Gi*'s total randomisation and the normal test call it hot. (Under
    total randomisation its p is about 2 W / n, the chance that a random neighbourhood holds the cell: reported
    unadjusted here, as with one busy cell the FDR correction needs the analytic test's tail.)"""
    cells = sorted(h3.grid_disk(CENTRE, 10))
    y = np.random.default_rng(0).poisson(0.2, len(cells)).astype(float)
    centre = cells.index(CENTRE)
    y[[cells.index(c) for c in h3.grid_disk(CENTRE, 1)]] = 0
    y[centre] = 80
    conditional = getis_ord_gi_star(cells, y, permutations=999, randomisation="conditional")
    total = getis_ord_gi_star(cells, y, permutations=999, alpha_fdr=False)
    analytic = getis_ord_gi_star(cells, y)
    assert conditional.classes[centre] == "none"
    assert total.classes[centre].startswith("hot") and analytic.classes[centre] == "hot99"


def test_the_permutation_engine_holds_no_cells_by_permutations_matrix() -> None:
    """The engine's memory is O(n + P·k), not O(n·P): 102,400 units x 999 permutations would need 800 MB as a
    dense matrix of permuted sums; the engine's peak allocation stays a small fraction of it (no timing)."""
    side = 320  # a rook lattice of 102,400 units, as admin-area contiguity would be
    path = sparse.diags_array([np.ones(side - 1), np.ones(side - 1)], offsets=[-1, 1])
    eye = sparse.eye_array(side)
    weights = sparse.csr_array(sparse.kron(path, eye) + sparse.kron(eye, path))
    y = np.random.default_rng(0).poisson(0.5, side * side)
    dense = side * side * 999 * 8
    for randomisation in ("total", "conditional"):
        tracemalloc.start()
        try:
            z, p = gi_star_from_weights(y, weights, permutations=999, seed=0, randomisation=randomisation)
            peak = tracemalloc.get_traced_memory()[1]
        finally:
            tracemalloc.stop()
        assert peak < dense / 20, f"{randomisation}: peak {peak / 1e6:.0f} MB"
        assert z.shape == p.shape == (side * side,)
        assert ((p > 0) & (p <= 1)).all()


# --- classes and edge cases ------------------------------------------------------------------------------------


def planted_cluster() -> tuple[list[str], np.ndarray, list[int]]:
    cells = sorted(h3.grid_disk(CENTRE, 10))
    y = np.random.default_rng(2).poisson(1.0, len(cells)).astype(float)
    cluster = [cells.index(c) for c in h3.grid_disk(CENTRE, 1)]
    y[cluster] = 30
    return cells, y, cluster


def test_a_planted_cluster_is_hot99() -> None:
    cells, y, cluster = planted_cluster()
    centre = cells.index(CENTRE)
    result = getis_ord_gi_star(cells, y, permutations=999, seed=0, alpha_fdr=False)
    assert result.classes[centre] == "hot99"
    assert all(result.classes[i].startswith("hot") for i in cluster)
    assert result.p_class is result.p and result.method == "999 permutations, unadjusted two-sided p"
    analytic = getis_ord_gi_star(cells, y)  # the default: analytic, FDR-adjusted
    assert analytic.permutations == 0 and analytic.fdr
    assert analytic.classes[centre] == "hot99"
    assert analytic.p_class[centre] == analytic.p_fdr[centre] <= 0.01
    assert Counter(analytic.classes)["hot99"] < 40


def test_analytic_p_is_two_sided_as_arcgis() -> None:
    """Unadjusted, the classes fall at ArcGIS's critical z of 1.645, 1.960 and 2.576."""
    cells, y, _ = planted_cluster()
    result = getis_ord_gi_star(cells, y, alpha_fdr=False)
    assert np.allclose(result.p, 2 * stats.norm.sf(np.abs(result.z)), rtol=1e-9, atol=0)
    for cls, z in zip(result.classes, result.z, strict=True):
        expected = next(
            (f"{'hot' if z > 0 else 'cold'}{name}" for bound, name in ((2.576, "99"), (1.960, "95"), (1.645, "90"))
             if abs(z) >= bound + 1e-3),
            None,
        )  # fmt: skip
        if expected is not None:
            assert cls == expected
        elif abs(z) < 1.645 - 1e-3:
            assert cls == "none"


def test_fdr_classes_are_arcgis_critical_p_values() -> None:
    """At each level α, ArcGIS's FDR (Caldas de Castro and Singer 2006) keeps the units whose p is at most the
    largest p_(i) <= α i / m; classing by the BH-adjusted p is the same decision."""
    cells, y, _ = planted_cluster()
    result = getis_ord_gi_star(cells, y)
    ordered = np.sort(result.p)
    m = ordered.size
    for alpha, name in ((0.01, "99"), (0.05, "95"), (0.10, "90")):
        passing = ordered[ordered <= alpha * np.arange(1, m + 1) / m]
        critical = passing.max() if passing.size else -1.0
        significant = {
            i for i, cls in enumerate(result.classes) if cls != "none" and int(cls[-2:]) >= int(name)
        }
        assert significant == set(np.flatnonzero(result.p <= critical).tolist())


@pytest.mark.parametrize("value", [0.0, 5.0, 0.1])
@pytest.mark.parametrize("permutations", [0, 99])
def test_constant_values_are_no_hotspot(value: float, permutations: int) -> None:
    result = getis_ord_gi_star(POOL, np.full(len(POOL), value), permutations=permutations)
    assert (result.z == 0).all()
    assert set(result.classes) == {"none"}
    if permutations:
        assert (result.p == 1).all()  # every draw ties: nothing is extreme
        _, esda_rule = gi_star_from_weights(np.full(len(POOL), value), h3_neighbours(POOL), 99, tail="esda")
        assert (esda_rule == 1 / 100).all()  # esda calls ties in the lower tail extreme


def test_degenerate_inputs() -> None:
    single = getis_ord_gi_star([CENTRE], [3.0])
    assert single.z.tolist() == [0.0] and single.classes == ("none",)
    empty = getis_ord_gi_star([], [])
    assert empty.cells == () and empty.classes == ()
    with pytest.raises(ValueError, match="shape"):
        getis_ord_gi_star(POOL, [1.0])
    with pytest.raises(ValueError, match="finite"):
        getis_ord_gi_star(POOL[:2], [1.0, float("nan")])


def test_classes_follow_sign_level_and_concordance() -> None:
    z = [3.0, 2.0, 1.0, 0.5, 0.0, -1.0, -2.0, -3.0, 2.0]
    p = [0.001, 0.02, 0.07, 0.5, 0.001, 0.09, 0.05, 0.01, 0.001]
    concordant = [True] * 8 + [False]
    assert hotspot_classes(z, p, concordant) == (
        "hot99", "hot95", "hot90", "none", "none", "cold90", "cold95", "cold99", "none",
    )  # fmt: skip


def test_fdr_adjusts_and_feeds_the_classes() -> None:
    p = np.array([0.001, 0.008, 0.039, 0.041, 0.042, 0.06, 0.074, 0.205, 0.212, 0.216])
    adjusted = benjamini_hochberg(p)
    assert adjusted == pytest.approx([0.01, 0.04, 0.084, 0.084, 0.084, 0.1, 0.74 / 7, 0.216, 0.216, 0.216])
    cells, y, _ = planted_cluster()
    result = getis_ord_gi_star(cells, y, permutations=99, alpha_fdr=True)
    assert result.classes == hotspot_classes(
        result.z, result.p_fdr, gi_star_test(y, h3_neighbours(cells), 99).concordant
    )
    assert result.p_class is result.p_fdr


@given(st.lists(st.floats(0, 1) | st.sampled_from([0.001, 0.05, 1.0]), max_size=40))
def test_benjamini_hochberg_agrees_with_scipy(p: list[float]) -> None:
    expected = stats.false_discovery_control(p, method="bh") if p else []
    assert np.allclose(benjamini_hochberg(p), expected, rtol=1e-12, atol=0)


@settings(max_examples=40, deadline=None)
@given(
    st.lists(st.sampled_from(POOL), min_size=2, max_size=60, unique=True).flatmap(
        lambda cells: st.tuples(
            st.just(cells),
            st.lists(st.integers(0, 20), min_size=len(cells), max_size=len(cells)),
            st.permutations(range(len(cells))),
        )
    )
)
def test_gi_star_does_not_depend_on_the_order_of_cells(case: tuple[list[str], list[int], list[int]]) -> None:
    cells, values, order = case
    first = getis_ord_gi_star(cells, values)
    second = getis_ord_gi_star([cells[i] for i in order], [values[i] for i in order])
    assert np.allclose(second.z, first.z[order], rtol=0, atol=1e-12)
    assert np.allclose(second.p_fdr, first.p_fdr[order], rtol=0, atol=1e-12)
    assert second.classes == tuple(first.classes[i] for i in order)


LARGE_POOL = sorted(h3.grid_disk(CENTRE, 7))  # 169 cells


@settings(max_examples=60, deadline=None)
@given(
    st.lists(st.integers(0, 3), min_size=len(LARGE_POOL), max_size=len(LARGE_POOL)),
    st.lists(st.tuples(st.integers(0, len(LARGE_POOL) - 1), st.integers(5, 200)), max_size=6),
    st.integers(0, len(LARGE_POOL) - 1),
    st.integers(1, 500),
)
def test_raising_a_cells_count_never_takes_it_from_hot_to_none(
    background: list[int], peaks: list[tuple[int, int]], chosen: int, extra: int
) -> None:
    """On grids of a realistic size. (Gi*'s z is not monotone in the cell's own value: as it grows, z tends to
    sqrt((n − W) / W), and on grids of a few dozen cells that limit is below the 90 % class; from about a hundred
    cells on it is significant even after a Bonferroni bound, so a hot cell stays hot.)"""
    values = np.array(background, dtype=float)
    for cell, count in peaks:
        values[cell] += count
    before = getis_ord_gi_star(LARGE_POOL, values)
    hot = [i for i, cls in enumerate(before.classes) if cls.startswith("hot")]
    if not hot:
        return
    cell = hot[chosen % len(hot)]
    values[cell] += extra
    after = getis_ord_gi_star(LARGE_POOL, values)
    assert after.classes[cell] != "none", (before.classes[cell], before.z[cell], after.z[cell])


# --- real events: every events file of the shared data ---------------------------------------------------------

EVENT_FILES = [
    "acled-legacy-perse/ACLED_DRC_97_14.csv",
    "acled-legacy-perse/ACLED_CAR_00_14.csv",
    "acled-legacy-perse/ACLED_SouthSudan_11_14.csv",
    "acled-legacy-perse/ACLED_AllSudan_00_14.csv",
    "acled-mali/acled_mali_2017-01-01_2019-02-27.csv",
    "acled-mali/conflict_data_mli_hdx.csv",
    "ucdp-ged-ssd-hdx/conflict_data_ssd.csv",
    "ucdp-ged-syria/ged_syria_20160101_20191130.csv.gz",
    "ucdp-ged201-points/ged201_points.csv",
    "osac-humanitarian-incidents/humanitarian_incidents_africa_2022-09-06.csv",
]


def event_points(name: str) -> pl.DataFrame:
    """Latitude, longitude and year of every event of a file, whatever its schema (HXL hashtag rows dropped)."""
    frame = pl.read_csv(shared_file(name), infer_schema=False)
    columns = {c.lower(): c for c in frame.columns}
    return frame.select(
        pl.col(columns["latitude"]).cast(pl.Float64, strict=False).alias("lat"),
        pl.col(columns["longitude"]).cast(pl.Float64, strict=False).alias("lon"),
        pl.col(columns["year"]).cast(pl.Int64, strict=False).alias("year"),
    ).drop_nulls()


@pytest.mark.parametrize("name", EVENT_FILES)
@pytest.mark.parametrize("resolution", [5, 6])
def test_real_events_busiest_cell_is_hot_and_empty_quiet_cells_are_not(name: str, resolution: int) -> None:
    """On the whole history and on the busiest year of every events file: the busiest cell is hot (99 % after
    the FDR correction), and no cell without events whose neighbours have none either is hot."""
    points = event_points(name)
    busiest_year = points.group_by("year").len().sort("len", descending=True)["year"][0]
    for chosen in (points, points.filter(pl.col("year") == busiest_year)):
        counts = Counter(
            h3.latlng_to_cell(la, lo, resolution) for la, lo in zip(chosen["lat"], chosen["lon"], strict=True)
        )
        # two rings of empty cells around the events, so the outer ones are empty among empty neighbours
        cells, y = extend_with_rings(list(counts), list(counts.values()), k=2)
        result = getis_ord_gi_star(cells, y)
        busiest = int(np.argmax(y))
        assert result.classes[busiest] == "hot99", (name, resolution, y[busiest], result.z[busiest])
        lag = h3_neighbours(cells) @ y
        quiet = np.flatnonzero(lag == 0)
        assert quiet.size and not any(result.classes[i].startswith("hot") for i in quiet)

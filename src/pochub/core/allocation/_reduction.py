"""Reductions before solving, all vectorised: coverage matrices, merging demand points that have the same
coverage set, dropping candidates whose coverage set lies inside another's, and greedy solutions (MIP starts
and the yardstick of the property tests).
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy import sparse

from pochub.core.allocation._geodesy import FloatArray, IntArray

BoolArray = NDArray[np.bool_]
DOMINANCE_BUDGET = 300_000_000
"""Largest sum over rows of (covering candidates)^2 for which dominated candidates are looked for (the cost
of the sparse product A^T A); above it the step is skipped and left to HiGHS's presolve."""
_HASH_SEED = 0x5EED_C0DE
"""Fixed seed of the row hashes: they only group rows, and every group is verified exactly afterwards."""


def as_coverage(matrix: ArrayLike | Any) -> sparse.csr_array:
    """A canonical boolean CSR (sorted indices, no explicit zeros) of a dense or sparse 0/1 matrix."""
    if sparse.issparse(matrix):
        result = sparse.csr_array(matrix, dtype=np.bool_)
    else:
        dense = np.asarray(matrix)
        if dense.ndim != 2:
            raise ValueError(f"a coverage matrix must be 2-D, not {dense.ndim}-D")
        result = sparse.csr_array(dense.astype(np.bool_, copy=False))
    result.eliminate_zeros()
    result.sum_duplicates()
    result.sort_indices()
    return result


def cost_coverage(cost: ArrayLike, standard_hours: float) -> sparse.csr_array:
    """Which candidate meets the standard for which demand point: ``cost <= standard`` as a boolean CSR."""
    if math.isnan(standard_hours) or standard_hours < 0:
        raise ValueError(f"the standard must be a non-negative number of hours, not {standard_hours}")
    dense = np.asarray(cost, dtype=np.float64)
    if dense.ndim != 2:
        raise ValueError(f"a cost matrix must be 2-D (demand x candidates), not {dense.ndim}-D")
    if np.isnan(dense).any():
        raise ValueError("the cost matrix holds NaN (use inf for unreachable)")
    return as_coverage(dense <= standard_hours)


def row_groups(matrix: sparse.csr_array) -> tuple[IntArray, IntArray]:
    """Group rows with identical sparsity patterns: (group of each row, first row of each group).

    Rows are hashed twice (sums of random 64-bit column keys, wrapping), sorted by (length, hashes), and every
    row is then compared entry by entry with its group's first row; the (astronomically rare) colliding rows
    get groups of their own, so the grouping is exact.
    """
    n, m = matrix.shape
    if n == 0:
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
    rng = np.random.default_rng(_HASH_SEED)
    keys = rng.integers(0, np.iinfo(np.uint64).max, size=(2, m), dtype=np.uint64, endpoint=True)
    indptr = matrix.indptr.astype(np.int64)
    indices = matrix.indices.astype(np.int64)
    length = np.diff(indptr)
    hashes = []
    for key in keys:
        running = np.concatenate((np.zeros(1, dtype=np.uint64), np.cumsum(key[indices], dtype=np.uint64)))
        hashes.append(running[indptr[1:]] - running[indptr[:-1]])
    order = np.lexsort((hashes[1], hashes[0], length))
    sorted_keys = np.column_stack(
        (length[order], hashes[0][order].view(np.int64), hashes[1][order].view(np.int64))
    )
    starts = np.r_[True, (sorted_keys[1:] != sorted_keys[:-1]).any(axis=1)]
    group_sorted = np.cumsum(starts) - 1
    group = np.empty(n, dtype=np.int64)
    group[order] = group_sorted
    first = order[starts]
    group, first = _split_collisions(indptr, indices, length, group, first)
    return group, first


def _split_collisions(
    indptr: IntArray, indices: IntArray, length: IntArray, group: IntArray, first: IntArray
) -> tuple[IntArray, IntArray]:
    """Give rows that differ from their group's first row (hash collisions) groups of their own."""
    representative = first[group]
    entry_row = np.repeat(np.arange(len(length)), length)
    offset = np.arange(len(indices)) - indptr[entry_row]
    mismatch = indices != indices[indptr[representative[entry_row]] + offset]
    bad = np.unique(entry_row[mismatch])
    if bad.size == 0:
        return group, first
    group = group.copy()
    group[bad] = len(first) + np.arange(bad.size)
    return group, np.concatenate((first, bad))


def merge_rows(
    matrix: sparse.csr_array, weights: FloatArray
) -> tuple[sparse.csr_array, FloatArray, IntArray]:
    """Rows merged by identical pattern: (one row per group, summed weights, group of each original row)."""
    group, first = row_groups(matrix)
    merged_weights = np.bincount(group, weights=weights, minlength=len(first)).astype(np.float64)
    return matrix[first], merged_weights, group


def undominated_columns(matrix: sparse.csr_array) -> BoolArray:
    """Columns to keep: those whose row set is not inside another column's (for identical sets, the first);
    empty columns are dropped. When the product A^T A would be too costly, every non-empty column is kept."""
    size = np.asarray(matrix.sum(axis=0)).reshape(-1).astype(np.int64)
    keep = size > 0
    row_length = np.diff(matrix.indptr).astype(np.float64)
    if float(row_length @ row_length) > DOMINANCE_BUDGET or matrix.shape[1] < 2:
        return keep
    ones = sparse.csr_array(
        (np.ones(matrix.nnz, dtype=np.int32), matrix.indices, matrix.indptr), shape=matrix.shape
    )
    overlap = (ones.T @ ones).tocoo()
    j, k, count = overlap.row, overlap.col, overlap.data
    inside = (j != k) & (count == size[j])
    # j lies inside k: drop j when k is larger, or equal and earlier
    drop = inside & ((size[k] > size[j]) | ((size[k] == size[j]) & (k < j)))
    keep[np.unique(j[drop])] = False
    return keep


def greedy_cover(
    matrix: sparse.csr_array, weights: FloatArray, sites: int, covered: BoolArray | None = None
) -> IntArray:
    """Greedy maximal covering: up to ``sites`` columns, each adding the most uncovered weight (ties: the
    lowest index); stops early when no column adds weight. ``covered`` marks rows covered beforehand."""
    csc = sparse.csc_array(matrix)
    uncovered = np.ones(matrix.shape[0], dtype=bool) if covered is None else ~covered
    chosen: list[int] = []
    for _ in range(sites):
        gain = csc.T @ np.where(uncovered, weights, 0.0)
        best = int(np.argmax(gain))
        if gain[best] <= 0:
            break
        chosen.append(best)
        uncovered[csc.indices[csc.indptr[best] : csc.indptr[best + 1]]] = False
    return np.asarray(chosen, dtype=np.int64)


def greedy_set_cover(matrix: sparse.csr_array) -> IntArray:
    """Greedy set cover of every row (each row must have a column): columns covering most uncovered rows."""
    csc = sparse.csc_array(matrix)
    uncovered = np.ones(matrix.shape[0], dtype=bool)
    chosen: list[int] = []
    while uncovered.any():
        gain = csc.T @ uncovered.astype(np.float64)
        best = int(np.argmax(gain))
        if gain[best] <= 0:
            raise ValueError("a row has no column: no set cover exists")
        chosen.append(best)
        uncovered[csc.indices[csc.indptr[best] : csc.indptr[best + 1]]] = False
    return np.asarray(chosen, dtype=np.int64)


def covered_rows(matrix: sparse.csr_array, columns: ArrayLike) -> BoolArray:
    """Rows covered by at least one of ``columns``."""
    cols = np.asarray(columns, dtype=np.int64)
    if cols.size == 0:
        return np.zeros(matrix.shape[0], dtype=bool)
    return np.asarray(matrix[:, cols].sum(axis=1)).reshape(-1) > 0


def improve_by_swaps(
    matrix: sparse.csr_array,
    weights: FloatArray,
    chosen: IntArray,
    max_rounds: int = 200,
    transposed: sparse.csr_array | None = None,
) -> IntArray:
    """Best-improvement 1-swap local search for maximal covering: swap a chosen column for another while
    that adds covered weight. Each round costs one product A^T w over the uncovered rows plus, per chosen
    column, a product over the rows only it covers."""
    columns = [int(c) for c in chosen]
    if not columns:
        return np.asarray(columns, dtype=np.int64)
    csc = sparse.csc_array(matrix)
    by_column = (
        transposed
        if transposed is not None
        else sparse.csr_array(sparse.csr_array(matrix, dtype=np.float64).T)
    )
    count = np.zeros(matrix.shape[0], dtype=np.int64)
    for c in columns:
        count[csc.indices[csc.indptr[c] : csc.indptr[c + 1]]] += 1
    for _ in range(max_rounds):
        gain = by_column @ np.where(count == 0, weights, 0.0)
        best_delta, best_swap = 1e-9 * max(1.0, float(weights.sum())), None
        for position, c in enumerate(columns):
            rows = csc.indices[csc.indptr[c] : csc.indptr[c + 1]]
            only = rows[count[rows] == 1]
            loss = float(weights[only].sum())
            regain = sparse.csr_array(matrix[only]).T @ weights[only] if only.size else 0.0
            delta = gain + regain - loss
            delta[columns] = -np.inf
            j = int(np.argmax(delta))
            if delta[j] > best_delta:
                best_delta, best_swap = float(delta[j]), (position, j)
        if best_swap is None:
            break
        position, j = best_swap
        count[csc.indices[csc.indptr[columns[position]] : csc.indptr[columns[position] + 1]]] -= 1
        count[csc.indices[csc.indptr[j] : csc.indptr[j + 1]]] += 1
        columns[position] = j
    return np.sort(np.asarray(columns, dtype=np.int64))


def unimplied_rows(matrix: sparse.csr_array) -> BoolArray:
    """Set-cover rows to keep: a row whose column set contains another row's set is implied by it (covering
    the smaller covers the larger) and dropped; rows must be distinct (merged) beforehand. Skipped (all kept)
    when the product A A^T would be too costly."""
    keep = np.ones(matrix.shape[0], dtype=bool)
    column_length = np.bincount(matrix.indices, minlength=matrix.shape[1]).astype(np.float64)
    if float(column_length @ column_length) > DOMINANCE_BUDGET or matrix.shape[0] < 2:
        return keep
    size = np.diff(matrix.indptr).astype(np.int64)
    ones = sparse.csr_array(
        (np.ones(matrix.nnz, dtype=np.int32), matrix.indices, matrix.indptr), shape=matrix.shape
    )
    overlap = (ones @ ones.T).tocoo()
    small, large, count = overlap.row, overlap.col, overlap.data
    implied = (small != large) & (count == size[small]) & (size[large] > size[small])
    keep[np.unique(large[implied])] = False
    return keep


def reduce_set_cover(matrix: sparse.csr_array, rounds: int = 5) -> tuple[sparse.csr_array, IntArray]:
    """Alternately drop implied rows and dominated columns until nothing changes: (reduced matrix, the
    original indices of the kept columns)."""
    columns = np.arange(matrix.shape[1], dtype=np.int64)
    current = matrix
    for _ in range(rounds):
        rows = unimplied_rows(current)
        current = sparse.csr_array(current[rows])
        cols = undominated_columns(current)
        current, columns = sparse.csr_array(current[:, cols]), columns[cols]
        if rows.all() and cols.all():
            break
    return current, columns

"""The solvers' common input: a score matrix as canonical edge arrays, integer weights, top-k.

Every solver turns its score matrix into the same arrays here, so they all see the same edges
in the same order (rows, then columns) and count scores at the same resolution.
"""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp

__all__ = ["SCORE_SCALE", "pair_keys", "score_edges", "top_k_mask"]

#: Scores are turned into integers at this resolution, so the flow is solved exactly.
SCORE_SCALE = 10**6
_CHUNK = 10_000_000


def pair_keys(rows: np.ndarray, cols: np.ndarray, n_cols: int) -> np.ndarray:
    """Return one integer key per (row, col) pair, for set operations on pairs.

    Examples
    --------
    >>> pair_keys(np.array([0, 1]), np.array([2, 0]), 3).tolist()
    [2, 3]
    """
    return np.asarray(rows, np.int64) * n_cols + np.asarray(cols, np.int64)


def score_edges(score_matrix, capacities) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Return the usable edges (row, col, score, integer weight), in (row, col) order.

    An edge is usable when its column has a positive capacity. Raises ValueError for
    capacities of the wrong shape or negative, and for scores outside [0, 1].

    Examples
    --------
    >>> rows, cols, scores, weights = score_edges(np.array([[0.5, 0.25]]), np.array([1, 0]))
    >>> rows.tolist(), cols.tolist(), weights.tolist()
    ([0], [0], [500000])
    """
    scores = sp.csr_matrix(score_matrix)
    scores.sort_indices()
    capacities = np.asarray(capacities, dtype=np.int64)
    if capacities.shape != (scores.shape[1],):
        raise ValueError(
            f"capacities has shape {capacities.shape}; expected ({scores.shape[1]},), one per column"
        )
    if (capacities < 0).any():
        raise ValueError("capacities must not be negative")
    # int32 indices halve the memory of the edge arrays on large pools.
    index_type = np.int32 if max(scores.shape) < 2**31 - 2 else np.int64
    rows = np.repeat(np.arange(scores.shape[0], dtype=index_type), np.diff(scores.indptr))
    cols = scores.indices.astype(index_type, copy=False)
    values = scores.data
    if (capacities == 0).any():
        usable = capacities[cols] > 0
        rows, cols, values = rows[usable], cols[usable], values[usable]
    if not np.isfinite(values).all() or (values < 0).any() or (values > 1).any():
        # The matching-count-first objective relies on every score lying in [0, 1].
        raise ValueError("scores must be finite and between 0 and 1")
    weights = np.empty(len(values), np.int64)
    for start in range(0, len(values), _CHUNK):  # chunks: no full-size float temporary
        weights[start:start + _CHUNK] = np.rint(values[start:start + _CHUNK] * SCORE_SCALE)
    return rows, cols, values, weights


def top_k_mask(group: np.ndarray, other: np.ndarray, weight: np.ndarray, k: int) -> np.ndarray:
    """Return a mask of each group's `k` heaviest edges (ties: lower `other` index first).

    Examples
    --------
    >>> top_k_mask(np.array([0, 0, 0, 1]), np.array([0, 1, 2, 0]), np.array([5, 9, 9, 1]), 2).tolist()
    [False, True, True, True]
    """
    if len(group) == 0:
        return np.zeros(0, dtype=bool)
    weight = weight - weight.min()
    span = int(weight.max()) + 1
    n_other = int(other.max()) + 1
    if (int(group.max()) + 1) * span * n_other < 2**62:
        # One int64 key sorting by (group, -weight, other): four times faster than lexsort.
        order = np.argsort((group.astype(np.int64) * span + (span - 1 - weight)) * n_other + other)
    else:
        order = np.lexsort((other, -weight, group))
    sorted_group = group[order]
    starts = np.searchsorted(sorted_group, sorted_group, side="left")
    rank = np.arange(len(order)) - starts
    mask = np.zeros(len(order), dtype=bool)
    mask[order[rank < k]] = True
    return mask

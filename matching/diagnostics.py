"""Figures a coordinator reads beside the pairs: stability, load and skill supply and demand."""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp

__all__ = ["blocking_pairs_mentor", "blocking_pairs_peer", "load_spread"]


def blocking_pairs_mentor(
    score_matrix: sp.spmatrix, capacities: np.ndarray, rows: np.ndarray, cols: np.ndarray
) -> int:
    """Return how many eligible pairs would both rather have each other than what they got.

    A mentee prefers a mentor who scores higher than their own mentor (any, if unmatched); a
    mentor prefers a mentee who scores higher than their weakest mentee (any, if not full).

    Examples
    --------
    >>> scores = sp.csr_matrix(np.array([[0.9, 0.5], [0.8, 0.0]]))
    >>> blocking_pairs_mentor(scores, np.array([1, 1]), np.array([0, 1]), np.array([1, 0]))
    1
    """
    coo = sp.coo_matrix(score_matrix)
    n_rows, n_cols = score_matrix.shape
    capacities = np.asarray(capacities)
    own_score = np.full(n_rows, -np.inf)
    own_score[rows] = np.asarray(score_matrix[rows, cols]).ravel()
    load = np.bincount(cols, minlength=n_cols)
    weakest = np.full(n_cols, np.inf)
    np.minimum.at(weakest, cols, own_score[rows])
    weakest[load < capacities] = -np.inf
    assigned = np.zeros(n_rows, dtype=np.int64) - 1
    assigned[rows] = cols
    blocking = (
        (assigned[coo.row] != coo.col)
        & (coo.data > own_score[coo.row])
        & (coo.data > weakest[coo.col])
    )
    return int(blocking.sum())


def blocking_pairs_peer(score_matrix: sp.spmatrix, first: np.ndarray, second: np.ndarray) -> int:
    """Return how many eligible peer pairs both prefer each other to their partners.

    `score_matrix` is upper-triangular, as in `max_weight_peer_matching`.
    """
    upper = sp.triu(sp.csr_matrix(score_matrix), k=1).tocoo()
    n = score_matrix.shape[0]
    own = np.full(n, -np.inf)
    partner = np.full(n, -1)
    if len(first):
        pair_scores = np.asarray(sp.csr_matrix(score_matrix)[first, second]).ravel()
        own[first], own[second] = pair_scores, pair_scores
        partner[first], partner[second] = second, first
    blocking = (
        (partner[upper.row] != upper.col)
        & (upper.data > own[upper.row])
        & (upper.data > own[upper.col])
    )
    return int(blocking.sum())


def load_spread(capacities: np.ndarray, cols: np.ndarray) -> dict[str, float]:
    """Return mentor load figures: min, max and mean mentees per mentor, and full and idle counts."""
    capacities = np.asarray(capacities)
    offering = capacities > 0
    load = np.bincount(cols, minlength=len(capacities))[offering]
    if load.size == 0:
        return {"min": 0, "max": 0, "mean": 0.0, "full": 0, "idle": 0}
    return {
        "min": int(load.min()),
        "max": int(load.max()),
        "mean": round(float(load.mean()), 3),
        "full": int((load >= capacities[offering]).sum()),
        "idle": int((load == 0).sum()),
    }

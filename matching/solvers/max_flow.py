"""Maximum flows on source -> mentee -> mentor -> sink: the largest matching, and the fairest.

`max_cardinality` is how many mentees can be matched at all; `max_min_score_threshold` is the
bottleneck (fairness) optimum: the highest score every matched mentee can get while keeping
that many matched.
"""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp
from scipy.sparse.csgraph import maximum_flow

from matching.solvers.edges import score_edges

__all__ = ["max_cardinality", "max_flow_edges", "max_min_score_threshold"]

SOURCE, SINK = 0, 1


def max_cardinality(score_matrix: sp.spmatrix, capacities: np.ndarray) -> int:
    """Return the largest number of mentees that can be matched (a maximum flow).

    Notes
    -----
    Uses scipy's maximum flow on source -> mentee -> mentor -> sink: O(nnz) memory.

    Examples
    --------
    >>> max_cardinality(sp.csr_matrix(np.array([[1.0, 0.0], [1.0, 0.0]])), np.array([1, 5]))
    1
    """
    rows, cols, _, _ = score_edges(score_matrix, capacities)
    return _max_flow(rows, cols, np.asarray(capacities, dtype=np.int64), *score_matrix.shape)


def flow_network(rows, cols, capacities, n_rows, n_cols) -> sp.csr_matrix:
    """Return source -> mentee -> mentor -> sink as a CSR capacity matrix for scipy.

    Node 0 is the source, 1 the sink, ``2 + row`` a mentee and ``2 + n_rows + col`` a mentor.
    """
    n_nodes = 2 + n_rows + n_cols
    mentees = np.arange(n_rows)
    mentors = np.arange(n_cols)
    tails = np.concatenate([np.full(n_rows, SOURCE), 2 + rows, 2 + n_rows + mentors])
    heads = np.concatenate([2 + mentees, 2 + n_rows + cols, np.full(n_cols, SINK)])
    caps = np.concatenate([np.ones(n_rows), np.ones(len(rows)), capacities]).astype(np.int32)
    return sp.csr_matrix((caps, (tails, heads)), shape=(n_nodes, n_nodes), dtype=np.int32)


def _max_flow(rows, cols, capacities, n_rows, n_cols) -> int:
    if len(rows) == 0:
        return 0
    network = flow_network(rows, cols, capacities, n_rows, n_cols)
    return int(maximum_flow(network, SOURCE, SINK).flow_value)


def max_flow_edges(rows, cols, capacities, n_rows, n_cols) -> np.ndarray:
    """Return a mask of the mentee-mentor edges that carry a maximum flow.

    Examples
    --------
    >>> max_flow_edges(np.array([0, 0, 1]), np.array([0, 1, 0]), np.array([1, 1]), 2, 2).tolist()
    [False, True, True]
    """
    network = flow_network(rows, cols, capacities, n_rows, n_cols)
    flow = maximum_flow(network, SOURCE, SINK).flow.tocsr()
    return np.asarray(flow[2 + rows, 2 + n_rows + cols]).ravel() > 0


def max_min_score_threshold(
    score_matrix: sp.spmatrix, capacities: np.ndarray, cardinality: int | None = None
) -> float:
    """Return the highest score t such that `cardinality` mentees can be matched on edges >= t.

    Parameters
    ----------
    cardinality : int, optional
        The number to keep matched; by default the maximum for the whole matrix.

    Notes
    -----
    A binary search over the distinct scores, each step a maximum flow: O(log(nnz) * flow).

    Examples
    --------
    >>> scores = sp.csr_matrix(np.array([[0.9, 0.2], [0.8, 0.0]]))
    >>> max_min_score_threshold(scores, np.array([1, 1]))   # both matched needs the 0.2 pair
    0.2
    """
    rows, cols, values, _ = score_edges(score_matrix, capacities)
    capacities = np.asarray(capacities, dtype=np.int64)
    n_rows, n_cols = score_matrix.shape
    if cardinality is None:
        cardinality = _max_flow(rows, cols, capacities, n_rows, n_cols)
    if cardinality == 0:
        return 0.0
    if cardinality > _max_flow(rows, cols, capacities, n_rows, n_cols):
        raise ValueError(f"cannot match {cardinality} mentees at any threshold")
    thresholds = np.unique(values)
    low, high = 0, len(thresholds) - 1  # thresholds[low] always feasible
    while low < high:
        middle = (low + high + 1) // 2
        keep = values >= thresholds[middle]
        if _max_flow(rows[keep], cols[keep], capacities, n_rows, n_cols) >= cardinality:
            low = middle
        else:
            high = middle - 1
    return float(thresholds[low])

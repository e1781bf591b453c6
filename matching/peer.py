"""Peer mode: pair people two by two (skill swaps) with a blossom matching on a general graph."""

from __future__ import annotations

import networkx as nx
import numpy as np
import scipy.sparse as sp

from matching.assignment import SCORE_SCALE

__all__ = ["max_weight_peer_matching"]


def max_weight_peer_matching(score_matrix: sp.spmatrix) -> tuple[np.ndarray, np.ndarray]:
    """Return the pairs of a maximum-cardinality, then maximum-weight matching.

    Parameters
    ----------
    score_matrix : sparse matrix of shape (n, n)
        Upper-triangular: an entry ``(a, b)`` with ``a < b`` is an eligible pair and its score.

    Returns
    -------
    (first, second) : arrays of int
        Matched index pairs with ``first < second``, sorted by `first`.

    Notes
    -----
    Edmonds' blossom algorithm (networkx), O(n^3); each connected component of the eligibility
    graph is solved on its own, which is exact and keeps each blossom run small. Scores count at
    a resolution of 1e-6; the graph is built in index order, so equal inputs give equal pairs.

    Examples
    --------
    >>> scores = sp.csr_matrix(np.array([[0, 0.9, 0.5], [0, 0, 0.6], [0, 0, 0]]))
    >>> [a.tolist() for a in max_weight_peer_matching(scores)]
    [[0], [1]]
    """
    upper = sp.triu(sp.csr_matrix(score_matrix), k=1).tocoo()
    order = np.lexsort((upper.col, upper.row))
    graph = nx.Graph()
    graph.add_weighted_edges_from(
        (int(a), int(b), round(float(w) * SCORE_SCALE))
        for a, b, w in zip(upper.row[order], upper.col[order], upper.data[order], strict=True)
    )
    pairs: list[tuple[int, int]] = []
    for component in sorted(nx.connected_components(graph), key=min):
        subgraph = graph.subgraph(sorted(component))
        matching = nx.max_weight_matching(subgraph, maxcardinality=True, weight="weight")
        pairs.extend((min(a, b), max(a, b)) for a, b in matching)
    pairs.sort()
    first = np.array([a for a, _ in pairs], dtype=np.int64)
    second = np.array([b for _, b in pairs], dtype=np.int64)
    return first, second

"""Peer mode: pair people two by two (skill swaps) with a blossom matching on a general graph."""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp

from matching.solvers.edges import SCORE_SCALE

__all__ = ["PEER_METHODS", "max_weight_peer_matching"]

#: The exact peer-matching methods; "auto" picks the fastest one installed.
PEER_METHODS = ("auto", "rustworkx", "networkx")


def max_weight_peer_matching(
    score_matrix: sp.spmatrix, *, method: str = "auto"
) -> tuple[np.ndarray, np.ndarray]:
    """Return the pairs of a maximum-cardinality, then maximum-weight matching.

    Parameters
    ----------
    score_matrix : sparse matrix of shape (n, n)
        Upper-triangular: an entry ``(a, b)`` with ``a < b`` is an eligible pair and its score.
    method : {"auto", "rustworkx", "networkx"}, default "auto"
        rustworkx's blossom algorithm (compiled; "auto" when installed) or networkx's (the
        reference). Both find the same number of pairs and the same total weight.

    Returns
    -------
    (first, second) : arrays of int
        Matched index pairs with ``first < second``, sorted by `first`.

    Notes
    -----
    Edmonds' blossom algorithm, O(n^3); weights are integers (scores at a resolution of 1e-6),
    so both methods agree exactly. networkx solves each connected component of the eligibility
    graph on its own, which is exact and keeps each blossom run small. The graph is built in
    index order, so equal inputs give equal pairs.

    Examples
    --------
    >>> scores = sp.csr_matrix(np.array([[0, 0.9, 0.5], [0, 0, 0.6], [0, 0, 0]]))
    >>> [a.tolist() for a in max_weight_peer_matching(scores)]
    [[0], [1]]
    >>> [a.tolist() for a in max_weight_peer_matching(scores, method="networkx")]
    [[0], [1]]
    """
    if method not in PEER_METHODS:
        raise ValueError(f"unknown peer matching method {method!r}; expected one of {PEER_METHODS}")
    upper = sp.triu(sp.csr_matrix(score_matrix), k=1).tocsr()
    upper.sort_indices()
    coo = upper.tocoo()
    weights = np.rint(coo.data * SCORE_SCALE).astype(np.int64)
    if method == "auto":
        try:
            import rustworkx  # noqa: F401
        except ImportError:
            method = "networkx"
        else:
            method = "rustworkx"
    solve = _pairs_rustworkx if method == "rustworkx" else _pairs_networkx
    pairs = sorted(solve(upper.shape[0], coo.row, coo.col, weights))
    first = np.array([a for a, _ in pairs], dtype=np.int64)
    second = np.array([b for _, b in pairs], dtype=np.int64)
    return first, second


def _pairs_rustworkx(n, firsts, seconds, weights) -> list[tuple[int, int]]:
    import rustworkx as rx

    graph = rx.PyGraph(multigraph=False)
    graph.add_nodes_from(range(n))
    graph.add_edges_from(zip(firsts.tolist(), seconds.tolist(), weights.tolist(), strict=True))
    matching = rx.max_weight_matching(graph, max_cardinality=True, weight_fn=int)
    return [(min(a, b), max(a, b)) for a, b in matching]


def _pairs_networkx(n, firsts, seconds, weights) -> list[tuple[int, int]]:
    import networkx as nx

    graph = nx.Graph()
    graph.add_weighted_edges_from(
        zip(firsts.tolist(), seconds.tolist(), weights.tolist(), strict=True)
    )
    pairs: list[tuple[int, int]] = []
    for component in sorted(nx.connected_components(graph), key=min):
        subgraph = graph.subgraph(sorted(component))
        matching = nx.max_weight_matching(subgraph, maxcardinality=True, weight="weight")
        pairs.extend((min(a, b), max(a, b)) for a, b in matching)
    return pairs

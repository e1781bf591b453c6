"""Peer mode is a maximum-cardinality, maximum-weight matching on the general graph."""

import itertools

import numpy as np
import pytest
import scipy.sparse as sp
from hypothesis import given, settings
from hypothesis import strategies as st

from matching.diagnose import blocking_pairs_peer
from matching.solvers import SCORE_SCALE, max_weight_peer_matching


def brute_force(edges: dict[tuple[int, int], float]) -> tuple[int, int]:
    best = (0, 0)
    items = sorted(edges.items())
    for size in range(len(items) + 1):
        for chosen in itertools.combinations(items, size):
            people = [p for (a, b), _ in chosen for p in (a, b)]
            if len(people) == len(set(people)):
                total = sum(round(w * SCORE_SCALE) for _, w in chosen)
                best = max(best, (size, total))
    return best


graphs = st.integers(2, 7).flatmap(
    lambda n: st.dictionaries(
        st.tuples(st.integers(0, n - 1), st.integers(0, n - 1))
        .filter(lambda e: e[0] < e[1]),
        st.sampled_from([0.1, 0.3, 0.5, 0.9]),
        max_size=9,
    ).map(lambda edges: (n, edges))
)


@pytest.mark.parametrize("method", ["auto", "rustworkx", "networkx"])
@settings(max_examples=120, deadline=None)
@given(graph=graphs)
def test_matches_brute_force(graph, method):
    n, edges = graph
    rows = [a for a, _ in edges] or [0]
    cols = [b for _, b in edges] or [0]
    values = list(edges.values()) or [0.0]
    matrix = sp.csr_matrix((values, (rows, cols)), shape=(n, n))
    if not edges:
        matrix = sp.csr_matrix((n, n))
    first, second = max_weight_peer_matching(matrix, method=method)
    people = np.concatenate([first, second]).tolist()
    assert len(people) == len(set(people)), "a person is in two pairs"
    assert all((a, b) in edges for a, b in zip(first, second, strict=True))
    total = sum(round(edges[(a, b)] * SCORE_SCALE) for a, b in zip(first, second, strict=True))
    assert (len(first), total) == brute_force(edges)


def test_blocking_pairs_counts_mutual_preference():
    # 0-1 scores 0.9 but 0 is paired with 2 (0.5) and 1 with 3 (0.5): 0-1 blocks.
    matrix = sp.csr_matrix(
        ([0.9, 0.5, 0.5], ([0, 0, 1], [1, 2, 3])), shape=(4, 4)
    )
    assert blocking_pairs_peer(matrix, np.array([0, 1]), np.array([2, 3])) == 1
    assert blocking_pairs_peer(matrix, np.array([0]), np.array([1])) == 0


def test_rustworkx_agrees_with_networkx_on_hundreds():
    rng = np.random.default_rng(5)
    upper = sp.triu(sp.random(300, 300, density=0.03, random_state=5), k=1).tocsr()
    upper.data = np.round(rng.choice([0.2, 0.4, 0.6, 0.8], upper.nnz), 6)
    totals = {}
    for method in ("rustworkx", "networkx"):
        first, second = max_weight_peer_matching(upper, method=method)
        again = max_weight_peer_matching(upper.copy(), method=method)
        assert first.tolist() == again[0].tolist() and second.tolist() == again[1].tolist()
        totals[method] = (len(first), int(np.rint(np.asarray(upper[first, second]) * SCORE_SCALE).sum()))
    assert totals["rustworkx"] == totals["networkx"]


def test_unknown_peer_method_is_rejected():
    with pytest.raises(ValueError, match="unknown peer matching method"):
        max_weight_peer_matching(sp.csr_matrix((2, 2)), method="greedy")

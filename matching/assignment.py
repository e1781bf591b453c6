"""Optimal capacitated assignment of mentees to mentors: most mentees first, then highest total.

The solver sees only a sparse score matrix (rows are mentees, columns mentors, an entry per
eligible pair) and the mentors' capacities, and returns index pairs.

It is a min-cost flow, solved by networkx's network simplex::

    source --(cap 1)--> mentee --(cap 1, cost -(BIG + score))--> mentor --(cap c_j)--> sink
    source --(cap n, cost 0)--> sink                 (so that leaving a mentee out is feasible)

With ``BIG`` larger than any possible total of scores, a cheaper flow is first one that matches
more mentees, then one with a higher total: exactly the lexicographic objective.

Solving the full graph is slow in pure Python (hundreds of seconds for 2,000 mentees), and
keeping only each mentee's top-k candidates is *not* exact. So the solver prices instead: it
solves on a candidate subset, takes node potentials from the residual graph of that optimal
flow (shortest distances, which exist because an optimal flow leaves no negative cycle), and
computes the reduced cost of every pruned edge in one vectorised pass. A pruned edge with a
negative reduced cost could improve the flow and joins the candidates; when none is left, the
potentials certify that the flow is optimal for the whole graph (LP duality).
"""

from __future__ import annotations

from dataclasses import dataclass

import networkx as nx
import numpy as np
import scipy.sparse as sp
from scipy.sparse.csgraph import (
    dijkstra,
    maximum_flow,
    min_weight_full_bipartite_matching,
)

from matching.constraints import pair_keys

__all__ = [
    "Assignment",
    "max_cardinality",
    "max_min_score_threshold",
    "max_weight_assignment",
]

#: Scores are turned into integers at this resolution, so the flow is solved exactly.
SCORE_SCALE = 10**6

_SOURCE, _SINK = 0, 1
# Pricing adds at most this many improving edges per mentee and round.
ADD_PER_ROW = 8
# Bound on the capacity-expanded edges of the warm start, to cap its memory on huge pools.
WARM_START_EDGES = 40_000_000


@dataclass(frozen=True)
class Assignment:
    """The optimal pairs as row (mentee) and column (mentor) indices, sorted by row.

    pricing_rounds : how many times the candidate subset was solved.
    candidate_edges : edges in the final subset (of `eligible_edges` in the whole graph).
    """

    rows: np.ndarray
    cols: np.ndarray
    pricing_rounds: int
    candidate_edges: int
    eligible_edges: int

    def __len__(self) -> int:
        return len(self.rows)


def _edges(score_matrix, capacities) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Return the usable edges (row, col, score, int weight), in a canonical order."""
    scores = sp.csr_matrix(score_matrix)
    scores.sort_indices()
    capacities = np.asarray(capacities, dtype=np.int64)
    if capacities.shape != (scores.shape[1],):
        raise ValueError(
            f"capacities has shape {capacities.shape}; expected ({scores.shape[1]},), one per column"
        )
    if (capacities < 0).any():
        raise ValueError("capacities must not be negative")
    coo = scores.tocoo()
    usable = capacities[coo.col] > 0
    rows = coo.row[usable].astype(np.int64)
    cols = coo.col[usable].astype(np.int64)
    values = coo.data[usable]
    if not np.isfinite(values).all() or (values < 0).any() or (values > 1).any():
        # The matching-count-first objective relies on every score lying in [0, 1].
        raise ValueError("scores must be finite and between 0 and 1")
    return rows, cols, values, np.rint(values * SCORE_SCALE).astype(np.int64)


def _top_k_mask(group: np.ndarray, other: np.ndarray, weight: np.ndarray, k: int) -> np.ndarray:
    """Return a mask of each group's `k` heaviest edges (ties: lower `other` index first)."""
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


def max_weight_assignment(
    score_matrix: sp.spmatrix | np.ndarray,
    capacities: np.ndarray,
    *,
    candidates_per_row: int = 2,
    warm_start: bool = True,
    max_rounds: int = 100,
) -> Assignment:
    """Return an assignment matching the most rows, and among those the highest total score.

    Parameters
    ----------
    score_matrix : sparse matrix or array of shape (n_mentees, n_mentors)
        A stored entry (even an explicit zero in a sparse matrix) is an eligible pair and holds
        its score, in [0, 1]; a dense array's zeros are not eligible.
    capacities : array of int, shape (n_mentors,)
        How many mentees each mentor may take.
    candidates_per_row : int, default 2
        Size of the first candidate subset (per mentee and per mentor), and of what one pricing
        round may add per mentee. It changes the speed, never the result.
    warm_start : bool, default True
        Add to the first candidate subset the pairs of a fast sparse assignment (scipy's
        LAPJVsp on the capacity-expanded graph). It changes the speed, never the result.
    max_rounds : int, default 100
        Safety bound on pricing rounds; reaching it raises RuntimeError rather than return an
        uncertified result.

    Returns
    -------
    Assignment

    Notes
    -----
    Each mentee takes at most one mentor and each mentor at most its capacity. The result is
    optimal for the whole matrix, certified by reduced costs. Scores count at a resolution of
    1e-6; among equally good assignments the one returned is fixed by the input order.
    Each round is a network simplex on O(n * candidates_per_row) edges plus an O(nnz) pricing.

    Examples
    --------
    >>> scores = np.array([[0.9, 0.8], [0.7, 0.0]])
    >>> result = max_weight_assignment(scores, np.array([1, 1]))
    >>> result.rows.tolist(), result.cols.tolist()   # both matched beats the 0.9 pair
    ([0, 1], [1, 0])
    """
    if not sp.issparse(score_matrix):
        score_matrix = sp.csr_matrix(np.asarray(score_matrix, dtype=np.float64))
    n_rows, n_cols = score_matrix.shape
    capacities = np.asarray(capacities, dtype=np.int64)
    rows, cols, _, weights = _edges(score_matrix, capacities)
    empty = np.zeros(0, dtype=np.int64)
    if len(rows) == 0:
        return Assignment(empty, empty, 0, 0, 0)

    # Any assignment's total weight is below this, so one more matched mentee always wins.
    big = n_rows * SCORE_SCALE + 1
    costs = -(big + weights)
    active = _top_k_mask(rows, cols, weights, candidates_per_row) | _top_k_mask(
        cols, rows, weights, candidates_per_row
    )
    # A maximum flow's edges let the first round match as many mentees as the whole pool can.
    active |= _max_flow_edges(rows, cols, capacities, n_rows, n_cols)
    if warm_start:
        active |= _warm_start_edges(rows, cols, weights, capacities, n_rows, n_cols)
    mentee_node = 2 + rows
    mentor_node = 2 + n_rows + cols
    n_nodes = 2 + n_rows + n_cols

    for round_number in range(1, max_rounds + 1):
        candidate = np.flatnonzero(active)
        flows = _solve_flow(mentee_node[candidate], mentor_node[candidate], costs[candidate],
                            capacities, n_rows, n_cols)
        carrying = np.zeros(len(rows), dtype=bool)
        carrying[candidate[flows]] = True
        potentials = _shortest_potentials(
            *_residual_edges(mentee_node[candidate], mentor_node[candidate], costs[candidate],
                             flows, capacities, n_rows, n_cols),
            n_nodes,
        )
        proven, _ = _extend_potentials(
            *_residual_edges(mentee_node, mentor_node, costs, carrying, capacities, n_rows,
                             n_cols),
            potentials, n_nodes,
        )
        if proven:
            chosen = np.flatnonzero(carrying)
            chosen = chosen[np.argsort(rows[chosen], kind="stable")]
            return Assignment(rows[chosen], cols[chosen], round_number, len(candidate),
                              len(rows))
        pruned = np.flatnonzero(~active)
        reduced = costs[pruned] + potentials[mentee_node[pruned]] - potentials[mentor_node[pruned]]
        improving = reduced < -0.5  # costs and potentials are integers
        candidates = pruned[improving]
        # Add each mentee's most improving edges; the next round prices the rest again.
        keep = _top_k_mask(rows[candidates], cols[candidates],
                           -np.rint(reduced[improving]).astype(np.int64), ADD_PER_ROW)
        active[candidates[keep]] = True
    raise RuntimeError(f"pricing did not converge in {max_rounds} rounds")


def _warm_start_edges(rows, cols, weights, capacities, n_rows, n_cols) -> np.ndarray:
    """Return a mask of the edges of a near-optimal assignment, found by scipy's LAPJVsp.

    Contention for the same expert mentors pushes optimal pairs deep into mentees' candidate
    lists (seen here: the median optimal mentor is a mentee's 5th choice, the worst its 190th),
    so top-k candidates alone need many pricing rounds, each a full network simplex. This
    proposal usually holds the optimum, so the network simplex and the pricing then run once
    to prove it. Each mentor becomes `capacity` slots and each mentee gets a private
    "unmatched" slot, so a full matching always exists.
    """
    slots = capacities[cols]
    if slots.sum() > WARM_START_EDGES:  # keep each mentee's best edges only: still a proposal
        mean_slots = max(1.0, float(slots.mean()))
        keep = _top_k_mask(rows, cols, weights, max(1, int(WARM_START_EDGES / mean_slots / n_rows)))
        keep_idx = np.flatnonzero(keep)
    else:
        keep_idx = np.arange(len(rows))
    slots = capacities[cols[keep_idx]]
    first_slot = np.concatenate([[0], np.cumsum(capacities)])
    edge_of_slot = np.repeat(keep_idx, slots)
    offset = np.arange(slots.sum()) - np.repeat(np.cumsum(slots) - slots, slots)
    slot_cols = first_slot[cols[edge_of_slot]] + offset
    n_slots = int(first_slot[-1])
    big = n_rows * SCORE_SCALE + 1
    biadjacency = sp.csr_matrix(
        (
            np.concatenate([big + weights[edge_of_slot], np.ones(n_rows)]).astype(np.float64),
            (np.concatenate([rows[edge_of_slot], np.arange(n_rows)]),
             np.concatenate([slot_cols, n_slots + np.arange(n_rows)])),
        ),
        shape=(n_rows, n_slots + n_rows),
    )
    matched_rows, matched_slots = min_weight_full_bipartite_matching(biadjacency, maximize=True)
    real = matched_slots < n_slots
    mentor = np.searchsorted(first_slot, matched_slots[real], side="right") - 1
    mask = np.zeros(len(rows), dtype=bool)
    mask[np.isin(pair_keys(rows, cols, n_cols), pair_keys(matched_rows[real], mentor, n_cols))] = True
    return mask


def _solve_flow(mentee_nodes, mentor_nodes, costs, capacities, n_rows, n_cols) -> np.ndarray:
    """Solve the min-cost flow on the given edges; return a mask of edges carrying flow."""
    graph = nx.DiGraph()
    used_mentees = np.unique(mentee_nodes)
    used_mentors = np.unique(mentor_nodes)
    supply = len(used_mentees)
    graph.add_node(_SOURCE, demand=-supply)
    graph.add_node(_SINK, demand=supply)
    graph.add_edge(_SOURCE, _SINK, capacity=supply, weight=0)
    graph.add_edges_from((_SOURCE, int(m), {"capacity": 1, "weight": 0}) for m in used_mentees)
    graph.add_edges_from(
        (int(m), _SINK, {"capacity": int(capacities[m - 2 - n_rows]), "weight": 0})
        for m in used_mentors
    )
    graph.add_edges_from(
        (int(u), int(v), {"capacity": 1, "weight": int(c)})
        for u, v, c in zip(mentee_nodes, mentor_nodes, costs, strict=True)
    )
    _, flow = nx.network_simplex(graph)
    return np.fromiter(
        (flow[int(u)][int(v)] > 0 for u, v in zip(mentee_nodes, mentor_nodes, strict=True)),
        dtype=bool,
        count=len(mentee_nodes),
    )


def _residual_edges(mentee_nodes, mentor_nodes, costs, flows, capacities, n_rows, n_cols):
    """Return the residual graph of a flow as (tails, heads, costs) arrays.

    An unused mentee-mentor edge may be used (forward, its cost); a used one may be undone
    (backward, minus its cost); likewise for the source, sink and bypass edges, all of cost 0.
    """
    matched_rows = mentee_nodes[flows] - 2
    matched_cols = mentor_nodes[flows] - 2 - n_rows
    matched = np.zeros(n_rows, dtype=bool)
    matched[matched_rows] = True
    in_pool = np.zeros(n_rows, dtype=bool)
    in_pool[mentee_nodes - 2] = True
    load = np.bincount(matched_cols, minlength=n_cols)
    mentees, mentors = 2 + np.arange(n_rows), 2 + n_rows + np.arange(n_cols)
    waiting, spare, busy = in_pool & ~matched, load < capacities, load > 0
    parts = [
        (mentee_nodes[~flows], mentor_nodes[~flows], costs[~flows]),
        (mentor_nodes[flows], mentee_nodes[flows], -costs[flows]),
        (np.full(waiting.sum(), _SOURCE), mentees[waiting], 0),
        (mentees[matched], np.full(matched.sum(), _SOURCE), 0),
        (mentors[spare], np.full(spare.sum(), _SINK), 0),
        (np.full(busy.sum(), _SINK), mentors[busy], 0),
        # The bypass source -> sink carries the supply left unmatched.
        (np.array([_SOURCE] * bool(matched.any())), np.array([_SINK] * bool(matched.any())), 0),
        (np.array([_SINK] * bool(waiting.any())), np.array([_SOURCE] * bool(waiting.any())), 0),
    ]
    tails = np.concatenate([np.asarray(t, np.int64) for t, _, _ in parts])
    heads = np.concatenate([np.asarray(h, np.int64) for _, h, _ in parts])
    weights = np.concatenate([np.broadcast_to(np.asarray(w, np.float64), np.shape(t))
                              for t, _, w in parts])
    return tails, heads, weights


def _graph_with_root(tails, heads, weights, root_weights, n_nodes) -> sp.csr_matrix:
    """Return the residual graph plus a virtual root (node `n_nodes`) joined to every node."""
    root = np.full(n_nodes, n_nodes)
    return sp.csr_matrix(
        (np.concatenate([weights, root_weights]),
         (np.concatenate([tails, root]), np.concatenate([heads, np.arange(n_nodes)]))),
        shape=(n_nodes + 1, n_nodes + 1),
    )


def _shortest_potentials(tails, heads, weights, n_nodes) -> np.ndarray:
    """Return potentials making every residual edge's reduced cost non-negative.

    The residual graph of an optimal flow has no negative cycle, so shortest distances from a
    virtual root joined to every node by a zero-cost edge exist and are such potentials.
    networkx's queue-based Bellman-Ford is used: on these graphs it is ten times faster than
    scipy's, which always makes |V| passes.
    """
    graph = nx.DiGraph()
    graph.add_weighted_edges_from(zip(tails.tolist(), heads.tolist(), weights.tolist(), strict=True))
    graph.add_weighted_edges_from((n_nodes, node, 0.0) for node in range(n_nodes))
    distances = nx.single_source_bellman_ford_path_length(graph, n_nodes)
    return np.array([distances[node] for node in range(n_nodes)], dtype=np.float64)


def _extend_potentials(tails, heads, weights, potentials, n_nodes, max_passes=100):
    """Try to extend potentials valid on the candidate edges to the whole residual graph.

    Returns (True, potentials) when every residual edge of the whole graph then has a
    non-negative reduced cost, which proves the flow optimal for the whole graph; (False, the
    given potentials) when that was not reached in `max_passes`.

    Reduced costs are non-negative everywhere except on some pruned edges, so the shortest
    distances (in reduced costs) alternate a vectorised relaxation of those few negative edges
    with a Dijkstra over all the others: each pass is one scipy Dijkstra instead of a Python
    network simplex on a larger candidate set.
    """
    reduced = weights + potentials[tails] - potentials[heads]
    negative = reduced < -0.5  # integral costs
    if not negative.any():
        return True, potentials
    neg_tails, neg_heads, neg_reduced = tails[negative], heads[negative], reduced[negative]
    keep = ~negative
    graph = _graph_with_root(tails[keep], heads[keep], reduced[keep], np.zeros(n_nodes), n_nodes)
    # The root is the last row of the CSR matrix, its entries in column order: the start
    # offsets can be written in place each pass instead of building the graph again.
    graph.sort_indices()
    root_entries = slice(graph.indptr[n_nodes], graph.indptr[n_nodes + 1])
    assert np.array_equal(graph.indices[root_entries], np.arange(n_nodes))
    offsets = np.zeros(n_nodes)
    for _ in range(max_passes):
        relaxed = offsets[neg_tails] + neg_reduced
        if not (relaxed < offsets[neg_heads] - 0.5).any():
            return True, potentials + offsets
        np.minimum.at(offsets, neg_heads, relaxed)
        shift = offsets.min()
        graph.data[root_entries] = offsets - shift
        offsets = dijkstra(graph, directed=True, indices=n_nodes)[:n_nodes] + shift
    return False, potentials


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
    rows, cols, _, _ = _edges(score_matrix, capacities)
    return _max_flow(rows, cols, np.asarray(capacities, dtype=np.int64), *score_matrix.shape)


def _flow_network(rows, cols, capacities, n_rows, n_cols) -> sp.csr_matrix:
    """Return source -> mentee -> mentor -> sink as a CSR capacity matrix for scipy."""
    n_nodes = 2 + n_rows + n_cols
    mentees = np.arange(n_rows)
    mentors = np.arange(n_cols)
    tails = np.concatenate([np.full(n_rows, _SOURCE), 2 + rows, 2 + n_rows + mentors])
    heads = np.concatenate([2 + mentees, 2 + n_rows + cols, np.full(n_cols, _SINK)])
    caps = np.concatenate([np.ones(n_rows), np.ones(len(rows)), capacities]).astype(np.int32)
    return sp.csr_matrix((caps, (tails, heads)), shape=(n_nodes, n_nodes), dtype=np.int32)


def _max_flow(rows, cols, capacities, n_rows, n_cols) -> int:
    if len(rows) == 0:
        return 0
    network = _flow_network(rows, cols, capacities, n_rows, n_cols)
    return int(maximum_flow(network, _SOURCE, _SINK).flow_value)


def _max_flow_edges(rows, cols, capacities, n_rows, n_cols) -> np.ndarray:
    """Return a mask of the mentee-mentor edges that carry a maximum flow."""
    network = _flow_network(rows, cols, capacities, n_rows, n_cols)
    flow = maximum_flow(network, _SOURCE, _SINK).flow.tocsr()
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
    rows, cols, values, _ = _edges(score_matrix, capacities)
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

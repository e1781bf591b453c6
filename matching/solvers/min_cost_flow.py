"""Optimal capacitated assignment of mentees to mentors: most mentees first, then highest total.

The solver sees only a sparse score matrix (rows are mentees, columns mentors, an entry per
eligible pair) and the mentors' capacities, and returns index pairs.

It is a min-cost flow::

    source --(cap 1)--> mentee --(cap 1, cost -(BIG + score))--> mentor --(cap c_j)--> sink
    source --(cap n, cost 0)--> sink                 (so that leaving a mentee out is feasible)

With ``BIG`` larger than any possible total of scores, a cheaper flow is first one that matches
more mentees, then one with a higher total: exactly the lexicographic objective.

Two exact methods solve it:

``"ortools"`` (the default when OR-Tools is installed)
    OR-Tools' cost-scaling push-relabel (`SimpleMinCostFlow.solve_max_flow_with_min_cost`) on
    every eligible pair: a maximum flow, then the cheapest among maximum flows, which is the
    same lexicographic objective without ``BIG``. Above `ORTOOLS_FULL_GRAPH_EDGES` pairs
    (its arcs cost about 80 bytes each) it runs on priced candidates instead, proven optimal
    by the same certificate as the networkx method (`ortools_flow.priced_max_flow_min_cost_edges`).
``"networkx"`` (the reference)
    networkx's network simplex. Solving the full graph is slow in pure Python, and keeping only
    each mentee's top-k candidates is *not* exact, so it prices instead: it solves on a
    candidate subset, takes node potentials from the residual graph of that optimal flow, and
    extends them over every eligible pair (`matching.solvers.certificate`). A pruned edge with
    a negative reduced cost could improve the flow and joins the candidates; when none is left,
    the potentials certify that the flow is optimal for the whole graph (LP duality).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp
from scipy.sparse.csgraph import min_weight_full_bipartite_matching

from matching.solvers.certificate import extend_potentials, residual_edges, shortest_potentials
from matching.solvers.edges import SCORE_SCALE, pair_keys, score_edges, top_k_mask
from matching.solvers.max_flow import SINK, SOURCE, max_flow_edges

__all__ = ["METHODS", "Assignment", "max_weight_assignment"]

#: The exact assignment methods; "auto" picks the fastest one installed.
METHODS = ("auto", "ortools", "networkx")
# Pricing adds at most this many improving edges per mentee and round.
ADD_PER_ROW = 8
# Bound on the capacity-expanded edges of the warm start, to cap its memory on huge pools.
WARM_START_EDGES = 40_000_000
#: Above this many eligible pairs OR-Tools runs on priced candidates: its arcs cost about 80
#: bytes each, so the whole graph of 100,000 staff (205M pairs) would need 16 GB.
ORTOOLS_FULL_GRAPH_EDGES = 40_000_000


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


def resolve_method(method: str) -> str:
    """Return the concrete method `method` stands for; raise ValueError for an unknown one.

    Examples
    --------
    >>> resolve_method("networkx")
    'networkx'
    >>> resolve_method("auto") in ("ortools", "networkx")
    True
    """
    if method not in METHODS:
        raise ValueError(f"unknown assignment method {method!r}; expected one of {METHODS}")
    if method != "auto":
        return method
    try:
        import ortools.graph.python.min_cost_flow  # noqa: F401
    except ImportError:
        return "networkx"
    return "ortools"


def max_weight_assignment(
    score_matrix: sp.spmatrix | np.ndarray,
    capacities: np.ndarray,
    *,
    method: str = "auto",
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
    method : {"auto", "ortools", "networkx"}, default "auto"
        The exact solver: OR-Tools' min-cost flow on every pair ("auto" when OR-Tools is
        installed), or networkx's network simplex with pricing (the reference). Every method
        finds the same number of pairs and the same total; among equally good assignments
        each returns a fixed one for a given input.
    candidates_per_row : int, default 2
        networkx only: size of the first candidate subset (per mentee and per mentor), and of
        what one pricing round may add per mentee. It changes the speed, never the result.
    warm_start : bool, default True
        networkx only: add to the first candidate subset the pairs of a fast sparse assignment
        (scipy's LAPJVsp on the capacity-expanded graph). It changes the speed, never the result.
    max_rounds : int, default 100
        networkx only: safety bound on pricing rounds; reaching it raises RuntimeError rather
        than return an uncertified result.

    Returns
    -------
    Assignment

    Notes
    -----
    Each mentee takes at most one mentor and each mentor at most its capacity. Scores count at
    a resolution of 1e-6. OR-Tools' cost scaling is O(n^2 m log(n C)) in the worst case and
    near-linear in practice; each networkx round is a network simplex on
    O(n * candidates_per_row) edges plus an O(nnz) pricing.

    Examples
    --------
    >>> scores = np.array([[0.9, 0.8], [0.7, 0.0]])
    >>> result = max_weight_assignment(scores, np.array([1, 1]))
    >>> result.rows.tolist(), result.cols.tolist()   # both matched beats the 0.9 pair
    ([0, 1], [1, 0])
    >>> len(max_weight_assignment(scores, np.array([1, 1]), method="networkx"))
    2
    """
    method = resolve_method(method)
    if not sp.issparse(score_matrix):
        score_matrix = sp.csr_matrix(np.asarray(score_matrix, dtype=np.float64))
    n_rows, n_cols = score_matrix.shape
    capacities = np.asarray(capacities, dtype=np.int64)
    edges = list(score_edges(score_matrix, capacities))
    empty = np.zeros(0, dtype=np.int64)
    if len(edges[0]) == 0:
        return Assignment(empty, empty, 0, 0, 0)
    if method == "ortools":
        return _ortools_assignment(edges, capacities, n_rows, n_cols)
    rows, cols, _, weights = edges
    return _priced_network_simplex(rows, cols, weights, capacities, n_rows, n_cols,
                                   candidates_per_row, warm_start, max_rounds)


def _ortools_assignment(edges: list, capacities, n_rows, n_cols) -> Assignment:
    """Solve with OR-Tools: on every edge, or priced on candidates when the graph is huge.

    `edges` is the caller's list of edge arrays; it is emptied, so that the arrays this
    function drops are freed.
    """
    from matching.solvers import ortools_flow

    rows, cols, _, weights = edges
    edges.clear()
    if len(rows) <= ORTOOLS_FULL_GRAPH_EDGES:
        chosen = np.flatnonzero(
            ortools_flow.max_flow_min_cost_edges(rows, cols, weights, capacities, n_rows, n_cols)
        )
        return Assignment(rows[chosen], cols[chosen], 1, len(rows), len(rows))
    indptr = np.searchsorted(rows, np.arange(n_rows + 1))
    n_edges = len(rows)
    # The priced solver reads rows from indptr, chunk by chunk; weights up to SCORE_SCALE fit
    # in 32 bits. Both halve what a graph of 200M pairs holds through the pricing rounds.
    del rows
    weights = weights.astype(np.int32)
    carrying, rounds, candidate_edges = ortools_flow.priced_max_flow_min_cost_edges(
        indptr, cols, weights, capacities, n_rows, n_cols)
    chosen = np.flatnonzero(carrying)
    chosen_rows = np.searchsorted(indptr, chosen, side="right") - 1
    return Assignment(chosen_rows, cols[chosen], rounds, candidate_edges, n_edges)


def _priced_network_simplex(rows, cols, weights, capacities, n_rows, n_cols,
                            candidates_per_row, warm_start, max_rounds) -> Assignment:
    """Solve with networkx's network simplex on candidates, priced over every edge."""
    # Any assignment's total weight is below this, so one more matched mentee always wins.
    big = n_rows * SCORE_SCALE + 1
    costs = -(big + weights)
    active = top_k_mask(rows, cols, weights, candidates_per_row) | top_k_mask(
        cols, rows, weights, candidates_per_row
    )
    # A maximum flow's edges let the first round match as many mentees as the whole pool can.
    active |= max_flow_edges(rows, cols, capacities, n_rows, n_cols)
    if warm_start:
        active |= _warm_start_edges(rows, cols, weights, capacities, n_rows, n_cols)
    mentee_node = 2 + rows
    mentor_node = 2 + n_rows + cols
    n_nodes = 2 + n_rows + n_cols

    for round_number in range(1, max_rounds + 1):
        candidate = np.flatnonzero(active)
        flows = solve_flow_networkx(mentee_node[candidate], mentor_node[candidate],
                                    costs[candidate], capacities, n_rows, n_cols)
        carrying = np.zeros(len(rows), dtype=bool)
        carrying[candidate[flows]] = True
        potentials = shortest_potentials(
            *residual_edges(mentee_node[candidate], mentor_node[candidate], costs[candidate],
                            flows, capacities, n_rows, n_cols),
            n_nodes,
        )
        proven, _ = extend_potentials(
            *residual_edges(mentee_node, mentor_node, costs, carrying, capacities, n_rows,
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
        keep = top_k_mask(rows[candidates], cols[candidates],
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
        keep = top_k_mask(rows, cols, weights, max(1, int(WARM_START_EDGES / mean_slots / n_rows)))
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


def solve_flow_networkx(mentee_nodes, mentor_nodes, costs, capacities, n_rows, n_cols) -> np.ndarray:
    """Solve the min-cost flow on the given edges; return a mask of edges carrying flow."""
    import networkx as nx

    graph = nx.DiGraph()
    used_mentees = np.unique(mentee_nodes)
    used_mentors = np.unique(mentor_nodes)
    supply = len(used_mentees)
    graph.add_node(SOURCE, demand=-supply)
    graph.add_node(SINK, demand=supply)
    graph.add_edge(SOURCE, SINK, capacity=supply, weight=0)
    graph.add_edges_from((SOURCE, int(m), {"capacity": 1, "weight": 0}) for m in used_mentees)
    graph.add_edges_from(
        (int(m), SINK, {"capacity": int(capacities[m - 2 - n_rows]), "weight": 0})
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

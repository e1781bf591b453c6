"""The assignment's flow solved by OR-Tools: a maximum flow, then the cheapest such flow.

Imported only when the "ortools" method runs, so `import matching` does not load OR-Tools.
"""

from __future__ import annotations

import numpy as np
from ortools.graph.python import min_cost_flow

from matching.solvers.max_flow import SINK, SOURCE

__all__ = ["max_flow_min_cost_edges", "priced_max_flow_min_cost_edges"]


def max_flow_min_cost_edges(rows, cols, weights, capacities, n_rows, n_cols) -> np.ndarray:
    """Return a mask of the edges of a maximum assignment of maximum total weight.

    Parameters
    ----------
    rows, cols : arrays of int
        The eligible (mentee, mentor) edges, in a canonical order.
    weights : array of int
        Each edge's integer score; the total of the chosen edges is maximal among assignments
        that match as many mentees as possible.
    capacities : array of int, shape (n_cols,)

    Notes
    -----
    `SimpleMinCostFlow.solve_max_flow_with_min_cost` on source -> mentee -> mentor -> sink:
    first the most flow, then the least cost among maximum flows, which is the engine's
    lexicographic objective with costs ``-weight``. The arcs are added in the given order, so
    equal inputs give equal results.

    Examples
    --------
    >>> mask = max_flow_min_cost_edges(np.array([0, 0, 1]), np.array([0, 1, 0]),
    ...                                np.array([9, 8, 7]), np.array([1, 1]), 2, 2)
    >>> mask.tolist()   # both mentees matched beats the heaviest edge alone
    [False, True, True]
    """
    flow = min_cost_flow.SimpleMinCostFlow()
    n_edges = len(rows)
    # OR-Tools numbers nodes with int32; arrays of that type are passed without a copy.
    node = np.int32 if 2 + n_rows + n_cols < 2**31 else np.int64
    mentees = np.arange(2, 2 + n_rows, dtype=node)
    mentors = np.arange(2 + n_rows, 2 + n_rows + n_cols, dtype=node)
    # The mentee-mentor arcs come first, so their arc indices are 0..n_edges-1.
    flow.add_arcs_with_capacity_and_unit_cost(
        mentees[rows], mentors[cols], np.ones(n_edges, np.int64), -np.asarray(weights, np.int64),
    )
    flow.add_arcs_with_capacity_and_unit_cost(
        np.full(n_rows, SOURCE, node), mentees, np.ones(n_rows, np.int64), np.zeros(n_rows, np.int64),
    )
    flow.add_arcs_with_capacity_and_unit_cost(
        mentors, np.full(n_cols, SINK, node), np.asarray(capacities, np.int64),
        np.zeros(n_cols, np.int64),
    )
    supplies = np.zeros(2 + n_rows + n_cols, np.int64)
    supplies[SOURCE], supplies[SINK] = n_rows, -n_rows
    flow.set_nodes_supplies(np.arange(len(supplies)), supplies)
    status = flow.solve_max_flow_with_min_cost()
    if status != flow.OPTIMAL:
        raise RuntimeError(f"OR-Tools min-cost flow failed: {status}")
    return flow.flows(np.arange(n_edges)) > 0


def priced_max_flow_min_cost_edges(indptr, cols, weights, capacities, n_rows, n_cols, *,
                                   candidates_per_row: int = 16, add_per_row: int = 64,
                                   max_rounds: int = 200, chunk_edges: int = 20_000_000):
    """Return the same optimum as `max_flow_min_cost_edges`, holding few arcs in OR-Tools.

    For graphs too large for OR-Tools' memory: it solves on each mentee's best
    `candidates_per_row` edges, takes potentials from that flow's residual graph and prices
    every other edge (in chunks of `chunk_edges`, so no full-size temporary is made); edges
    with a negative reduced cost join the candidates (at most `add_per_row` per mentee and
    round) and it solves again. When no edge is left to add, the potentials prove the flow
    optimal for the whole graph (LP duality), exactly as in the networkx method.

    `indptr`, `cols` and `weights` are a CSR layout of the edges (rows implicit), so the
    rows of all edges are never materialised. Returns the mask of chosen edges, the number of
    rounds and the number of candidate edges in the last one.

    Examples
    --------
    >>> mask, rounds, candidates = priced_max_flow_min_cost_edges(
    ...     np.array([0, 2, 3]), np.array([0, 1, 0]), np.array([9, 8, 7]), np.array([1, 1]), 2, 2,
    ...     candidates_per_row=1)
    >>> mask.tolist(), rounds   # the second round adds mentee 0's other edge
    ([False, True, True], 2)
    """
    from matching.solvers.certificate import relaxed_potentials, residual_edges, shortest_potentials
    from matching.solvers.edges import SCORE_SCALE

    n_edges = len(cols)
    big = n_rows * SCORE_SCALE + 1
    active = _row_top_k(indptr, weights, candidates_per_row)
    n_nodes = 2 + n_rows + n_cols
    potentials = np.zeros(n_nodes, np.int64)
    for round_number in range(1, max_rounds + 1):
        candidate = np.flatnonzero(active)
        candidate_rows = np.searchsorted(indptr, candidate, side="right") - 1
        candidate_cols = cols[candidate].astype(np.int64)
        candidate_weights = weights[candidate].astype(np.int64)
        flows = max_flow_min_cost_edges(candidate_rows, candidate_cols, candidate_weights,
                                        capacities, n_rows, n_cols)
        carrying = np.zeros(n_edges, bool)
        carrying[candidate[flows]] = True
        residual = residual_edges(2 + candidate_rows, 2 + n_rows + candidate_cols,
                                  -(big + candidate_weights), flows, capacities, n_rows, n_cols)
        found = relaxed_potentials(*residual, potentials)
        potentials = found if found is not None else np.rint(
            shortest_potentials(*residual, n_nodes)).astype(np.int64)
        del residual, candidate_rows, candidate_cols, candidate_weights
        improving = _improving_edges(indptr, cols, weights, carrying, potentials, big, n_rows,
                                     chunk_edges, add_per_row)
        if len(improving) == 0:
            return carrying, round_number, len(candidate)
        active[improving] = True
    raise RuntimeError(f"pricing did not converge in {max_rounds} rounds")


def _row_top_k(indptr, weights, k: int) -> np.ndarray:
    """Return a mask of each row's `k` heaviest edges (ties: lower column first)."""
    mask = np.zeros(len(weights), bool)
    for row in range(len(indptr) - 1):
        start, stop = int(indptr[row]), int(indptr[row + 1])
        if stop - start <= k:
            mask[start:stop] = True
            continue
        segment = weights[start:stop]
        floor = np.partition(segment, len(segment) - k)[len(segment) - k]
        above = np.flatnonzero(segment > floor)
        ties = np.flatnonzero(segment == floor)[: k - len(above)]
        mask[start + above] = True
        mask[start + ties] = True
    return mask


def _improving_edges(indptr, cols, weights, carrying, potentials, big, n_rows, chunk_edges,
                     per_row):
    """Return each row's `per_row` most improving edges (negative reduced cost), by chunks.

    Chunks hold whole rows, so the per-row choice is made inside each chunk and no temporary
    grows with the number of improving edges (most of a huge graph in the first rounds).
    """
    mentee_potential = potentials[2:2 + n_rows]
    mentor_potential = potentials[2 + n_rows:]
    found = []
    row = 0
    while row < n_rows:
        stop_row = int(np.searchsorted(indptr, indptr[row] + chunk_edges, side="right")) - 1
        stop_row = min(max(stop_row, row + 1), n_rows)
        start, stop = int(indptr[row]), int(indptr[stop_row])
        rows = np.repeat(np.arange(row, stop_row), np.diff(indptr[row:stop_row + 1]))
        reduced = mentee_potential[rows] - mentor_potential[cols[start:stop]]
        reduced -= big + weights[start:stop].astype(np.int64)
        negative = np.flatnonzero((reduced < 0) & ~carrying[start:stop])
        if len(negative):
            keep = _top_k_per_row(rows[negative], reduced[negative], negative, per_row)
            found.append(start + negative[keep])
        row = stop_row
    return np.concatenate(found) if found else np.zeros(0, np.int64)


def _top_k_per_row(rows, reduced, positions, k: int) -> np.ndarray:
    """Return a mask of each row's `k` most negative reduced costs (ties: lower position)."""
    order = np.lexsort((positions, reduced, rows))
    sorted_rows = rows[order]
    rank = np.arange(len(order)) - np.searchsorted(sorted_rows, sorted_rows, side="left")
    mask = np.zeros(len(rows), bool)
    mask[order[rank < k]] = True
    return mask

"""The assignment's flow solved by OR-Tools: a maximum flow, then the cheapest such flow.

Imported only when the "ortools" method runs, so `import matching` does not load OR-Tools.
"""

from __future__ import annotations

import numpy as np
from ortools.graph.python import min_cost_flow

from matching.solvers.max_flow import SINK, SOURCE

__all__ = ["max_flow_min_cost_edges"]


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

"""The capacitated assignment is exact: checked against brute force, scipy and max flow."""

import contextlib
import itertools

import networkx as nx
import numpy as np
import pytest
import scipy.sparse as sp
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.optimize import linear_sum_assignment

from matching.solvers import (
    SCORE_SCALE,
    max_cardinality,
    max_min_score_threshold,
    max_weight_assignment,
    min_cost_flow,
)
from matching.solvers.certificate import extend_potentials, residual_edges, shortest_potentials
from matching.solvers.edges import score_edges, top_k_mask
from matching.solvers.min_cost_flow import solve_flow_networkx


def objective(scores: np.ndarray, rows, cols) -> tuple[int, int]:
    """(number matched, total in integer units): the lexicographic objective."""
    return len(rows), int(np.rint(scores[rows, cols] * SCORE_SCALE).sum())


def brute_force(scores: np.ndarray, capacities) -> tuple[int, int]:
    n_rows, n_cols = scores.shape
    best = (0, 0)
    for choice in itertools.product(range(-1, n_cols), repeat=n_rows):
        picked = [(r, c) for r, c in enumerate(choice) if c >= 0]
        if any(scores[r, c] <= 0 for r, c in picked):
            continue
        if any(sum(1 for _, c in picked if c == j) > capacities[j] for j in range(n_cols)):
            continue
        rows = np.array([r for r, _ in picked], int)
        cols = np.array([c for _, c in picked], int)
        best = max(best, objective(scores, rows, cols))
    return best


def scipy_optimum(scores: np.ndarray, capacities) -> tuple[int, int]:
    """Solve the capacity-expanded problem with linear_sum_assignment."""
    n_rows = scores.shape[0]
    expanded = scores[:, np.repeat(np.arange(scores.shape[1]), capacities)]
    big = n_rows * SCORE_SCALE + 1
    weights = np.where(expanded > 0, big + np.rint(expanded * SCORE_SCALE), 0)
    rows, cols = linear_sum_assignment(weights, maximize=True)
    used = weights[rows, cols] > 0
    total = int((weights[rows, cols][used] - big).sum())
    return int(used.sum()), total


def check_feasible(scores: np.ndarray, capacities, result) -> None:
    assert len(set(result.rows.tolist())) == len(result.rows), "a mentee has two mentors"
    load = np.bincount(result.cols, minlength=scores.shape[1])
    assert (load <= capacities).all(), "a mentor is over capacity"
    assert (scores[result.rows, result.cols] > 0).all(), "an ineligible pair was proposed"


score_matrices = st.integers(1, 5).flatmap(
    lambda n_rows: st.integers(1, 3).flatmap(
        lambda n_cols: st.tuples(
            st.lists(
                st.lists(st.sampled_from([0.0, 0.0, 0.1, 0.25, 0.5, 0.5, 0.75, 1.0]),
                         min_size=n_cols, max_size=n_cols),
                min_size=n_rows, max_size=n_rows),
            st.lists(st.integers(0, 3), min_size=n_cols, max_size=n_cols),
        )
    )
)


EXACT_METHODS = ["ortools", "networkx"]


@settings(max_examples=150, deadline=None)
@given(score_matrices, st.integers(1, 3), st.booleans())
def test_networkx_matches_brute_force_on_small_pools(data, candidates_per_row, warm_start):
    scores, capacities = np.array(data[0]), np.array(data[1])
    result = max_weight_assignment(scores, capacities, method="networkx",
                                   candidates_per_row=candidates_per_row, warm_start=warm_start)
    check_feasible(scores, capacities, result)
    assert objective(scores, result.rows, result.cols) == brute_force(scores, capacities)


@settings(max_examples=150, deadline=None)
@given(score_matrices)
def test_every_method_matches_networkx_and_brute_force(data):
    scores, capacities = np.array(data[0]), np.array(data[1])
    reference = max_weight_assignment(scores, capacities, method="networkx")
    best = brute_force(scores, capacities)
    for method in ("auto", "ortools"):
        result = max_weight_assignment(scores, capacities, method=method)
        check_feasible(scores, capacities, result)
        found = objective(scores, result.rows, result.cols)
        assert found == objective(scores, reference.rows, reference.cols) == best


@contextlib.contextmanager
def priced_ortools():
    """Make the "ortools" method price candidates even on small graphs."""
    saved = min_cost_flow.ORTOOLS_FULL_GRAPH_EDGES
    min_cost_flow.ORTOOLS_FULL_GRAPH_EDGES = -1
    try:
        yield
    finally:
        min_cost_flow.ORTOOLS_FULL_GRAPH_EDGES = saved


@settings(max_examples=150, deadline=None)
@given(score_matrices)
def test_priced_ortools_matches_brute_force(data):
    scores, capacities = np.array(data[0]), np.array(data[1])
    with priced_ortools():
        result = max_weight_assignment(scores, capacities, method="ortools")
    check_feasible(scores, capacities, result)
    assert objective(scores, result.rows, result.cols) == brute_force(scores, capacities)


@pytest.mark.parametrize(("n_rows", "n_cols", "density", "seed", "hot"),
                         [(300, 200, 0.1, 1, 0), (400, 400, 0.3, 3, 0), (400, 200, 0.03, 7, 12)])
def test_priced_ortools_matches_the_full_graph(n_rows, n_cols, density, seed, hot):
    scores, capacities = random_pool(n_rows, n_cols, density, seed, hot_mentors=hot)
    full = max_weight_assignment(scores, capacities, method="ortools")
    with priced_ortools():
        priced = max_weight_assignment(scores, capacities, method="ortools")
    dense = scores.toarray()
    check_feasible(dense, capacities, priced)
    assert objective(dense, priced.rows, priced.cols) == objective(dense, full.rows, full.cols)
    assert priced.candidate_edges < priced.eligible_edges


def tied_pool(n_rows, n_cols, density, seed):
    """A random sparse pool whose scores take four values only: ties everywhere."""
    rng = np.random.default_rng(seed)
    eligible = rng.random((n_rows, n_cols)) < density
    values = rng.choice([0.25, 0.5, 0.75, 1.0], size=(n_rows, n_cols))
    rows, cols = np.nonzero(eligible)
    scores = sp.csr_matrix((values[rows, cols], (rows, cols)), shape=(n_rows, n_cols))
    return scores, rng.integers(1, 4, n_cols)


@pytest.mark.parametrize(("n_rows", "n_cols", "density", "seed"),
                         [(200, 100, 0.1, 11), (300, 300, 0.05, 12), (400, 150, 0.2, 13)])
def test_priced_ortools_matches_the_full_graph_under_ties(n_rows, n_cols, density, seed):
    # With four distinct scores most optima are tied: the priced path must still reach the
    # full graph's count and total, and give the same pairs on every run.
    scores, capacities = tied_pool(n_rows, n_cols, density, seed)
    full = max_weight_assignment(scores, capacities, method="ortools")
    with priced_ortools():
        priced = max_weight_assignment(scores, capacities, method="ortools")
        again = max_weight_assignment(scores.copy(), capacities.copy(), method="ortools")
    dense = scores.toarray()
    check_feasible(dense, capacities, priced)
    assert objective(dense, priced.rows, priced.cols) == objective(dense, full.rows, full.cols)
    assert objective(dense, full.rows, full.cols) == scipy_optimum(dense, capacities)
    assert (priced.rows.tolist(), priced.cols.tolist()) == (again.rows.tolist(), again.cols.tolist())


@pytest.mark.parametrize("method", EXACT_METHODS)
def test_same_pairs_whatever_the_run(method):
    scores, capacities = random_pool(300, 200, 0.1, 4)
    first = max_weight_assignment(scores, capacities, method=method)
    again = max_weight_assignment(scores.copy(), capacities.copy(), method=method)
    assert first.rows.tolist() == again.rows.tolist() and first.cols.tolist() == again.cols.tolist()


def test_unknown_method_is_rejected():
    with pytest.raises(ValueError, match="unknown assignment method"):
        max_weight_assignment(np.ones((1, 1)), np.array([1]), method="simplex")


@settings(max_examples=40, deadline=None)
@given(score_matrices)
def test_cardinality_equals_networkx_max_flow(data):
    scores, capacities = np.array(data[0]), np.array(data[1])
    graph = nx.DiGraph()
    for r, c in zip(*np.nonzero(scores), strict=True):
        graph.add_edge("s", ("mentee", r), capacity=1)
        graph.add_edge(("mentee", r), ("mentor", c), capacity=1)
        graph.add_edge(("mentor", c), "t", capacity=int(capacities[c]))
    flow = nx.maximum_flow_value(graph, "s", "t") if graph.number_of_nodes() else 0
    assert len(max_weight_assignment(scores, capacities)) == flow
    assert max_cardinality(sp.csr_matrix(scores), capacities) == flow


def random_pool(n_rows, n_cols, density, seed, hot_mentors=0):
    """A random sparse pool; `hot_mentors` columns that every mentee ranks first."""
    rng = np.random.default_rng(seed)
    scores = sp.random(n_rows, n_cols, density=density, random_state=seed, format="lil")
    for j in range(hot_mentors):
        scores[:, j] = 0.99 - 0.01 * j
    scores = scores.tocsr()
    scores.data = np.round(scores.data, 6)
    return scores, rng.integers(1, 4, n_cols)


@pytest.mark.parametrize(("method", "warm_start"),
                         [("networkx", True), ("networkx", False), ("ortools", True)])
@pytest.mark.parametrize(("n_rows", "n_cols", "density", "seed"),
                         [(300, 200, 0.1, 1), (500, 150, 0.05, 2), (400, 400, 0.3, 3)])
def test_matches_scipy_on_hundreds(n_rows, n_cols, density, seed, method, warm_start):
    scores, capacities = random_pool(n_rows, n_cols, density, seed)
    result = max_weight_assignment(scores, capacities, method=method, warm_start=warm_start)
    dense = scores.toarray()
    check_feasible(dense, capacities, result)
    assert objective(dense, result.rows, result.cols) == scipy_optimum(dense, capacities)


def test_pruning_alone_fails_but_pricing_recovers_the_optimum():
    # Every mentee's top candidates are the same few mentors, so top-k pruning loses mentees.
    scores, capacities = random_pool(400, 200, 0.03, 7, hot_mentors=12)
    capacities[:12] = 1
    dense = scores.toarray()
    optimum = scipy_optimum(dense, capacities)

    _rows, _cols = np.nonzero(dense)
    top = sp.lil_matrix(dense.shape)
    for r in range(dense.shape[0]):
        best = np.argsort(-dense[r])[:3]
        for c in best:
            if dense[r, c] > 0:
                top[r, c] = dense[r, c]
    pruned = max_weight_assignment(top.tocsr(), capacities, candidates_per_row=50)
    assert objective(dense, pruned.rows, pruned.cols) == objective(
        dense, *_pairs(max_weight_assignment(top.tocsr(), capacities, method="networkx")))
    assert objective(dense, pruned.rows, pruned.cols) < optimum, "the pool should defeat pruning"

    result = max_weight_assignment(scores, capacities, method="networkx", candidates_per_row=3,
                                   warm_start=False)
    assert result.pricing_rounds > 1, "pricing should have added pruned edges"
    assert result.candidate_edges < result.eligible_edges
    assert objective(dense, result.rows, result.cols) == optimum

    # With the warm start the first candidate set usually holds the optimum; the proof still
    # covers every pruned edge.
    warm = max_weight_assignment(scores, capacities, method="networkx", candidates_per_row=3)
    assert warm.candidate_edges < warm.eligible_edges
    assert objective(dense, warm.rows, warm.cols) == optimum


def _pairs(result):
    return result.rows, result.cols


@pytest.mark.parametrize("method", EXACT_METHODS)
def test_explicit_zero_score_is_an_eligible_pair(method):
    scores = sp.csr_matrix((np.array([0.0]), (np.array([0]), np.array([0]))), shape=(1, 1))
    result = max_weight_assignment(scores, np.array([1]), method=method)
    assert result.rows.tolist() == [0] and result.cols.tolist() == [0]


@pytest.mark.parametrize("method", EXACT_METHODS)
def test_empty_and_zero_capacity(method):
    assert len(max_weight_assignment(sp.csr_matrix((3, 2)), np.array([1, 1]), method=method)) == 0
    assert len(max_weight_assignment(np.ones((2, 2)), np.array([0, 0]), method=method)) == 0


def test_rejects_bad_capacities():
    with pytest.raises(ValueError, match="one per column"):
        max_weight_assignment(np.ones((2, 2)), np.array([1]))
    with pytest.raises(ValueError, match="negative"):
        max_weight_assignment(np.ones((2, 2)), np.array([1, -1]))


@settings(max_examples=60, deadline=None)
@given(score_matrices)
def test_max_min_threshold_is_the_bottleneck_optimum(data):
    scores, capacities = np.array(data[0]), np.array(data[1])
    matrix = sp.csr_matrix(scores)
    cardinality = max_cardinality(matrix, capacities)
    threshold = max_min_score_threshold(matrix, capacities)
    if cardinality == 0:
        return
    kept = np.where(scores >= threshold, scores, 0)
    assert max_cardinality(sp.csr_matrix(kept), capacities) == cardinality
    higher = [v for v in np.unique(scores) if v > threshold]
    if higher:
        stricter = np.where(scores >= higher[0], scores, 0)
        assert max_cardinality(sp.csr_matrix(stricter), capacities) < cardinality


@settings(max_examples=150, deadline=None)
@given(score_matrices, st.data())
def test_optimality_proof_holds_exactly_when_the_candidate_flow_is_optimal(data, draw):
    """The certificate never proves a flow that a pruned edge could improve, nor misses one."""
    scores, capacities = np.array(data[0]), np.array(data[1])
    rows, cols, _, weights = score_edges(sp.csr_matrix(scores * (scores > 0)), capacities)
    if len(rows) == 0:
        return
    n_rows, n_cols = scores.shape
    subset = np.array(draw.draw(st.lists(st.booleans(), min_size=len(rows), max_size=len(rows))))
    # Keep at least one edge per mentee, as the solver's candidate sets do.
    subset |= top_k_mask(rows, cols, weights, 1)
    big = n_rows * SCORE_SCALE + 1
    costs = -(big + weights)
    mentee_node, mentor_node = 2 + rows, 2 + n_rows + cols
    flows = solve_flow_networkx(mentee_node[subset], mentor_node[subset], costs[subset],
                               capacities, n_rows, n_cols)
    carrying = np.zeros(len(rows), bool)
    carrying[np.flatnonzero(subset)[flows]] = True
    n_nodes = 2 + n_rows + n_cols
    potentials = shortest_potentials(
        *residual_edges(mentee_node[subset], mentor_node[subset], costs[subset], flows,
                                capacities, n_rows, n_cols), n_nodes)
    proven, _ = extend_potentials(
        *residual_edges(mentee_node, mentor_node, costs, carrying, capacities, n_rows,
                                n_cols), potentials, n_nodes)
    found = objective(scores, rows[carrying], cols[carrying])
    assert proven == (found == brute_force(scores, capacities))

"""Peer mode: pair people two by two (skill swaps) with a blossom matching on a general graph,
and pack circles of three who teach each other in a cycle beside the pairs."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp

from matching.solvers.edges import SCORE_SCALE

__all__ = [
    "EXACT_CANDIDATE_LIMIT",
    "PEER_METHODS",
    "PeerGroups",
    "max_weight_peer_groups",
    "max_weight_peer_matching",
    "teaching_circles",
]

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

    # Nodes in index order: the blossom's choice among equally good pairings follows it, and
    # the circles of a large pool are those of the people that pairing leaves out (another
    # node order, fewest pairs first, halved the time at 10,000 people but placed fewer at
    # 5,000).
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


# ------------------------------------------------------------------------ circles of three

#: Scores in a packing's objective are counted in half-millionths: a pair's weight is twice its
#: mean score and a circle's the sum of its three directed scores, both at 1e-6, so integers.
HALF_SCALE = 2 * SCORE_SCALE
#: A connected part with more pair and circle candidates than this is not given to the exact
#: packing (an integer programme whose time grows fast with its size); see
#: `max_weight_peer_groups`.
EXACT_CANDIDATE_LIMIT = 2500
#: The longest each stage of the exact programme may run before the part is packed
#: heuristically instead (a safety net: parts under the limit are usually solved in a second).
EXACT_SECONDS = 10.0
#: The most candidates a part may have for the second heuristic packing, fewest options first.
FEWEST_FIRST_LIMIT = 200_000


@dataclass(frozen=True)
class PeerGroups:
    """A packing of peers into pairs and circles of three.

    pairs : (first, second) index pairs with ``first < second``.
    circles : (a, b, c) index triples in teaching order: a teaches b, b teaches c, c teaches a.
    proven_optimal : whether every part was solved exactly (blossom, or the integer programme
        with a proof of optimality); False when a part was too large and was packed
        heuristically.
    """

    pairs: tuple[tuple[int, int], ...]
    circles: tuple[tuple[int, int, int], ...]
    proven_optimal: bool


#: Above this many two-step teaching paths a pool's circles are too many to list them all
#: (at 5,000 people tens of millions): peer mode then lists only the circles that include
#: someone an optimal pairing leaves out (see `matching.peer_mode`).
ALL_CIRCLES_PATH_LIMIT = 3_000_000
#: Above the path limit, each person an optimal pairing leaves out keeps their best circles.
CIRCLES_PER_PERSON = 64


def teaching_paths(directed: sp.spmatrix) -> int:
    """Return the number of two-step teaching paths, the work of listing every circle."""
    learns = sp.csr_matrix(directed)
    learns.eliminate_zeros()
    teaches = learns.T.tocsr()
    return int(np.dot(np.diff(learns.indptr).astype(np.int64),
                      np.diff(teaches.indptr).astype(np.int64)))


def teaching_circles(directed: sp.spmatrix, *, min_score: float = 0.0,
                     involving: np.ndarray | None = None, best_each: int | None = None,
                     ) -> tuple[np.ndarray, np.ndarray]:
    """Return every circle of three people who teach each other in a cycle, and its score.

    Parameters
    ----------
    directed : sparse matrix of shape (n, n)
        Row learns from column: an entry ``(b, a)`` means a can teach b, with that score.
    min_score : float, default 0
        Circles whose score (the mean of their three directed scores) is below it are dropped.
    involving : bool array of shape (n,), optional
        Only the circles with at least one of these people; None, every circle.
    best_each : int, optional
        Only the circles among the `best_each` best (highest score, then first in (a, b, c)
        order) of at least one of their members in `involving` (everyone when None): the
        same as `best_circles_each` on the whole list, found person by person so that the
        millions of circles of a large pool are never held at once.

    Returns
    -------
    circles : int array of shape (k, 3)
        Each row (a, b, c) is in teaching order (a teaches b, b teaches c, c teaches a), with a
        the smallest index, the rows in (a, b, c) order. When both orientations of three
        people are cycles, the one with the higher score is kept (on a tie, the first in
        (a, b, c) order).
    scores : float array of shape (k,)
        The mean of the three directed scores, at a resolution of 1e-6.

    Notes
    -----
    For each person a, the circles a -> b -> c -> a are the entries of the sub-matrix of
    "teaches" whose rows are the people a teaches and whose columns the people who teach a
    (with every circle taken once from its smallest member, or, with `involving`, from each
    wanted member and then turned to start at its smallest). When "teaches" is dense enough
    (an entry in at least one of 64 cells) its rows are held as bit sets, and the sub-matrix is
    an AND of a's taught rows with the bit set of a's teachers: O(sum over a of its
    out-degree times n / 64) word operations, one person at a time, in numpy.

    Examples
    --------
    >>> directed = sp.csr_matrix(np.array([[0, 0, 0.3], [0.6, 0, 0], [0, 0.9, 0]]))
    >>> circles, scores = teaching_circles(directed)
    >>> circles.tolist(), scores.tolist()
    ([[0, 1, 2]], [0.6])
    """
    learns = sp.csr_matrix(directed, dtype=float)
    learns.eliminate_zeros()
    learns.sort_indices()
    n = learns.shape[0]
    teaches = learns.T.tocsr()  # row x: the people x teaches (learns' row x: who teaches x)
    teaches.sort_indices()
    if best_each is not None and involving is None:
        involving = np.ones(n, bool)
    starts = range(n) if involving is None else np.flatnonzero(involving).tolist()
    closing = _ClosingEntries(teaches)
    width = np.int64(n)
    found, edges, kept_keys, kept_totals = [], [], [], []
    for a in starts:
        t_from, t_to = teaches.indptr[a], teaches.indptr[a + 1]
        l_from, l_to = learns.indptr[a], learns.indptr[a + 1]
        taught, taught_scores = teaches.indices[t_from:t_to], teaches.data[t_from:t_to]
        teachers, teacher_scores = learns.indices[l_from:l_to], learns.data[l_from:l_to]
        if involving is None:  # each circle once, from its smallest member
            above_taught, above_teachers = taught > a, teachers > a
            taught, taught_scores = taught[above_taught], taught_scores[above_taught]
            teachers, teacher_scores = teachers[above_teachers], teacher_scores[above_teachers]
        if not len(taught) or not len(teachers):
            continue
        # a teaches b, b teaches c, c teaches a: the entries of one sub-matrix.
        rows, cols, values = closing.entries(taught, teachers)
        if not len(rows):
            continue
        circles = np.stack([np.full(len(rows), a, np.int64), taught[rows].astype(np.int64),
                            teachers[cols].astype(np.int64)], 1)
        # The three directed scores in teaching order: b learns from a, c from b, a from c.
        scores3 = np.stack([taught_scores[rows], values, teacher_scores[cols]], 1)
        if involving is None:
            found.append(circles)
            edges.append(scores3)
            continue
        if best_each is not None:
            circles, scores3 = _near_the_best(circles, scores3, best_each, min_score)
        circles, scores3 = _start_at_smallest(circles, scores3)
        if best_each is None:
            found.append(circles)
            edges.append(scores3)
            continue
        # Every circle through a is found from a (both orientations of each three), so a's
        # best circles are a's alone to choose, as best_circles_each would on the whole list.
        keys = _circle_keys(circles, width)
        totals = _totals(scores3)
        chosen = _better_orientation(circles, keys, totals, width)
        keys, totals = keys[chosen], totals[chosen]
        if min_score > 0:
            passing = np.round(totals / 3, 6) >= min_score
            keys, totals = keys[passing], totals[passing]
        if len(keys) > best_each:
            best = np.lexsort((keys, -np.round(totals / 3, 6)))[:best_each]
            keys, totals = keys[best], totals[best]
        kept_keys.append(keys)
        kept_totals.append(totals)
    if best_each is not None:
        if not kept_keys:
            return np.zeros((0, 3), np.int64), np.zeros(0)
        keys, once = np.unique(np.concatenate(kept_keys), return_index=True)
        totals = np.concatenate(kept_totals)[once]
        circles = np.stack([keys // (width * width), keys // width % width, keys % width], 1)
        return circles, np.round(totals / 3, 6)
    if not found:
        return np.zeros((0, 3), np.int64), np.zeros(0)
    circles, scores3 = np.concatenate(found), np.concatenate(edges)
    keys = _circle_keys(circles, width)
    if involving is not None:  # found from any member: each circle once
        keys, once = np.unique(keys, return_index=True)
        circles, scores3 = circles[once], scores3[once]
    else:
        # In (a, b, c) order, so which circles are listed, not the order they were found in,
        # decides everything below (a tie of orientations keeps the first in this order).
        # Sorting and grouping work on one integer key per circle, far faster than on rows.
        order = np.argsort(keys, kind="stable")
        circles, scores3, keys = circles[order], scores3[order], keys[order]
    totals = _totals(scores3)
    chosen = _better_orientation(circles, keys, totals, width)
    circles, totals = circles[chosen], totals[chosen]
    scores = np.round(totals / 3, 6)
    keep = scores >= min_score if min_score > 0 else np.ones(len(scores), bool)
    return circles[keep], scores[keep]


#: "teaches" is held as bit sets when they take no more memory than its sparse entries (an
#: entry costs 12 bytes, a bit set n / 8 bytes a row).
BITSET_BYTES_PER_ENTRY = 12


_BITS_IN_BYTE = np.bitwise_count(np.arange(256, dtype=np.uint8)).astype(np.int64)
#: Row v: the positions of the set bits of byte v, lowest first.
_KTH_BIT_OF_BYTE = np.array([[k for k in range(8) if v >> k & 1] + [0] * (8 - v.bit_count())
                             for v in range(256)], np.int64)


class _ClosingEntries:
    """The entries of sub-matrices of "teaches" (rows the people a teaches, columns the people
    who teach a), by bit sets when the matrix is dense enough, by sparse indexing otherwise."""

    def __init__(self, teaches: sp.csr_matrix):
        self.teaches = teaches
        n = teaches.shape[0]
        self.words = (teaches.shape[1] + 63) // 64
        self.bits = None
        if n * self.words * 8 <= BITSET_BYTES_PER_ENTRY * teaches.nnz:
            rows = np.repeat(np.arange(n, dtype=np.int64), np.diff(teaches.indptr))
            columns = teaches.indices.astype(np.int64)
            cells = rows * self.words + (columns >> 6)  # sorted: CSR with sorted indices
            bit = np.left_shift(np.uint64(1), (columns & 63).astype(np.uint64))
            first = np.flatnonzero(np.r_[True, cells[1:] != cells[:-1]])
            bits = np.zeros(n * self.words, np.uint64)
            bits[cells[first]] = np.bitwise_or.reduceat(bit, first)
            self.bits = bits.reshape(n, self.words)
            # Entry (b, c) is at teaches.indptr[b] + (bits of row b before c): the bits of b's
            # earlier words, counted once here, and those of c's word below c.
            counts = np.bitwise_count(self.bits).astype(np.int64)
            self.before = np.cumsum(counts, axis=1) - counts + teaches.indptr[:-1, None]

    def entries(self, rows: np.ndarray, cols: np.ndarray):
        """Return (i, j, value) of the non-zero entries ``teaches[rows[i], cols[j]]``; `rows`
        and `cols` sorted."""
        if self.bits is None:
            block = self.teaches[rows][:, cols].tocoo()
            return block.row, block.col, block.data
        cols64 = cols.astype(np.int64)
        mask = np.zeros(self.words, np.uint64)
        np.bitwise_or.at(mask, cols64 >> 6,
                         np.left_shift(np.uint64(1), (cols64 & 63).astype(np.uint64)))
        words = np.flatnonzero(mask)
        if 2 * len(words) > self.words:  # whole rows copy faster than a word per column
            words = np.arange(self.words)
            block = self.bits[rows] & mask
        else:
            block = self.bits[rows[:, None], words[None, :]] & mask[words]
        # The set bits, read a byte at a time (most bytes are zero, a byte's bits by table),
        # in row, word, bit order.
        flat = block.astype("<u8", copy=False).view(np.uint8).ravel()
        at = np.flatnonzero(flat)
        if not len(at):
            empty = np.zeros(0, np.int64)
            return empty, empty, np.zeros(0)
        byte_values = flat[at]
        counts = _BITS_IN_BYTE[byte_values]
        ends = np.cumsum(counts)
        which = np.repeat(np.arange(len(at)), counts)
        kth = np.arange(int(ends[-1])) - np.repeat(ends - counts, counts)
        position = at[which]
        bit = (position & 7) * 8 + _KTH_BIT_OF_BYTE[byte_values[which], kth]
        i = position // (8 * len(words))
        word = words[(position >> 3) % len(words)]
        column = word * 64 + bit
        j = np.searchsorted(cols64, column)
        row = rows[i]
        below = self.bits[row, word] & (np.left_shift(np.uint64(1), bit.astype(np.uint64))
                                         - np.uint64(1))
        values = self.teaches.data[self.before[row, word] + np.bitwise_count(below)]
        return i, j, values


#: Two totals this far apart (a sum of three scores) never round to the same circle score,
#: whatever order their three scores were added in.
TOTAL_MARGIN = 1e-5


def _near_the_best(circles: np.ndarray, scores3: np.ndarray, keep: int, min_score: float):
    """Drop the circles through one person that cannot be among their `keep` best.

    Each three people have at most two orientations, so the 2 * keep best circles (that
    surely pass `min_score`) name at least `keep` people whose circle scores at least the
    lowest of them, theta; a circle whose total is below theta by more than `TOTAL_MARGIN`
    scores less than each of those (after rounding too), so it is neither among the best nor
    the better orientation of its three.
    """
    if len(circles) <= 2 * keep:
        return circles, scores3
    totals = _totals(scores3)
    passing = totals[totals >= 3 * min_score + TOTAL_MARGIN] if min_score > 0 else totals
    if len(passing) < 2 * keep:
        return circles, scores3
    theta = np.partition(passing, len(passing) - 2 * keep)[len(passing) - 2 * keep]
    near = totals >= theta - TOTAL_MARGIN
    return circles[near], scores3[near]


def _circle_keys(circles: np.ndarray, width: np.int64) -> np.ndarray:
    return (circles[:, 0] * width + circles[:, 1]) * width + circles[:, 2]


def _totals(scores3: np.ndarray) -> np.ndarray:
    """The sum of a circle's three directed scores, added in teaching order from its smallest
    member (so the same circle found from any member has the same total, to the last bit)."""
    return scores3[:, 0] + scores3[:, 1] + scores3[:, 2]


def _start_at_smallest(circles: np.ndarray, scores3: np.ndarray):
    """Turn each circle (and its directed scores) to start at its smallest member."""
    turns = (np.argmin(circles, axis=1)[:, None] + np.arange(3)) % 3
    return (np.take_along_axis(circles, turns, axis=1),
            np.take_along_axis(scores3, turns, axis=1))


def _better_orientation(circles: np.ndarray, keys: np.ndarray, totals: np.ndarray,
                        width: np.int64) -> np.ndarray:
    """Return, in key order, the indices of one circle per three people: the orientation with
    the higher total, the smaller key on a tie. Circles start at their smallest member, so
    (a, min(b, c), max(b, c)) names the people."""
    a, b, c = circles.T
    people = (a * width + np.minimum(b, c)) * width + np.maximum(b, c)
    order = np.lexsort((keys, -np.rint(totals * SCORE_SCALE), people))
    first = order[np.r_[True, people[order][1:] != people[order][:-1]]]
    return first[np.argsort(keys[first], kind="stable")]


def best_circles_each(circles: np.ndarray, scores: np.ndarray, involving: np.ndarray,
                      keep: int) -> tuple[np.ndarray, np.ndarray]:
    """Return the circles that are among the `keep` best of at least one of their members
    in `involving`, in their order: enough for the heuristic to place those people, a
    fraction of the memory and time of every circle of a large pool.

    >>> circles = np.array([[0, 1, 2], [0, 1, 3], [1, 2, 3]])
    >>> kept, _ = best_circles_each(circles, np.array([0.5, 0.9, 0.7]),
    ...                             np.array([True, False, False, False]), keep=1)
    >>> kept.tolist()  # person 0's best circle; the one without them is not theirs to keep
    [[0, 1, 3]]
    """
    if not len(circles):
        return circles, scores
    rows, slots = np.nonzero(involving[circles])
    members = circles[rows, slots]
    order = np.lexsort((rows, -scores[rows], members))
    members, rows = members[order], rows[order]
    starts = np.flatnonzero(np.r_[True, members[1:] != members[:-1]])
    rank = np.arange(len(members)) - np.repeat(starts, np.diff(np.r_[starts, len(members)]))
    chosen = np.unique(rows[rank < keep])
    return circles[chosen], scores[chosen]


def max_weight_peer_groups(
    pair_scores: sp.spmatrix, circles: np.ndarray, circle_scores: np.ndarray, *,
    method: str = "auto", exact_limit: int = EXACT_CANDIDATE_LIMIT, complete: bool = True,
    pairing: tuple[np.ndarray, np.ndarray] | None = None,
) -> PeerGroups:
    """Return the pairs and circles that place the most people, then score the most.

    Parameters
    ----------
    pair_scores : sparse matrix of shape (n, n)
        Upper-triangular eligible pairs and their scores, as in `max_weight_peer_matching`.
    circles, circle_scores : arrays
        Eligible circles of three and their scores, as `teaching_circles` returns them.
    method : {"auto", "rustworkx", "networkx"}, default "auto"
        The blossom method for the parts that have no circle.
    exact_limit : int, default EXACT_CANDIDATE_LIMIT
        The most candidates (pairs and circles) a connected part may have to be solved by the
        exact integer programme.
    complete : bool, default True
        Whether `circles` are all the pool's circles; when not, no part is proven optimal.
    pairing : (first, second) arrays, optional
        An optimal pairing of `pair_scores` already found (`max_weight_peer_matching`'s), which
        the parts without circles keep and the heuristic starts from, instead of finding it
        again.

    Returns
    -------
    PeerGroups

    Notes
    -----
    The objective is lexicographic: most people placed (a pair places 2, a circle 3), then the
    highest total, where a pair counts its score (the mean of its two directions) and a circle
    one and a half times its score (half the sum of its three directed scores): either way,
    half the sum of what each placed person learns. This is cycle packing with cycles of
    length 2 and 3, as in kidney exchange, NP-hard in general. The people split into
    connected parts (a candidate joins its members); a part without circles is a general
    matching (blossom, exact); a part with circles and at most `exact_limit` candidates is the
    cycle formulation, an integer programme solved exactly by HiGHS in two stages (most
    people, then highest total among those placing that many), each with a zero optimality
    gap. A larger part gets the better of two heuristic packings (an optimal pairing with
    circles added best first among the people it leaves, or fewest options first; see
    `_pairs_then_circles`), never fewer people than pairs alone: `proven_optimal` is then False.

    Examples
    --------
    >>> pair_scores = sp.csr_matrix(np.array([[0, 0.5, 0], [0, 0, 0], [0, 0, 0]]))
    >>> groups = max_weight_peer_groups(pair_scores, np.array([[0, 1, 2]]), np.array([0.4]))
    >>> groups.pairs, groups.circles, groups.proven_optimal
    ((), ((0, 1, 2),), True)
    """
    from scipy.sparse.csgraph import connected_components

    upper = sp.triu(sp.csr_matrix(pair_scores), k=1).tocsr()
    upper.sort_indices()
    n = upper.shape[0]
    circles = np.asarray(circles, np.int64).reshape(-1, 3)
    if not len(circles):
        first, second = max_weight_peer_matching(upper, method=method)
        return PeerGroups(tuple(zip(first.tolist(), second.tolist(), strict=True)), (),
                          complete)
    coo = upper.tocoo()
    pair_weights = np.rint(coo.data * HALF_SCALE).astype(np.int64)
    circle_weights = np.rint(np.asarray(circle_scores) * 3 * SCORE_SCALE).astype(np.int64)
    links_from = np.concatenate([coo.row, circles[:, 0], circles[:, 1]])
    links_to = np.concatenate([coo.col, circles[:, 1], circles[:, 2]])
    links = sp.csr_matrix((np.ones(len(links_from)), (links_from, links_to)), shape=(n, n))
    _, part = connected_components(links, directed=False)
    pair_part, circle_part = part[coo.row], part[circles[:, 0]]
    with_circles = np.unique(circle_part)
    pairs: list[tuple[int, int]] = []
    chosen_circles: list[tuple[int, int, int]] = []
    proven = complete
    plain = ~np.isin(pair_part, with_circles)
    if plain.any() and pairing is not None:
        # An optimal pairing of the pool, within the parts without circles, is an optimal
        # pairing of those parts: no second blossom run.
        first, second = _within(pairing, ~np.isin(part, with_circles))
        pairs.extend(zip(first.tolist(), second.tolist(), strict=True))
    elif plain.any():
        only = sp.csr_matrix((coo.data[plain], (coo.row[plain], coo.col[plain])), shape=(n, n))
        first, second = max_weight_peer_matching(only, method=method)
        pairs.extend(zip(first.tolist(), second.tolist(), strict=True))
    for label in with_circles.tolist():
        in_pairs = np.flatnonzero(pair_part == label)
        in_circles = np.flatnonzero(circle_part == label)
        part_pairs = np.stack([coo.row[in_pairs], coo.col[in_pairs]], 1)
        exact = None
        if len(in_pairs) + len(in_circles) <= exact_limit:
            exact = _exact_packing(part_pairs, pair_weights[in_pairs], circles[in_circles],
                                   circle_weights[in_circles])
        if exact is not None:
            got_pairs, got_circles = exact
        else:
            proven = False
            got_pairs, got_circles = _pairs_then_circles(
                n, part_pairs, coo.data[in_pairs], circles[in_circles],
                circle_weights[in_circles], method,
                None if pairing is None else _within(pairing, part == label))
        pairs.extend(got_pairs)
        chosen_circles.extend(got_circles)
    return PeerGroups(tuple(sorted(pairs)), tuple(sorted(chosen_circles)), proven)


def _exact_packing(pairs: np.ndarray, pair_weights: np.ndarray, circles: np.ndarray,
                   circle_weights: np.ndarray):
    """Solve one part's cycle formulation exactly: most people, then the highest total.

    Returns (pairs, circles), or None when HiGHS has not proven a stage optimal within
    `EXACT_SECONDS` (the caller then packs the part heuristically and says so).
    """
    from scipy.optimize import Bounds, LinearConstraint, milp

    members = np.concatenate([np.column_stack([pairs, np.full(len(pairs), -1)]), circles])
    people, rows = np.unique(members[members >= 0], return_inverse=True)
    columns = np.repeat(np.arange(len(members)), 3)[(members >= 0).ravel()]
    cover = sp.csr_matrix((np.ones(len(rows)), (rows, columns)),
                          shape=(len(people), len(members)))
    sizes = np.concatenate([np.full(len(pairs), 2.0), np.full(len(circles), 3.0)])
    weights = np.concatenate([pair_weights, circle_weights]).astype(float)
    once = LinearConstraint(cover, -np.inf, 1)
    whole = np.ones(len(members))
    options = {"mip_rel_gap": 0.0, "time_limit": EXACT_SECONDS}
    placed = milp(-sizes, constraints=[once], integrality=whole, bounds=Bounds(0, 1),
                  options=options)
    if placed.status != 0:  # 0: proven optimal
        return None
    most = round(-placed.fun)
    best = milp(-weights, constraints=[once, LinearConstraint(sizes[None, :], most, np.inf)],
                integrality=whole, bounds=Bounds(0, 1), options=options)
    if best.status != 0:
        return None
    chosen = np.flatnonzero(best.x > 0.5)
    got_pairs = [tuple(int(p) for p in members[k, :2]) for k in chosen if k < len(pairs)]
    got_circles = [tuple(int(p) for p in members[k]) for k in chosen if k >= len(pairs)]
    return got_pairs, got_circles


def _within(pairing: tuple[np.ndarray, np.ndarray], members: np.ndarray):
    """Return the pairs of a pairing whose people are both `members` (a boolean mask)."""
    first, second = (np.asarray(side, np.int64) for side in pairing)
    inside = members[first] & members[second]
    return first[inside], second[inside]


def _pairs_then_circles(n, pairs, pair_scores, circles, circle_weights, method, pairing=None):
    """A part too large for the exact programme: the better of two packings by (people, total).

    One is an optimal pairing with circles added best first among the people it leaves out
    (so never fewer people than pairs alone); the other, for parts of up to
    `FEWEST_FIRST_LIMIT` candidates (it is Python, a heap of every candidate), is built
    fewest-options-first: the
    person with the fewest candidates left gets the candidate whose members have the fewest
    other options (then the larger, then the higher weight), as set-packing heuristics do,
    since breaking up a pair for a circle is what places more people.
    """
    if pairing is None:
        matrix = sp.csr_matrix((pair_scores, (pairs[:, 0], pairs[:, 1])), shape=(n, n))
        pairing = max_weight_peer_matching(matrix, method=method)
    # An optimal pairing of the pool, within one part, is an optimal pairing of the part.
    first, second = pairing
    taken = np.zeros(n, bool)
    taken[first] = taken[second] = True
    paired = list(zip(first.tolist(), second.tolist(), strict=True))
    # Only circles of people the pairing leaves out can be added (taken only grows), so the
    # loop below sees those alone, in the same order.
    order = np.lexsort((np.arange(len(circles)), -circle_weights))
    order = order[~taken[circles[order]].any(axis=1)]
    greedy_circles = []
    for members in circles[order].tolist():
        if not taken[members].any():
            taken[members] = True
            greedy_circles.append(tuple(members))
    pair_weights = np.rint(np.asarray(pair_scores) * HALF_SCALE).astype(np.int64)
    width = np.int64(n)
    pair_keys = pairs[:, 0].astype(np.int64) * width + pairs[:, 1]
    circle_keys = _circle_keys(circles.astype(np.int64), width)
    pair_order, circle_order = np.argsort(pair_keys), np.argsort(circle_keys)

    def weight(keys, got, sorter, weights):
        if not got:
            return 0
        got = np.array(got, np.int64)
        at = sorter[np.searchsorted(keys, _circle_keys(got, width) if got.shape[1] == 3
                                    else got[:, 0] * width + got[:, 1], sorter=sorter)]
        return int(weights[at].sum())

    def value(got_pairs, got_circles):
        return (2 * len(got_pairs) + 3 * len(got_circles),
                weight(pair_keys, got_pairs, pair_order, pair_weights)
                + weight(circle_keys, got_circles, circle_order, circle_weights))

    packings = [(paired, greedy_circles)]
    if len(pairs) + len(circles) <= FEWEST_FIRST_LIMIT:
        packings.append(_fewest_options_first(pairs, pair_weights, circles, circle_weights))
    # The better of the two, then improved by moves that each place someone more.
    best = max(packings, key=lambda packing: value(*packing))
    return _place_more(*best, pairs, circles)


def _place_more(got_pairs, got_circles, pairs, circles, passes: int = 10):
    """Improve a packing by moves that each place more people: an unplaced person joins a
    candidate whose other members are unplaced, or whose other members come out of one pair
    (the pair is broken up; a circle of three replaces a pair of two). Passes run in index
    order until none places anyone more, so the result is the same every run."""
    group_of: dict[int, tuple[int, ...]] = {}
    for group in list(got_pairs) + list(got_circles):
        for person in group:
            group_of[person] = tuple(group)
    # Each person's candidates, pairs then circles, each in its order: the rows of `members`
    # (a pair's third is -1) listed person by person, as a sparse row index.
    members = np.concatenate([np.column_stack([pairs, np.full(len(pairs), -1)]),
                              circles]).astype(np.int64)
    flat = members.ravel()
    present = flat >= 0
    person_of, candidate = flat[present], np.repeat(np.arange(len(members)), 3)[present]
    by_person = np.argsort(person_of, kind="stable")
    candidate = candidate[by_person].tolist()
    people, starts = np.unique(person_of[by_person], return_index=True)
    ends = np.r_[starts[1:], len(candidate)].tolist()
    spans = dict(zip(people.tolist(), zip(starts.tolist(), ends, strict=True), strict=True))
    groups: dict[int, tuple[int, ...]] = {}

    def group_at(k: int) -> tuple[int, ...]:
        if k not in groups:
            groups[k] = tuple(int(m) for m in members[k] if m >= 0)
        return groups[k]

    for _ in range(passes):
        moved = False
        for person, (start, end) in spans.items():
            if person in group_of:
                continue
            for k in candidate[start:end]:
                group = group_at(k)
                others = [m for m in group if m != person]
                broken = {group_of[m] for m in others if m in group_of}
                if len(broken) > 1:
                    continue
                lost = sum(len(b) for b in broken)
                if len(group) - lost <= 0:
                    continue
                for old in broken:
                    for member in old:
                        del group_of[member]
                for member in group:
                    group_of[member] = group
                moved = True
                break
        if not moved:
            break
    placed = set(group_of.values())
    return (sorted(g for g in placed if len(g) == 2), sorted(g for g in placed if len(g) == 3))


def _fewest_options_first(pairs, pair_weights, circles, circle_weights):
    """Pack candidates taking, each time, the person with the fewest candidates left."""
    import heapq

    members = [tuple(p) for p in pairs.tolist()] + [tuple(c) for c in circles.tolist()]
    weights = pair_weights.tolist() + list(circle_weights.tolist())
    groups_of: dict[int, list[int]] = {}
    for k, group in enumerate(members):
        for person in group:
            groups_of.setdefault(person, []).append(k)
    alive = [True] * len(members)
    degree = {person: len(ks) for person, ks in groups_of.items()}
    heap = [(d, person) for person, d in degree.items()]
    heapq.heapify(heap)
    placed: set[int] = set()
    chosen: list[int] = []
    while heap:
        d, person = heapq.heappop(heap)
        if person in placed or d != degree[person] or d == 0:
            continue
        options = [k for k in groups_of[person] if alive[k]]
        best = min(options, key=lambda k: (sum(degree[m] - 1 for m in members[k]),
                                           -len(members[k]), -weights[k], k))
        chosen.append(best)
        placed.update(members[best])
        for member in members[best]:
            for k in groups_of[member]:
                if alive[k]:
                    alive[k] = False
                    for other in members[k]:
                        degree[other] -= 1
                        if other not in placed and degree[other] > 0:
                            heapq.heappush(heap, (degree[other], other))
    got_pairs = [members[k] for k in chosen if len(members[k]) == 2]
    got_circles = [members[k] for k in chosen if len(members[k]) == 3]
    return got_pairs, got_circles

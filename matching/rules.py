"""Hard rules that forbid pairs (self, the management chain, same manager, avoid lists, earlier
rounds, and the factor rules: department, institution, meeting format, time zone), the
threshold, and the coordinator's locks, checked against those rules in one place.

A rule is either the (row, col) pairs it forbids, or a `PairTest` that says which of any given
pairs it forbids: the factor rules forbid too many pairs to list (a time-zone limit can rule
out most of the pool), so they are tested on the eligible pairs only.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum

import numpy as np
import scipy.sparse as sp

from matching.encode import Pool
from matching.exceptions import InfeasibleLockError
from matching.factors import format_conflict, same_known, time_zone_gap
from matching.results import Chain, Factor, MatchSettings
from matching.solvers.edges import pair_keys

__all__ = [
    "PairTest",
    "Rule",
    "allowed_blocks",
    "at_least",
    "broken_rule",
    "drop_pairs",
    "drop_rows_and_cols",
    "entry_positions",
    "excluded_pairs",
    "exclusions",
    "factor_rules",
    "keep_entries",
    "management_chain",
    "rule_hits",
    "unique_pairs",
    "validate_locks",
    "without_rules",
]


class Rule(StrEnum):
    """Why a pair is never proposed."""

    SELF = "same person"
    MANAGER = "manager rule"
    CHAIN = "management-chain rule"
    SAME_MANAGER = "same-manager rule"
    AVOID = "avoid list"
    PREVIOUS = "earlier round"
    DEPARTMENT = "same-department rule"
    INSTITUTION = "same-institution rule"
    MEETING_FORMAT = "meeting-format rule"
    TIME_ZONE = "time-zone rule"


@dataclass(frozen=True)
class PairTest:
    """A rule given as a test: `forbids(rows, cols)` returns, for equal-length arrays of row
    and column positions, a boolean array that is true where the rule forbids the pair."""

    forbids: Callable[[np.ndarray, np.ndarray], np.ndarray]


def management_chain(managers: Mapping[str, str | None]) -> Iterator[tuple[str, str]]:
    """Yield (person, manager) for every manager above a person's direct manager.

    Cycles in the manager data end the walk where it would repeat, so a cycle never hangs;
    every person on a cycle is above every other.

    Examples
    --------
    >>> sorted(management_chain({"a": "b", "b": "c", "c": "d", "d": None}))
    [('a', 'c'), ('a', 'd'), ('b', 'd')]
    >>> sorted(management_chain({"a": "b", "b": "c", "c": "a"}))
    [('a', 'c'), ('b', 'a'), ('c', 'b')]
    """
    for person, manager in managers.items():
        seen = {person, manager}
        above = managers.get(manager) if manager is not None else None
        while above is not None and above not in seen:
            yield person, above
            seen.add(above)
            above = managers.get(above)


def excluded_pairs(
    row_ids: Sequence[str],
    col_ids: Sequence[str],
    managers: Mapping[str, str | None],
    *,
    allow_same_manager: bool = False,
    avoid: Iterable[tuple[str, str]] = (),
    previous: Iterable[tuple[str, str]] = (),
    chain: bool = False,
) -> dict[Rule, tuple[np.ndarray, np.ndarray]]:
    """Return, for each rule, the (row, col) index pairs it forbids.

    Parameters
    ----------
    row_ids, col_ids : sequences of person ids
        The people on each side of the score matrix (mentees and mentors, or everyone twice).
    managers : mapping of person id to manager id (or None)
    allow_same_manager : bool, default False
        Whether two people who share a manager may be paired.
    avoid, previous : iterables of id pairs
        Unordered pairs never to propose; ids not in the pool are ignored.
    chain : bool, default False
        Whether every manager above a person's manager is excluded too (`management_chain`).

    Notes
    -----
    O(size of the output): the same-manager rule is a product within each manager's team; the
    chain rule walks each person's chain once.

    Examples
    --------
    >>> rules = excluded_pairs(["a", "b"], ["b", "c"], {"a": "c", "b": "c", "c": None})
    >>> {rule.name: list(zip(*map(np.ndarray.tolist, pair))) for rule, pair in rules.items()}
    {'SELF': [(1, 0)], 'MANAGER': [(0, 1), (1, 1)], 'SAME_MANAGER': [(0, 0)]}
    """
    row_index = defaultdict(list)
    for position, person in enumerate(row_ids):
        row_index[person].append(position)
    col_index = defaultdict(list)
    for position, person in enumerate(col_ids):
        col_index[person].append(position)

    def between(pairs: Iterable[tuple[str, str]], both_ways: bool) -> list[tuple[int, int]]:
        found = []
        for first, second in pairs:
            ends = [(first, second), (second, first)] if both_ways else [(first, second)]
            for row_person, col_person in ends:
                found.extend(
                    (r, c) for r in row_index.get(row_person, ()) for c in col_index.get(col_person, ())
                )
        return found

    rules: dict[Rule, list[tuple[int, int]]] = {
        Rule.SELF: between(((p, p) for p in row_index), both_ways=False),
        Rule.MANAGER: between(
            ((p, m) for p, m in managers.items() if m is not None), both_ways=True
        ),
    }
    if chain:
        rules[Rule.CHAIN] = between(management_chain(managers), both_ways=True)
    if not allow_same_manager:
        team_rows = defaultdict(list)
        team_cols = defaultdict(list)
        for position, person in enumerate(row_ids):
            if managers.get(person) is not None:
                team_rows[managers[person]].append(position)
        for position, person in enumerate(col_ids):
            if managers.get(person) is not None:
                team_cols[managers[person]].append(position)
        rules[Rule.SAME_MANAGER] = [
            (r, c)
            for manager, rows in team_rows.items()
            for r in rows
            for c in team_cols.get(manager, ())
            if row_ids[r] != col_ids[c]
        ]
    rules[Rule.AVOID] = between(avoid, both_ways=True)
    rules[Rule.PREVIOUS] = between(previous, both_ways=True)
    return {
        rule: (np.array([r for r, _ in pairs], np.int64), np.array([c for _, c in pairs], np.int64))
        for rule, pairs in rules.items()
        if pairs
    }



def exclusions(pool: Pool, learners, teachers, settings: MatchSettings):
    """Return each hard rule, in learner-row and teacher-column indices: the pairs it forbids,
    or a `PairTest` for the factor rules."""
    return {
        **excluded_pairs(
            [pool.ids[i] for i in learners],
            [pool.ids[j] for j in teachers],
            pool.managers,
            allow_same_manager=settings.same_manager_allowed,
            avoid=settings.avoid,
            previous=settings.previous,
            chain=settings.management_chain is Chain.CHAIN,
        ),
        **factor_rules(pool, learners, teachers, settings),
    }


def factor_rules(pool: Pool, learners, teachers, settings: MatchSettings) -> dict[Rule, PairTest]:
    """Return the factor rules the settings turn on, as tests over learner and teacher
    positions; a rule that cannot forbid any pair of this pool is left out."""
    factors = pool.factors
    learners, teachers = np.asarray(learners, np.int64), np.asarray(teachers, np.int64)

    def test(forbids: Callable[[np.ndarray, np.ndarray], np.ndarray]) -> PairTest:
        return PairTest(lambda rows, cols: forbids(learners[rows], teachers[cols]))

    rules: dict[Rule, PairTest] = {}
    if settings.department is Factor.REQUIRE and (factors.department >= 0).any():
        rules[Rule.DEPARTMENT] = test(lambda a, b: same_known(factors.department, a, b))
    if (settings.institution_factor(factors.institutions()) is Factor.REQUIRE
            and (factors.institution >= 0).any()):
        rules[Rule.INSTITUTION] = test(lambda a, b: same_known(factors.institution, a, b))
    if settings.meeting_format is Factor.REQUIRE and not factors.meets_remotely.all():
        rules[Rule.MEETING_FORMAT] = test(lambda a, b: format_conflict(factors, a, b))
    hours = settings.max_time_zone_hours
    if hours is not None and (~np.isnan(factors.offsets[:, 0])).sum() > 1:
        # A little slack: offsets such as 5.75 h are exact in binary, sums of them may not be.
        rules[Rule.TIME_ZONE] = test(lambda a, b: time_zone_gap(factors, a, b) > hours + 1e-9)
    return rules


def broken_rule(rules, row: int, col: int) -> Rule | None:
    """Return the first rule that forbids the pair (row, col), or None."""
    for rule, forbidden in rules.items():
        if isinstance(forbidden, PairTest):
            if forbidden.forbids(np.array([row], np.int64), np.array([col], np.int64))[0]:
                return rule
            continue
        rows, cols = forbidden
        if np.any((rows == row) & (cols == col)):
            return rule
    return None


def rule_hits(matrix: sp.csr_matrix, forbidden, first_row: int = 0) -> np.ndarray:
    """Return the data positions of a canonical CSR matrix's entries a rule forbids.

    `forbidden` is a rule's pairs or `PairTest`; the matrix holds rows from `first_row` on (a
    block), and the positions are sorted.
    """
    if isinstance(forbidden, PairTest):
        rows = np.repeat(np.arange(first_row, first_row + matrix.shape[0], dtype=np.int64),
                         np.diff(matrix.indptr))
        return np.flatnonzero(forbidden.forbids(rows, matrix.indices.astype(np.int64)))
    rows, cols = forbidden
    inside = (rows >= first_row) & (rows < first_row + matrix.shape[0])
    positions = entry_positions(matrix, rows[inside] - first_row, cols[inside])
    return np.unique(positions[positions >= 0])


def unique_pairs(rows, cols, n_cols: int) -> tuple[np.ndarray, np.ndarray]:
    """Return the distinct (row, col) pairs, in (row, col) order."""
    keys = np.unique(pair_keys(rows, cols, n_cols))
    return keys // n_cols, keys % n_cols


def entry_positions(matrix: sp.csr_matrix, rows, cols) -> np.ndarray:
    """Return where each (row, col) is stored in a canonical CSR matrix's data, or -1.

    Examples
    --------
    >>> matrix = sp.csr_matrix(np.array([[0.0, 0.5], [0.25, 0.75]]))
    >>> entry_positions(matrix, np.array([1, 0, 0]), np.array([1, 0, 1])).tolist()
    [2, -1, 0]
    """
    rows, cols = np.asarray(rows, np.int64), np.asarray(cols, np.int64)
    if len(rows) == 0:
        return np.zeros(0, np.int64)
    lookup = sp.csr_matrix(
        (np.arange(1, matrix.nnz + 1, dtype=np.int64), matrix.indices, matrix.indptr),
        shape=matrix.shape,
    )
    return np.asarray(lookup[rows, cols]).ravel().astype(np.int64) - 1


def keep_entries(matrix: sp.csr_matrix, keep: np.ndarray) -> sp.csr_matrix:
    """Return a canonical CSR matrix's entries where `keep` (a mask over its data) is true."""
    kept_before = np.zeros(matrix.nnz + 1, dtype=np.int64)
    np.cumsum(keep, out=kept_before[1:])
    indptr = kept_before[matrix.indptr].astype(matrix.indptr.dtype)
    return sp.csr_matrix((matrix.data[keep], matrix.indices[keep], indptr), shape=matrix.shape)


def drop_pairs(matrix: sp.spmatrix, rows: np.ndarray, cols: np.ndarray) -> sp.csr_matrix:
    """Return `matrix` without the entries at the given (row, col) pairs.

    Examples
    --------
    >>> kept = drop_pairs(sp.csr_matrix(np.array([[0.5, 0.25], [0.75, 0.0]])), np.array([0]),
    ...                   np.array([1]))
    >>> kept.toarray().tolist()
    [[0.5, 0.0], [0.75, 0.0]]
    """
    matrix = _canonical(matrix)
    positions = entry_positions(matrix, rows, cols)
    return _without_positions(matrix, np.unique(positions[positions >= 0]))


def _without_positions(matrix: sp.csr_matrix, positions: np.ndarray) -> sp.csr_matrix:
    """Return a canonical CSR matrix without the entries at the given sorted data positions."""
    if len(positions) == 0:
        return matrix
    # Only the few dropped entries are counted per row; the rest is one copy of the arrays.
    dropped_rows = np.searchsorted(matrix.indptr, positions, side="right") - 1
    dropped_before = np.zeros(matrix.shape[0] + 1, np.int64)
    np.cumsum(np.bincount(dropped_rows, minlength=matrix.shape[0]), out=dropped_before[1:])
    indptr = (matrix.indptr - dropped_before).astype(matrix.indptr.dtype)
    return sp.csr_matrix(
        (np.delete(matrix.data, positions), np.delete(matrix.indices, positions), indptr),
        shape=matrix.shape,
    )


def allowed_blocks(blocks, rules, shape: tuple[int, int]) -> tuple[sp.csr_matrix, dict]:
    """Return the score matrix without the pairs the rules forbid, and what the rules did.

    `blocks` yields (first row, canonical CSR block) in row order, as
    `matching.scoring.score_blocks` does; each block is filtered as it comes, so the whole
    eligible-pair matrix never exists beside its filtered copy. The figures are per row and
    per column counts of eligible pairs (``raw_rows``, ``raw_cols``), per rule the eligible
    pairs it excludes by row (``rule_counts``), and the total (``eligible``).
    """
    n_rows, n_cols = shape
    tests = {rule: value for rule, value in rules.items() if isinstance(value, PairTest)}
    by_rule = {rule: unique_pairs(*pairs, n_cols) for rule, pairs in rules.items()
               if rule not in tests}
    rule_counts = {rule: np.zeros(n_rows, np.int64) for rule in rules}
    raw_rows = np.zeros(n_rows, np.int64)
    raw_cols = np.zeros(n_cols, np.int64)
    eligible = 0
    kept = []
    for start, block in blocks:
        stop = start + block.shape[0]
        raw_rows[start:stop] = np.diff(block.indptr)
        raw_cols += np.bincount(block.indices, minlength=n_cols)
        eligible += block.nnz
        dropped = []
        for rule, (rows, cols) in by_rule.items():
            inside = slice(np.searchsorted(rows, start), np.searchsorted(rows, stop))
            positions = entry_positions(block, rows[inside] - start, cols[inside])
            hit = positions >= 0
            rule_counts[rule] += np.bincount(rows[inside][hit], minlength=n_rows)
            dropped.append(positions[hit])
        if tests:
            entry_rows = np.repeat(np.arange(start, stop, dtype=np.int64), np.diff(block.indptr))
            for rule, test in tests.items():
                positions = rule_hits(block, test, start)
                rule_counts[rule] += np.bincount(entry_rows[positions], minlength=n_rows)
                dropped.append(positions)
        if dropped and any(len(d) for d in dropped):
            # A mask, not np.unique: the rules overlap, and a sort of their hits cost more
            # than the rest of the filtering at 30,000 staff.
            gone = np.zeros(block.nnz, bool)
            for positions in dropped:
                gone[positions] = True
            block = _without_positions(block, np.flatnonzero(gone))
        kept.append(block)
    from matching.scoring import stack_rows  # scoring is the heavier module; load it on use

    figures = {"raw_rows": raw_rows, "raw_cols": raw_cols, "rule_counts": rule_counts,
               "eligible": eligible}
    return stack_rows(kept, shape), figures


def without_rules(raw: sp.csr_matrix, rules) -> sp.csr_matrix:
    """Return `raw` without the pairs any rule forbids."""
    if not rules:
        return raw
    raw = _canonical(raw)
    positions = [rule_hits(raw, forbidden) for forbidden in rules.values()]
    return _without_positions(raw, np.unique(np.concatenate(positions)))


def drop_rows_and_cols(matrix: sp.csr_matrix, rows=(), cols=()) -> sp.csr_matrix:
    """Return `matrix` without any entry in the given rows or columns (shape kept).

    Examples
    --------
    >>> kept = drop_rows_and_cols(sp.csr_matrix(np.ones((2, 2))), rows=[0], cols=[1])
    >>> kept.toarray().tolist()
    [[0.0, 0.0], [1.0, 0.0]]
    """
    matrix = _canonical(matrix)
    gone_row = np.zeros(matrix.shape[0], bool)
    gone_row[np.asarray(rows, np.int64)] = True
    gone_col = np.zeros(matrix.shape[1], bool)
    gone_col[np.asarray(cols, np.int64)] = True
    keep = ~np.repeat(gone_row, np.diff(matrix.indptr)) & ~gone_col[matrix.indices]
    return keep_entries(matrix, keep)


def at_least(matrix: sp.csr_matrix, threshold: float) -> sp.csr_matrix:
    """Return `matrix` keeping only entries >= threshold (explicitly, so 0 stays 'no edge').

    Examples
    --------
    >>> at_least(sp.csr_matrix(np.array([[0.5, 0.25]])), 0.3).toarray().tolist()
    [[0.5, 0.0]]
    """
    matrix = _canonical(matrix)
    return keep_entries(matrix, matrix.data >= threshold)


def _canonical(matrix: sp.spmatrix) -> sp.csr_matrix:
    """Return `matrix` as CSR with sorted indices and no duplicates (itself when it is)."""
    matrix = sp.csr_matrix(matrix) if not sp.isspmatrix_csr(matrix) else matrix
    if not matrix.has_canonical_format:
        matrix = matrix.copy()
        matrix.sum_duplicates()
    return matrix


#: One check of a lock: (first id, second id, the locks accepted so far) -> a problem or None.
LockCheck = Callable[[str, str, list[tuple[int, str, str]]], str | None]


def validate_locks(
    locks: Sequence[tuple[str, str]],
    pool: Pool,
    checks: Sequence[LockCheck],
    overall: Callable[[list[tuple[str, str]]], list[tuple[int, str]]] | None = None,
) -> list[tuple[str, str]]:
    """Return the locks, each checked; raise InfeasibleLockError listing every problem.

    Parameters
    ----------
    locks : (first id, second id) pairs, in the coordinator's order.
    pool : the encoded pool; a lock naming someone outside it is a problem.
    checks : the mode's checks, in order; a lock's problem is the first message one returns.
    overall : optional check of all accepted locks together (mentor capacity), returning
        (-1, message) problems.
    """
    problems: list[tuple[int, str]] = []
    accepted: list[tuple[int, str, str]] = []
    for index, (first, second) in enumerate(locks):
        missing = [p for p in (first, second) if p not in pool.row]
        if missing:
            problems.append((index, f"{missing[0]} is not in the pool"))
            continue
        problem = next((m for check in checks if (m := check(first, second, accepted))), None)
        if problem:
            problems.append((index, problem))
            continue
        accepted.append((index, first, second))
    kept = [(first, second) for _, first, second in accepted]
    if overall is not None:
        problems.extend(overall(kept))
    if problems:
        raise InfeasibleLockError(problems)
    return kept

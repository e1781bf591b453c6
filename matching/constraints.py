"""Hard rules that forbid pairs: self, manager, same manager, avoid lists, earlier rounds."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from enum import StrEnum

import numpy as np
import scipy.sparse as sp

__all__ = ["Rule", "drop_pairs", "excluded_pairs", "pair_keys"]


class Rule(StrEnum):
    """Why a pair is never proposed."""

    SELF = "same person"
    MANAGER = "manager rule"
    SAME_MANAGER = "same-manager rule"
    AVOID = "avoid list"
    PREVIOUS = "earlier round"


def excluded_pairs(
    row_ids: Sequence[str],
    col_ids: Sequence[str],
    managers: Mapping[str, str | None],
    *,
    allow_same_manager: bool = False,
    avoid: Iterable[tuple[str, str]] = (),
    previous: Iterable[tuple[str, str]] = (),
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

    Notes
    -----
    O(size of the output): the same-manager rule is a product within each manager's team.

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


def pair_keys(rows: np.ndarray, cols: np.ndarray, n_cols: int) -> np.ndarray:
    """Return one integer key per (row, col) pair, for set operations on pairs."""
    return np.asarray(rows, np.int64) * n_cols + np.asarray(cols, np.int64)


def drop_pairs(matrix: sp.spmatrix, rows: np.ndarray, cols: np.ndarray) -> sp.csr_matrix:
    """Return `matrix` without the entries at the given (row, col) pairs."""
    coo = sp.coo_matrix(matrix)
    keep = ~np.isin(pair_keys(coo.row, coo.col, matrix.shape[1]), pair_keys(rows, cols, matrix.shape[1]))
    result = sp.csr_matrix((coo.data[keep], (coo.row[keep], coo.col[keep])), shape=matrix.shape)
    result.sort_indices()
    return result

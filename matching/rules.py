"""Apply the hard rules and the threshold to a pool's score matrix, and count what they did."""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp

from matching.constraints import Rule, drop_pairs, excluded_pairs, pair_keys
from matching.encoder import Pool
from matching.results import MatchSettings, SkillBalance

__all__ = [
    "all_cols_of",
    "at_least",
    "count_by_rule",
    "excluded_reason",
    "exclusions",
    "row_counts",
    "skill_balance",
    "symmetric",
    "without_rules",
]


def exclusions(pool: Pool, learners, teachers, settings: MatchSettings):
    """Return the pairs each hard rule forbids, in learner-row and teacher-column indices."""
    return excluded_pairs(
        [pool.ids[i] for i in learners],
        [pool.ids[j] for j in teachers],
        pool.managers,
        allow_same_manager=settings.allow_same_manager,
        avoid=settings.avoid,
        previous=settings.previous,
    )


def count_by_rule(raw: sp.csr_matrix, rules) -> dict[Rule, np.ndarray]:
    """Return, per rule, how many of each row's eligible candidates it excludes."""
    coo = raw.tocoo()
    keys = pair_keys(coo.row, coo.col, raw.shape[1])
    counts = {}
    for rule, (rows, cols) in rules.items():
        hit = np.isin(keys, pair_keys(rows, cols, raw.shape[1]))
        counts[rule] = np.bincount(coo.row[hit], minlength=raw.shape[0])
    return counts


def without_rules(raw: sp.csr_matrix, rules) -> sp.csr_matrix:
    """Return `raw` without the pairs any rule forbids."""
    if not rules:
        return raw
    rows = np.concatenate([r for r, _ in rules.values()])
    cols = np.concatenate([c for _, c in rules.values()])
    return drop_pairs(raw, rows, cols)


def at_least(matrix: sp.csr_matrix, threshold: float) -> sp.csr_matrix:
    """Return `matrix` keeping only entries >= threshold (explicitly, so 0 stays 'no edge')."""
    coo = matrix.tocoo()
    keep = coo.data >= threshold
    result = sp.csr_matrix((coo.data[keep], (coo.row[keep], coo.col[keep])), shape=matrix.shape)
    result.sort_indices()
    return result


def row_counts(matrix: sp.csr_matrix) -> np.ndarray:
    """Return the number of stored entries of each row."""
    return np.diff(matrix.indptr)


def excluded_reason(total: int, counts: dict[Rule, np.ndarray], row: int) -> str:
    """Return the reason for a row whose every candidate a rule excluded, counted by rule."""
    parts = ", ".join(f"{rule} {int(c[row])}" for rule, c in counts.items() if c[row])
    return f"all {total} eligible candidates excluded ({parts})"


def all_cols_of(rows: np.ndarray, n_cols: int) -> tuple[np.ndarray, np.ndarray]:
    """Return every (row, col) pair of the given rows."""
    return np.repeat(rows, n_cols), np.tile(np.arange(n_cols), len(rows))


def skill_balance(pool: Pool, learners, teachers, partner_of: dict[int, int]):
    """Return per-skill demand, supply and met demand, in taxonomy order."""
    demand = dict.fromkeys(pool.taxonomy.skill_ids, 0)
    supply = dict.fromkeys(pool.taxonomy.skill_ids, 0)
    met = dict.fromkeys(pool.taxonomy.skill_ids, 0)
    for i in learners:
        learner = pool.profiles[i]
        teacher = pool.profiles[partner_of[int(i)]] if int(i) in partner_of else None
        for skill in learner.learn:
            demand[skill] += 1
            if teacher and skill in teacher.teaching and teacher.level(skill) > learner.level(skill):
                met[skill] += 1
    for j in teachers:
        for skill in pool.profiles[j].teaching:
            supply[skill] += 1
    return tuple(
        SkillBalance(s, demand[s], supply[s], met[s])
        for s in pool.taxonomy.skill_ids
        if demand[s] or supply[s]
    )


def symmetric(upper: sp.csr_matrix) -> sp.csr_matrix:
    """Return an upper-triangular matrix mirrored into a full symmetric one."""
    full = (upper + upper.T).tocsr()
    full.sort_indices()
    return full

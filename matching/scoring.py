"""Complementarity scores: how much a mentor can teach a mentee of what the mentee wants.

For mentee ``i`` and mentor ``j`` the skill term is

    gap(i, j) = sum over skills s of want[i, s] * teach[j, s] * max(0, level[j, s] - level[i, s]) / 4

which lies in [0, 1] because each mentee's want weights sum to 1. With levels in 0..4,
``max(0, a - b) = sum over t in 1..4 of [a >= t] * [b < t]``, so encoding each mentor as the
indicators ``teach[s] * [level[s] >= t]`` and each mentee as ``want[s] * [level[s] < t]``
turns the whole pool's gap matrix into one sparse matrix product.

The score adds a smaller text term, the cosine of the mentee's goals and the mentor's bio:

    score = (w_skill * gap + w_text * cosine) / (w_skill + w_text)

and, when the round has preferences (`matching.preferences`), their bonus in [0, 1]:

    score = (w_skill * gap + w_text * cosine + w_preference * bonus) / (w_skill + w_text + w_preference)

Only pairs with ``gap > 0`` (the mentor teaches something the mentee wants, at a higher level)
are eligible; every other pair has no entry at all, rather than a low score.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import scipy.sparse as sp

from matching.taxonomy import MAX_LEVEL

if TYPE_CHECKING:
    from matching.vectorize import SkillMatrices

__all__ = [
    "MIN_ELIGIBLE_SCORE",
    "ScoreWeights",
    "complementarity_matrix",
    "learner_encoding",
    "mutual_scores",
    "score_blocks",
    "stack_rows",
    "symmetric",
    "teacher_encoding",
]

#: Scores are rounded to this resolution; an eligible pair never scores below it.
MIN_ELIGIBLE_SCORE = 1e-6

# Bound on the entries of one block of the text product, to cap peak memory on large pools.
_BLOCK_ENTRIES = 4_000_000


@dataclass(frozen=True)
class ScoreWeights:
    """Relative weights of the skill term, the goals-to-bio text term and the preferences'
    bonus.

    Defaults: skill 0.8, text 0.2, preference 0.1, so what a mentor can teach dominates and
    shared interests and preferences break near-ties.
    """

    skill: float = 0.8
    text: float = 0.2
    preference: float = 0.1

    def __post_init__(self) -> None:
        if not all(math.isfinite(w) for w in (self.skill, self.text, self.preference)):
            raise ValueError("score weights must be finite numbers")
        if self.skill < 0 or self.text < 0 or self.preference < 0:
            raise ValueError("score weights must not be negative")
        if self.skill <= 0:
            raise ValueError("the skill weight must be positive: it decides who is eligible")


def teacher_encoding(matrices: SkillMatrices) -> sp.csr_matrix:
    """Return the mentor side of the thresholded encoding, ``teach[s] * [level[s] >= t]``.

    Column ``(t - 1) * n_skills + s`` holds threshold ``t`` of skill ``s``.
    """
    blocks = [(matrices.proficiency >= t).multiply(matrices.teach) for t in range(1, MAX_LEVEL + 1)]
    return sp.hstack(blocks, format="csr", dtype=np.float64)


def learner_encoding(matrices: SkillMatrices) -> sp.csr_matrix:
    """Return the mentee side of the thresholded encoding, ``want[s] * [level[s] < t]``."""
    want = matrices.want
    blocks = []
    for t in range(1, MAX_LEVEL + 1):
        block = (want - want.multiply(matrices.proficiency >= t)).tocsr()
        block.eliminate_zeros()
        blocks.append(block)
    return sp.hstack(blocks, format="csr", dtype=np.float64)


def complementarity_matrix(
    learners: SkillMatrices,
    teachers: SkillMatrices,
    learner_text: sp.csr_matrix,
    teacher_text: sp.csr_matrix,
    weights: ScoreWeights | None = None,
    bonus: Callable[[np.ndarray, np.ndarray], np.ndarray] | None = None,
) -> sp.csr_matrix:
    """Return the sparse score matrix of every learner (row) against every teacher (column).

    Parameters
    ----------
    learners, teachers : SkillMatrices
        Skill matrices of the mentees and of the mentors, over the same skill columns.
    learner_text, teacher_text : sparse matrix
        L2-normalised TF-IDF rows of the mentees' goals and of the mentors' bios.
    weights : ScoreWeights, optional
    bonus : callable, optional
        (learner positions, teacher positions) of eligible pairs -> their preference bonus
        in [0, 1]; asked about eligible pairs only, so it never makes a pair eligible.

    Returns
    -------
    csr_matrix of shape (n_learners, n_teachers)
        An entry for each eligible pair only, with its score in ``[1e-6, 1]`` rounded to 1e-6.

    Notes
    -----
    Two sparse products, computed in row blocks to bound memory: O(nnz of the products).

    Examples
    --------
    >>> from matching.profiles import Profile
    >>> from matching.vectorize import ProfileVectorizer
    >>> people = [Profile("mentee", levels={"marc21": 1}, learn=("marc21",)),
    ...           Profile("mentor", levels={"marc21": 4})]
    >>> skills = ProfileVectorizer(skill_ids=["marc21"]).fit_transform(people)
    >>> no_text = sp.csr_matrix((2, 1))
    >>> scores = complementarity_matrix(skills.take([0]), skills.take([1]), no_text[:1], no_text[1:])
    >>> float(scores[0, 0])  # 0.8 * (4 - 1) / 4
    0.6
    """
    n_learners, n_teachers = learner_text.shape[0], teacher_text.shape[0]
    blocks = [block for _, block in score_blocks(learners, teachers, learner_text, teacher_text,
                                                 weights, bonus)]
    return stack_rows(blocks, (n_learners, n_teachers))


def score_blocks(
    learners: SkillMatrices,
    teachers: SkillMatrices,
    learner_text: sp.csr_matrix,
    teacher_text: sp.csr_matrix,
    weights: ScoreWeights | None = None,
    bonus: Callable[[np.ndarray, np.ndarray], np.ndarray] | None = None,
) -> Iterator[tuple[int, sp.csr_matrix]]:
    """Yield the score matrix in blocks of learner rows: (first row, block), in row order.

    Each block is canonical CSR (sorted indices), sized to bound the memory of its products,
    so a caller can filter or count each block before the next one is computed.
    """
    weights = weights or ScoreWeights()
    learner_code = learner_encoding(learners)
    teacher_code_t = teacher_encoding(teachers).T.tocsc()
    teacher_text_t = teacher_text.T.tocsc()
    n_learners, n_teachers = learner_code.shape[0], teacher_code_t.shape[1]
    if weights.preference == 0:
        bonus = None
    total = weights.skill + weights.text + (weights.preference if bonus is not None else 0.0)
    block_rows = max(1, _BLOCK_ENTRIES // max(1, n_teachers))
    for start in range(0, n_learners, block_rows):
        stop = min(start + block_rows, n_learners)
        gap = (learner_code[start:stop] @ teacher_code_t).tocsr() / MAX_LEVEL
        gap.eliminate_zeros()
        score = gap * (weights.skill / total)
        if weights.text > 0:
            cosine = (learner_text[start:stop] @ teacher_text_t).tocsr()
            score = score + cosine.multiply(gap > 0) * (weights.text / total)
        if bonus is not None:  # on the eligible entries only, like the text term
            extra = gap.copy()
            entry_rows = np.repeat(np.arange(start, stop, dtype=np.int64), np.diff(gap.indptr))
            extra.data = np.clip(bonus(entry_rows, gap.indices.astype(np.int64)), 0.0, 1.0) * (
                weights.preference / total)
            score = score + extra
        score = sp.csr_matrix(score)
        score.data = np.clip(np.round(score.data, 6), MIN_ELIGIBLE_SCORE, 1.0)
        score.sort_indices()
        yield start, score


def stack_rows(blocks: list[sp.csr_matrix], shape: tuple[int, int]) -> sp.csr_matrix:
    """Return the row blocks stacked into one CSR matrix, freeing each block once copied.

    Peak memory is the result plus one block, not twice the result as with ``sp.vstack``.

    Examples
    --------
    >>> top, bottom = sp.csr_matrix(np.array([[0.5, 0.0]])), sp.csr_matrix(np.array([[0.0, 0.25]]))
    >>> stack_rows([top, bottom], (2, 2)).toarray().tolist()
    [[0.5, 0.0], [0.0, 0.25]]
    """
    nnz = sum(block.nnz for block in blocks)
    index_type = np.int32 if max(nnz, *shape) < 2**31 else np.int64
    data = np.empty(nnz, np.float64)
    indices = np.empty(nnz, index_type)
    indptr = np.zeros(shape[0] + 1, index_type)
    row = at = 0
    for k in range(len(blocks)):
        block, blocks[k] = blocks[k], None  # the list no longer keeps the block alive
        data[at:at + block.nnz] = block.data
        indices[at:at + block.nnz] = block.indices
        indptr[row + 1:row + 1 + block.shape[0]] = at + block.indptr[1:]
        row, at = row + block.shape[0], at + block.nnz
        del block
    if row != shape[0]:
        raise ValueError(f"the blocks hold {row} rows; expected {shape[0]}")
    return sp.csr_matrix((data, indices, indptr), shape=shape)


def mutual_scores(directed: sp.csr_matrix) -> sp.csr_matrix:
    """Return peer-mode scores from a square directed score matrix (row learns from column).

    A pair is eligible only when each can teach the other something (both directions have an
    entry); its score is the mean of the two directions. Only the upper triangle is returned.
    """
    both_ways = directed.multiply(directed.T > 0).tocsr()
    symmetric = ((both_ways + both_ways.T) / 2).tocsr()
    upper = sp.triu(symmetric, k=1, format="csr")
    upper.data = np.round(upper.data, 6)
    upper.sort_indices()
    return upper


def symmetric(upper: sp.csr_matrix) -> sp.csr_matrix:
    """Return an upper-triangular matrix mirrored into a full symmetric one.

    Examples
    --------
    >>> symmetric(sp.csr_matrix(np.array([[0.0, 0.5], [0.0, 0.0]]))).toarray().tolist()
    [[0.0, 0.5], [0.5, 0.0]]
    """
    full = (upper + upper.T).tocsr()
    full.sort_indices()
    return full

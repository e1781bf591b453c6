"""Complementarity scores: how much a mentor can teach a mentee of what the mentee wants.

The skill value of mentor ``j`` for mentee ``i`` adds, over the mentee's wants ``s`` ranked
``r = 1, 2, …`` (1 the most wanted) that the mentor offers above the mentee's level,

    value(i, j) = sum of ratio**-(r - 1) * (7 + d) / 8,   d = level[j, s] - level[i, s] >= 1

normalised by its largest possible value, ``(11 / 8) * ratio / (ratio - 1)``, into (0, 1].
``ratio`` is 3 with ``priority="strict"`` (the default) and 1.5 with ``priority="soft"``.
Its properties, tested with Hypothesis:

- a want's weight depends on its rank alone, so listing another want never lowers what a
  mentor for an earlier want is worth;
- with ``strict``, a mentor who covers a want beats one who covers only later wants, whatever
  the level gaps (``11/8 * sum of 3**-k for k >= 1 = 11/16 < 1``); ``soft`` lets two later wants
  outweigh an earlier one;
- any real gap counts (one level is worth 1), a larger one a little more (four levels: 11/8).

With levels in 0..4, ``max(0, d) = sum over t in 1..4 of [a >= t] * [b < t]`` and
``[d >= 1] = sum over t of [a == t] * [b < t]``, so encoding each mentor as
``teach[s] * ([level >= t] + 7 [level == t]) / 8`` and each mentee as ``weight[s] * [level < t]``
turns the whole pool's value matrix into one sparse matrix product.

The score then puts the skill value on a grid of 10**-4 (at least one step for an eligible
pair) and adds a tie-breaker below one step, times 0.99 * 10**-4: the weighted mean of the
cosine of the mentee's goals and the mentor's bio and, when the round has preferences
(`matching.preferences`), their bonus in [0, 1]. So, for one mentee, text and preferences
order only mentors of equal skill value and never outweigh a skill difference. Only pairs
with a skill value (the mentor teaches something the mentee wants, above their level) are
eligible; every other pair has no
entry at all, rather than a low score.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING

import numpy as np
import scipy.sparse as sp

from matching.taxonomy import MAX_LEVEL

# Defined in a module without numpy, for the settings of the command line; used here.
from matching.weights import GAP_BASE, PRIORITY_RATIOS, ScoreWeights, gap_factor

if TYPE_CHECKING:
    from matching.vectorize import SkillMatrices

__all__ = [
    "MIN_ELIGIBLE_SCORE",
    "PRIORITY_RATIOS",
    "ScoreWeights",
    "complementarity_matrix",
    "gap_factor",
    "grid_scores",
    "learner_encoding",
    "mutual_scores",
    "rank_weight",
    "score_blocks",
    "stack_rows",
    "symmetric",
    "teacher_encoding",
    "want_value",
]

#: Scores are rounded to this resolution; an eligible pair never scores below it.
MIN_ELIGIBLE_SCORE = 1e-6
#: Steps of the skill value's grid; the tie-breakers share the room below one step.
SKILL_STEPS = 10**4
#: The largest share of one skill step the tie-breakers may fill.
TIE_ROOM = 0.99
# Bound on the entries of one block of the text product, to cap peak memory on large pools.
_BLOCK_ENTRIES = 4_000_000


def rank_weight(rank, weights: ScoreWeights):
    """Return what a want of `rank` (1 = most wanted; a number or an array) weighs, however
    many wants follow it.

    >>> rank_weight(np.array([1, 2, 3]), ScoreWeights()).round(3).tolist()
    [1.0, 0.333, 0.111]
    """
    return weights.ratio ** -(np.asarray(rank, np.float64) - 1)


def want_value(rank: int, gap: int, weights: ScoreWeights) -> float:
    """Return one covered want's part of the normalised skill value (rank 1 = most wanted).

    >>> round(want_value(1, 1, ScoreWeights()), 4)  # 1 / (11/8 * 3/2)
    0.4848
    """
    return float(rank_weight(rank, weights) * gap_factor(gap) / weights.largest_value)


def teacher_encoding(matrices: SkillMatrices) -> sp.csr_matrix:
    """Return the mentor side of the encoding, ``teach[s] * ([level >= t] + 7 [level == t]) / 8``.

    Column ``(t - 1) * n_skills + s`` holds threshold ``t`` of skill ``s``.
    """
    level = matrices.proficiency
    blocks = [
        ((level >= t) + (level == t) * GAP_BASE).multiply(matrices.teach) / (GAP_BASE + 1)
        for t in range(1, MAX_LEVEL + 1)
    ]
    return sp.hstack(blocks, format="csr", dtype=np.float64)


def learner_encoding(matrices: SkillMatrices, weights: ScoreWeights | None = None) -> sp.csr_matrix:
    """Return the mentee side of the encoding, ``weight[s] * [level[s] < t]``, normalised.

    A want of rank ``r`` weighs ``ratio**-(r - 1) / largest_value``.
    """
    weights = weights or ScoreWeights()
    want = matrices.want.astype(np.float64)
    want.data = rank_weight(want.data, weights) / weights.largest_value
    blocks = []
    for t in range(1, MAX_LEVEL + 1):
        block = (want - want.multiply(matrices.proficiency >= t)).tocsr()
        block.eliminate_zeros()
        blocks.append(block)
    return sp.hstack(blocks, format="csr", dtype=np.float64)


def grid_scores(value: np.ndarray, tie: np.ndarray) -> np.ndarray:
    """Return scores from skill values in (0, 1] and tie-breakers in [0, 1].

    The skill value takes whole steps of 1/SKILL_STEPS (at least one, and one short of the
    top so that a score stays below 1); the tie-breaker fills
    at most TIE_ROOM of one step, so it can never outweigh a step of skill.

    >>> grid_scores(np.array([0.5, 0.5, 0.5001]), np.array([0.0, 1.0, 0.0])).tolist()
    [0.5, 0.500099, 0.5001]
    """
    steps = np.clip(np.rint(value * SKILL_STEPS), 1, SKILL_STEPS - 1)
    return np.round((steps + TIE_ROOM * np.clip(tie, 0.0, 1.0)) / SKILL_STEPS, 6)


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
        An entry for each eligible pair only, with its score in ``[1e-4, 1)`` rounded to 1e-6.

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
    >>> float(scores[0, 0])  # the first want, three levels up: 1.25 / 2.0625 on the grid
    0.6061
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
    learner_code = learner_encoding(learners, weights)
    teacher_code_t = teacher_encoding(teachers).T.tocsc()
    teacher_text_t = teacher_text.T.tocsc()
    n_learners, n_teachers = learner_code.shape[0], teacher_code_t.shape[1]
    if weights.preference == 0:
        bonus = None
    # The tie-breaker is the weighted mean of the terms that apply: a pool with no preference
    # data gives the text the whole room, as before preferences existed.
    total = weights.text + (weights.preference if bonus is not None else 0.0)
    block_rows = max(1, _BLOCK_ENTRIES // max(1, n_teachers))
    for start in range(0, n_learners, block_rows):
        stop = min(start + block_rows, n_learners)
        value = (learner_code[start:stop] @ teacher_code_t).tocsr()
        value.eliminate_zeros()
        value.sort_indices()
        tie = np.zeros(value.nnz)
        if weights.text > 0:
            # The cosine read at the eligible entries only (same sparsity, sorted indices).
            cosine = (learner_text[start:stop] @ teacher_text_t).tocsr()
            tie += _values_at(cosine, value) * (weights.text / total)
        if bonus is not None:  # asked about the eligible entries only
            entry_rows = np.repeat(np.arange(start, stop, dtype=np.int64), np.diff(value.indptr))
            tie += np.clip(bonus(entry_rows, value.indices.astype(np.int64)), 0.0, 1.0) * (
                weights.preference / total)
        score = sp.csr_matrix((grid_scores(value.data, tie), value.indices, value.indptr),
                              shape=value.shape)
        yield start, score


def _values_at(matrix: sp.csr_matrix, pattern: sp.csr_matrix) -> np.ndarray:
    """Return `matrix`'s entries (0 where absent) at `pattern`'s entries, in pattern's order.

    `matrix` holds non-negative values; adding 1 on the pattern keeps every pattern entry
    stored, so the result lines up with a canonical `pattern` entry for entry.
    """
    mask = (pattern > 0).astype(np.float64)
    aligned = sp.csr_matrix(matrix.multiply(mask) + mask)
    aligned.sort_indices()
    return aligned.data - 1.0


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

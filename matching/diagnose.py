"""What a coordinator reads beside the pairs: why each pair, why each unmatched person, and
figures on stability, load and skill supply and demand.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp

from matching.encode import Pool
from matching.profiles import Profile
from matching.results import SkillBalance, Unmatched
from matching.rules import Rule, rule_hits
from matching.scoring import ScoreWeights, want_value
from matching.taxonomy import Taxonomy, describe_level

__all__ = [
    "CIRCLES_TAKEN",
    "MENTOR_TEMPLATE",
    "PEER_TEMPLATE",
    "TRIO_WOULD_WORK",
    "Contribution",
    "MentorFunnel",
    "alternatives",
    "blocking_pairs_mentor",
    "blocking_pairs_peer",
    "circle_reasons",
    "count_by_rule",
    "load_spread",
    "mentor_unmatched",
    "pair_reasons",
    "peer_reasons",
    "peer_unmatched",
    "shared_terms",
    "skill_balance",
    "skill_contributions",
    "skill_reasons",
]

#: How many next-best mentors each pair lists.
ALTERNATIVES = 3
PEER_TEMPLATE = "{teacher_id} teaches {learner_id} {skill}: {teacher} vs {learner}"

# Why a peer is left out when circles of three come into it (the words live here, once).
#: A circle of three could place them, but the round does not form circles.
TRIO_WOULD_WORK = "no mutual swap; a trio would work"
#: Circles are formed, and every one they could join was formed without them.
CIRCLES_TAKEN = ("no mutual swap, and every circle of three they could join was left for "
                 "others (more people placed, or a better score)")


# ---------------------------------------------------------------------------- why each pair

@dataclass(frozen=True)
class Contribution:
    """One skill's part in a pair's skill term: ``weight * (teacher - learner) / 4``."""

    skill: str
    teacher_level: int
    learner_level: int
    priority: int  # 1 = the learner's most wanted skill
    value: float


def skill_contributions(
    learner: Profile, teacher: Profile, weights: ScoreWeights | None = None
) -> list[Contribution]:
    """Return what `teacher` can teach `learner` of what they want, largest first.

    The values add up to the pair's skill value (before it is put on the score's grid).
    """
    weights = weights or ScoreWeights()
    teaching = set(teacher.teaching)
    contributions = []
    for rank, skill in enumerate(dict.fromkeys(learner.learn), start=1):
        gap = teacher.level(skill) - learner.level(skill)
        if skill in teaching and gap > 0:
            contributions.append(
                Contribution(skill, teacher.level(skill), learner.level(skill), rank,
                             want_value(rank, gap, weights))
            )
    contributions.sort(key=lambda c: (-c.value, c.priority))
    return contributions


MENTOR_TEMPLATE = "{skill}: mentor {teacher}, mentee {learner}"


def skill_reasons(
    learner: Profile, teacher: Profile, taxonomy: Taxonomy, *, limit: int = 3,
    template: str = MENTOR_TEMPLATE,
) -> list[str]:
    """Return readable reasons such as ``MARC 21: mentor expert (4), mentee aware (1)``.

    `template` may use {skill}, {teacher}, {learner} (levels as words and numbers) and
    {teacher_id}, {learner_id}.
    """
    return [
        template.format(
            skill=taxonomy.name(c.skill),
            teacher=describe_level(c.teacher_level),
            learner=describe_level(c.learner_level),
            teacher_id=teacher.id,
            learner_id=learner.id,
        )
        for c in skill_contributions(learner, teacher)[:limit]
    ]


def shared_terms(product: sp.csr_matrix, terms: np.ndarray, *, limit: int = 3) -> list[str]:
    """Return the terms that add most to a cosine, given the elementwise product of two rows."""
    product = product.tocoo()
    return _top_terms(product.col, product.data, terms, limit)


def _top_terms(cols: np.ndarray, values: np.ndarray, terms: np.ndarray, limit: int) -> list[str]:
    """Return the terms of the `limit` largest values, ties by column."""
    if len(cols) == 0:
        return []
    order = np.lexsort((cols, -values))[:limit]
    return [str(terms[cols[i]]) for i in order]


def pair_reasons(pool: Pool, learners: np.ndarray, teachers: np.ndarray) -> list[list[str]]:
    """Return the reasons of each (learner, teacher) pair: skills, then shared interests.

    The goals-to-bio products of all pairs are one sparse elementwise product.
    """
    shared = pool.goals[learners].multiply(pool.bios[teachers]).tocsr()
    indptr, indices, data = shared.indptr, shared.indices, shared.data
    result = []
    for position, (learner, teacher) in enumerate(zip(learners, teachers, strict=True)):
        reasons = skill_reasons(pool.profiles[learner], pool.profiles[teacher], pool.taxonomy)
        row = slice(indptr[position], indptr[position + 1])
        terms = _distinct_terms(_top_terms(indices[row], data[row], pool.terms, 3))
        if terms:
            reasons.append("goals match the mentor's background: " + ", ".join(terms))
        result.append(reasons)
    return result


def peer_reasons(pool: Pool, first: int, second: int) -> list[str]:
    """Return what each of two peers teaches the other, two skills each way."""
    a, b = pool.profiles[first], pool.profiles[second]
    return (skill_reasons(a, b, pool.taxonomy, limit=2, template=PEER_TEMPLATE)
            + skill_reasons(b, a, pool.taxonomy, limit=2, template=PEER_TEMPLATE))


def circle_reasons(pool: Pool, circle: tuple[int, int, int]) -> list[str]:
    """Return what each member of a circle teaches the next (a to b, b to c, c to a)."""
    a, b, c = (pool.profiles[k] for k in circle)
    return [reason for teacher, learner in ((a, b), (b, c), (c, a))
            for reason in skill_reasons(learner, teacher, pool.taxonomy, limit=2,
                                        template=PEER_TEMPLATE)]


def _distinct_terms(terms: list[str]) -> list[str]:
    """Drop terms that are part of a longer one already listed ("data" beside "linked data")."""
    kept: list[str] = []
    for term in sorted(terms, key=len, reverse=True):
        if not any(term in other for other in kept):
            kept.append(term)
    return [t for t in terms if t in kept]


def alternatives(candidates: sp.csr_matrix, row: int, col: int, teachers, ids):
    """Return a mentee's next best mentors after the one they got: (id, score), best first.

    Only pairs that could have been proposed count: rules and the threshold apply.
    """
    start, stop = candidates.indptr[row], candidates.indptr[row + 1]
    cols, values = candidates.indices[start:stop], candidates.data[start:stop]
    others = cols != col
    cols, values = cols[others], values[others]
    if len(values) > 4 * ALTERNATIVES:
        # Only entries at least as high as the ALTERNATIVES-th best can be listed.
        floor = np.partition(values, len(values) - ALTERNATIVES)[len(values) - ALTERNATIVES]
        contenders = values >= floor
        cols, values = cols[contenders], values[contenders]
    # Columns are in id order (the pool is sorted by id), so they break ties by id.
    order = np.lexsort((cols, -values))[:ALTERNATIVES]
    return tuple((ids[teachers[cols[i]]], float(values[i])) for i in order)


# ------------------------------------------------------------------------- stability, load

def blocking_pairs_mentor(
    score_matrix: sp.spmatrix, capacities: np.ndarray, rows: np.ndarray, cols: np.ndarray
) -> int:
    """Return how many eligible pairs would both rather have each other than what they got.

    A mentee prefers a mentor who scores higher than their own mentor (any, if unmatched); a
    mentor prefers a mentee who scores higher than their weakest mentee (any, if not full).

    Examples
    --------
    >>> scores = sp.csr_matrix(np.array([[0.9, 0.5], [0.8, 0.0]]))
    >>> blocking_pairs_mentor(scores, np.array([1, 1]), np.array([0, 1]), np.array([1, 0]))
    1
    """
    coo = sp.coo_matrix(score_matrix)
    n_rows, n_cols = score_matrix.shape
    capacities = np.asarray(capacities)
    own_score = np.full(n_rows, -np.inf)
    own_score[rows] = np.asarray(score_matrix[rows, cols]).ravel()
    load = np.bincount(cols, minlength=n_cols)
    weakest = np.full(n_cols, np.inf)
    np.minimum.at(weakest, cols, own_score[rows])
    weakest[load < capacities] = -np.inf
    assigned = np.zeros(n_rows, dtype=np.int64) - 1
    assigned[rows] = cols
    blocking = (
        (assigned[coo.row] != coo.col)
        & (coo.data > own_score[coo.row])
        & (coo.data > weakest[coo.col])
    )
    return int(blocking.sum())


def blocking_pairs_peer(score_matrix: sp.spmatrix, first: np.ndarray, second: np.ndarray,
                        circles=(), circle_scores=()) -> int:
    """Return how many eligible peer pairs both prefer each other to their partners.

    `score_matrix` is upper-triangular, as in `max_weight_peer_matching`. A member of one of
    `circles` (triples of indices) has that circle's score as their own.
    """
    upper = sp.triu(sp.csr_matrix(score_matrix), k=1).tocoo()
    n = score_matrix.shape[0]
    own = np.full(n, -np.inf)
    partner = np.full(n, -1)
    if len(first):
        pair_scores = np.asarray(sp.csr_matrix(score_matrix)[first, second]).ravel()
        own[first], own[second] = pair_scores, pair_scores
        partner[first], partner[second] = second, first
    for circle, score in zip(circles, circle_scores, strict=True):
        own[list(circle)] = score
        partner[list(circle)] = n  # nobody: a circle is never one pair
    blocking = (
        (partner[upper.row] != upper.col)
        & (upper.data > own[upper.row])
        & (upper.data > own[upper.col])
    )
    return int(blocking.sum())


def load_spread(capacities: np.ndarray, cols: np.ndarray) -> dict[str, float]:
    """Return mentor load figures: min, max and mean mentees per mentor, and full and idle counts."""
    capacities = np.asarray(capacities)
    offering = capacities > 0
    load = np.bincount(cols, minlength=len(capacities))[offering]
    if load.size == 0:
        return {"min": 0, "max": 0, "mean": 0.0, "full": 0, "idle": 0}
    return {
        "min": int(load.min()),
        "max": int(load.max()),
        "mean": round(float(load.mean()), 3),
        "full": int((load >= capacities[offering]).sum()),
        "idle": int((load == 0).sum()),
    }


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


# ------------------------------------------------------------------ why each unmatched person

def row_counts(matrix: sp.csr_matrix) -> np.ndarray:
    """Return the number of stored entries of each row."""
    return np.diff(matrix.indptr)


def col_counts(matrix: sp.csr_matrix) -> np.ndarray:
    """Return the number of stored entries of each column."""
    return np.bincount(matrix.indices, minlength=matrix.shape[1])


def count_by_rule(raw: sp.csr_matrix, rules) -> dict[Rule, np.ndarray]:
    """Return, per rule, how many of each row's eligible candidates it excludes.

    Examples
    --------
    >>> raw = sp.csr_matrix(np.array([[0.5, 0.5], [0.5, 0.0]]))
    >>> counts = count_by_rule(raw, {Rule.AVOID: (np.array([0, 1, 1]), np.array([1, 0, 1]))})
    >>> counts[Rule.AVOID].tolist()   # (1, 1) is not eligible, so it counts for nothing
    [1, 1]
    """
    counts = {}
    entry_rows = np.repeat(np.arange(raw.shape[0]), np.diff(raw.indptr))
    for rule, forbidden in rules.items():
        counts[rule] = np.bincount(entry_rows[rule_hits(raw, forbidden)], minlength=raw.shape[0])
    return counts


def excluded_reason(total: int, counts: dict[Rule, np.ndarray], row: int) -> str:
    """Return the reason for a row whose every candidate a rule excluded, counted by rule."""
    parts = ", ".join(f"{rule} {int(c[row])}" for rule, c in counts.items() if c[row])
    return f"all {total} eligible candidates excluded ({parts})"


@dataclass(frozen=True)
class MentorFunnel:
    """How many pairs each mentee (row) and mentor (column) keeps after each step.

    raw : every eligible pair. allowed : after the hard rules. candidates : after the threshold.
    solvable : after the fairness threshold (and without locked mentees). Holding counts, not
    matrices, lets the pipeline free the eligible-pair matrix before the assignment.
    """

    raw_rows: np.ndarray
    raw_cols: np.ndarray
    rule_counts: dict[Rule, np.ndarray]
    allowed: sp.csr_matrix
    candidates: sp.csr_matrix
    solvable_rows: np.ndarray


def mentor_unmatched(pool: Pool, learner_pos: dict[int, int], teacher_pos: dict[int, int],
                     funnel: MentorFunnel, placed: set[str], min_score: float,
                     fair_threshold: float | None) -> list[Unmatched]:
    """Return everyone without a pair in mentor mode, with what kept them out.

    `placed` holds the ids not to list: mentees with a mentor, and mentors with mentees who
    are not themselves seeking a mentor.
    """
    raw_counts, allowed_counts = funnel.raw_rows, row_counts(funnel.allowed)
    candidate_counts, solvable_counts = row_counts(funnel.candidates), funnel.solvable_rows
    raw_cols, allowed_cols = funnel.raw_cols, col_counts(funnel.allowed)
    candidate_cols = col_counts(funnel.candidates)
    unmatched = []
    for row, profile in enumerate(pool.profiles):
        if profile.id in placed:
            continue
        if row in learner_pos:
            k = learner_pos[row]
            if raw_counts[k] == 0:
                reason = (f"nobody taking mentees teaches what they want "
                          f"({pool.wanted_names(row)}) above their level")
            elif allowed_counts[k] == 0:
                reason = excluded_reason(int(raw_counts[k]), funnel.rule_counts, k)
            elif candidate_counts[k] == 0:
                best = float(funnel.allowed[k].max())
                reason = (f"all {int(allowed_counts[k])} candidates score below the threshold "
                          f"{min_score:g} (best {best:.3f})")
            elif fair_threshold is not None and solvable_counts[k] == 0:
                reason = (f"every candidate scores below {fair_threshold:.3f}, the lowest score "
                          "the fair assignment gives any mentee it places (locked pairs aside)")
            else:
                reason = (f"every eligible mentor ({int(candidate_counts[k])}) is already full "
                          "with mentees who had fewer or weaker options")
        elif profile.role.learns and not profile.role.mentors:
            reason = "no learning goals: they listed nothing to learn"
        elif row in teacher_pos:
            k = teacher_pos[row]
            if raw_cols[k] == 0:
                reason = "no mentee in the pool wants what they teach above the mentee's level"
            elif allowed_cols[k] == 0:
                reason = f"all {int(raw_cols[k])} mentees who could learn from them are excluded"
            elif candidate_cols[k] == 0:
                reason = f"all candidate mentees score below the threshold {min_score:g}"
            else:
                reason = "every mentee who could learn from them was matched with a better fit"
        else:
            not_mentoring = (
                "capacity 0: not taking mentees this round" if profile.capacity == 0
                else "offers nothing to teach (no teach list and no skill rated 3 or more)"
            )
            not_learning = (
                "role mentor, so their learning goals are not matched in mentor mode"
                if profile.learn else "no learning goals"
            )
            reason = f"{not_mentoring}; {not_learning}"
        unmatched.append(Unmatched(profile.id, reason, "mentee" if row in learner_pos else "mentor"))
    return unmatched


def peer_unmatched(pool: Pool, partner_of: dict[int, int], directed: sp.csr_matrix,
                   mutual: sp.csr_matrix, allowed: sp.csr_matrix, candidates: sp.csr_matrix,
                   rule_counts: dict[Rule, np.ndarray], min_score: float, *,
                   in_circles: frozenset[int] = frozenset(),
                   circles_formed: bool = False) -> list[Unmatched]:
    """Return everyone without a partner in peer mode, with what kept them out.

    `mutual`, `allowed` and `candidates` are symmetric: every mutual pair, those the rules
    allow, and those at or above the threshold. `in_circles` holds the people some eligible
    circle of three takes in; `circles_formed` says whether the run formed circles.
    """
    directed_counts, mutual_counts = row_counts(directed), row_counts(mutual)
    allowed_counts, candidate_counts = row_counts(allowed), row_counts(candidates)
    unmatched = []
    for row, profile in enumerate(pool.profiles):
        if row in partner_of:
            continue
        if not profile.learn:
            reason = "no learning goals: a peer swap needs something to learn"
        elif directed_counts[row] == 0:
            reason = (f"nobody in the pool teaches what they want ({pool.wanted_names(row)}) "
                      "above their level")
        elif candidate_counts[row] == 0 and row in in_circles:
            reason = CIRCLES_TAKEN if circles_formed else TRIO_WOULD_WORK
        elif mutual_counts[row] == 0:
            reason = "nobody who can teach them wants to learn anything they teach"
        elif allowed_counts[row] == 0:
            reason = excluded_reason(int(mutual_counts[row]), rule_counts, row)
        elif candidate_counts[row] == 0:
            reason = f"all possible partners score below the threshold {min_score:g}"
        else:
            reason = (f"all {int(candidate_counts[row])} possible partners were paired with "
                      "someone else")
        unmatched.append(Unmatched(profile.id, reason, "peer"))
    return unmatched

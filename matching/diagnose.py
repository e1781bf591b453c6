"""What a coordinator reads beside the pairs: why each pair, why each unmatched person, and
figures on stability, load and skill supply and demand.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import scipy.sparse as sp

from matching.encode import Pool
from matching.explain import reason
from matching.profiles import DEFAULT_TEACH_LEVEL, Profile
from matching.results import SkillBalance, Unmatched
from matching.rules import Rule, rule_hits
from matching.scoring import ScoreWeights, want_value

__all__ = [
    "Contribution",
    "MentorAssignment",
    "MentorFunnel",
    "WantFacts",
    "alternatives",
    "blocking_pairs_mentor",
    "blocking_pairs_peer",
    "circle_reasons",
    "close_call",
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


def skill_reasons(learner: Profile, teacher: Profile, *, limit: int = 3,
                  peer: bool = False) -> list[dict[str, Any]]:
    """Return what `teacher` can teach `learner`, as reason codes, largest part first.

    Mentor mode gives ``skill`` reasons (skill, both levels, the want's rank); `peer` gives
    ``peer_skill`` reasons, which also name who teaches whom.

    Examples
    --------
    >>> skill_reasons(Profile("a", learn=("marc21",)), Profile("b", levels={"marc21": 4}))
    [{'code': 'skill', 'skill': 'marc21', 'mentor_level': 4, 'mentee_level': 0, 'rank': 1}]
    """
    reasons = []
    for c in skill_contributions(learner, teacher)[:limit]:
        if peer:
            reasons.append(reason("peer_skill", teacher=teacher.id, learner=learner.id,
                                  skill=c.skill, teacher_level=c.teacher_level,
                                  learner_level=c.learner_level, rank=c.priority))
        else:
            reasons.append(reason("skill", skill=c.skill, mentor_level=c.teacher_level,
                                  mentee_level=c.learner_level, rank=c.priority))
    return reasons


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


def pair_reasons(pool: Pool, learners: np.ndarray,
                 teachers: np.ndarray) -> list[list[dict[str, Any]]]:
    """Return the reasons of each (learner, teacher) pair: skills, then shared interests.

    The goals-to-bio products of all pairs are one sparse elementwise product.
    """
    shared = pool.goals[learners].multiply(pool.bios[teachers]).tocsr()
    indptr, indices, data = shared.indptr, shared.indices, shared.data
    result = []
    for position, (learner, teacher) in enumerate(zip(learners, teachers, strict=True)):
        reasons = skill_reasons(pool.profiles[learner], pool.profiles[teacher])
        row = slice(indptr[position], indptr[position + 1])
        terms = _distinct_terms(_top_terms(indices[row], data[row], pool.terms, 3))
        if terms:
            reasons.append(reason("shared_terms", terms=terms))
        result.append(reasons)
    return result


def peer_reasons(pool: Pool, first: int, second: int) -> list[dict[str, Any]]:
    """Return what each of two peers teaches the other, two skills each way."""
    a, b = pool.profiles[first], pool.profiles[second]
    return (skill_reasons(a, b, limit=2, peer=True) + skill_reasons(b, a, limit=2, peer=True))


def close_call(score: float, alternatives_: tuple[tuple[str, float], ...],
               margin: float) -> dict[str, Any] | None:
    """Return a ``close_call`` reason naming the best other mentor who scores within `margin`
    of the pair's score (above or below), or None.

    Examples
    --------
    >>> close_call(0.60, (("a@x", 0.70), ("b@x", 0.59), ("c@x", 0.40)), 0.02)["other"]
    'b@x'
    >>> close_call(0.60, (("b@x", 0.50),), 0.02) is None
    True
    """
    if margin <= 0:
        return None
    for other, other_score in alternatives_:  # best first
        if abs(other_score - score) <= margin:
            return reason("close_call", other=other, score=round(float(score), 6),
                          other_score=round(float(other_score), 6), margin=margin)
    return None


def circle_reasons(pool: Pool, circle: tuple[int, int, int]) -> list[dict[str, Any]]:
    """Return what each member of a circle teaches the next (a to b, b to c, c to a)."""
    a, b, c = (pool.profiles[k] for k in circle)
    return [found for teacher, learner in ((a, b), (b, c), (c, a))
            for found in skill_reasons(learner, teacher, limit=2, peer=True)]


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


def _rule_counts(counts: dict[Rule, np.ndarray], row: int) -> dict[str, int]:
    """Return, by rule name (lower case), how many of a row's candidates each rule excluded."""
    return {rule.name.lower(): int(c[row]) for rule, c in counts.items() if c[row]}


def _best_first(cols: np.ndarray, values: np.ndarray) -> np.ndarray:
    """Return the positions of `values` from highest to lowest, ties by column (so by id)."""
    return np.lexsort((cols, -values))


class WantFacts:
    """Who in the pool rates, offers and can teach each skill: the details of unmet wants.

    teacher_rows : the people who may teach in this mode (mentor mode: those taking mentees;
        peer mode: everyone).
    """

    def __init__(self, pool: Pool, teacher_rows: np.ndarray) -> None:
        self.pool = pool
        self.is_teacher = np.zeros(len(pool.profiles), bool)
        self.is_teacher[np.asarray(teacher_rows, np.int64)] = True
        holders: dict[str, list[tuple[int, int, bool]]] = {}
        for row, profile in enumerate(pool.profiles):
            teaching = set(profile.teaching)
            for skill, level in profile.levels.items():
                if level:
                    holders.setdefault(skill, []).append((row, level, skill in teaching))
        self.holders = {skill: (np.array([r for r, _, _ in found], np.int64),
                                np.array([lv for _, lv, _ in found], np.int64),
                                np.array([t for _, _, t in found], bool))
                        for skill, found in holders.items()}

    def chain_of(self, row: int) -> list[str]:
        """Return the ids of a person's manager, their manager's manager, and so on."""
        chain, seen = [], {self.pool.ids[row]}
        manager = self.pool.profiles[row].manager
        while manager is not None and manager not in seen:
            chain.append(manager)
            seen.add(manager)
            manager = self.pool.managers.get(manager)
        return chain

    def details(self, row: int, *, colleagues: int = 2) -> list[dict[str, Any]]:
        """Return, for each want of a person nobody outside their chain can teach, what could be
        done: the colleagues who rate it 3+ but do not offer it, or that nobody has it, or that
        only their management chain teaches it."""
        profile = self.pool.profiles[row]
        found = []
        empty = (np.zeros(0, np.int64), np.zeros(0, np.int64), np.zeros(0, bool))
        for skill in profile.learn:
            rows, levels, offered = self.holders.get(skill, empty)
            above = (levels > profile.level(skill)) & (rows != row)
            teaching = above & offered & self.is_teacher[rows]
            if teaching.any():
                chain = set(self.chain_of(row))
                teachers = [self.pool.ids[r] for r in rows[teaching]]
                if all(t in chain for t in teachers):
                    found.append(reason("only_manager_chain", skill=skill, people=teachers))
                continue
            able = above & (levels >= DEFAULT_TEACH_LEVEL)
            if not able.any():
                found.append(reason("nobody_has", skill=skill))
                continue
            order = np.lexsort((rows[able], -levels[able]))[:colleagues]
            for position in order:
                person = int(rows[able][position])
                why = "not_offered" if not offered[able][position] else "not_mentoring"
                found.append(reason("untaught_colleague", skill=skill,
                                    person=self.pool.ids[person],
                                    level=int(levels[able][position]), why=why))
        return found


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


@dataclass(frozen=True)
class MentorAssignment:
    """The pairs of a mentor-mode run by position: mentee rows, mentor columns, scores, locks."""

    rows: np.ndarray
    cols: np.ndarray
    scores: np.ndarray
    locked: np.ndarray


def mentor_unmatched(pool: Pool, learners: np.ndarray, teachers: np.ndarray,
                     capacities: np.ndarray, funnel: MentorFunnel, assignment: MentorAssignment,
                     min_score: float, fair_threshold: float | None) -> list[Unmatched]:
    """Return every mentee without a mentor, every mentor offer with a free place, and everyone
    who takes part in neither way, each with what kept them out, computed from the assignment.

    A role-both person may be listed twice: as a mentee without a mentor and as a mentor with
    a free place.
    """
    learner_pos = {int(i): k for k, i in enumerate(learners)}
    teacher_pos = {int(j): k for k, j in enumerate(teachers)}
    raw_counts, allowed_counts = funnel.raw_rows, row_counts(funnel.allowed)
    candidate_counts, solvable_counts = row_counts(funnel.candidates), funnel.solvable_rows
    raw_cols, allowed_cols = funnel.raw_cols, col_counts(funnel.allowed)
    candidate_cols = col_counts(funnel.candidates)
    load = np.bincount(assignment.cols, minlength=len(teachers))
    mentor_of = {int(r): (int(c), float(s)) for r, c, s in
                 zip(assignment.rows, assignment.cols, assignment.scores, strict=True)}
    seats: dict[int, list[tuple[float, int, bool]]] = {}
    for r, c, score, is_locked in zip(assignment.rows, assignment.cols, assignment.scores,
                                      assignment.locked, strict=True):
        seats.setdefault(int(c), []).append((float(score), int(r), bool(is_locked)))
    own_mentor = np.full(len(learners), -1, np.int64)
    own_mentor[assignment.rows] = assignment.cols
    own_score = np.full(len(learners), -np.inf)
    own_score[assignment.rows] = assignment.scores
    facts = WantFacts(pool, teachers)
    by_column: dict[str, sp.csc_matrix] = {}

    def column(name: str, k: int) -> tuple[np.ndarray, np.ndarray]:
        if name not in by_column:  # converted once, and only when an idle offer needs it
            by_column[name] = getattr(funnel, name).tocsc()
        matrix = by_column[name]
        part = slice(matrix.indptr[k], matrix.indptr[k + 1])
        return matrix.indices[part], matrix.data[part]

    def mentee_report(k: int, row: int) -> tuple[dict[str, Any], list[dict[str, Any]]]:
        if raw_counts[k] == 0:
            return (reason("no_teacher", wants=list(pool.profiles[row].learn), mode="mentor"),
                    facts.details(row))
        if allowed_counts[k] == 0:
            return (reason("excluded", total=int(raw_counts[k]),
                           rules=_rule_counts(funnel.rule_counts, k)), facts.details(row))
        if candidate_counts[k] == 0:
            return reason("below_threshold", candidates=int(allowed_counts[k]),
                          threshold=min_score, best=round(float(funnel.allowed[k].max()), 6)), []
        if fair_threshold is not None and solvable_counts[k] == 0:
            return reason("below_fair_threshold", threshold=round(fair_threshold, 6)), []
        start, stop = funnel.candidates.indptr[k], funnel.candidates.indptr[k + 1]
        cols, values = funnel.candidates.indices[start:stop], funnel.candidates.data[start:stop]
        for position in _best_first(cols, values):
            c = int(cols[position])
            if load[c] < capacities[c] or c not in seats:
                continue
            # The last place: the weakest of the mentor's mentees (the latest id on a tie).
            holder_score, holder, holder_locked = min(seats[c], key=lambda s: (s[0], -s[1]))
            return reason("seat_taken", candidates=int(candidate_counts[k]),
                          mentor=pool.ids[teachers[c]], score=round(float(values[position]), 6),
                          holder=pool.ids[learners[holder]], holder_score=round(holder_score, 6),
                          locked=holder_locked), []
        return reason("not_placed", candidates=int(candidate_counts[k])), []

    def offer_report(k: int) -> dict[str, Any]:
        places = {"free": int(capacities[k] - load[k]), "capacity": int(capacities[k])}
        if load[k] == 0 and raw_cols[k] == 0:
            return reason("no_demand", **places)
        if load[k] == 0 and allowed_cols[k] == 0:
            return reason("mentees_excluded", **places, total=int(raw_cols[k]), rules={})
        if load[k] == 0 and candidate_cols[k] == 0:
            _, values = column("allowed", k)
            return reason("mentees_below_threshold", **places, candidates=int(allowed_cols[k]),
                          threshold=min_score, best=round(float(values.max()), 6))
        rows, values = column("candidates", k)
        others = own_mentor[rows] != k
        rows, values = rows[others], values[others]
        if len(rows) == 0:
            return reason("no_more_mentees", **places)
        # The closest: the smallest lead of their own mentor over this one (unmatched first),
        # ties by row, so by id.
        closest = int(np.lexsort((rows, own_score[rows] - values))[0])
        mentee, here = int(rows[closest]), float(values[closest])
        their = mentor_of.get(mentee)
        return reason("mentees_placed_elsewhere", **places, candidates=len(rows),
                      mentee=pool.ids[learners[mentee]], score=round(here, 6),
                      their_mentor=None if their is None else pool.ids[teachers[their[0]]],
                      their_score=None if their is None else round(their[1], 6))

    unmatched = []
    for row, profile in enumerate(pool.profiles):
        k, t = learner_pos.get(row), teacher_pos.get(row)
        if k is not None and k not in mentor_of:
            why, details = mentee_report(k, row)
            unmatched.append(Unmatched(profile.id, why, "mentee", tuple(details)))
        if t is not None and load[t] < capacities[t]:
            unmatched.append(Unmatched(profile.id, offer_report(t), "mentor"))
        if k is None and t is None:
            if profile.role.learns and not profile.role.mentors:
                unmatched.append(Unmatched(profile.id, reason("no_goals", mode="mentor"), "mentee"))
            else:
                unmatched.append(Unmatched(profile.id, reason(
                    "not_taking_part", role=str(profile.role), capacity=profile.capacity,
                    offers=len(profile.teaching), wants=len(profile.learn)), "mentor"))
    return unmatched


def peer_unmatched(pool: Pool, partner_of: dict[int, int], directed: sp.csr_matrix,
                   allowed_directed: sp.csr_matrix, mutual: sp.csr_matrix,
                   allowed: sp.csr_matrix, candidates: sp.csr_matrix,
                   rule_counts: dict[Rule, np.ndarray], min_score: float, *,
                   in_circles: frozenset[int] = frozenset(),
                   circles_formed: bool = False) -> list[Unmatched]:
    """Return everyone without a partner in peer mode, with what kept them out.

    `directed` scores learner rows against teacher columns, `allowed_directed` without the
    pairs the rules forbid; `mutual`, `allowed` and `candidates` are symmetric: every mutual
    pair, those the rules allow, and those at or above the threshold. `in_circles` holds the
    people some eligible circle of three takes in; `circles_formed` says whether the run
    formed circles.
    """
    directed_counts, mutual_counts = row_counts(directed), row_counts(mutual)
    allowed_counts, candidate_counts = row_counts(allowed), row_counts(candidates)
    facts = WantFacts(pool, np.arange(len(pool.profiles)))
    learners_of: list[sp.csc_matrix] = []

    def trio(row: int) -> dict[str, Any] | None:
        # i <- j <- k <- i: j teaches i, k teaches j, i teaches k; all three pairs allowed.
        if not learners_of:
            learners_of.append(allowed_directed.tocsc())
        taught = learners_of[0]
        mine = set(taught.indices[taught.indptr[row]:taught.indptr[row + 1]].tolist())
        start, stop = allowed_directed.indptr[row], allowed_directed.indptr[row + 1]
        teachers, values = allowed_directed.indices[start:stop], allowed_directed.data[start:stop]
        for position in _best_first(teachers, values):
            j = int(teachers[position])
            of_j = allowed_directed.indices[allowed_directed.indptr[j]:allowed_directed.indptr[j + 1]]
            for k in of_j.tolist():
                if k in mine and k not in (row, j):
                    return reason("trio_possible", people=[pool.ids[j], pool.ids[k]])
        return None

    unmatched = []
    for row, profile in enumerate(pool.profiles):
        if row in partner_of:
            continue
        details: list[dict[str, Any]] = []
        if not profile.learn:
            why = reason("no_goals", mode="peer")
        elif directed_counts[row] == 0:
            why = reason("no_teacher", wants=list(profile.learn), mode="peer")
            details = facts.details(row)
        elif candidate_counts[row] == 0 and row in in_circles:
            # No pair is possible, but a circle of three is: either the run formed circles
            # and left this one's to others, or circles are off and one would have worked.
            found = None if circles_formed else trio(row)
            why = found or reason("circles_taken" if circles_formed else "no_mutual_swap",
                                  **({} if circles_formed
                                     else {"teachers": int(directed_counts[row])}))
        elif mutual_counts[row] == 0:
            why = reason("no_mutual_swap", teachers=int(directed_counts[row]))
            found = trio(row)
            details = [found] if found else []
        elif allowed_counts[row] == 0:
            why = reason("excluded", total=int(mutual_counts[row]),
                         rules=_rule_counts(rule_counts, row))
            details = facts.details(row)
        elif candidate_counts[row] == 0:
            why = reason("below_threshold", candidates=int(allowed_counts[row]),
                         threshold=min_score, best=round(float(allowed[row].max()), 6))
        else:
            start, stop = candidates.indptr[row], candidates.indptr[row + 1]
            cols, values = candidates.indices[start:stop], candidates.data[start:stop]
            best = next((p for p in _best_first(cols, values) if int(cols[p]) in partner_of),
                        None)
            if best is None:
                why = reason("not_placed", candidates=int(candidate_counts[row]))
            else:
                partner = int(cols[best])
                holder = partner_of[partner]
                why = reason("partner_taken", candidates=int(candidate_counts[row]),
                             partner=pool.ids[partner], score=round(float(values[best]), 6),
                             holder=pool.ids[holder],
                             holder_score=round(float(mutual[partner, holder]), 6))
        unmatched.append(Unmatched(profile.id, why, "peer", tuple(details)))
    return unmatched

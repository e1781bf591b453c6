"""The matching pipeline: profiles -> matrices -> scores -> rules -> optimal pairs -> report.

This module maps person ids to matrix rows and back (the encoder); the solvers in
`matching.assignment` and `matching.peer` see only matrices.

Determinism: profiles are put in order of id before anything is computed, so the same people
give the same pairs whatever order they arrive in. Among assignments of equal value, the one
found on that order wins (so ties go the same way every run).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

import numpy as np
import scipy.sparse as sp

from matching.assignment import max_min_score_threshold, max_weight_assignment
from matching.constraints import Rule, drop_pairs, excluded_pairs, pair_keys
from matching.diagnostics import blocking_pairs_mentor, blocking_pairs_peer, load_spread
from matching.encoder import Pool
from matching.exceptions import InfeasibleLockError
from matching.explain import skill_reasons
from matching.peer import max_weight_peer_matching
from matching.profiles import Profile
from matching.scoring import ScoreWeights, mutual_scores
from matching.taxonomy import Taxonomy

__all__ = [
    "ENGINE_VERSION",
    "MatchResult",
    "MatchSettings",
    "Mode",
    "Pair",
    "SkillBalance",
    "Unmatched",
    "match_profiles",
]

ENGINE_VERSION = "1.0"
ALTERNATIVES = 3
PEER_TEMPLATE = "{teacher_id} teaches {learner_id} {skill}: {teacher} vs {learner}"
Progress = Callable[[str, float], None]


class Mode(StrEnum):
    """Mentor mode (one mentor, several mentees) or peer mode (skill swaps two by two)."""

    MENTOR = "mentor"
    PEER = "peer"


@dataclass(frozen=True)
class MatchSettings:
    """Everything a run may change. Pairs of ids are unordered except `locks`.

    locks : (mentor id, mentee id) pairs kept exactly; in peer mode, any two peers.
    """

    mode: Mode = Mode.MENTOR
    weights: ScoreWeights = field(default_factory=ScoreWeights)
    min_score: float = 0.0
    fair: bool = False
    allow_same_manager: bool = False
    avoid: tuple[tuple[str, str], ...] = ()
    previous: tuple[tuple[str, str], ...] = ()
    locks: tuple[tuple[str, str], ...] = ()

    def __post_init__(self) -> None:
        if not 0.0 <= self.min_score <= 1.0:  # also false for NaN
            raise ValueError(f"min_score must be between 0 and 1, not {self.min_score}")


@dataclass(frozen=True)
class Pair:
    """A proposed pair. In peer mode `mentor` and `mentee` are the two peers (ordered by id)."""

    mentor: str
    mentee: str
    score: float
    reasons: tuple[str, ...]
    alternatives: tuple[tuple[str, float], ...] = ()
    locked: bool = False


@dataclass(frozen=True)
class Unmatched:
    """A person left without a pair, and what kept them out.

    side : "mentee" (wanted a mentor), "mentor" (offered to mentor) or "peer".
    """

    id: str
    reason: str
    side: str = "mentee"


@dataclass(frozen=True)
class SkillBalance:
    """One skill's demand (want to learn), supply (offer to teach) and met demand."""

    skill: str
    demand: int
    supply: int
    met: int


@dataclass(frozen=True)
class MatchResult:
    """The outcome of a run: pairs, the unmatched with reasons, a summary and the skill table."""

    mode: Mode
    pairs: tuple[Pair, ...]
    unmatched: tuple[Unmatched, ...]
    summary: dict[str, Any]
    skills: tuple[SkillBalance, ...]

    def to_dict(self) -> dict[str, Any]:
        """Return the JSON interchange form of the result."""
        if self.mode is Mode.MENTOR:
            pairs = [
                {
                    "mentor": p.mentor,
                    "mentee": p.mentee,
                    "score": p.score,
                    "reasons": list(p.reasons),
                    "alternatives": [{"mentor": m, "score": s} for m, s in p.alternatives],
                    "locked": p.locked,
                }
                for p in self.pairs
            ]
        else:
            pairs = [
                {"people": [p.mentor, p.mentee], "score": p.score, "reasons": list(p.reasons),
                 "locked": p.locked}
                for p in self.pairs
            ]
        return {
            "mode": str(self.mode),
            "pairs": pairs,
            "unmatched": [{"email": u.id, "reason": u.reason, "side": u.side}
                          for u in self.unmatched],
            "summary": self.summary,
            "skills": [
                {"skill": s.skill, "demand": s.demand, "supply": s.supply, "met": s.met}
                for s in self.skills
            ],
        }


def _no_progress(stage: str, fraction: float) -> None:
    """Ignore progress reports."""


def match_profiles(
    profiles: Sequence[Profile],
    *,
    taxonomy: Taxonomy,
    settings: MatchSettings | None = None,
    progress: Progress | None = None,
) -> MatchResult:
    """Return the optimal pairs of a pool of profiles, with reasons and diagnostics.

    Raises ValueError for profiles that do not fit the taxonomy (unknown skill, duplicate id,
    unknown manager) and InfeasibleLockError when a locked pair breaks a hard rule.
    """
    settings = settings or MatchSettings()
    report = progress or _no_progress
    pool = Pool(sorted(profiles, key=lambda p: p.id), taxonomy)
    report("vectorising", 0.05)
    if settings.mode is Mode.MENTOR:
        return _match_mentor(pool, settings, report)
    return _match_peer(pool, settings, report)


def _exclusions(pool: Pool, learners, teachers, settings: MatchSettings):
    return excluded_pairs(
        [pool.ids[i] for i in learners],
        [pool.ids[j] for j in teachers],
        pool.managers,
        allow_same_manager=settings.allow_same_manager,
        avoid=settings.avoid,
        previous=settings.previous,
    )


def _rule_counts(raw: sp.csr_matrix, rules) -> dict[Rule, np.ndarray]:
    """Return, per rule, how many of each row's eligible candidates it excludes."""
    coo = raw.tocoo()
    keys = pair_keys(coo.row, coo.col, raw.shape[1])
    counts = {}
    for rule, (rows, cols) in rules.items():
        hit = np.isin(keys, pair_keys(rows, cols, raw.shape[1]))
        counts[rule] = np.bincount(coo.row[hit], minlength=raw.shape[0])
    return counts


def _without_rules(raw: sp.csr_matrix, rules) -> sp.csr_matrix:
    if not rules:
        return raw
    rows = np.concatenate([r for r, _ in rules.values()])
    cols = np.concatenate([c for _, c in rules.values()])
    return drop_pairs(raw, rows, cols)


def _at_least(matrix: sp.csr_matrix, threshold: float) -> sp.csr_matrix:
    """Return `matrix` keeping only entries >= threshold (explicitly, so 0 stays 'no edge')."""
    coo = matrix.tocoo()
    keep = coo.data >= threshold
    result = sp.csr_matrix((coo.data[keep], (coo.row[keep], coo.col[keep])), shape=matrix.shape)
    result.sort_indices()
    return result


def _row_count(matrix: sp.csr_matrix) -> np.ndarray:
    return np.diff(matrix.indptr)


def _excluded_reason(total: int, counts: dict[Rule, np.ndarray], row: int) -> str:
    parts = ", ".join(f"{rule} {int(c[row])}" for rule, c in counts.items() if c[row])
    return f"all {total} eligible candidates excluded ({parts})"


def _match_mentor(pool: Pool, settings: MatchSettings, report: Progress) -> MatchResult:
    profiles = pool.profiles
    learners = np.array([i for i, p in enumerate(profiles) if p.role.learns and p.learn], np.int64)
    teachers = np.array(
        [i for i, p in enumerate(profiles) if p.role.mentors and p.capacity > 0 and p.teaching],
        np.int64,
    )
    learner_pos = {int(i): k for k, i in enumerate(learners)}
    teacher_pos = {int(j): k for k, j in enumerate(teachers)}
    capacities = np.array([profiles[j].capacity for j in teachers], np.int64)

    report("scoring", 0.15)
    raw = pool.scores(learners, teachers, settings.weights)
    rules = _exclusions(pool, learners, teachers, settings)
    allowed = _without_rules(raw, rules)

    # Locks: validated against the hard rules, then taken out of the problem.
    locked_rows, locked_cols = _check_mentor_locks(pool, settings, rules, learner_pos, teacher_pos,
                                                   capacities)
    free_capacity = capacities - np.bincount(locked_cols, minlength=len(teachers))
    candidates = _at_least(allowed, settings.min_score) if settings.min_score > 0 else allowed
    solvable = candidates
    if len(locked_rows):
        solvable = drop_pairs(candidates, *_all_cols(locked_rows, candidates.shape[1]))

    report("assigning", 0.35)
    fair_threshold = None
    if settings.fair:
        fair_threshold = max_min_score_threshold(solvable, free_capacity)
        solvable = _at_least(solvable, fair_threshold)
    assignment = max_weight_assignment(solvable, free_capacity)
    rows = np.concatenate([locked_rows, assignment.rows])
    cols = np.concatenate([locked_cols, assignment.cols])
    locked = np.zeros(len(rows), bool)
    locked[: len(locked_rows)] = True

    report("explaining", 0.85)
    order = np.lexsort((cols, rows))  # by mentee, i.e. by mentee id
    rows, cols, locked = rows[order], cols[order], locked[order]
    pair_scores = np.asarray(raw[rows, cols]).ravel() if len(rows) else np.zeros(0)
    all_reasons = pool.reasons(learners[rows], teachers[cols])
    pairs = []
    mentor_of = {}
    for r, c, score, reasons, is_locked in zip(rows, cols, pair_scores, all_reasons, locked,
                                               strict=True):
        learner, teacher = int(learners[r]), int(teachers[c])
        mentor_of[learner] = teacher
        if is_locked:
            reasons.insert(0, "locked by the coordinator")
        pairs.append(Pair(
            mentor=pool.ids[teacher], mentee=pool.ids[learner], score=float(score),
            reasons=tuple(reasons),
            alternatives=_alternatives(candidates, r, c, teachers, pool.ids),
            locked=bool(is_locked),
        ))

    has_mentor = {p.mentee for p in pairs}
    has_mentees = {p.mentor for p in pairs}
    raw_counts, allowed_counts = _row_count(raw), _row_count(allowed)
    candidate_counts = _row_count(candidates)
    rule_counts = _rule_counts(raw, rules)
    raw_cols = _row_count(raw.T.tocsr())
    allowed_cols = _row_count(allowed.T.tocsr())
    candidate_cols = _row_count(candidates.T.tocsr())
    solvable_counts = _row_count(solvable)
    unmatched = []
    for row, profile in enumerate(profiles):
        if profile.id in has_mentor or (profile.id in has_mentees and row not in learner_pos):
            continue
        if row in learner_pos:
            k = learner_pos[row]
            if raw_counts[k] == 0:
                reason = (f"nobody taking mentees teaches what they want "
                          f"({pool.wanted_names(row)}) above their level")
            elif allowed_counts[k] == 0:
                reason = _excluded_reason(int(raw_counts[k]), rule_counts, k)
            elif candidate_counts[k] == 0:
                best = float(allowed[k].max())
                reason = (f"all {int(allowed_counts[k])} candidates score below the threshold "
                          f"{settings.min_score:g} (best {best:.3f})")
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
                reason = f"all candidate mentees score below the threshold {settings.min_score:g}"
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

    scores = np.array([p.score for p in pairs])
    summary = {
        "people": len(profiles),
        "mentees_seeking": len(learners),
        "mentors_offering": len(teachers),
        "capacity": int(capacities.sum()),
        "matched": len(pairs),
        "locked": int(locked.sum()),
        "unmatched_mentees": len(learners) - len(pairs),
        "total_score": round(float(scores.sum()), 6),
        "mean_score": round(float(scores.mean()), 6) if len(pairs) else 0.0,
        "min_score": round(float(scores.min()), 6) if len(pairs) else 0.0,
        "mentor_load": load_spread(capacities, cols),
        "blocking_pairs": blocking_pairs_mentor(candidates, capacities, rows, cols),
        "eligible_pairs": int(raw.nnz),
        "excluded_pairs": int(raw.nnz - allowed.nnz),
        "fair_threshold": fair_threshold,
        "pricing_rounds": assignment.pricing_rounds,
        "engine_version": ENGINE_VERSION,
    }
    skills = _skill_balance(pool, learners, teachers, mentor_of)
    report("done", 1.0)
    return MatchResult(Mode.MENTOR, tuple(pairs), tuple(unmatched), summary, skills)


def _all_cols(rows: np.ndarray, n_cols: int) -> tuple[np.ndarray, np.ndarray]:
    """Return every (row, col) pair of the given rows."""
    return np.repeat(rows, n_cols), np.tile(np.arange(n_cols), len(rows))


def _alternatives(candidates: sp.csr_matrix, row: int, col: int, teachers, ids):
    """Return a mentee's next best mentors after the one they got: (id, score), best first.

    Only pairs that could have been proposed count: rules and the threshold apply.
    """
    start, stop = candidates.indptr[row], candidates.indptr[row + 1]
    cols, values = candidates.indices[start:stop], candidates.data[start:stop]
    others = cols != col
    cols, values = cols[others], values[others]
    # Columns are in id order (the pool is sorted by id), so they break ties by id.
    order = np.lexsort((cols, -values))[:ALTERNATIVES]
    return tuple((ids[teachers[cols[i]]], float(values[i])) for i in order)


def _rule_message(pool: Pool, mentor: str, mentee: str, rules, learner_pos, teacher_pos):
    """Return which hard rule a (mentor, mentee) pair breaks, or None."""
    for rule, (rows, cols) in rules.items():
        r, c = learner_pos[pool.row[mentee]], teacher_pos[pool.row[mentor]]
        if np.any((rows == r) & (cols == c)):
            return str(rule)
    return None


def _check_mentor_locks(pool, settings, rules, learner_pos, teacher_pos, capacities):
    problems: list[tuple[int, str]] = []
    rows, cols = [], []
    locked_mentees: dict[str, int] = {}
    for index, (mentor, mentee) in enumerate(settings.locks):
        missing = [p for p in (mentor, mentee) if p not in pool.row]
        if missing:
            problems.append((index, f"{missing[0]} is not in the pool"))
            continue
        if mentor == mentee:
            problems.append((index, f"{mentor} cannot mentor themselves"))
            continue
        if pool.row[mentor] not in teacher_pos:
            problems.append((index, f"{mentor} is not taking mentees (role mentee, capacity 0 or "
                                    "nothing to teach)"))
            continue
        if pool.row[mentee] not in learner_pos:
            problems.append((index, f"{mentee} is not seeking a mentor (role mentor or no "
                                    "learning goals)"))
            continue
        if mentee in locked_mentees:
            earlier = locked_mentees[mentee]
            what = ("the same lock is given twice" if settings.locks[earlier] == (mentor, mentee)
                    else f"{mentee} is already locked to another mentor")
            problems.append((index, f"{what} (lock {earlier + 1})"))
            continue
        rule = _rule_message(pool, mentor, mentee, rules, learner_pos, teacher_pos)
        if rule:
            problems.append((index, f"{mentor} and {mentee} may not be paired ({rule})"))
            continue
        locked_mentees[mentee] = index
        rows.append(learner_pos[pool.row[mentee]])
        cols.append(teacher_pos[pool.row[mentor]])
    load = np.bincount(np.array(cols, np.int64), minlength=len(capacities))
    for k in np.flatnonzero(load > capacities):
        mentor = pool.ids[list(teacher_pos)[k]]
        problems.append((-1, f"{mentor} has {load[k]} locked mentees but capacity "
                             f"{capacities[k]}"))
    if problems:
        raise InfeasibleLockError(problems)
    return np.array(rows, np.int64), np.array(cols, np.int64)


def _skill_balance(pool: Pool, learners, teachers, partner_of: dict[int, int]):
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


def _match_peer(pool: Pool, settings: MatchSettings, report: Progress) -> MatchResult:
    if settings.fair:
        raise ValueError("--fair applies to mentor mode only")
    profiles = pool.profiles
    everyone = np.arange(len(profiles))
    report("scoring", 0.15)
    directed = pool.scores(everyone, everyone, settings.weights)
    rules = _exclusions(pool, everyone, everyone, settings)
    rule_counts = _rule_counts(_symmetric(mutual_scores(directed)), rules)
    allowed_directed = _without_rules(directed, rules)
    upper_raw = mutual_scores(directed)
    upper = mutual_scores(allowed_directed)
    candidates = _at_least(upper, settings.min_score) if settings.min_score > 0 else upper

    locked_people: dict[str, int] = {}
    problems = []
    lock_pairs = []
    for index, (first, second) in enumerate(settings.locks):
        missing = [p for p in (first, second) if p not in pool.row]
        if missing:
            problems.append((index, f"{missing[0]} is not in the pool"))
            continue
        if first == second:
            problems.append((index, f"{first} cannot be paired with themselves"))
            continue
        a, b = sorted((pool.row[first], pool.row[second]))
        broken = [str(rule) for rule, (rows, cols) in rules.items()
                  if np.any((rows == a) & (cols == b))]
        taken = [p for p in (first, second) if p in locked_people]
        if broken:
            problems.append((index, f"{first} and {second} may not be paired ({broken[0]})"))
        elif taken:
            problems.append((index, f"{taken[0]} is already locked (lock "
                                    f"{locked_people[taken[0]] + 1})"))
        else:
            locked_people[first] = locked_people[second] = index
            lock_pairs.append((a, b))
    if problems:
        raise InfeasibleLockError(problems)
    solvable = candidates
    if lock_pairs:
        gone = np.array(sorted({p for pair in lock_pairs for p in pair}), np.int64)
        n = candidates.shape[0]
        solvable = drop_pairs(candidates, *_all_cols(gone, n))
        solvable = drop_pairs(solvable, *_all_cols(gone, n)[::-1])

    report("assigning", 0.35)
    first, second = max_weight_peer_matching(solvable)
    report("explaining", 0.85)
    all_pairs = [(a, b, True) for a, b in lock_pairs] + [
        (int(a), int(b), False) for a, b in zip(first, second, strict=True)
    ]
    symmetric_scores = _symmetric(upper_raw)
    pairs = []
    partner_of: dict[int, int] = {}
    for a, b, is_locked in sorted(all_pairs):
        partner_of[a], partner_of[b] = b, a
        reasons = skill_reasons(profiles[a], profiles[b], pool.taxonomy, limit=2,
                                template=PEER_TEMPLATE)
        reasons += skill_reasons(profiles[b], profiles[a], pool.taxonomy, limit=2,
                                 template=PEER_TEMPLATE)
        if is_locked:
            reasons.insert(0, "locked by the coordinator")
        pairs.append(Pair(pool.ids[a], pool.ids[b], float(symmetric_scores[a, b]),
                          tuple(reasons), locked=is_locked))

    directed_counts = _row_count(directed)
    mutual_counts = _row_count(symmetric_scores)
    allowed_counts = _row_count(_symmetric(upper))
    candidate_counts = _row_count(_symmetric(candidates))
    unmatched = []
    for row, profile in enumerate(profiles):
        if row in partner_of:
            continue
        if not profile.learn:
            reason = "no learning goals: a peer swap needs something to learn"
        elif directed_counts[row] == 0:
            reason = (f"nobody in the pool teaches what they want ({pool.wanted_names(row)}) "
                      "above their level")
        elif mutual_counts[row] == 0:
            reason = "nobody who can teach them wants to learn anything they teach"
        elif allowed_counts[row] == 0:
            reason = _excluded_reason(int(mutual_counts[row]), rule_counts, row)
        elif candidate_counts[row] == 0:
            reason = f"all possible partners score below the threshold {settings.min_score:g}"
        else:
            reason = (f"all {int(candidate_counts[row])} possible partners were paired with "
                      "someone else")
        unmatched.append(Unmatched(profile.id, reason, "peer"))

    scores = np.array([p.score for p in pairs])
    matched_a = np.array([a for a, _, _ in sorted(all_pairs)], np.int64)
    matched_b = np.array([b for _, b, _ in sorted(all_pairs)], np.int64)
    summary = {
        "people": len(profiles),
        "pairs": len(pairs),
        "matched_people": 2 * len(pairs),
        "locked": len(lock_pairs),
        "unmatched": len(unmatched),
        "total_score": round(float(scores.sum()), 6),
        "mean_score": round(float(scores.mean()), 6) if len(pairs) else 0.0,
        "min_score": round(float(scores.min()), 6) if len(pairs) else 0.0,
        "blocking_pairs": blocking_pairs_peer(candidates, matched_a, matched_b),
        "eligible_pairs": int(upper_raw.nnz),
        "excluded_pairs": int(upper_raw.nnz - upper.nnz),
        "engine_version": ENGINE_VERSION,
    }
    skills = _skill_balance(pool, everyone, everyone, partner_of)
    report("done", 1.0)
    return MatchResult(Mode.PEER, tuple(pairs), tuple(unmatched), summary, skills)


def _symmetric(upper: sp.csr_matrix) -> sp.csr_matrix:
    full = (upper + upper.T).tocsr()
    full.sort_indices()
    return full

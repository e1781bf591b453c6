"""Mentor mode: each mentee at most one mentor, each mentor at most their capacity."""

from __future__ import annotations

import numpy as np

from matching.diagnose import (
    MentorAssignment,
    MentorFunnel,
    alternatives,
    blocking_pairs_mentor,
    close_call,
    load_spread,
    mentor_unmatched,
    pair_reasons,
    skill_balance,
)
from matching.encode import Pool
from matching.explain import reason
from matching.preferences import factor_reasons, pair_bonus
from matching.results import ENGINE_VERSION, MatchResult, MatchSettings, Mode, Pair, Progress
from matching.rules import (
    allowed_blocks,
    at_least,
    broken_rule,
    drop_rows_and_cols,
    exclusions,
    validate_locks,
)
from matching.solvers import max_min_score_threshold, max_weight_assignment

__all__ = ["match_mentor", "suggest_mentors"]


def match_mentor(pool: Pool, settings: MatchSettings, report: Progress,
                 method: str = "auto") -> MatchResult:
    """Return the optimal mentor-mode result for an encoded pool."""
    learners, teachers = pool.learner_rows(), pool.teacher_rows()
    learner_pos = {int(i): k for k, i in enumerate(learners)}
    teacher_pos = {int(j): k for k, j in enumerate(teachers)}
    capacities = np.array([pool.profiles[j].capacity for j in teachers], np.int64)

    report("scoring", 0.15)
    rules = exclusions(pool, learners, teachers, settings)
    # The rules apply block by block as the scores are computed; every pair proposed is
    # allowed, so `allowed` holds every score still needed.
    blocks = pool.score_blocks(learners, teachers, settings.weights, pair_bonus(pool, settings))
    allowed, raw_figures = allowed_blocks(blocks, rules, (len(learners), len(teachers)))
    eligible_pairs = raw_figures.pop("eligible")
    candidates = at_least(allowed, settings.min_score) if settings.min_score > 0 else allowed
    # Locks: validated against the hard rules, then taken out of the problem.
    locks = _mentor_locks(pool, settings, rules, learner_pos, teacher_pos, capacities)
    locked_rows = np.array([learner_pos[pool.row[mentee]] for _, mentee in locks], np.int64)
    locked_cols = np.array([teacher_pos[pool.row[mentor]] for mentor, _ in locks], np.int64)
    free_capacity = capacities - np.bincount(locked_cols, minlength=len(teachers))
    solvable = drop_rows_and_cols(candidates, rows=locked_rows) if len(locks) else candidates

    report("assigning", 0.35)
    fair_threshold = None
    if settings.fair:
        fair_threshold = max_min_score_threshold(solvable, free_capacity)
        solvable = at_least(solvable, fair_threshold)
    assignment = max_weight_assignment(solvable, free_capacity, method=method)
    rows = np.concatenate([locked_rows, assignment.rows])
    cols = np.concatenate([locked_cols, assignment.cols])
    locked = np.arange(len(rows)) < len(locked_rows)

    report("explaining", 0.85)
    order = np.lexsort((cols, rows))  # by mentee, i.e. by mentee id
    rows, cols, locked = rows[order], cols[order], locked[order]
    pair_scores = np.asarray(allowed[rows, cols]).ravel() if len(rows) else np.zeros(0)
    mentors, mentees = pool.decode(teachers[cols]), pool.decode(learners[rows])
    pairs = []
    for r, c, mentor, mentee, score, reasons, is_locked in zip(
        rows, cols, mentors, mentees, pair_scores, pair_reasons(pool, learners[rows], teachers[cols]),
        locked, strict=True,
    ):
        others = alternatives(candidates, r, c, teachers, pool.ids)
        flagged = None if is_locked else close_call(float(score), others,
                                                    settings.close_call_margin)
        pairs.append(Pair(
            mentor=mentor, mentee=mentee, score=float(score),
            reasons=((reason("locked"),) if is_locked else ()) + tuple(reasons)
            + tuple(factor_reasons(pool, learners[r], teachers[c], settings))
            + ((flagged,) if flagged else ()),
            alternatives=others, locked=bool(is_locked),
        ))

    funnel = MentorFunnel(**raw_figures, allowed=allowed, candidates=candidates,
                          solvable_rows=np.diff(solvable.indptr))
    unmatched = mentor_unmatched(pool, learners, teachers, capacities, funnel,
                                 MentorAssignment(rows, cols, pair_scores, locked),
                                 settings.min_score, fair_threshold)
    scores = np.array([p.score for p in pairs])
    summary = {
        "people": len(pool.profiles),
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
        "eligible_pairs": eligible_pairs,
        "excluded_pairs": eligible_pairs - int(allowed.nnz),
        "fair_threshold": fair_threshold,
        "pricing_rounds": assignment.pricing_rounds,
        "engine_version": ENGINE_VERSION,
    }
    mentor_of = {int(learners[r]): int(teachers[c]) for r, c in zip(rows, cols, strict=True)}
    skills = skill_balance(pool, learners, teachers, mentor_of)
    report("done", 1.0)
    return MatchResult(Mode.MENTOR, tuple(pairs), tuple(unmatched), summary, skills)


def _mentor_locks(pool, settings, rules, learner_pos, teacher_pos, capacities):
    """Return the (mentor, mentee) locks after checking roles, duplicates, rules and capacity."""

    def self_pair(mentor, mentee, accepted):
        return f"{mentor} cannot mentor themselves" if mentor == mentee else None

    def roles(mentor, mentee, accepted):
        if pool.row[mentor] not in teacher_pos:
            return f"{mentor} is not taking mentees (role mentee, capacity 0 or nothing to teach)"
        if pool.row[mentee] not in learner_pos:
            return f"{mentee} is not seeking a mentor (role mentor or no learning goals)"
        return None

    def taken(mentor, mentee, accepted):
        earlier = next((i for i, _, other in accepted if other == mentee), None)
        if earlier is None:
            return None
        what = ("the same lock is given twice" if settings.locks[earlier] == (mentor, mentee)
                else f"{mentee} is already locked to another mentor")
        return f"{what} (lock {earlier + 1})"

    def rule(mentor, mentee, accepted):
        broken = broken_rule(rules, learner_pos[pool.row[mentee]], teacher_pos[pool.row[mentor]])
        return f"{mentor} and {mentee} may not be paired ({broken})" if broken else None

    def capacity(kept):
        load = np.bincount(np.array([teacher_pos[pool.row[m]] for m, _ in kept], np.int64),
                           minlength=len(capacities))
        return [(-1, f"{pool.ids[list(teacher_pos)[k]]} has {load[k]} locked mentees but "
                     f"capacity {capacities[k]}") for k in np.flatnonzero(load > capacities)]

    return validate_locks(settings.locks, pool, [self_pair, roles, taken, rule], capacity)


def suggest_mentors(pool: Pool, settings: MatchSettings, count: int) -> dict[str, tuple[Pair, ...]]:
    """Return each seeking mentee's `count` best mentors as pairs, best first.

    The scores, rules and threshold are the assignment's own (`match_mentor`), so every
    suggestion is a pair the engine could propose; ties go to the smaller mentor id. Mentors'
    capacity is not shared out: each mentee sees their best mentors, whoever else sees them.
    """
    learners, teachers = pool.learner_rows(), pool.teacher_rows()
    if len(learners) == 0 or len(teachers) == 0:
        return {}
    rules = exclusions(pool, learners, teachers, settings)
    blocks = pool.score_blocks(learners, teachers, settings.weights, pair_bonus(pool, settings))
    allowed, _ = allowed_blocks(blocks, rules, (len(learners), len(teachers)))
    candidates = at_least(allowed, settings.min_score) if settings.min_score > 0 else allowed
    chosen_rows, chosen_cols, chosen_scores = [], [], []
    for r in range(len(learners)):
        start, stop = candidates.indptr[r], candidates.indptr[r + 1]
        cols, values = candidates.indices[start:stop], candidates.data[start:stop]
        order = np.lexsort((cols, -values))[:count]  # columns are in id order: ties by id
        chosen_rows += [r] * len(order)
        chosen_cols += cols[order].tolist()
        chosen_scores += values[order].tolist()
    rows, cols = np.array(chosen_rows, np.int64), np.array(chosen_cols, np.int64)
    found: dict[str, list[Pair]] = {}
    for r, c, score, reasons in zip(rows, cols, chosen_scores,
                                    pair_reasons(pool, learners[rows], teachers[cols]),
                                    strict=True):
        mentee, mentor = pool.ids[learners[r]], pool.ids[teachers[c]]
        found.setdefault(mentee, []).append(Pair(
            mentor=mentor, mentee=mentee, score=float(score),
            reasons=tuple(reasons) + tuple(factor_reasons(pool, learners[r], teachers[c],
                                                          settings))))
    return {mentee: tuple(pairs) for mentee, pairs in found.items()}

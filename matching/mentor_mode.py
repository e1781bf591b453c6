"""Mentor mode: each mentee at most one mentor, each mentor at most their capacity."""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp

from matching.assignment import max_min_score_threshold, max_weight_assignment
from matching.constraints import drop_pairs
from matching.diagnostics import blocking_pairs_mentor, load_spread
from matching.encoder import Pool
from matching.exceptions import InfeasibleLockError
from matching.results import (
    ENGINE_VERSION,
    MatchResult,
    MatchSettings,
    Mode,
    Pair,
    Progress,
    Unmatched,
)
from matching.rules import (
    all_cols_of,
    at_least,
    count_by_rule,
    excluded_reason,
    exclusions,
    row_counts,
    skill_balance,
    without_rules,
)

__all__ = ["match_mentor"]

#: How many next-best mentors each pair lists.
ALTERNATIVES = 3


def match_mentor(pool: Pool, settings: MatchSettings, report: Progress) -> MatchResult:
    """Return the optimal mentor-mode result for an encoded pool."""
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
    rules = exclusions(pool, learners, teachers, settings)
    allowed = without_rules(raw, rules)

    # Locks: validated against the hard rules, then taken out of the problem.
    locked_rows, locked_cols = _check_mentor_locks(pool, settings, rules, learner_pos, teacher_pos,
                                                   capacities)
    free_capacity = capacities - np.bincount(locked_cols, minlength=len(teachers))
    candidates = at_least(allowed, settings.min_score) if settings.min_score > 0 else allowed
    solvable = candidates
    if len(locked_rows):
        solvable = drop_pairs(candidates, *all_cols_of(locked_rows, candidates.shape[1]))

    report("assigning", 0.35)
    fair_threshold = None
    if settings.fair:
        fair_threshold = max_min_score_threshold(solvable, free_capacity)
        solvable = at_least(solvable, fair_threshold)
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
    raw_counts, allowed_counts = row_counts(raw), row_counts(allowed)
    candidate_counts = row_counts(candidates)
    rule_counts = count_by_rule(raw, rules)
    raw_cols = row_counts(raw.T.tocsr())
    allowed_cols = row_counts(allowed.T.tocsr())
    candidate_cols = row_counts(candidates.T.tocsr())
    solvable_counts = row_counts(solvable)
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
                reason = excluded_reason(int(raw_counts[k]), rule_counts, k)
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
    skills = skill_balance(pool, learners, teachers, mentor_of)
    report("done", 1.0)
    return MatchResult(Mode.MENTOR, tuple(pairs), tuple(unmatched), summary, skills)


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

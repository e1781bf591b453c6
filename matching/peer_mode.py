"""Peer mode: skill swaps two by two, eligible only when each can teach the other."""

from __future__ import annotations

import numpy as np

from matching.constraints import drop_pairs
from matching.diagnostics import blocking_pairs_peer
from matching.encoder import Pool
from matching.exceptions import InfeasibleLockError
from matching.explain import skill_reasons
from matching.peer import max_weight_peer_matching
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
    symmetric,
    without_rules,
)
from matching.scoring import mutual_scores

__all__ = ["match_peer"]

PEER_TEMPLATE = "{teacher_id} teaches {learner_id} {skill}: {teacher} vs {learner}"


def match_peer(pool: Pool, settings: MatchSettings, report: Progress) -> MatchResult:
    """Return the optimal peer-mode result for an encoded pool."""
    if settings.fair:
        raise ValueError("--fair applies to mentor mode only")
    profiles = pool.profiles
    everyone = np.arange(len(profiles))
    report("scoring", 0.15)
    directed = pool.scores(everyone, everyone, settings.weights)
    rules = exclusions(pool, everyone, everyone, settings)
    rule_counts = count_by_rule(symmetric(mutual_scores(directed)), rules)
    allowed_directed = without_rules(directed, rules)
    upper_raw = mutual_scores(directed)
    upper = mutual_scores(allowed_directed)
    candidates = at_least(upper, settings.min_score) if settings.min_score > 0 else upper

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
        solvable = drop_pairs(candidates, *all_cols_of(gone, n))
        solvable = drop_pairs(solvable, *all_cols_of(gone, n)[::-1])

    report("assigning", 0.35)
    first, second = max_weight_peer_matching(solvable)
    report("explaining", 0.85)
    all_pairs = [(a, b, True) for a, b in lock_pairs] + [
        (int(a), int(b), False) for a, b in zip(first, second, strict=True)
    ]
    symmetric_scores = symmetric(upper_raw)
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

    directed_counts = row_counts(directed)
    mutual_counts = row_counts(symmetric_scores)
    allowed_counts = row_counts(symmetric(upper))
    candidate_counts = row_counts(symmetric(candidates))
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
            reason = excluded_reason(int(mutual_counts[row]), rule_counts, row)
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
    skills = skill_balance(pool, everyone, everyone, partner_of)
    report("done", 1.0)
    return MatchResult(Mode.PEER, tuple(pairs), tuple(unmatched), summary, skills)

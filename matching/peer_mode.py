"""Peer mode: skill swaps two by two, eligible only when each can teach the other."""

from __future__ import annotations

import numpy as np

from matching.diagnose import (
    blocking_pairs_peer,
    count_by_rule,
    peer_reasons,
    peer_unmatched,
    skill_balance,
)
from matching.encode import Pool
from matching.preferences import pair_bonus
from matching.results import ENGINE_VERSION, MatchResult, MatchSettings, Mode, Pair, Progress
from matching.rules import at_least, broken_rule, drop_rows_and_cols, exclusions, validate_locks
from matching.rules import without_rules as allowed_by_rules
from matching.scoring import mutual_scores, symmetric
from matching.solvers import max_weight_peer_matching

__all__ = ["match_peer"]


def match_peer(pool: Pool, settings: MatchSettings, report: Progress,
               method: str = "auto") -> MatchResult:
    """Return the optimal peer-mode result for an encoded pool."""
    if settings.fair:
        raise ValueError("--fair applies to mentor mode only")
    everyone = np.arange(len(pool.profiles))
    report("scoring", 0.15)
    directed = pool.scores(everyone, everyone, settings.weights, pair_bonus(pool, settings))
    rules = exclusions(pool, everyone, everyone, settings)
    upper_raw = mutual_scores(directed)
    mutual = symmetric(upper_raw)
    upper = mutual_scores(allowed_by_rules(directed, rules))
    candidates = at_least(upper, settings.min_score) if settings.min_score > 0 else upper
    lock_pairs = sorted(tuple(sorted(pool.encode(lock))) for lock in _peer_locks(pool, settings, rules))
    solvable = candidates
    if lock_pairs:
        gone = np.array(sorted({p for pair in lock_pairs for p in pair}), np.int64)
        solvable = drop_rows_and_cols(candidates, rows=gone, cols=gone)

    report("assigning", 0.35)
    first, second = max_weight_peer_matching(solvable, method=method)
    report("explaining", 0.85)
    all_pairs = sorted([(a, b, True) for a, b in lock_pairs] + [
        (int(a), int(b), False) for a, b in zip(first, second, strict=True)
    ])
    pairs = []
    partner_of: dict[int, int] = {}
    for a, b, is_locked in all_pairs:
        partner_of[a], partner_of[b] = b, a
        reasons = (("locked by the coordinator",) if is_locked else ()) + tuple(peer_reasons(pool, a, b))
        pairs.append(Pair(pool.ids[a], pool.ids[b], float(mutual[a, b]), reasons, locked=is_locked))

    unmatched = peer_unmatched(pool, partner_of, directed, mutual, symmetric(upper),
                               symmetric(candidates), count_by_rule(mutual, rules), settings.min_score)
    scores = np.array([p.score for p in pairs])
    matched_a = np.array([a for a, _, _ in all_pairs], np.int64)
    matched_b = np.array([b for _, b, _ in all_pairs], np.int64)
    summary = {
        "people": len(pool.profiles),
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


def _peer_locks(pool, settings, rules):
    """Return the locked peer pairs after checking rules and that nobody is locked twice."""

    def self_pair(first, second, accepted):
        return f"{first} cannot be paired with themselves" if first == second else None

    def rule(first, second, accepted):
        broken = broken_rule(rules, *sorted((pool.row[first], pool.row[second])))
        return f"{first} and {second} may not be paired ({broken})" if broken else None

    def taken(first, second, accepted):
        earlier = {p: i for i, *people in accepted for p in people}
        person = next((p for p in (first, second) if p in earlier), None)
        return f"{person} is already locked (lock {earlier[person] + 1})" if person else None

    return validate_locks(settings.locks, pool, [self_pair, rule, taken])

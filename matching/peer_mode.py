"""Peer mode: skill swaps two by two, eligible only when each can teach the other, and circles
of three who teach each other in a cycle."""

from __future__ import annotations

import numpy as np

from matching.diagnose import (
    blocking_pairs_peer,
    circle_reasons,
    count_by_rule,
    peer_reasons,
    peer_unmatched,
    skill_balance,
)
from matching.encode import Pool
from matching.explain import reason
from matching.preferences import pair_bonus
from matching.results import ENGINE_VERSION, MatchResult, MatchSettings, Mode, Pair, Progress
from matching.rules import at_least, broken_rule, drop_rows_and_cols, exclusions, validate_locks
from matching.rules import without_rules as allowed_by_rules
from matching.scoring import mutual_scores, symmetric
from matching.solvers import (
    max_weight_peer_groups,
    max_weight_peer_matching,
    teaching_circles,
    teaching_paths,
)
from matching.solvers.peer import ALL_CIRCLES_PATH_LIMIT, CIRCLES_PER_PERSON

__all__ = ["match_peer"]


def match_peer(pool: Pool, settings: MatchSettings, report: Progress,
               method: str = "auto") -> MatchResult:
    """Return the optimal peer-mode result for an encoded pool: pairs, and circles of three
    where `settings.trios` allows them (see `max_weight_peer_groups` for the objective)."""
    if settings.fair:
        raise ValueError("--fair applies to mentor mode only")
    everyone = np.arange(len(pool.profiles))
    report("scoring", 0.15)
    directed = pool.scores(everyone, everyone, settings.weights, pair_bonus(pool, settings))
    rules = exclusions(pool, everyone, everyone, settings)
    upper_raw = mutual_scores(directed)
    mutual = symmetric(upper_raw)
    allowed_directed = allowed_by_rules(directed, rules)
    upper = mutual_scores(allowed_directed)
    candidates = at_least(upper, settings.min_score) if settings.min_score > 0 else upper
    lock_pairs = sorted(tuple(sorted(pool.encode(lock))) for lock in _peer_locks(pool, settings, rules))
    solvable = candidates
    gone = np.array(sorted({p for pair in lock_pairs for p in pair}), np.int64)
    if lock_pairs:
        solvable = drop_rows_and_cols(candidates, rows=gone, cols=gone)
    # Circles are found whether or not they are formed: an unmatched person is told if one
    # would have placed them. A rule forbids both directions of a pair, so every two members
    # of a circle in the allowed directed scores may be grouped. Every circle is listed when
    # trios are on and the pool is small enough; otherwise only the circles of the people an
    # optimal pairing leaves out (all the reasons need, and the heuristic's moves use), the
    # best CIRCLES_PER_PERSON of each.
    complete = settings.trios and teaching_paths(allowed_directed) <= ALL_CIRCLES_PATH_LIMIT
    involving = None
    if not complete:
        first, second = max_weight_peer_matching(solvable, method=method)
        involving = np.ones(len(pool.profiles), bool)
        involving[np.concatenate([first, second, gone]).astype(np.int64)] = False
    circles, circle_scores = teaching_circles(
        allowed_directed, min_score=settings.min_score, involving=involving,
        best_each=None if involving is None else CIRCLES_PER_PERSON)
    if len(gone):
        keep = ~np.isin(circles, gone).any(axis=1)
        circles, circle_scores = circles[keep], circle_scores[keep]
    in_circles = frozenset(circles.ravel().tolist())

    report("assigning", 0.35)
    if settings.trios:
        groups = max_weight_peer_groups(solvable, circles, circle_scores, method=method,
                                        complete=complete,
                                        pairing=None if complete else (first, second))
        found_pairs, found_circles, proven = groups.pairs, groups.circles, groups.proven_optimal
    else:
        found_pairs = tuple(zip(first.tolist(), second.tolist(), strict=True))
        found_circles, proven = (), True
    report("explaining", 0.85)
    all_pairs = sorted([(a, b, True) for a, b in lock_pairs]
                       + [(int(a), int(b), False) for a, b in found_pairs])
    circle_score = dict(zip(map(tuple, circles.tolist()), circle_scores.tolist(), strict=True))
    groups_found = []
    partner_of: dict[int, int] = {}  # each placed person's teacher
    for a, b, is_locked in all_pairs:
        partner_of[a], partner_of[b] = b, a
        reasons = ((reason("locked"),) if is_locked else ()) + tuple(peer_reasons(pool, a, b))
        groups_found.append((a, Pair(pool.ids[a], pool.ids[b], float(mutual[a, b]), reasons,
                                     locked=is_locked)))
    for circle in found_circles:
        a, b, c = circle
        partner_of[b], partner_of[c], partner_of[a] = a, b, c
        groups_found.append((a, Pair(pool.ids[a], pool.ids[b], float(circle_score[circle]),
                                     tuple(circle_reasons(pool, circle)), third=pool.ids[c])))
    pairs = [pair for _, pair in sorted(groups_found, key=lambda item: item[0])]

    unmatched = peer_unmatched(pool, partner_of, directed, allowed_directed, mutual,
                               symmetric(upper), symmetric(candidates),
                               count_by_rule(mutual, rules), settings.min_score,
                               in_circles=in_circles, circles_formed=settings.trios)
    scores = np.array([p.score for p in pairs])
    matched_a = np.array([a for a, _, _ in all_pairs], np.int64)
    matched_b = np.array([b for _, b, _ in all_pairs], np.int64)
    n_pairs = len(all_pairs)
    summary = {
        "people": len(pool.profiles),
        "pairs": n_pairs,
        "circles": len(found_circles),
        "matched_people": 2 * n_pairs + 3 * len(found_circles),
        "locked": len(lock_pairs),
        "unmatched": len(unmatched),
        "total_score": round(float(sum(p.weight for p in pairs)), 6),
        "mean_score": round(float(scores.mean()), 6) if len(pairs) else 0.0,
        "min_score": round(float(scores.min()), 6) if len(pairs) else 0.0,
        "blocking_pairs": blocking_pairs_peer(candidates, matched_a, matched_b, found_circles,
                                              [circle_score[c] for c in found_circles]),
        "eligible_pairs": int(upper_raw.nnz),
        "excluded_pairs": int(upper_raw.nnz - upper.nnz),
        "eligible_circles": len(circles),
        "proven_optimal": proven,
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

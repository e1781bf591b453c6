"""End-to-end properties of match_profiles: rules hold, results are optimal and explained."""

import itertools

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from matching import InfeasibleLockError, MatchSettings, Mode, Profile, Role, match_profiles
from matching.diagnose import skill_contributions
from matching.explain import render
from matching.scoring import ScoreWeights, grid_scores
from tests.matching.conftest import pools

FAST = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def by_id(profiles):
    return {p.id: p for p in profiles}


def shares_manager(a: Profile, b: Profile) -> bool:
    return a.manager is not None and a.manager == b.manager


def above(profiles, person: Profile, other: Profile) -> bool:
    """Whether `other` is anywhere up `person`'s management chain (the default chain rule)."""
    people, seen, manager = by_id(profiles), set(), person.manager
    while manager is not None and manager not in seen:
        if manager == other.id:
            return True
        seen.add(manager)
        manager = people[manager].manager
    return False


def brute_force_mentor(result_pairs_scores, profiles, pairs_allowed):
    """Best (count, total) over all assignments of the allowed pairs (small pools only)."""
    people = by_id(profiles)
    mentees = sorted({m for _, m in pairs_allowed})
    options = {m: [None, *sorted(t for t, mm in pairs_allowed if mm == m)] for m in mentees}
    best = (0, 0)
    for choice in itertools.product(*(options[m] for m in mentees)):
        load = {}
        total = 0
        count = 0
        for mentee, mentor in zip(mentees, choice, strict=True):
            if mentor is None:
                continue
            load[mentor] = load.get(mentor, 0) + 1
            total += round(pairs_allowed[(mentor, mentee)] * 1e6)
            count += 1
        if all(n <= people[t].capacity for t, n in load.items()):
            best = max(best, (count, total))
    return best


@FAST
@given(profiles=pools())
def test_rules_hold_and_total_is_optimal(profiles, taxonomy):
    result = match_profiles(profiles, taxonomy=taxonomy)
    people = by_id(profiles)
    mentees = [p.mentee for p in result.pairs]
    assert len(mentees) == len(set(mentees)), "a mentee has two mentors"
    load = {}
    for pair in result.pairs:
        mentor, mentee = people[pair.mentor], people[pair.mentee]
        load[pair.mentor] = load.get(pair.mentor, 0) + 1
        assert mentor.role.mentors and mentee.role.learns
        assert pair.mentor != pair.mentee
        assert not above(profiles, mentee, mentor) and not above(profiles, mentor, mentee), \
            "management-chain rule"
        assert not shares_manager(mentor, mentee), "same-manager rule"
        assert skill_contributions(mentee, mentor), "pair without anything to teach"
    assert all(n <= people[m].capacity for m, n in load.items()), "over capacity"

    # Brute force over every allowed pair, scored by the engine's own explanations' terms.
    allowed = {}
    for mentor, mentee in itertools.permutations(profiles, 2):
        if not (mentor.role.mentors and mentee.role.learns and mentor.capacity > 0):
            continue
        if above(profiles, mentee, mentor) or above(profiles, mentor, mentee):
            continue
        if shares_manager(mentor, mentee):
            continue
        if skill_contributions(mentee, mentor):
            allowed[(mentor.id, mentee.id)] = None
    scores = {(p.mentor, p.mentee): p.score for p in result.pairs}
    # Score every allowed pair by running the pool of just those two.
    for mentor_id, mentee_id in allowed:
        if (mentor_id, mentee_id) not in scores:
            alone = match_profiles(profiles, taxonomy=taxonomy, settings=MatchSettings(
                locks=((mentor_id, mentee_id),)))
            scores[(mentor_id, mentee_id)] = next(
                p.score for p in alone.pairs if p.mentee == mentee_id)
        allowed[(mentor_id, mentee_id)] = scores[(mentor_id, mentee_id)]
    ours = (len(result.pairs), sum(round(p.score * 1e6) for p in result.pairs))
    assert ours == brute_force_mentor(scores, profiles, allowed)


METHODS_BY_MODE = {Mode.MENTOR: ("auto", "ortools", "networkx"),
                   Mode.PEER: ("auto", "rustworkx", "networkx")}


@FAST
@given(profiles=pools(), rng=st.randoms(use_true_random=False))
def test_same_pairs_whatever_the_row_order(profiles, rng, taxonomy):
    shuffled = list(profiles)
    rng.shuffle(shuffled)
    for mode, methods in METHODS_BY_MODE.items():
        for method in methods:
            first = match_profiles(profiles, taxonomy=taxonomy, settings=MatchSettings(mode=mode),
                                   method=method)
            second = match_profiles(shuffled, taxonomy=taxonomy,
                                    settings=MatchSettings(mode=mode), method=method)
            assert first.to_dict() == second.to_dict()


@FAST
@given(profiles=pools(max_size=12))
def test_every_method_gives_the_reference_count_and_total(profiles, taxonomy):
    for mode, methods in METHODS_BY_MODE.items():
        reference = match_profiles(profiles, taxonomy=taxonomy, settings=MatchSettings(mode=mode),
                                   method="networkx")
        for method in methods:
            result = match_profiles(profiles, taxonomy=taxonomy, settings=MatchSettings(mode=mode),
                                    method=method)
            assert len(result.pairs) == len(reference.pairs)
            assert result.summary["total_score"] == reference.summary["total_score"]
            # Among equally good assignments the methods may leave different mentors idle.
            seekers = [u for u in result.unmatched if u.side != "mentor"]
            assert len(seekers) == len([u for u in reference.unmatched if u.side != "mentor"])


@FAST
@given(profiles=pools())
def test_explanations_agree_with_profiles(profiles, taxonomy):
    result = match_profiles(profiles, taxonomy=taxonomy, settings=MatchSettings(
        weights=ScoreWeights(text=0.0)))
    people = by_id(profiles)
    for pair in result.pairs:
        mentor, mentee = people[pair.mentor], people[pair.mentee]
        contributions = skill_contributions(mentee, mentor)
        # With no text term the score is the sum of the skill contributions on the grid.
        value = sum(c.value for c in contributions)
        assert pair.score == pytest.approx(grid_scores(np.array([value]), np.zeros(1))[0],
                                           abs=1e-9)
        skills = [r for r in pair.reasons if r["code"] == "skill"]
        assert len(skills) == min(3, len(contributions))
        for contribution, reason in zip(contributions, skills, strict=False):
            assert contribution.skill in mentee.learn
            assert contribution.skill in mentor.teaching
            assert reason == {"code": "skill", "skill": contribution.skill,
                              "mentor_level": mentor.level(contribution.skill),
                              "mentee_level": mentee.level(contribution.skill),
                              "rank": mentee.learn.index(contribution.skill) + 1}


@FAST
@given(profiles=pools(), data=st.data())
def test_avoid_previous_and_locks_hold(profiles, data, taxonomy):
    free = match_profiles(profiles, taxonomy=taxonomy)
    if not free.pairs:
        return
    banned = data.draw(st.sampled_from(free.pairs))
    kept = data.draw(st.sampled_from(free.pairs))
    for rules in (MatchSettings(avoid=((banned.mentee, banned.mentor),)),
                  MatchSettings(previous=((banned.mentor, banned.mentee),))):
        result = match_profiles(profiles, taxonomy=taxonomy, settings=rules)
        assert all({p.mentor, p.mentee} != {banned.mentor, banned.mentee} for p in result.pairs)
    locked = match_profiles(profiles, taxonomy=taxonomy,
                            settings=MatchSettings(locks=((kept.mentor, kept.mentee),)))
    assert any(p.mentor == kept.mentor and p.mentee == kept.mentee and p.locked
               for p in locked.pairs)
    # A lock is kept exactly, so the result can only match as many as the free optimum.
    assert len(locked.pairs) <= len(free.pairs)


@FAST
@given(profiles=pools())
def test_fair_maximises_the_lowest_score_keeping_the_count(profiles, taxonomy):
    plain = match_profiles(profiles, taxonomy=taxonomy)
    fair = match_profiles(profiles, taxonomy=taxonomy, settings=MatchSettings(fair=True))
    assert len(fair.pairs) == len(plain.pairs)
    if plain.pairs:
        assert fair.summary["min_score"] >= plain.summary["min_score"]
        assert fair.summary["total_score"] <= plain.summary["total_score"] + 1e-9


@FAST
@given(profiles=pools(max_size=8))
def test_peer_pairs_are_real_skill_swaps(profiles, taxonomy):
    result = match_profiles(profiles, taxonomy=taxonomy, settings=MatchSettings(mode=Mode.PEER))
    people = by_id(profiles)
    seen = set()
    for pair in result.pairs:
        group = [people[p] for p in pair.people]
        assert not seen & {p.id for p in group}
        seen |= {p.id for p in group}
        # Each teaches the next (a pair both ways; a circle a -> b -> c -> a).
        for teacher, learner in zip(group, group[1:] + group[:1], strict=True):
            assert skill_contributions(learner, teacher)
        if len(group) == 2:
            assert skill_contributions(group[0], group[1])
        for a, b in itertools.combinations(group, 2):
            assert a.manager != b.id and b.manager != a.id  # teammates may swap; managers not
    assert len(result.unmatched) == len(profiles) - len(seen)


@FAST
@given(profiles=pools())
def test_every_unmatched_person_has_a_reason(profiles, taxonomy):
    result = match_profiles(profiles, taxonomy=taxonomy, settings=MatchSettings(min_score=0.3))
    with_mentor = {p.mentee for p in result.pairs}
    mentoring = {p.mentor for p in result.pairs}
    listed = {u.id for u in result.unmatched}
    for profile in profiles:
        seeking = profile.role.learns and profile.learn
        if seeking and profile.id not in with_mentor:
            assert profile.id in listed
        if profile.id not in with_mentor | mentoring:
            assert profile.id in listed
    assert all(u.reason for u in result.unmatched)
    assert all(p.score >= 0.3 for p in result.pairs)


def person(pid, **fields):
    return Profile(id=pid, **fields)


def test_unmatched_reasons_name_the_cause(taxonomy):
    profiles = [
        person("boss@x", levels={"marc21": 4}, role=Role.MENTOR, capacity=1),
        person("report@x", levels={"marc21": 1}, learn=("marc21",), role=Role.MENTEE,
               manager="boss@x"),
        person("lonely@x", learn=("sparql",), role=Role.MENTEE),
        person("idle@x", role=Role.MENTEE),
        person("full@x", levels={"python": 4}, role=Role.MENTOR, capacity=1),
        person("first@x", learn=("python",), role=Role.MENTEE, goals="python python"),
        person("second@x", levels={"python": 2}, learn=("python",), role=Role.MENTEE),
    ]
    result = match_profiles(profiles, taxonomy=taxonomy)
    reasons = {u.id: u.reason for u in result.unmatched}
    assert reasons["report@x"] == {"code": "excluded", "total": 1, "rules": {"manager": 1}}
    assert reasons["lonely@x"] == {"code": "no_teacher", "wants": ["sparql"], "mode": "mentor"}
    assert reasons["idle@x"] == {"code": "no_goals", "mode": "mentor"}
    # second@x lost full@x's only place to first@x, who scores higher with them.
    assert reasons["second@x"]["code"] == "seat_taken"
    assert (reasons["second@x"]["mentor"], reasons["second@x"]["holder"]) == ("full@x", "first@x")
    assert reasons["second@x"]["holder_score"] > reasons["second@x"]["score"]
    assert reasons["boss@x"] == {"code": "mentees_excluded", "free": 1, "capacity": 1,
                                 "total": 1, "rules": {}}
    pair = result.pairs[0]
    assert (pair.mentor, pair.mentee) == ("full@x", "first@x")
    assert pair.reasons[0] == {"code": "skill", "skill": "python", "mentor_level": 4,
                               "mentee_level": 0, "rank": 1}
    assert pair.alternatives == ()

    strict = match_profiles(profiles, taxonomy=taxonomy, settings=MatchSettings(min_score=0.9))
    reasons = {u.id: u.reason for u in strict.unmatched if u.side == "mentee"}
    assert reasons["first@x"]["code"] == "below_threshold"
    assert reasons["first@x"]["threshold"] == 0.9 and reasons["first@x"]["best"] < 0.9


def test_lock_breaking_a_rule_is_an_input_error(taxonomy):
    profiles = [
        person("boss@x", levels={"marc21": 4}, role=Role.MENTOR, capacity=1),
        person("report@x", levels={"marc21": 1}, learn=("marc21",), role=Role.MENTEE,
               manager="boss@x"),
        person("other@x", learn=("marc21",), role=Role.MENTEE),
    ]
    with pytest.raises(InfeasibleLockError) as caught:
        match_profiles(profiles, taxonomy=taxonomy,
                       settings=MatchSettings(locks=(("boss@x", "report@x"),)))
    assert "manager rule" in caught.value.args[0][0][1]
    with pytest.raises(InfeasibleLockError, match="not in the pool"):
        match_profiles(profiles, taxonomy=taxonomy,
                       settings=MatchSettings(locks=(("ghost@x", "report@x"),)))
    with pytest.raises(InfeasibleLockError) as caught:
        match_profiles(profiles, taxonomy=taxonomy, settings=MatchSettings(
            allow_same_manager=True, locks=(("boss@x", "other@x"), ("boss@x", "other@x"))))
    assert "the same lock is given twice" in str(caught.value)


def test_same_manager_rule_can_be_lifted(taxonomy):
    profiles = [
        person("head@x", role=Role.MENTEE),
        person("a@x", levels={"rda": 4}, role=Role.MENTOR, manager="head@x"),
        person("b@x", learn=("rda",), role=Role.MENTEE, manager="head@x"),
    ]
    assert not match_profiles(profiles, taxonomy=taxonomy).pairs
    lifted = match_profiles(profiles, taxonomy=taxonomy,
                            settings=MatchSettings(allow_same_manager=True))
    assert [(p.mentor, p.mentee) for p in lifted.pairs] == [("a@x", "b@x")]


def test_skill_table_counts_demand_supply_and_met(taxonomy):
    profiles = [
        person("m@x", levels={"marc21": 4, "rda": 3}, role=Role.MENTOR, capacity=1),
        person("e1@x", learn=("marc21", "sparql"), role=Role.MENTEE),
        person("e2@x", learn=("marc21",), role=Role.MENTEE),
    ]
    result = match_profiles(profiles, taxonomy=taxonomy)
    table = {s.skill: (s.demand, s.supply, s.met) for s in result.skills}
    assert table["marc21"] == (2, 1, 1)
    assert table["rda"] == (0, 1, 0)
    assert table["sparql"] == (1, 0, 0)


def test_blocking_pairs_reported(taxonomy):
    profiles = [person(f"p{i}@x", levels={"marc21": 4}, role=Role.MENTOR, capacity=1)
                for i in range(2)]
    profiles += [person("e@x", learn=("marc21",), role=Role.MENTEE)]
    result = match_profiles(profiles, taxonomy=taxonomy)
    assert result.summary["blocking_pairs"] == 0
    assert len(result.pairs[0].alternatives) == 1


def test_reasons_for_people_who_neither_mentor_nor_learn(taxonomy):
    profiles = [
        person("busy@x", levels={"marc21": 4}, learn=("bibframe",), role=Role.MENTOR, capacity=0),
        person("novice@x", levels={"rda": 1}, learn=("marc21",), role=Role.MENTOR, capacity=1),
    ]
    reasons = {u.id: u.reason for u in match_profiles(profiles, taxonomy=taxonomy).unmatched}
    assert reasons["busy@x"] == {"code": "not_taking_part", "role": "mentor", "capacity": 0,
                                 "offers": 1, "wants": 1}
    assert reasons["novice@x"] == {"code": "not_taking_part", "role": "mentor", "capacity": 1,
                                   "offers": 0, "wants": 1}
    assert render(reasons["busy@x"]) == (
        "capacity 0: not taking mentees this round; role mentor, so their learning goals are "
        "not matched in mentor mode")
    assert render(reasons["novice@x"]).startswith("offers nothing to teach")


def test_alternatives_respect_the_threshold(taxonomy):
    profiles = [
        person("strong@x", levels={"marc21": 4}, role=Role.MENTOR),
        person("weak@x", levels={"marc21": 2}, role=Role.MENTOR, teach=("marc21",)),
        person("e@x", levels={"marc21": 1}, learn=("marc21",), role=Role.MENTEE),
    ]
    loose = match_profiles(profiles, taxonomy=taxonomy)
    assert [m for m, _ in loose.pairs[0].alternatives] == ["weak@x"]
    strict = match_profiles(profiles, taxonomy=taxonomy, settings=MatchSettings(min_score=0.5))
    assert strict.pairs[0].mentor == "strong@x" and strict.pairs[0].alternatives == ()


def test_solver_rejects_scores_outside_the_unit_interval():
    import numpy as np
    import scipy.sparse as sp

    from matching import max_weight_assignment

    for bad in (10.0, float("nan"), -0.1):
        matrix = sp.csr_matrix(([bad, 0.5], ([0, 1], [0, 0])), shape=(2, 2))
        with pytest.raises(ValueError, match="between 0 and 1"):
            max_weight_assignment(matrix, np.array([1, 1]))

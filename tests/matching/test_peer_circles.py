"""Peer circles: pairs and circles of three packed exactly, checked against brute force."""

import itertools

import numpy as np
import pytest
import scipy.sparse as sp
from hypothesis import given, settings
from hypothesis import strategies as st

from matching import MatchSettings, Mode, Profile, Role, match_profiles
from matching.encode import Pool
from matching.explain import render
from matching.scoring import mutual_scores
from matching.solvers import SCORE_SCALE, max_weight_peer_matching
from matching.solvers.peer import max_weight_peer_groups, teaching_circles
from tests.matching.conftest import pools


def brute_force(directed: np.ndarray, min_score: float = 0.0) -> tuple[int, int]:
    """(people placed, total in millionths) of the best packing of pairs and circles, found by
    trying every set of disjoint candidates; a circle counts half the sum of its directed
    scores and a pair the mean of its two, so both count half of what their people learn."""
    n = len(directed)
    candidates = []
    for a, b in itertools.combinations(range(n), 2):
        mean = round((directed[a, b] + directed[b, a]) / 2, 6)
        if directed[a, b] > 0 and directed[b, a] > 0 and mean >= min_score:
            candidates.append(((a, b), round((directed[a, b] + directed[b, a]) * SCORE_SCALE)))
    for a, b, c in itertools.combinations(range(n), 3):
        best = None
        for x, y, z in ((a, b, c), (a, c, b)):  # x teaches y teaches z teaches x
            if directed[y, x] > 0 and directed[z, y] > 0 and directed[x, z] > 0:
                total = round((directed[y, x] + directed[z, y] + directed[x, z]) * SCORE_SCALE)
                if round(total / SCORE_SCALE / 3, 6) >= min_score:
                    best = total if best is None else max(best, total)
        if best is not None:
            candidates.append(((a, b, c), best))
    best = (0, 0)

    def search(start, used, placed, total):
        nonlocal best
        best = max(best, (placed, total))
        for k in range(start, len(candidates)):
            people, value = candidates[k]
            if not used.intersection(people):
                search(k + 1, used | set(people), placed + len(people), total + value)

    search(0, set(), 0, 0)
    return best


def solve(directed: np.ndarray, **options):
    matrix = sp.csr_matrix(directed)
    circles, scores = teaching_circles(matrix)
    groups = max_weight_peer_groups(mutual_scores(matrix), circles, scores, **options)
    return groups


def value(directed: np.ndarray, groups) -> tuple[int, int]:
    people = [p for pair in groups.pairs for p in pair] + [
        p for circle in groups.circles for p in circle]
    assert len(people) == len(set(people)), "a person is in two groups"
    total = 0
    for a, b in groups.pairs:
        assert directed[a, b] > 0 and directed[b, a] > 0, "a pair that cannot swap"
        total += round((directed[a, b] + directed[b, a]) * SCORE_SCALE)
    for a, b, c in groups.circles:
        # a teaches b, b teaches c, c teaches a: the learner is the row
        assert directed[b, a] > 0 and directed[c, b] > 0 and directed[a, c] > 0
        total += round((directed[b, a] + directed[c, b] + directed[a, c]) * SCORE_SCALE)
    return len(people), total


directed_pools = st.integers(2, 8).flatmap(lambda n: st.lists(
    st.lists(st.sampled_from([0.0, 0.0, 0.0, 0.2, 0.5, 0.9]), min_size=n, max_size=n),
    min_size=n, max_size=n).map(lambda rows: np.array(rows) * (1 - np.eye(n))))


@settings(max_examples=250, deadline=None)
@given(directed=directed_pools)
def test_packing_matches_brute_force(directed):
    groups = solve(directed)
    assert groups.proven_optimal
    assert value(directed, groups) == brute_force(directed)


def test_seeded_pools_match_brute_force_and_some_need_a_broken_pair():
    rng = np.random.default_rng(7)
    broke_a_pair = 0
    for _ in range(150):
        n = int(rng.integers(4, 9))
        directed = np.round(rng.choice([0.0, 0.3, 0.6, 0.9], size=(n, n),
                                       p=[0.6, 0.15, 0.15, 0.1]) * (1 - np.eye(n)), 6)
        groups = solve(directed)
        assert value(directed, groups) == brute_force(directed)
        first, second = max_weight_peer_matching(mutual_scores(sp.csr_matrix(directed)))
        paired_alone = set(first.tolist()) | set(second.tolist())
        # The best pairing's people are split up by a circle: a pair had to be broken.
        broke_a_pair += any(paired_alone.intersection(c) for c in groups.circles)
    assert broke_a_pair >= 5, "too few seeded pools needed a pair broken to form a circle"


def test_a_circle_beats_the_pair_inside_it():
    # 0 and 1 swap (a pair); 0 teaches 1, 1 teaches 2, 2 teaches 0 (a circle places all three).
    directed = np.zeros((3, 3))
    directed[1, 0] = directed[0, 1] = 0.9   # the pair 0-1, both ways
    directed[2, 1] = directed[0, 2] = 0.3   # 1 teaches 2, 2 teaches 0
    groups = solve(directed)
    assert groups.pairs == () and groups.circles == ((0, 1, 2),)


def test_equal_people_go_to_the_higher_total():
    # Six people: three pairs (0.5 each, total 1.5) or two circles (0.6 each, 0.9 apiece).
    directed = np.zeros((6, 6))
    for a, b in ((0, 1), (2, 3), (4, 5)):
        directed[a, b] = directed[b, a] = 0.5
    for a, b, c in ((0, 2, 4), (1, 3, 5)):
        directed[b, a] = directed[c, b] = directed[a, c] = 0.6
    groups = solve(directed)
    assert groups.circles == ((0, 2, 4), (1, 3, 5)) and groups.pairs == ()
    directed[directed == 0.6] = 0.3   # now 0.45 per circle: the pairs win
    assert solve(directed).pairs == ((0, 1), (2, 3), (4, 5))


def test_a_large_part_is_paired_optimally_then_circled_and_says_so():
    rng = np.random.default_rng(3)
    n = 40
    directed = np.round(rng.choice([0.0, 0.5], size=(n, n), p=[0.8, 0.2]) * (1 - np.eye(n)), 6)
    exact = solve(directed)
    bounded = solve(directed, exact_limit=10)
    assert exact.proven_optimal and not bounded.proven_optimal
    first, _ = max_weight_peer_matching(mutual_scores(sp.csr_matrix(directed)))
    assert value(directed, exact)[0] >= value(directed, bounded)[0] >= 2 * len(first)


def test_circles_keep_the_better_orientation_and_the_threshold():
    directed = np.zeros((3, 3))
    directed[1, 0], directed[2, 1], directed[0, 2] = 0.3, 0.3, 0.3   # 0 -> 1 -> 2 -> 0
    directed[2, 0], directed[1, 2], directed[0, 1] = 0.6, 0.6, 0.9   # 0 -> 2 -> 1 -> 0
    circles, scores = teaching_circles(sp.csr_matrix(directed))
    assert circles.tolist() == [[0, 2, 1]] and scores.tolist() == [0.7]
    circles, _ = teaching_circles(sp.csr_matrix(directed), min_score=0.8)
    assert len(circles) == 0


@pytest.mark.parametrize("method", ["rustworkx", "networkx"])
def test_parts_without_circles_use_blossom(method):
    directed = np.zeros((4, 4))
    directed[0, 1] = directed[1, 0] = 0.5
    directed[2, 3] = directed[3, 2] = 0.7
    groups = solve(directed, method=method)
    assert groups.pairs == ((0, 1), (2, 3)) and groups.circles == () and groups.proven_optimal


# ------------------------------------------------------------------ through match_profiles

def cycle_of_three(**extra):
    """a teaches b MARC 21, b teaches c Python, c teaches a SPARQL; nobody can swap."""
    return [
        Profile(id="a@x", levels={"marc21": 4}, learn=("sparql",), **extra.get("a@x", {})),
        Profile(id="b@x", levels={"python": 4}, learn=("marc21",), **extra.get("b@x", {})),
        Profile(id="c@x", levels={"sparql": 4}, learn=("python",), **extra.get("c@x", {})),
    ]


def test_a_teaching_cycle_becomes_a_circle(taxonomy):
    result = match_profiles(cycle_of_three(), taxonomy=taxonomy,
                            settings=MatchSettings(mode=Mode.PEER))
    (circle,) = result.pairs
    assert circle.people == ("a@x", "b@x", "c@x") and circle.third == "c@x"
    assert result.unmatched == ()
    assert result.summary["circles"] == 1 and result.summary["matched_people"] == 3
    assert result.summary["total_score"] == pytest.approx(1.5 * circle.score, abs=1e-6)
    texts = [render(r, taxonomy=taxonomy, person_name=str) for r in circle.reasons]
    assert any(t.startswith("a@x teaches b@x MARC 21") for t in texts)
    assert any(t.startswith("c@x teaches a@x SPARQL") for t in texts)
    assert result.to_dict()["pairs"][0]["people"] == ["a@x", "b@x", "c@x"]
    assert {s.skill: s.met for s in result.skills} == {"marc21": 1, "python": 1, "sparql": 1}


def test_without_trios_the_unmatched_are_told_a_trio_would_work(taxonomy):
    result = match_profiles(cycle_of_three(), taxonomy=taxonomy,
                            settings=MatchSettings(mode=Mode.PEER, trios=False))
    assert result.pairs == ()
    reasons = {u.id: u.reason for u in result.unmatched}
    assert set(reasons) == {"a@x", "b@x", "c@x"}
    # Each is told the trio that would work, naming the other two in teaching order.
    assert reasons["a@x"] == {"code": "trio_possible", "people": ["c@x", "b@x"]}
    assert all(r["code"] == "trio_possible" for r in reasons.values())


def test_rules_apply_to_every_two_members_of_a_circle(taxonomy):
    avoid = MatchSettings(mode=Mode.PEER, avoid=(("a@x", "b@x"),))
    assert match_profiles(cycle_of_three(), taxonomy=taxonomy, settings=avoid).pairs == ()
    # b's manager is c: they are never grouped, whoever teaches whom.
    managed = cycle_of_three(**{"b@x": {"manager": "c@x"}})
    result = match_profiles(managed, taxonomy=taxonomy, settings=MatchSettings(mode=Mode.PEER))
    assert result.pairs == ()
    assert result.unmatched[0].reason["code"] != "excluded"


def test_teammates_swap_in_peer_mode_unless_refused(taxonomy):
    team = [
        Profile(id="boss@x"),
        Profile(id="a@x", levels={"marc21": 4}, learn=("python",), manager="boss@x"),
        Profile(id="b@x", levels={"python": 4}, learn=("marc21",), manager="boss@x"),
    ]
    peer = match_profiles(team, taxonomy=taxonomy, settings=MatchSettings(mode=Mode.PEER))
    assert [p.people for p in peer.pairs] == [("a@x", "b@x")]
    refused = match_profiles(team, taxonomy=taxonomy, settings=MatchSettings(
        mode=Mode.PEER, allow_same_manager=False))
    assert refused.pairs == ()
    assert "same-manager rule" in render({u.id: u.reason for u in refused.unmatched}["a@x"])
    # Mentor mode keeps refusing a teammate as mentor by default.
    mentor = [Profile(id="boss@x"),
              Profile(id="m@x", levels={"marc21": 4}, role=Role.MENTOR, capacity=1,
                      manager="boss@x"),
              Profile(id="e@x", learn=("marc21",), role=Role.MENTEE, manager="boss@x")]
    assert match_profiles(mentor, taxonomy=taxonomy).pairs == ()
    assert len(match_profiles(mentor, taxonomy=taxonomy, settings=MatchSettings(
        allow_same_manager=True)).pairs) == 1


def test_locked_people_join_no_circle(taxonomy):
    pool = [*cycle_of_three(), Profile(id="d@x", levels={"sparql": 4}, learn=("marc21",))]
    locked = MatchSettings(mode=Mode.PEER, locks=(("a@x", "d@x"),))
    result = match_profiles(pool, taxonomy=taxonomy, settings=locked)
    assert [p.people for p in result.pairs] == [("a@x", "d@x")]


def test_an_exact_programme_out_of_time_falls_back_and_says_so(monkeypatch):
    import matching.solvers.peer as peer

    monkeypatch.setattr(peer, "EXACT_SECONDS", 1e-6)
    rng = np.random.default_rng(5)
    n = 40
    directed = np.round(rng.choice([0.0, 0.5, 0.8], size=(n, n), p=[0.8, 0.1, 0.1])
                        * (1 - np.eye(n)), 6)
    groups = solve(directed)
    assert not groups.proven_optimal
    first, _ = max_weight_peer_matching(mutual_scores(sp.csr_matrix(directed)))
    assert value(directed, groups)[0] >= 2 * len(first)  # valid, and no worse than pairs


@settings(max_examples=60, deadline=None)
@given(profiles=pools(max_size=8), min_score=st.sampled_from([0.0, 0.2]))
def test_match_profiles_places_and_scores_as_brute_force(profiles, min_score, taxonomy):
    """Through the whole pipeline: the directed scores with the rules applied (every two
    members of a group must pass them) and the threshold, packed by brute force."""
    settings_ = MatchSettings(mode=Mode.PEER, min_score=min_score)
    result = match_profiles(profiles, taxonomy=taxonomy, settings=settings_)
    pool = Pool(sorted(profiles, key=lambda p: p.id), taxonomy)
    everyone = np.arange(len(pool.profiles))
    directed = pool.scores(everyone, everyone, settings_.weights).toarray()
    managers = {p.id: p.manager for p in profiles}

    def above(person):  # everyone in the person's management chain (the pools have no cycle)
        chain, boss = set(), managers[person]
        while boss is not None and boss not in chain:
            chain.add(boss)
            boss = managers.get(boss)
        return chain

    for a, b in itertools.permutations(range(len(pool.ids)), 2):
        first, second = pool.ids[a], pool.ids[b]
        if second in above(first) or first in above(second):
            directed[a, b] = 0.0   # the management-chain rule; teammates may swap in peer mode
    best = brute_force(directed, min_score=min_score)
    total = round(sum(p.weight for p in result.pairs) * 2 * SCORE_SCALE)
    people, best_total = best
    assert result.summary["matched_people"] == people
    # Scores are rounded to 1e-6 per group (a mean), the brute force sums unrounded scores.
    assert total == pytest.approx(best_total, abs=2 * len(profiles))
    assert result.summary["proven_optimal"]


@settings(max_examples=150, deadline=None)
@given(data=st.data())
def test_circles_involving_some_people_are_exactly_those_of_all_circles(data):
    n = data.draw(st.integers(3, 9))
    directed = np.array(data.draw(st.lists(
        st.lists(st.sampled_from([0.0, 0.0, 0.25, 0.5, 0.75]), min_size=n, max_size=n),
        min_size=n, max_size=n)))
    np.fill_diagonal(directed, 0.0)
    wanted = np.array(data.draw(st.lists(st.booleans(), min_size=n, max_size=n)))
    matrix = sp.csr_matrix(directed)
    every, every_scores = teaching_circles(matrix)
    some, some_scores = teaching_circles(matrix, involving=wanted)
    touching = wanted[every].any(axis=1) if len(every) else np.zeros(0, bool)
    assert some.tolist() == every[touching].tolist()
    assert some_scores.tolist() == every_scores[touching].tolist()


def test_a_pool_with_too_many_circles_to_list_is_packed_around_an_optimal_pairing(
        monkeypatch, taxonomy, tmp_path):
    """Above the path limit only the circles of people the pairing leaves out are listed:
    never fewer people than pairs alone, and the result says it is not proven optimal."""
    import matching.peer_mode as peer_mode
    from mentorship.demo.synthetic import generate_staff, write_staff_csv
    from mentorship.profiles.csv_io import read_profiles_csv

    write_staff_csv(tmp_path / "staff.csv", generate_staff(120, seed=4))
    profiles = read_profiles_csv(tmp_path / "staff.csv", taxonomy).profiles()
    full = match_profiles(profiles, taxonomy=taxonomy, settings=MatchSettings(mode=Mode.PEER))
    pairs_only = match_profiles(profiles, taxonomy=taxonomy,
                                settings=MatchSettings(mode=Mode.PEER, trios=False))
    monkeypatch.setattr(peer_mode, "ALL_CIRCLES_PATH_LIMIT", 0)
    limited = match_profiles(profiles, taxonomy=taxonomy, settings=MatchSettings(mode=Mode.PEER))
    assert full.summary["proven_optimal"] and not limited.summary["proven_optimal"]
    assert (pairs_only.summary["matched_people"] < limited.summary["matched_people"]
            <= full.summary["matched_people"])


@settings(max_examples=150, deadline=None)
@given(data=st.data())
def test_each_persons_best_circles_found_person_by_person_are_those_of_the_whole_list(data):
    """teaching_circles(best_each=k) keeps exactly what best_circles_each keeps of the whole
    list (ties of scores included), with the bit-set and the sparse sub-matrices alike."""
    import matching.solvers.peer as peer

    n = data.draw(st.integers(3, 10))
    directed = np.array(data.draw(st.lists(
        st.lists(st.sampled_from([0.0, 0.0, 0.25, 0.5, 0.75]), min_size=n, max_size=n),
        min_size=n, max_size=n)))
    np.fill_diagonal(directed, 0.0)
    wanted = np.array(data.draw(st.lists(st.booleans(), min_size=n, max_size=n)))
    keep = data.draw(st.integers(1, 4))
    min_score = data.draw(st.sampled_from([0.0, 0.4]))
    matrix = sp.csr_matrix(directed)
    every, every_scores = teaching_circles(matrix, involving=wanted, min_score=min_score)
    expected = peer.best_circles_each(every, every_scores, wanted, keep)
    for bytes_per_entry in (peer.BITSET_BYTES_PER_ENTRY, 0):  # 0: never bit sets
        with pytest.MonkeyPatch.context() as patch:
            patch.setattr(peer, "BITSET_BYTES_PER_ENTRY", bytes_per_entry)
            got = teaching_circles(matrix, involving=wanted, min_score=min_score, best_each=keep)
        assert got[0].tolist() == expected[0].tolist()
        assert got[1].tolist() == expected[1].tolist()


def test_circles_are_the_same_with_bit_sets_and_sparse_sub_matrices(monkeypatch):
    """A pool dense enough for bit sets (more than 64 columns, so several words a row) lists
    the same circles and scores as the sparse sub-matrices."""
    import matching.solvers.peer as peer

    rng = np.random.default_rng(3)
    n = 150
    directed = np.where(rng.random((n, n)) < 0.2, rng.choice([0.25, 0.5, 0.75], (n, n)), 0.0)
    np.fill_diagonal(directed, 0.0)
    matrix = sp.csr_matrix(directed)
    wanted = rng.random(n) < 0.3
    assert peer._ClosingEntries(matrix.T.tocsr()).bits is not None
    with_bits = [teaching_circles(matrix), teaching_circles(matrix, involving=wanted),
                 teaching_circles(matrix, involving=wanted, best_each=5)]
    monkeypatch.setattr(peer, "BITSET_BYTES_PER_ENTRY", 0)
    assert peer._ClosingEntries(matrix.T.tocsr()).bits is None
    sparse = [teaching_circles(matrix), teaching_circles(matrix, involving=wanted),
              teaching_circles(matrix, involving=wanted, best_each=5)]
    assert len(with_bits[0][0]) > 100
    # Each person has far more than twice five circles, so most are dropped before the
    # orientations are compared: still exactly each person's best five of the whole list.
    best = peer.best_circles_each(*with_bits[1], wanted, 5)
    assert with_bits[2][0].tolist() == best[0].tolist()
    assert with_bits[2][1].tolist() == best[1].tolist()
    every = teaching_circles(matrix, involving=wanted, min_score=0.55)
    some = teaching_circles(matrix, involving=wanted, min_score=0.55, best_each=3)
    best = peer.best_circles_each(*every, wanted, 3)
    assert some[0].tolist() == best[0].tolist() and some[1].tolist() == best[1].tolist()
    for (circles, scores), (expected_circles, expected_scores) in zip(with_bits, sparse,
                                                                      strict=True):
        assert circles.tolist() == expected_circles.tolist()
        assert scores.tolist() == expected_scores.tolist()

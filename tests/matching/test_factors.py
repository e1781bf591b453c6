"""The profile factors: each preference and each rule, in mentor mode and in peer mode."""

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from matching import MatchSettings, Mode, Profile, Role, match_profiles
from matching.encode import Pool
from matching.explain import render
from matching.preferences import preference_bonus
from matching.results import Chain, Factor
from matching.rules import exclusions
from matching.scoring import ScoreWeights
from tests.matching.conftest import pools

FAST = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
PEER = Mode.PEER


def mentee(pid, **factors):
    return Profile(pid, levels={"marc21": 1}, learn=("marc21",), role=Role.MENTEE, capacity=0,
                   **factors)


def mentor(pid, **factors):
    return Profile(pid, levels={"marc21": 4}, role=Role.MENTOR, capacity=1, **factors)


def peer_a(pid, **factors):
    """Teaches MARC 21, wants RDA."""
    return Profile(pid, levels={"marc21": 4, "rda": 1}, learn=("rda",), teach=("marc21",),
                   **factors)


def peer_b(pid, **factors):
    """Teaches RDA, wants MARC 21: swaps with any `peer_a`."""
    return Profile(pid, levels={"rda": 4, "marc21": 1}, learn=("marc21",), teach=("rda",),
                   **factors)


def mentor_of(result, person):
    return next((p.mentor for p in result.pairs if p.mentee == person), None)


def partner_of(result, person):
    for pair in result.pairs:
        if person in (pair.mentor, pair.mentee):
            return pair.mentee if pair.mentor == person else pair.mentor
    return None


def reason_of(result, person):
    """The person's first unmatched report, as it reads."""
    return render(next(u.reason for u in result.unmatched if u.id == person))


def run(profiles, taxonomy, **changes):
    return match_profiles(profiles, taxonomy=taxonomy, settings=MatchSettings(**changes))


def preferred_wins(taxonomy, build, preferred, other, **changes):
    """Whether the person built as `preferred` wins over `other` whichever id sorts first (ties
    go by id order, so a preference must overturn it one way round)."""
    for first, second in (("a@x", "z@x"), ("z@x", "a@x")):
        result = run(build(first, second), taxonomy, **changes)
        winner = mentor_of(result, "m@x") if changes.get("mode") != PEER else partner_of(result,
                                                                                        "m@x")
        if winner != first:
            return False
    return True


# ---------------------------------------------------------------------------- experience

def test_a_more_experienced_mentor_is_preferred(taxonomy):
    def build(senior, junior):
        return [mentee("m@x", years_experience=12), mentor(senior, years_experience=20),
                mentor(junior, years_experience=3)]
    assert preferred_wins(taxonomy, build, "senior", "junior")
    assert not preferred_wins(taxonomy, build, "senior", "junior", experience=Factor.IGNORE)


def test_a_less_experienced_mentor_is_allowed_and_flagged_as_reverse_mentoring(taxonomy):
    result = run([mentee("m@x", years_experience=12), mentor("t@x", years_experience=3)], taxonomy)
    assert mentor_of(result, "m@x") == "t@x"
    assert {"code": "reverse_mentoring", "mentor_years": 3.0, "mentee_years": 12.0} in (
        result.pairs[0].reasons)
    ignored = run([mentee("m@x", years_experience=12), mentor("t@x", years_experience=3)],
                  taxonomy, experience="ignore")
    assert not any(r["code"] == "reverse_mentoring" for r in ignored.pairs[0].reasons)
    unknown = run([mentee("m@x"), mentor("t@x", years_experience=3)], taxonomy)
    assert not any(r["code"] == "reverse_mentoring" for r in unknown.pairs[0].reasons)


def test_peer_mode_prefers_a_swap_with_a_difference_in_experience(taxonomy):
    # Each teaches the other, so the experience bonus counts once per pair in either order:
    # it favours a pair where one has more years, and never refuses or flags a pair.
    def build(different, same):
        return [peer_a("m@x", years_experience=5), peer_b(different, years_experience=15),
                peer_b(same, years_experience=5)]
    assert preferred_wins(taxonomy, build, "different", "same", mode=PEER)
    result = run(build("a@x", "z@x"), taxonomy, mode=PEER)
    assert not any(r["code"] == "reverse_mentoring" for p in result.pairs for r in p.reasons)


# ---------------------------------------------------------------------------- department

def test_another_department_is_preferred_by_default(taxonomy):
    def build(other, same):
        return [mentee("m@x", department="Systems"), mentor(other, department="Archives"),
                mentor(same, department="systems ")]  # case and spacing do not matter
    assert preferred_wins(taxonomy, build, "other", "same")
    assert not preferred_wins(taxonomy, build, "other", "same", department="ignore")


def test_peer_mode_prefers_another_department(taxonomy):
    def build(other, same):
        return [peer_a("m@x", department="Systems"), peer_b(other, department="Archives"),
                peer_b(same, department="Systems")]
    assert preferred_wins(taxonomy, build, "other", "same", mode=PEER)
    assert not preferred_wins(taxonomy, build, "other", "same", mode=PEER, department="ignore")


@pytest.mark.parametrize("mode", list(Mode))
def test_the_department_rule_refuses_the_same_department(taxonomy, mode):
    make_seeker, make_teacher = (mentee, mentor) if mode is Mode.MENTOR else (peer_a, peer_b)
    profiles = [make_seeker("m@x", department="Systems"), make_teacher("t@x", department="Systems")]
    assert run(profiles, taxonomy, mode=mode, department="require").pairs == ()
    assert "same-department rule 1" in reason_of(run(profiles, taxonomy, mode=mode,
                                                     department="require"), "m@x")
    assert len(run(profiles, taxonomy, mode=mode).pairs) == 1
    # An unknown department is not the same department.
    unknown = [make_seeker("m@x", department="Systems"), make_teacher("t@x")]
    assert len(run(unknown, taxonomy, mode=mode, department="require").pairs) == 1


# ---------------------------------------------------------------------------- meeting format

@pytest.mark.parametrize("mode", list(Mode))
@pytest.mark.parametrize(("seeker", "teacher", "allowed"), [
    ({"format_preference": "in_person", "location": "Main"},
     {"format_preference": "in_person", "location": "main"}, True),
    ({"format_preference": "in_person", "location": "Main"},
     {"format_preference": "either", "location": "Branch"}, False),
    ({"format_preference": "in_person", "location": "Main"}, {"format_preference": "remote"}, False),
    ({"format_preference": "in_person", "location": "Main"}, {"format_preference": "either"}, True),
    ({"format_preference": "remote"}, {"format_preference": "either", "location": "Far"}, True),
    ({"format_preference": "remote", "location": "Main"},
     {"format_preference": "remote", "location": "Far"}, True),
    ({"format_preference": "either", "location": "Main"},
     {"format_preference": "in_person", "location": "Far"}, False),
])
def test_the_meeting_format_rule(taxonomy, mode, seeker, teacher, allowed):
    make_seeker, make_teacher = (mentee, mentor) if mode is Mode.MENTOR else (peer_a, peer_b)
    profiles = [make_seeker("m@x", **seeker), make_teacher("t@x", **teacher)]
    result = run(profiles, taxonomy, mode=mode)
    assert bool(result.pairs) is allowed
    if not allowed:
        assert "meeting-format rule 1" in reason_of(result, "m@x")
    assert len(run(profiles, taxonomy, mode=mode, meeting_format="ignore").pairs) == 1


# ---------------------------------------------------------------------------- time zone

@pytest.mark.parametrize("mode", list(Mode))
def test_the_time_zone_rule(taxonomy, mode):
    make_seeker, make_teacher = (mentee, mentor) if mode is Mode.MENTOR else (peer_a, peer_b)
    far = [make_seeker("m@x", time_zone="America/New_York"),
           make_teacher("t@x", time_zone="Europe/Berlin")]
    near = [make_seeker("m@x", time_zone="America/New_York"),
            make_teacher("t@x", time_zone="America/Chicago")]
    assert len(run(far, taxonomy, mode=mode).pairs) == 1  # no limit by default
    refused = run(far, taxonomy, mode=mode, max_time_zone_hours=3)
    assert not refused.pairs and "time-zone rule 1" in reason_of(refused, "m@x")
    assert len(run(far, taxonomy, mode=mode, max_time_zone_hours=6).pairs) == 1
    assert len(run(near, taxonomy, mode=mode, max_time_zone_hours=1).pairs) == 1
    assert not run(near, taxonomy, mode=mode, max_time_zone_hours=0).pairs
    unknown = [make_seeker("m@x", time_zone="America/New_York"), make_teacher("t@x")]
    assert len(run(unknown, taxonomy, mode=mode, max_time_zone_hours=0).pairs) == 1


def test_the_time_zone_difference_goes_round_the_clock(taxonomy):
    profiles = [mentee("m@x", time_zone="Pacific/Auckland"),
                mentor("t@x", time_zone="Pacific/Honolulu")]  # 22-23 h apart one way, 1-2 h
    assert len(run(profiles, taxonomy, max_time_zone_hours=2).pairs) == 1
    assert not run(profiles, taxonomy, max_time_zone_hours=1.5).pairs


def test_an_unknown_time_zone_is_refused_by_name(taxonomy):
    with pytest.raises(ValueError, match=r"t@x: unknown time zone 'Mars/Olympus'"):
        run([mentee("m@x"), mentor("t@x", time_zone="Mars/Olympus")], taxonomy)


# ---------------------------------------------------------------------------- institution

def test_another_institution_is_preferred_when_the_pool_has_several(taxonomy):
    def build(other, same):
        return [mentee("m@x", institution="Hill College"), mentor(other, institution="City U"),
                mentor(same, institution="Hill College")]
    assert preferred_wins(taxonomy, build, "other", "same")  # default: auto
    assert not preferred_wins(taxonomy, build, "other", "same", institution="ignore")


def test_one_institution_means_no_institution_preference(taxonomy):
    pool = Pool([mentee("m@x", institution="Hill"), mentor("t@x", institution="Hill")],
                taxonomy)
    assert MatchSettings().institution_factor(pool.factors.institutions()) is Factor.IGNORE
    alone = run([mentee("m@x", institution="Hill"), mentor("t@x", institution="Hill")], taxonomy)
    blank = run([mentee("m@x"), mentor("t@x")], taxonomy)
    assert alone.pairs[0].score == blank.pairs[0].score


@pytest.mark.parametrize("mode", list(Mode))
def test_the_institution_rule(taxonomy, mode):
    make_seeker, make_teacher = (mentee, mentor) if mode is Mode.MENTOR else (peer_a, peer_b)
    profiles = [make_seeker("m@x", institution="Hill"), make_teacher("t@x", institution="Hill"),
                make_teacher("u@x", institution="City")]
    result = run(profiles, taxonomy, mode=mode, institution="require")
    assert partner_of(result, "m@x") == "u@x"
    alone = run(profiles[:2], taxonomy, mode=mode, institution="require")
    assert "same-institution rule 1" in reason_of(alone, "m@x")


def test_peer_mode_prefers_another_institution(taxonomy):
    def build(other, same):
        return [peer_a("m@x", institution="Hill"), peer_b(other, institution="City"),
                peer_b(same, institution="Hill")]
    assert preferred_wins(taxonomy, build, "other", "same", mode=PEER)


# ---------------------------------------------------------------------------- chain of command

def chain(make_seeker, make_teacher):
    """m reports to head, head to director; the director teaches what m wants."""
    return [make_seeker("m@x", manager="head@x"),
            Profile("head@x", manager="dir@x", role=Role.MENTEE, capacity=0),
            make_teacher("dir@x")]


@pytest.mark.parametrize("mode", list(Mode))
def test_the_whole_management_chain_is_excluded_by_default(taxonomy, mode):
    make_seeker, make_teacher = (mentee, mentor) if mode is Mode.MENTOR else (peer_a, peer_b)
    result = run(chain(make_seeker, make_teacher), taxonomy, mode=mode)
    assert not result.pairs and "management-chain rule 1" in reason_of(result, "m@x")
    direct = run(chain(make_seeker, make_teacher), taxonomy, mode=mode,
                 management_chain=Chain.DIRECT)
    assert partner_of(direct, "m@x") == "dir@x"


def test_a_manager_who_takes_no_part_still_links_the_chain(taxonomy):
    # The head is in the pool only for the rules (as a round reads managers): seeking nothing,
    # offering nothing.
    profiles = chain(mentee, mentor)
    assert profiles[1].learn == () and profiles[1].capacity == 0
    assert not run(profiles, taxonomy).pairs


@pytest.mark.parametrize("mode", list(Mode))
def test_a_cycle_of_managers_does_not_hang(taxonomy, mode):
    make_seeker, make_teacher = (mentee, mentor) if mode is Mode.MENTOR else (peer_a, peer_b)
    profiles = [make_seeker("a@x", manager="b@x"),
                Profile("b@x", manager="c@x", role=Role.MENTEE, capacity=0),
                make_teacher("c@x", manager="a@x"), make_teacher("d@x")]
    result = run(profiles, taxonomy, mode=mode)
    assert partner_of(result, "a@x") == "d@x"


def test_a_chain_rule_breaking_lock_is_refused(taxonomy):
    from matching import InfeasibleLockError

    with pytest.raises(InfeasibleLockError, match="management-chain rule"):
        run(chain(mentee, mentor), taxonomy, locks=(("dir@x", "m@x"),))


# ---------------------------------------------------------------------------- the bonus

factor_values = st.fixed_dictionaries({
    "years_experience": st.none() | st.integers(0, 40),
    "department": st.sampled_from(["", "Systems", "Archives"]),
    "institution": st.sampled_from(["", "Hill", "City"]),
})


@FAST
@given(profiles=pools(), extra=st.lists(factor_values, min_size=12, max_size=12),
       weights=st.tuples(*[st.floats(0, 5)] * 3))
def test_the_bonus_lies_in_0_1_and_never_makes_a_pair_eligible(profiles, extra, weights,
                                                              taxonomy):
    from dataclasses import replace

    profiles = [replace(p, **values) for p, values in zip(profiles, extra, strict=False)]
    pool = Pool(sorted(profiles, key=lambda p: p.id), taxonomy)
    changes = dict(zip(("experience_weight", "department_weight", "institution_weight"), weights,
                       strict=True))
    everyone = np.arange(len(profiles))
    rows, cols = np.repeat(everyone, len(everyone)), np.tile(everyone, len(everyone))
    bonus = preference_bonus(pool, rows, cols, MatchSettings(**changes))
    assert ((bonus >= 0) & (bonus <= 1)).all()
    for mode in Mode:
        with_bonus = run(profiles, taxonomy, mode=mode, **changes)
        without = run(profiles, taxonomy, mode=mode, weights=ScoreWeights(preference=0))
        assert with_bonus.summary["eligible_pairs"] == without.summary["eligible_pairs"]
        assert all(0 < p.score <= 1 for p in with_bonus.pairs)


def test_rules_off_by_the_settings_are_not_built(taxonomy):
    pool = Pool([mentee("m@x", department="A"), mentor("t@x", department="A")], taxonomy)
    learners, teachers = np.array([0]), np.array([1])
    assert not exclusions(pool, learners, teachers, MatchSettings(max_time_zone_hours=1))
    required = exclusions(pool, learners, teachers, MatchSettings(department=Factor.REQUIRE))
    assert [rule.name for rule in required] == ["DEPARTMENT"]


def test_settings_refuse_modes_a_factor_does_not_have():
    with pytest.raises(ValueError, match="experience must be one of ignore, prefer"):
        MatchSettings(experience="require")
    with pytest.raises(ValueError, match="max_time_zone_hours"):
        MatchSettings(max_time_zone_hours=13)
    with pytest.raises(ValueError, match="management_chain"):
        MatchSettings(management_chain="skip")


@pytest.mark.parametrize("mode", list(Mode))
def test_a_lock_breaking_a_factor_rule_is_refused(taxonomy, mode):
    from matching import InfeasibleLockError

    make_seeker, make_teacher = (mentee, mentor) if mode is Mode.MENTOR else (peer_a, peer_b)
    profiles = [make_seeker("m@x", format_preference="remote"),
                make_teacher("t@x", format_preference="in_person")]
    with pytest.raises(InfeasibleLockError, match=r"may not be paired \(meeting-format rule\)"):
        run(profiles, taxonomy, mode=mode, locks=(("t@x", "m@x"),))
    kept = run(profiles, taxonomy, mode=mode, locks=(("t@x", "m@x"),), meeting_format="ignore")
    assert kept.pairs[0].locked


def test_the_bonus_joins_the_text_in_the_tie_breaker(taxonomy):
    # The first want three levels up: 1.25 / 2.0625, 6061 steps of 1e-4. No text, so the
    # tie-breaker is (1 * cosine 0 + 1 * bonus) / 2, times 0.99 of a step.
    senior = run([mentee("m@x", years_experience=1), mentor("t@x", years_experience=9)], taxonomy)
    assert senior.pairs[0].score == pytest.approx((6061 + 0.99 * 0.5) / 1e4, abs=1e-6)
    junior = run([mentee("m@x", years_experience=9), mentor("t@x", years_experience=1)], taxonomy)
    assert junior.pairs[0].score == pytest.approx(0.6061, abs=1e-6)
    # A preference never outweighs a step of skill: the senior is ahead by less than one.
    assert 0 < senior.pairs[0].score - junior.pairs[0].score < 1e-4
    # With no preference that counts, the score is the one without preferences at all.
    blank = run([mentee("m@x"), mentor("t@x")], taxonomy)
    assert blank.pairs[0].score == pytest.approx(0.6061, abs=1e-6)


def test_a_factor_nobody_gave_counts_for_nothing(taxonomy):
    from matching.preferences import enabled_preferences

    one = Pool([mentee("m@x", department="Systems"), mentor("t@x")], taxonomy)
    assert enabled_preferences(one, MatchSettings()) == {}
    both = Pool([mentee("m@x", department="Systems"), mentor("t@x", department="IT")], taxonomy)
    assert list(enabled_preferences(both, MatchSettings())) == ["department"]
    assert enabled_preferences(both, MatchSettings(department_weight=0)) == {}

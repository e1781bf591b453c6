"""The score's promises (README "How matching works"), as properties over generated profiles.

1. Listing another want never lowers what a mentor for an earlier want is worth.
2. With strict priority, a mentor who covers an earlier want beats one who covers only later
   wants, whatever the level gaps; soft priority lets two later wants outweigh an earlier one.
3. Any real level gap counts, and a larger one a little more.
4. Text breaks ties between equal skill values and never outweighs a skill difference.
5. A reason cites only terms that carry meaning: no stop word, no number.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from matching import Profile, Role
from matching.encode import Pool
from matching.scoring import SKILL_STEPS, ScoreWeights
from matching.taxonomy import Category, Skill, Taxonomy
from matching.vectorize import _STOP_WORDS, meaningful_terms

SKILL_IDS = tuple(f"s{k}" for k in range(8))
TAXONOMY = Taxonomy(
    (Category("skills", "Skills", SKILL_IDS),),
    {s: Skill(s, f"Skill {s}", "skills") for s in SKILL_IDS},
)
STRICT, SOFT, NO_TEXT = ScoreWeights(), ScoreWeights(priority="soft"), ScoreWeights(text=0.0)
# The skill value sits on a grid of 1e-4: with strict priority a covered want of rank r is
# worth about 0.48 * 3**-(r - 1), so the grid tells the first seven ranks apart, and the level
# gaps of the first six (at rank 7 one level up and two are both 7 steps).
RANKS = 7
GAP_RANKS = 6


def scores(mentee: Profile, mentors: list[Profile], weights: ScoreWeights) -> list[float]:
    """Return the mentee's score with each mentor (0.0 where the pair is not eligible)."""
    pool = Pool([mentee, *mentors], TAXONOMY)
    matrix = pool.scores(np.array([0]), np.arange(1, len(mentors) + 1), weights).toarray()
    return matrix[0].tolist()


def mentor(name: str, levels: dict[str, int], bio: str = "") -> Profile:
    return Profile(f"{name}@lib.edu", levels=levels, teach=tuple(levels), role=Role.MENTOR,
                   capacity=1, bio=bio)


@st.composite
def mentees(draw, min_wants=1, max_wants=RANKS):
    """A mentee with `min_wants`..`max_wants` distinct ranked wants, below level 4 in each."""
    wants = draw(st.lists(st.sampled_from(SKILL_IDS), min_size=min_wants, max_size=max_wants,
                          unique=True))
    levels = {s: draw(st.integers(0, 3)) for s in wants}
    return Profile("mentee@lib.edu", levels=levels, learn=tuple(wants), role=Role.MENTEE)


def above(draw, mentee: Profile, skill: str) -> int:
    """Draw a mentor level above the mentee's in `skill`."""
    return draw(st.integers(mentee.level(skill) + 1, 4))


@settings(max_examples=150, deadline=None)
@given(data=st.data(), weights=st.sampled_from([STRICT, SOFT, NO_TEXT]))
def test_another_want_never_lowers_a_mentor_for_an_earlier_want(data, weights):
    mentee = data.draw(mentees())
    unused = [s for s in SKILL_IDS if s not in mentee.learn]
    extra = data.draw(st.sampled_from(unused))
    skills = data.draw(st.lists(st.sampled_from(mentee.learn), min_size=1, unique=True))
    teacher = mentor("m", {s: above(data.draw, mentee, s) for s in skills})
    longer = Profile(mentee.id, levels=mentee.levels, learn=(*mentee.learn, extra),
                     role=Role.MENTEE)
    assert scores(longer, [teacher], weights)[0] >= scores(mentee, [teacher], weights)[0] > 0


@settings(max_examples=200, deadline=None)
@given(data=st.data())
def test_strict_priority_an_earlier_want_beats_any_number_of_later_ones(data):
    mentee = data.draw(mentees(min_wants=2))
    rank = data.draw(st.integers(0, len(mentee.learn) - 2))
    earlier = mentee.learn[rank]
    # The first mentor covers that want by one level only (and maybe more of what follows)...
    first_levels = {earlier: mentee.level(earlier) + 1}
    first_levels.update({s: above(data.draw, mentee, s) for s in data.draw(
        st.lists(st.sampled_from(mentee.learn[rank + 1:]), unique=True))})
    # ... the second covers every later want, each by as many levels as it likes.
    later = mentee.learn[rank + 1:]
    second_levels = {s: above(data.draw, mentee, s) for s in later}
    one, two = scores(mentee, [mentor("a", first_levels, "shared words"),
                               mentor("b", second_levels, "")], STRICT)
    assert one > two > 0


def test_soft_priority_lets_two_later_wants_outweigh_an_earlier_one():
    mentee = Profile("mentee@lib.edu", learn=("s0", "s1", "s2"), role=Role.MENTEE)
    first_only, two_later = mentor("a", {"s0": 1}), mentor("b", {"s1": 1, "s2": 1})
    strict = scores(mentee, [first_only, two_later], STRICT)
    soft = scores(mentee, [first_only, two_later], SOFT)
    assert strict[0] > strict[1]
    assert soft[1] > soft[0]  # 2/3 + 4/9 > 1


@settings(max_examples=150, deadline=None)
@given(data=st.data(), weights=st.sampled_from([STRICT, SOFT, NO_TEXT]))
def test_any_real_gap_counts_and_a_larger_one_a_little_more(data, weights):
    mentee = data.draw(mentees(max_wants=GAP_RANKS))
    skill = data.draw(st.sampled_from(mentee.learn))
    low = mentee.level(skill)
    if low == 3:
        return
    gap = data.draw(st.integers(1, 3 - low))
    near, far = mentor("a", {skill: low + gap}), mentor("b", {skill: low + gap + 1})
    same = mentor("c", {skill: low})
    near_score, far_score, same_score = scores(mentee, [near, far, same], weights)
    assert far_score > near_score > 0
    assert same_score == 0  # no gap: not eligible
    # "A little more": four levels up is worth 11/8 of one level up, never more.
    assert far_score <= near_score * 11 / 8 + 2 / SKILL_STEPS


WORDS = ["linked", "data", "bibframe", "cataloguing", "preservation", "python", "library",
         "years", "experience", "learn", "head", "21", "2024", "the", "and", "of"]


@settings(max_examples=200, deadline=None)
@given(data=st.data())
def test_text_never_outweighs_a_skill_difference(data):
    mentee = data.draw(mentees())
    mentee = Profile(mentee.id, levels=mentee.levels, learn=mentee.learn, role=Role.MENTEE,
                     goals=" ".join(data.draw(st.lists(st.sampled_from(WORDS), max_size=12))))
    bios = [" ".join(data.draw(st.lists(st.sampled_from(WORDS), max_size=12))) for _ in "ab"]
    levels = [{s: data.draw(st.integers(0, 4)) for s in data.draw(
        st.lists(st.sampled_from(mentee.learn), min_size=1, unique=True))} for _ in "ab"]
    with_text = scores(mentee, [mentor("a", levels[0], bios[0]), mentor("b", levels[1], bios[1])],
                       STRICT)
    skill_only = scores(mentee, [mentor("a", levels[0]), mentor("b", levels[1])], NO_TEXT)
    for k in (0, 1):
        assert (with_text[k] > 0) == (skill_only[k] > 0)  # text never makes a pair eligible
        assert 0 <= with_text[k] - skill_only[k] < 1 / SKILL_STEPS
    if skill_only[0] > skill_only[1]:
        assert with_text[0] > with_text[1]


def test_text_decides_between_equal_skill_values():
    mentee = Profile("mentee@lib.edu", levels={"s0": 1}, learn=("s0",), role=Role.MENTEE,
                     goals="BIBFRAME conversion of our catalogue")
    plain = mentor("a", {"s0": 3}, "Systems work, Alma and Python")
    shared = mentor("b", {"s0": 3}, "Led the BIBFRAME conversion pilot")
    plain_score, shared_score = scores(mentee, [plain, shared], STRICT)
    assert shared_score > plain_score > 0
    assert scores(mentee, [plain, shared], NO_TEXT) == [plain_score, plain_score]


@settings(max_examples=200, deadline=None)
@given(words=st.lists(st.sampled_from([*WORDS, "MARC", "MARC21", "linked-data", ",", ":"]),
                      max_size=20))
def test_terms_are_never_stop_words_or_numbers(words):
    for term in meaningful_terms(" ".join(words)):
        for word in term.split():
            assert word.isalpha() and len(word) > 1
            assert word not in _STOP_WORDS


def test_goals_match_reasons_cite_only_meaningful_shared_terms():
    from matching import MatchSettings, match_profiles

    people = [
        Profile("mentee@lib.edu", levels={"s0": 1}, learn=("s0",), role=Role.MENTEE,
                goals="After 21 years in the library I want to learn MARC 21 and linked data"),
        Profile("mentor@lib.edu", levels={"s0": 4}, teach=("s0",), role=Role.MENTOR,
                capacity=1, bio="Head of cataloguing for 21 years: MARC 21 and linked data"),
    ]
    result = match_profiles(people, taxonomy=TAXONOMY, settings=MatchSettings())
    (pair,) = result.pairs
    text = [r for r in pair.reasons if r["code"] == "shared_terms"]
    assert text, pair.reasons
    cited = ", ".join(text[0]["terms"])
    assert "21" not in cited and "years" not in cited and "library" not in cited
    assert "linked data" in cited


@pytest.mark.parametrize("weights", [STRICT, SOFT])
def test_the_best_mentor_scores_below_one(weights):
    mentee = Profile("mentee@lib.edu", learn=SKILL_IDS, role=Role.MENTEE)
    best = mentor("a", dict.fromkeys(SKILL_IDS, 4), "")
    (score,) = scores(mentee, [best], weights)
    assert 0.5 < score < 1

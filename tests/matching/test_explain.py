"""Reasons as data: every code is produced from a hand-made pool and checked against the
assignment that produced it, and every code renders."""

import pytest
from hypothesis import HealthCheck, given, settings

from matching import MatchSettings, Mode, Profile, Role, match_profiles
from matching.explain import (
    COORDINATOR,
    FORMER_PARTICIPANT,
    PARTICIPANT,
    REASONS,
    forget_person,
    map_people,
    normalize,
    people_in,
    reason,
    render,
    shown,
)
from matching.profiles import DEFAULT_TEACH_LEVEL
from matching.scoring import ScoreWeights
from tests.matching.conftest import pools

SKILLS_ONLY = ScoreWeights(text=0.0)
FAST = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def person(pid, **fields):
    return Profile(id=pid, **fields)


def reports(result, side=None):
    return {u.id: u for u in result.unmatched if side is None or u.side == side}


def pair_of(result):
    return {(p.mentor, p.mentee): p for p in result.pairs}


# ----------------------------------------------------------------- mentor mode, by hand

MENTOR_POOL = [
    person("boss@x", levels={"marc21": 4}, role=Role.MENTOR, capacity=1),
    person("report@x", levels={"marc21": 1}, learn=("marc21",), role=Role.MENTEE,
           manager="boss@x"),
    person("lonely@x", learn=("sparql",), role=Role.MENTEE),
    person("shy@x", learn=("bibframe",), role=Role.MENTEE),
    # Rates BIBFRAME 4 but offers only RDA, which nobody wants.
    person("quiet@x", levels={"bibframe": 4, "rda": 3}, teach=("rda",), role=Role.MENTOR),
    person("idle@x", role=Role.MENTEE),
    person("full@x", levels={"python": 4}, role=Role.MENTOR, capacity=1),
    person("first@x", learn=("python",), role=Role.MENTEE),
    person("second@x", levels={"python": 2}, learn=("python",), role=Role.MENTEE),
    person("busy@x", levels={"alma": 4}, role=Role.BOTH, capacity=0),
]


@pytest.fixture
def mentor_result(taxonomy):
    return match_profiles(MENTOR_POOL, taxonomy=taxonomy,
                          settings=MatchSettings(weights=SKILLS_ONLY))


def test_the_seat_report_names_who_holds_it_and_both_scores(mentor_result):
    seat = reports(mentor_result, "mentee")["second@x"].reason
    assert seat["code"] == "seat_taken"
    held = pair_of(mentor_result)[(seat["mentor"], seat["holder"])]  # the holder has the seat
    assert held.score == pytest.approx(seat["holder_score"])
    assert (seat["mentor"], seat["holder"], seat["locked"]) == ("full@x", "first@x", False)
    # first@x knows no Python, second@x some: the gap, so the score, favours first@x.
    assert seat["holder_score"] > seat["score"] > 0


def test_a_want_nobody_offers_names_the_colleague_or_says_look_outside(mentor_result):
    found = reports(mentor_result, "mentee")
    assert found["shy@x"].reason == {"code": "no_teacher", "wants": ["bibframe"], "mode": "mentor"}
    assert found["shy@x"].details == ({"code": "untaught_colleague", "skill": "bibframe",
                                       "person": "quiet@x", "level": 4, "why": "not_offered"},)
    quiet = next(p for p in MENTOR_POOL if p.id == "quiet@x")
    assert quiet.level("bibframe") >= DEFAULT_TEACH_LEVEL and "bibframe" not in quiet.teaching
    assert found["lonely@x"].details == ({"code": "nobody_has", "skill": "sparql"},)
    assert not any(p.level("sparql") for p in MENTOR_POOL)


def test_only_the_manager_teaches_it(mentor_result):
    report = reports(mentor_result, "mentee")["report@x"]
    assert report.reason == {"code": "excluded", "total": 1, "rules": {"manager": 1}}
    assert report.details == ({"code": "only_manager_chain", "skill": "marc21",
                               "people": ["boss@x"]},)


def test_a_skip_level_manager_counts_as_the_chain(taxonomy):
    profiles = [
        person("dean@x", levels={"marc21": 4}, role=Role.MENTOR),
        person("head@x", manager="dean@x", role=Role.MENTEE),
        person("cat@x", learn=("marc21",), role=Role.MENTEE, manager="head@x"),
    ]
    result = match_profiles(profiles, taxonomy=taxonomy)
    assert not result.pairs  # the whole chain is excluded by default
    cat = reports(result, "mentee")["cat@x"]
    assert cat.reason == {"code": "excluded", "total": 1, "rules": {"chain": 1}}
    assert render(cat.reason) == "all 1 eligible candidates excluded (management-chain rule 1)"
    assert cat.details == ({"code": "only_manager_chain", "skill": "marc21",
                            "people": ["dean@x"]},)
    from matching.diagnose import WantFacts
    from matching.encode import Pool

    pool = Pool(sorted(profiles, key=lambda p: p.id), taxonomy)
    facts = WantFacts(pool, pool.teacher_rows())
    assert facts.chain_of(pool.row["cat@x"]) == ["head@x", "dean@x"]
    assert facts.details(pool.row["cat@x"]) == [
        {"code": "only_manager_chain", "skill": "marc21", "people": ["dean@x"]}]


def test_idle_offers_and_people_taking_part_in_neither_way(mentor_result):
    mentors = reports(mentor_result, "mentor")
    assert mentors["quiet@x"].reason == {"code": "no_demand", "free": 1, "capacity": 1}
    assert mentors["boss@x"].reason["code"] == "mentees_excluded"
    assert mentors["busy@x"].reason == {"code": "not_taking_part", "role": "both",
                                        "capacity": 0, "offers": 1, "wants": 0}
    assert reports(mentor_result, "mentee")["idle@x"].reason == {"code": "no_goals",
                                                                  "mode": "mentor"}
    assert "full@x" not in mentors  # its one place is taken


OFFERS_POOL = [
    person("star@x", levels={"marc21": 4}, role=Role.MENTOR, capacity=1),
    person("okay@x", levels={"marc21": 3}, role=Role.MENTOR, capacity=2),
    person("e1@x", learn=("marc21",), role=Role.MENTEE),
    # Role both: has a mentor, and offers RDA, which nobody wants.
    person("both@x", levels={"rda": 4}, learn=("marc21",), role=Role.BOTH, capacity=1),
    person("dsp@x", levels={"dspace": 4}, role=Role.MENTOR, capacity=2),
    person("e2@x", learn=("dspace",), role=Role.MENTEE),
]


def test_every_offer_with_a_free_place_is_listed_with_why(taxonomy):
    result = match_profiles(OFFERS_POOL, taxonomy=taxonomy,
                            settings=MatchSettings(weights=SKILLS_ONLY))
    pairs = pair_of(result)
    assert set(pairs) == {("star@x", "e1@x"), ("okay@x", "both@x"), ("dsp@x", "e2@x")} or \
        set(pairs) == {("star@x", "both@x"), ("okay@x", "e1@x"), ("dsp@x", "e2@x")}
    mentors = reports(result, "mentor")
    assert set(mentors) == {"okay@x", "both@x", "dsp@x"}
    assert mentors["both@x"].reason == {"code": "no_demand", "free": 1, "capacity": 1}
    assert any(p.mentee == "both@x" for p in result.pairs)  # the offer of someone with a mentor
    assert mentors["dsp@x"].reason == {"code": "no_more_mentees", "free": 1, "capacity": 2}
    elsewhere = mentors["okay@x"].reason
    assert elsewhere["code"] == "mentees_placed_elsewhere" and elsewhere["free"] == 1
    # The named mentee does have the named mentor, at a score at least this one's.
    theirs = pairs[(elsewhere["their_mentor"], elsewhere["mentee"])]
    assert theirs.score == pytest.approx(elsewhere["their_score"])
    assert theirs.score >= elsewhere["score"]


def test_below_the_threshold_both_sides(taxonomy):
    profiles = [person("m@x", levels={"marc21": 3}, role=Role.MENTOR),
                person("e@x", learn=("marc21",), role=Role.MENTEE)]
    (free,) = match_profiles(profiles, taxonomy=taxonomy,
                             settings=MatchSettings(weights=SKILLS_ONLY)).pairs
    threshold = round(free.score + 0.1, 2)
    result = match_profiles(profiles, taxonomy=taxonomy,
                            settings=MatchSettings(weights=SKILLS_ONLY, min_score=threshold))
    best = pytest.approx(free.score, abs=1e-6)  # the best candidate is the pair it would make
    assert reports(result, "mentee")["e@x"].reason == {
        "code": "below_threshold", "candidates": 1, "threshold": threshold, "best": best}
    assert reports(result, "mentor")["m@x"].reason == {
        "code": "mentees_below_threshold", "free": 1, "capacity": 1, "candidates": 1,
        "threshold": threshold, "best": best}


def test_below_the_fair_threshold(taxonomy):
    profiles = [
        person("a@x", levels={"marc21": 4}, role=Role.MENTOR),
        person("b@x", levels={"marc21": 2, "rda": 2}, teach=("marc21", "rda"), role=Role.MENTOR),
        person("e1@x", learn=("marc21",), role=Role.MENTEE),
        person("e2@x", levels={"rda": 1}, learn=("rda",), role=Role.MENTEE),
        person("e3@x", learn=("marc21",), role=Role.MENTEE),
    ]
    result = match_profiles(profiles, taxonomy=taxonomy,
                            settings=MatchSettings(weights=SKILLS_ONLY, fair=True))
    fair = result.summary["fair_threshold"]
    report = reports(result, "mentee")["e2@x"].reason
    assert report == {"code": "below_fair_threshold", "threshold": pytest.approx(fair)}
    assert fair > 0.25 and all(p.score >= fair for p in result.pairs)


def test_a_close_call_names_the_other_mentor(taxonomy):
    wide = MatchSettings(weights=SKILLS_ONLY, close_call_margin=0.3)
    profiles = [person("star@x", levels={"marc21": 4}, role=Role.MENTOR),
                person("okay@x", levels={"marc21": 3}, role=Role.MENTOR),
                person("e1@x", learn=("marc21",), role=Role.MENTEE)]
    (pair,) = match_profiles(profiles, taxonomy=taxonomy, settings=wide).pairs
    assert pair.mentor == "star@x"
    other_score = dict(pair.alternatives)["okay@x"]
    assert pair.score - 0.3 <= other_score < pair.score - 0.02
    assert pair.reasons[-1] == {"code": "close_call", "other": "okay@x",
                                "score": pytest.approx(pair.score, abs=1e-6),
                                "other_score": pytest.approx(other_score, abs=1e-6),
                                "margin": 0.3}
    (pair,) = match_profiles(profiles, taxonomy=taxonomy,
                             settings=MatchSettings(weights=SKILLS_ONLY)).pairs
    assert all(r["code"] != "close_call" for r in pair.reasons)  # more than 0.02 apart
    with pytest.raises(ValueError, match="close_call_margin"):
        MatchSettings(close_call_margin=2.0)


# ------------------------------------------------------------------- peer mode, by hand

PEER_POOL = [
    # a and b swap MARC 21 and RDA; c could swap with a only, at a lower score.
    person("a@x", levels={"marc21": 4}, learn=("rda", "bibframe")),
    person("b@x", levels={"rda": 4}, learn=("marc21",)),
    person("c@x", levels={"bibframe": 2}, teach=("bibframe",), learn=("marc21",)),
    # A teaching cycle with no mutual pair: q teaches p, r teaches q, p teaches r.
    person("p@x", levels={"sparql": 4}, learn=("python",)),
    person("q@x", levels={"python": 4}, learn=("alma",)),
    person("r@x", levels={"alma": 4}, learn=("sparql",)),
    person("d@x", levels={"lcsh": 4}, teach=("alma",)),     # no goals; rates LCSH 4, offers Alma
    person("f@x", learn=("lcsh",)),
    person("g@x", learn=("dspace",)),
    # Two teammates who could swap, but share a manager.
    person("lead@x"),
    person("h@x", levels={"rdf": 4}, learn=("skos",), manager="lead@x"),
    person("k@x", levels={"skos": 4}, learn=("rdf",), manager="lead@x"),
]


@pytest.fixture
def peer_result(taxonomy):
    known = {s for p in PEER_POOL for s in (*p.levels, *p.learn)}
    missing = [s for s in known if s not in taxonomy]
    assert not missing, missing
    # Circles off, teammates refused: each report below is then the one that applies.
    return match_profiles(PEER_POOL, taxonomy=taxonomy, settings=MatchSettings(
        mode=Mode.PEER, weights=SKILLS_ONLY, trios=False, allow_same_manager=False))


def test_peer_reports_from_the_assignment(peer_result, taxonomy):
    pairs = {tuple(sorted((p.mentor, p.mentee))): p for p in peer_result.pairs}
    assert set(pairs) == {("a@x", "b@x")}
    found = reports(peer_result)
    taken = found["c@x"].reason
    assert taken["code"] == "partner_taken" and (taken["partner"], taken["holder"]) == ("a@x", "b@x")
    assert pairs[("a@x", "b@x")].score == pytest.approx(taken["holder_score"])
    assert taken["holder_score"] > taken["score"]
    assert found["p@x"].reason == {"code": "trio_possible", "people": ["q@x", "r@x"]}
    # With circles on, the three form one.
    circles = match_profiles(PEER_POOL, taxonomy=taxonomy, settings=MatchSettings(
        mode=Mode.PEER, weights=SKILLS_ONLY, allow_same_manager=False)).pairs
    assert ("p@x", "r@x", "q@x") in {p.people for p in circles}  # p teaches r teaches q
    assert found["d@x"].reason == {"code": "no_goals", "mode": "peer"}
    assert found["f@x"].reason == {"code": "no_teacher", "wants": ["lcsh"], "mode": "peer"}
    assert found["f@x"].details == ({"code": "untaught_colleague", "skill": "lcsh",
                                     "person": "d@x", "level": 4, "why": "not_offered"},)
    assert found["g@x"].details == ({"code": "nobody_has", "skill": "dspace"},)
    assert found["h@x"].reason == {"code": "excluded", "total": 1, "rules": {"same_manager": 1}}


def test_peer_pair_reasons_say_who_teaches_whom(peer_result):
    (pair,) = peer_result.pairs
    assert pair.reasons == (
        {"code": "peer_skill", "teacher": "b@x", "learner": "a@x", "skill": "rda",
         "teacher_level": 4, "learner_level": 0, "rank": 1},
        {"code": "peer_skill", "teacher": "a@x", "learner": "b@x", "skill": "marc21",
         "teacher_level": 4, "learner_level": 0, "rank": 1},
    )


def test_locked_pairs_say_so(taxonomy):
    settings_ = MatchSettings(weights=SKILLS_ONLY, locks=(("okay@x", "e1@x"),))
    result = match_profiles(OFFERS_POOL, taxonomy=taxonomy, settings=settings_)
    locked = pair_of(result)[("okay@x", "e1@x")]
    assert locked.reasons[0] == {"code": "locked"} and locked.locked


# -------------------------------------------------------- properties on random pools

def _check_reports(result, profiles):
    people = {p.id: p for p in profiles}
    pairs = pair_of(result)
    load = {}
    for mentor, _ in pairs:
        load[mentor] = load.get(mentor, 0) + 1
    for entry in result.unmatched:
        for item in (entry.reason, *entry.details):
            assert item["code"] in REASONS
            assert render(item)  # every report renders
        why = entry.reason
        if why["code"] == "seat_taken":
            held = pairs[(why["mentor"], why["holder"])]
            assert held.score == pytest.approx(why["holder_score"])
            assert load[why["mentor"]] == people[why["mentor"]].capacity
            assert why["locked"] or why["holder_score"] >= why["score"] - 1e-9
        if why["code"] == "mentees_placed_elsewhere" and why["their_mentor"] is not None:
            theirs = pairs[(why["their_mentor"], why["mentee"])]
            assert theirs.score == pytest.approx(why["their_score"])
        if why["code"] == "partner_taken":  # the partner is in a group with the holder
            assert any({why["partner"], why["holder"]} <= set(p.people) for p in result.pairs)
        for detail in entry.details:
            if detail["code"] == "untaught_colleague":
                colleague = people[detail["person"]]
                assert colleague.level(detail["skill"]) == detail["level"] >= DEFAULT_TEACH_LEVEL
            if detail["code"] == "nobody_has":
                own = people[entry.id].level(detail["skill"])
                assert not any(p.level(detail["skill"]) >= max(DEFAULT_TEACH_LEVEL, own + 1)
                               for p in profiles if p.id != entry.id)


@FAST
@given(profiles=pools())
def test_mentor_reports_agree_with_the_assignment(profiles, taxonomy):
    result = match_profiles(profiles, taxonomy=taxonomy)
    _check_reports(result, profiles)
    load = {}
    for pair in result.pairs:
        load[pair.mentor] = load.get(pair.mentor, 0) + 1
    offering = {p.id for p in profiles if p.role.mentors and p.capacity > 0 and p.teaching}
    idle = {u.id for u in result.unmatched
            if u.side == "mentor" and u.reason["code"] != "not_taking_part"}
    assert idle == {m for m in offering
                    if load.get(m, 0) < next(p.capacity for p in profiles if p.id == m)}


@FAST
@given(profiles=pools(max_size=8))
def test_peer_reports_agree_with_the_assignment(profiles, taxonomy):
    _check_reports(match_profiles(profiles, taxonomy=taxonomy,
                                  settings=MatchSettings(mode=Mode.PEER)), profiles)


# ----------------------------------------------------------------------- the renderer

NAMES = {"ann@x": "Ann Lee", "bob@x": "Bob Roe", "cy@x": "Cy Dee"}

#: One example of every registered code, and how a coordinator reads it.
EXAMPLES = {
    "skill": ({"skill": "marc21", "mentor_level": 4, "mentee_level": 1, "rank": 1},
              "MARC 21 (want 1): mentor expert (4), mentee aware (1)"),
    "peer_skill": ({"teacher": "ann@x", "learner": "bob@x", "skill": "rda", "teacher_level": 3,
                    "learner_level": 0, "rank": 2},
                   "Ann Lee teaches Bob Roe RDA (want 2): proficient (3) vs none (0)"),
    "shared_terms": ({"terms": ["linked data", "bibframe"]},
                     "goals match the mentor's background: linked data, bibframe"),
    "locked": ({}, "locked by the coordinator"),
    "reverse_mentoring": ({"mentor_years": 3.0, "mentee_years": 12.0},
                          "reverse mentoring: the mentor has fewer years of experience (3) than "
                          "the mentee (12)"),
    "close_call": ({"other": "ann@x", "score": 0.7, "other_score": 0.69, "margin": 0.02},
                   "close call: Ann Lee fits within 0.010 (0.690 against 0.700)"),
    "no_teacher": ({"wants": ["sparql", "python"], "mode": "mentor"},
                   "nobody taking mentees teaches what they want (SPARQL, Python) above their "
                   "level"),
    "excluded": ({"total": 3, "rules": {"manager": 1, "avoid": 2}},
                 "all 3 eligible candidates excluded (manager rule 1, avoid list 2)"),
    "below_threshold": ({"candidates": 2, "threshold": 0.5, "best": 0.4},
                        "all 2 candidates score below the threshold 0.5 (best 0.400)"),
    "below_fair_threshold": ({"threshold": 0.5},
                             "every candidate scores below 0.500, the lowest score the fair "
                             "assignment gives any mentee it places (locked pairs aside)"),
    "seat_taken": ({"candidates": 2, "mentor": "ann@x", "score": 0.6, "holder": "bob@x",
                    "holder_score": 0.8, "locked": False},
                   "every eligible mentor (2) is full; the best fit, Ann Lee (0.600), has "
                   "their last place taken by Bob Roe (0.800)"),
    "not_placed": ({"candidates": 2},
                   "left out although 2 candidates had room (locks or the fairness threshold)"),
    "partner_taken": ({"candidates": 1, "partner": "ann@x", "score": 0.3, "holder": "bob@x",
                       "holder_score": 0.9},
                      "all 1 possible partners were paired: the best, Ann Lee (0.300), is "
                      "paired with Bob Roe (0.900)"),
    "circles_taken": ({}, "no mutual swap, and every circle of three they could join was left "
                          "for others (more people placed, or a better score)"),
    "no_mutual_swap": ({"teachers": 2},
                       "nobody who can teach them (2) wants to learn anything they teach"),
    "no_goals": ({"mode": "peer"}, "no learning goals: a peer swap needs something to learn"),
    "not_taking_part": ({"role": "mentor", "capacity": 0, "offers": 1, "wants": 1},
                        "capacity 0: not taking mentees this round; role mentor, so their "
                        "learning goals are not matched in mentor mode"),
    "live_pair": ({}, "already has a mentor: a live pair from an earlier round"),
    "untaught_colleague": ({"skill": "bibframe", "person": "ann@x", "level": 4,
                            "why": "not_offered"},
                           "Ann Lee rates BIBFRAME 4 but did not offer it"),
    "nobody_has": ({"skill": "sparql"},
                   "nobody in the pool rates SPARQL 3 or more above their level: look outside "
                   "(training, another library)"),
    "only_manager_chain": ({"skill": "marc21", "people": ["ann@x"]},
                           "only their manager or someone above them in their management chain "
                           "teaches MARC 21 (Ann Lee)"),
    "trio_possible": ({"people": ["ann@x", "bob@x"]},
                      "no mutual swap, but a trio would work: Ann Lee teaches them, Bob Roe "
                      "teaches Ann Lee, and they teach Bob Roe"),
    "no_demand": ({"free": 1, "capacity": 2},
                  "1 of 2 places free: no mentee in the pool wants what they teach above the "
                  "mentee's level"),
    "mentees_excluded": ({"free": 2, "capacity": 2, "total": 1, "rules": {}},
                         "2 of 2 places free: all 1 mentees who could learn from them are "
                         "excluded by the rules"),
    "mentees_below_threshold": ({"free": 1, "capacity": 1, "candidates": 3, "threshold": 0.5,
                                 "best": 0.25},
                                "1 of 1 places free: all 3 candidate mentees score below the "
                                "threshold 0.5 (best 0.250)"),
    "mentees_placed_elsewhere": ({"free": 1, "capacity": 2, "candidates": 4, "mentee": "bob@x",
                                  "score": 0.5, "their_mentor": "cy@x", "their_score": 0.6},
                                 "1 of 2 places free; all 4 other mentees who could learn from "
                                 "them have a mentor they fit as well or better: the closest, "
                                 "Bob Roe (0.500 here), has Cy Dee (0.600)"),
    "no_more_mentees": ({"free": 1, "capacity": 2},
                        "1 of 2 places free: every mentee who could learn from them is already "
                        "theirs"),
    "text": ({"text": "an old sentence, as stored"}, "an old sentence, as stored"),
}


def test_every_code_has_an_example():
    assert set(EXAMPLES) == set(REASONS)


@pytest.mark.parametrize("code", sorted(EXAMPLES))
def test_every_code_renders(code, taxonomy):
    params, expected = EXAMPLES[code]
    assert render(reason(code, **params), taxonomy=taxonomy, person_name=NAMES.get) == expected


@pytest.mark.parametrize("code", sorted(EXAMPLES))
def test_participants_never_see_a_private_name(code, taxonomy):
    params, _ = EXAMPLES[code]
    seen = shown(reason(code, **params), taxonomy=taxonomy, person_name=NAMES.get,
                 audience=PARTICIPANT)
    for name in REASONS[code].private:
        assert name not in seen
        for key in params[name] if isinstance(params[name], list) else [params[name]]:
            assert NAMES[key] not in seen["text"]


def test_one_other_mentee_reads_in_the_singular():
    one = reason("mentees_placed_elsewhere", free=1, capacity=1, candidates=1, mentee="bob@x",
                 score=0.3, their_mentor=None, their_score=None)
    assert render(one, person_name=NAMES.get) == (
        "1 of 1 places free; the one other mentee who could learn from them, Bob Roe (0.300 "
        "here), has no mentor (the fairness threshold or a lock kept them out)")


def test_participant_stand_ins(taxonomy):
    close = reason("close_call", other="ann@x", score=0.7, other_score=0.69, margin=0.02)
    assert render(close, person_name=NAMES.get, audience=PARTICIPANT) == (
        "close call: another mentor fits within 0.010 (0.690 against 0.700)")
    colleague = reason("untaught_colleague", skill="bibframe", person="ann@x", level=4,
                       why="not_mentoring")
    assert render(colleague, taxonomy=taxonomy, person_name=NAMES.get,
                  audience=PARTICIPANT) == "a colleague rates BIBFRAME 4 but is not taking mentees"


def test_a_deleted_person_reads_as_a_former_participant(taxonomy):
    params, _ = EXAMPLES["seat_taken"]
    gone = forget_person(reason("seat_taken", **params), "bob@x")
    assert gone["holder"] is None and gone["mentor"] == "ann@x"
    assert render(gone, person_name=NAMES.get).endswith(f"taken by {FORMER_PARTICIPANT} (0.800)")
    assert render(reason("seat_taken", **params), person_name={}.get).startswith(
        f"every eligible mentor (2) is full; the best fit, {FORMER_PARTICIPANT}")


def test_people_are_mapped_and_listed():
    trio = reason("trio_possible", people=["ann@x", "bob@x"])
    assert people_in(trio) == ["ann@x", "bob@x"]
    assert map_people(trio, {"ann@x": 1, "bob@x": 2}.get) == {"code": "trio_possible",
                                                              "people": [1, 2]}
    assert people_in(reason("skill", skill="rda", mentor_level=3, mentee_level=0, rank=1)) == []


def test_old_strings_and_unknown_codes_still_show():
    assert normalize("MARC 21: mentor expert (4), mentee none (0)") == {
        "code": "text", "text": "MARC 21: mentor expert (4), mentee none (0)"}
    assert render("MARC 21: mentor expert (4), mentee none (0)") == (
        "MARC 21: mentor expert (4), mentee none (0)")
    assert shown("old") == {"code": "text", "text": "old"}
    # A code written by a newer engine shows its data rather than failing.
    assert render({"code": "a_future_code", "years": 3}) == "a_future_code: years 3"
    assert render({"code": "skill", "skill": "gone_skill", "mentor_level": 4, "mentee_level": 0,
                   "rank": 1}, taxonomy=None).startswith("gone_skill (want 1)")


def test_a_skill_no_longer_in_the_taxonomy_reads_as_its_id(taxonomy):
    assert render(reason("nobody_has", skill="gone_skill"), taxonomy=taxonomy).startswith(
        "nobody in the pool rates gone_skill 3")


def test_reason_refuses_unknown_codes_and_a_text_parameter():
    with pytest.raises(KeyError):
        reason("no_such_code")
    with pytest.raises(ValueError):
        reason("locked", text="x")
    assert COORDINATOR != PARTICIPANT


def test_shared_terms_are_in_both_texts(taxonomy):
    profiles = [
        person("m@x", levels={"folio": 4}, role=Role.MENTOR,
               bio="I led our FOLIO migration and the acquisitions workflows"),
        person("e@x", learn=("folio",), role=Role.MENTEE,
               goals="plan the FOLIO migration of acquisitions"),
    ]
    (pair,) = match_profiles(profiles, taxonomy=taxonomy).pairs
    shared = next(r for r in pair.reasons if r["code"] == "shared_terms")
    assert shared["terms"]
    for term in shared["terms"]:
        assert term in profiles[0].bio.lower() and term in profiles[1].goals.lower()


def test_a_colleague_who_offers_it_but_takes_no_mentees(taxonomy):
    profiles = [
        person("busy@x", levels={"sparql": 4}, teach=("sparql",), role=Role.MENTOR, capacity=0),
        person("e@x", learn=("sparql",), role=Role.MENTEE),
    ]
    result = match_profiles(profiles, taxonomy=taxonomy)
    assert reports(result, "mentee")["e@x"].details == (
        {"code": "untaught_colleague", "skill": "sparql", "person": "busy@x", "level": 4,
         "why": "not_mentoring"},)


def test_an_assignment_that_leaves_room_is_reported_as_such(taxonomy):
    """The guard for an assignment that is not optimal (the solvers never give one): the
    reports then say so rather than name a seat nobody holds."""
    import numpy as np
    import scipy.sparse as sp

    from matching.diagnose import MentorAssignment, MentorFunnel, mentor_unmatched
    from matching.encode import Pool

    pool = Pool([person("e@x", learn=("marc21",), role=Role.MENTEE),
                 person("m@x", levels={"marc21": 4}, role=Role.MENTOR)], taxonomy)
    scores = sp.csr_matrix(np.array([[0.5]]))
    funnel = MentorFunnel(raw_rows=np.array([1]), raw_cols=np.array([1]), rule_counts={},
                          allowed=scores, candidates=scores, solvable_rows=np.array([1]))
    nothing = np.zeros(0, np.int64)
    found = mentor_unmatched(pool, pool.learner_rows(), pool.teacher_rows(), np.array([1]),
                             funnel, MentorAssignment(nothing, nothing, np.zeros(0),
                                                      np.zeros(0, bool)), 0.0, None)
    assert [(u.id, u.side, u.reason["code"]) for u in found] == [
        ("e@x", "mentee", "not_placed"), ("m@x", "mentor", "mentees_placed_elsewhere")]
    assert found[1].reason["their_mentor"] is None

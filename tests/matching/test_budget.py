"""The training budget on a pool where every cause occurs, worked out by hand.

    ada  mentor, capacity 1, alma 4                      (Cataloguing)
    ben  mentee, alma 2, wants alma                      (Systems)     alma: ada is full -> full 1
    cal  mentee, wants alma, python                      (Systems)     paired with ada: alma met 1;
                                                                       python: nobody has it -> buy 1/2
    dee  mentor, capacity 2, folio 4 and dspace 4, offers folio only          (Digital)
    eve  mentee, wants folio, sparql                     (Digital)     paired with dee: folio met 1;
                                                                       sparql: fay is free -> reassign 1/2
    fay  mentor, capacity 1, sparql 4, no mentee          (Digital)
    gus  mentee, wants dspace                            (Systems)     nobody offers it; dee (4) and
                                                                       hal (3) rate it -> ask 1, 2 colleagues
    hal  mentee, dspace 3, wants nothing                 (Cataloguing)
    ivy  mentee, wants linux, manager jon                (Systems)     only jon teaches it -> excluded 1
    jon  mentor, capacity 1, linux 4                     (Systems)

Weights: first want 1, second 1/2.
"""

from __future__ import annotations

import pytest

from matching import MatchSettings, Mode, Profile, Role
from matching.budget import Cause, training_budget, want_weight

MENTOR, MENTEE = Role.MENTOR, Role.MENTEE
POOL = [
    Profile("ada", {"alma": 4}, role=MENTOR, capacity=1),
    Profile("ben", {"alma": 2}, learn=("alma",), role=MENTEE),
    Profile("cal", {}, learn=("alma", "python"), role=MENTEE),
    Profile("dee", {"folio": 4, "dspace": 4}, teach=("folio",), role=MENTOR, capacity=2),
    Profile("eve", {}, learn=("folio", "sparql"), role=MENTEE),
    Profile("fay", {"sparql": 4}, role=MENTOR, capacity=1),
    Profile("gus", {}, learn=("dspace",), role=MENTEE),
    Profile("hal", {"dspace": 3}, role=MENTEE),
    Profile("ivy", {}, learn=("linux",), role=MENTEE, manager="jon"),
    Profile("jon", {"linux": 4}, role=MENTOR, capacity=1),
]
PAIRS = [("ada", "cal"), ("dee", "eve")]
DEPARTMENTS = {"ada": "Cataloguing", "ben": "Systems", "cal": "Systems", "dee": "Digital",
               "eve": "Digital", "fay": "Digital", "gus": "Systems", "hal": "Cataloguing",
               "ivy": "Systems", "jon": "Systems"}


def unmet(line) -> dict[str, float]:
    """The causes with unmet demand, by code."""
    return {str(cause): value for cause, value in line.unmet.items() if value}


def test_weights_fall_with_the_rank():
    assert [want_weight(rank) for rank in (1, 2, 4)] == [1.0, 0.5, 0.25]


def test_every_cause_by_skill():
    budget = training_budget(POOL, PAIRS, departments=DEPARTMENTS)
    lines = {line.key: line for line in budget.skills}
    expected = {  # skill: (wants, demand, met, unmet by cause, colleagues)
        "alma": (2, 2.0, 1.0, {"full": 1.0}, 0),
        "python": (1, 0.5, 0.0, {"buy": 0.5}, 0),
        "folio": (1, 1.0, 1.0, {}, 0),
        "sparql": (1, 0.5, 0.0, {"reassign": 0.5}, 0),
        "dspace": (1, 1.0, 0.0, {"ask": 1.0}, 2),
        "linux": (1, 1.0, 0.0, {"excluded": 1.0}, 0),
    }
    assert {key: (line.wants, line.demand, line.met, unmet(line), line.colleagues)
            for key, line in lines.items()} == expected
    # Most unmet first; equal unmet and demand by id.
    assert [line.key for line in budget.skills] == [
        "alma", "dspace", "linux", "python", "sparql", "folio"]
    assert lines["dspace"].main_cause is Cause.ASK and lines["folio"].main_cause is None


def test_rolled_up_by_the_learners_department():
    budget = training_budget(POOL, PAIRS, departments=DEPARTMENTS)
    lines = {line.key: line for line in budget.departments}
    assert set(lines) == {"Systems", "Digital"}  # nobody in Cataloguing wants anything
    systems, digital = lines["Systems"], lines["Digital"]
    assert (systems.wants, systems.demand, systems.met) == (5, 4.5, 1.0)
    assert unmet(systems) == {"full": 1.0, "buy": 0.5, "ask": 1.0, "excluded": 1.0}
    assert (digital.wants, digital.demand, digital.met, unmet(digital)) == (
        2, 1.5, 1.0, {"reassign": 0.5})
    assert (budget.total.demand, budget.total.met, budget.total.unmet_total) == (6.0, 2.0, 4.0)


def test_a_teacher_with_room_turns_full_into_reassign():
    # Ada takes two mentees: ben's alma is no longer blocked by a full teacher.
    roomy = [Profile("ada", {"alma": 4}, role=MENTOR, capacity=2), *POOL[1:]]
    lines = {line.key: line for line in training_budget(roomy, PAIRS).skills}
    assert unmet(lines["alma"]) == {"reassign": 1.0}


def test_a_teacher_below_the_learners_level_does_not_count():
    # Ben already rates alma 4: ada (4) cannot teach him, nobody else rates it above 4.
    stronger = [POOL[0], Profile("ben", {"alma": 4}, learn=("alma",), role=MENTEE), *POOL[2:]]
    lines = {line.key: line for line in training_budget(stronger, PAIRS).skills}
    assert unmet(lines["alma"]) == {"buy": 1.0}


def test_the_rules_of_the_round_decide_who_is_excluded():
    # Allowing the manager pair is not a setting; an avoid list is: ada is avoided for ben.
    settings = MatchSettings(avoid=(("ada", "ben"),))
    lines = {line.key: line for line in training_budget(POOL, PAIRS, settings=settings).skills}
    assert unmet(lines["alma"]) == {"excluded": 1.0}
    # Without a manager, ivy could have had jon, who is free.
    free = [*POOL[:8], Profile("ivy", {}, learn=("linux",), role=MENTEE), POOL[9]]
    lines = {line.key: line for line in training_budget(free, PAIRS).skills}
    assert unmet(lines["linux"]) == {"reassign": 1.0}


def test_peer_mode_counts_both_directions_and_a_partner_as_full():
    peers = [Profile("p", {"alma": 4}, learn=("folio",)), Profile("q", {"folio": 4}, learn=("alma",)),
             Profile("r", {}, learn=("alma",))]
    budget = training_budget(peers, [("p", "q")], settings=MatchSettings(mode=Mode.PEER))
    lines = {line.key: line for line in budget.skills}
    assert (lines["folio"].met, lines["alma"].wants, lines["alma"].met) == (1.0, 2, 1.0)
    assert unmet(lines["alma"]) == {"full": 1.0}  # p, the one teacher, is paired with q


def test_peer_mode_counts_a_free_peer_only_when_the_swap_is_mutual():
    # s teaches alma and is unpaired; r has nothing s wants, t has (dspace).
    peers = [Profile("r", {}, learn=("alma",)), Profile("s", {"alma": 4}, learn=("dspace",)),
             Profile("t", {"dspace": 3}, learn=("alma",))]
    budget = training_budget(peers, [], settings=MatchSettings(mode=Mode.PEER))
    [alma] = [line for line in budget.skills if line.key == "alma"]
    assert unmet(alma) == {"full": 1.0, "reassign": 1.0}


@pytest.mark.parametrize("order", [1, -1])
def test_the_order_of_people_and_pairs_does_not_matter(order):
    assert training_budget(POOL[::order], PAIRS[::order], departments=DEPARTMENTS) == \
        training_budget(POOL, PAIRS, departments=DEPARTMENTS)

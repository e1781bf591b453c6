"""After the match: who may move a pair, what each side then sees, the agreement, the history."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from mentorship.core.audit import AuditEvent
from mentorship.core.db import make_engine
from mentorship.core.errors import Conflict, InvalidInput, PermissionDenied
from mentorship.migrate import upgrade_database
from mentorship.people.accounts import set_active, set_roles
from mentorship.people.models import Person
from mentorship.profiles.operations import register_person
from mentorship.rounds.agreements import confirm_agreement, get_agreement, propose_agreement
from mentorship.rounds.lifecycle import activate_pair, end_pair, my_matches, pair_history
from mentorship.rounds.models import Agreement, Match, MatchStatus
from mentorship.rounds.operations import close_round, create_round, publish_round
from mentorship.rounds.pairs import accept_match, decline_match
from mentorship.rounds.run import preview_round
from mentorship.rounds.transitions import TRANSITIONS, check_transition
from tests.conftest import AGREEMENT_END, AGREEMENT_START, run_at_once

PEOPLE = {
    "mentor": {"role": "mentor", "capacity": "2", "skills": "MARC 21=4; RDA=4",
               "teach": "MARC 21; RDA", "format_preference": "remote"},
    "mentee": {"role": "mentee", "skills": "MARC 21=1", "learn": "RDA; MARC 21",
               "goals": "Catalogue on my own", "format_preference": "either"},
    "coordinator": {"role": "both"},
    "stranger": {"role": "mentee", "goals": "Nothing yet"},
}

AGREEMENT = {"goals": "Learn RDA", "frequency": "monthly", "meeting_format": "remote",
             "start_date": AGREEMENT_START.isoformat(), "end_date": AGREEMENT_END.isoformat()}


def seed(db, taxonomy) -> dict:
    """Four people and a published round whose one pair is mentor and mentee."""
    people = {}
    for who, fields in PEOPLE.items():
        person = register_person(db, None, {"email": f"{who}@lib.org", "name": who.title(),
                                            **fields}, taxonomy)
        people[who] = person
    set_roles(db, None, people["coordinator"].id, coordinator=True, admin=False)
    current = create_round(db, None, "Spring")
    preview_round(db, None, current.id, taxonomy=taxonomy)
    publish_round(db, None, current.id)
    [match] = db.scalars(select(Match).where(Match.round_id == current.id)).all()
    assert (match.mentor_id, match.mentee_id) == (people["mentor"].id, people["mentee"].id)
    return {**people, "match": match, "round": current}


@pytest.fixture
def pair(db, taxonomy):
    return seed(db, taxonomy)


def moves(db, match_id):
    return [(e.action, e.actor_id, e.details.get("from"), e.details.get("to")) for e in db.scalars(
        select(AuditEvent).where(AuditEvent.target_type == "match",
                                 AuditEvent.target_id == str(match_id),
                                 AuditEvent.action.like("match.%")).order_by(AuditEvent.id))]


def set_status(db, match, status):
    match.status = status
    db.flush()


# Every move of the table, as every kind of person: (from, to) -> who may.
WHO = {
    (MatchStatus.PROPOSED, MatchStatus.ACCEPTED): {"mentor", "mentee"},
    (MatchStatus.PROPOSED, MatchStatus.DECLINED): {"mentor", "mentee", "coordinator"},
    (MatchStatus.ACCEPTED, MatchStatus.DECLINED): {"mentor", "mentee", "coordinator"},
    (MatchStatus.ACCEPTED, MatchStatus.ACTIVE): {"mentor", "mentee", "coordinator"},
    (MatchStatus.PROPOSED, MatchStatus.ENDED): {"coordinator"},
    (MatchStatus.ACCEPTED, MatchStatus.ENDED): {"mentor", "mentee", "coordinator"},
    (MatchStatus.ACTIVE, MatchStatus.ENDED): {"mentor", "mentee", "coordinator"},
}


def test_the_table_says_who_may_make_each_move_and_nothing_else_moves(pair):
    assert set(TRANSITIONS) == set(WHO)
    match = pair["match"]
    for before in MatchStatus:
        for after in MatchStatus:
            match.status = before
            # Whoever may make some move to `after` is told the state forbids it; anyone
            # else that they may not (whatever the state).
            ever = set().union(*(w for (_, to), w in WHO.items() if to == after))
            for who in ("mentor", "mentee", "coordinator", "stranger"):
                if (before, after) not in WHO and (who in ever or not ever):
                    with pytest.raises(Conflict):
                        check_transition(pair[who], match, after)
                elif who in WHO.get((before, after), ()):
                    check_transition(pair[who], match, after)
                else:
                    with pytest.raises(PermissionDenied):
                        check_transition(pair[who], match, after)


@pytest.mark.parametrize("who", ["mentor", "mentee", "coordinator", "stranger"])
def test_activate_as_each_side(db, pair, who):
    match = pair["match"]
    set_status(db, match, MatchStatus.ACCEPTED)
    if who == "stranger":
        with pytest.raises(PermissionDenied):
            activate_pair(db, pair[who], match.id)
        assert match.status == MatchStatus.ACCEPTED and moves(db, match.id) == []
        return
    activate_pair(db, pair[who], match.id)
    assert match.status == MatchStatus.ACTIVE
    assert moves(db, match.id) == [("match.activate", pair[who].id, "accepted", "active")]
    for side in ("mentor", "mentee"):  # both sides see it active
        [live] = my_matches(db, pair[side]).live
        assert live.match.status == MatchStatus.ACTIVE


@pytest.mark.parametrize("who", ["mentor", "mentee", "coordinator", "stranger"])
def test_end_as_each_side_with_a_reason_that_both_see(db, pair, who):
    match = pair["match"]
    set_status(db, match, MatchStatus.ACTIVE)
    if who == "stranger":
        with pytest.raises(PermissionDenied):
            end_pair(db, pair[who], match.id, note="no")
        return
    with pytest.raises(InvalidInput) as caught:
        end_pair(db, pair[who], match.id, note="  ")
    assert caught.value.errors[0].column == "reason"
    end_pair(db, pair[who], match.id, note="Goals met early")
    assert (match.status, match.end_note) == (MatchStatus.ENDED, "Goals met early")
    assert match.end_reason == ("ended_by_coordinator" if who == "coordinator"
                                else "ended_by_member")
    assert moves(db, match.id) == [("match.end", pair[who].id, "active", "ended")]
    for side in ("mentor", "mentee"):
        seen = my_matches(db, pair[side])
        assert seen.live == []
        [past] = seen.past
        assert past.match.status == MatchStatus.ENDED and past.by == pair[who]
        assert past.by_me == (side == who)
    assert my_matches(db, pair["mentee"]).waiting == {"mentee"}
    assert my_matches(db, pair["mentor"]).waiting == frozenset()
    with pytest.raises(Conflict):  # ended is the end
        end_pair(db, pair["mentor"], match.id, note="again")


def test_accept_then_the_other_side_accepts_too_and_both_are_in_the_history(db, pair):
    match = pair["match"]
    with pytest.raises(PermissionDenied):
        accept_match(db, pair["coordinator"], match.id)
    accept_match(db, pair["mentor"], match.id)
    accept_match(db, pair["mentee"], match.id)
    assert match.status == MatchStatus.ACCEPTED
    assert moves(db, match.id) == [("match.accept", pair["mentor"].id, "proposed", "accepted"),
                                   ("match.accept", pair["mentee"].id, "accepted", "accepted")]
    history = pair_history(db, pair["mentee"], match.id)
    assert [h.action for h in history] == ["match.proposed", "match.accept", "match.accept"]
    assert history[1].actor == pair["mentor"] and history[1].after == "accepted"
    with pytest.raises(PermissionDenied):
        pair_history(db, pair["stranger"], match.id)


def test_a_declined_mentee_sees_who_declined_and_waits_for_a_new_mentor(db, pair, taxonomy):
    match = pair["match"]
    decline_match(db, pair["mentor"], match.id, taxonomy=taxonomy, reason="moving teams")
    assert moves(db, match.id) == [("match.decline", pair["mentor"].id, "proposed", "declined")]
    mentee = my_matches(db, pair["mentee"])
    assert mentee.live == [] and mentee.waiting == {"mentee"}
    [past] = mentee.past
    assert past.by == pair["mentor"] and not past.by_me and past.others == (pair["mentor"],)
    mentor = my_matches(db, pair["mentor"])
    assert mentor.past[0].by_me and mentor.waiting == frozenset()


def test_deactivation_ends_the_pair_for_the_other_side_with_why(db, pair):
    match = pair["match"]
    set_active(db, pair["coordinator"], pair["mentor"].id, False)
    db.refresh(match)
    assert (match.status, match.end_reason) == (MatchStatus.ENDED, "person_deactivated")
    assert moves(db, match.id) == [("match.end", pair["coordinator"].id, "proposed", "ended")]
    seen = my_matches(db, pair["mentee"])
    assert seen.live == [] and seen.past[0].match.end_reason == "person_deactivated"
    assert seen.waiting == {"mentee"}


def test_closing_a_round_audits_each_pair_with_what_it_was(db, pair):
    match = pair["match"]
    set_status(db, match, MatchStatus.ACTIVE)
    close_round(db, pair["coordinator"], pair["round"].id)
    db.refresh(match)
    assert (match.status, match.end_reason) == (MatchStatus.ENDED, "round_closed")
    assert moves(db, match.id) == [("match.end", pair["coordinator"].id, "active", "ended")]


def test_the_agreement_draft_is_seeded_from_the_mentees_wants_in_rank_order(db, pair):
    view = get_agreement(db, pair["mentor"], pair["match"].id)
    assert view.status == "none" and view.version == 0
    assert view.values["goals"].splitlines() == ["Learn RDA", "Learn MARC 21",
                                                 "Catalogue on my own"]
    assert view.values["meeting_format"] == "remote"  # remote and either: remote
    assert view.values["end_date"] > view.values["start_date"]
    with pytest.raises(PermissionDenied):
        get_agreement(db, pair["stranger"], pair["match"].id)


def test_an_agreement_waits_for_acceptance(db, pair):
    with pytest.raises(Conflict, match="once a pair is accepted"):
        propose_agreement(db, pair["mentee"], pair["match"].id, AGREEMENT, version=0)


def test_propose_confirm_edit_and_confirm_again(db, pair):
    match = pair["match"]
    accept_match(db, pair["mentor"], match.id)
    for who in ("coordinator", "stranger"):
        with pytest.raises(PermissionDenied):
            propose_agreement(db, pair[who], match.id, AGREEMENT, version=0)
    proposed = propose_agreement(db, pair["mentee"], match.id, AGREEMENT, version=0)
    assert (proposed.version, proposed.status) == (1, "proposed")
    assert proposed.values["start_date"] == AGREEMENT_START
    with pytest.raises(Conflict, match="the other side confirms"):
        confirm_agreement(db, pair["mentee"], match.id, version=1)
    with pytest.raises(PermissionDenied):
        confirm_agreement(db, pair["coordinator"], match.id, version=1)
    assert get_agreement(db, pair["coordinator"], match.id).status == "proposed"  # they see it
    confirmed = confirm_agreement(db, pair["mentor"], match.id, version=1)
    assert confirmed.status == "confirmed"
    assert confirmed.agreement.confirmed_by_id == pair["mentor"].id
    assert match.status == MatchStatus.ACTIVE
    assert moves(db, match.id)[-1] == ("match.activate", pair["mentor"].id, "accepted", "active")

    # The mentor edits it: the confirmation goes, the mentee confirms the new version.
    edited = propose_agreement(db, pair["mentor"], match.id, {**AGREEMENT, "frequency": "weekly"},
                               version=1)
    assert (edited.version, edited.status, edited.values["frequency"]) == (2, "proposed", "weekly")
    with pytest.raises(Conflict, match="changed meanwhile"):
        confirm_agreement(db, pair["mentee"], match.id, version=1)   # the stale one
    with pytest.raises(Conflict, match="changed by the other side"):
        propose_agreement(db, pair["mentee"], match.id, AGREEMENT, version=1)
    assert confirm_agreement(db, pair["mentee"], match.id, version=2).status == "confirmed"
    assert match.status == MatchStatus.ACTIVE  # active already: no second move
    actions = [e.action for e in pair_history(db, pair["mentor"], match.id)]
    assert actions == ["match.proposed", "match.accept", "agreement.propose", "agreement.confirm",
                       "match.activate", "agreement.propose", "agreement.confirm"]


def test_a_bad_agreement_names_each_field_and_saves_nothing(db, pair):
    match = pair["match"]
    accept_match(db, pair["mentor"], match.id)
    with pytest.raises(InvalidInput) as caught:
        propose_agreement(db, pair["mentee"], match.id, {
            "goals": "", "frequency": "hourly", "meeting_format": "telepathy",
            "start_date": AGREEMENT_END.isoformat(), "end_date": AGREEMENT_START.isoformat()}, version=0)
    reasons = {e.column: e.reason for e in caught.value.errors}
    assert set(reasons) == {"goals", "frequency", "meeting_format", "end_date"}
    assert reasons["end_date"] == "the end date must be after the start date"
    assert "monthly" in reasons["frequency"]
    with pytest.raises(InvalidInput) as caught:
        propose_agreement(db, pair["mentee"], match.id, {**AGREEMENT, "start_date": "soon"},
                          version=0)
    assert {e.column: e.reason for e in caught.value.errors} == {
        "start_date": "give a date: year, month and day (such as 2027-01-04)"}
    assert get_agreement(db, pair["mentee"], match.id).status == "none"


def test_an_agreement_starts_within_a_year_and_lasts_at_most_three(db, pair):
    match = pair["match"]
    accept_match(db, pair["mentor"], match.id)
    with pytest.raises(InvalidInput) as caught:
        propose_agreement(db, pair["mentee"], match.id, {
            **AGREEMENT, "start_date": "1900-01-01", "end_date": "9999-12-31"}, version=0)
    reasons = {e.column: e.reason for e in caught.value.errors}
    assert set(reasons) == {"start_date", "end_date"}
    assert reasons["start_date"].startswith("the start must be between ")
    assert reasons["end_date"].startswith("the end must be at most three years after the start")
    today = date.today()
    with pytest.raises(InvalidInput, match="the agreement is not valid"):
        propose_agreement(db, pair["mentee"], match.id, {
            **AGREEMENT, "start_date": str(today + timedelta(days=3 * 365)),
            "end_date": str(today + timedelta(days=4 * 365))}, version=0)
    fine = propose_agreement(db, pair["mentee"], match.id, {
        **AGREEMENT, "start_date": str(today - timedelta(days=300)),
        "end_date": str(today + timedelta(days=700))}, version=0)
    assert fine.status == "proposed"


# --- races: two changes at once, exactly one wins ----------------------------------------------

@pytest.fixture
def own_engine(private_database):
    engine = make_engine(private_database)
    upgrade_database(engine)
    yield engine
    engine.dispose()


def test_two_moves_at_once_one_wins_and_one_is_audited(own_engine, taxonomy):
    with Session(own_engine) as db, db.begin():
        ids = {k: v.id for k, v in seed(db, taxonomy).items()}

    def as_person(who, job):
        def run():
            with Session(own_engine) as db, db.begin():
                job(db, db.get(Person, ids[who]))
            return "done"
        return run

    for trial in range(8):
        with Session(own_engine) as db, db.begin():
            db.get(Match, ids["match"]).status = MatchStatus.ACCEPTED
        # Both members end it, or both mark it active, at the same moment.
        if trial % 2:
            def job(db, me):
                return end_pair(db, me, ids["match"], note=f"by {me.id}")
        else:
            def job(db, me):
                return activate_pair(db, me, ids["match"])
        outcomes = run_at_once(as_person("mentor", job), as_person("mentee", job))
        assert outcomes.count("done") == 1, outcomes
        assert all(o == "done" or isinstance(o, Conflict) for o in outcomes), outcomes
        with Session(own_engine) as db:
            match = db.get(Match, ids["match"])
            assert match.status == (MatchStatus.ENDED if trial % 2 else MatchStatus.ACTIVE)
            if trial % 2:  # the winner's note, not a mix
                winner = ids["mentor"] if outcomes[0] == "done" else ids["mentee"]
                assert match.end_note == f"by {winner}"
            events = db.scalars(select(AuditEvent.action).where(
                AuditEvent.target_id == str(ids["match"]), AuditEvent.action.like("match.%"))
                .order_by(AuditEvent.id)).all()
            assert len(events) == trial + 1  # one move per trial, never two


def test_two_first_proposals_at_once_one_wins(own_engine, taxonomy):
    with Session(own_engine) as db, db.begin():
        ids = {k: v.id for k, v in seed(db, taxonomy).items()}
        accept_match(db, db.get(Person, ids["mentor"]), ids["match"])

    def propose(who, frequency):
        def run():
            with Session(own_engine) as db, db.begin():
                propose_agreement(db, db.get(Person, ids[who]), ids["match"],
                                  {**AGREEMENT, "frequency": frequency}, version=0)
            return "done"
        return run

    outcomes = run_at_once(propose("mentor", "weekly"), propose("mentee", "monthly"))
    assert outcomes.count("done") == 1, outcomes
    assert any(isinstance(o, Conflict) for o in outcomes), outcomes
    with Session(own_engine) as db:
        view = get_agreement(db, None, ids["match"])
        assert view.version == 1
        assert view.values["frequency"] == ("weekly" if outcomes[0] == "done" else "monthly")


def test_confirms_racing_a_new_proposal_are_conflicts_never_a_deadlock(own_engine, taxonomy):
    # Confirming locked the agreement then the pair, proposing the pair then the agreement: on
    # PostgreSQL the two deadlocked (after a second), which the app told as "database busy".
    with Session(own_engine) as db, db.begin():
        ids = {k: v.id for k, v in seed(db, taxonomy).items()}
        accept_match(db, db.get(Person, ids["mentor"]), ids["match"])

    def as_person(who, job):
        def run():
            with Session(own_engine) as db, db.begin():
                job(db, db.get(Person, ids[who]))
            return "done"
        return run

    def confirm(db, me):
        confirm_agreement(db, me, ids["match"], version=1)

    def propose(db, me):
        propose_agreement(db, me, ids["match"], {**AGREEMENT, "goals": "Again"}, version=1)

    for _trial in range(3):
        with Session(own_engine) as db, db.begin():
            db.execute(delete(Agreement).where(Agreement.match_id == ids["match"]))
            db.get(Match, ids["match"]).status = MatchStatus.ACCEPTED
            propose_agreement(db, db.get(Person, ids["mentor"]), ids["match"], AGREEMENT,
                              version=0)
        outcomes = run_at_once(*[as_person("mentee", confirm)] * 3,
                               as_person("mentor", propose))
        assert all(o == "done" or isinstance(o, Conflict) for o in outcomes), outcomes
        assert outcomes[:3].count("done") <= 1, outcomes
        with Session(own_engine) as db:
            view = get_agreement(db, None, ids["match"])
            # The proposal names the version the confirms do not change, so it always goes
            # through: after a confirmation it clears it, before one it makes the confirms stale.
            assert outcomes[3] == "done", outcomes
            assert (view.version, view.status) == (2, "proposed")


def test_a_persons_export_holds_their_agreements_and_deletion_removes_them(db, pair):
    from mentorship.people.personal_data import delete_person, export_person
    from mentorship.rounds.models import Agreement

    match = pair["match"]
    accept_match(db, pair["mentor"], match.id)
    propose_agreement(db, pair["mentee"], match.id, AGREEMENT, version=0)
    end_pair(db, pair["mentor"], match.id, note="Moving to another library")
    [exported] = export_person(db, None, "mentee@lib.org")["matches"]
    assert exported["agreement"]["goals"] == "Learn RDA"
    assert exported["end_note"] == "Moving to another library"
    delete_person(db, None, "mentee@lib.org")
    db.refresh(match)
    assert match.mentee_id is None and match.end_note == ""
    assert db.get(Agreement, match.id) is None

"""Sign-up links: the three kinds, one-time verification, approval, no enumeration, races."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from mentorship.core.db import make_engine
from mentorship.core.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from mentorship.migrate import upgrade_database
from mentorship.people.accounts import authenticate, request_password_reset
from mentorship.people.models import Invite, Person, SignupLink, SignupRequest
from mentorship.people.personal_data import delete_person
from mentorship.people.signup import (
    approve_signup,
    create_signup_link,
    parse_domains,
    pending_signups,
    refuse_signup,
    regenerate_signup_link,
    request_signup,
    set_signup_link_active,
    signup_for_token,
    signup_link_for_token,
    signup_links,
    update_signup_link,
    verify_signup,
)
from mentorship.programmes.access import forget_visible_programmes
from mentorship.programmes.models import Enrolment, Programme, ProgrammeCoordinator
from mentorship.programmes.queries import default_programme
from tests.conftest import run_at_once

PASSWORD = "a long enough passphrase"


@pytest.fixture
def coordinator(db):
    person = Person(email="cora@example.org", name="Cora", is_coordinator=True)
    db.add(person)
    db.flush()
    return person


def make_link(db, coordinator, mode="open", domains=()):
    return create_signup_link(db, coordinator, programme_id=None, mode=mode,
                              domains=list(domains))


def enrolled(db, person_id, programme_id) -> bool:
    return db.scalar(select(Enrolment.id).where(Enrolment.person_id == person_id,
                                                Enrolment.programme_id == programme_id)) is not None


def test_an_open_link_signs_up_verifies_once_and_enrols(db, coordinator):
    issued = make_link(db, coordinator)
    assert issued.token not in {row.token_hash for row in db.scalars(select(SignupLink))}
    assert issued.link.programme_id == default_programme(db).id
    signup = request_signup(db, issued.token, "  Nia   Newcomer ", "Nia@Example.org ")
    assert (signup.request.name, signup.request.email) == ("Nia Newcomer", "nia@example.org")
    assert not signup.existing and signup.token not in signup.request.token_hash
    assert db.scalar(select(Person).where(Person.email == "nia@example.org")) is None
    outcome = verify_signup(db, signup.token, PASSWORD)
    assert not outcome.waiting and outcome.person.email == "nia@example.org"
    assert authenticate(db, "nia@example.org", PASSWORD) is outcome.person
    assert enrolled(db, outcome.person.id, issued.link.programme_id)
    with pytest.raises(NotFound, match="used already"):
        verify_signup(db, signup.token, PASSWORD)
    with pytest.raises(NotFound, match="used already"):
        signup_for_token(db, signup.token)


def test_a_verification_link_expires_and_a_new_sign_up_replaces_the_old(db, coordinator):
    issued = make_link(db, coordinator)
    first = request_signup(db, issued.token, "Nia", "nia@example.org")
    second = request_signup(db, issued.token, "Nia", "nia@example.org")
    with pytest.raises(NotFound, match="replaced by a newer one"):
        signup_for_token(db, first.token)
    db.execute(SignupRequest.__table__.update().values(
        expires_at=datetime.now(UTC) - timedelta(minutes=1)))
    db.expire_all()
    with pytest.raises(NotFound, match="has expired"):
        verify_signup(db, second.token, PASSWORD)
    assert db.scalar(select(Person).where(Person.email == "nia@example.org")) is None


def test_the_password_rules_apply_and_nothing_is_used_up_by_a_bad_one(db, coordinator):
    signup = request_signup(db, make_link(db, coordinator).token, "Nia", "nia@example.org")
    with pytest.raises(InvalidInput) as caught:
        verify_signup(db, signup.token, "short")
    assert "at least 12 characters" in str(caught.value.errors[0])
    with pytest.raises(InvalidInput, match="not valid"):
        verify_signup(db, signup.token, "password1234")
    assert verify_signup(db, signup.token, PASSWORD).person is not None


def test_a_domain_link_refuses_other_addresses_with_the_domains_it_takes(db, coordinator):
    issued = make_link(db, coordinator, "domains", parse_domains("@westbrook.edu, lib.org"))
    assert issued.link.domains == ["westbrook.edu", "lib.org"]
    with pytest.raises(InvalidInput) as caught:
        request_signup(db, issued.token, "Eve", "eve@gmail.com")
    [problem] = caught.value.errors
    assert problem.column == "email"
    assert "addresses ending @westbrook.edu or @lib.org" in problem.reason
    with pytest.raises(InvalidInput):
        request_signup(db, issued.token, "Eve", "eve@sub.westbrook.edu")
    signup = request_signup(db, issued.token, "Wes", "WES@Westbrook.edu")
    assert verify_signup(db, signup.token, PASSWORD).person.email == "wes@westbrook.edu"


def test_bad_settings_and_bad_input_say_which_field(db, coordinator):
    with pytest.raises(InvalidInput) as caught:
        parse_domains("westbrook.edu, localhost")
    assert caught.value.errors[0].column == "domains" and caught.value.errors[0].value == "localhost"
    with pytest.raises(InvalidInput) as caught:
        make_link(db, coordinator, "domains", [])
    assert caught.value.errors[0].column == "domains"
    with pytest.raises(InvalidInput) as caught:
        make_link(db, coordinator, "secret")
    assert caught.value.errors[0].column == "mode"
    issued = make_link(db, coordinator)
    with pytest.raises(InvalidInput) as caught:
        request_signup(db, issued.token, " ", "not-an-address")
    assert [e.column for e in caught.value.errors] == ["email", "name"]
    with pytest.raises(Conflict, match="has a sign-up link already"):
        make_link(db, coordinator)


def test_approval_waits_for_a_coordinator_and_keeps_no_account_until_then(db, coordinator):
    issued = make_link(db, coordinator, "approval")
    signup = request_signup(db, issued.token, "Ada", "ada@example.org")
    outcome = verify_signup(db, signup.token, PASSWORD)
    assert outcome.waiting and outcome.person is None
    assert db.scalar(select(Person).where(Person.email == "ada@example.org")) is None
    [waiting] = pending_signups(db, coordinator)
    assert waiting.email == "ada@example.org" and waiting.password_hash.startswith("$argon2id$")
    approve_signup(db, coordinator, waiting.id)
    person = authenticate(db, "ada@example.org", PASSWORD)
    assert person is not None and enrolled(db, person.id, issued.link.programme_id)
    assert waiting.password_hash == "" and pending_signups(db, coordinator) == []
    with pytest.raises(Conflict, match="decided already"):
        refuse_signup(db, coordinator, waiting.id)


def test_a_refused_sign_up_makes_no_account_and_forgets_the_password(db, coordinator):
    issued = make_link(db, coordinator, "approval")
    signup = request_signup(db, issued.token, "Rex", "rex@example.org")
    verify_signup(db, signup.token, PASSWORD)
    [waiting] = pending_signups(db, coordinator)
    refused = refuse_signup(db, coordinator, waiting.id)
    assert refused.status == "refused" and refused.password_hash == ""
    assert db.scalar(select(Person).where(Person.email == "rex@example.org")) is None
    with pytest.raises(Conflict):
        approve_signup(db, coordinator, waiting.id)


def test_an_existing_address_gets_the_same_answer_and_keeps_its_password(db, coordinator):
    owner = Person(email="own@example.org", name="Owner", password_hash="")
    db.add(owner)
    db.flush()
    from mentorship.people.accounts import set_password

    set_password(db, None, owner.id, PASSWORD)
    issued = make_link(db, coordinator)
    new = request_signup(db, issued.token, "Someone", "new@example.org")
    old = request_signup(db, issued.token, "Someone Else", "own@example.org")
    # Both answers are a mail to send (the view shows one page for both); only the mail differs.
    assert type(new) is type(old) and (new.existing, old.existing) == (False, True)
    outcome = verify_signup(db, old.token, None)  # no password: it has one
    assert outcome.person.id == owner.id and outcome.existing
    assert owner.name == "Owner" and authenticate(db, "own@example.org", PASSWORD) is owner
    assert enrolled(db, owner.id, issued.link.programme_id)


def test_an_imported_person_without_a_password_signs_up_into_their_record(db, coordinator):
    imported = Person(email="imp@example.org", name="Imported Name", department="Systems")
    db.add(imported)
    db.flush()
    issued = make_link(db, coordinator)
    signup = request_signup(db, issued.token, "Typed Name", "imp@example.org")
    assert not signup.existing
    person = verify_signup(db, signup.token, PASSWORD).person
    assert person.id == imported.id and person.name == "Imported Name"
    assert authenticate(db, "imp@example.org", PASSWORD) is imported


def test_a_deactivated_address_is_sent_nothing(db, coordinator):
    db.add(Person(email="gone@example.org", name="Gone", active=False))
    db.flush()
    assert request_signup(db, make_link(db, coordinator).token, "Gone", "gone@example.org") is None


def test_a_link_turned_off_or_regenerated_stops_working(db, coordinator):
    issued = make_link(db, coordinator)
    pending = request_signup(db, issued.token, "Pat", "pat@example.org")
    set_signup_link_active(db, coordinator, issued.link.id, False)
    with pytest.raises(NotFound, match="turned off"):
        signup_link_for_token(db, issued.token)
    with pytest.raises(NotFound, match="turned off"):
        verify_signup(db, pending.token, PASSWORD)
    set_signup_link_active(db, coordinator, issued.link.id, True)
    fresh = regenerate_signup_link(db, coordinator, issued.link.id)
    with pytest.raises(NotFound):
        signup_link_for_token(db, issued.token)
    assert signup_link_for_token(db, fresh.token).id == issued.link.id
    assert verify_signup(db, pending.token, PASSWORD).person is not None  # pending ones stay
    update_signup_link(db, coordinator, issued.link.id, mode="domains", domains=["lib.org"])
    with pytest.raises(InvalidInput, match="cannot sign up"):
        request_signup(db, fresh.token, "Pat", "pat2@example.org")


def test_the_programme_sign_up_dates_bound_the_link(db, coordinator):
    issued = make_link(db, coordinator)
    programme = db.get(Programme, issued.link.programme_id)
    programme.signup_opens = date.today() + timedelta(days=3)
    with pytest.raises(NotFound, match="opens on"):
        signup_link_for_token(db, issued.token)
    programme.signup_opens, programme.signup_closes = None, date.today() - timedelta(days=1)
    with pytest.raises(NotFound, match="closed on"):
        request_signup(db, issued.token, "Late", "late@example.org")


def test_only_coordinators_of_the_programme_manage_links_and_approvals(db, coordinator):
    staff = Person(email="staff@example.org", name="Staff")
    other = Programme(name="Other programme", round_settings={}, settings={})
    db.add_all([staff, other])
    db.flush()
    with pytest.raises(PermissionDenied):
        make_link(db, staff)
    issued = make_link(db, coordinator, "approval")
    signup = request_signup(db, issued.token, "Ada", "ada@example.org")
    verify_signup(db, signup.token, PASSWORD)
    for call in (lambda: signup_links(db, staff), lambda: pending_signups(db, staff),
                 lambda: approve_signup(db, staff, signup.request.id)):
        with pytest.raises(PermissionDenied):
            call()
    # A coordinator given only another programme neither sees nor decides this one's.
    db.add(ProgrammeCoordinator(programme_id=other.id, person_id=coordinator.id))
    db.flush()
    forget_visible_programmes(db)
    assert [p.name for p, _ in signup_links(db, coordinator)] == ["Other programme"]
    assert pending_signups(db, coordinator) == []
    for call in (lambda: approve_signup(db, coordinator, signup.request.id),
                 lambda: regenerate_signup_link(db, coordinator, issued.link.id)):
        with pytest.raises(PermissionDenied):
            call()


def test_deleting_a_person_deletes_their_sign_ups(db, coordinator):
    issued = make_link(db, coordinator)
    signup = request_signup(db, issued.token, "Del", "del@example.org")
    verify_signup(db, signup.token, PASSWORD)
    request_signup(db, issued.token, "Del", "del@example.org")
    delete_person(db, None, "del@example.org")
    assert db.scalar(select(func.count()).select_from(SignupRequest).where(
        SignupRequest.email == "del@example.org")) == 0


def test_a_reset_link_is_one_time_and_lasts_a_day(db):
    person = Person(email="r@example.org", name="R", password_hash="x")
    db.add(person)
    db.flush()
    assert request_password_reset(db, "nobody@example.org") is None
    issued = request_password_reset(db, " R@Example.org")
    lifetime = issued.expires_at - db.scalar(select(Invite.created_at))
    assert lifetime == timedelta(hours=24)


# --- races ------------------------------------------------------------------------------


@pytest.fixture
def private_engine(private_database):
    engine = make_engine(private_database)
    upgrade_database(engine)
    yield engine
    engine.dispose()


def test_one_verification_link_used_twice_at_once_opens_one_account(private_engine):
    with Session(private_engine) as session, session.begin():
        issued = create_signup_link(session, None, programme_id=None, mode="open", domains=[])
        signup = request_signup(session, issued.token, "Twin", "twin@example.org")

    def verify():
        with Session(private_engine) as session, session.begin():
            return verify_signup(session, signup.token, PASSWORD).person.id

    outcomes = run_at_once(verify, verify)
    assert sum(isinstance(o, int) for o in outcomes) == 1, outcomes
    assert all(isinstance(o, int | NotFound) for o in outcomes), outcomes
    with Session(private_engine) as session:
        assert session.scalar(select(func.count()).select_from(Person)) == 1


def test_two_coordinators_deciding_at_once_decide_once(private_engine):
    with Session(private_engine) as session, session.begin():
        issued = create_signup_link(session, None, programme_id=None, mode="approval",
                                    domains=[])
        signup = request_signup(session, issued.token, "Ada", "ada@example.org")
        verify_signup(session, signup.token, PASSWORD)
        request_id = signup.request.id

    def decide(how):
        with Session(private_engine) as session, session.begin():
            (approve_signup if how == "approve" else refuse_signup)(session, None, request_id)
            return how

    outcomes = run_at_once(lambda: decide("approve"), lambda: decide("refuse"))
    assert sum(o in ("approve", "refuse") for o in outcomes) == 1, outcomes
    assert any(isinstance(o, Conflict) for o in outcomes), outcomes
    with Session(private_engine) as session:
        people = session.scalar(select(func.count()).select_from(Person))
        assert people == (1 if "approve" in outcomes else 0)


def test_five_sign_ups_for_one_address_at_once_leave_one_working_link(private_engine):
    with Session(private_engine) as session, session.begin():
        token = create_signup_link(session, None, programme_id=None, mode="open",
                                   domains=[]).token

    def sign_up():
        with Session(private_engine) as session, session.begin():
            return request_signup(session, token, "Five", "five@example.org").token

    outcomes = run_at_once(*[sign_up] * 5)
    assert all(isinstance(o, str) for o in outcomes), outcomes
    with Session(private_engine) as session:
        working = []
        for secret in outcomes:
            try:
                signup_for_token(session, secret)
                working.append(secret)
            except NotFound:
                pass
        assert len(working) == 1


def test_two_coordinators_making_a_programmes_link_at_once_make_one(private_engine):
    def make():
        with Session(private_engine) as session, session.begin():
            return create_signup_link(session, None, programme_id=None, mode="open",
                                      domains=[]).token

    outcomes = run_at_once(make, make)
    assert sum(isinstance(o, str) for o in outcomes) == 1, outcomes
    assert any(isinstance(o, Conflict) for o in outcomes), outcomes
    with Session(private_engine) as session:
        assert session.scalar(select(func.count()).select_from(SignupLink)) == 1

"""Accounts: invites are one-time and expire, passwords are Argon2id, roles keep an admin."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from mentorship.core.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from mentorship.people.accounts import (
    authenticate,
    create_invites,
    person_for_session,
    redeem_invite,
    set_active,
    set_password,
    set_roles,
    sign_out,
)
from mentorship.people.models import Invite, Person

PASSWORD = "a long enough passphrase"


@pytest.fixture
def people(db):
    made = {}
    for name in ("ann", "bob", "cy"):
        person = Person(email=f"{name}@example.org", name=name.title())
        db.add(person)
        made[name] = person
    db.flush()
    return made


def test_an_invite_sets_a_password_once(db, people):
    [invite] = create_invites(db, None, [people["ann"].id])
    assert invite.token not in {i.token_hash for i in db.scalars(select(Invite))}
    person = redeem_invite(db, invite.token, PASSWORD)
    assert person.password_hash.startswith("$argon2id$")
    assert authenticate(db, "ANN@example.org ", PASSWORD) is person
    with pytest.raises(NotFound, match="used already"):
        redeem_invite(db, invite.token, PASSWORD)


def test_a_new_invite_replaces_the_old_one_and_invites_expire(db, people):
    [old] = create_invites(db, None, [people["bob"].id])
    [new] = create_invites(db, None, [people["bob"].id])
    with pytest.raises(NotFound):
        redeem_invite(db, old.token, PASSWORD)
    db.execute(Invite.__table__.update().values(expires_at=datetime.now(UTC) - timedelta(1)))
    with pytest.raises(NotFound, match="expired"):
        redeem_invite(db, new.token, PASSWORD)


def test_short_passwords_are_refused_with_the_field(db, people):
    [invite] = create_invites(db, None, [people["ann"].id])
    with pytest.raises(InvalidInput) as raised:
        redeem_invite(db, invite.token, "short")
    assert raised.value.errors[0].column == "password"


def test_wrong_password_unknown_email_and_inactive_people_do_not_sign_in(db, people):
    set_password(db, None, people["ann"].id, PASSWORD)
    assert authenticate(db, "ann@example.org", "wrong password") is None
    assert authenticate(db, "nobody@example.org", PASSWORD) is None
    assert authenticate(db, "bob@example.org", "") is None  # no password set yet
    set_active(db, None, people["ann"].id, False)
    assert authenticate(db, "ann@example.org", PASSWORD) is None


def test_sign_out_and_deactivation_end_sessions(db, people):
    ann = set_password(db, None, people["ann"].id, PASSWORD)
    token = ann.session_token
    assert person_for_session(db, ann.id, token) is ann
    sign_out(db, ann)
    assert person_for_session(db, ann.id, token) is None
    token = ann.session_token
    set_active(db, None, ann.id, False)
    assert person_for_session(db, ann.id, token) is None


def test_only_coordinators_invite_and_only_admins_set_roles(db, people):
    staff = people["cy"]
    with pytest.raises(PermissionDenied):
        create_invites(db, staff, [people["ann"].id])
    with pytest.raises(PermissionDenied):
        set_roles(db, staff, staff.id, coordinator=True, admin=True)


def test_the_last_admin_cannot_be_removed(db, people):
    set_roles(db, None, people["ann"].id, coordinator=False, admin=True)
    with pytest.raises(Conflict, match="last admin"):
        set_roles(db, people["ann"], people["ann"].id, coordinator=False, admin=False)


def test_deactivated_people_cannot_be_invited(db, people):
    set_active(db, None, people["bob"].id, False)
    with pytest.raises(Conflict, match="deactivated"):
        create_invites(db, None, [people["bob"].id])


@pytest.mark.parametrize("weak", ["aaaaaaaaaaaa", "password1234", "qwertyuiop12", "123456789012"])
def test_common_and_trivial_passwords_are_refused_with_advice(db, weak):
    from mentorship.people.accounts import create_admin, redeem_invite

    issued = create_admin(db, "ada@example.org", "Ada")
    with pytest.raises(InvalidInput) as raised:
        redeem_invite(db, issued.token, weak)
    [problem] = raised.value.errors
    assert problem.column == "password" and "unrelated words" in problem.reason
    assert weak not in problem.reason  # the password is never echoed

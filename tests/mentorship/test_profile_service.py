"""Registering people and updating profiles through the one schema."""

import pytest
from sqlalchemy import select

from mentorship.core.errors import Conflict, InvalidInput, PermissionDenied
from mentorship.people.models import Person
from mentorship.profiles.operations import register_person, update_profile

ADA = {"email": "Ada@Lib.org", "name": "Ada", "role": "mentor", "skills": "MARC 21=expert"}


def test_register_then_update_own_profile(db, taxonomy):
    ada = register_person(db, None, ADA, taxonomy)
    assert ada.email == "ada@lib.org" and not ada.is_coordinator
    update_profile(db, ada, "ada@lib.org", {"role": "both", "capacity": 2,
                                             "skills": "marc21=4; rda=2", "learn": "BIBFRAME",
                                             "format_preference": "remote"}, taxonomy)
    db.expire_all()
    profile = db.scalar(select(Person).where(Person.email == "ada@lib.org")).profile
    assert (profile.role, profile.capacity, profile.format_preference) == ("both", 2, "remote")
    assert {s.skill_id: (s.level, s.learn_rank) for s in profile.skills} == {
        "marc21": (4, None), "rda": (2, None), "bibframe": (0, 1)}
    with pytest.raises(Conflict):
        register_person(db, None, ADA, taxonomy)


@pytest.mark.parametrize(("payload", "field"), [
    ({"is_admin": True}, "is_admin"),
    ({"manager_email": "boss@lib.org"}, "manager_email"),
    ({"email": "new@lib.org"}, "email"),
    ({"capacity": 11}, "capacity"),
    ({"skills": "MARK 21=3"}, "skills"),
    ({"format_preference": "carrier pigeon"}, "format_preference"),
])
def test_update_rejects_roles_manager_identity_and_bad_values(db, taxonomy, payload, field):
    ada = register_person(db, None, ADA, taxonomy)
    with pytest.raises(InvalidInput) as caught:
        update_profile(db, ada, ada.email, payload, taxonomy)
    assert [error.column for error in caught.value.errors] == [field]


def test_staff_edit_only_their_own_profile(db, taxonomy):
    ada = register_person(db, None, ADA, taxonomy)
    ben = register_person(db, None, {"email": "ben@lib.org", "name": "Ben"}, taxonomy)
    with pytest.raises(PermissionDenied):
        update_profile(db, ben, ada.email, {"goals": "x"}, taxonomy)

"""Count-then-write under concurrency: one admin always stays, one invite link always works."""


import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from mentorship.core.db import make_engine
from mentorship.core.errors import Conflict, NotFound, PermissionDenied
from mentorship.migrate import upgrade_database
from mentorship.people.accounts import create_invites, invite_for_token, set_active, set_roles
from mentorship.people.models import Invite, Person
from tests.conftest import run_at_once


@pytest.fixture
def engine(private_database):
    engine = make_engine(private_database)
    upgrade_database(engine)
    yield engine
    engine.dispose()


def test_two_admins_demoting_each_other_leave_one_admin(engine):
    with Session(engine) as session, session.begin():
        first, second = Person(email="a@x.org", name="A"), Person(email="b@x.org", name="B")
        session.add_all([first, second])
        session.flush()
        ids = first.id, second.id
    for trial in range(20):
        with Session(engine) as session, session.begin():
            for person_id in ids:
                person = session.get(Person, person_id)
                person.is_admin, person.active = True, True

        def demote(actor_id, target_id, how):
            with Session(engine) as session, session.begin():
                actor = session.get(Person, actor_id)
                if how == "roles":
                    set_roles(session, actor, target_id, coordinator=False, admin=False)
                else:
                    set_active(session, actor, target_id, False)
            return "done"

        how = "roles" if trial % 2 == 0 else "deactivate"
        outcomes = run_at_once(lambda how=how: demote(ids[0], ids[1], how),
                               lambda how=how: demote(ids[1], ids[0], how))
        # The loser is told: the last admin stays (or, once demoted, they are no admin).
        assert outcomes.count("done") == 1, outcomes
        assert all(o == "done" or isinstance(o, Conflict | PermissionDenied) for o in outcomes)
        with Session(engine) as session:
            assert session.scalar(select(func.count()).select_from(Person).where(
                Person.is_admin.is_(True), Person.active.is_(True))) == 1


def test_five_invites_at_once_leave_exactly_one_working_link(engine):
    with Session(engine) as session, session.begin():
        person = Person(email="new@x.org", name="New")
        session.add(person)
        session.flush()
        person_id = person.id

    def invite():
        with Session(engine) as session, session.begin():
            return create_invites(session, None, [person_id])[0].token

    tokens = run_at_once(*[invite] * 5)
    assert all(isinstance(token, str) for token in tokens), tokens
    working = []
    with Session(engine) as session:
        for token in tokens:
            try:
                invite_for_token(session, token)
                working.append(token)
            except NotFound:
                pass
        assert session.scalar(select(func.count()).select_from(Invite).where(
            Invite.person_id == person_id, Invite.used_at.is_(None))) == 1
    assert len(working) == 1


def test_one_profile_saved_twice_at_once_keeps_one_of_them(engine, taxonomy):
    from mentorship.profiles.operations import register_person, update_profile

    with Session(engine) as session, session.begin():
        register_person(session, None, {"email": "ana@x.org", "name": "Ana"}, taxonomy)

    def save(goals):
        with Session(engine) as session, session.begin():
            update_profile(session, None, "ana@x.org", {
                "role": "mentee", "capacity": 0, "skills": {"marc21": 1}, "learn": ["marc21"],
                "goals": goals, "bio": "", "format_preference": "either"}, taxonomy)
        return "saved"

    for trial in range(10):
        outcomes = run_at_once(lambda t=trial: save(f"first {t}"), lambda t=trial: save(f"second {t}"))
        assert outcomes == ["saved", "saved"], outcomes


def test_two_imports_of_one_file_at_once_both_succeed_once(engine, taxonomy, write_csv):
    from mentorship.profiles.csv_io import read_profiles_csv
    from mentorship.profiles.operations import import_profiles

    path = write_csv([{"email": f"p{i}@x.org", "name": f"P {i}", "role": "mentee"}
                      for i in range(30)])

    def run_import():
        with Session(engine) as session, session.begin():
            return import_profiles(session, None, read_profiles_csv(path, taxonomy),
                                   taxonomy).created

    outcomes = run_at_once(run_import, run_import)
    assert sorted(outcomes) == [0, 30], outcomes
    with Session(engine) as session:
        assert session.scalar(select(func.count()).select_from(Person)) == 30


def test_two_first_saves_of_a_column_map_leave_one_map_of_that_scope(engine):
    from mentorship.profiles.column_map import column_map_from_data, save_column_map
    from mentorship.profiles.models import SavedColumnMap

    maps = [column_map_from_data({"columns": {"email": f"E{i}", "name": "N"}}) for i in (1, 2)]
    for trial in range(10):
        scope = f"scope-{trial}"

        def save(column_map, scope=scope):
            with Session(engine) as session, session.begin():
                save_column_map(session, None, scope, column_map)
            return "saved"

        assert run_at_once(*(lambda m=m: save(m) for m in maps)) == ["saved", "saved"]
        with Session(engine) as session:
            kept = session.scalars(select(SavedColumnMap.data)
                                   .where(SavedColumnMap.scope == scope)).all()
        assert len(kept) == 1 and kept[0]["columns"]["email"] in {"E1", "E2"}


def test_two_programmes_of_one_name_created_at_once_make_one(engine):
    from mentorship.core.errors import InvalidInput
    from mentorship.programmes.models import Enrolment, Programme
    from mentorship.programmes.operations import create_programme, enrol_people

    for trial in range(10):
        def create(name=f"Cohort {trial}", spelling=str.upper):
            with Session(engine) as session, session.begin():
                return create_programme(session, None, {"name": spelling(name)}).id

        outcomes = run_at_once(lambda: create(spelling=str.upper),
                               lambda: create(spelling=str.lower))
        assert sum(isinstance(o, int) for o in outcomes) == 1, outcomes
        assert sum(isinstance(o, InvalidInput) for o in outcomes) == 1, outcomes
    with Session(engine) as session:
        assert session.scalar(select(func.count()).select_from(Programme)) == 11

    # Two enrolments of one person at once: both succeed, one row.
    with Session(engine) as session, session.begin():
        person = Person(email="e@x.org", name="E")
        session.add(person)
        session.flush()
        person_id = person.id
        programme_id = session.scalar(select(Programme.id).where(Programme.is_default))

    def enrol():
        with Session(engine) as session, session.begin():
            return enrol_people(session, None, programme_id, [person_id])

    assert sorted(run_at_once(enrol, enrol)) == [0, 1]
    with Session(engine) as session:
        assert session.scalar(select(func.count()).select_from(Enrolment)
                              .where(Enrolment.person_id == person_id)) == 1

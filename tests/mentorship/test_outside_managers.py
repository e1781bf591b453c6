"""Managers who take part or not: a manager in neither the file nor the database is kept as a
person without a profile, and the manager rules run through them; an import leaves everyone
else as they are."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from matching import MatchSettings, Mode, Profile, Role, match_profiles
from mentorship.people.models import Person
from mentorship.profiles.csv_io import read_profiles_csv
from mentorship.profiles.models import Profile as ProfileRow
from mentorship.profiles.models import ProfileSkill
from mentorship.profiles.operations import import_profiles
from mentorship.rounds.models import Match
from mentorship.rounds.operations import create_round
from mentorship.rounds.run import preview_round, read_round_inputs
from mentorship.rounds.snapshot import from_snapshot, to_snapshot

MENTOR = {"email": "ada@lib.org", "name": "Ada", "role": "mentor", "capacity": "2",
          "skills": "marc21=4", "manager_email": "dean@lib.org"}
TEAMMATE = {"email": "ben@lib.org", "name": "Ben", "role": "mentee", "learn": "marc21",
            "manager_email": "dean@lib.org"}
OTHER = {"email": "cal@lib.org", "name": "Cal", "role": "mentee", "learn": "marc21",
         "manager_email": "head@lib.org"}


def engine_pairs(profiles, taxonomy, **settings):
    result = match_profiles(profiles, taxonomy=taxonomy, settings=MatchSettings(**settings))
    return {(pair.mentor, pair.mentee) for pair in result.pairs}


# --- the engine ---------------------------------------------------------------------------


def test_two_people_whose_manager_takes_no_part_still_share_a_manager(taxonomy):
    mentor = Profile("ada", levels={"marc21": 4}, role=Role.MENTOR, manager="dean")
    teammate = Profile("ben", learn=("marc21",), role=Role.MENTEE, capacity=0, manager="dean")
    stranger = Profile("cal", learn=("marc21",), role=Role.MENTEE, capacity=0, manager="head")
    outside = (("dean", None), ("head", None))
    assert engine_pairs([mentor, teammate, stranger], taxonomy, outside_managers=outside) == {
        ("ada", "cal")}
    with pytest.raises(ValueError, match="manager 'dean' is not in the pool"):
        engine_pairs([mentor, teammate, stranger], taxonomy)


def test_the_chain_runs_through_a_manager_who_takes_no_part(taxonomy):
    # ben -> team lead (no part) -> ada: ada is above ben, so never his mentor.
    mentor = Profile("ada", levels={"marc21": 4}, role=Role.MENTOR)
    mentee = Profile("ben", learn=("marc21",), role=Role.MENTEE, capacity=0, manager="lead")
    chain = (("lead", "ada"),)
    assert engine_pairs([mentor, mentee], taxonomy, outside_managers=chain) == set()
    assert engine_pairs([mentor, mentee], taxonomy, outside_managers=(("lead", None),)) == {
        ("ada", "ben")}


def test_people_outside_the_pool_are_not_in_a_peer_round(taxonomy):
    first = Profile("ada", levels={"marc21": 4, "rda": 0}, learn=("rda",), manager="dean")
    second = Profile("ben", levels={"rda": 4}, learn=("marc21",), manager="head")
    result = match_profiles([first, second], taxonomy=taxonomy, settings=MatchSettings(
        mode=Mode.PEER, outside_managers=(("dean", None), ("head", None))))
    assert {result.pairs[0].mentor, result.pairs[0].mentee} == {"ada", "ben"}
    assert result.unmatched == ()


def test_a_snapshot_keeps_the_chain_outside_the_pool():
    settings = MatchSettings(outside_managers=(("dean", None), ("lead", "dean")))
    _, again = from_snapshot(to_snapshot([Profile("ada", manager="lead")], settings))
    assert sorted(again.outside_managers) == sorted(settings.outside_managers)
    assert "outside_managers" not in to_snapshot([], MatchSettings())["settings"]


# --- the import ---------------------------------------------------------------------------


def test_a_manager_in_neither_the_file_nor_the_database_is_added_without_a_profile(
        db, write_csv, taxonomy):
    report = import_profiles(db, None, read_profiles_csv(write_csv([MENTOR, TEAMMATE]),
                                                         taxonomy), taxonomy)
    assert (report.created, report.managers_added) == (2, 1)
    assert report.warnings == ["row 2: manager dean@lib.org is not in the file or the database: "
                               "added as a person who takes no part"]
    dean = db.scalar(select(Person).where(Person.email == "dean@lib.org"))
    assert dean.profile is None
    ben = db.scalar(select(Person).where(Person.email == "ben@lib.org"))
    assert ben.manager_id == dean.id
    again = import_profiles(db, None, read_profiles_csv(write_csv([MENTOR, TEAMMATE]), taxonomy),
                            taxonomy)
    assert (again.created, again.updated, again.managers_added) == (0, 0, 0)


def test_an_import_adds_people_and_leaves_everyone_else_as_they_are(db, write_csv, taxonomy):
    import_profiles(db, None, read_profiles_csv(write_csv([MENTOR, TEAMMATE]), taxonomy),
                    taxonomy)
    before = db.execute(select(Person.email, Person.name, Person.manager_id, Person.updated_at)
                        .order_by(Person.email)).all()
    skills_before = db.execute(select(ProfileSkill.person_id, ProfileSkill.skill_id,
                                      ProfileSkill.level).order_by(ProfileSkill.person_id)).all()
    # One new hire, whose manager (ada) is in the database but not in this file.
    newcomer = {"email": "dee@lib.org", "name": "Dee", "role": "mentee", "learn": "marc21",
                "manager_email": "ada@lib.org"}
    report = import_profiles(db, None, read_profiles_csv(write_csv([newcomer]), taxonomy),
                             taxonomy)
    assert (report.created, report.updated, report.managers_added) == (1, 0, 0)
    dee = db.scalar(select(Person).where(Person.email == "dee@lib.org"))
    assert dee.manager.email == "ada@lib.org"
    after = db.execute(select(Person.email, Person.name, Person.manager_id, Person.updated_at)
                       .where(Person.email != "dee@lib.org").order_by(Person.email)).all()
    assert after == before
    assert db.execute(select(ProfileSkill.person_id, ProfileSkill.skill_id, ProfileSkill.level)
                      .where(ProfileSkill.person_id != dee.id)
                      .order_by(ProfileSkill.person_id)).all() == skills_before


def test_a_manager_without_a_profile_who_later_signs_up_through_a_file_gets_one(
        db, write_csv, taxonomy):
    import_profiles(db, None, read_profiles_csv(write_csv([TEAMMATE]), taxonomy), taxonomy)
    dean = {"email": "dean@lib.org", "name": "Dana Dean", "role": "mentor", "skills": "rda=4"}
    report = import_profiles(db, None, read_profiles_csv(write_csv([dean]), taxonomy), taxonomy)
    assert (report.created, report.updated) == (0, 1)
    row = db.scalar(select(Person).where(Person.email == "dean@lib.org"))
    assert row.name == "Dana Dean" and isinstance(row.profile, ProfileRow)


# --- a round in the database --------------------------------------------------------------


def test_a_round_reads_the_management_chain_from_people_not_only_profiles(
        db, write_csv, taxonomy):
    import_profiles(db, None, read_profiles_csv(write_csv([MENTOR, TEAMMATE, OTHER]), taxonomy),
                    taxonomy)
    current = create_round(db, None, "Spring")
    inputs = read_round_inputs(db, current)
    assert {p.id for p in inputs.profiles} == {"ada@lib.org", "ben@lib.org", "cal@lib.org"}
    assert dict(inputs.settings.outside_managers) == {"dean@lib.org": None,
                                                       "head@lib.org": None}
    preview_round(db, None, current.id, taxonomy=taxonomy)
    email = dict(db.execute(select(Person.id, Person.email)).all())
    pairs = {(email[m], email[e]) for m, e in db.execute(
        select(Match.mentor_id, Match.mentee_id).where(Match.round_id == current.id))}
    # Ben and Ada share the dean, who takes no part: the same-manager rule keeps them apart.
    assert pairs == {("ada@lib.org", "cal@lib.org")}


def test_the_chain_outside_goes_up_through_people_without_a_profile(db, write_csv, taxonomy):
    # ben -> lead (no profile) -> ada: ada is above ben.
    rows = [dict(MENTOR, manager_email=""), dict(TEAMMATE, manager_email="lead@lib.org")]
    import_profiles(db, None, read_profiles_csv(write_csv(rows), taxonomy), taxonomy)
    lead = db.scalar(select(Person).where(Person.email == "lead@lib.org"))
    lead.manager_id = db.scalar(select(Person.id).where(Person.email == "ada@lib.org"))
    db.flush()
    inputs = read_round_inputs(db, create_round(db, None, "Spring"))
    assert dict(inputs.settings.outside_managers) == {"lead@lib.org": "ada@lib.org"}
    result = match_profiles(inputs.profiles, taxonomy=taxonomy, settings=inputs.settings)
    assert result.pairs == ()

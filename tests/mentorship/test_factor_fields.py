"""The profile factors through the CSV, the database, the export, round settings and snapshots."""

from __future__ import annotations

import csv
import io

import pytest
import sqlalchemy as sa
from sqlalchemy import select

from matching import MatchSettings
from matching.results import Chain, Factor
from mentorship.core.db import make_engine
from mentorship.core.errors import InvalidInput
from mentorship.migrate import upgrade_database
from mentorship.people.models import Person
from mentorship.profiles.csv_export import export_profiles_csv
from mentorship.profiles.csv_io import read_profiles_csv
from mentorship.profiles.mapping import load_profiles
from mentorship.profiles.operations import import_profiles
from mentorship.rounds.operations import create_round
from mentorship.rounds.run import read_round_inputs
from mentorship.rounds.settings import engine_settings, load_round_settings
from mentorship.rounds.snapshot import from_snapshot, to_snapshot

ROWS = [
    {"email": "ada@lib.org", "name": "Ada", "department": "Cataloguing", "role": "mentor",
     "skills": "marc21=4", "years_experience": "22", "institution": "Hill College",
     "location": "Main library", "time_zone": "america/chicago", "format_preference": "In person"},
    {"email": "ben@lib.org", "name": "Ben", "role": "mentee", "skills": "marc21=1",
     "learn": "marc21", "format_preference": "virtual", "time_zone": "Europe/London"},
]


def errors_of(path, taxonomy):
    with pytest.raises(InvalidInput) as caught:
        read_profiles_csv(path, taxonomy)
    return [(e.row, e.column, e.value, e.reason) for e in caught.value.errors]


def test_the_csv_reads_every_factor(write_csv, taxonomy):
    ada, ben = read_profiles_csv(write_csv(ROWS), taxonomy).profiles()
    assert (ada.years_experience, ada.institution, ada.location, ada.time_zone,
            ada.format_preference, ada.department) == (
        22, "Hill College", "Main library", "America/Chicago", "in_person", "Cataloguing")
    assert (ben.years_experience, ben.institution, ben.time_zone, ben.format_preference) == (
        None, "", "Europe/London", "remote")


def test_bad_factors_are_reported_by_row_column_and_value(write_csv, taxonomy):
    rows = [dict(ROWS[0], time_zone="Mars/Olympus"),
            dict(ROWS[1], years_experience="seven", format_preference="by pigeon"),
            {"email": "cy@lib.org", "name": "Cy", "years_experience": "71", "location": "x" * 201}]
    found = errors_of(write_csv(rows), taxonomy)
    assert (2, "time_zone", "Mars/Olympus", "not a time zone: write an IANA name such as "
            "America/Chicago or Europe/London") in found
    assert (3, "years_experience", "seven", "must be a whole number of years 0-70") in found
    assert (3, "format_preference", "by pigeon",
            "must be in_person, remote (or virtual) or either") in found
    assert (4, "years_experience", "71", "must be a whole number of years 0-70") in found
    assert any(row == 4 and column == "location" for row, column, _, _ in found)


def test_factors_are_stored_loaded_for_the_engine_and_exported(db, write_csv, taxonomy):
    import_profiles(db, None, read_profiles_csv(write_csv(ROWS), taxonomy), taxonomy)
    ada = db.scalar(select(Person).where(Person.email == "ada@lib.org")).profile
    assert (ada.years_experience, ada.institution, ada.location, ada.time_zone,
            ada.format_preference) == (22, "Hill College", "Main library", "America/Chicago",
                                       "in_person")
    profiles = {p.id: p for p in load_profiles(db)[0]}
    assert profiles["ada@lib.org"] == read_profiles_csv(write_csv(ROWS), taxonomy).profiles()[0]
    exported = list(csv.DictReader(io.StringIO(export_profiles_csv(db, None, taxonomy))))
    row = next(r for r in exported if r["email"] == "ada@lib.org")
    assert (row["years_experience"], row["institution"], row["location"], row["time_zone"],
            row["format_preference"]) == ("22", "Hill College", "Main library",
                                          "America/Chicago", "in_person")
    assert next(r for r in exported if r["email"] == "ben@lib.org")["years_experience"] == ""


def test_a_file_without_the_factor_columns_keeps_the_stored_factors(db, write_csv, taxonomy):
    import_profiles(db, None, read_profiles_csv(write_csv(ROWS), taxonomy), taxonomy)
    older = [{k: v for k, v in row.items()
              if k not in ("years_experience", "institution", "location", "time_zone",
                           "format_preference")} for row in ROWS]
    report = import_profiles(db, None, read_profiles_csv(write_csv(older, name="old.csv"),
                                                         taxonomy), taxonomy)
    assert report.updated == 0
    ada = db.scalar(select(Person).where(Person.email == "ada@lib.org")).profile
    assert (ada.years_experience, ada.time_zone, ada.format_preference) == (
        22, "America/Chicago", "in_person")
    cleared = [dict(ROWS[0], years_experience="", time_zone=""), ROWS[1]]
    report = import_profiles(db, None, read_profiles_csv(write_csv(cleared, name="new.csv"),
                                                         taxonomy), taxonomy)
    assert report.updated == 1
    db.refresh(ada)
    assert (ada.years_experience, ada.time_zone) == (None, "")


def test_the_migration_adds_the_factor_columns_to_existing_profiles(tmp_path, database_url):
    if not database_url.startswith("sqlite"):
        pytest.skip("the upgrade path is the same SQL on PostgreSQL; one database is enough")
    engine = make_engine(f"sqlite:///{tmp_path / 'old.db'}")
    upgrade_database(engine, "0006")
    with engine.begin() as connection:
        connection.execute(sa.text("INSERT INTO person (id, email, name, department, active, "
                                   "is_coordinator, is_admin, created_at, updated_at) VALUES "
                                   "(1, 'a@lib.org', 'A', '', 1, 0, 0, '2026-01-01', "
                                   "'2026-01-01')"))
        connection.execute(sa.text("INSERT INTO profile (person_id, role, capacity, "
                                   "teach_explicit, goals, bio, format_preference, updated_at) "
                                   "VALUES (1, 'both', 1, 0, '', '', 'either', '2026-01-01')"))
    upgrade_database(engine)
    with engine.connect() as connection:
        row = connection.execute(sa.text("SELECT years_experience, institution, location, "
                                         "time_zone FROM profile")).one()
        assert tuple(row) == (None, "", "", "")
        with pytest.raises(sa.exc.IntegrityError):
            connection.execute(sa.text("UPDATE profile SET years_experience = -1"))
    engine.dispose()


# ---------------------------------------------------------------------------- round settings

def test_round_settings_default_to_the_engines_and_reach_it():
    settings = engine_settings("mentor", {})
    assert (settings.experience, settings.department, settings.institution,
            settings.meeting_format, settings.management_chain,
            settings.max_time_zone_hours) == (Factor.PREFER, Factor.PREFER, None, Factor.REQUIRE,
                                              Chain.CHAIN, None)
    chosen = engine_settings("peer", load_round_settings("peer", {
        "department": "require", "institution": "ignore", "management_chain": "direct",
        "max_time_zone_hours": 3, "preference_weight": 0.05, "experience_weight": 2}))
    assert (chosen.department, chosen.institution, chosen.management_chain,
            chosen.max_time_zone_hours, chosen.weights.preference, chosen.experience_weight) == (
        Factor.REQUIRE, Factor.IGNORE, Chain.DIRECT, 3.0, 0.05, 2.0)


def test_bad_round_settings_are_reported_per_field():
    with pytest.raises(InvalidInput) as caught:
        load_round_settings("mentor", {"experience": "require", "department": "always",
                                       "max_time_zone_hours": 13, "management_chain": "skip",
                                       "department_weight": -1})
    found = {e.column: e.reason for e in caught.value.errors}
    assert found == {
        "experience": "must be ignore or prefer",
        "department": "must be ignore, prefer or require",
        "max_time_zone_hours": "must be between 0 and 12 hours",
        "management_chain": "must be direct or chain",
        "department_weight": "must not be negative",
    }


def test_a_snapshot_keeps_the_factors_and_an_old_one_reproduces_without_them(write_csv,
                                                                              taxonomy):
    profiles = read_profiles_csv(write_csv(ROWS), taxonomy).profiles()
    settings = MatchSettings(department=Factor.REQUIRE, max_time_zone_hours=4)
    again = from_snapshot(to_snapshot(profiles, settings))
    assert again == (sorted(profiles, key=lambda p: p.id), settings)
    old = to_snapshot(profiles, MatchSettings())
    for person in old["profiles"]:
        for key in ("department", "institution", "location", "years_experience",
                    "format_preference", "time_zone"):
            del person[key]
    for key in ("experience", "department", "institution", "meeting_format",
                "max_time_zone_hours", "management_chain", "preference_weight"):
        del old["settings"][key]
    _, before = from_snapshot(old)
    assert (before.management_chain, before.department, before.meeting_format,
            before.weights.preference) == (Chain.DIRECT, Factor.IGNORE, Factor.IGNORE, 0.0)


def test_a_partial_read_brings_the_whole_chain_as_bystanders(db, write_csv, taxonomy):
    rows = [
        {"email": "top@lib.org", "name": "Top", "role": "mentor", "skills": "marc21=4"},
        {"email": "dir@lib.org", "name": "Dir", "manager_email": "top@lib.org",
         "role": "mentor", "skills": "marc21=4"},
        {"email": "head@lib.org", "name": "Head", "manager_email": "dir@lib.org",
         "role": "mentee", "learn": "rda"},
        {"email": "m@lib.org", "name": "M", "manager_email": "head@lib.org", "role": "mentee",
         "skills": "marc21=1", "learn": "marc21"},
    ]
    import_profiles(db, None, read_profiles_csv(write_csv(rows), taxonomy), taxonomy)
    ids = dict(db.execute(select(Person.email, Person.id)).all())
    current = create_round(db, None, "chain")
    inputs = read_round_inputs(db, current, people={ids["m@lib.org"], ids["dir@lib.org"]})
    loaded = {p.id: p for p in inputs.profiles}
    assert set(loaded) == {"top@lib.org", "dir@lib.org", "head@lib.org", "m@lib.org"}
    head = loaded["head@lib.org"]
    assert (head.learn, head.capacity, head.manager) == ((), 0, "dir@lib.org")
    assert loaded["top@lib.org"].capacity == 0  # read for the rules only


def test_the_chooser_climbs_a_cycle_of_managers_once():
    from collections import namedtuple

    from mentorship.rounds.run import _Chooser

    Row = namedtuple("Row", "id manager_id")
    rows = [Row(1, 2), Row(2, 3), Row(3, 1), Row(4, None), Row(5, 4)]
    chooser = _Chooser(lambda rows: {1})
    assert chooser(rows) == {1, 2, 3} and chooser.participants == {1}


def test_the_pool_read_in_sql_is_what_each_stored_profile_maps_to(db, taxonomy):
    """`load_profiles` aggregates skills in SQL; `engine_profile` maps one ORM profile: the
    two give the same engine profile for every person (levels, learning order, teaching)."""
    from pathlib import Path

    from mentorship.profiles.mapping import engine_profile, stored_record

    example = Path(__file__).resolve().parents[2] / "examples" / "library_staff.csv"
    import_profiles(db, None, read_profiles_csv(example, taxonomy), taxonomy)
    someone = db.scalar(select(Person).where(Person.profile.has()).order_by(Person.id))
    for skill in someone.profile.skills:  # nothing but a flag to teach, at level 0
        skill.level, skill.learn_rank, skill.teaches = 0, None, True
    someone.profile.teach_explicit = True
    db.flush()
    loaded = {p.id: p for p in load_profiles(db)[0]}
    people = db.scalars(select(Person).where(Person.active.is_(True), Person.profile.has())).all()
    assert len(loaded) == len(people) > 100
    for person in people:
        manager = person.manager.email if person.manager else None
        record = {**stored_record(person.profile), "department": person.department}
        assert loaded[person.email] == engine_profile(person.email, manager, record), person.email
    assert loaded[someone.email].levels == {} and loaded[someone.email].teach
    assert any(len(p.learn) > 1 for p in loaded.values())

"""Importing profiles into the database: all or nothing, partial, idempotent; migrations."""

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import func, select

from matching import Taxonomy
from mentorship.core.audit import AuditEvent
from mentorship.models import Base
from mentorship.people.models import Person
from mentorship.profiles.csv_io import read_profiles_csv
from mentorship.profiles.models import ProfileSkill
from mentorship.profiles.operations import import_profiles
from mentorship.taxonomy.models import Skill
from mentorship.taxonomy.sync import sync_taxonomy

ROWS = [
    {"email": "Ada@lib.org", "name": "Ada", "role": "mentor", "capacity": "2",
     "skills": "marc21=4; rda=3", "bio": "Cataloguer"},
    {"email": "ben@lib.org", "name": "Ben", "manager_email": "ada@lib.org", "role": "mentee",
     "skills": "marc21=1", "learn": "MARC 21; BIBFRAME", "goals": "Learn BIBFRAME"},
]


def count(db, model) -> int:
    return db.scalar(select(func.count()).select_from(model))


def test_migrations_match_the_models(engine):
    with engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        assert compare_metadata(context, Base.metadata) == []


def test_import_creates_people_profiles_and_skills(db, write_csv, taxonomy):
    report = import_profiles(db, None, read_profiles_csv(write_csv(ROWS), taxonomy), taxonomy)
    assert (report.created, report.updated, report.skipped) == (2, 0, 0)
    ben = db.scalar(select(Person).where(Person.email == "ben@lib.org"))
    assert ben.manager.email == "ada@lib.org"
    assert ben.profile.role == "mentee" and ben.profile.capacity == 0
    skills = {s.skill_id: (s.level, s.learn_rank, s.teaches) for s in ben.profile.skills}
    assert skills == {"marc21": (1, 1, False), "bibframe": (0, 2, False)}
    assert db.scalar(select(AuditEvent).where(AuditEvent.action == "people.import"))


def test_reimport_is_idempotent_and_updates_by_email(db, write_csv, taxonomy):
    path = write_csv(ROWS)
    import_profiles(db, None, read_profiles_csv(path, taxonomy), taxonomy)
    ids = dict(db.execute(select(Person.email, Person.id)).all())
    skill_rows = count(db, ProfileSkill)
    again = import_profiles(db, None, read_profiles_csv(path, taxonomy), taxonomy)
    assert (again.created, again.updated) == (0, 0)
    assert dict(db.execute(select(Person.email, Person.id)).all()) == ids
    assert count(db, Person) == 2 and count(db, ProfileSkill) == skill_rows

    changed = [dict(ROWS[0], skills="marc21=4; rda=4", email="ADA@LIB.ORG"), ROWS[1]]
    report = import_profiles(db, None, read_profiles_csv(write_csv(changed), taxonomy), taxonomy)
    assert (report.created, report.updated) == (0, 1)
    ada = db.scalar(select(Person).where(Person.email == "ada@lib.org"))
    assert {s.skill_id: s.level for s in ada.profile.skills} == {"marc21": 4, "rda": 4}


def test_partial_import_keeps_good_rows_and_reports_the_rest(db, write_csv, taxonomy):
    rows = [*ROWS, {"email": "cat@lib.org", "name": "Cat", "skills": "MARK 21=3"}]
    table = read_profiles_csv(write_csv(rows), taxonomy, partial=True, strict=True)
    assert [(e.row, e.column) for e in table.errors] == [(4, "skills")]
    report = import_profiles(db, None, table, taxonomy)
    assert (report.created, report.skipped) == (2, 1)
    assert db.scalar(select(Person).where(Person.email == "cat@lib.org")) is None


def test_an_unknown_skill_is_imported_without_it_and_reported(db, write_csv, taxonomy):
    rows = [*ROWS, {"email": "cat@lib.org", "name": "Cat", "skills": "MARK 21=3; rda=2",
                    "learn": "Pyhton"}]
    report = import_profiles(db, None, read_profiles_csv(write_csv(rows), taxonomy), taxonomy)
    assert (report.created, report.skipped) == (3, 0)
    assert [(w.row, w.column, w.value) for w in report.skill_warnings] == [
        (4, "skills", "MARK 21=3"), (4, "learn", "Pyhton")]
    cat = db.scalar(select(Person).where(Person.email == "cat@lib.org"))
    assert {s.skill_id: s.level for s in cat.profile.skills} == {"rda": 2}
    event = db.scalars(select(AuditEvent).where(AuditEvent.action == "people.import")).one()
    assert event.details["skill_warnings"] == 2


def test_a_dropped_skill_keeps_profile_data(db, write_csv, taxonomy):
    import_profiles(db, None, read_profiles_csv(write_csv(ROWS), taxonomy), taxonomy)
    smaller = Taxonomy.from_dict({"categories": [{"id": "metadata", "name": "Metadata", "skills": [
        {"id": "marc21", "name": "MARC 21"}]}]})
    sync_taxonomy(db, None, smaller)
    assert db.get(Skill, "rda").active is False
    assert db.get(Skill, "marc21").active is True
    ada = db.scalar(select(Person).where(Person.email == "ada@lib.org"))
    assert {s.skill_id for s in ada.profile.skills} == {"marc21", "rda"}
    sync_taxonomy(db, None, taxonomy)
    assert db.get(Skill, "rda").active is True


def test_cli_import_is_all_or_nothing(tmp_path, monkeypatch, write_csv):
    from click.testing import CliRunner
    from sqlalchemy import create_engine

    from mentorship.cli import cli

    url = f"sqlite:///{tmp_path / 'cli.db'}"
    monkeypatch.setenv("DATABASE_URL", url)
    runner = CliRunner()
    bad = write_csv([*ROWS, {"email": "cat@lib.org", "name": "Cat", "capacity": "11"}],
                    name="bad.csv")
    result = runner.invoke(cli, ["import", str(bad)])
    assert result.exit_code == 2
    assert "row 4, column capacity, value '11'" in result.stderr
    assert "nothing was imported" in result.stderr

    good = write_csv(ROWS, name="good.csv")
    result = runner.invoke(cli, ["import", str(good)])
    assert result.exit_code == 0, result.output
    assert "2 created, 0 updated" in result.stdout
    result = runner.invoke(cli, ["import", "--partial", str(bad)])
    assert result.exit_code == 2
    assert "0 created, 0 updated, 1 row(s) skipped" in result.stdout
    with create_engine(url).connect() as connection:
        emails = sorted(connection.execute(select(Person.email)).scalars())
    assert emails == ["ada@lib.org", "ben@lib.org"]

    result = runner.invoke(cli, ["db", "upgrade"])
    assert result.exit_code == 0 and "up to date" in result.stdout


def test_cli_import_warns_about_unknown_skills_unless_strict(tmp_path, monkeypatch, write_csv):
    from click.testing import CliRunner

    from mentorship.cli import cli

    url = f"sqlite:///{tmp_path / 'cli.db'}"
    monkeypatch.setenv("DATABASE_URL", url)
    runner = CliRunner()
    typo = write_csv([*ROWS, {"email": "cat@lib.org", "name": "Cat", "learn": "Pyhton; rda"}],
                     name="typo.csv")

    strict = runner.invoke(cli, ["import", "--strict", str(typo)])
    assert strict.exit_code == 2
    assert strict.stderr.splitlines() == [
        f"error: {typo}: 1 problem(s) in the profile file; nothing was imported",
        "  row 4, column learn, value 'Pyhton; rda': unknown skill 'Pyhton'; did you mean 'Python'?",
    ]

    result = runner.invoke(cli, ["import", str(typo)])
    assert result.exit_code == 0, result.output
    assert "3 created" in result.stdout
    assert result.stderr.splitlines() == [
        f"warning: {typo}: 1 skill name(s) not taken as written; the rest of each row is kept "
        "(--strict refuses the file instead)",
        "  row 4, column learn, value 'Pyhton': unknown skill 'Pyhton', wish left out; did you "
        "mean 'Python'?",
    ]

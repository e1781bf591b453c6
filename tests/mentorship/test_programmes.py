"""Programmes: the migration into a default programme, enrolment, scoped rounds and access."""

from __future__ import annotations

import os

import pytest
import sqlalchemy as sa
from sqlalchemy import select, update

from mentorship.core.db import make_engine
from mentorship.core.errors import Conflict, InvalidInput, PermissionDenied
from mentorship.migrate import upgrade_database
from mentorship.people.accounts import create_invites
from mentorship.people.models import Person
from mentorship.profiles.csv_io import read_profiles_csv
from mentorship.profiles.operations import import_profiles
from mentorship.programmes.models import Enrolment, Programme
from mentorship.programmes.operations import (
    assign_coordinator,
    create_programme,
    enrol_people,
    unenrol_people,
    update_programme,
)
from mentorship.programmes.queries import (
    default_programme,
    list_programmes,
    programme_in_view,
)
from mentorship.rounds.models import Match, MatchStatus, PairRule, RoundStatus
from mentorship.rounds.operations import close_round, create_round, publish_round
from mentorship.rounds.pairs import decline_match
from mentorship.rounds.queries import get_round, list_rounds, pairs_csv
from mentorship.rounds.run import preview_round
from tests.conftest import own_database

# ---------------------------------------------------------------------------- the migration

OLD_ROWS = [
    "INSERT INTO person (id, email, name, department, active, is_coordinator, is_admin, "
    "password_hash, session_token, created_at, updated_at) VALUES "
    "(1, 'a@lib.org', 'A', '', {t}, {f}, {f}, '', '', '2026-01-01', '2026-01-01'), "
    "(2, 'b@lib.org', 'B', '', {t}, {f}, {f}, '', '', '2026-01-01', '2026-01-01'), "
    "(3, 'boss@lib.org', 'Boss', '', {t}, {f}, {f}, '', '', '2026-01-01', '2026-01-01')",
    "INSERT INTO profile (person_id, role, capacity, teach_explicit, goals, bio, "
    "format_preference, institution, location, time_zone, updated_at) VALUES "
    "(1, 'mentor', 1, {f}, '', '', 'either', '', '', '', '2026-01-01'), "
    "(2, 'mentee', 1, {f}, '', '', 'either', '', '', '', '2026-01-01')",
    "INSERT INTO round (id, name, mode, settings, status, version, progress_stage, "
    "progress_percent, failure_reason, job_id, input_hash, seed, engine_version, diagnostics, "
    "unmatched, created_at) VALUES "
    "(1, 'Spring', 'mentor', '{{}}', 'published', 1, '', 0, '', '', '', 0, '', '{{}}', '[]', "
    "'2026-01-01'), "
    "(2, 'Peers', 'peer', '{{}}', 'draft', 1, '', 0, '', '', '', 0, '', '{{}}', '[]', "
    "'2026-01-01')",
]


def test_the_migration_moves_existing_data_into_the_default_programme(database_url, tmp_path):
    with own_database(database_url, tmp_path, f"programmes_{os.getpid()}") as url:
        engine = make_engine(url)
        try:
            upgrade_database(engine, "0008_trios")
            sqlite = engine.dialect.name == "sqlite"
            t, f = ("1", "0") if sqlite else ("true", "false")
            with engine.begin() as connection:
                for statement in OLD_ROWS:
                    connection.execute(sa.text(statement.format(t=t, f=f)))
            upgrade_database(engine)
            with engine.connect() as connection:
                programmes = connection.execute(sa.text(
                    "SELECT id, name, mode, is_default FROM programme")).all()
                assert [(name, mode, bool(default)) for _, name, mode, default in programmes] \
                    == [("Library mentoring", "mentor", True)]
                default_id = programmes[0][0]
                enrolled = connection.execute(sa.text(
                    "SELECT programme_id, person_id FROM enrolment ORDER BY person_id")).all()
                # The manager without a profile takes no part, so is not enrolled.
                assert [tuple(row) for row in enrolled] == [(default_id, 1), (default_id, 2)]
                rounds = connection.execute(sa.text(
                    "SELECT id, programme_id FROM round ORDER BY id")).all()
                assert [tuple(row) for row in rounds] == [(1, default_id), (2, default_id)]
            with engine.begin() as connection, pytest.raises(sa.exc.IntegrityError):
                connection.execute(sa.text("UPDATE round SET programme_id = NULL"))
            with engine.begin() as connection, pytest.raises(sa.exc.IntegrityError):
                connection.execute(sa.text(
                    f"INSERT INTO enrolment (programme_id, person_id, created_at) VALUES "
                    f"({default_id}, 1, '2026-01-02')"))
        finally:
            engine.dispose()


def test_a_new_database_starts_with_the_default_programme(db):
    programme = default_programme(db)
    assert (programme.name, programme.is_default, programme.mode) == (
        "Library mentoring", True, "mentor")
    assert default_programme(db).id == programme.id


# ---------------------------------------------------------------------------- rounds by programme

CATALOGUERS = [
    {"email": "ann@lib.org", "name": "Ann", "role": "mentor", "capacity": "2",
     "skills": "marc21=4"},
    {"email": "amy@lib.org", "name": "Amy", "role": "mentor", "skills": "marc21=3"},
    {"email": "abe@lib.org", "name": "Abe", "role": "mentee", "skills": "marc21=1",
     "learn": "marc21"},
]
# Better mentors for Abe than anyone above: were they in the pool, Abe would get one of them.
REPOSITORY = [
    {"email": "bea@lib.org", "name": "Bea", "role": "mentor", "capacity": "3",
     "skills": "marc21=4;dspace=4"},
    {"email": "bob@lib.org", "name": "Bob", "role": "mentee", "skills": "dspace=1",
     "learn": "dspace"},
]


@pytest.fixture
def two_programmes(db, write_csv, taxonomy):
    """The cataloguers in the default programme, the repository people in another."""
    other = create_programme(db, None, {"name": "Repositories", "mode": "mentor"})
    import_profiles(db, None, read_profiles_csv(write_csv(CATALOGUERS, name="a.csv"), taxonomy),
                    taxonomy)
    import_profiles(db, None, read_profiles_csv(write_csv(REPOSITORY, name="b.csv"), taxonomy),
                    taxonomy, programme_id=other.id)
    people = {p.name: p for p in db.scalars(select(Person))}
    return default_programme(db), other, people


def emails_seen(current) -> set[str]:
    return {p["id"] for p in current.input_snapshot["profiles"]}


def test_a_round_sees_only_its_programmes_people(db, two_programmes, taxonomy):
    default, other, people = two_programmes
    first = create_round(db, None, "Cataloguing")
    assert first.programme_id == default.id
    preview_round(db, None, first.id, taxonomy=taxonomy)
    assert emails_seen(first) == {"ann@lib.org", "amy@lib.org", "abe@lib.org"}
    pairs = db.execute(select(Match.mentor_id, Match.mentee_id)
                       .where(Match.round_id == first.id)).all()
    assert {(m, e) for m, e in pairs} <= {(people["Ann"].id, people["Abe"].id),
                                          (people["Amy"].id, people["Abe"].id)}
    assert {entry["id"] for entry in first.unmatched} <= emails_seen(first)
    assert "bea@lib.org" not in pairs_csv(db, None, first.id)

    second = create_round(db, None, "Repositories", programme_id=other.id)
    preview_round(db, None, second.id, taxonomy=taxonomy)
    assert emails_seen(second) == {"bea@lib.org", "bob@lib.org"}
    assert db.execute(select(Match.mentor_id, Match.mentee_id)
                      .where(Match.round_id == second.id)).all() == [
        (people["Bea"].id, people["Bob"].id)]


def test_the_management_chain_runs_through_people_outside_the_programme(db, write_csv, taxonomy):
    # Yan manages Xia, who manages Abi; only Yan and Abi are in the programme. Yan is above Abi
    # through Xia, so the chain rule keeps them apart although Xia takes no part in the round.
    rows = [{"email": "yan@lib.org", "name": "Yan", "role": "mentor", "capacity": "1",
             "skills": "marc21=4"},
            {"email": "xia@lib.org", "name": "Xia", "role": "mentor", "capacity": "1",
             "skills": "rda=4", "manager_email": "yan@lib.org"},
            {"email": "abi@lib.org", "name": "Abi", "role": "mentee", "skills": "marc21=1",
             "learn": "marc21", "manager_email": "xia@lib.org"}]
    import_profiles(db, None, read_profiles_csv(write_csv(rows), taxonomy), taxonomy)
    chain = create_programme(db, None, {"name": "Chain", "mode": "mentor"})
    people = {p.name: p for p in db.scalars(select(Person))}
    enrol_people(db, None, chain.id, [people["Yan"].id, people["Abi"].id])
    current = create_round(db, None, "Chain round", programme_id=chain.id)
    preview_round(db, None, current.id, taxonomy=taxonomy)
    assert emails_seen(current) == {"yan@lib.org", "abi@lib.org"}
    assert db.scalars(select(Match).where(Match.round_id == current.id)).all() == []
    abi = next(entry for entry in current.unmatched if entry["id"] == "abi@lib.org")
    assert abi["reason"] == {"code": "excluded", "total": 1, "rules": {"chain": 1}}


def test_a_person_in_two_programmes_is_in_both_pools_and_leaving_one_takes_them_out(
        db, two_programmes, taxonomy):
    default, other, people = two_programmes
    assert enrol_people(db, None, other.id, [people["Abe"].id, people["Bob"].id]) == 1
    current = create_round(db, None, "Repositories", programme_id=other.id)
    preview_round(db, None, current.id, taxonomy=taxonomy)
    assert emails_seen(current) == {"bea@lib.org", "bob@lib.org", "abe@lib.org"}
    assert unenrol_people(db, None, other.id, [people["Abe"].id]) == 1
    preview_round(db, None, current.id, taxonomy=taxonomy)
    assert emails_seen(current) == {"bea@lib.org", "bob@lib.org"}
    # Still in the default programme.
    assert db.scalar(select(Enrolment.id).where(Enrolment.person_id == people["Abe"].id,
                                                Enrolment.programme_id == default.id))


def test_pair_rules_and_earlier_pairs_still_hold_within_a_programme(db, two_programmes, taxonomy):
    _default, _other, people = two_programmes
    ann, amy, abe = people["Ann"], people["Amy"], people["Abe"]
    first = create_round(db, None, "First")
    preview_round(db, None, first.id, taxonomy=taxonomy)
    (paired,) = db.execute(select(Match.mentor_id, Match.mentee_id)
                           .where(Match.round_id == first.id)).all()
    assert paired == (ann.id, abe.id)  # the better mentor
    publish_round(db, None, first.id)
    close_round(db, None, first.id)
    # The next round does not propose the earlier pair again: Amy it is.
    second = create_round(db, None, "Second")
    preview_round(db, None, second.id, taxonomy=taxonomy)
    assert db.execute(select(Match.mentor_id, Match.mentee_id)
                      .where(Match.round_id == second.id)).all() == [(amy.id, abe.id)]
    # A standing avoid rule keeps Amy and Abe apart too: nobody is left for Abe.
    db.add(PairRule(kind="avoid", first_id=amy.id, second_id=abe.id))
    db.flush()
    preview_round(db, None, second.id, taxonomy=taxonomy)
    assert db.scalars(select(Match.id).where(Match.round_id == second.id)).all() == []
    assert [entry["id"] for entry in second.unmatched if entry["side"] == "mentee"] == [
        "abe@lib.org"]


def test_a_decline_rematches_within_the_programme(db, two_programmes, taxonomy):
    _default, _other, people = two_programmes
    current = create_round(db, None, "Cataloguing")
    preview_round(db, None, current.id, taxonomy=taxonomy)
    publish_round(db, None, current.id)
    match = db.scalar(select(Match).where(Match.round_id == current.id))
    decline_match(db, people["Abe"], match.id, taxonomy=taxonomy)
    live = db.execute(select(Match.mentor_id).where(
        Match.round_id == current.id, Match.status == MatchStatus.PROPOSED)).scalars().all()
    assert live == [people["Amy"].id]  # never Bea, of the other programme


def test_a_round_takes_the_programmes_mode_and_default_settings(db, two_programmes):
    _default, _other, _people = two_programmes
    peers = create_programme(db, None, {"name": "Peer swaps", "mode": "peer",
                                        "round_settings": {"min_score": 0.3}})
    current = create_round(db, None, "Swap 1", programme_id=peers.id)
    assert (current.mode, current.settings["min_score"]) == ("peer", 0.3)
    given = create_round(db, None, "Swap 2", programme_id=peers.id, settings={"fair": False,
                                                                              "min_score": 0.1})
    assert given.settings["min_score"] == 0.1
    with pytest.raises(InvalidInput) as caught:
        create_programme(db, None, {"name": "Bad", "mode": "peer",
                                    "round_settings": {"min_score": 2}})
    assert [(e.column, e.reason) for e in caught.value.errors] == [
        ("round_settings.min_score", "must be between 0 and 1")]


def test_programme_fields_are_checked_and_named(db):
    with pytest.raises(InvalidInput) as caught:
        create_programme(db, None, {"name": "", "mode": "solo", "signup_opens": "2027-02-30",
                                    "colour": "red"})
    assert {e.column: e.reason for e in caught.value.errors} == {
        "name": "required, at most 200 characters", "mode": "must be mentor or peer",
        "signup_opens": "enter a date as YYYY-MM-DD", "colour": "unknown field"}
    with pytest.raises(InvalidInput) as caught:
        create_programme(db, None, {"name": "Spring", "signup_opens": "2027-03-01",
                                    "signup_closes": "2027-02-01"})
    assert [(e.column, e.reason) for e in caught.value.errors] == [
        ("signup_closes", "must not be before sign-up opens")]
    with pytest.raises(InvalidInput) as caught:
        create_programme(db, None, {"name": " library MENTORING "})
    assert [(e.column, e.reason) for e in caught.value.errors] == [
        ("name", "another programme has this name")]


def test_an_edit_keeps_other_settings_keys_and_refuses_a_stale_version(db):
    programme = create_programme(db, None, {"name": "Check-ins"})
    update_programme(db, None, programme.id, {"settings": {"checkin_days": 14}})
    update_programme(db, None, programme.id, {"settings": {"reminder_days": 3},
                                              "description": "Fortnightly"})
    assert programme.settings == {"checkin_days": 14, "reminder_days": 3}
    with pytest.raises(Conflict):
        update_programme(db, None, programme.id, {"description": "x"},
                         version=programme.version - 1)


def test_an_import_into_an_unknown_or_foreign_programme_is_refused(db, two_programmes, write_csv,
                                                                   taxonomy):
    default, other, _people = two_programmes
    coordinator = Person(email="cat@lib.org", name="Cat", is_coordinator=True)
    db.add(coordinator)
    db.flush()
    assign_coordinator(db, None, default.id, coordinator.id)
    table = read_profiles_csv(write_csv(CATALOGUERS, name="c.csv"), taxonomy)
    with pytest.raises(PermissionDenied):
        import_profiles(db, coordinator, table, taxonomy, programme_id=other.id)


def test_invites_enrol_in_the_programme_given_or_the_default(db, two_programmes):
    default, other, people = two_programmes
    loner = Person(email="lone@lib.org", name="Lone")
    db.add(loner)
    db.flush()
    create_invites(db, None, [loner.id, people["Bob"].id])
    enrolled = set(db.execute(select(Enrolment.person_id, Enrolment.programme_id)).all())
    # Bob is in a programme already: an invite that names none leaves him there.
    assert (loner.id, default.id) in enrolled and (people["Bob"].id, default.id) not in enrolled
    create_invites(db, None, [loner.id], programme_id=other.id)
    assert db.scalar(select(Enrolment.id).where(Enrolment.person_id == loner.id,
                                                Enrolment.programme_id == other.id))


# ---------------------------------------------------------------------------- who sees what

@pytest.fixture
def coordinators(db, two_programmes):
    _default, other, _people = two_programmes
    limited = Person(email="lim@lib.org", name="Lim", is_coordinator=True)
    free = Person(email="free@lib.org", name="Free", is_coordinator=True)
    db.add_all([limited, free])
    db.flush()
    assign_coordinator(db, None, other.id, limited.id)
    return limited, free


def test_a_coordinator_given_a_programme_sees_and_acts_on_only_it(db, two_programmes,
                                                                  coordinators, taxonomy):
    default, other, people = two_programmes
    limited, free = coordinators
    theirs = create_round(db, limited, "Theirs", programme_id=other.id)
    foreign = create_round(db, None, "Not theirs")
    assert [r.id for r, _ in list_rounds(db, limited)] == [theirs.id]
    assert {r.id for r, _ in list_rounds(db, free)} == {theirs.id, foreign.id}
    assert [row.programme.id for row in list_programmes(db, limited)] == [other.id]
    assert programme_in_view(db, limited, None).id == other.id
    for attempt in (lambda: get_round(db, limited, foreign.id),
                    lambda: preview_round(db, limited, foreign.id, taxonomy=taxonomy),
                    lambda: publish_round(db, limited, foreign.id),
                    lambda: pairs_csv(db, limited, foreign.id),
                    lambda: list_rounds(db, limited, programme_id=default.id),
                    lambda: create_round(db, limited, "Sneaky", programme_id=default.id),
                    lambda: update_programme(db, limited, default.id, {"description": "x"}),
                    lambda: enrol_people(db, limited, default.id, [people["Bob"].id]),
                    lambda: create_invites(db, limited, [people["Abe"].id])):
        with pytest.raises(PermissionDenied):
            attempt()
    preview_round(db, limited, theirs.id, taxonomy=taxonomy)
    assert theirs.status == RoundStatus.PREVIEWED


def test_a_programme_a_limited_coordinator_creates_is_theirs(db, coordinators):
    limited, free = coordinators
    made = create_programme(db, limited, {"name": "Lim's own"})
    assert made.id in {row.programme.id for row in list_programmes(db, limited)}
    # A coordinator given none still sees every programme, and creating one changes nothing.
    create_programme(db, free, {"name": "Free's own"})
    assert len(list_programmes(db, free)) == db.scalar(
        select(sa.func.count()).select_from(Programme))


def test_only_admins_give_programmes_and_only_to_coordinators(db, two_programmes, coordinators):
    default, _other, people = two_programmes
    _limited, free = coordinators
    with pytest.raises(PermissionDenied):
        assign_coordinator(db, free, default.id, free.id)
    with pytest.raises(Conflict):
        assign_coordinator(db, None, default.id, people["Abe"].id)


# ---------------------------------------------------------------------------- the command line

def test_the_programme_commands(tmp_path, monkeypatch, write_csv):
    from click.testing import CliRunner

    from mentorship.cli import cli

    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'cli.db'}")
    runner = CliRunner()

    def run(*args):
        return runner.invoke(cli, [str(a) for a in args])

    created = run("programme", "create", "Repositories", "--mode", "peer",
                  "--round-settings", '{"min_score": 0.2}', "--ends-on", "2027-06-30")
    assert created.exit_code == 0, created.output
    assert "programme 2 created: Repositories (peer mode)" in created.stdout
    bad = run("programme", "create", "Bad", "--ends-on", "soon")
    assert bad.exit_code == 2 and "ends_on" in bad.stderr and "YYYY-MM-DD" in bad.stderr
    not_json = run("programme", "create", "Bad", "--round-settings", "{")
    assert not_json.exit_code == 2 and "round_settings" in not_json.stderr
    assert "is not JSON: give an object such as" in not_json.stderr

    assert run("import", write_csv(CATALOGUERS, name="a.csv")).exit_code == 0
    imported = run("import", write_csv(REPOSITORY, name="b.csv"), "--programme", "Repositories")
    assert imported.exit_code == 0, imported.output
    unknown = run("import", write_csv(REPOSITORY, name="b.csv"), "--programme", "Nope")
    assert unknown.exit_code == 2 and "no programme named or numbered 'Nope'" in unknown.stderr

    enrolled = run("programme", "enrol", "2", "abe@lib.org", "ABE@lib.org")
    assert enrolled.exit_code == 0 and "1 newly enrolled" in enrolled.stdout
    stranger = run("programme", "enrol", "2", "who@lib.org")
    assert stranger.exit_code == 2 and "no person has this email" in stranger.stderr

    listed = run("programme", "list").stdout
    assert "Library mentoring (default): mentor mode, 3 enrolled, 0 rounds" in listed
    assert "Repositories: peer mode, 3 enrolled, 0 rounds" in listed

    made = run("round", "create", "Swaps", "--programme", "Repositories")
    assert made.exit_code == 0 and "(peer mode, draft) in programme Repositories" in made.stdout
    assert run("round", "preview", 1).exit_code == 0
    exported = run("round", "export", 1).stdout
    assert "bea@lib.org" in exported and "ann@lib.org" not in exported
    assert '"min_score": 0.2' in exported
    plain = run("round", "create", "Cataloguing", "--min-score", "0.1")
    assert "(mentor mode, draft) in programme Library mentoring" in plain.stdout


def test_a_limited_coordinator_sees_a_shared_persons_pairs_of_their_programmes_only(
        db, two_programmes, coordinators, taxonomy):
    from mentorship.people.overview import person_overview

    _default, other, people = two_programmes
    limited, _free = coordinators
    enrol_people(db, None, other.id, [people["Abe"].id])
    theirs = create_round(db, None, "Theirs", programme_id=other.id)
    foreign = create_round(db, None, "Not theirs")
    for current in (theirs, foreign):
        preview_round(db, None, current.id, taxonomy=taxonomy)
    everyone = {pair.round.id for pair in person_overview(db, None, people["Abe"].id).pairs}
    assert everyone == {theirs.id, foreign.id}
    seen = {pair.round.id for pair in person_overview(db, limited, people["Abe"].id).pairs}
    assert seen == {theirs.id}
    with pytest.raises(PermissionDenied):
        person_overview(db, limited, people["Ann"].id)  # of the default programme only


def test_a_limited_coordinator_enrols_only_people_in_their_view(db, two_programmes,
                                                               coordinators):
    default, other, people = two_programmes
    limited, free = coordinators
    loner = Person(email="lone@lib.org", name="Lone")  # enrolled nowhere: in everyone's view
    db.add(loner)
    db.flush()

    def programmes_of(person) -> set[int]:
        return set(db.scalars(select(Enrolment.programme_id)
                              .where(Enrolment.person_id == person.id)))

    # Enrolling the default programme's Ann in their own programme would give them her record.
    with pytest.raises(PermissionDenied, match="in none of your programmes"):
        enrol_people(db, limited, other.id, [loner.id, people["Ann"].id])
    assert programmes_of(people["Ann"]) == {default.id} and programmes_of(loner) == set()
    assert enrol_people(db, limited, other.id, [loner.id, people["Bob"].id]) == 1
    assert programmes_of(loner) == {other.id}
    # A coordinator given no programme, and the command line, enrol anyone as before.
    assert enrol_people(db, free, other.id, [people["Ann"].id]) == 1
    assert enrol_people(db, None, other.id, [people["Amy"].id]) == 1


def test_a_limited_coordinators_import_adds_and_updates_only_people_in_their_view(
        db, two_programmes, coordinators, write_csv, taxonomy):
    default, other, people = two_programmes
    limited, free = coordinators
    foreign = [{"email": "new@lib.org", "name": "New"},
               {"email": "bob@lib.org", "name": "Bob Renamed", "role": "mentee",
                "learn": "dspace"},
               {"email": "ann@lib.org", "name": "Hacked", "department": "X"}]
    for programme_id in (other.id, None):
        table = read_profiles_csv(write_csv(foreign, name="f.csv"), taxonomy)
        with pytest.raises(PermissionDenied, match="in none of your programmes"):
            import_profiles(db, limited, table, taxonomy, programme_id=programme_id)
    # Nothing of the file was written: not Ann, not the new person, not their own Bob.
    assert (people["Ann"].name, people["Ann"].department) == ("Ann", "")
    assert people["Bob"].name == "Bob"
    assert db.scalar(select(Person.id).where(Person.email == "new@lib.org")) is None
    assert set(db.scalars(select(Enrolment.programme_id)
                          .where(Enrolment.person_id == people["Ann"].id))) == {default.id}
    # New people and their own people they import; a coordinator given no programme imports
    # anyone, as before.
    report = import_profiles(db, limited, read_profiles_csv(
        write_csv(foreign[:2], name="g.csv"), taxonomy), taxonomy)
    assert (report.created, report.updated, report.programme_id) == (1, 1, other.id)
    assert people["Bob"].name == "Bob Renamed"
    report = import_profiles(db, free, read_profiles_csv(
        write_csv(foreign[2:], name="h.csv"), taxonomy), taxonomy)
    assert report.updated == 1 and people["Ann"].name == "Hacked"


def test_a_limited_coordinator_invites_everyone_not_signed_up_of_their_view(db, coordinators):
    from mentorship.people.accounts import invite_uninvited

    limited, free = coordinators
    # Before: anyone of the default programme not signed up made the whole invite a 403.
    invited = {issued.person.name for issued in invite_uninvited(db, limited)}
    assert invited == {"Bea", "Bob"}
    assert {issued.person.name for issued in invite_uninvited(db, free)} >= {
        "Ann", "Amy", "Abe", "Bea", "Bob"}


def test_a_limited_coordinator_reads_and_retries_only_their_peoples_mail(
        db, two_programmes, coordinators):
    from datetime import UTC, datetime

    from mentorship.mail import MailStatus, OutboxMessage, list_outbox, queue_mail
    from mentorship.mail.outbox import body_readable_by, get_outbox_message, retry_message

    _default, _other, people = two_programmes
    limited, free = coordinators
    link = {"link": "https://lib.example/invite/secret", "expires": datetime.now(UTC)}
    theirs = queue_mail(db, to=people["Bob"], kind="invite", one_time_link=True, context=link)
    foreign = queue_mail(db, to=people["Ann"], kind="invite", one_time_link=True, context=link)
    bare = queue_mail(db, to="someone@lib.org", kind="signup_verification", one_time_link=True,
                      context=link)
    db.execute(update(OutboxMessage).values(status=MailStatus.FAILED))
    db.expire_all()

    page, counts = list_outbox(db, limited)
    assert [m.id for m in page.items] == [theirs.id] and counts.failed == 1 and page.total == 1
    for message in (foreign, bare):
        for attempt in (get_outbox_message, retry_message):
            with pytest.raises(PermissionDenied, match="in none of your programmes"):
                attempt(db, limited, message.id)
    assert db.get(OutboxMessage, foreign.id).status == MailStatus.FAILED
    assert retry_message(db, limited, theirs.id).status == MailStatus.QUEUED
    # An invite's link is an account: only admins read it, even of their own people.
    assert not body_readable_by(limited, get_outbox_message(db, limited, theirs.id))
    assert not body_readable_by(free, theirs)
    admin = Person(email="adm@lib.org", name="Adm", is_admin=True)
    assert body_readable_by(admin, theirs)
    # A coordinator given no programme sees the whole outbox, as before.
    assert {m.id for m in list_outbox(db, free)[0].items} == {theirs.id, foreign.id, bare.id}
    assert retry_message(db, free, foreign.id).status == MailStatus.QUEUED

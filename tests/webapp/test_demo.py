"""`mentorship demo`: synthetic staff, a published round, sign-ins that work; idempotent."""

from __future__ import annotations

import re

from click.testing import CliRunner
from sqlalchemy import func, select

from mentorship.core.db import make_engine, make_session_factory
from mentorship.people.models import Person
from mentorship.programmes.models import Enrolment
from mentorship.programmes.queries import default_programme
from mentorship.rounds.models import Round, RoundStatus
from webapp import create_app
from webapp.cli import cli


def test_demo_loads_publishes_and_prints_working_sign_ins(private_database, monkeypatch):
    monkeypatch.setenv("DATABASE_URL", private_database)
    runner = CliRunner()
    first = runner.invoke(cli, ["demo", "--no-serve", "--people", "60"])
    assert first.exit_code == 0, first.output
    accounts = re.findall(r"^\s+(coordinator|mentor|mentee)\s+.+?\s(\S+@\S+)\s+password: (\S+)$",
                          first.output, re.MULTILINE)
    assert [role for role, _, _ in accounts] == ["coordinator", "mentor", "mentee"]

    again = runner.invoke(cli, ["demo", "--no-serve", "--people", "60"])
    assert again.exit_code == 0, again.output
    engine = make_engine(private_database)
    with make_session_factory(engine)() as db:
        assert db.scalar(select(func.count()).select_from(Person)) == 61
        assert db.scalar(select(func.count()).select_from(Round)
                         .where(Round.status == RoundStatus.PUBLISHED)) == 1
        # The demo's data lives in the default programme.
        programme = default_programme(db)
        assert db.scalar(select(func.count()).select_from(Enrolment)
                         .where(Enrolment.programme_id == programme.id)) == 61
        assert set(db.scalars(select(Round.programme_id))) == {programme.id}
    engine.dispose()

    app = create_app({"TESTING": True, "SECRET_KEY": "x", "DATABASE_URL": private_database})
    accounts = re.findall(r"^\s+(coordinator|mentor|mentee)\s+.+?\s(\S+@\S+)\s+password: (\S+)$",
                          again.output, re.MULTILINE)
    for role, email, password in accounts:
        client = app.test_client()
        page = client.get("/sign-in").get_data(as_text=True)
        token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
        signed_in = client.post("/sign-in", data={"email": email, "password": password,
                                                  "csrf_token": token}, follow_redirects=True)
        assert signed_in.status_code == 200, role
        if role == "mentor":
            assert "Your mentee" in signed_in.get_data(as_text=True)
        if role == "mentee":
            assert "Your mentor" in signed_in.get_data(as_text=True)
    app.extensions["mentorship.engine"].dispose()


def test_demo_refuses_a_database_of_real_people_and_adds_no_round_when_run_again(
        private_database, monkeypatch):
    monkeypatch.setenv("DATABASE_URL", private_database)
    runner = CliRunner()
    made = runner.invoke(cli, ["admin", "create", "ada@library.example.edu", "--name", "Ada"])
    assert made.exit_code == 0, made.output
    refused = runner.invoke(cli, ["demo", "--no-serve", "--people", "20"])
    assert refused.exit_code == 2
    assert "holds 1 person the demo did not create" in refused.output
    engine = make_engine(private_database)
    with make_session_factory(engine)() as db:
        assert db.scalar(select(func.count()).select_from(Person)) == 1  # nothing was added
        assert db.scalar(select(func.count()).select_from(Round)) == 0
    engine.dispose()


def test_demo_refuses_people_of_its_own_domain_that_it_did_not_create(private_database,
                                                                     monkeypatch):
    # examples/library_staff.csv uses the demo's domain: imported, it is not the demo's data.
    monkeypatch.setenv("DATABASE_URL", private_database)
    runner = CliRunner()
    for email, name in (("ann.lee@westbrook.edu", "Ann Lee"), ("bo.kim@westbrook.edu", "Bo Kim")):
        made = runner.invoke(cli, ["admin", "create", email, "--name", name])
        assert made.exit_code == 0, made.output
    refused = runner.invoke(cli, ["demo", "--no-serve", "--people", "20"])
    assert refused.exit_code == 2, refused.output
    assert "holds 2 people the demo did not create" in refused.output
    engine = make_engine(private_database)
    with make_session_factory(engine)() as db:
        assert db.scalar(select(func.count()).select_from(Person)) == 2
        assert db.scalar(select(func.count()).select_from(Round)) == 0
    engine.dispose()


def test_demo_keeps_its_rounds_when_its_round_was_closed(private_database, monkeypatch):
    from mentorship.rounds.operations import close_round

    monkeypatch.setenv("DATABASE_URL", private_database)
    runner = CliRunner()
    assert runner.invoke(cli, ["demo", "--no-serve", "--people", "40"]).exit_code == 0
    engine = make_engine(private_database)
    with make_session_factory(engine)() as db, db.begin():
        close_round(db, None, db.scalar(select(Round.id)))
    again = runner.invoke(cli, ["demo", "--no-serve", "--people", "40"])
    assert again.exit_code == 0, again.output
    assert "coordinator" in again.output and "mentor" in again.output
    with make_session_factory(engine)() as db:
        assert db.scalar(select(func.count()).select_from(Round)) == 1
    engine.dispose()


def test_demo_without_a_database_url_uses_its_own_file(tmp_path, monkeypatch):
    monkeypatch.delenv("DATABASE_URL", raising=False)
    monkeypatch.delenv("MENTORSHIP_DATABASE_URL", raising=False)
    monkeypatch.setenv("MENTORSHIP_INSTANCE_PATH", str(tmp_path))
    result = CliRunner().invoke(cli, ["demo", "--no-serve", "--people", "20"])
    assert result.exit_code == 0, result.output
    assert (tmp_path / "demo.db").exists() and not (tmp_path / "mentorship.db").exists()


def test_the_demos_mail_links_lead_to_the_demos_own_server(private_database, monkeypatch):
    from mentorship.mail.models import OutboxMessage

    monkeypatch.setenv("DATABASE_URL", private_database)
    # Set, then removed: monkeypatch then restores the variable the demo sets for itself.
    monkeypatch.setenv("MENTORSHIP_BASE_URL", "unset")
    monkeypatch.delenv("MENTORSHIP_BASE_URL")
    monkeypatch.delenv("MENTORSHIP_SMTP_HOST", raising=False)
    result = CliRunner().invoke(cli, ["demo", "--no-serve", "--people", "20", "--port", "5099"])
    assert result.exit_code == 0, result.output
    engine = make_engine(private_database)
    with make_session_factory(engine)() as db:
        bodies = db.scalars(select(OutboxMessage.text_body)
                            .where(OutboxMessage.kind == "match_published")).all()
    engine.dispose()
    assert bodies and all("http://127.0.0.1:5099/matches" in body for body in bodies)

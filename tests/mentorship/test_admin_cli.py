"""`mentorship admin create`: the way into a new installation, with a link on the base URL."""

import re

from click.testing import CliRunner
from sqlalchemy import select

from mentorship.cli import cli
from mentorship.core.db import make_engine, make_session_factory
from mentorship.people.accounts import invite_for_token, redeem_invite
from mentorship.people.models import Person


def test_admin_create_makes_an_admin_with_a_one_time_link(private_database, monkeypatch):
    monkeypatch.setenv("DATABASE_URL", private_database)
    monkeypatch.setenv("MENTORSHIP_BASE_URL", "https://mentoring.example.edu/")
    result = CliRunner().invoke(cli, ["admin", "create", "Ada@Example.edu", "--name", "Ada Admin"])
    assert result.exit_code == 0, result.output
    token = re.search(r"https://mentoring\.example\.edu/invite/(\S+)", result.output).group(1)
    engine = make_engine(private_database)
    with make_session_factory(engine)() as db, db.begin():
        person = db.scalar(select(Person).where(Person.email == "ada@example.edu"))
        assert person.is_admin and person.active and not person.password_hash
        assert invite_for_token(db, token).person_id == person.id
        redeem_invite(db, token, "correct horse battery staple")
    # Promoting someone who exists keeps them, and a new link replaces the old one.
    again = CliRunner().invoke(cli, ["admin", "create", "ada@example.edu"])
    assert again.exit_code == 0, again.output
    with make_session_factory(engine)() as db:
        assert len(db.scalars(select(Person)).all()) == 1
    engine.dispose()


def test_admin_create_refuses_bad_input_with_a_message(private_database, monkeypatch):
    monkeypatch.setenv("DATABASE_URL", private_database)
    runner = CliRunner()
    nameless = runner.invoke(cli, ["admin", "create", "new@example.edu"])
    assert nameless.exit_code == 2 and "needs a name" in nameless.output
    bad = runner.invoke(cli, ["admin", "create", "not-an-email", "--name", "X"])
    assert bad.exit_code == 2 and "not an email address" in bad.output

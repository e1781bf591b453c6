"""Fixtures of the web tests: a seeded database of their own, the app, signed-in clients.

The seed (one per test module, committed, since the app opens its own sessions):
- mentor@example.org teaches MARC 21 to mentee@example.org in the published round "Spring";
- staff@example.org wants to learn BIBFRAME, which nobody teaches, so stays unmatched;
- other@example.org is staff with a profile and no pair;
- coordinator@example.org and admin@example.org hold those roles.
Every password is PASSWORD.
"""

from __future__ import annotations

import os
import re
import time
from pathlib import Path

import pytest
from sqlalchemy import func, select

from mentorship.core.db import make_engine, make_session_factory
from mentorship.mail import OutboxMessage
from mentorship.mail.jobs import stop_senders
from mentorship.migrate import upgrade_database
from mentorship.people.accounts import set_password, set_roles
from mentorship.people.models import Person
from mentorship.profiles.operations import register_person
from mentorship.rounds.models import Match, Round
from mentorship.rounds.operations import create_round, publish_round
from mentorship.rounds.run import preview_round
from tests.conftest import own_database
from webapp import create_app

PASSWORD = "correct horse battery staple"

PEOPLE = {
    "mentor": {"name": "Mina Mentor", "department": "Metadata Services", "role": "mentor",
               "capacity": "2", "skills": "MARC 21=4; RDA=4", "teach": "MARC 21; RDA",
               "goals": "Pass on cataloguing practice", "bio": "Head of cataloguing."},
    "mentee": {"name": "Eli Mentee", "department": "Systems", "role": "mentee",
               "skills": "MARC 21=1", "learn": "MARC 21", "goals": "Learn original cataloguing"},
    "staff": {"name": "Sam Staff", "department": "Systems", "role": "mentee",
              "learn": "BIBFRAME", "goals": "Linked data"},
    "other": {"name": "Olga Other", "department": "Digital Collections", "role": "mentee",
              "goals": "Nothing yet"},
    "coordinator": {"name": "Cora Coordinator", "department": "Learning", "role": "both"},
    "admin": {"name": "Ada Admin", "department": "IT", "role": "both"},
}


def make_test_app(url: str, instance: Path):
    """The app as the tests run it: on `url`, with sign-in limits out of the way."""
    app = create_app({
        "TESTING": True,
        "SECRET_KEY": "test secret",
        "DATABASE_URL": url,
        "SIGN_IN_LIMIT": "1000 per minute",
        "SIGN_IN_ADDRESS_LIMIT": "10000 per minute",
    })
    app.instance_path = str(instance)
    return app


def email(who: str) -> str:
    """The seeded email of a role name."""
    return f"{who}@example.org"


def seed(url: str, taxonomy) -> dict[str, int]:
    """Fill an empty database with the people and the published round above; return ids."""
    engine = make_engine(url)
    upgrade_database(engine)
    sessions = make_session_factory(engine)
    with sessions() as db:
        ids = {}
        for who, fields in PEOPLE.items():
            person = register_person(db, None, {"email": email(who), **fields}, taxonomy)
            set_password(db, None, person.id, PASSWORD)
            ids[who] = person.id
        set_roles(db, None, ids["coordinator"], coordinator=True, admin=False)
        set_roles(db, None, ids["admin"], coordinator=False, admin=True)
        spring = create_round(db, None, "Spring")
        preview_round(db, None, spring.id, taxonomy=taxonomy)
        publish_round(db, None, spring.id)
        ids["round"] = spring.id
        ids["programme"] = spring.programme_id
        db.commit()
        ids["match"] = db.get(Round, spring.id).matches[0].id
        ids["message"] = db.scalar(select(func.min(OutboxMessage.id)))
    engine.dispose()
    return ids


@pytest.fixture(scope="module")
def web_database(database_url, tmp_path_factory, request):
    """A database of the module's own (SQLite file, or a new PostgreSQL database)."""
    name = re.sub(r"\W", "_", f"web_{os.getpid()}_{request.module.__name__}")[-60:].lower()
    with own_database(database_url, tmp_path_factory.mktemp("web"), name) as url:
        yield url


@pytest.fixture(scope="module")
def ids(web_database, taxonomy):
    """The seeded people's ids by role name, plus "round" and "match"."""
    return seed(web_database, taxonomy)


@pytest.fixture(scope="module")
def app(web_database, ids, tmp_path_factory):
    """The app on the module's seeded database."""
    app = make_test_app(web_database, tmp_path_factory.mktemp("instance"))
    yield app
    stop_senders()  # its mail senders end before its engine goes
    app.extensions["mentorship.engine"].dispose()


@pytest.fixture
def client(app):
    """A fresh browser-like client with its own cookies."""
    return app.test_client()


def wait_for_rematch(app, match_id: int, seconds: float = 60.0) -> str:
    """Wait until a declined pair's re-match job is no longer pending; return its status."""
    deadline = time.monotonic() + seconds
    while True:
        with app.extensions["mentorship.sessions"]() as db:
            status = db.scalar(select(Match.rematch_status).where(Match.id == match_id))
        if status not in ("queued", "running") or time.monotonic() > deadline:
            return status
        time.sleep(0.05)


def csrf_token(client, path: str = "/sign-in") -> str:
    """The CSRF token of the client's session, as a page's form carries it."""
    page = client.get(path).get_data(as_text=True)
    return re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)


def sign_in(client, who: str, password: str = PASSWORD):
    """Sign the client in as a seeded role name; return the response."""
    token = csrf_token(client)
    return client.post("/sign-in", data={"email": email(who), "password": password,
                                         "csrf_token": token})


@pytest.fixture
def as_role(app):
    """A factory: a client signed in as the given role name (or anonymous for None)."""
    def make(who: str | None):
        client = app.test_client()
        if who is not None:
            response = sign_in(client, who)
            assert response.status_code == 303, response.get_data(as_text=True)
        return client
    return make


def person_id(app, address: str) -> int:
    """The id of the person with this email."""
    with app.extensions["mentorship.sessions"]() as db:
        return db.scalar(select(Person.id).where(Person.email == address))


@pytest.fixture
def smtp_server(app, monkeypatch):
    """A real SMTP server on 127.0.0.1 (aiosmtpd) that the app mails; yields its inbox
    (`inbox.wait_for(n)`: mail is sent by a background thread once the request commits)."""
    from tests.smtp import smtp_server as local_server

    with local_server() as (inbox, config):
        for key, value in config.items():
            monkeypatch.setitem(app.config, key, value)
        yield inbox
        stop_senders()  # while the server still answers: no sender is left mid-mail

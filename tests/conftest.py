"""Fixtures shared by every test package."""

import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, timedelta

import pytest
from sqlalchemy import text
from sqlalchemy.orm import Session

from mentorship.core.db import make_engine
from mentorship.migrate import upgrade_database
from mentorship.taxonomy import load_taxonomy


@pytest.fixture(scope="session")
def taxonomy():
    """The default taxonomy (mentorship/taxonomy/skills.yaml)."""
    return load_taxonomy()


@pytest.fixture(scope="session")
def database_url(tmp_path_factory):
    """TEST_DATABASE_URL (PostgreSQL in CI's second run), else a fresh SQLite file."""
    return os.environ.get("TEST_DATABASE_URL") or (
        f"sqlite:///{tmp_path_factory.mktemp('db') / 'test.db'}"
    )


@pytest.fixture(scope="session")
def engine(database_url):
    """An engine on an empty database brought to the current schema by the migrations."""
    engine = make_engine(database_url)
    if engine.dialect.name == "postgresql":
        with engine.begin() as connection:
            connection.execute(text("DROP SCHEMA IF EXISTS public CASCADE"))
            connection.execute(text("CREATE SCHEMA public"))
    upgrade_database(engine)
    yield engine
    engine.dispose()


@pytest.fixture
def db(engine):
    """A session whose work is rolled back after the test (commits become savepoints)."""
    connection = engine.connect()
    transaction = connection.begin()
    session = Session(bind=connection, join_transaction_mode="create_savepoint",
                      expire_on_commit=False)
    yield session
    session.close()
    transaction.rollback()
    connection.close()


#: Dates a mentoring agreement accepts whenever the tests run (its dates are bounded around today).
AGREEMENT_START = date.today() + timedelta(days=34)
AGREEMENT_END = AGREEMENT_START + timedelta(days=177)


@contextmanager
def own_database(database_url: str, folder, name: str) -> Iterator[str]:
    """A database of its own named `name`: a SQLite file in `folder`, or a new PostgreSQL
    database (dropped afterwards) on the server of `database_url`."""
    if database_url.startswith("sqlite"):
        yield f"sqlite:///{folder / f'{name}.db'}"
        return
    admin = make_engine(database_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f"DROP DATABASE IF EXISTS {name}"))
        connection.execute(text(f"CREATE DATABASE {name}"))
    url = make_engine(database_url).url.set(database=name)
    try:
        yield url.render_as_string(hide_password=False)
    finally:
        with admin.connect() as connection:
            connection.execute(text(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
        admin.dispose()



@pytest.fixture
def private_database(database_url, tmp_path):
    """A database of its own, for a test that must commit (SQLite file or a new PG database)."""
    with own_database(database_url, tmp_path, f"mentorship_kill_{os.getpid()}") as url:
        yield url


def run_at_once(*jobs):
    """Run each job in its own thread, all released together; return what each returned or raised
    (a race test looks at what came out)."""
    barrier = threading.Barrier(len(jobs))
    outcomes = [None] * len(jobs)

    def run(index, job):
        barrier.wait()
        try:
            outcomes[index] = job()
        except Exception as error:  # the test looks at what came out
            outcomes[index] = error

    threads = [threading.Thread(target=run, args=(i, job)) for i, job in enumerate(jobs)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return outcomes

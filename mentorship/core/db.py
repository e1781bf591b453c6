"""Database engines and sessions: embedded SQLite by default, PostgreSQL when configured."""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from typing import Any, TypeVar

from sqlalchemy import Engine, create_engine, event, text
from sqlalchemy.orm import Session, sessionmaker

from mentorship.core.settings import database_url

T = TypeVar("T")

__all__ = ["IN_LIST_SIZE", "READ_ONLY", "EncodedJSON", "batches", "database_answers", "encode_json",
           "hold_lock", "make_engine", "make_session_factory"]

# How long a SQLite writer waits for another writer's lock before giving up, in seconds.
SQLITE_BUSY_TIMEOUT = 15
#: The most values one IN (...) list holds: far under every database's parameter limit.
IN_LIST_SIZE = 1000
#: Execution option of an engine or connection whose transactions only read.
READ_ONLY = "mentorship_read_only"


class EncodedJSON(dict):
    """A JSON object that carries its own encoding, `text`: a JSON column stores that text
    rather than encoding the object again (a round's input snapshot is megabytes, and is
    encoded once already to be hashed)."""

    def __init__(self, value: dict[str, Any], text: str) -> None:
        super().__init__(value)
        self.text = text


def encode_json(value: Any) -> str:
    """Encode a JSON column's value, as `json.dumps` does (an EncodedJSON as its own text)."""
    if isinstance(value, EncodedJSON):
        return value.text
    return json.dumps(value)


def make_engine(url: str | None = None, **kwargs) -> Engine:
    """Return an engine for `url` (see `database_url`), with SQLite set up for safe writes.

    SQLite gets WAL mode (readers never block the writer), foreign keys on, a busy timeout, and
    BEGIN IMMEDIATE transactions, so that two writers queue instead of failing half-way.
    """
    url = database_url(url)
    kwargs.setdefault("json_serializer", encode_json)
    if url.startswith("postgres://"):
        url = "postgresql+psycopg://" + url.removeprefix("postgres://")
    elif url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url.removeprefix("postgresql://")
    if url.startswith("sqlite"):
        engine = create_engine(
            url, connect_args={"timeout": SQLITE_BUSY_TIMEOUT, "isolation_level": None}, **kwargs
        )
        _configure_sqlite(engine)
        return engine
    return create_engine(url, pool_pre_ping=True, **kwargs)


def _configure_sqlite(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def on_connect(dbapi_connection, connection_record) -> None:
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT * 1000}")
        if engine.url.database not in (None, "", ":memory:"):
            cursor.execute("PRAGMA journal_mode=WAL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def on_begin(connection) -> None:
        # pysqlite's own transaction handling is off (isolation_level=None): take the write
        # lock at the start, so a transaction never fails on upgrading a read lock. Work that
        # only reads (a web page) asks for a plain BEGIN with the READ_ONLY option, so that
        # readers never queue behind a writer (WAL lets both run at once).
        read_only = connection.get_execution_options().get(READ_ONLY, False)
        connection.exec_driver_sql("BEGIN" if read_only else "BEGIN IMMEDIATE")


def make_session_factory(engine: Engine) -> sessionmaker[Session]:
    """Return a session factory bound to `engine` (objects stay usable after commit)."""
    return sessionmaker(engine, expire_on_commit=False)


def hold_lock(session: Session, name: str) -> None:
    """Serialise this transaction with every other that holds the lock `name`, until it ends.

    For a count-then-write that spans rows no single row lock covers (live pairs across
    rounds, the last admin). PostgreSQL takes a transaction-level advisory lock; on SQLite a
    writing transaction already holds the database's one write lock from its BEGIN IMMEDIATE.
    """
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(hashtext(:name))"), {"name": name})


def database_answers(session: Session) -> bool:
    """Return whether the database answers a trivial query (for a health check)."""
    try:
        return session.execute(text("SELECT 1")).scalar() == 1
    except Exception:  # any failure means: not healthy; the caller says so, without details
        return False


def batches(items: Sequence[T], size: int = IN_LIST_SIZE) -> Iterator[Sequence[T]]:
    """Yield `items` in slices of `size`, for IN lists and multi-row inserts of bounded size."""
    for start in range(0, len(items), size):
        yield items[start:start + size]


"""Database engines and sessions: embedded SQLite by default, PostgreSQL when configured."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from typing import Any, TypeVar

from sqlalchemy import JSON, Connection, Engine, Table, create_engine, event, text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session, sessionmaker

from mentorship.core.jsontext import from_json, to_json
from mentorship.core.settings import database_url

T = TypeVar("T")

__all__ = [
    "IN_LIST_SIZE",
    "READ_ONLY",
    "EncodedJSON",
    "analyze_tables",
    "batches",
    "database_answers",
    "encode_json",
    "hold_lock",
    "insert_rows",
    "make_engine",
    "make_session_factory",
]

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
    """Encode a JSON column's value (an EncodedJSON as its own text).

    By orjson (`to_json`): a round stores thousands of pairs, each with its reasons and
    alternatives.
    """
    if isinstance(value, EncodedJSON):
        return value.text
    return to_json(value)


def make_engine(url: str | None = None, **kwargs) -> Engine:
    """Return an engine for `url` (see `database_url`), with SQLite set up for safe writes.

    SQLite gets WAL mode (readers never block the writer), foreign keys on, a busy timeout, and
    BEGIN IMMEDIATE transactions, so that two writers queue instead of failing half-way.
    """
    url = database_url(url)
    kwargs.setdefault("json_serializer", encode_json)
    kwargs.setdefault("json_deserializer", from_json)  # orjson, as `encode_json`
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


def analyze_tables(session: Session, tables: Sequence[Table]) -> None:
    """Refresh PostgreSQL's statistics of `tables` after a bulk write, inside the transaction.

    Until autovacuum comes round, the planner believes a table just filled is as small as
    before: it then sizes a pool read's aggregation for a few hundred people and spills it to
    disk. ANALYZE counts the transaction's own rows. SQLite's planner needs no statistics for
    these queries: nothing to do there.
    """
    if session.get_bind().dialect.name == "postgresql":
        session.flush()
        quote = session.get_bind().dialect.identifier_preparer
        session.execute(text("ANALYZE " + ", ".join(quote.format_table(t) for t in tables)))


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


def insert_rows(connection: Connection, table: Table, rows: Sequence[dict[str, Any]],
                shared: dict[str, Any] | None = None) -> None:
    """Insert many rows into `table` in one go, each a dict of column values with the same keys,
    and `shared` the values every row has (converted once).

    PostgreSQL takes them by COPY and SQLite by one executemany of plain tuples: several times
    faster, for thousands of rows, than a Core executemany, which processes a parameter dict
    per row (and, on PostgreSQL, sends one statement per row). Values go through each column
    type's own conversion, as with SQLAlchemy (JSON straight to its text, `encode_json`). A
    column the rows leave out takes its Python default (a constant, or a function evaluated
    once for all the rows: they are written together), else the server's default or NULL.
    Errors are SQLAlchemy's (IntegrityError...). Other databases get a Core executemany.
    """
    if not rows:
        return
    dialect = connection.dialect
    shared = dict(shared or {})
    if dialect.name not in ("postgresql", "sqlite"):
        connection.execute(table.insert(), [{**row, **shared} for row in rows])
        return
    keys = [key for key in rows[0] if key not in shared]
    shared.update({column.key: _default_value(column) for column in table.columns
                   if column.key not in keys and column.key not in shared
                   and column.default is not None
                   and (column.default.is_scalar or column.default.is_callable)})
    # Column by column: each column's conversion runs over a list, and the rows are zipped
    # back together (in C), rather than a generator of values per row.
    columns = [[row[key] for row in rows] for key in keys]
    for index, key in enumerate(keys):
        convert = _converter(table.c[key], dialect)
        if convert is not None:
            columns[index] = [convert(value) for value in columns[index]]
    for key, value in shared.items():
        convert = _converter(table.c[key], dialect)
        columns.append([convert(value) if convert else value] * len(rows))
    values = list(zip(*columns, strict=True))
    quote = dialect.identifier_preparer
    names = ", ".join(quote.quote(table.c[key].name) for key in (*keys, *shared))
    target = quote.format_table(table)
    if dialect.name == "postgresql":
        statement = f"COPY {target} ({names}) FROM STDIN"
        try:
            with connection.connection.driver_connection.cursor() as cursor, \
                    cursor.copy(statement) as copy:
                for value in values:
                    copy.write_row(value)
        except dialect.loaded_dbapi.Error as error:  # as SQLAlchemy raises it: IntegrityError...
            raise DBAPIError.instance(statement, None, error, dialect.loaded_dbapi.Error) from None
    else:
        marks = ", ".join("?" * (len(keys) + len(shared)))
        connection.exec_driver_sql(f"INSERT INTO {target} ({names}) VALUES ({marks})", values)


def _converter(column, dialect) -> Callable[[Any], Any] | None:
    """How a value of `column` is handed to the driver: JSON as its text (a COPY takes it so;
    None as SQL NULL only where the type says so, as SQLAlchemy writes it), anything else by
    the type's own bind processing."""
    if isinstance(column.type, JSON):
        null = column.type.none_as_null
        return lambda value: None if value is None and null else encode_json(value)
    return column.type.dialect_impl(dialect).bind_processor(dialect)


def _default_value(column) -> Any:
    """The value of a column's Python default (SQLAlchemy gives a callable one a context,
    which a function of no arguments ignores)."""
    default = column.default
    return default.arg if default.is_scalar else default.arg(None)

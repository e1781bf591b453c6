"""The declarative base, its naming convention and the column types every table shares."""

from __future__ import annotations

import enum
from datetime import UTC, datetime

from sqlalchemy import DateTime, Enum, MetaData
from sqlalchemy.orm import DeclarativeBase
from sqlalchemy.types import TypeDecorator

__all__ = ["MAX_VERSION", "Base", "UtcDateTime", "string_enum", "utc_now"]

#: The largest version an optimistic `version` column holds (a 32-bit INTEGER on PostgreSQL):
#: a larger one named by a request is refused by its schema, never sent to the database.
MAX_VERSION = 2**31 - 1

# Named constraints, so that migrations can refer to them on every database.
NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def utc_now() -> datetime:
    """Return the current time in UTC."""
    return datetime.now(UTC)


class UtcDateTime(TypeDecorator):
    """A moment in time, always read back as an aware UTC datetime.

    PostgreSQL keeps the time zone; SQLite keeps none, so a value read from it is stated to be
    UTC (every time stored is UTC). Code never compares a naive time with an aware one.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect) -> datetime | None:
        if value is not None and value.tzinfo is None:
            raise ValueError("a naive datetime cannot be stored: give it a time zone")
        return value.astimezone(UTC) if value is not None else None

    def process_result_value(self, value: datetime | None, dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class Base(DeclarativeBase):
    """Declarative base with the naming convention."""

    metadata = MetaData(naming_convention=NAMING)


def string_enum(kind: type[enum.Enum]) -> Enum:
    """Return a column type that stores an enum as its plain string value.

    Portable and readable in the database; SQLAlchemy checks the values on the way in and out.
    """
    return Enum(kind, native_enum=False, length=20, values_callable=lambda k: [m.value for m in k],
                validate_strings=True)

"""A programme, the people enrolled in it and the coordinators given it."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    ForeignKey,
    Integer,
    String,
    Text,
    UniqueConstraint,
    false,
)
from sqlalchemy.orm import Mapped, mapped_column

from mentorship.core.models import Base, UtcDateTime, utc_now

__all__ = ["DEFAULT_PROGRAMME_NAME", "Enrolment", "Programme", "ProgrammeCoordinator"]

#: The name of the programme the existing data migrated into (and a new database starts with).
DEFAULT_PROGRAMME_NAME = "Library mentoring"


class Programme(Base):
    """A programme: its rounds match only the people enrolled in it.

    `round_settings` are the settings a new round of the programme starts from (the same keys
    as a round's settings); `settings` holds programme-level settings (check-in frequency,
    reminder days ...), a JSON object that features add their own keys to.
    """

    __tablename__ = "programme"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    description: Mapped[str] = mapped_column(Text, default="", server_default="")
    mode: Mapped[str] = mapped_column(String(10), default="mentor", server_default="mentor")
    round_settings: Mapped[dict] = mapped_column(JSON, default=dict)
    settings: Mapped[dict] = mapped_column(JSON, default=dict)
    signup_opens: Mapped[date | None] = mapped_column(Date)
    signup_closes: Mapped[date | None] = mapped_column(Date)
    matching_date: Mapped[date | None] = mapped_column(Date)
    ends_on: Mapped[date | None] = mapped_column(Date)
    # Exactly one programme is the default: where an import, invite or round goes unless told.
    is_default: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    # Optimistic locking: two coordinators editing one programme cannot both win.
    version: Mapped[int] = mapped_column(Integer, default=1, server_default="1")
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utc_now)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utc_now, onupdate=utc_now)

    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012


class Enrolment(Base):
    """A person taking part in a programme (a person may be in several)."""

    __tablename__ = "enrolment"
    __table_args__ = (UniqueConstraint("programme_id", "person_id", name="once"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    programme_id: Mapped[int] = mapped_column(ForeignKey("programme.id", ondelete="CASCADE"))
    person_id: Mapped[int] = mapped_column(
        ForeignKey("person.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utc_now)


class ProgrammeCoordinator(Base):
    """A coordinator given a programme. A coordinator given none sees every programme."""

    __tablename__ = "programme_coordinator"

    programme_id: Mapped[int] = mapped_column(
        ForeignKey("programme.id", ondelete="CASCADE"), primary_key=True)
    person_id: Mapped[int] = mapped_column(
        ForeignKey("person.id", ondelete="CASCADE"), primary_key=True, index=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utc_now)

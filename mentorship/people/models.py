"""People: a member of staff and their one-time invite links."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import Boolean, ForeignKey, String, true
from sqlalchemy.orm import Mapped, mapped_column, relationship

from mentorship.core.models import Base, UtcDateTime, utc_now

if TYPE_CHECKING:
    from mentorship.profiles.models import Profile

__all__ = ["PEOPLE_LOCK", "Invite", "Person"]

#: The lock (`mentorship.core.db.hold_lock`) every writer that creates people by email holds,
#: so that two imports of one file cannot both insert the same person.
PEOPLE_LOCK = "mentorship.people"


class Person(Base):
    """Someone on the staff. The email (stored lower-cased) is the identity."""

    __tablename__ = "person"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    department: Mapped[str] = mapped_column(String(200), default="")
    manager_id: Mapped[int | None] = mapped_column(
        ForeignKey("person.id", ondelete="SET NULL"), index=True
    )
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    is_coordinator: Mapped[bool] = mapped_column(Boolean, default=False)
    is_admin: Mapped[bool] = mapped_column(Boolean, default=False)
    # An Argon2id hash; empty until the person sets a password through an invite.
    password_hash: Mapped[str] = mapped_column(String(255), default="", server_default="")
    # Signed into every session cookie; a new value (sign-out, disable, new password) ends
    # every session of the person at once.
    session_token: Mapped[str] = mapped_column(String(64), default="", server_default="")
    # Whether the person wants reminder mail (a pair not yet accepted); they set it themselves.
    mail_reminders: Mapped[bool] = mapped_column(Boolean, default=True, server_default=true())
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utc_now)
    updated_at: Mapped[datetime] = mapped_column(
        UtcDateTime, default=utc_now, onupdate=utc_now
    )

    manager: Mapped[Person | None] = relationship(remote_side=[id])
    profile: Mapped[Profile | None] = relationship(
        back_populates="person", cascade="all, delete-orphan", uselist=False
    )


class Invite(Base):
    """A one-time link to set a password. Only the token's SHA-256 is stored."""

    __tablename__ = "invite"

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("person.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utc_now)
    expires_at: Mapped[datetime] = mapped_column(UtcDateTime)
    used_at: Mapped[datetime | None] = mapped_column(UtcDateTime)


# Person.profile names Profile: make sure its table is mapped whenever Person is.
import mentorship.profiles.models  # noqa: E402, F401

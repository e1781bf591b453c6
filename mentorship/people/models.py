"""People: a member of staff, their one-time invite links, and sign-up links and requests."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import JSON, Boolean, ForeignKey, String, true
from sqlalchemy.orm import Mapped, mapped_column, relationship

from mentorship.core.models import Base, UtcDateTime, utc_now

if TYPE_CHECKING:
    from mentorship.profiles.models import Profile
    from mentorship.programmes.models import Programme

__all__ = ["PEOPLE_LOCK", "Invite", "Person", "SignupLink", "SignupRequest"]

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


class SignupLink(Base):
    """A programme's public sign-up link. Only the token's SHA-256 is stored.

    `mode` is "open" (anyone), "domains" (addresses at one of `domains` only) or "approval"
    (a coordinator approves each sign-up). Turned off, the link and its pending sign-ups stop
    working; a regenerated token replaces the old one.
    """

    __tablename__ = "signup_link"

    id: Mapped[int] = mapped_column(primary_key=True)
    # The programme the link enrols people in (one link a programme).
    programme_id: Mapped[int] = mapped_column(ForeignKey("programme.id", ondelete="CASCADE"),
                                              unique=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    mode: Mapped[str] = mapped_column(String(10), default="open")
    domains: Mapped[list] = mapped_column(JSON, default=list)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("person.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utc_now)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utc_now, onupdate=utc_now)

    programme: Mapped[Programme] = relationship()


class SignupRequest(Base):
    """Someone who signed up through a link, from the form until the account exists.

    Only the verification token's SHA-256 is stored. `status`: "unverified" (mailed), "waiting"
    (verified, for a coordinator to approve; the chosen password's hash is kept here until
    then, so no account exists before approval), "approved", "refused" or "done".
    """

    __tablename__ = "signup_request"

    id: Mapped[int] = mapped_column(primary_key=True)
    link_id: Mapped[int] = mapped_column(ForeignKey("signup_link.id", ondelete="CASCADE"),
                                         index=True)
    email: Mapped[str] = mapped_column(String(254), index=True)
    name: Mapped[str] = mapped_column(String(200))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    status: Mapped[str] = mapped_column(String(12), default="unverified")
    password_hash: Mapped[str] = mapped_column(String(255), default="", server_default="")
    person_id: Mapped[int | None] = mapped_column(ForeignKey("person.id", ondelete="CASCADE"))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utc_now)
    expires_at: Mapped[datetime] = mapped_column(UtcDateTime)
    verified_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("person.id", ondelete="SET NULL"))
    decided_at: Mapped[datetime | None] = mapped_column(UtcDateTime)

    link: Mapped[SignupLink] = relationship()


# Person.profile names Profile, SignupLink.programme Programme: make sure their tables are
# mapped whenever these are.
import mentorship.profiles.models  # noqa: E402
import mentorship.programmes.models  # noqa: E402, F401

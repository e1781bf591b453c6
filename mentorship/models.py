"""The data model (SQLAlchemy 2.0, typed). Behaviour lives in services, not here.

Person 1-1 Profile 1-* ProfileSkill *-1 Skill; Round 1-* Match; PairRule; AuditEvent.
"""

from __future__ import annotations

import enum
from datetime import UTC, datetime

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    DateTime,
    Enum,
    Float,
    ForeignKey,
    Integer,
    MetaData,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

__all__ = [
    "AuditEvent",
    "Base",
    "FormatPreference",
    "Invite",
    "MatchStatus",
    "MentoringRole",
    "PairRule",
    "Person",
    "Profile",
    "ProfileSkill",
    "Round",
    "RoundStatus",
    "Skill",
    "TaxonomyVersion",
]

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


class Base(DeclarativeBase):
    """Declarative base with the naming convention."""

    metadata = MetaData(naming_convention=NAMING)


class MentoringRole(enum.StrEnum):
    MENTOR = "mentor"
    MENTEE = "mentee"
    BOTH = "both"


class FormatPreference(enum.StrEnum):
    IN_PERSON = "in_person"
    REMOTE = "remote"
    EITHER = "either"


class RoundStatus(enum.StrEnum):
    DRAFT = "draft"
    RUNNING = "running"
    PREVIEWED = "previewed"
    PUBLISHED = "published"
    CLOSED = "closed"
    FAILED = "failed"


class MatchStatus(enum.StrEnum):
    PROPOSED = "proposed"
    ACCEPTED = "accepted"
    DECLINED = "declined"
    ACTIVE = "active"
    ENDED = "ended"


def _enum(kind: type[enum.Enum]) -> Enum:
    # Stored as plain strings (portable, readable in the database); SQLAlchemy checks the
    # values on the way in and out.
    return Enum(kind, native_enum=False, length=20, values_callable=lambda k: [m.value for m in k],
                validate_strings=True)


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
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utc_now)
    updated_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), default=utc_now, onupdate=utc_now
    )

    manager: Mapped[Person | None] = relationship(remote_side=[id])
    profile: Mapped[Profile | None] = relationship(
        back_populates="person", cascade="all, delete-orphan", uselist=False
    )


class Profile(Base):
    """A person's mentoring preferences; skills are in ProfileSkill rows."""

    __tablename__ = "profile"
    __table_args__ = (
        CheckConstraint("capacity >= 0 AND capacity <= 10", name="capacity_range"),
    )

    person_id: Mapped[int] = mapped_column(
        ForeignKey("person.id", ondelete="CASCADE"), primary_key=True
    )
    role: Mapped[MentoringRole] = mapped_column(_enum(MentoringRole), default=MentoringRole.BOTH)
    capacity: Mapped[int] = mapped_column(Integer, default=1)
    # False: the person offers every skill they rate 3 or more; True: only the flagged ones.
    teach_explicit: Mapped[bool] = mapped_column(Boolean, default=False)
    goals: Mapped[str] = mapped_column(Text, default="")
    bio: Mapped[str] = mapped_column(Text, default="")
    format_preference: Mapped[FormatPreference] = mapped_column(
        _enum(FormatPreference), default=FormatPreference.EITHER
    )
    updated_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), default=utc_now, onupdate=utc_now
    )

    person: Mapped[Person] = relationship(back_populates="profile")
    skills: Mapped[list[ProfileSkill]] = relationship(
        back_populates="profile", cascade="all, delete-orphan", order_by="ProfileSkill.skill_id"
    )


class ProfileSkill(Base):
    """One skill of one profile: level, learning priority (1 = most wanted) and teaching offer."""

    __tablename__ = "profile_skill"
    __table_args__ = (
        CheckConstraint("level >= 0 AND level <= 4", name="level_range"),
        CheckConstraint("learn_rank IS NULL OR learn_rank >= 1", name="learn_rank_positive"),
    )

    person_id: Mapped[int] = mapped_column(
        ForeignKey("profile.person_id", ondelete="CASCADE"), primary_key=True
    )
    skill_id: Mapped[str] = mapped_column(ForeignKey("skill.id"), primary_key=True)
    level: Mapped[int] = mapped_column(Integer, default=0)
    learn_rank: Mapped[int | None] = mapped_column(Integer)
    teaches: Mapped[bool] = mapped_column(Boolean, default=False)

    profile: Mapped[Profile] = relationship(back_populates="skills")


class TaxonomyVersion(Base):
    """A taxonomy file loaded into the database, identified by the hash of its content."""

    __tablename__ = "taxonomy_version"

    id: Mapped[int] = mapped_column(primary_key=True)
    content_hash: Mapped[str] = mapped_column(String(64), unique=True)
    source: Mapped[str] = mapped_column(String(500))
    loaded_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utc_now)


class Skill(Base):
    """A skill of the taxonomy. Never deleted: one a later taxonomy drops becomes inactive,
    so the profiles that name it keep their data and can be flagged."""

    __tablename__ = "skill"

    id: Mapped[str] = mapped_column(String(80), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    category_id: Mapped[str] = mapped_column(String(80))
    category_name: Mapped[str] = mapped_column(String(200))
    aliases: Mapped[list[str]] = mapped_column(JSON, default=list)
    position: Mapped[int] = mapped_column(Integer, default=0)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    taxonomy_version_id: Mapped[int | None] = mapped_column(ForeignKey("taxonomy_version.id"))


class Round(Base):
    """A matching round: its settings, status and what is needed to reproduce it."""

    __tablename__ = "round"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    mode: Mapped[str] = mapped_column(String(10), default="mentor")
    settings: Mapped[dict] = mapped_column(JSON, default=dict)
    status: Mapped[RoundStatus] = mapped_column(_enum(RoundStatus), default=RoundStatus.DRAFT)
    # Optimistic locking: a concurrent publish of a stale copy fails instead of winning twice.
    version: Mapped[int] = mapped_column(Integer, default=1)
    progress_stage: Mapped[str] = mapped_column(String(40), default="")
    progress_percent: Mapped[int] = mapped_column(Integer, default=0)
    failure_reason: Mapped[str] = mapped_column(Text, default="")
    # The background job computing the round, and when it last said it was alive.
    job_id: Mapped[str] = mapped_column(String(64), default="", server_default="")
    heartbeat_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    input_hash: Mapped[str] = mapped_column(String(64), default="")
    # Everything the engine saw (profiles and settings), to reproduce the round exactly.
    input_snapshot: Mapped[dict | None] = mapped_column(JSON, deferred=True)
    seed: Mapped[int] = mapped_column(Integer, default=0)
    engine_version: Mapped[str] = mapped_column(String(20), default="")
    diagnostics: Mapped[dict] = mapped_column(JSON, default=dict)
    unmatched: Mapped[list] = mapped_column(JSON, default=list)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("person.id", ondelete="SET NULL"))
    published_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("person.id", ondelete="SET NULL")
    )
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utc_now)
    published_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    closed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012

    matches: Mapped[list[Match]] = relationship(
        back_populates="round", cascade="all, delete-orphan", order_by="Match.id"
    )


class Match(Base):
    """A pair of a round. A deleted person's side becomes NULL: the row and its counts stay.

    A declined pair stays as a row, so a mentee may have several rows in a round, at most one
    of them live (the engine guarantees it).
    """

    __tablename__ = "match"

    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("round.id", ondelete="CASCADE"), index=True)
    mentor_id: Mapped[int | None] = mapped_column(
        ForeignKey("person.id", ondelete="SET NULL"), index=True
    )
    mentee_id: Mapped[int | None] = mapped_column(
        ForeignKey("person.id", ondelete="SET NULL"), index=True
    )
    score: Mapped[float] = mapped_column(Float)
    reasons: Mapped[list] = mapped_column(JSON, default=list)
    alternatives: Mapped[list] = mapped_column(JSON, default=list)
    locked: Mapped[bool] = mapped_column(Boolean, default=False)
    status: Mapped[MatchStatus] = mapped_column(_enum(MatchStatus), default=MatchStatus.PROPOSED)
    decline_reason: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utc_now)
    updated_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), default=utc_now, onupdate=utc_now
    )

    round: Mapped[Round] = relationship(back_populates="matches")


class PairRule(Base):
    """An avoid or lock rule between two people, for one round or standing (round NULL)."""

    __tablename__ = "pair_rule"
    __table_args__ = (
        CheckConstraint("kind IN ('avoid', 'lock')", name="kind_known"),
        UniqueConstraint("kind", "round_id", "first_id", "second_id", name="no_repeat"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(10))
    round_id: Mapped[int | None] = mapped_column(ForeignKey("round.id", ondelete="CASCADE"))
    # For a lock, first is the mentor and second the mentee.
    first_id: Mapped[int] = mapped_column(ForeignKey("person.id", ondelete="CASCADE"))
    second_id: Mapped[int] = mapped_column(ForeignKey("person.id", ondelete="CASCADE"))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utc_now)


class AuditEvent(Base):
    """Who did what to what, when (UTC). The actor is kept as an id; deleting them keeps it."""

    __tablename__ = "audit_event"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utc_now, index=True)
    actor_id: Mapped[int | None] = mapped_column(Integer)
    action: Mapped[str] = mapped_column(String(40))
    target_type: Mapped[str] = mapped_column(String(40))
    target_id: Mapped[str] = mapped_column(String(80), default="")
    details: Mapped[dict] = mapped_column(JSON, default=dict)


class Invite(Base):
    """A one-time link to set a password. Only the token's SHA-256 is stored."""

    __tablename__ = "invite"

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("person.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utc_now)
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    used_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

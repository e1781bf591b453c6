"""A person's mentoring profile and their skill rows."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    ForeignKey,
    Integer,
    LargeBinary,
    String,
    Text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from mentorship.core.models import Base, UtcDateTime, string_enum, utc_now
from mentorship.people.models import Person
from mentorship.profiles.limits import MAX_CAPACITY, MAX_LEVEL, MAX_TEXT, MAX_YEARS, MIN_LEVEL

__all__ = ["FormatPreference", "ImportJob", "ImportStatus", "MentoringRole", "Profile",
           "ProfileSkill", "SavedColumnMap"]


class MentoringRole(enum.StrEnum):
    MENTOR = "mentor"
    MENTEE = "mentee"
    BOTH = "both"


class FormatPreference(enum.StrEnum):
    IN_PERSON = "in_person"
    REMOTE = "remote"
    EITHER = "either"


class Profile(Base):
    """A person's mentoring preferences; skills are in ProfileSkill rows."""

    __tablename__ = "profile"
    __table_args__ = (
        CheckConstraint(f"capacity >= 0 AND capacity <= {MAX_CAPACITY}", name="capacity_range"),
        CheckConstraint("years_experience IS NULL OR (years_experience >= 0 AND "
                        f"years_experience <= {MAX_YEARS})", name="years_experience_range"),
    )

    person_id: Mapped[int] = mapped_column(
        ForeignKey("person.id", ondelete="CASCADE"), primary_key=True
    )
    role: Mapped[MentoringRole] = mapped_column(string_enum(MentoringRole), default=MentoringRole.BOTH)
    capacity: Mapped[int] = mapped_column(Integer, default=1)
    # False: the person offers every skill they rate 3 or more; True: only the flagged ones.
    teach_explicit: Mapped[bool] = mapped_column(Boolean, default=False)
    goals: Mapped[str] = mapped_column(Text, default="")
    bio: Mapped[str] = mapped_column(Text, default="")
    format_preference: Mapped[FormatPreference] = mapped_column(
        string_enum(FormatPreference), default=FormatPreference.EITHER
    )
    # The factors a round may match on (`matching.Profile`); empty or None means unknown.
    years_experience: Mapped[int | None] = mapped_column(Integer)
    institution: Mapped[str] = mapped_column(String(MAX_TEXT), default="", server_default="")
    location: Mapped[str] = mapped_column(String(MAX_TEXT), default="", server_default="")
    # An IANA name such as "America/Chicago" (checked against zoneinfo on the way in).
    time_zone: Mapped[str] = mapped_column(String(64), default="", server_default="")
    updated_at: Mapped[datetime] = mapped_column(
        UtcDateTime, default=utc_now, onupdate=utc_now
    )

    person: Mapped[Person] = relationship(back_populates="profile")
    skills: Mapped[list[ProfileSkill]] = relationship(
        back_populates="profile", cascade="all, delete-orphan", order_by="ProfileSkill.skill_id"
    )


class ProfileSkill(Base):
    """One skill of one profile: level, learning priority (1 = most wanted) and teaching offer."""

    __tablename__ = "profile_skill"
    __table_args__ = (
        CheckConstraint(f"level >= {MIN_LEVEL} AND level <= {MAX_LEVEL}", name="level_range"),
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


class SavedColumnMap(Base):
    """A column map kept for the next import of the same form, by scope (a programme's, later).

    `data` is the map's plain shape (`ColumnMap.as_data`).
    """

    __tablename__ = "column_map"

    id: Mapped[int] = mapped_column(primary_key=True)
    scope: Mapped[str] = mapped_column(String(100), unique=True)
    data: Mapped[dict] = mapped_column(JSON, default=dict)
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("person.id", ondelete="SET NULL"))
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utc_now, onupdate=utc_now)


class ImportStatus(enum.StrEnum):
    QUEUED = "queued"
    RUNNING = "running"
    # Imported: `result` holds the report.
    DONE = "done"
    # The file (or the coordinator's right to it) was refused: `result` says why, row by row,
    # and nothing was imported. Mend the file and upload it again.
    REFUSED = "refused"
    # The job broke off (an unexpected error, or its worker died): nothing was imported and
    # the upload is kept, so it can be tried again as it is.
    FAILED = "failed"


class ImportJob(Base):
    """A web import of a profile file, run as a background job.

    The upload's bytes are kept here (not on the web server's disk), so a worker on another
    machine reads them; they are dropped once the import is done or refused. Progress is
    written by the job with a heartbeat; `job_id` names the attempt that may write.
    """

    __tablename__ = "import_job"
    __table_args__ = (
        CheckConstraint("rows_validated >= 0 AND rows_imported >= 0", name="counts_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    # Whoever started it; the job acts as them (a deleted person's import cannot run again).
    owner_id: Mapped[int | None] = mapped_column(
        ForeignKey("person.id", ondelete="SET NULL"), index=True)
    # The programme the people are enrolled in: who may see the job follows from it.
    programme_id: Mapped[int] = mapped_column(
        ForeignKey("programme.id", ondelete="CASCADE"), index=True)
    filename: Mapped[str] = mapped_column(String(255), default="")
    sheet: Mapped[str | None] = mapped_column(String(255))
    # A form export's column map (`ColumnMap.as_data`); None for a file in our format.
    column_map: Mapped[dict | None] = mapped_column(JSON)
    partial: Mapped[bool] = mapped_column(Boolean, default=False)
    status: Mapped[ImportStatus] = mapped_column(string_enum(ImportStatus),
                                                 default=ImportStatus.QUEUED)
    # The attempt that may write: a retry gives a new one, so an attempt given up for dead
    # that wakes again writes nothing.
    job_id: Mapped[str] = mapped_column(String(64), default="")
    attempts: Mapped[int] = mapped_column(Integer, default=1)
    stage: Mapped[str] = mapped_column(String(20), default="queued")
    rows_total: Mapped[int | None] = mapped_column(Integer)
    rows_validated: Mapped[int] = mapped_column(Integer, default=0)
    rows_imported: Mapped[int] = mapped_column(Integer, default=0)
    heartbeat_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    # Set while the job cannot write its heartbeat (SQLite's one write lock is its own while it
    # imports): it is not taken to be dead before then.
    quiet_until: Mapped[datetime | None] = mapped_column(UtcDateTime)
    # Done: the report; refused: the message and every problem (row, column, value, reason).
    result: Mapped[dict | None] = mapped_column(JSON, deferred=True)
    failure_reason: Mapped[str] = mapped_column(Text, default="")
    data: Mapped[bytes | None] = mapped_column(LargeBinary, deferred=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utc_now)
    finished_at: Mapped[datetime | None] = mapped_column(UtcDateTime)

"""A person's mentoring profile and their skill rows."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import JSON, Boolean, CheckConstraint, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from mentorship.core.models import Base, UtcDateTime, string_enum, utc_now
from mentorship.people.models import Person
from mentorship.profiles.limits import MAX_CAPACITY, MAX_LEVEL, MAX_TEXT, MAX_YEARS, MIN_LEVEL

__all__ = ["FormatPreference", "MentoringRole", "Profile", "ProfileSkill", "SavedColumnMap"]


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

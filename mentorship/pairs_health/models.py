"""Check-ins of live pairs and the feedback each side gives when their pair ends."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    ForeignKey,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from mentorship.core.models import Base, UtcDateTime, string_enum, utc_now

__all__ = ["MAX_NOTE", "MAX_RATING", "MIN_RATING", "CheckIn", "CheckInAnswer", "Feedback"]

#: A survey's rating scale.
MIN_RATING, MAX_RATING = 1, 5
#: The longest note or "what worked" text.
MAX_NOTE = 2000


class CheckInAnswer(enum.StrEnum):
    MET = "met"
    NOT_YET = "not_yet"
    NEED_HELP = "need_help"


class CheckIn(Base):
    """One person's answer for one check-in period of one pair (once per person and period).

    Periods are numbered from 1: period k is the k-th stretch of the check-in interval since
    the pair's round was published (`mentorship.pairs_health.rule.period_of`).
    """

    __tablename__ = "check_in"
    __table_args__ = (
        UniqueConstraint("match_id", "person_id", "period", name="once_per_period"),
        CheckConstraint("period >= 1", name="period_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    match_id: Mapped[int] = mapped_column(ForeignKey("match.id", ondelete="CASCADE"), index=True)
    # A deleted person's answers stay (as NULL): the pair's health and the rates keep them.
    person_id: Mapped[int | None] = mapped_column(ForeignKey("person.id", ondelete="SET NULL"))
    period: Mapped[int] = mapped_column(Integer)
    answer: Mapped[CheckInAnswer] = mapped_column(string_enum(CheckInAnswer))
    note: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utc_now)


class Feedback(Base):
    """One side's end-of-pair survey; a mentee's also holds their levels on the skills learnt.

    `skill_levels` maps a skill id to ``{"before": level in the profile then, "after": the
    level they gave}``; `levels_applied` says whether they confirmed writing them to their
    profile.
    """

    __tablename__ = "feedback"
    __table_args__ = (
        UniqueConstraint("match_id", "person_id", name="once_per_person"),
        CheckConstraint(f"rating >= {MIN_RATING} AND rating <= {MAX_RATING}", name="rating_range"),
        CheckConstraint("side IN ('mentor', 'mentee')", name="side_known"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    match_id: Mapped[int] = mapped_column(ForeignKey("match.id", ondelete="CASCADE"), index=True)
    person_id: Mapped[int | None] = mapped_column(ForeignKey("person.id", ondelete="SET NULL"))
    side: Mapped[str] = mapped_column(String(10))
    rating: Mapped[int] = mapped_column(Integer)
    worked: Mapped[str] = mapped_column(Text, default="")
    again: Mapped[bool] = mapped_column(Boolean)
    skill_levels: Mapped[dict] = mapped_column(JSON, default=dict)
    levels_applied: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utc_now)

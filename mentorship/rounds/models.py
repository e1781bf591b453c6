"""Matching rounds, their pairs and the avoid and lock rules between two people."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    Float,
    ForeignKey,
    Integer,
    String,
    Text,
    UniqueConstraint,
    false,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from mentorship.core.models import Base, UtcDateTime, string_enum, utc_now

if TYPE_CHECKING:
    from mentorship.programmes.models import Programme

__all__ = [
    "LIVE_STATUSES", "Match", "MatchStatus", "PairRule", "Round", "RoundStatus", "member_pairs"]


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


#: A pair in one of these states holds its mentor's capacity and its mentee (once published).
LIVE_STATUSES = (MatchStatus.PROPOSED, MatchStatus.ACCEPTED, MatchStatus.ACTIVE)


class Round(Base):
    """A matching round: its settings, status and what is needed to reproduce it."""

    __tablename__ = "round"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    # The programme whose enrolled people the round matches.
    programme_id: Mapped[int] = mapped_column(ForeignKey("programme.id"), index=True)
    mode: Mapped[str] = mapped_column(String(10), default="mentor")
    settings: Mapped[dict] = mapped_column(JSON, default=dict)
    status: Mapped[RoundStatus] = mapped_column(string_enum(RoundStatus), default=RoundStatus.DRAFT)
    # Optimistic locking: a concurrent publish of a stale copy fails instead of winning twice.
    version: Mapped[int] = mapped_column(Integer, default=1)
    progress_stage: Mapped[str] = mapped_column(String(40), default="")
    progress_percent: Mapped[int] = mapped_column(Integer, default=0)
    failure_reason: Mapped[str] = mapped_column(Text, default="")
    # The background job computing the round, and when it last said it was alive.
    job_id: Mapped[str] = mapped_column(String(64), default="", server_default="")
    heartbeat_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    input_hash: Mapped[str] = mapped_column(String(64), default="")
    # Everything the engine saw (profiles and settings), to reproduce the round exactly.
    input_snapshot: Mapped[dict | None] = mapped_column(JSON, deferred=True)
    seed: Mapped[int] = mapped_column(Integer, default=0)
    engine_version: Mapped[str] = mapped_column(String(20), default="")
    # Deferred, like the snapshot: large for a large round, and read only by its review.
    diagnostics: Mapped[dict] = mapped_column(JSON, default=dict, deferred=True)
    unmatched: Mapped[list] = mapped_column(JSON, default=list, deferred=True)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("person.id", ondelete="SET NULL"))
    published_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("person.id", ondelete="SET NULL")
    )
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utc_now)
    published_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    closed_at: Mapped[datetime | None] = mapped_column(UtcDateTime)

    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012

    matches: Mapped[list[Match]] = relationship(
        back_populates="round", cascade="all, delete-orphan", order_by="Match.id"
    )
    programme: Mapped[Programme] = relationship()


class Match(Base):
    """A pair of a round. A deleted person's side becomes NULL: the row and its counts stay.

    A declined pair stays as a row, so a mentee may have several rows in a round, at most one
    of them live (the engine guarantees it).

    A peer circle of three is one row with a `third`: mentor teaches mentee, mentee teaches
    third, third teaches mentor. One row, not three, because a circle is proposed, accepted,
    declined and ended as one: a single status cannot disagree with itself.
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
    third_id: Mapped[int | None] = mapped_column(
        ForeignKey("person.id", ondelete="SET NULL"), index=True
    )
    score: Mapped[float] = mapped_column(Float)
    reasons: Mapped[list] = mapped_column(JSON, default=list)
    alternatives: Mapped[list] = mapped_column(JSON, default=list)
    locked: Mapped[bool] = mapped_column(Boolean, default=False)
    status: Mapped[MatchStatus] = mapped_column(string_enum(MatchStatus), default=MatchStatus.PROPOSED)
    decline_reason: Mapped[str] = mapped_column(Text, default="")
    # Why a live pair ended before its round closed (one of them was deactivated), as a code.
    end_reason: Mapped[str] = mapped_column(Text, default="", server_default="")
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utc_now)
    updated_at: Mapped[datetime] = mapped_column(
        UtcDateTime, default=utc_now, onupdate=utc_now
    )

    round: Mapped[Round] = relationship(back_populates="matches")

    @property
    def member_ids(self) -> tuple[int | None, ...]:
        """The pair's two people, or a circle's three in teaching order (None if deleted)."""
        return (self.mentor_id, self.mentee_id) + (
            (self.third_id,) if self.third_id is not None else ())


def member_pairs(mentor: int | None, mentee: int | None,
                 third: int | None = None) -> list[tuple[int | None, int | None]]:
    """The pairs of people a stored pair or circle holds: itself, or a circle's three pairs."""
    if third is None:
        return [(mentor, mentee)]
    return [(mentor, mentee), (mentee, third), (third, mentor)]


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
    # A lock kept although it scores below the round's minimum: the coordinator said so.
    below_minimum: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utc_now)


# Round.programme_id refers to the programme table: map it whenever rounds are.
import mentorship.programmes.models  # noqa: E402, F401

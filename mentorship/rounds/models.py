"""Matching rounds, their pairs and the avoid and lock rules between two people."""

from __future__ import annotations

import enum
from datetime import date, datetime
from typing import TYPE_CHECKING

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    Date,
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
    "LIVE_STATUSES", "REMATCH_PENDING", "Agreement", "Match", "MatchStatus", "PairRule",
    "RematchStatus", "Round", "RoundStatus", "Suggestion", "member_pairs"]


class RoundStatus(enum.StrEnum):
    DRAFT = "draft"
    # A choice round's window is open: mentees request suggested mentors, mentors answer.
    CHOOSING = "choosing"
    RUNNING = "running"
    PREVIEWED = "previewed"
    PUBLISHED = "published"
    CLOSED = "closed"
    FAILED = "failed"


class MatchStatus(enum.StrEnum):
    PROPOSED = "proposed"
    # A mentee asked for this mentor in a choice round; it holds the mentor's place meanwhile.
    REQUESTED = "requested"
    ACCEPTED = "accepted"
    DECLINED = "declined"
    ACTIVE = "active"
    ENDED = "ended"


class RematchStatus(enum.StrEnum):
    """Where a declined pair's re-match is: none ("", a decline of old or of a closed round),
    waiting for a worker, running, or done (its new pairs are stored)."""

    NONE = ""
    QUEUED = "queued"
    RUNNING = "running"
    DONE = "done"


#: A re-match in one of these states has not stored its pairs yet.
REMATCH_PENDING = (RematchStatus.QUEUED, RematchStatus.RUNNING)

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
    # A choice round's window: opened by the coordinator, closed by the fill.
    choice_opened_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    choice_closed_at: Mapped[datetime | None] = mapped_column(UtcDateTime)

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
    # Why a live pair ended, as a code (mentorship.rounds.lifecycle.END_REASONS).
    end_reason: Mapped[str] = mapped_column(Text, default="", server_default="")
    # A choice round's request: when the mentee made it, and when it lapses unanswered.
    requested_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    expires_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    # What the person who ended it wrote (the pair and coordinators see it).
    end_note: Mapped[str] = mapped_column(Text, default="", server_default="")
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utc_now)
    updated_at: Mapped[datetime] = mapped_column(
        UtcDateTime, default=utc_now, onupdate=utc_now
    )
    # A declined pair's re-match job (mentorship.rounds.rematch): RematchStatus, the job's id
    # and when it last said it was alive.
    rematch_status: Mapped[str] = mapped_column(String(10), default="", server_default="")
    rematch_job_id: Mapped[str] = mapped_column(String(64), default="", server_default="")
    rematch_heartbeat_at: Mapped[datetime | None] = mapped_column(UtcDateTime)

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


class Agreement(Base):
    """A pair's mentoring agreement: one side proposes it, another member confirms it.

    `version` counts the proposals: a confirmation names the version it read, so an edit made
    meanwhile (which clears the confirmation) is never confirmed unseen.
    """

    __tablename__ = "agreement"

    match_id: Mapped[int] = mapped_column(ForeignKey("match.id", ondelete="CASCADE"),
                                          primary_key=True)
    goals: Mapped[str] = mapped_column(Text, default="")
    frequency: Mapped[str] = mapped_column(String(20))
    meeting_format: Mapped[str] = mapped_column(String(20))
    start_date: Mapped[date] = mapped_column(Date)
    end_date: Mapped[date] = mapped_column(Date)
    version: Mapped[int] = mapped_column(Integer, default=1)
    proposed_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("person.id", ondelete="SET NULL"))
    proposed_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utc_now)
    confirmed_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("person.id", ondelete="SET NULL"))
    confirmed_at: Mapped[datetime | None] = mapped_column(UtcDateTime)

    @property
    def confirmed(self) -> bool:
        """Whether another member confirmed the agreement as it now stands."""
        return self.confirmed_at is not None


class Suggestion(Base):
    """One of a mentee's suggested mentors in a choice round, ranked as the engine scored it."""

    __tablename__ = "suggestion"
    __table_args__ = (UniqueConstraint("round_id", "mentee_id", "mentor_id", name="one_each"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("round.id", ondelete="CASCADE"), index=True)
    mentee_id: Mapped[int] = mapped_column(ForeignKey("person.id", ondelete="CASCADE"), index=True)
    mentor_id: Mapped[int] = mapped_column(ForeignKey("person.id", ondelete="CASCADE"), index=True)
    rank: Mapped[int] = mapped_column(Integer)
    score: Mapped[float] = mapped_column(Float)
    # Stored as codes with person ids (see mentorship.rounds.reasons), named when shown.
    reasons: Mapped[list] = mapped_column(JSON, default=list)


# Round.programme_id refers to the programme table: map it whenever rounds are.
import mentorship.programmes.models  # noqa: E402, F401

"""The outbox: every mail the service sends, kept with its state until it is sent or fails."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from mentorship.core.models import Base, UtcDateTime, string_enum, utc_now

__all__ = ["MailStatus", "OutboxMessage"]


class MailStatus(enum.StrEnum):
    """Where a message is: waiting (perhaps for its next try), being sent, sent, or given up."""

    QUEUED = "queued"
    SENDING = "sending"
    SENT = "sent"
    FAILED = "failed"


class OutboxMessage(Base):
    """One mail to one person, rendered when queued (subject, plain text and HTML).

    `dedupe_key` is unique: queueing the same key twice (a job run again) queues one mail. A
    sender claims a message with a conditional UPDATE (status and `claim_token`), so two
    senders never both send it. A message that holds a one-time link has the link's text
    removed once it is sent.
    """

    __tablename__ = "outbox"

    id: Mapped[int] = mapped_column(primary_key=True)
    # Deleting a person deletes the mail to them (it is their personal data).
    person_id: Mapped[int | None] = mapped_column(
        ForeignKey("person.id", ondelete="CASCADE"), index=True)
    email: Mapped[str] = mapped_column(String(254))
    kind: Mapped[str] = mapped_column(String(40), index=True)
    subject: Mapped[str] = mapped_column(String(300))
    text_body: Mapped[str] = mapped_column(Text)
    html_body: Mapped[str] = mapped_column(Text)
    one_time_link: Mapped[bool] = mapped_column(Boolean, default=False)
    status: Mapped[MailStatus] = mapped_column(string_enum(MailStatus), default=MailStatus.QUEUED,
                                               index=True)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    claim_token: Mapped[str] = mapped_column(String(32), default="")
    claimed_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    # The mail server's answer or the network error; never a password or a message body.
    last_error: Mapped[str] = mapped_column(String(500), default="")
    dedupe_key: Mapped[str | None] = mapped_column(String(200), unique=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utc_now, index=True)
    sent_at: Mapped[datetime | None] = mapped_column(UtcDateTime)

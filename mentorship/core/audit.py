"""The audit trail: who did what, to what, when (UTC)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Index, Integer, String
from sqlalchemy.orm import Mapped, Session, mapped_column

from mentorship.core.models import Base, UtcDateTime, utc_now
from mentorship.core.permissions import Actor

__all__ = ["AuditEvent", "record_event"]


class AuditEvent(Base):
    """Who did what to what, when (UTC). The actor is kept as an id; deleting them keeps it."""

    __tablename__ = "audit_event"
    # A pair's history reads the events of one target.
    __table_args__ = (Index("ix_audit_event_target", "target_type", "target_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(UtcDateTime, default=utc_now, index=True)
    actor_id: Mapped[int | None] = mapped_column(Integer)
    action: Mapped[str] = mapped_column(String(40))
    target_type: Mapped[str] = mapped_column(String(40))
    target_id: Mapped[str] = mapped_column(String(80), default="")
    details: Mapped[dict] = mapped_column(JSON, default=dict)




def record_event(
    session: Session, actor: Actor | None, action: str, target_type: str, target_id: object = "",
    **details: Any,
) -> AuditEvent:
    """Add an audit event (actor None means the command line or the system)."""
    event = AuditEvent(
        actor_id=actor.id if actor is not None else None,
        action=action,
        target_type=target_type,
        target_id=str(target_id),
        details=details,
    )
    session.add(event)
    return event

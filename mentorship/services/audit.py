"""Record who did what, to what, when."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from mentorship.models import AuditEvent, Person

__all__ = ["record_event"]


def record_event(
    session: Session, actor: Person | None, action: str, target_type: str, target_id: object = "",
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

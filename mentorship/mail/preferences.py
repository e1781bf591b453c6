"""What mail a person wants: reminders can be turned off (the other mails are needed)."""

from __future__ import annotations

from sqlalchemy.orm import Session

from mentorship.core.audit import record_event
from mentorship.core.errors import NotFound, PermissionDenied
from mentorship.core.permissions import Actor
from mentorship.people.models import Person

__all__ = ["set_mail_reminders"]


def set_mail_reminders(session: Session, actor: Actor | None, person_id: int, wanted: bool) -> Person:
    """Turn a person's reminder mail on or off (their own choice; the command line may too)."""
    if actor is not None and actor.id != person_id:
        raise PermissionDenied("only the person themselves chooses their reminders")
    person = session.get(Person, person_id)
    if person is None:
        raise NotFound(f"no person {person_id}")
    person.mail_reminders = wanted
    record_event(session, actor, "person.mail_reminders", "person", person_id, on=wanted)
    session.flush()
    return person

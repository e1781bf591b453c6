"""The "your programme is ending" mail, sent once to each participant as a programme's end nears."""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from mentorship.core.permissions import Actor, require_coordinator
from mentorship.mail.messages import queue_programme_ending
from mentorship.people.models import Person
from mentorship.programmes.models import Enrolment, Programme

__all__ = ["ENDING_NOTICE_DAYS", "queue_programme_endings"]

#: How many days before a programme's end date its participants are told it is ending.
ENDING_NOTICE_DAYS = 14


def queue_programme_endings(session: Session, actor: Actor | None, *, today: date,
                            notice_days: int = ENDING_NOTICE_DAYS) -> int:
    """Queue the ending mail to the active participants of every programme that ends within
    `notice_days` of `today` (and has not ended); return how many were queued.

    Each person is mailed once per programme and end date however often this runs (a later
    end date is news again).
    """
    require_coordinator(actor, "mail participants")
    ending = session.scalars(select(Programme).where(
        Programme.ends_on.is_not(None), Programme.ends_on >= today,
        Programme.ends_on <= today + timedelta(days=notice_days)).order_by(Programme.id)).all()
    queued = 0
    for programme in ending:
        people = session.scalars(
            select(Person).join(Enrolment, Enrolment.person_id == Person.id)
            .where(Enrolment.programme_id == programme.id, Person.active)
            .order_by(Person.id)).all()
        queued += queue_programme_ending(
            session, programme_name=programme.name, ends_on=programme.ends_on, people=people,
            dedupe_prefix=f"programme-end:{programme.id}:{programme.ends_on.isoformat()}")
    session.flush()
    return queued

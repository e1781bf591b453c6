"""The mails the service sends, one function each: they render a template into the outbox."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from mentorship.mail.models import OutboxMessage
from mentorship.mail.outbox import queue_mail
from mentorship.people.models import Person

__all__ = ["queue_invite", "queue_password_reset", "queue_signup_verification"]


def queue_invite(session: Session, person: Person, link: str, expires: datetime) -> OutboxMessage:
    """Queue the mail with a person's one-time link to set their first password."""
    return queue_mail(session, to=person, kind="invite", one_time_link=True,
                      context={"link": link, "expires": expires})


def queue_password_reset(session: Session, person: Person, link: str,
                         expires: datetime) -> OutboxMessage:
    """Queue the mail with a person's one-time link to set a new password."""
    return queue_mail(session, to=person, kind="password_reset", one_time_link=True,
                      context={"link": link, "expires": expires})


def queue_signup_verification(session: Session, person_or_email: Person | str, link: str,
                              expires: datetime) -> OutboxMessage:
    """Queue the mail whose one-time link confirms a sign-up's address."""
    return queue_mail(session, to=person_or_email, kind="signup_verification",
                      one_time_link=True, context={"link": link, "expires": expires})

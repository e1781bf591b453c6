"""The mails the service sends, one function each: they render a template into the outbox."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy.orm import Session

from mentorship.mail.models import OutboxMessage
from mentorship.mail.outbox import link_to, queue_mail
from mentorship.people.accounts import (
    create_invites,
    invite_link,
    invite_uninvited,
    request_password_reset,
)
from mentorship.people.models import Person

__all__ = ["InviteLink", "invite_and_mail", "queue_invite", "queue_password_reset",
           "queue_programme_ending", "queue_signup_verification", "reset_and_mail"]


@dataclass(frozen=True)
class InviteLink:
    """An invite made and queued for mailing: who, the link, until when it works."""

    person: Person
    link: str
    expires: datetime


def invite_and_mail(session: Session, actor: Person | None, person_ids: list[int] | None, *,
                    base: str | None = None, programme_id: int | None = None) -> list[InviteLink]:
    """Make invites for `person_ids` (None: everyone not yet signed up) and queue their mail;
    return the links, which the coordinator is shown too. The people ticked are enrolled in
    the programme given (see `create_invites`)."""
    issued = (invite_uninvited(session, actor) if person_ids is None
              else create_invites(session, actor, person_ids, programme_id=programme_id))
    links = [InviteLink(i.person, invite_link(i.token, base), i.expires_at) for i in issued]
    for link in links:
        queue_invite(session, link.person, link.link, link.expires)
    return links


def reset_and_mail(session: Session, email: str, *, base: str | None = None) -> bool:
    """Make a password link for the account of `email`, if there is one, and queue its mail;
    return whether there was an account (never to be told to whoever asked)."""
    issued = request_password_reset(session, email)
    if issued is None:
        return False
    queue_password_reset(session, issued.person, invite_link(issued.token, base), issued.expires_at)
    return True


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


def queue_programme_ending(session: Session, *, programme_name: str, ends_on: date,
                           people: Iterable[Person], dedupe_prefix: str | None = None) -> int:
    """Queue "the programme ends on ..." to each person; return how many were queued.

    With `dedupe_prefix` (say ``programme-end:7``) each person is mailed once however often
    this runs.
    """
    queued = 0
    for person in people:
        key = f"{dedupe_prefix}:{person.id}" if dedupe_prefix else None
        if queue_mail(session, to=person, kind="programme_ending", dedupe_key=key,
                      context={"programme_name": programme_name, "ends_on": ends_on,
                               "link": link_to(session, "/matches")}) is not None:
            queued += 1
    return queued

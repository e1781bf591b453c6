"""Queue mail in the outbox, list it for coordinators, and try a failed message again."""

from __future__ import annotations

import logging
from dataclasses import dataclass

from sqlalchemy import event, func, select, update
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from mentorship.core.audit import record_event
from mentorship.core.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from mentorship.core.models import utc_now
from mentorship.core.paging import PAGE_SIZE, Page, page_bounds
from mentorship.core.permissions import Actor, require_coordinator
from mentorship.core.settings import base_url
from mentorship.mail.models import MailStatus, OutboxMessage
from mentorship.mail.render import render_mail
from mentorship.people.models import Person
from mentorship.programmes.access import (
    people_in_view,
    people_out_of_view,
    visible_programme_ids,
)

__all__ = ["BASE_URL_KEY", "DEFER_KEY", "QUEUED_FLAG", "SETTINGS_KEY", "OutboxCounts", "body_readable_by",
           "get_outbox_message", "link_to", "list_outbox", "queue_mail", "retry_message"]

log = logging.getLogger(__name__)

#: Set in `session.info` when mail was queued; after the commit a sender is started for it.
QUEUED_FLAG = "mentorship.mail_queued"
#: A `MailSettings` the caller put in `session.info` (the web app's); else the environment's.
SETTINGS_KEY = "mentorship.mail_settings"
#: Set in `session.info` by a caller that sends the mail itself after the commit (a command that
#: ends at once): no thread is started, and QUEUED_FLAG stays for the caller to read.
DEFER_KEY = "mentorship.mail_deferred"
#: Where people reach the web app, put in `session.info` by the web app; else `base_url()`.
BASE_URL_KEY = "mentorship.base_url"


def link_to(session: Session, path: str) -> str:
    """Return the address of a page of the web app, for a mail (never a request's Host)."""
    return f"{(session.info.get(BASE_URL_KEY) or base_url()).rstrip('/')}{path}"


def queue_mail(session: Session, *, to: Person | str, kind: str, context: dict,
               dedupe_key: str | None = None, one_time_link: bool = False) -> OutboxMessage | None:
    """Render the mail `kind` for `to` with `context` and add it to the outbox; flush.

    `context` gets `person` (None for a bare address) and `email` added. Return the new
    message, or None when a message with `dedupe_key` is already in the outbox (so a job run
    twice queues one mail; safe under concurrent callers). `one_time_link`: the mail holds a
    secret link; only admins read it in the outbox and its text is removed once it is sent.
    The mail is sent after the session commits (see `mentorship.mail.jobs`).
    """
    person = to if isinstance(to, Person) else None
    address = (person.email if person is not None else str(to)).strip()
    if "@" not in address:
        raise InvalidInput(f"{address!r} is not an email address")
    rendered = render_mail(kind, {**context, "person": person, "email": address})
    values = {"person_id": person.id if person is not None else None, "email": address,
              "kind": kind, "subject": rendered.subject, "text_body": rendered.text,
              "html_body": rendered.html, "one_time_link": one_time_link,
              "status": MailStatus.QUEUED, "attempts": 0, "claim_token": "", "last_error": "",
              "dedupe_key": dedupe_key, "created_at": utc_now()}
    if dedupe_key is None:
        message = OutboxMessage(**values)
        session.add(message)
        session.flush()
    else:
        dialect = session.get_bind().dialect.name
        insert = postgresql_insert if dialect == "postgresql" else sqlite_insert
        # One statement: a concurrent caller's row wins without an error, never a second row.
        new_id = session.execute(
            insert(OutboxMessage).values(**values)
            .on_conflict_do_nothing(index_elements=["dedupe_key"])
            .returning(OutboxMessage.id)).scalar()
        if new_id is None:
            return None
        message = session.get(OutboxMessage, new_id)
    session.info[QUEUED_FLAG] = True
    return message


@dataclass(frozen=True)
class OutboxCounts:
    """How many messages are in each status."""

    queued: int = 0
    sending: int = 0
    sent: int = 0
    failed: int = 0


def list_outbox(session: Session, actor: Actor | None, *, status: str = "", page: int = 1,
                per_page: int = PAGE_SIZE) -> tuple[Page, OutboxCounts]:
    """Return one page of the outbox, newest first (optionally one status), and the counts.

    A coordinator limited to some programmes sees only the mail to people in their view (as
    `people_in_view` has it): not mail to a bare address, nor to others' people.
    """
    require_coordinator(actor, "read the outbox")
    page, per_page = page_bounds(page, per_page)
    in_view = people_in_view(session, actor, OutboxMessage.person_id)
    query = select(OutboxMessage)
    counting = select(OutboxMessage.status, func.count()).group_by(OutboxMessage.status)
    if in_view is not None:
        query, counting = query.where(in_view), counting.where(in_view)
    if status:
        try:
            query = query.where(OutboxMessage.status == MailStatus(status))
        except ValueError:
            raise InvalidInput(f"there is no mail status {status!r}: use one of "
                               f"{', '.join(s.value for s in MailStatus)}") from None
    counts = dict(session.execute(counting).all())
    total = session.scalar(select(func.count()).select_from(query.subquery()))
    # A page past the end (an old link, a typed number) shows the last page, not "no mail".
    page = min(page, max(1, -(-total // per_page)))
    items = list(session.scalars(
        query.order_by(OutboxMessage.created_at.desc(), OutboxMessage.id.desc())
        .offset((page - 1) * per_page).limit(per_page)))
    return (Page(items=items, number=page, size=per_page, total=total),
            OutboxCounts(**{s.value: counts.get(s, 0) for s in MailStatus}))


def get_outbox_message(session: Session, actor: Actor | None, message_id: int) -> OutboxMessage:
    """Return one message of the outbox, if it is to someone in the actor's view."""
    require_coordinator(actor, "read the outbox")
    message = session.get(OutboxMessage, message_id)
    if message is None:
        raise NotFound(f"no message {message_id} in the outbox")
    _require_message_in_view(session, actor, message)
    return message


def _require_message_in_view(session: Session, actor: Actor | None,
                             message: OutboxMessage) -> None:
    """Refuse a message `list_outbox` would not show the actor."""
    if visible_programme_ids(session, actor) is None:
        return
    # Mail to a bare address (a sign-up's confirmation) is no programme's: like mail to
    # another programme's people, its recipient, text and errors are not this actor's to read.
    if message.person_id is None or people_out_of_view(session, actor, [message.person_id]):
        raise PermissionDenied("this mail is to someone in none of your programmes")


def body_readable_by(actor: Actor | None, message: OutboxMessage) -> bool:
    """Return whether the actor may read a message's text on the outbox page.

    A one-time link (an invite, a password reset, a sign-up's confirmation) would let its
    reader act as its recipient: only admins read those. (The coordinator who makes an invite
    is shown its link once, on the page that made it, not here.)
    """
    return actor is None or actor.is_admin or not message.one_time_link


def retry_message(session: Session, actor: Actor | None, message_id: int) -> OutboxMessage:
    """Queue a failed message again (one to someone in the actor's view), with all its tries;
    flush."""
    require_coordinator(actor, "retry mail")
    message = session.get(OutboxMessage, message_id)
    if message is None:
        raise NotFound(f"no message {message_id} in the outbox")
    _require_message_in_view(session, actor, message)
    changed = session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.id == message_id, OutboxMessage.status == MailStatus.FAILED)
        .values(status=MailStatus.QUEUED, attempts=0, next_attempt_at=None, claim_token="")
        .execution_options(synchronize_session=False)).rowcount
    if changed != 1:
        session.refresh(message)
        raise Conflict(f"message {message_id} is {message.status}, not failed: there is nothing "
                       "to retry")
    session.refresh(message)
    record_event(session, actor, "mail.retry", "outbox", message_id)
    session.info[QUEUED_FLAG] = True
    session.flush()
    return message


@event.listens_for(Session, "after_commit")
def _send_after_commit(session: Session) -> None:
    """Start a sender for the mail a committed transaction queued."""
    if session.info.get(DEFER_KEY):
        return
    if session.info.pop(QUEUED_FLAG, False):
        from mentorship.mail.jobs import start_sending

        try:
            start_sending(session.get_bind(), session.info.get(SETTINGS_KEY))
        except ValueError as error:  # a mail setting that cannot be read: the commit stands
            log.warning("mail waits in the outbox: %s", error)



@event.listens_for(Session, "after_rollback")
def _forget_after_rollback(session: Session) -> None:
    """Mail queued in a rolled-back transaction is gone: no sender is needed for it."""
    session.info.pop(QUEUED_FLAG, None)

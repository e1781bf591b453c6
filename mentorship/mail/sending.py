"""Send the outbox's due messages over SMTP: claim each with a conditional UPDATE, send, record.

A message is due when it is queued and its next try has come, or when it has been "sending"
for longer than `STALE_SENDING_SECONDS` (its sender died mid-send). Claiming sets a fresh
`claim_token`; only the sender holding it may record the outcome, so two senders (two
workers, a retried job) never both send one message.
"""

from __future__ import annotations

import logging
import smtplib
import ssl
import threading
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from email.message import EmailMessage
from email.utils import format_datetime

from sqlalchemy import and_, func, or_, select, update
from sqlalchemy.orm import Session, sessionmaker

from mentorship.core.models import utc_now
from mentorship.core.settings import MailSettings
from mentorship.mail.models import MailStatus, OutboxMessage

__all__ = ["STALE_SENDING_SECONDS", "SendReport", "open_smtp", "send_due_mail"]

log = logging.getLogger(__name__)

#: A message "sending" for longer than this was left by a sender that died; it is due again.
STALE_SENDING_SECONDS = 600
#: The most messages one pass claims.
BATCH = 100
#: What replaces a one-time link's mail once it is sent: the link must not outlive its use.
LINK_REMOVED = "(This message held a one-time link. Its text was removed once it was sent.)\n"


@dataclass(frozen=True)
class SendReport:
    """What one pass did, and when the next queued message falls due (None: nothing waits)."""

    sent: int
    retrying: int
    failed: int
    next_due_at: datetime | None


def _due(now: datetime):
    stale = now - timedelta(seconds=STALE_SENDING_SECONDS)
    return or_(
        and_(OutboxMessage.status == MailStatus.QUEUED,
             or_(OutboxMessage.next_attempt_at.is_(None), OutboxMessage.next_attempt_at <= now)),
        and_(OutboxMessage.status == MailStatus.SENDING, OutboxMessage.claimed_at < stale))


def open_smtp(settings: MailSettings) -> smtplib.SMTP:
    """Connect and log in to the mail server as `settings` say (TLS, STARTTLS or plain)."""
    context = ssl.create_default_context(cafile=settings.ca_file or None)
    if settings.security == "tls":
        smtp = smtplib.SMTP_SSL(settings.host, settings.port, timeout=settings.timeout,
                                context=context)
    else:
        smtp = smtplib.SMTP(settings.host, settings.port, timeout=settings.timeout)
    try:
        if settings.security == "starttls":
            smtp.starttls(context=context)
        if settings.user:
            smtp.login(settings.user, settings.password)
    except BaseException:
        smtp.close()
        raise
    return smtp


def send_due_mail(sessions: sessionmaker[Session], settings: MailSettings,
                  now: datetime | None = None, stop: threading.Event | None = None,
                  ) -> SendReport:
    """Send every due message once (up to BATCH); return what happened.

    Each claim and each outcome is its own short transaction: nothing is held open while the
    mail server is talked to. Without an SMTP host nothing is sent. Once `stop` is set no
    further message is claimed: the rest stay queued for the next sender.
    """
    if not settings.host:
        return SendReport(0, 0, 0, None)
    now = now or utc_now()
    with sessions() as session:
        due = list(session.scalars(select(OutboxMessage.id).where(_due(now))
                                   .order_by(OutboxMessage.id).limit(BATCH)))
    sent = retrying = failed = 0
    smtp: smtplib.SMTP | None = None
    try:
        for message_id in due:
            if stop is not None and stop.is_set():
                break
            claimed = _claim(sessions, message_id, now)
            if claimed is None:
                continue  # another sender took it first
            token, message = claimed
            try:
                mail = _email(message, settings.sender)
                if smtp is None:
                    smtp = open_smtp(settings)
                smtp.send_message(mail)
            # ValueError: a header the mail cannot carry; a failure of this mail, not the sender.
            except (OSError, smtplib.SMTPException, ValueError) as error:
                if isinstance(error, smtplib.SMTPServerDisconnected | OSError):
                    smtp = _close(smtp)
                if _record_failure(sessions, message_id, token, error, settings):
                    failed += 1
                else:
                    retrying += 1
            else:
                _record_sent(sessions, message_id, token)
                sent += 1
    finally:
        _close(smtp)
    with sessions() as session:
        next_due = session.scalar(select(func.min(func.coalesce(OutboxMessage.next_attempt_at,
                                                                OutboxMessage.created_at)))
                                  .where(OutboxMessage.status == MailStatus.QUEUED))
    return SendReport(sent, retrying, failed, next_due)


def _claim(sessions, message_id: int, now: datetime) -> tuple[str, OutboxMessage] | None:
    """Take the message for this sender if it is still due; return its token and the row."""
    token = uuid.uuid4().hex
    with sessions() as session, session.begin():
        changed = session.execute(
            update(OutboxMessage).where(OutboxMessage.id == message_id, _due(now))
            .values(status=MailStatus.SENDING, claim_token=token, claimed_at=utc_now(),
                    attempts=OutboxMessage.attempts + 1)
            .execution_options(synchronize_session=False)).rowcount
        if changed != 1:
            return None
        row = session.get(OutboxMessage, message_id)
        session.expunge(row)  # read after the commit, whatever the factory's expiry
        return token, row


def _email(message: OutboxMessage, sender: str) -> EmailMessage:
    mail = EmailMessage()
    mail["From"] = sender
    mail["To"] = message.email
    mail["Subject"] = message.subject
    mail["Date"] = format_datetime(message.created_at)
    # One Message-ID per outbox row: a mail server or reader that sees it twice (a sender that
    # died after the server accepted it) can drop the copy.
    domain = sender.rpartition("@")[2].strip("> ") or "localhost"
    mail["Message-ID"] = f"<outbox-{message.id}.{message.created_at:%Y%m%d%H%M%S}@{domain}>"
    mail.set_content(message.text_body)
    mail.add_alternative(message.html_body, subtype="html")
    return mail


def _record_sent(sessions, message_id: int, token: str) -> None:
    with sessions() as session, session.begin():
        message = session.get(OutboxMessage, message_id, with_for_update=True)
        if message is None or message.claim_token != token:
            return  # taken over as stale; the newer sender records its own outcome
        message.status = MailStatus.SENT
        message.sent_at = utc_now()
        message.last_error = ""
        if message.one_time_link:
            message.text_body = LINK_REMOVED
            message.html_body = f"<p>{LINK_REMOVED.strip()}</p>"


def _record_failure(sessions, message_id: int, token: str, error: BaseException,
                    settings: MailSettings) -> bool:
    """Queue the message for its next try, or mark it failed after the last; return failed."""
    reason = _reason(error)
    log.warning("mail %s not sent: %s", message_id, reason)
    with sessions() as session, session.begin():
        message = session.get(OutboxMessage, message_id, with_for_update=True)
        if message is None or message.claim_token != token:
            return False
        message.last_error = reason
        if message.attempts >= settings.max_attempts:
            message.status = MailStatus.FAILED
            return True
        message.status = MailStatus.QUEUED
        message.next_attempt_at = utc_now() + timedelta(
            seconds=settings.retry_seconds * 2 ** (message.attempts - 1))
        return False


def _reason(error: BaseException) -> str:
    """The mail server's answer or the network error, for the outbox (no credentials)."""
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        answers = [f"{code} {text.decode(errors='replace') if isinstance(text, bytes) else text}"
                   for code, text in error.recipients.values()]
        reason = f"the mail server refused the recipient: {'; '.join(answers)}"
    elif isinstance(error, smtplib.SMTPResponseException):
        text = error.smtp_error.decode(errors="replace") if isinstance(error.smtp_error, bytes) \
            else str(error.smtp_error)
        reason = f"the mail server answered {error.smtp_code} {text}"
    else:
        reason = f"{type(error).__name__}: {error}"
    return " ".join(reason.split())[:500]


def _close(smtp: smtplib.SMTP | None) -> None:
    if smtp is not None:
        try:
            smtp.quit()
        except (OSError, smtplib.SMTPException):
            smtp.close()
    return None

"""Send the outbox in the background: a thread of this process by default, RQ when REDIS_URL is set.

A sender keeps going until nothing is left to try: it sends what is due, then sleeps until the
next retry falls due (the wait doubles after each failure, see `MailSettings.retry_seconds`).
One thread per database at a time; queueing more mail wakes it. An RQ job does the same in a
worker, with the worker's own settings (its environment). A sender that dies leaves its
message "sending"; after `STALE_SENDING_SECONDS` the next sender claims it again.
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import Connection, Engine
from sqlalchemy.orm import Session, sessionmaker

from mentorship.core.background import QUEUE, enqueue, queue_configured
from mentorship.core.db import make_engine, make_session_factory
from mentorship.core.models import utc_now
from mentorship.core.settings import MailSettings, mail_settings
from mentorship.mail.sending import send_due_mail

__all__ = ["MAX_WAIT_SECONDS", "run_send_job", "send_until_done", "start_sending", "stop_senders"]

log = logging.getLogger(__name__)

#: The longest a sender sleeps before looking at the outbox again, in seconds.
MAX_WAIT_SECONDS = 300.0
#: The shortest pause between two passes, so that a message another sender holds is no busy loop.
MIN_WAIT_SECONDS = 0.05

_lock = threading.Lock()


@dataclass(frozen=True, eq=False)
class _Sender:
    """A running sender thread's two flags: `wake` (new mail was queued) and `stop` (end at
    the next message). `stop` is the thread's own and never cleared, so a sender that outlives
    `stop_senders`' wait (stuck talking to a mail server) ends once its call returns, instead
    of going on with settings and a database that are gone."""

    wake: threading.Event = field(default_factory=threading.Event)
    stop: threading.Event = field(default_factory=threading.Event)


# (engine id, settings) -> the running sender: new settings get a sender of their own, so a
# changed mail server is used at once.
_senders: dict[tuple[int, MailSettings], _Sender] = {}


def start_sending(bind: Engine | Connection, settings: MailSettings | None = None,
                  ) -> threading.Thread | None:
    """Start (or wake) a sender for the outbox behind `bind`; return a new thread, if any.

    With REDIS_URL set, queue an RQ job instead (None is returned). Without an SMTP host
    nothing starts: the mail waits in the outbox.
    """
    settings = settings or mail_settings()
    if queue_configured():
        def refused(error: Exception) -> None:  # the mail stays queued; the next sender takes it
            log.warning("could not queue the mail job: %s", error)

        # The worker reads its own DATABASE_URL and SMTP settings: no secrets through Redis.
        enqueue(run_send_job, queue=QUEUE, job_timeout=3600, on_error=refused)
        return None
    if not settings.host:
        return None
    engine = bind.engine if isinstance(bind, Connection) else bind
    key = (id(engine), settings)
    with _lock:
        sender = _senders.get(key)
        if sender is not None:
            sender.wake.set()
            return None
        sender = _senders[key] = _Sender()
        thread = threading.Thread(
            target=_send_in_thread, args=(key, make_session_factory(engine), settings, sender),
            name="mail-sender", daemon=True)
        thread.start()
    return thread


def stop_senders(timeout: float = 10) -> None:
    """Ask every sender thread of this process to end, and wait up to `timeout` seconds for
    them (before an engine is disposed of: at shutdown, or when a test's database goes).
    What they had not sent stays queued in the outbox for the next sender; the next commit
    starts a new one."""
    with _lock:
        stopping = list(_senders.values())
        _senders.clear()
    for sender in stopping:
        sender.stop.set()
        sender.wake.set()
    # Every sender thread, also one that has just unregistered itself and is ending.
    for thread in threading.enumerate():
        if thread.name == "mail-sender":
            thread.join(timeout)
            if thread.is_alive():
                log.warning("a mail sender is still talking to the mail server; it ends "
                            "after that call")


def _send_in_thread(key: tuple, sessions: sessionmaker[Session], settings: MailSettings,
                    sender: _Sender) -> None:
    try:
        send_until_done(sessions, settings, wake=sender.wake,
                        on_done=lambda: _finish(key, sender), stop=sender.stop)
    except Exception:  # a thread has nobody to tell; the mail stays queued for the next sender
        log.exception("the mail sender stopped")
        with _lock:
            _forget(key, sender)


def _forget(key: tuple, sender: _Sender) -> None:
    """Unregister the sender, unless a newer one has its key (the lock is held)."""
    if _senders.get(key) is sender:
        del _senders[key]


def _finish(key: tuple, sender: _Sender) -> bool:
    """Unregister the sender unless it was woken meanwhile; return whether it may stop."""
    with _lock:
        if sender.wake.is_set() and not sender.stop.is_set():
            sender.wake.clear()
            return False
        _forget(key, sender)
        return True


def send_until_done(sessions: sessionmaker[Session], settings: MailSettings, *,
                    wake: threading.Event | None = None, on_done=None,
                    stop: threading.Event | None = None) -> None:
    """Send due mail, sleeping until each retry falls due, until nothing is queued (or `stop`
    is set)."""
    wake = wake or threading.Event()
    while True:
        if stop is not None and stop.is_set():
            return
        report = send_due_mail(sessions, settings, stop=stop)
        if report.next_due_at is None:
            if on_done is None or on_done():
                return
            continue
        wake.wait(_seconds_until(report.next_due_at))
        wake.clear()


def _seconds_until(moment: datetime) -> float:
    return min(max((moment - utc_now()).total_seconds(), MIN_WAIT_SECONDS), MAX_WAIT_SECONDS)


def run_send_job(url: str | None = None) -> None:
    """Send the outbox until nothing is queued (the RQ job's body; settings from the environment)."""
    engine = make_engine(url)
    try:
        send_until_done(make_session_factory(engine), mail_settings())
    finally:
        engine.dispose()

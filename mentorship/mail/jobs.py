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
# (engine id, settings) -> the running sender's wake-up call: new settings get a sender of
# their own, so a changed mail server is used at once.
_senders: dict[tuple[int, MailSettings], threading.Event] = {}
# Set while `stop_senders` asks every sender thread to end.
_stopping = threading.Event()


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
        wake = _senders.get(key)
        if wake is not None:
            wake.set()
            return None
        wake = _senders[key] = threading.Event()
    thread = threading.Thread(target=_send_in_thread,
                              args=(key, make_session_factory(engine), settings, wake),
                              name="mail-sender", daemon=True)
    thread.start()
    return thread


def stop_senders(timeout: float = 10) -> None:
    """Ask every sender thread of this process to end, and wait for them (before an engine
    is disposed of: at shutdown, or when a test's database goes). What they had not sent
    stays queued in the outbox for the next sender."""
    _stopping.set()
    try:
        with _lock:
            for wake in _senders.values():
                wake.set()
        for thread in threading.enumerate():
            if thread.name == "mail-sender":
                thread.join(timeout)
    finally:
        _stopping.clear()


def _send_in_thread(key: tuple, sessions: sessionmaker[Session], settings: MailSettings,
                    wake: threading.Event) -> None:
    try:
        send_until_done(sessions, settings, wake=wake, on_done=lambda: _finish(key, wake),
                        stop=_stopping)
        if _stopping.is_set():  # asked to end: the next commit starts a new sender
            with _lock:
                _senders.pop(key, None)
    except Exception:  # a thread has nobody to tell; the mail stays queued for the next sender
        log.exception("the mail sender stopped")
        with _lock:
            _senders.pop(key, None)


def _finish(key: tuple, wake: threading.Event) -> bool:
    """Unregister the sender unless it was woken meanwhile; return whether it may stop."""
    with _lock:
        if wake.is_set():
            wake.clear()
            return False
        _senders.pop(key, None)
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
        report = send_due_mail(sessions, settings)
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

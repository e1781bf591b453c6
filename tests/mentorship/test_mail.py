"""Mail through the outbox to a real SMTP server (aiosmtpd on 127.0.0.1): every security mode,
retries with backoff, failure, dedupe, and senders that race or die mid-send."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from mentorship.core.db import make_engine, make_session_factory
from mentorship.core.errors import Conflict, InvalidInput
from mentorship.core.settings import mail_settings
from mentorship.mail import MailStatus, OutboxMessage, queue_mail, retry_message
from mentorship.mail.jobs import send_until_done, start_sending, stop_senders
from mentorship.mail.messages import queue_invite, queue_password_reset, queue_signup_verification
from mentorship.mail.sending import STALE_SENDING_SECONDS, send_due_mail
from mentorship.migrate import upgrade_database
from mentorship.people.models import Person
from tests.smtp import free_port, smtp_server

EXPIRES = datetime(2027, 1, 15, 12, 0, tzinfo=UTC)


@pytest.fixture
def sessions(private_database, monkeypatch):
    """A committed database of its own with two people; yields a session factory."""
    monkeypatch.delenv("REDIS_URL", raising=False)
    for key in ("SMTP_HOST", "SMTP_PORT", "SMTP_SECURITY", "SMTP_USER", "SMTP_PASSWORD"):
        monkeypatch.delenv(f"MENTORSHIP_{key}", raising=False)
    engine = make_engine(private_database)
    upgrade_database(engine)
    factory = make_session_factory(engine)
    with factory() as session, session.begin():
        session.add_all([Person(email="ada@example.org", name="Ada Lovelace"),
                         Person(email="ben@example.org", name="Ben <b>Bold</b>")])
    yield factory
    stop_senders()
    engine.dispose()


@pytest.fixture(scope="module")
def certificate(tmp_path_factory):
    """A certificate authority of the test's own, and its CA file."""
    trustme = pytest.importorskip("trustme")
    ca = trustme.CA()
    path = tmp_path_factory.mktemp("ca") / "ca.pem"
    ca.cert_pem.write_to_path(str(path))
    return ca, str(path)


def person(session: Session, address: str) -> Person:
    return session.scalar(select(Person).where(Person.email == address))


def outbox(sessions) -> list[OutboxMessage]:
    with sessions() as session:
        return list(session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)))


def settings(config: dict, **more):
    return mail_settings({**config, **more})


def test_without_a_host_mail_waits_in_the_outbox_in_full(sessions):
    with sessions() as session, session.begin():
        queue_invite(session, person(session, "ada@example.org"), "https://m.example/invite/t0k", EXPIRES)
    report = send_due_mail(sessions, mail_settings({}))
    assert (report.sent, report.next_due_at) == (0, None)  # nothing to wait for
    [message] = outbox(sessions)
    assert message.status == MailStatus.QUEUED and message.attempts == 0
    assert "https://m.example/invite/t0k" in message.text_body
    assert 'href="https://m.example/invite/t0k"' in message.html_body
    assert message.subject == "Your library mentoring account"


@pytest.mark.parametrize(("security", "login"), [("none", False), ("none", True),
                                                 ("starttls", True), ("tls", True)])
def test_mail_is_sent_with_a_text_and_an_html_part(sessions, certificate, security, login):
    with smtp_server(security=security, login=login, certificate=certificate) as (inbox, config):
        with sessions() as session, session.begin():
            ben = person(session, "ben@example.org")
            queue_password_reset(session, ben, "https://m.example/invite/secret", EXPIRES)
        report = send_due_mail(sessions, settings(config))
        assert (report.sent, report.failed, report.next_due_at) == (1, 0, None)
        [mail] = inbox.wait_for(1)
    assert mail["To"] == "ben@example.org" and mail["From"] == "mentoring@localhost"
    assert mail["Subject"] == "Set a new password for library mentoring"
    assert mail["Message-ID"].startswith("<outbox-")
    text = mail.get_body(("plain",)).get_content()
    html = mail.get_body(("html",)).get_content()
    assert "Hello Ben <b>Bold</b>," in text and "15 January 2027" in text
    assert "Ben &lt;b&gt;Bold&lt;/b&gt;" in html and "https://m.example/invite/secret" in html
    [message] = outbox(sessions)
    assert message.status == MailStatus.SENT and message.attempts == 1 and message.sent_at
    # The one-time link does not outlive its mail.
    assert "secret" not in message.text_body + message.html_body


def test_a_wrong_password_fails_with_the_servers_answer_and_no_secret(sessions, certificate):
    with smtp_server(security="starttls", login=True, certificate=certificate) as (inbox, config):
        with sessions() as session, session.begin():
            queue_mail(session, to="someone@example.org", kind="signup_verification",
                       context={"link": "https://m.example/verify/x", "expires": EXPIRES})
        wrong = settings(config, SMTP_PASSWORD="not-the-password", MAIL_MAX_ATTEMPTS=1)
        report = send_due_mail(sessions, wrong)
    assert (report.sent, report.failed) == (0, 1) and inbox == []
    [message] = outbox(sessions)
    assert message.status == MailStatus.FAILED and "535" in message.last_error
    assert "not-the-password" not in message.last_error


def test_a_refused_send_is_retried_with_backoff_then_fails_and_can_be_retried(sessions):
    with smtp_server() as (inbox, config):
        inbox.refuse = "550 mailbox unavailable"
        with sessions() as session, session.begin():
            queue_signup_verification(session, "new@example.org", "https://m.example/v/1", EXPIRES)
        config = {**config, "MAIL_MAX_ATTEMPTS": 3, "MAIL_RETRY_SECONDS": 60}
        before = datetime.now(UTC)
        first = send_due_mail(sessions, settings(config))
        assert (first.sent, first.retrying, first.failed) == (0, 1, 0)
        [message] = outbox(sessions)
        assert message.status == MailStatus.QUEUED and message.attempts == 1
        assert "550 mailbox unavailable" in message.last_error
        assert before + timedelta(seconds=59) < message.next_attempt_at  # not due yet
        assert send_due_mail(sessions, settings(config)).retrying == 0
        second = send_due_mail(sessions, settings(config), now=message.next_attempt_at)
        assert second.retrying == 1
        [message] = outbox(sessions)
        # The wait doubles: 60 s after the first failure, 120 s after the second.
        assert message.next_attempt_at - message.claimed_at > timedelta(seconds=119)
        third = send_due_mail(sessions, settings(config), now=message.next_attempt_at)
        assert (third.failed, third.next_due_at) == (1, None)
        [message] = outbox(sessions)
        assert message.status == MailStatus.FAILED and message.attempts == 3
        assert message.last_error == "the mail server answered 550 mailbox unavailable"
        with sessions() as session:  # a message that is not failed is not retried
            session.execute(update(OutboxMessage).values(status=MailStatus.SENT))
            with pytest.raises(Conflict, match="is sent, not failed"):
                retry_message(session, None, message.id)
            session.rollback()
        with sessions() as session, session.begin():
            retry_message(session, None, message.id)
        inbox.refuse = ""
        assert send_due_mail(sessions, settings(config)).sent == 1
        assert len(inbox.wait_for(1)) == 1


def test_a_closed_port_is_a_failure_with_its_reason(sessions):
    with sessions() as session, session.begin():
        queue_signup_verification(session, "new@example.org", "https://m.example/v/1", EXPIRES)
    closed = mail_settings({"SMTP_HOST": "127.0.0.1", "SMTP_PORT": free_port(),
                            "MAIL_MAX_ATTEMPTS": 1})
    assert send_due_mail(sessions, closed).failed == 1
    [message] = outbox(sessions)
    assert message.status == MailStatus.FAILED and "ConnectionRefusedError" in message.last_error


def test_a_dedupe_key_queues_one_mail_however_often_it_is_queued(sessions):
    for _ in range(2):
        with sessions() as session, session.begin():
            ada = person(session, "ada@example.org")
            queued = queue_mail(session, to=ada, kind="invite", dedupe_key="invite:ada",
                                context={"link": "https://m.example/i", "expires": EXPIRES})
    assert queued is None  # the second time
    assert len(outbox(sessions)) == 1


def test_two_jobs_queueing_one_key_at_once_queue_one_mail(sessions):
    start = threading.Barrier(4)
    results = []

    def job():
        with sessions() as session, session.begin():
            start.wait()
            results.append(queue_signup_verification_once(session))

    def queue_signup_verification_once(session):
        return queue_mail(session, to="new@example.org", kind="signup_verification",
                          dedupe_key="signup:new@example.org",
                          context={"link": "https://m.example/v", "expires": EXPIRES})

    threads = [threading.Thread(target=job) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sum(r is not None for r in results) == 1 and len(results) == 4
    assert len(outbox(sessions)) == 1


def test_two_senders_at_once_send_each_message_once(sessions):
    with sessions() as session, session.begin():
        for number in range(12):
            queue_signup_verification(session, f"p{number}@example.org", "https://m.example/v",
                                      EXPIRES)
    with smtp_server() as (inbox, config):
        start = threading.Barrier(3)
        reports = []

        def sender():
            start.wait()
            reports.append(send_due_mail(sessions, settings(config)))

        threads = [threading.Thread(target=sender) for _ in range(3)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert sum(r.sent for r in reports) == 12
        mails = inbox.wait_for(12)
    assert sorted(m["To"] for m in mails) == sorted(f"p{n}@example.org" for n in range(12))
    assert {m.status for m in outbox(sessions)} == {MailStatus.SENT}


def test_a_sender_that_died_mid_send_is_taken_over_once_stale(sessions):
    with sessions() as session, session.begin():
        queue_signup_verification(session, "new@example.org", "https://m.example/v", EXPIRES)
    claimed = datetime.now(UTC) - timedelta(seconds=30)
    with sessions() as session, session.begin():  # as a sender leaves it when it is killed
        session.execute(update(OutboxMessage).values(status=MailStatus.SENDING, attempts=1,
                                                     claim_token="dead", claimed_at=claimed))
    with smtp_server() as (inbox, config):
        assert send_due_mail(sessions, settings(config)).sent == 0  # it may still be sending
        later = claimed + timedelta(seconds=STALE_SENDING_SECONDS + 1)
        assert send_due_mail(sessions, settings(config), now=later).sent == 1
        assert send_due_mail(sessions, settings(config), now=later).sent == 0
        assert len(inbox.wait_for(1)) == 1
    [message] = outbox(sessions)
    assert (message.status, message.attempts) == (MailStatus.SENT, 2)


def test_committing_queued_mail_starts_a_sender_thread(sessions, monkeypatch):
    with smtp_server() as (inbox, config):
        for key, value in config.items():
            monkeypatch.setenv(f"MENTORSHIP_{key}", str(value))
        with sessions() as session, session.begin():
            queue_signup_verification(session, "new@example.org", "https://m.example/v", EXPIRES)
        [mail] = inbox.wait_for(1)
    assert mail["To"] == "new@example.org"


def test_the_thread_runner_sleeps_until_each_retry(sessions):
    with smtp_server() as (inbox, config):
        inbox.refuse = "451 try again later"
        with sessions() as session, session.begin():
            queue_signup_verification(session, "new@example.org", "https://m.example/v", EXPIRES)
        fast = settings(config, MAIL_RETRY_SECONDS=0.2, MAIL_MAX_ATTEMPTS=3)
        send_until_done(sessions, fast)  # three tries, 0.2 s then 0.4 s apart
        [message] = outbox(sessions)
        assert (message.status, message.attempts) == (MailStatus.FAILED, 3)
        assert message.last_error == "the mail server answered 451 try again later"
    assert start_sending(sessions.kw["bind"], mail_settings({})) is None  # no host: no thread


def test_bad_input_is_told_clearly(sessions):
    with sessions() as session:
        with pytest.raises(InvalidInput, match="no mail template 'nope'"):
            queue_mail(session, to="a@example.org", kind="nope", context={})
        with pytest.raises(InvalidInput, match="not an email address"):
            queue_mail(session, to="nobody", kind="invite", context={})
    with pytest.raises(ValueError, match="SMTP_SECURITY must be one of none, starttls, tls"):
        mail_settings({"SMTP_SECURITY": "ssl"})
    with pytest.raises(ValueError, match="SMTP_PORT must be a number"):
        mail_settings({"SMTP_PORT": "twenty-five"})
    assert mail_settings({"SMTP_SECURITY": "tls"}).port == 465
    assert "s3cret" not in repr(mail_settings({"SMTP_PASSWORD": "s3cret"}))
    with sessions() as session:
        assert session.scalar(select(func.count()).select_from(OutboxMessage)) == 0


def test_with_redis_an_rq_worker_sends_and_a_job_run_twice_mails_once(sessions, monkeypatch,
                                                                       private_database):
    import time

    from redis import Redis
    from rq import Queue, SimpleWorker

    from mentorship.mail import jobs

    redis_url = "redis://127.0.0.1:6379/15"
    try:
        Redis.from_url(redis_url).ping()
    except Exception as error:  # Redis runs on this project's machines; say so if it is gone
        pytest.fail(f"Redis is not reachable at {redis_url}: {error}")
    monkeypatch.setenv("REDIS_URL", redis_url)
    monkeypatch.setenv("DATABASE_URL", private_database)  # the worker reads its own settings
    monkeypatch.setattr(jobs, "QUEUE", f"test-mail-{time.monotonic_ns()}")
    with smtp_server() as (inbox, config):
        for key, value in config.items():
            monkeypatch.setenv(f"MENTORSHIP_{key}", str(value))
        with sessions() as session, session.begin():
            queue_signup_verification(session, "new@example.org", "https://m.example/v", EXPIRES)
        connection = Redis.from_url(redis_url)
        queue = Queue(jobs.QUEUE, connection=connection)
        assert len(queue.job_ids) == 1
        queue.enqueue(jobs.run_send_job)  # as a retried job would be
        SimpleWorker([queue], connection=connection).work(burst=True)
        [mail] = inbox  # the burst returns once every job is done: one mail, not two
    assert mail["To"] == "new@example.org"


def test_a_bad_mail_setting_keeps_the_mail_and_the_commit(sessions, monkeypatch):
    monkeypatch.setenv("MENTORSHIP_SMTP_SECURITY", "ssl")
    with sessions() as session, session.begin():
        queue_signup_verification(session, "new@example.org", "https://m.example/v", EXPIRES)
    [message] = outbox(sessions)
    assert message.status == MailStatus.QUEUED


def test_stopping_the_senders_ends_one_waiting_for_a_retry_and_keeps_the_mail(sessions,
                                                                               monkeypatch):
    with smtp_server() as (inbox, config):
        inbox.refuse = "451 try again later"
        for key, value in {**config, "MAIL_RETRY_SECONDS": 600}.items():
            monkeypatch.setenv(f"MENTORSHIP_{key}", str(value))
        with sessions() as session, session.begin():
            queue_signup_verification(session, "new@example.org", "https://m.example/v", EXPIRES)
        for _ in range(100):  # the sender tries once, then waits ten minutes for the retry
            if outbox(sessions)[0].attempts == 1:
                break
            threading.Event().wait(0.05)
        assert [t for t in threading.enumerate() if t.name == "mail-sender"]
        stop_senders()
        assert not [t for t in threading.enumerate() if t.name == "mail-sender"]
    [message] = outbox(sessions)
    assert message.status == MailStatus.QUEUED and message.attempts == 1  # for the next sender


def test_a_sender_that_outlives_the_stop_claims_no_more_mail(sessions, monkeypatch):
    # A mail server that takes the connection and never greets: the sender hangs until its
    # SMTP timeout, well after stop_senders gave up waiting for it.
    import socket

    silent = socket.socket()
    silent.bind(("127.0.0.1", 0))
    silent.listen()
    try:
        for key, value in {"SMTP_HOST": "127.0.0.1", "SMTP_PORT": silent.getsockname()[1],
                           "SMTP_TIMEOUT": 1.5, "MAIL_RETRY_SECONDS": 0}.items():
            monkeypatch.setenv(f"MENTORSHIP_{key}", str(value))
        with sessions() as session, session.begin():
            queue_signup_verification(session, "new@example.org", "https://m.example/v", EXPIRES)
        for _ in range(100):
            if outbox(sessions)[0].attempts == 1:
                break
            threading.Event().wait(0.05)
        [stuck] = [t for t in threading.enumerate() if t.name == "mail-sender"]
        stop_senders(timeout=0.1)
        assert stuck.is_alive()  # still waiting for the greeting
        # Mail queued meanwhile belongs to the next sender, not to the one that was stopped.
        monkeypatch.setenv("MENTORSHIP_SMTP_HOST", "")
        with sessions() as session, session.begin():
            queue_signup_verification(session, "later@example.org", "https://m.example/w",
                                      EXPIRES)
        stuck.join(10)
        assert not stuck.is_alive()
    finally:
        silent.close()
    first, later = outbox(sessions)
    assert first.attempts == 1 and first.status == MailStatus.QUEUED  # its retry is due now
    assert later.attempts == 0 and later.status == MailStatus.QUEUED

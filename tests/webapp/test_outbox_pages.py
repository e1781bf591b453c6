"""The outbox page: what was mailed or waits, a failure with its reason, retrying it, the full
message; one-time links only for admins; reminders turned off on the profile page."""

from __future__ import annotations

import re
import time

from sqlalchemy import select

from mentorship.mail import MailStatus, OutboxMessage
from mentorship.people.models import Person
from mentorship.profiles.operations import register_person
from tests.webapp.conftest import csrf_token, email


def messages(app, address: str) -> list[OutboxMessage]:
    with app.extensions["mentorship.sessions"]() as db:
        return list(db.scalars(select(OutboxMessage).where(OutboxMessage.email == address)
                               .order_by(OutboxMessage.id)))


def wait_for_status(app, message_id: int, status: str, seconds: float = 20) -> OutboxMessage:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        with app.extensions["mentorship.sessions"]() as db:
            found = db.get(OutboxMessage, message_id)
            if found.status == status:
                return found
        time.sleep(0.05)
    raise AssertionError(f"message {message_id} is {found.status}, not {status}")


def test_without_a_server_the_publication_waits_in_the_outbox_in_full(as_role, app):
    client = as_role("coordinator")
    page = client.get("/coordinator/outbox").get_data(as_text=True)
    assert "No mail server is set (SMTP_HOST)" in page
    assert "Your match in Spring is published" in page and email("mentee") in page
    [published] = [m for m in messages(app, email("mentee")) if m.kind == "match_published"]
    assert published.status == MailStatus.QUEUED
    full = client.get(f"/coordinator/outbox/{published.id}").get_data(as_text=True)
    assert "Mina Mentor, your mentor" in full and "Pass on cataloguing practice" in full
    assert "(no mail server is set: it is not sent)" in full
    assert "&lt;!doctype html&gt;" in full  # the HTML part, as source
    queued = client.get("/coordinator/outbox?status=queued").get_data(as_text=True)
    assert "Your match in Spring is published" in queued
    assert "No mail sent yet." in client.get("/coordinator/outbox?status=sent").get_data(as_text=True)
    assert client.get("/coordinator/outbox?status=lost").status_code == 422


def test_a_password_link_is_read_by_admins_only(as_role, app):
    client = app.test_client()
    client.post("/forgot-password", data={"email": email("other"),
                                          "csrf_token": csrf_token(client, "/forgot-password")})
    [reset] = [m for m in messages(app, email("other")) if m.kind == "password_reset"]
    coordinator = as_role("coordinator").get(f"/coordinator/outbox/{reset.id}").get_data(as_text=True)
    assert "only an admin can read it" in coordinator and "/invite/" not in coordinator
    admin = as_role("admin").get(f"/coordinator/outbox/{reset.id}").get_data(as_text=True)
    assert "/invite/" in admin and "only an admin can read it" not in admin


def test_a_refused_mail_is_retried_shown_failed_with_the_reason_and_retried_by_hand(
        as_role, app, smtp_server, monkeypatch):
    monkeypatch.setitem(app.config, "MAIL_MAX_ATTEMPTS", 2)
    monkeypatch.setitem(app.config, "MAIL_RETRY_SECONDS", 0.1)
    smtp_server.refuse = "550 5.1.1 no such mailbox here"
    client = as_role("coordinator")
    with app.extensions["mentorship.sessions"]() as db, db.begin():  # not signed up yet
        newcomer = register_person(db, None, {"email": "new.hire@example.org", "name": "New Hire",
                                              "role": "mentee"},
                                   app.extensions["mentorship.taxonomy"]).id
    response = client.post("/coordinator/people/invite", data={
        "csrf_token": csrf_token(client, "/coordinator/people"), "person_id": str(newcomer)})
    page = response.get_data(as_text=True)
    assert "Queued 1 invite to be mailed" in page and "/invite/" in page
    [invite] = [m for m in messages(app, "new.hire@example.org") if m.kind == "invite"]
    failed = wait_for_status(app, invite.id, MailStatus.FAILED)
    assert failed.attempts == 2  # tried again once, then given up
    listing = client.get("/coordinator/outbox?status=failed").get_data(as_text=True)
    assert "the mail server answered 550 5.1.1 no such mailbox here" in listing
    assert f'action="/coordinator/outbox/{invite.id}/retry"' in listing
    shown = client.get(f"/coordinator/outbox/{invite.id}").get_data(as_text=True)
    assert "Why it failed" in shown and "Retry this mail" in shown
    smtp_server.refuse = ""
    retried = client.post(f"/coordinator/outbox/{invite.id}/retry",
                          data={"csrf_token": csrf_token(client, "/coordinator/outbox")},
                          follow_redirects=True)
    assert "The mail is queued again" in retried.get_data(as_text=True)
    sent = wait_for_status(app, invite.id, MailStatus.SENT)
    assert sent.sent_at and "/invite/" not in sent.text_body  # the link does not outlive it
    assert len(smtp_server.mail_to("new.hire@example.org", "Your library mentoring account")) == 1
    again = client.post(f"/coordinator/outbox/{invite.id}/retry",
                        data={"csrf_token": csrf_token(client, "/coordinator/outbox")})
    assert again.status_code == 409  # sent: nothing to retry


def test_people_turn_reminders_off_on_their_profile_page(as_role, app, ids):
    client = as_role("mentee")
    page = client.get("/profile").get_data(as_text=True)
    assert re.search(r'name="reminders" value="1"\s+checked', page)
    response = client.post("/profile/mail", data={"csrf_token": csrf_token(client, "/profile")},
                           follow_redirects=True)
    assert "Reminder mail is off" in response.get_data(as_text=True)
    with app.extensions["mentorship.sessions"]() as db:
        assert db.get(Person, ids["mentee"]).mail_reminders is False
    client.post("/profile/mail", data={"csrf_token": csrf_token(client, "/profile"),
                                       "reminders": "1"})
    with app.extensions["mentorship.sessions"]() as db:
        assert db.get(Person, ids["mentee"]).mail_reminders is True


def test_a_page_past_the_end_shows_the_last_page(as_role):
    client = as_role("coordinator")
    page = client.get("/coordinator/outbox?page=999").get_data(as_text=True)
    assert "No mail yet." not in page and "Page 999" not in page
    assert "Your match in Spring is published" in page

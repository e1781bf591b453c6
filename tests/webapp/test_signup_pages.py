"""Sign-up pages: a coordinator makes a link; people sign up, confirm, set a password; approval;
the rate limit; the same answer for any address; dead links get a clear page."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from mentorship.mail.models import OutboxMessage
from mentorship.people.models import SignupRequest
from tests.webapp.conftest import PASSWORD, csrf_token, email, sign_in

NEW_PASSWORD = "paper lantern orchard velvet"


def post(client, path: str, data: dict, **kwargs):
    """POST a form with the client's CSRF token (from the profile page once signed in)."""
    signed_in = client.get("/sign-in").status_code != 200
    token = csrf_token(client, "/profile" if signed_in else "/sign-in")
    return client.post(path, data={**data, "csrf_token": token}, **kwargs)


@pytest.fixture(scope="module")
def link(app):
    """The default programme's sign-up link, made on the coordinators' page; yields its path."""
    client = app.test_client()
    sign_in(client, "coordinator")
    page = post(client, "/coordinator/sign-up", {"programme_id": "", "mode": "open",
                                                 "domains": ""})
    assert page.status_code == 200, page.get_data(as_text=True)
    url = re.search(r'class="token-link" href="([^"]+)"', page.get_data(as_text=True)).group(1)
    assert url.startswith("http://127.0.0.1:5000/sign-up/")  # the base URL, not the Host
    return url.removeprefix("http://127.0.0.1:5000")


@pytest.fixture
def coordinator(as_role):
    return as_role("coordinator")


def sign_in_as(app, address: str, password: str) -> int:
    """Sign a new client in with an address; return the status (303 signed in, 401 not)."""
    client = app.test_client()
    return client.post("/sign-in", data={"email": address, "password": password,
                                         "csrf_token": csrf_token(client)}).status_code


def link_id(coordinator) -> str:
    page = coordinator.get("/coordinator/sign-up").get_data(as_text=True)
    return re.search(r'action="/coordinator/sign-up/(\d+)"', page).group(1)


def set_mode(coordinator, mode: str, domains: str = "") -> None:
    response = post(coordinator, f"/coordinator/sign-up/{link_id(coordinator)}",
                    {"mode": mode, "domains": domains})
    assert response.status_code == 303, response.get_data(as_text=True)


def outbox(app, address: str) -> list[OutboxMessage]:
    """The mail queued for an address, oldest first (no SMTP server here: it stays queued)."""
    with app.extensions["mentorship.sessions"]() as db:
        return list(db.scalars(select(OutboxMessage).where(OutboxMessage.email == address)
                               .order_by(OutboxMessage.id)))


def mailed_link(app, address: str) -> str:
    """The path of the newest confirmation link mailed to an address."""
    [*_, message] = [m for m in outbox(app, address)
                     if m.kind in ("signup_verification", "signup_existing")]
    return re.search(r"http://127\.0\.0\.1:5000(/sign-up/verify/\S+)", message.text_body).group(1)


def sign_up(app, link: str, name: str, address: str):
    client = app.test_client()
    client.get(link)
    return client, post(client, link, {"name": name, "email": address})


def test_signing_up_confirms_the_address_sets_a_password_and_opens_the_profile(
        app, link, coordinator):
    set_mode(coordinator, "open")
    page = app.test_client().get(link)
    assert page.status_code == 200 and page.headers["Cache-Control"] == "no-store"
    assert "Sign up for Library mentoring" in page.get_data(as_text=True)
    client, sent = sign_up(app, link, "Nia Newcomer", "nia@example.org")
    assert sent.status_code == 200 and "Check your mail" in sent.get_data(as_text=True)
    [message] = outbox(app, "nia@example.org")
    assert message.kind == "signup_verification" and message.one_time_link
    verify = mailed_link(app, "nia@example.org")
    form = client.get(verify)
    assert "Welcome, Nia Newcomer" in form.get_data(as_text=True)
    mismatch = post(client, verify, {"password": NEW_PASSWORD, "confirm": "other"})
    assert mismatch.status_code == 422 and "not the same" in mismatch.get_data(as_text=True)
    weak = post(client, verify, {"password": "short", "confirm": "short"})
    assert weak.status_code == 422 and "at least 12 characters" in weak.get_data(as_text=True)
    done = post(client, verify, {"password": NEW_PASSWORD, "confirm": NEW_PASSWORD})
    assert done.status_code == 303 and done.headers["Location"].endswith("/profile")
    profile = client.get("/profile").get_data(as_text=True)
    assert "Your address is confirmed and your password is set" in profile
    assert sign_in_as(app, "nia@example.org", NEW_PASSWORD) == 303
    # Used: the link now says so, and how to get another.
    reused = app.test_client().get(verify)
    assert reused.status_code == 404
    assert "used already" in reused.get_data(as_text=True)
    assert "Sign up again" in reused.get_data(as_text=True)


def test_an_expired_confirmation_link_gets_a_clear_page(app, link, coordinator):
    set_mode(coordinator, "open")
    sign_up(app, link, "Late Larry", "larry@example.org")
    with app.extensions["mentorship.sessions"]() as db:
        db.execute(SignupRequest.__table__.update()
                   .where(SignupRequest.email == "larry@example.org")
                   .values(expires_at=datetime.now(UTC) - timedelta(minutes=1)))
        db.commit()
    page = app.test_client().get(mailed_link(app, "larry@example.org"))
    assert page.status_code == 404
    text = page.get_data(as_text=True)
    assert "This link does not work" in text and "has expired" in text


def test_a_domain_link_says_which_domains_it_takes(app, link, coordinator):
    set_mode(coordinator, "domains", "@westbrook.edu lib.example.org")
    page = app.test_client().get(link).get_data(as_text=True)
    assert "Your address ending @westbrook.edu or @lib.example.org" in page
    _, refused = sign_up(app, link, "Eve", "eve@gmail.com")
    assert refused.status_code == 422
    text = refused.get_data(as_text=True)
    assert "this sign-up is for addresses ending @westbrook.edu or @lib.example.org" in text
    assert 'value="eve@gmail.com"' in text and 'value="Eve"' in text  # nothing typed is lost
    assert outbox(app, "eve@gmail.com") == []
    _, sent = sign_up(app, link, "Wes", "wes@westbrook.edu")
    assert sent.status_code == 200 and len(outbox(app, "wes@westbrook.edu")) == 1
    bad = post(coordinator, f"/coordinator/sign-up/{link_id(coordinator)}",
               {"mode": "domains", "domains": "westbrook"})
    assert bad.status_code == 422 and "is not an email domain" in bad.get_data(as_text=True)


def test_approval_waits_then_the_coordinator_approves_or_refuses(app, link, coordinator):
    set_mode(coordinator, "approval")
    assert "A coordinator looks at each sign-up" in app.test_client().get(link).get_data(
        as_text=True)
    for name, address in (("Ada Approved", "ada.approved@example.org"),
                          ("Rex Refused", "rex.refused@example.org")):
        client, _ = sign_up(app, link, name, address)
        verify = mailed_link(app, address)
        client.get(verify)
        waiting = post(client, verify, {"password": NEW_PASSWORD, "confirm": NEW_PASSWORD},
                       follow_redirects=True)
        assert "A coordinator now looks at your sign-up" in waiting.get_data(as_text=True)
        assert sign_in_as(app, address, NEW_PASSWORD) == 401
    page = coordinator.get("/coordinator/sign-up/approvals").get_data(as_text=True)
    assert "2 sign-ups waiting" in page and "Ada Approved" in page and "Rex Refused" in page
    ids = dict(re.findall(r'/coordinator/sign-up/approvals/(\d+)/approve">Approve'
                          r'<span class="visually-hidden"> ([^<]+)<', page))
    ids = {name: number for number, name in ids.items()}
    approved = post(coordinator, f"/coordinator/sign-up/approvals/{ids['Ada Approved']}/approve",
                    {}, follow_redirects=True)
    assert "Ada Approved is approved" in approved.get_data(as_text=True)
    refused = post(coordinator, f"/coordinator/sign-up/approvals/{ids['Rex Refused']}/refuse",
                   {}, follow_redirects=True)
    assert "sign-up is refused" in refused.get_data(as_text=True)
    assert "Nobody is waiting" in refused.get_data(as_text=True)
    again = post(coordinator, f"/coordinator/sign-up/approvals/{ids['Rex Refused']}/approve", {})
    assert again.status_code == 409 and "decided already" in again.get_data(as_text=True)
    assert sign_in_as(app, "ada.approved@example.org", NEW_PASSWORD) == 303
    assert sign_in_as(app, "rex.refused@example.org", NEW_PASSWORD) == 401
    # A message at each step: the link, then waiting, then the decision.
    assert [m.kind for m in outbox(app, "ada.approved@example.org")] == [
        "signup_verification", "signup_waiting", "signup_approved"]
    assert [m.kind for m in outbox(app, "rex.refused@example.org")] == [
        "signup_verification", "signup_waiting", "signup_refused"]
    [approval] = outbox(app, "ada.approved@example.org")[2:]
    assert "http://127.0.0.1:5000/sign-in" in approval.text_body


def test_the_answer_is_the_same_whether_or_not_the_address_has_an_account(
        app, link, coordinator):
    set_mode(coordinator, "open")
    _, new = sign_up(app, link, "Someone", "someone.new@example.org")
    _, existing = sign_up(app, link, "Someone", email("mentor"))
    assert new.status_code == existing.status_code == 200

    def body(response, address):
        text = response.get_data(as_text=True).replace(address, "ADDRESS")
        return re.sub(r'name="csrf_token" value="[^"]+"', "", text)

    assert body(new, "someone.new@example.org") == body(existing, email("mentor"))
    # The owner is mailed instead: their account exists, and the link only enrols.
    [owners] = outbox(app, email("mentor"))[-1:]
    assert owners.kind == "signup_existing" and "has a library" in owners.text_body
    assert outbox(app, "someone.new@example.org")[-1].kind == "signup_verification"
    client = app.test_client()
    verify = mailed_link(app, email("mentor"))
    page = client.get(verify).get_data(as_text=True)
    assert "has an account already" in page and 'name="password"' not in page
    done = post(client, verify, {})
    assert done.status_code == 303 and "/sign-in" in done.headers["Location"]
    assert sign_in(app.test_client(), "mentor", PASSWORD).status_code == 303


def test_signing_up_is_rate_limited(app, link, coordinator):
    set_mode(coordinator, "open")
    app.config["SIGN_IN_LIMIT"] = "3 per minute"
    try:
        client = app.test_client()
        client.get(link)
        statuses = [post(client, link, {"name": "Spam", "email": "spam@example.org"}).status_code
                    for _ in range(4)]
        assert statuses == [200, 200, 200, 429]
        page = post(client, link, {"name": "Spam", "email": "spam@example.org"})
        assert "wait a few minutes" in page.get_data(as_text=True) and page.headers["Retry-After"]
    finally:
        app.config["SIGN_IN_LIMIT"] = "1000 per minute"
        from webapp.auth import limiter
        limiter.reset()


def test_a_link_turned_off_or_regenerated_gets_a_clear_page(app, link, coordinator):
    number = link_id(coordinator)
    off = post(coordinator, f"/coordinator/sign-up/{number}/off", {}, follow_redirects=True)
    assert "The sign-up link is off" in off.get_data(as_text=True)
    page = app.test_client().get(link)
    assert page.status_code == 404 and "turned off" in page.get_data(as_text=True)
    post(coordinator, f"/coordinator/sign-up/{number}/on", {})
    assert app.test_client().get(link).status_code == 200
    fresh = post(coordinator, f"/coordinator/sign-up/{number}/regenerate", {})
    new_url = re.search(r'class="token-link" href="([^"]+)"', fresh.get_data(as_text=True)).group(1)
    assert app.test_client().get(link).status_code == 404
    new_path = new_url.removeprefix("http://127.0.0.1:5000")
    assert app.test_client().get(new_path).status_code == 200
    # Put the module's link back as the other tests know it: they may run after this one.
    with app.extensions["mentorship.sessions"]() as db:
        from mentorship.people.accounts import _token_hash
        from mentorship.people.models import SignupLink

        db.get(SignupLink, int(number)).token_hash = _token_hash(link.rsplit("/", 1)[1])
        db.commit()


def test_the_coordinators_page_refuses_a_second_link_and_bad_settings(app, link, coordinator):
    page = coordinator.get("/coordinator/sign-up").get_data(as_text=True)
    assert "Library mentoring" in page and "Make a new link" in page
    twice = post(coordinator, "/coordinator/sign-up", {"mode": "open", "domains": ""})
    assert twice.status_code == 409 and "has a sign-up link already" in twice.get_data(as_text=True)


def test_forgot_password_is_rate_limited_and_a_used_link_says_how_to_get_another(app, smtp_server):
    client = app.test_client()
    client.get("/forgot-password")
    post(client, "/forgot-password", {"email": email("other")})
    [message] = smtp_server.mail_to(email("other"), "Set a new password")
    path = re.search(r"http\S+(/invite/\S+)", message.get_body(("plain",)).get_content()).group(1)
    assert "24 hours" in client.get("/forgot-password").get_data(as_text=True)
    reset = app.test_client()
    reset.get(path)
    assert post(reset, path, {"password": NEW_PASSWORD, "confirm": NEW_PASSWORD}
                ).status_code == 303
    used = app.test_client().get(path)
    assert used.status_code == 404 and 'href="/forgot-password"' in used.get_data(as_text=True)
    assert sign_in(app.test_client(), "other", NEW_PASSWORD).status_code == 303
    with app.extensions["mentorship.sessions"]() as db:  # give the seeded password back
        from mentorship.people.accounts import set_password
        from tests.webapp.conftest import person_id

        set_password(db, None, person_id(app, email("other")), PASSWORD)
        db.commit()
    app.config["SIGN_IN_LIMIT"] = "2 per minute"
    try:
        limited = app.test_client()
        limited.get("/forgot-password")
        statuses = [post(limited, "/forgot-password", {"email": "nobody@example.org"}
                         ).status_code for _ in range(3)]
        assert statuses == [303, 303, 429]
    finally:
        app.config["SIGN_IN_LIMIT"] = "1000 per minute"
        from webapp.auth import limiter
        limiter.reset()


def test_the_confirmation_mail_goes_through_the_smtp_server_and_its_link_works(
        app, link, coordinator, smtp_server):
    set_mode(coordinator, "open")
    client, _ = sign_up(app, link, "Mo Mailed", "mo.mailed@example.org")
    [message] = smtp_server.mail_to("mo.mailed@example.org", "Confirm your address")
    text = message.get_body(("plain",)).get_content()
    path = re.search(r"http://127\.0\.0\.1:5000(/sign-up/verify/\S+)", text).group(1)
    assert "Welcome, Mo Mailed" in client.get(path).get_data(as_text=True)
    done = post(client, path, {"password": NEW_PASSWORD, "confirm": NEW_PASSWORD})
    assert done.status_code == 303 and done.headers["Location"].endswith("/profile")


def test_every_sign_up_mail_goes_through_the_smtp_server(app, link, coordinator, smtp_server):
    set_mode(coordinator, "approval")
    for address in ("al.approve@example.org", "ray.refuse@example.org"):
        client, _ = sign_up(app, link, "Mailed Person", address)
        [message] = smtp_server.mail_to(address, "Confirm your address")
        text = message.get_body(("plain",)).get_content()
        path = re.search(r"http://127\.0\.0\.1:5000(/sign-up/verify/\S+)", text).group(1)
        client.get(path)
        post(client, path, {"password": NEW_PASSWORD, "confirm": NEW_PASSWORD})
        [waiting] = smtp_server.mail_to(address, "waiting for approval")
        assert "Library mentoring" in waiting.get_body(("plain",)).get_content()
    page = coordinator.get("/coordinator/sign-up/approvals").get_data(as_text=True)
    for address, action, subject in (("al.approve@example.org", "approve", "Welcome to"),
                                     ("ray.refuse@example.org", "refuse", "Your sign-up for")):
        number = re.search(rf"{re.escape(address)}</td>.*?/approvals/(\d+)/", page, re.S).group(1)
        post(coordinator, f"/coordinator/sign-up/approvals/{number}/{action}", {})
        [decision] = smtp_server.mail_to(address, subject)
        assert decision.get_body(("html",)) is not None  # a plain-text and an HTML part
    _, _ = sign_up(app, link, "Owner", email("admin"))
    [owners] = smtp_server.mail_to(email("admin"), "with your account")
    assert "your password stays as it is" in owners.get_body(("plain",)).get_content()

"""Sign-in, sign-out, sessions, invites, rate limit, CSRF and security headers."""

from __future__ import annotations

import re

import pytest

from mentorship.people.accounts import create_invites, set_active
from tests.webapp.conftest import PASSWORD, csrf_token, email, sign_in


def test_sign_in_starts_a_new_session_and_lands_on_the_right_page(client):
    client.get("/sign-in")
    with client.session_transaction() as before:
        before["left-over"] = "from before"
    response = sign_in(client, "coordinator")
    assert response.status_code == 303
    assert response.headers["Location"].endswith("/coordinator/rounds")
    with client.session_transaction() as after:
        assert "left-over" not in after


def test_wrong_password_is_refused_without_saying_which_part_was_wrong(client):
    response = sign_in(client, "mentor", "not the password")
    assert response.status_code == 401
    assert "do not match an active account" in response.get_data(as_text=True)
    assert client.get("/profile").status_code == 303


def test_sign_out_kills_every_copy_of_the_session(app, client):
    sign_in(client, "staff")
    with client.session_transaction() as stolen:
        copied = dict(stolen)
    assert client.get("/profile").status_code == 200
    response = client.post("/sign-out", data={"csrf_token": csrf_token(client, "/profile")})
    assert response.status_code == 303
    replay = app.test_client()
    with replay.session_transaction() as session:
        session.update(copied)
    assert replay.get("/profile").status_code == 303


def test_deactivating_an_account_ends_its_sessions(app, client, ids):
    sign_in(client, "other")
    assert client.get("/profile").status_code == 200
    with app.extensions["mentorship.sessions"]() as db:
        set_active(db, None, ids["other"], False)
        db.commit()
    assert client.get("/profile").status_code == 303
    assert sign_in(app.test_client(), "other").status_code == 401
    with app.extensions["mentorship.sessions"]() as db:
        set_active(db, None, ids["other"], True)
        db.commit()


def test_sign_in_is_rate_limited(app):
    app.config["SIGN_IN_LIMIT"] = "3 per minute"
    try:
        client = app.test_client()
        statuses = [sign_in(client, "mentee", "wrong password!").status_code for _ in range(4)]
        assert statuses == [401, 401, 401, 429]
        assert "Too Many Requests" in sign_in(client, "mentee").get_data(as_text=True)
    finally:
        app.config["SIGN_IN_LIMIT"] = "1000 per minute"
        from webapp.auth import limiter
        limiter.reset()


def test_an_invite_link_sets_the_password_once(app, client, ids):
    with app.extensions["mentorship.sessions"]() as db:
        [invite] = create_invites(db, None, [ids["other"]])
        db.commit()
    path = f"/invite/{invite.token}"
    page = client.get(path)
    assert page.status_code == 200 and page.headers["Cache-Control"] == "no-store"
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.get_data(as_text=True)).group(1)
    short = client.post(path, data={"password": "short", "confirm": "short", "csrf_token": token})
    assert short.status_code == 422 and "at least 12 characters" in short.get_data(as_text=True)
    new_password = "a brand new passphrase"
    done = client.post(path, data={"password": new_password, "confirm": new_password,
                                   "csrf_token": token})
    assert done.status_code == 303 and done.headers["Location"].endswith("/profile")
    assert client.get("/profile").status_code == 200
    assert app.test_client().get(path).status_code == 404  # used up
    assert sign_in(app.test_client(), "other", new_password).status_code == 303
    with app.extensions["mentorship.sessions"]() as db:
        from mentorship.people.accounts import set_password
        set_password(db, None, ids["other"], PASSWORD)
        db.commit()


def test_a_form_without_its_csrf_token_is_refused(client):
    response = client.post("/sign-in", data={"email": email("staff"), "password": PASSWORD})
    assert response.status_code == 400
    assert "security token" in response.get_data(as_text=True)


def test_security_headers(client):
    sign_in(client, "staff")
    response = client.get("/profile")
    headers = response.headers
    assert "script-src 'self'" in headers["Content-Security-Policy"]
    assert "frame-ancestors 'none'" in headers["Content-Security-Policy"]
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["Referrer-Policy"] == "same-origin"
    assert headers["Cache-Control"] == "no-store"
    assert "Strict-Transport-Security" not in headers
    secure = client.get("/profile", base_url="https://localhost")
    assert secure.headers["Strict-Transport-Security"].startswith("max-age=")


@pytest.mark.parametrize("target", ["//evil.example/x", "/\\evil.example", "///evil.example",
                                    "https://evil.example", "/\t/evil.example", "javascript:x"])
def test_next_parameter_never_leaves_the_site(client, target):
    token = csrf_token(client)
    response = client.post("/sign-in", query_string={"next": target}, data={
        "email": email("staff"), "password": PASSWORD, "csrf_token": token})
    assert response.headers["Location"].endswith("/matches")



def test_over_https_a_browser_signs_in(app):
    # Over HTTPS the CSRF check also wants a same-origin Referer, which browsers send under the
    # app's Referrer-Policy (same-origin).
    client = app.test_client()
    page = client.get("/sign-in", base_url="https://mentoring.example.org")
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.get_data(as_text=True)).group(1)
    response = client.post("/sign-in", base_url="https://mentoring.example.org", data={
        "email": email("staff"), "password": PASSWORD, "csrf_token": token},
        headers={"Referer": "https://mentoring.example.org/sign-in"})
    assert response.status_code == 303
    assert page.headers["Strict-Transport-Security"].startswith("max-age=")


def test_a_sign_in_lasts_session_max_age(app, client):
    sign_in(client, "staff")
    assert client.get("/profile").status_code == 200
    with client.session_transaction() as session:
        session["signed_in_at"] -= app.config["SESSION_MAX_AGE"] + 1
    assert client.get("/profile").status_code == 303


def test_odd_input_gets_a_clear_answer_not_a_server_error(as_role):
    client = as_role("coordinator")
    assert client.get("/coordinator/rounds/99999999999999999999").status_code == 404
    assert client.get("/api/v1/matches/99999999999999999999").status_code == 404
    assert client.get("/coordinator/people?page=99999999999999999999").status_code == 200
    assert client.get("/coordinator/people?q=a%00b").status_code == 400
    token = csrf_token(client, "/coordinator/people")
    ticked = client.post("/coordinator/people/invite", data={"csrf_token": token,
                                                             "person_id": "²"})
    assert ticked.status_code == 303  # nothing to invite: told so on the page
    nul = client.post("/profile", data={"csrf_token": token, "goals": "a\x00b"})
    assert nul.status_code == 400 and "NUL" in nul.get_data(as_text=True)


def test_successful_sign_ins_do_not_count_toward_the_limit(app):
    app.config["SIGN_IN_LIMIT"] = "3 per minute"
    try:
        statuses = [sign_in(app.test_client(), "mentee").status_code for _ in range(5)]
        assert statuses == [303] * 5
        client = app.test_client()
        failures = [sign_in(client, "mentee", "wrong password!").status_code for _ in range(4)]
        assert failures == [401, 401, 401, 429]
        page = sign_in(client, "mentee", "wrong password!")
        assert "wait a few minutes" in page.get_data(as_text=True) and page.headers["Retry-After"]
    finally:
        app.config["SIGN_IN_LIMIT"] = "1000 per minute"
        from webapp.auth import limiter
        limiter.reset()


def test_forgot_password_mails_a_link_and_says_the_same_for_anyone(app, smtp_server):
    import re as regex

    client = app.test_client()
    page = client.get("/sign-in").get_data(as_text=True)
    assert 'href="/forgot-password"' in page
    answers = []
    for address in ("mentor@example.org", "nobody@example.org"):
        form = client.get("/forgot-password").get_data(as_text=True)
        token = regex.search(r'name="csrf_token" value="([^"]+)"', form).group(1)
        response = client.post("/forgot-password", data={"email": address, "csrf_token": token},
                               follow_redirects=True)
        answers.append(response.get_data(as_text=True).count("If that address has an account"))
    assert answers == [1, 1]  # the same answer whether or not the address has an account
    # One mail, to the account that exists.
    [message] = smtp_server.mail_to("mentor@example.org", "Set a new password")
    assert not [m for m in smtp_server if m["To"] == "nobody@example.org"]
    link = regex.search(r"http\S+/invite/(\S+)", message.get_body(("plain",)).get_content()).group(0)
    assert "/invite/" in link and app.test_client().get(
        link[link.index("/invite/"):]).status_code == 200


def test_forgot_password_takes_as_long_for_an_account_as_for_none(app):
    import statistics
    import time

    def answer_time(address: str) -> float:
        times = []
        for _ in range(5):
            client = app.test_client()
            token = csrf_token(client, "/forgot-password")
            started = time.perf_counter()
            response = client.post("/forgot-password", data={"email": address,
                                                             "csrf_token": token})
            times.append(time.perf_counter() - started)
            assert response.status_code == 303
        return statistics.median(times)

    floor = app.config["RESET_ANSWER_SECONDS"]
    known, unknown = answer_time("mentee@example.org"), answer_time("nobody@example.org")
    # Before, 10-12 ms against 1.3 ms; now both wait for the same floor.
    assert known >= floor and unknown >= floor
    assert abs(known - unknown) < floor / 4, (known, unknown)

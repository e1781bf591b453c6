"""Faults a person can meet get a page that says what to do, never a 500 with the SQL."""

from sqlalchemy.exc import OperationalError

from tests.webapp.conftest import csrf_token


def locked(*args, **kwargs):
    raise OperationalError("UPDATE match SET status=?", ("secret@example.org",),
                           Exception("database is locked"))


def test_a_busy_database_is_a_503_that_says_try_again(as_role, ids, monkeypatch):
    import webapp.views.matches as views

    client = as_role("mentor")
    token = csrf_token(client, "/matches")
    monkeypatch.setattr(views, "accept_match", locked)
    response = client.post(f"/matches/{ids['match']}/accept", data={"csrf_token": token})
    page = response.get_data(as_text=True)
    assert response.status_code == 503 and response.headers["Retry-After"] == "5"
    assert "try again" in page and "secret@example.org" not in page and "UPDATE" not in page


def test_a_deadlock_or_serialization_failure_is_a_409_not_busy(as_role, ids, monkeypatch):
    import psycopg.errors

    import webapp.views.matches as views

    client = as_role("mentor")
    for fault in (psycopg.errors.DeadlockDetected, psycopg.errors.SerializationFailure):
        def undone(*args, fault=fault, **kwargs):
            raise OperationalError("UPDATE match SET status=%s", ("secret@example.org",),
                                   fault("deadlock detected: blocked by process 42"))

        monkeypatch.setattr(views, "accept_match", undone)
        response = client.post(f"/matches/{ids['match']}/accept",
                               data={"csrf_token": csrf_token(client, "/matches")})
        page = response.get_data(as_text=True)
        assert response.status_code == 409, page
        assert "at the same moment" in page and "Nothing was saved" in page
        assert "secret@example.org" not in page and "UPDATE" not in page and "process 42" not in page


def test_the_cli_never_prints_sql_or_its_parameters(monkeypatch, capsys):
    import pytest

    import mentorship.cli as cli

    def broken(*args, **kwargs):
        raise OperationalError("INSERT INTO person (email) VALUES (?)", ("ana@example.org",),
                               Exception("disk I/O error"))

    monkeypatch.setattr(cli, "cli", broken)
    with pytest.raises(SystemExit):
        cli.main()
    printed = capsys.readouterr().err
    assert "database refused the work (Exception)" in printed
    assert "ana@example.org" not in printed and "INSERT" not in printed


def test_healthz_answers_with_the_database(client, monkeypatch):
    import webapp.views as views

    response = client.get("/healthz")
    assert response.status_code == 200 and response.get_json() == {"status": "ok"}
    monkeypatch.setattr(views, "database_answers", lambda session: False)
    down = client.get("/healthz")
    assert down.status_code == 503 and "does not answer" in down.get_json()["status"]


def test_every_request_is_logged_with_its_status_and_time(client, caplog):
    import logging

    with caplog.at_level(logging.INFO):
        client.get("/sign-in?q=ana")
    lines = [r.getMessage() for r in caplog.records if r.getMessage().startswith("GET /sign-in")]
    assert lines and lines[0].endswith(" ms") and " 200 " in lines[0] and "ana" not in lines[0]


def test_an_error_without_a_message_of_its_own_is_said_in_plain_words(as_role, client):
    page = as_role("mentee").get("/coordinator/people").get_data(as_text=True)
    assert "You are not allowed to see this page" in page and "read-protected" not in page
    missing = client.get("/no-such-page").get_data(as_text=True)
    assert "There is no such page" in missing and "requested URL" not in missing


def test_pages_have_an_icon(client):
    page = client.get("/sign-in").get_data(as_text=True)
    assert 'rel="icon"' in page
    with client.get("/static/favicon.svg") as icon:
        assert icon.status_code == 200 and icon.mimetype == "image/svg+xml"

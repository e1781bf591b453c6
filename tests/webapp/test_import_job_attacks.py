"""An import's page and its retry, as others than its owner try them: a coordinator of
another programme, another coordinator, a mentee, nobody signed in; forged and odd requests;
two retries at once."""

from __future__ import annotations

import io
import re
import threading
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from mentorship.people.accounts import set_password, set_roles
from mentorship.people.models import Person
from mentorship.profiles.models import ImportJob, ImportStatus
from mentorship.programmes.models import Programme, ProgrammeCoordinator
from tests.webapp.conftest import PASSWORD, csrf_token, email, sign_in
from tests.webapp.test_import_job_pages import until_finished

DATA = b"email,name,role\natk.one@example.org,At One,mentee\natk.two@example.org,At Two,mentor\n"


@pytest.fixture(scope="module")
def others(app, ids):
    """A coordinator limited to another programme, and a second unlimited coordinator."""
    sessions = app.extensions["mentorship.sessions"]
    with sessions() as db:
        made = {}
        for who in ("limited", "second"):
            person = Person(email=email(who), name=who.title())
            db.add(person)
            db.flush()
            set_password(db, None, person.id, PASSWORD)
            set_roles(db, None, person.id, coordinator=True, admin=False)
            made[who] = person.id
        branch = Programme(name="Branches", round_settings={}, settings={})
        db.add(branch)
        db.flush()
        db.add(ProgrammeCoordinator(programme_id=branch.id, person_id=made["limited"]))
        db.commit()
    return made


def dead_job(app, ids, *, status=ImportStatus.RUNNING, minutes=10, prefix=b"atk.") -> int:
    """An import of the seeded coordinator's whose worker died (or, minutes=0, one running)."""
    sessions = app.extensions["mentorship.sessions"]
    with sessions() as db, db.begin():
        job = ImportJob(owner_id=ids["coordinator"], programme_id=ids["programme"],
                        filename="dead.csv", status=status, job_id="dead", attempts=1,
                        stage="importing", rows_total=2, rows_validated=2, rows_imported=0,
                        heartbeat_at=datetime.now(UTC) - timedelta(minutes=minutes),
                        created_at=datetime.now(UTC),
                        data=DATA.replace(b"atk.", prefix))
        db.add(job)
        db.flush()
        return job.id


def client_of(app, who):
    client = app.test_client()
    if who is not None:
        assert sign_in(client, who).status_code == 303
    return client


def any_token(client) -> str:
    """A valid CSRF token of the client's session (the sign-out form of any page has one)."""
    page = client.get("/", follow_redirects=True).get_data(as_text=True)
    return re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)


def people_named(app, prefix: str) -> int:
    with app.extensions["mentorship.sessions"]() as db:
        return db.scalar(select(func.count()).select_from(Person)
                         .where(Person.email.like(f"{prefix}%")))


def test_nobody_but_the_programmes_coordinators_sees_an_import(app, ids, others):
    path = f"/coordinator/people/import/{dead_job(app, ids)}"
    limited = client_of(app, "limited").get(path)
    assert limited.status_code == 403
    assert "not one of yours" in limited.get_data(as_text=True)
    assert "dead.csv" not in limited.get_data(as_text=True)
    assert client_of(app, "mentee").get(path).status_code == 403
    anonymous = client_of(app, None).get(path)
    assert anonymous.status_code in (302, 303) and "/sign-in" in anonymous.headers["Location"]
    # Another coordinator of the programme sees it, but is not offered to run it again.
    page = client_of(app, "second").get(path).get_data(as_text=True)
    assert "stopped reporting" in page and "Try the import again" not in page
    assert "The coordinator who started it can try it again." in page


def test_only_the_owner_retries_and_a_forged_post_is_refused(app, ids, others):
    import_id = dead_job(app, ids, prefix=b"forge.")
    path = f"/coordinator/people/import/{import_id}"
    for who, status in (("limited", 403), ("second", 403), ("mentee", 403)):
        client = client_of(app, who)
        response = client.post(f"{path}/retry", data={"csrf_token": any_token(client)})
        assert response.status_code == status, (who, response.status_code)
    anonymous = client_of(app, None)
    response = anonymous.post(f"{path}/retry", data={"csrf_token": csrf_token(anonymous)})
    assert response.status_code in (302, 303, 403)
    owner = client_of(app, "coordinator")
    assert owner.post(f"{path}/retry").status_code == 400  # no CSRF token
    assert owner.post(f"{path}/retry", data={"csrf_token": "forged"}).status_code == 400
    with app.extensions["mentorship.sessions"]() as db:
        assert db.get(ImportJob, import_id).status == ImportStatus.RUNNING  # untouched
    assert people_named(app, "forge.") == 0


@pytest.mark.parametrize("tail", ["abc", "-1", "1.5", "0", "99999999",
                                  "9223372036854775807", "9223372036854775808",
                                  "99999999999999999999999999"])
def test_odd_ids_are_not_found_never_a_server_error(app, ids, tail):
    client = client_of(app, "coordinator")
    response = client.get(f"/coordinator/people/import/{tail}")
    assert response.status_code == 404, response.get_data(as_text=True)[:500]
    token = csrf_token(client, "/coordinator/people/import")
    response = client.post(f"/coordinator/people/import/{tail}/retry",
                           data={"csrf_token": token})
    assert response.status_code == 404, response.get_data(as_text=True)[:500]


def test_two_retries_at_once_run_the_import_once(app, ids, others):
    import_id = dead_job(app, ids, prefix=b"twice.")
    path = f"/coordinator/people/import/{import_id}"
    clients = [client_of(app, "coordinator") for _ in range(2)]
    tokens = [csrf_token(client, path) for client in clients]
    start, answers = threading.Barrier(2), []

    def retry(client, token):
        start.wait()
        answers.append(client.post(f"{path}/retry", data={"csrf_token": token},
                                   headers={"Referer": f"http://localhost{path}"}))

    threads = [threading.Thread(target=retry, args=pair) for pair in zip(clients, tokens, strict=True)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert len(answers) == 2 and all(a.status_code == 303 for a in answers), \
        [a.status_code for a in answers]
    page = until_finished(clients[0], path)
    assert "2 people added" in page
    assert people_named(app, "twice.") == 2
    with app.extensions["mentorship.sessions"]() as db:
        assert db.get(ImportJob, import_id).attempts == 2  # one of the two retried it


def test_a_running_import_is_not_retried(app, ids, others):
    import_id = dead_job(app, ids, minutes=0, prefix=b"live.")
    path = f"/coordinator/people/import/{import_id}"
    client = client_of(app, "coordinator")
    response = client.post(f"{path}/retry", data={"csrf_token": csrf_token(client, path)},
                           headers={"Referer": f"http://localhost{path}"})
    assert response.status_code == 303
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "it cannot be tried again" in page
    assert "Traceback" not in page
    without_referer = client.post(f"{path}/retry", data={"csrf_token": csrf_token(client, path)})
    assert without_referer.status_code == 409
    assert "it cannot be tried again" in without_referer.get_data(as_text=True)
    with app.extensions["mentorship.sessions"]() as db:
        job = db.get(ImportJob, import_id)
        assert job.status == ImportStatus.RUNNING and job.attempts == 1
    assert people_named(app, "live.") == 0


def test_a_failed_import_shows_what_stopped_it_but_no_statement_or_data(app, ids, monkeypatch):
    from sqlalchemy.exc import IntegrityError

    from mentorship.profiles import import_jobs

    def broken(*args, **kwargs):
        raise IntegrityError("INSERT INTO people (email, name) VALUES (?, ?)",
                             ("secret.person@example.org", "Secret Person"),
                             Exception("UNIQUE constraint failed: people.email"))

    monkeypatch.setattr(import_jobs, "import_profiles", broken)
    client = client_of(app, "coordinator")
    token = csrf_token(client, "/coordinator/people/import")
    response = client.post("/coordinator/people/import", data={
        "csrf_token": token, "file": (io.BytesIO(DATA.replace(b"atk.", b"fail.")), "f.csv")},
        content_type="multipart/form-data")
    assert response.status_code == 303
    page = until_finished(client, response.headers["Location"])
    assert "<h1>Import of f.csv</h1>" in page  # no longer "Importing": it has ended
    assert "Nothing was imported: the import of f.csv failed." in page
    assert ("What stopped it: IntegrityError: (builtins.Exception) UNIQUE constraint failed: "
            "people.email") in page
    assert "INSERT INTO" not in page and "secret.person" not in page and "[SQL" not in page
    assert "Try the import again" in page  # the upload is kept

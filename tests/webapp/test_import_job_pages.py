"""The import's own page: a large file's progress (reloading itself, no script needed), then
its result or every problem; a stalled job tried again from its kept upload."""

from __future__ import annotations

import io
import re
import threading
import time
from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select

from mentorship.people.models import Person
from mentorship.profiles import import_jobs
from mentorship.profiles.models import ImportJob, ImportStatus
from tests.webapp.conftest import csrf_token

GOOD = b"email,name,role,skills\njob.one@example.org,Jo One,mentee,Koha=1\n" \
       b"job.two@example.org,Jo Two,mentor,Koha=4\n"
BAD = b"email,name,capacity\njob.bad@example.org,Bad,eleven\nnope,Worse,1\n"


def upload(client, data: bytes, name: str = "staff.csv"):
    token = csrf_token(client, "/coordinator/people/import")
    return client.post("/coordinator/people/import", data={
        "csrf_token": token, "file": (io.BytesIO(data), name)}, content_type="multipart/form-data")


def until_finished(client, path: str, seconds: float = 30) -> str:
    """The import's page once it no longer reloads itself."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        page = client.get(path).get_data(as_text=True)
        if 'http-equiv="refresh"' not in page:
            return page
        time.sleep(0.1)
    raise AssertionError(f"{path} kept reloading")


def people_named(app, prefix: str) -> int:
    with app.extensions["mentorship.sessions"]() as db:
        return db.scalar(select(func.count()).select_from(Person)
                         .where(Person.email.like(f"{prefix}%")))


def test_a_file_still_importing_gets_a_progress_page_that_reloads_until_the_result(
        app, as_role, monkeypatch):
    monkeypatch.setitem(app.config, "IMPORT_WAIT_SECONDS", 0.2)
    release = threading.Event()
    counted = import_jobs.count_rows

    def held(data):  # the job waits here until the test has seen its progress page
        release.wait(30)
        return counted(data)

    monkeypatch.setattr(import_jobs, "count_rows", held)
    client = as_role("coordinator")
    response = upload(client, GOOD)
    assert response.status_code == 303
    path = response.headers["Location"]
    assert re.fullmatch(r"/coordinator/people/import/\d+", path)
    page = client.get(path)
    text = page.get_data(as_text=True)
    assert page.status_code == 200
    assert '<meta http-equiv="refresh" content="2">' in text
    assert "<h1>Importing staff.csv</h1>" in text
    status = re.search(r'role="status" id="import-progress-text">\s*([^<]+)<', text).group(1)
    assert status.startswith("Validated 0 rows") or status.startswith("Waiting")
    assert f'href="{path}"' in text  # a link to reload by hand
    assert people_named(app, "job.") == 0
    release.set()
    done = until_finished(client, path)
    assert "Imported staff.csv" in done and "2 people added, 0 updated." in done
    assert people_named(app, "job.") == 2


def test_a_refused_file_read_later_lists_every_problem_with_row_column_and_value(
        app, as_role, monkeypatch):
    monkeypatch.setitem(app.config, "IMPORT_WAIT_SECONDS", 0)
    client = as_role("coordinator")
    path = upload(client, BAD).headers["Location"]
    page = until_finished(client, path)
    assert "Nothing was imported: staff.csv has 2 problems." in page
    table = page[page.index('id="import-errors"'):]
    rows = re.findall(r'<tr><td class="number">(\w+)</td><td>(\w+)</td><td>([^<]*)</td>'
                      r'<td>([^<]*)</td></tr>', table)
    assert rows == [("2", "capacity", "eleven", "must be a whole number 0-10"),
                    ("3", "email", "nope", "not a valid email address")]
    assert client.get(path).status_code == 200  # a result read later is no failed request
    assert people_named(app, "job.bad") == 0


def test_a_stalled_import_is_said_to_be_and_its_owner_tries_it_again(app, as_role, ids):
    sessions = app.extensions["mentorship.sessions"]
    with sessions() as db, db.begin():  # a job whose worker died half-way
        dead = ImportJob(owner_id=ids["coordinator"], programme_id=ids["programme"],
                         filename="dead.csv", status=ImportStatus.RUNNING, job_id="dead",
                         stage="importing", rows_total=2, rows_validated=2,
                         heartbeat_at=datetime.now(UTC) - timedelta(minutes=10),
                         data=GOOD.replace(b"job.", b"stalled."))
        db.add(dead)
        db.flush()
        import_id = dead.id
    path = f"/coordinator/people/import/{import_id}"
    admin = as_role("admin").get(path).get_data(as_text=True)
    assert "stopped reporting" in admin and "Try the import again" in admin  # admins may
    client = as_role("coordinator")
    page = client.get(path).get_data(as_text=True)
    assert 'http-equiv="refresh"' not in page
    assert "stopped reporting (its worker was probably stopped)" in page
    assert "<h1>Import of dead.csv</h1>" in page  # it is not importing: its job is gone
    assert "The upload is kept" in page
    retried = client.post(f"{path}/retry", data={"csrf_token": csrf_token(client, path)})
    assert retried.status_code == 303 and retried.headers["Location"] == path
    done = until_finished(client, path)
    assert "Imported dead.csv" in done and "2 people added" in done
    assert people_named(app, "stalled.") == 2
    # Done: nothing is left to try again.
    again = client.post(f"{path}/retry", data={"csrf_token": csrf_token(client, path)})
    assert again.status_code in (303, 409)
    assert people_named(app, "stalled.") == 2


def test_a_file_imported_again_says_its_people_are_up_to_date(app, as_role):
    client = as_role("coordinator")
    again = GOOD.replace(b"job.", b"again.")
    assert "2 people added, 0 updated." in upload(client, again).get_data(as_text=True)
    text = upload(client, again).get_data(as_text=True)
    assert "0 people added, 0 updated, 2 already up to date." in text
    changed = again.replace(b"Jo One", b"Jo Uno")
    assert "0 people added, 1 updated, 1 already up to date." in upload(
        client, changed).get_data(as_text=True)


def test_the_counts_of_a_large_import_are_written_with_thousands_separators(app, as_role):
    rows = "".join(f"many.{n}@example.org,Many {n}\n" for n in range(1001))
    text = upload(as_role("coordinator"), f"email,name\n{rows}".encode()).get_data(
        as_text=True)
    assert "1,001 people added, 0 updated." in text


def test_the_tables_of_a_result_scroll_by_themselves_on_a_narrow_screen(app, as_role):
    client = as_role("coordinator")
    token = csrf_token(client, "/coordinator/people/import")
    text = client.post("/coordinator/people/import", data={
        "csrf_token": token, "partial": "1",
        "file": (io.BytesIO(b"email,name,skills\nnarrow.one@example.org,N One,Klingonese=2\n"
                            b"narrow.two@example.org,N Two,Koha=9\n"), "narrow.csv")},
        content_type="multipart/form-data").get_data(as_text=True)
    assert "1 person added, 0 updated, 1 row left out." in text
    # An unknown skill sends the coordinator to the Skills page, never to a server's file.
    assert "see the Skills page for the skill names" in text
    assert "skills.yaml" not in text
    for table in ("skill-warnings", "rows-left-out"):  # each in a region of its own to scroll
        assert re.search(r'<div class="table-scroll" tabindex="0" role="region" '
                         rf'aria-label="[^"]+">\s*<table class="data" id="{table}">', text), table


def test_an_import_waiting_for_anothers_write_lock_says_so_and_keeps_reloading(
        app, as_role, ids):
    sessions = app.extensions["mentorship.sessions"]
    if sessions.kw["bind"].dialect.name != "sqlite":
        return  # PostgreSQL has no one write lock: every job's heartbeat goes on
    now = datetime.now(UTC)
    with sessions() as db, db.begin():
        common = {"owner_id": ids["coordinator"], "programme_id": ids["programme"],
                  "status": ImportStatus.RUNNING, "attempts": 1, "rows_imported": 0,
                  "heartbeat_at": now - timedelta(minutes=3), "data": GOOD,
                  "created_at": now}
        writing = ImportJob(filename="first.csv", job_id="first", stage="importing",
                            rows_validated=2, quiet_until=now + timedelta(minutes=5), **common)
        silent = ImportJob(filename="second.csv", job_id="second", stage="validating",
                           rows_total=2000, rows_validated=1200, **common)
        db.add_all([writing, silent])
        db.flush()
        first, second = writing.id, silent.id
    page = as_role("coordinator").get(f"/coordinator/people/import/{second}").get_data(
        as_text=True)
    assert '<meta http-equiv="refresh" content="2">' in page
    assert "Waiting for another import to finish saving its people (one import saves at a " \
           "time); validated 1,200 of 2,000 rows so far." in page
    assert "stopped reporting" not in page and "Try the import again" not in page
    with sessions() as db, db.begin():  # both done with, for the module's other tests
        for import_id in (first, second):
            db.get(ImportJob, import_id).status = ImportStatus.FAILED

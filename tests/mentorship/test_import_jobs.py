"""Web imports run as jobs: progress recorded, problems reported by row and column, a killed
job retried without adding anyone twice, one worker per job, and each programme's own."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from redis import Redis
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from mentorship.core.db import READ_ONLY, make_engine
from mentorship.core.errors import Conflict, PermissionDenied, RowError
from mentorship.migrate import upgrade_database
from mentorship.people.accounts import set_roles
from mentorship.people.models import Person
from mentorship.profiles import import_jobs
from mentorship.profiles.import_jobs import (
    import_progress,
    retry_import,
    run_import_job,
    start_import,
    wait_for_import,
)
from mentorship.profiles.models import ImportJob, ImportStatus
from mentorship.profiles.operations import register_person
from mentorship.programmes.operations import assign_coordinator, create_programme
from mentorship.programmes.queries import programme_in_view
from tests.conftest import run_at_once

ROOT = Path(__file__).resolve().parents[2]


def staff_csv(count: int, domain: str = "jobs.example.org") -> bytes:
    """A profile CSV of `count` people (every fifth one's manager is the first)."""
    lines = ["email,name,department,manager_email,role,skills,learn"]
    for number in range(count):
        manager = f"p0@{domain}" if number % 5 == 4 else ""
        lines.append(f"p{number}@{domain},Person {number},Systems,{manager},"
                     f"{'mentor' if number % 2 else 'mentee'},Koha=3; MARC 21=1,FOLIO")
    return ("\n".join(lines) + "\n").encode()


@pytest.fixture
def database(private_database, taxonomy):
    """A committed database with a coordinator, an admin and a coordinator limited to the
    programme "Branches"; yields (engine, url, ids)."""
    engine = make_engine(private_database)
    upgrade_database(engine)
    with Session(engine) as session, session.begin():
        ids = {}
        for who in ("coordinator", "limited", "admin"):
            person = register_person(session, None, {"email": f"{who}@example.org",
                                                     "name": who.title()}, taxonomy)
            set_roles(session, None, person.id, coordinator=who != "admin",
                      admin=who == "admin")
            ids[who] = person.id
        branches = create_programme(session, None, {"name": "Branches"})
        assign_coordinator(session, None, branches.id, ids["limited"])
        ids["branches"] = branches.id
    yield engine, private_database, ids
    engine.dispose()


def actor(session: Session, ids: dict, who: str) -> Person:
    return session.get(Person, ids[who])


def people_of(engine, domain: str = "jobs.example.org") -> int:
    with Session(engine) as session:
        return session.scalar(select(func.count()).select_from(Person)
                              .where(Person.email.like(f"%@{domain}")))


def started(engine, url, ids, data: bytes, who: str = "coordinator", **options) -> int:
    with Session(engine) as session:
        return start_import(session, actor(session, ids, who), data, "staff.csv", url=url,
                            **options)


def finished(engine, ids, import_id: int, who: str = "coordinator", seconds: float = 60):
    with Session(engine) as session:
        progress = wait_for_import(session, actor(session, ids, who), import_id, seconds)
    assert progress.finished, progress
    return progress


def test_a_thread_job_imports_the_file_and_records_its_counts(database, monkeypatch):
    monkeypatch.delenv("REDIS_URL", raising=False)
    engine, url, ids = database
    import_id = started(engine, url, ids, staff_csv(1200))
    progress = finished(engine, ids, import_id)
    assert progress.status == ImportStatus.DONE, progress.failure_reason
    assert (progress.report.created, progress.report.updated) == (1200, 0)
    assert (progress.rows_total, progress.rows_imported) == (1200, 1200)
    assert people_of(engine) == 1200
    with Session(engine) as session:  # the upload is not kept once imported
        assert session.scalar(select(ImportJob.data).where(ImportJob.id == import_id)) is None
    again = finished(engine, ids, started(engine, url, ids, staff_csv(1200)))
    assert (again.report.created, again.report.updated) == (0, 0)  # the same file: no change


def test_progress_is_written_as_the_job_goes(database, monkeypatch):
    monkeypatch.delenv("REDIS_URL", raising=False)
    monkeypatch.setattr(import_jobs, "HEARTBEAT_SECONDS", 0.05)
    engine, url, ids = database
    monkeypatch.setattr(import_jobs, "_enqueue", lambda *args: None)  # run it here instead
    import_id = started(engine, url, ids, staff_csv(1500))
    seen = []

    def hook(stage: str, count: int) -> None:
        if count == 1000:  # mid-way through each stage: what does the page read?
            time.sleep(0.3)
            with Session(engine.execution_options(**{READ_ONLY: True})) as session:
                job = session.get(ImportJob, import_id)
                seen.append((job.stage, job.rows_total, job.rows_validated, job.rows_imported))

    with Session(engine) as session:
        job_id = session.get(ImportJob, import_id).job_id
    run_import_job(import_id, url, None, job_id, hook=hook)
    # SQLite's one write lock is the job's own while it imports: the count shows at the end.
    imported = 0 if engine.dialect.name == "sqlite" else 1000
    assert seen == [("validating", 1500, 1000, 0), ("importing", 1500, 1500, imported)]


def test_every_problem_is_reported_with_its_row_column_and_value(database, monkeypatch):
    monkeypatch.delenv("REDIS_URL", raising=False)
    engine, url, ids = database
    bad = (b"email,name,capacity,skills\n"
           b"good@jobs.example.org,Good,1,\n"
           b"bad@jobs.example.org,Bad,eleven,\n"
           b"not-an-email,Worse,1,SPARQL=7\n")
    progress = finished(engine, ids, started(engine, url, ids, bad))
    assert progress.status == ImportStatus.REFUSED
    assert [(e.row, e.column, e.value) for e in progress.errors] == [
        (3, "capacity", "eleven"), (4, "email", "not-an-email"), (4, "skills", "SPARQL=7")]
    assert progress.errors[0].reason == "must be a whole number 0-10"
    assert people_of(engine) == 0  # not even the good row
    assert not progress.retryable  # the file must be mended: the upload is gone
    partial = finished(engine, ids, started(engine, url, ids, bad, partial=True))
    assert partial.status == ImportStatus.DONE and partial.report.created == 1
    assert [e.row for e in partial.skipped] == [3, 4, 4]


def test_a_file_over_the_row_limit_is_refused_before_any_row_is_validated(database,
                                                                          monkeypatch):
    monkeypatch.delenv("REDIS_URL", raising=False)
    monkeypatch.setenv("MENTORSHIP_IMPORT_ROW_LIMIT", "100")
    engine, url, ids = database
    validated = []
    monkeypatch.setattr(import_jobs, "_enqueue", lambda *args: None)
    import_id = started(engine, url, ids, staff_csv(150))
    with Session(engine) as session:
        job_id = session.get(ImportJob, import_id).job_id
    run_import_job(import_id, url, None, job_id, hook=lambda stage, n: validated.append(n))
    progress = finished(engine, ids, import_id)
    assert progress.status == ImportStatus.REFUSED and validated == []
    assert progress.errors == [RowError(102, "", "", "more than 100 rows: split the file (the "
                                                     "limit is the MENTORSHIP_IMPORT_ROW_LIMIT "
                                                     "setting)")]


KILLED_WORKER = """
import sys, time
from mentorship.profiles.import_jobs import run_import_job

import_id, url, job_id, marker = int(sys.argv[1]), sys.argv[2], sys.argv[3], sys.argv[4]

def hook(stage, count):
    if stage == "importing" and count >= 500:  # half the people written, nothing committed
        open(marker, "w").close()
        time.sleep(600)

run_import_job(import_id, url, None, job_id, hook=hook)
"""


def test_a_job_killed_mid_way_is_retried_without_adding_anyone_twice(database, monkeypatch,
                                                                      tmp_path):
    monkeypatch.delenv("REDIS_URL", raising=False)
    engine, url, ids = database
    monkeypatch.setattr(import_jobs, "_enqueue", lambda *args: None)  # the worker below runs it
    import_id = started(engine, url, ids, staff_csv(1000))
    with Session(engine) as session:
        job_id = session.get(ImportJob, import_id).job_id
    marker = tmp_path / "writing"
    worker = subprocess.Popen(
        [sys.executable, "-c", KILLED_WORKER, str(import_id), url, job_id, str(marker)],
        env={**os.environ, "PYTHONPATH": str(ROOT)})
    try:
        deadline = time.monotonic() + 60
        while not marker.exists() and worker.poll() is None and time.monotonic() < deadline:
            time.sleep(0.05)
        assert marker.exists(), "the worker never got to writing people"
        with Session(engine.execution_options(**{READ_ONLY: True})) as session:
            assert session.get(ImportJob, import_id).status == ImportStatus.RUNNING
    finally:
        worker.send_signal(signal.SIGKILL)
        worker.wait()
    assert people_of(engine) == 0  # the import is one transaction: nothing of it stayed

    # Its heartbeat has stopped: once it is overdue, the page says it stalled.
    later = datetime.now(UTC) + timedelta(hours=1)
    with Session(engine) as session:
        coordinator = actor(session, ids, "coordinator")
        assert not import_progress(session, coordinator, import_id).stalled
        progress = import_progress(session, coordinator, import_id, now=later)
        assert progress.stalled and progress.retryable
        with pytest.raises(PermissionDenied):  # it is theirs who started it to retry
            retry_import(session, _other_coordinator(session, ids), import_id, url=url,
                         now=later)
        monkeypatch.undo()  # the real _enqueue: a thread runs the retry
        monkeypatch.delenv("REDIS_URL", raising=False)
        retry_import(session, coordinator, import_id, url=url, now=later)
        with pytest.raises(Conflict):  # queued again (or done): not to be retried twice
            retry_import(session, coordinator, import_id, url=url)
    done = finished(engine, ids, import_id)
    assert done.status == ImportStatus.DONE, done.failure_reason
    assert (done.report.created, done.report.updated) == (1000, 0)
    assert people_of(engine) == 1000
    with Session(engine) as session:
        job = session.get(ImportJob, import_id)
        assert job.attempts == 2 and job.job_id != job_id


def _other_coordinator(session: Session, ids: dict) -> Person:
    """A second unlimited coordinator, who sees the import but did not start it."""
    other = session.scalar(select(Person).where(Person.email == "second@example.org"))
    if other is None:
        other = Person(email="second@example.org", name="Second", is_coordinator=True)
        session.add(other)
        session.commit()
    return other


def test_two_workers_given_the_same_job_import_it_once(database, monkeypatch):
    monkeypatch.delenv("REDIS_URL", raising=False)
    engine, url, ids = database
    monkeypatch.setattr(import_jobs, "_enqueue", lambda *args: None)
    import_id = started(engine, url, ids, staff_csv(300))
    with Session(engine) as session:
        job_id = session.get(ImportJob, import_id).job_id
    ran = []
    outcomes = run_at_once(*[lambda: run_import_job(import_id, url, None, job_id,
                                                    hook=lambda stage, n: ran.append(stage))
                             for _ in range(2)])
    assert outcomes == [None, None]
    assert people_of(engine) == 300
    progress = finished(engine, ids, import_id)
    assert progress.status == ImportStatus.DONE and progress.report.created == 300
    # One worker validated and imported; the other found the import claimed and left it.
    assert ran.count("importing") == 1
    # An attempt given up for dead that wakes later writes nothing.
    run_import_job(import_id, url, None, "an-older-attempt")
    assert finished(engine, ids, import_id).report.created == 300


def test_two_coordinators_importing_at_once_add_each_person_once(database, monkeypatch):
    monkeypatch.delenv("REDIS_URL", raising=False)
    engine, url, ids = database
    monkeypatch.setattr(import_jobs, "_enqueue", lambda *args: None)
    first = started(engine, url, ids, staff_csv(400))
    second = started(engine, url, ids, staff_csv(600), who="admin")
    with Session(engine) as session:
        jobs = {i: session.get(ImportJob, i).job_id for i in (first, second)}
    outcomes = run_at_once(*[lambda i=i: run_import_job(i, url, None, jobs[i]) for i in jobs])
    assert outcomes == [None, None]
    assert people_of(engine) == 600
    reports = [finished(engine, ids, first).report, finished(engine, ids, second, "admin").report]
    assert all(report is not None for report in reports)
    # Whichever ran first added its people; the other found them there.
    assert sum(report.created for report in reports) == 600


def test_a_failed_job_keeps_its_upload_and_runs_again(database, monkeypatch):
    monkeypatch.delenv("REDIS_URL", raising=False)
    engine, url, ids = database

    def broken(*args, **kwargs):
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(import_jobs, "import_profiles", broken)
    import_id = started(engine, url, ids, staff_csv(10))
    failed = finished(engine, ids, import_id)
    assert failed.status == ImportStatus.FAILED and "disk on fire" in failed.failure_reason
    assert failed.retryable and people_of(engine) == 0
    monkeypatch.undo()
    monkeypatch.delenv("REDIS_URL", raising=False)
    with Session(engine) as session:
        retry_import(session, actor(session, ids, "coordinator"), import_id, url=url)
    done = finished(engine, ids, import_id)
    assert done.status == ImportStatus.DONE and done.report.created == 10


def test_a_coordinator_limited_to_one_programme_cannot_see_anothers_import(database,
                                                                           monkeypatch):
    monkeypatch.delenv("REDIS_URL", raising=False)
    engine, url, ids = database
    import_id = started(engine, url, ids, staff_csv(5))  # into the default programme
    finished(engine, ids, import_id)
    with Session(engine) as session:
        limited = actor(session, ids, "limited")
        with pytest.raises(PermissionDenied):
            import_progress(session, limited, import_id)
        with pytest.raises(PermissionDenied):
            retry_import(session, limited, import_id, url=url)
    own = started(engine, url, ids, staff_csv(5, "branch.example.org"), who="limited",
                  programme_id=ids["branches"])
    assert finished(engine, ids, own, who="limited").status == ImportStatus.DONE
    with Session(engine) as session:  # the unlimited coordinator sees every programme's
        assert import_progress(session, actor(session, ids, "coordinator"), own).report
    with Session(engine) as session, pytest.raises(PermissionDenied):  # not its programme
        start_import(session, actor(session, ids, "limited"), staff_csv(1), "x.csv", url=url,
                     programme_id=import_progress(
                         session, actor(session, ids, "coordinator"), import_id).programme_id)


def test_an_rq_worker_runs_the_import(database, monkeypatch):
    redis_url = "redis://127.0.0.1:6379/15"
    try:
        Redis.from_url(redis_url).ping()
    except Exception as error:  # Redis runs on this project's machines; say so if it is gone
        pytest.fail(f"Redis is not reachable at {redis_url}: {error}")
    from rq import Queue, SimpleWorker

    engine, url, ids = database
    monkeypatch.setenv("REDIS_URL", redis_url)
    monkeypatch.setenv("DATABASE_URL", url)  # workers read their own
    monkeypatch.setattr(import_jobs, "QUEUE", f"test-import-{time.monotonic_ns()}")
    import_id = started(engine, url, ids, staff_csv(20))
    with Session(engine) as session:
        job = session.get(ImportJob, import_id)
        assert job.status == ImportStatus.QUEUED
        assert not import_progress(session, actor(session, ids, "coordinator"), import_id).stalled
    connection = Redis.from_url(redis_url)
    queue = Queue(import_jobs.QUEUE, connection=connection)
    assert queue.job_ids == [job.job_id]
    SimpleWorker([queue], connection=connection).work(burst=True)
    done = finished(engine, ids, import_id, seconds=5)
    assert done.status == ImportStatus.DONE and done.report.created == 20


def test_an_import_waiting_for_anothers_write_lock_on_sqlite_is_not_taken_for_dead(database):
    engine, url, ids = database
    now = datetime.now(UTC)
    with Session(engine) as session, session.begin():
        programme = programme_in_view(session, actor(session, ids, "coordinator"), None).id
        writing = ImportJob(  # saving its people: it holds SQLite's one write lock
            owner_id=ids["coordinator"], programme_id=programme, filename="a.csv",
            status=ImportStatus.RUNNING, job_id="a", attempts=1, stage="importing",
            rows_validated=9, rows_imported=0, heartbeat_at=now - timedelta(minutes=3),
            quiet_until=now + timedelta(minutes=5), data=b"x", created_at=now)
        silent = ImportJob(  # its heartbeat has waited for that lock for minutes
            owner_id=ids["coordinator"], programme_id=programme, filename="b.csv",
            status=ImportStatus.RUNNING, job_id="b", attempts=1, stage="validating",
            rows_total=9, rows_validated=9, rows_imported=0,
            heartbeat_at=now - timedelta(minutes=3), data=staff_csv(2), created_at=now)
        session.add_all([writing, silent])
        session.flush()
        first, second = writing.id, silent.id
    sqlite = engine.dialect.name == "sqlite"
    with Session(engine) as session:
        coordinator = actor(session, ids, "coordinator")
        progress = import_progress(session, coordinator, second)
        assert progress.waiting is sqlite and progress.stalled is not sqlite
        assert progress.retryable is not sqlite
        assert not import_progress(session, coordinator, first).stalled  # within its quiet
        if sqlite:
            with pytest.raises(Conflict):
                retry_import(session, coordinator, second, url=url)
    with Session(engine) as session, session.begin():  # the writer's time is up: it died
        session.get(ImportJob, first).quiet_until = now - timedelta(seconds=1)
    with Session(engine) as session:
        progress = import_progress(session, actor(session, ids, "coordinator"), second)
        assert progress.stalled and not progress.waiting and progress.retryable

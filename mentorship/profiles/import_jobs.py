"""Web imports of profile files run as jobs: a background thread by default, RQ workers when
REDIS_URL is set (as a round's preview runs).

`start_import` keeps the upload in the database (a worker on another machine reads it there),
queues the job and commits. The job claims its row with a conditional UPDATE (two workers given
the same job never both run it), validates the file and imports it in one transaction, writing
the rows validated and imported with a heartbeat as it goes. Whatever happens it ends as done
(the report), refused (every problem, with row, column and value: nothing was imported) or
failed (an unexpected error: nothing was imported, the upload is kept to try again). A job
whose worker died stops its heartbeat: `import_progress` says it stalled and `retry_import`
runs it again; since the import is one transaction and people are matched by email, a retry
never adds anyone twice.
"""

from __future__ import annotations

import logging
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, false, select, update
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session, sessionmaker

from mentorship.core.audit import record_event
from mentorship.core.background import QUEUE, queue_configured, run_in_background
from mentorship.core.db import READ_ONLY, make_engine, make_session_factory
from mentorship.core.errors import (
    Conflict,
    DomainError,
    InvalidInput,
    NotFound,
    PermissionDenied,
    RowError,
)
from mentorship.core.permissions import Actor, require_coordinator
from mentorship.people.models import Person
from mentorship.profiles.column_map import ColumnMap, column_map_from_data
from mentorship.profiles.csv_io import count_rows, read_profiles
from mentorship.profiles.models import ImportJob, ImportStatus
from mentorship.profiles.operations import ImportReport, import_mapped_profiles, import_profiles
from mentorship.programmes.access import can_see_programme
from mentorship.programmes.queries import programme_in_view
from mentorship.rounds.liveness import lost_queued_jobs
from mentorship.taxonomy import load_taxonomy

__all__ = ["HEARTBEAT_SECONDS", "STALE_AFTER_SECONDS", "ImportProgress", "import_progress",
           "retry_import", "run_import_job", "start_import", "wait_for_import"]

log = logging.getLogger(__name__)

#: How often a running import records its progress and that it is alive, in seconds.
HEARTBEAT_SECONDS = 5
#: A running import that has not reported for this long is taken to be dead.
STALE_AFTER_SECONDS = 60
#: An import waiting for an RQ worker is given this long (or until Redis is found to have lost
#: it); a thread starts at once, so without REDIS_URL a queued import goes stale as a running one.
QUEUED_STALE_AFTER_SECONDS = 6 * 3600
#: A queued import is looked for in Redis once it has been queued this long.
QUEUED_GRACE_SECONDS = 20
#: How long the upload of an import that ended is kept at most, in seconds (a failed one waits
#: that long to be tried again).
KEEP_UPLOAD_SECONDS = 24 * 3600
#: How often a job waiting for SQLite's one write lock (another import writing) tries again.
LOCK_ATTEMPTS = 40
#: On SQLite the job cannot write its heartbeat while it imports (the one write lock is its
#: own): it is given this long per person, on top of STALE_AFTER_SECONDS, before it is taken
#: to be dead. About three times what 50,000 people took on a busy 2-core machine (82 s).
SQLITE_SECONDS_PER_PERSON = 0.005
#: Where a coordinator reading an import's problems finds the skill names.
SKILLS_GUIDE = "the Skills page"


@dataclass(frozen=True)
class ImportProgress:
    """What a page shows of an import: its state and counts, then its report or problems."""

    id: int
    filename: str
    status: ImportStatus
    stage: str
    rows_total: int | None
    rows_validated: int
    rows_imported: int
    # Queued or running, but its job stopped reporting (its worker died): try it again.
    stalled: bool
    # Running, on SQLite, while another import holds the one write lock: this one cannot
    # report meanwhile, and its silence is no sign that it died.
    waiting: bool
    # Whether the upload is still kept, so that the import can be tried again.
    retryable: bool
    mapped: bool
    partial: bool
    programme_id: int
    owner_id: int | None
    failure_reason: str = ""
    # Done: the report and the rows left out (with "import the good rows").
    report: ImportReport | None = None
    skipped: list[RowError] = field(default_factory=list)
    # Refused: what kind of refusal ("invalid": the file; "denied": someone in it is not the
    # coordinator's to import; "conflict", "not_found"), why, and every problem (row, column,
    # value, reason).
    refusal: str = ""
    message: str = ""
    errors: list[RowError] = field(default_factory=list)

    @property
    def finished(self) -> bool:
        """Whether the import has ended (done, refused or failed) or stalled."""
        return self.stalled or self.status in (
            ImportStatus.DONE, ImportStatus.REFUSED, ImportStatus.FAILED)


def start_import(
    session: Session, actor: Actor | None, data: bytes, filename: str, *,
    partial: bool = False, programme_id: int | None = None,
    column_map: ColumnMap | None = None, sheet: str | None = None,
    url: str | None = None, taxonomy_path: str | None = None,
) -> int:
    """Keep an upload, queue its import into the programme (as `import_profiles` picks it) and
    start the job; return the import's id.

    Commits the caller's session, so the job (another connection) sees the import queued.
    """
    require_coordinator(actor, "import people")
    programme = programme_in_view(session, actor, programme_id)
    now = datetime.now(UTC)
    # Uploads of imports long over are not kept: they are personal data.
    session.execute(update(ImportJob).where(
        ImportJob.data.is_not(None), ImportJob.created_at < now - timedelta(
            seconds=KEEP_UPLOAD_SECONDS)).values(data=None)
        .execution_options(synchronize_session=False))
    job = ImportJob(owner_id=actor.id if actor is not None else None, programme_id=programme.id,
                    filename=filename[:255], sheet=sheet, partial=partial,
                    column_map=column_map.as_data() if column_map is not None else None,
                    status=ImportStatus.QUEUED, job_id=uuid.uuid4().hex, attempts=1,
                    stage="queued", heartbeat_at=now, rows_validated=0, rows_imported=0,
                    data=data, created_at=now)
    session.add(job)
    session.flush()
    record_event(session, actor, "people.import_queued", "import_job", job.id,
                 programme=programme.id, mapped=column_map is not None)
    import_id, job_id = job.id, job.job_id
    session.commit()
    _enqueue(session, import_id, job_id, url, taxonomy_path)
    return import_id


def retry_import(session: Session, actor: Actor | None, import_id: int, *,
                 url: str | None = None, taxonomy_path: str | None = None,
                 now: datetime | None = None) -> int:
    """Run a failed or stalled import again under a new job id; only whoever started it may
    (the job acts as them). Commits the caller's session. Conflict when it is not retryable."""
    job = _job_of_actor(session, actor, import_id)
    if actor is not None and not actor.is_admin and job.owner_id != actor.id:
        raise PermissionDenied("only the coordinator who started an import tries it again")
    now = now or datetime.now(UTC)
    job_id = uuid.uuid4().hex
    changed = session.execute(
        update(ImportJob)
        .where(ImportJob.id == import_id, ImportJob.data.is_not(None),
               (ImportJob.status == ImportStatus.FAILED) | _stalled(
                   now, _lost(session, [job]), waiting=_waiting(session, import_id, now)))
        .values(status=ImportStatus.QUEUED, job_id=job_id, stage="queued",
                heartbeat_at=datetime.now(UTC),
                attempts=ImportJob.attempts + 1, rows_validated=0, rows_imported=0,
                quiet_until=None, failure_reason="", finished_at=None)
        .execution_options(synchronize_session=False)).rowcount
    if changed != 1:
        session.rollback()
        current = session.get(ImportJob, import_id, populate_existing=True)
        state = current.status if current.data is not None or current.status != \
            ImportStatus.FAILED else "failed and its upload is no longer kept"
        raise Conflict(f"this import is {state}; it cannot be tried again (upload the file "
                       "again to import it)")
    record_event(session, actor, "people.import_retry", "import_job", import_id, job=job_id)
    session.commit()
    _enqueue(session, import_id, job_id, url, taxonomy_path)
    return import_id


def import_progress(session: Session, actor: Actor | None, import_id: int, *,
                    now: datetime | None = None) -> ImportProgress:
    """Return an import's state for a page (of a programme the actor may see).

    Reads only: a stalled job is reported as such, and `retry_import` runs it again.
    """
    job = _job_of_actor(session, actor, import_id)
    now = now or datetime.now(UTC)
    waiting = _waiting(session, import_id, now)
    stalled = session.scalar(select(_stalled(now, _lost(session, [job]), waiting=waiting)
                                    .label("stalled")).where(ImportJob.id == import_id))
    result = job.result or {}
    report = None
    if job.status == ImportStatus.DONE and "report" in result:
        data = result["report"]
        report = ImportReport(
            created=data["created"], updated=data["updated"], skipped=data["skipped"],
            managers_added=data["managers_added"], warnings=list(data["warnings"]),
            skill_warnings=[RowError(*problem) for problem in data["skill_warnings"]],
            enrolled=data["enrolled"], programme_id=data["programme_id"])
    has_data = session.scalar(select(ImportJob.data.is_not(None)).where(
        ImportJob.id == import_id))
    return ImportProgress(
        id=job.id, filename=job.filename, status=job.status, stage=job.stage,
        rows_total=job.rows_total, rows_validated=job.rows_validated,
        rows_imported=job.rows_imported, stalled=bool(stalled),
        waiting=waiting and job.status == ImportStatus.RUNNING,
        retryable=bool(has_data) and (bool(stalled) or job.status == ImportStatus.FAILED),
        mapped=job.column_map is not None, partial=job.partial, programme_id=job.programme_id,
        owner_id=job.owner_id, failure_reason=job.failure_reason, report=report,
        skipped=[RowError(*problem) for problem in result.get("skipped", [])],
        refusal=result.get("refusal", ""), message=result.get("message", ""),
        errors=[RowError(*problem) for problem in result.get("errors", [])])


def wait_for_import(session: Session, actor: Actor | None, import_id: int, seconds: float,
                    ) -> ImportProgress:
    """Return the import's state once it has finished, or after `seconds` however far it got
    (a small file is done by then, and its page shows the result at once).

    Each look is a read-only transaction of its own, so that on SQLite it never waits for the
    job's write lock.
    """
    deadline = time.monotonic() + seconds
    pause = 0.02
    while True:
        session.rollback()
        session.connection(execution_options={READ_ONLY: True})
        progress = import_progress(session, actor, import_id)
        if progress.finished or time.monotonic() >= deadline:
            return progress  # the page reads on in this read-only transaction
        time.sleep(min(pause, max(deadline - time.monotonic(), 0)))
        pause = min(pause * 2, 0.25)


def _job_of_actor(session: Session, actor: Actor | None, import_id: int) -> ImportJob:
    """The import, if the actor may see its programme (PermissionDenied else)."""
    require_coordinator(actor, "see imports")
    job = session.get(ImportJob, import_id, populate_existing=True)
    if job is None:
        raise NotFound(f"no import {import_id}")
    if not can_see_programme(session, actor, job.programme_id):
        raise PermissionDenied("this import is of a programme that is not one of yours")
    return job


def _waiting(session: Session, import_id: int, now: datetime) -> bool:
    """Whether, on SQLite, another import holds the one write lock (it said so, and for how
    long at most, with quiet_until): every other job's heartbeat waits for it meanwhile."""
    if session.get_bind().dialect.name != "sqlite":
        return False
    return session.scalar(select(ImportJob.id).where(
        ImportJob.id != import_id, ImportJob.status == ImportStatus.RUNNING,
        ImportJob.quiet_until.is_not(None), ImportJob.quiet_until > now).limit(1)) is not None


def _stalled(now: datetime, lost: list[str] = (), *, waiting: bool = False,
             ) -> ColumnElement[bool]:
    """The condition of an import whose job stopped reporting (or was lost in the queue).

    A running one `waiting` for another's write lock (see `_waiting`) is not stalled.
    """
    queued_after = QUEUED_STALE_AFTER_SECONDS if queue_configured() else \
        STALE_AFTER_SECONDS
    running = false() if waiting else (
        (ImportJob.status == ImportStatus.RUNNING)
        & (ImportJob.quiet_until.is_(None) | (ImportJob.quiet_until < now))
        & (ImportJob.heartbeat_at.is_(None)
           | (ImportJob.heartbeat_at < now - timedelta(seconds=STALE_AFTER_SECONDS))))
    return (
        running
        | ((ImportJob.status == ImportStatus.QUEUED) & (
            ImportJob.heartbeat_at.is_(None)
            | (ImportJob.heartbeat_at < now - timedelta(seconds=queued_after))
            | ImportJob.job_id.in_(list(lost))))
    )


def _lost(session: Session, jobs: list[ImportJob]) -> list[str]:
    """The job ids of these queued imports that Redis no longer holds (never to run)."""
    cutoff = datetime.now(UTC) - timedelta(seconds=QUEUED_GRACE_SECONDS)
    waiting = [job.job_id for job in jobs if job.status == ImportStatus.QUEUED
               and job.heartbeat_at is not None and job.heartbeat_at < cutoff]
    return sorted(lost_queued_jobs(waiting))


def _enqueue(session: Session, import_id: int, job_id: str, url: str | None,
             taxonomy_path: str | None) -> None:
    """Start the job: on the RQ queue with REDIS_URL, else in a thread of this process."""
    def refused(error: Exception) -> None:  # the page says so; the upload is kept to try again
        sessions = make_session_factory(session.get_bind())
        _claim(sessions, import_id, job_id)
        _finish(sessions, import_id, job_id, ImportStatus.FAILED,
                failure_reason=f"could not queue the job: {error}")

    # A failure in a thread is recorded by run_import_job on the import and in the log.
    run_in_background(run_import_job, import_id, job_id=job_id, url=url,
                      taxonomy_path=taxonomy_path, thread_name=f"import-{import_id}",
                      job_timeout=3 * 3600, queue=QUEUE, on_error=refused)


def run_import_job(import_id: int, url: str | None, taxonomy_path: str | None = None,
                   job_id: str = "", hook: Callable[[str, int], None] | None = None) -> None:
    """Validate and import a queued import's upload, reporting progress; the job's body.

    Claims the import first (only one worker runs a job id). Every write is conditional on the
    import still running *this* job id, so an attempt given up for dead that wakes writes
    nothing. `hook` (for tests) hears each progress report as (stage, count).
    """
    engine = make_engine(url)
    sessions = make_session_factory(engine)
    try:
        if not _claim(sessions, import_id, job_id):
            log.info("import %s: job %s is not the one to run it", import_id, job_id)
            return
        _run_claimed(sessions, import_id, job_id, taxonomy_path, hook)
    finally:
        engine.dispose()


def _run_claimed(sessions: sessionmaker[Session], import_id: int, job_id: str,
                 taxonomy_path: str | None, hook: Callable[[str, int], None] | None) -> None:
    counts: dict[str, Any] = {"stage": "validating", "rows_total": None, "rows_validated": 0,
                              "rows_imported": 0, "quiet_until": None}
    stop = threading.Event()
    quiet = threading.Event()  # set while the job itself holds SQLite's write lock

    def beat() -> None:
        while not stop.wait(HEARTBEAT_SECONDS):
            if not quiet.is_set():
                _report(sessions, import_id, job_id, counts)

    def told(stage: str, key: str) -> Callable[[int], None]:
        def progress(count: int) -> None:
            counts[key] = count
            if hook is not None:
                hook(stage, count)
        return progress

    heart = threading.Thread(target=beat, name=f"import-{import_id}-heartbeat", daemon=True)
    heart.start()
    try:
        with sessions() as session:
            job = session.get(ImportJob, import_id)
            data, owner_id, programme_id = job.data, job.owner_id, job.programme_id
            partial, sheet, map_data = job.partial, job.sheet, job.column_map
        if data is None:
            raise InvalidInput("the upload is no longer kept", [RowError(
                0, "", "", "the upload is no longer kept: upload the file again")])
        column_map = column_map_from_data(map_data) if map_data is not None else None
        # The problems are read on a coordinator's page, where the Skills page lists the names.
        taxonomy = replace(load_taxonomy(taxonomy_path), guide=SKILLS_GUIDE)
        counts["rows_total"] = count_rows(data)
        _report(sessions, import_id, job_id, counts)
        table = read_profiles(data, taxonomy, partial=partial, column_map=column_map,
                              sheet=sheet, progress=told("validating", "rows_validated"))
        del data  # the table is all the rest needs
        counts["stage"] = "importing"
        if sessions.kw["bind"].dialect.name == "sqlite":
            quiet.set()
            counts["quiet_until"] = datetime.now(UTC) + timedelta(
                seconds=STALE_AFTER_SECONDS + SQLITE_SECONDS_PER_PERSON * len(table.records))
        _report(sessions, import_id, job_id, counts)
        report = _write(sessions, import_id, job_id, owner_id, programme_id, table, taxonomy,
                        column_map, told("importing", "rows_imported"))
        if report is None:
            return
    except DomainError as error:  # the file or the right to it: the coordinator is told
        log.info("import %s refused: %s", import_id, error)
        _finish(sessions, import_id, job_id, ImportStatus.REFUSED, result={
            "refusal": _refusal(error), "message": str(error),
            "errors": _problem_rows(getattr(error, "errors", []))})
    except Exception as error:  # any failure must end as a failed import, never a running one
        log.exception("import %s failed", import_id)
        _finish(sessions, import_id, job_id, ImportStatus.FAILED,
                failure_reason=_failure_reason(error))
    finally:
        stop.set()
        heart.join()


def _write(sessions: sessionmaker[Session], import_id: int, job_id: str, owner_id: int | None,
           programme_id: int, table, taxonomy, column_map: ColumnMap | None,
           progress: Callable[[int], None]) -> ImportReport | None:
    """Import the table and mark the import done, in one transaction; None if another job
    has the import meanwhile (this one's work is rolled back)."""
    with _write_session(sessions, import_id) as session:
        owner = session.get(Person, owner_id) if owner_id is not None else None
        if owner is None:
            raise PermissionDenied("the coordinator who started this import no longer has an "
                                   "account")
        if column_map is not None:
            report = import_mapped_profiles(session, owner, table, taxonomy,
                                            column_map=column_map, programme_id=programme_id,
                                            progress=progress)
        else:
            report = import_profiles(session, owner, table, taxonomy, programme_id=programme_id,
                                     progress=progress)
        # Locked last, not first: the heartbeat writes this row meanwhile.
        current = session.get(ImportJob, import_id, with_for_update=True,
                              populate_existing=True)
        if current.status != ImportStatus.RUNNING or current.job_id != job_id:
            log.info("import %s: job %s was superseded; its work is dropped", import_id, job_id)
            return None  # rolled back as the session closes
        current.status = ImportStatus.DONE
        current.stage = "done"
        current.rows_imported = len(table.records)
        current.result = {"report": _report_data(report), "skipped": _problem_rows(table.errors)}
        current.data = None
        current.finished_at = current.heartbeat_at = datetime.now(UTC)
        session.commit()
        return report


def _write_session(sessions: sessionmaker[Session], import_id: int) -> Session:
    """A session whose write transaction has begun (closing it uncommitted rolls it back).

    SQLite has one write lock, taken at BEGIN: another import writing may hold it longer than
    the busy timeout, so BEGIN is tried again meanwhile (PostgreSQL's locks wait by themselves).
    """
    for attempt in range(LOCK_ATTEMPTS):
        session = sessions()
        try:
            session.connection()
            return session
        except OperationalError as error:
            session.close()
            if sessions.kw["bind"].dialect.name != "sqlite" or "locked" not in str(error) \
                    or attempt == LOCK_ATTEMPTS - 1:
                raise
            log.info("import %s waits for another writer", import_id)
    raise AssertionError("unreachable")


def _report_data(report: ImportReport) -> dict[str, Any]:
    """An import's report as JSON-ready data (what `import_progress` reads back)."""
    return {"created": report.created, "updated": report.updated, "skipped": report.skipped,
            "managers_added": report.managers_added, "warnings": list(report.warnings),
            "skill_warnings": _problem_rows(report.skill_warnings),
            "enrolled": report.enrolled, "programme_id": report.programme_id}


def _failure_reason(error: Exception) -> str:
    """What a failed import's page says stopped it: the error's kind and its first line.

    A database error's further lines hold the statement and its values (the file's people):
    they stay in the log, not on a page every coordinator of the programme may read.
    """
    lines = str(error).strip().splitlines()
    return f"{type(error).__name__}: {lines[0][:300]}" if lines else type(error).__name__


def _refusal(error: DomainError) -> str:
    """The kind of a refusal, as a code (a page answers with the status that goes with it)."""
    for kind, code in ((InvalidInput, "invalid"), (PermissionDenied, "denied"),
                       (Conflict, "conflict"), (NotFound, "not_found")):
        if isinstance(error, kind):
            return code
    return "invalid"


def _problem_rows(problems: list[RowError]) -> list[list[Any]]:
    """Problems as JSON-ready rows (row, column, value, reason), read back as RowError(*row)."""
    return [[p.row, p.column, p.value, p.reason] for p in problems]


def _claim(sessions: sessionmaker[Session], import_id: int, job_id: str) -> bool:
    """Mark a queued import running under this job id; whether it was this job's to run."""
    with sessions() as session, session.begin():
        return session.execute(
            update(ImportJob).where(ImportJob.id == import_id,
                                    ImportJob.status == ImportStatus.QUEUED,
                                    ImportJob.job_id == job_id)
            .values(status=ImportStatus.RUNNING, stage="validating",
                    heartbeat_at=datetime.now(UTC))
            .execution_options(synchronize_session=False)).rowcount == 1


def _report(sessions: sessionmaker[Session], import_id: int, job_id: str,
            counts: dict[str, Any]) -> None:
    """Write the job's stage, counts and heartbeat in a short transaction of its own."""
    try:
        with sessions() as session, session.begin():
            session.execute(
                update(ImportJob).where(ImportJob.id == import_id,
                                        ImportJob.status == ImportStatus.RUNNING,
                                        ImportJob.job_id == job_id)
                .values(**counts, heartbeat_at=datetime.now(UTC))
                .execution_options(synchronize_session=False))
    except Exception:  # a missed heartbeat must not kill the job; the next one may pass
        log.warning("import %s: could not record progress", import_id, exc_info=True)


def _finish(sessions: sessionmaker[Session], import_id: int, job_id: str,
            status: ImportStatus, *, result: dict | None = None, failure_reason: str = "",
            ) -> None:
    """End the import as refused or failed, if it is still running this job. A refused
    import's upload goes (the file must be mended); a failed one's stays to try again."""
    values: dict[str, Any] = {"status": status, "stage": str(status),
                              "failure_reason": failure_reason[:2000],
                              "finished_at": datetime.now(UTC)}
    if result is not None:
        values["result"] = result
    if status != ImportStatus.FAILED:
        values["data"] = None
    with sessions() as session, session.begin():
        session.execute(update(ImportJob).where(ImportJob.id == import_id,
                                                ImportJob.status == ImportStatus.RUNNING,
                                                ImportJob.job_id == job_id)
                        .values(**values).execution_options(synchronize_session=False))

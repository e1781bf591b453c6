"""Long rounds run as jobs: a background thread by default, RQ workers when REDIS_URL is set.

A job records its stage, percentage and a heartbeat on the round, so a page can show a progress
bar. A job that fails marks the round failed with the reason. A job that dies without a word (a
killed worker) stops its heartbeat; `fail_stale_rounds` then marks the round failed, and it can
be run again.
"""

from __future__ import annotations

import logging
import os
import threading
import time
import uuid
from collections.abc import Callable
from datetime import UTC, datetime

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from mentorship.core.audit import record_event
from mentorship.core.background import QUEUE, run_in_background
from mentorship.core.db import make_engine, make_session_factory
from mentorship.core.errors import Conflict, DomainError, NotFound
from mentorship.core.permissions import Actor
from mentorship.rounds.choice import expire_requests
from mentorship.rounds.liveness import (
    HEARTBEAT_SECONDS,
    STALE_AFTER_SECONDS,
    lost_queued_jobs,
    queued_job,
    stalled_job,
)
from mentorship.rounds.models import Round, RoundStatus
from mentorship.rounds.queries import round_of_actor
from mentorship.rounds.rematch import retry_stale_rematches
from mentorship.rounds.run import (
    compute_round,
    engine_part,
    read_round_inputs,
    refuse_choice_before_its_window,
    store_preview,
)
from mentorship.taxonomy import load_taxonomy
from mentorship.taxonomy.sync import sync_replacements

__all__ = [
    "HEARTBEAT_SECONDS",
    "STALE_AFTER_SECONDS",
    "fail_stale_rounds",
    "mark_running",
    "run_preview_job",
    "run_worker",
    "start_preview",
]

log = logging.getLogger(__name__)

#: The longest wait between two attempts of a worker to reach Redis again, in seconds.
MAX_RECONNECT_PAUSE = 30


def fail_stale_rounds(session: Session, *, stale_after: float = STALE_AFTER_SECONDS,
                      now: datetime | None = None) -> list[int]:
    """Mark failed every running round whose job stopped reporting; return their ids.

    One conditional UPDATE, so two readers doing this at once cannot clash.
    """
    now = now or datetime.now(UTC)
    stale = stalled_job(now, stale_after=stale_after)
    failed = _fail_rounds(session, stale, list(session.scalars(select(Round.id).where(stale))),
                          "the job stopped reporting; its worker was probably stopped. Run the "
                          "preview again.", "stale job")
    waiting = dict(session.execute(select(Round.job_id, Round.id).where(queued_job(now))).all())
    lost = lost_queued_jobs(sorted(waiting))
    failed += _fail_rounds(session, queued_job(now) & Round.job_id.in_(lost),
                           [waiting[job] for job in sorted(lost)],
                           "the queued job was lost (Redis was emptied or restarted before a "
                           "worker took it). Run the preview again.", "lost job")
    return failed


def _fail_rounds(session: Session, condition, ids: list[int], reason: str, code: str) -> list[int]:
    """Mark failed the rounds among `ids` that still meet `condition` (one conditional UPDATE)."""
    if not ids:
        return []
    session.execute(
        update(Round).where(condition, Round.id.in_(ids))
        .values(status=RoundStatus.FAILED, version=Round.version + 1, failure_reason=reason)
        .execution_options(synchronize_session=False))
    for round_id in ids:
        record_event(session, None, "round.fail", "round", round_id, reason=code)
    session.expire_all()
    session.flush()
    return ids


def mark_running(session: Session, actor: Actor | None, round_id: int) -> str:
    """Mark a draft, previewed or failed round running under a new job id, and commit."""
    round_of_actor(session, actor, round_id)
    fail_stale_rounds(session)
    current = session.get(Round, round_id)
    if current is not None:
        refuse_choice_before_its_window(current)
    job_id = uuid.uuid4().hex
    changed = session.execute(
        update(Round)
        .where(Round.id == round_id, Round.status.in_(
            [RoundStatus.DRAFT, RoundStatus.PREVIEWED, RoundStatus.FAILED]))
        .values(status=RoundStatus.RUNNING, job_id=job_id, heartbeat_at=datetime.now(UTC),
                progress_stage="queued", progress_percent=0, failure_reason="",
                version=Round.version + 1)
        .execution_options(synchronize_session=False)
    ).rowcount
    if changed != 1:
        current = session.get(Round, round_id)
        if current is None:
            raise NotFound(f"no round {round_id}")
        raise Conflict(f"round {round_id} is {current.status}; it cannot be run now")
    record_event(session, actor, "round.run", "round", round_id, job=job_id)
    session.commit()
    session.expire_all()
    return job_id


def start_preview(session: Session, actor: Actor | None, round_id: int, *,
                  url: str | None = None, taxonomy_path: str | None = None) -> str:
    """Mark a round running and start its preview job; return the job id.

    Commits the caller's session, so the job (another connection) sees the round running.
    """
    job_id = mark_running(session, actor, round_id)

    def refused(error: Exception) -> None:
        _mark_failed(make_session_factory(session.get_bind()), round_id, job_id,
                     f"could not queue the job: {error}")
        raise Conflict(f"round {round_id} could not be queued: {error}") from error

    # A failure in a thread is recorded by run_preview_job on the round and in the log.
    run_in_background(run_preview_job, round_id, job_id=job_id, url=url,
                      taxonomy_path=taxonomy_path, thread_name=f"round-{round_id}",
                      job_timeout=3 * 3600, queue=QUEUE, on_error=refused)
    return job_id


def run_preview_job(round_id: int, url: str | None, taxonomy_path: str | None = None,
                    job_id: str = "", progress: Callable[[str, float], None] | None = None,
                    ) -> None:
    """Compute and store a running round's preview, reporting progress; the job's body.

    Every write is conditional on the round still running *this* job, so a job that was
    given up for dead and then wakes cannot overwrite a newer run.
    """
    engine = make_engine(url)
    sessions = make_session_factory(engine)
    stop = threading.Event()
    stage = {"name": "starting", "percent": 0}

    def beat() -> None:
        _report(sessions, round_id, job_id, stage)  # picked up: no longer just queued
        while not stop.wait(HEARTBEAT_SECONDS):
            _report(sessions, round_id, job_id, stage)

    heart = threading.Thread(target=beat, daemon=True)
    heart.start()
    try:
        taxonomy = load_taxonomy(taxonomy_path)
        with sessions() as session, session.begin():
            sync_replacements(session, None, taxonomy)  # as preview_round does
            inputs = read_round_inputs(session, session.get(Round, round_id))

        def report(name: str, fraction: float) -> None:
            stage.update(name=name, percent=int(100 * fraction))
            if progress is not None:
                progress(name, fraction)

        result = compute_round(inputs.profiles, inputs.settings, taxonomy, engine_part(report))
        with sessions() as session, session.begin():
            current = session.get(Round, round_id, with_for_update=True)
            if current.status != RoundStatus.RUNNING or current.job_id != job_id:
                raise Conflict(f"round {round_id} is {current.status} with another job; this "
                               "job's result is dropped")
            store_preview(session, None, current, inputs, result, report)
    except DomainError as error:  # bad input or a conflict: the user is told, no traceback
        details = "; ".join(str(e) for e in getattr(error, "errors", [])[:5])
        log.info("round %s failed: %s %s", round_id, error, details)
        _mark_failed(sessions, round_id, job_id, f"{error}{': ' + details if details else ''}")
        raise
    except Exception as error:  # any failure must end as a failed round, never a running one
        log.exception("round %s failed", round_id)
        _mark_failed(sessions, round_id, job_id, f"{type(error).__name__}: {error}")
        raise
    finally:
        stop.set()
        heart.join()
        engine.dispose()


def _mark_failed(sessions, round_id: int, job_id: str, reason: str) -> None:
    """Mark the round failed if it is still running this job."""
    with sessions() as session, session.begin():
        session.execute(update(Round).where(Round.id == round_id,
                                            Round.status == RoundStatus.RUNNING,
                                            Round.job_id == job_id)
                        .values(status=RoundStatus.FAILED, failure_reason=reason[:2000],
                                version=Round.version + 1))


def run_worker(*, burst: bool = False) -> None:
    """Work on the RQ queue at REDIS_URL (for `mentorship worker`)."""
    from redis import Redis
    from redis.exceptions import ConnectionError as RedisConnectionError
    from redis.exceptions import TimeoutError as RedisTimeoutError
    from rq import Queue, Worker

    engine = make_engine()
    with make_session_factory(engine)() as session, session.begin():
        fail_stale_rounds(session)
        expire_requests(session)
    with make_session_factory(engine)() as session:
        retry_stale_rematches(session)  # re-matches whose worker died are queued again
    engine.dispose()
    pause = 1.0
    while True:
        connection = Redis.from_url(os.environ["REDIS_URL"])
        try:
            Worker([Queue(QUEUE, connection=connection)], connection=connection).work(burst=burst)
            return
        except (RedisConnectionError, RedisTimeoutError) as error:
            if burst:
                raise
            # Redis restarted or the network blinked: try again, waiting longer each time.
            log.warning("worker lost Redis (%s); reconnecting in %.0f s", error, pause)
            time.sleep(pause)
            pause = min(pause * 2, MAX_RECONNECT_PAUSE)


def _report(sessions, round_id: int, job_id: str, stage: dict) -> None:
    """Write the job's stage, percentage and heartbeat in a short transaction of its own."""
    try:
        with sessions() as session, session.begin():
            session.execute(update(Round).where(Round.id == round_id,
                                                Round.status == RoundStatus.RUNNING,
                                                Round.job_id == job_id)
                            .values(progress_stage=stage["name"][:40],
                                    progress_percent=stage["percent"],
                                    heartbeat_at=datetime.now(UTC)))
    except Exception:  # a missed heartbeat must not kill the job; the next one may pass
        log.warning("round %s: could not record progress", round_id, exc_info=True)

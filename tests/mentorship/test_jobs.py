"""Rounds computed as jobs: progress on the round, failures recorded, dead jobs never stuck."""

import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from redis import Redis
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from mentorship.core.db import make_engine
from mentorship.core.errors import Conflict
from mentorship.migrate import upgrade_database
from mentorship.profiles.csv_io import read_profiles_csv
from mentorship.profiles.operations import import_profiles
from mentorship.rounds import jobs
from mentorship.rounds.models import Match, Round, RoundStatus
from mentorship.rounds.operations import create_round

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "library_staff.csv"


@pytest.fixture
def staffed(private_database, taxonomy):
    """A committed database with the example staff and a draft round; yields (engine, round)."""
    engine = make_engine(private_database)
    upgrade_database(engine)
    with Session(engine) as session, session.begin():
        import_profiles(session, None, read_profiles_csv(EXAMPLE, taxonomy), taxonomy)
        round_id = create_round(session, None, "job").id
    yield engine, round_id
    engine.dispose()


def wait_for(engine, round_id, statuses, seconds=60.0) -> Round:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        with Session(engine) as session:
            current = session.get(Round, round_id)
            if current.status in statuses:
                return current
        time.sleep(0.1)
    raise AssertionError(f"round {round_id} never reached {statuses}")


def test_thread_job_previews_and_records_progress(staffed, monkeypatch, private_database):
    monkeypatch.delenv("REDIS_URL", raising=False)
    engine, round_id = staffed
    with Session(engine) as session:
        jobs.start_preview(session, None, round_id, url=private_database)
        with pytest.raises(Conflict, match="running"):
            jobs.start_preview(session, None, round_id, url=private_database)
    done = wait_for(engine, round_id, {RoundStatus.PREVIEWED, RoundStatus.FAILED})
    assert done.status == RoundStatus.PREVIEWED, done.failure_reason
    assert (done.progress_stage, done.progress_percent) == ("done", 100)
    with Session(engine) as session:
        assert session.scalar(select(func.count()).select_from(Match)) > 50


def test_failed_job_marks_the_round_failed_and_can_be_retried(staffed, monkeypatch,
                                                               private_database):
    monkeypatch.delenv("REDIS_URL", raising=False)
    engine, round_id = staffed

    def broken(*args, **kwargs):
        raise RuntimeError("solver exploded")

    monkeypatch.setattr(jobs, "compute_round", broken)
    with Session(engine) as session:
        jobs.start_preview(session, None, round_id, url=private_database)
    failed = wait_for(engine, round_id, {RoundStatus.FAILED, RoundStatus.PREVIEWED})
    assert failed.status == RoundStatus.FAILED
    assert "solver exploded" in failed.failure_reason
    monkeypatch.undo()
    monkeypatch.delenv("REDIS_URL", raising=False)
    with Session(engine) as session:
        jobs.start_preview(session, None, round_id, url=private_database)
    assert wait_for(engine, round_id, {RoundStatus.PREVIEWED}).status == RoundStatus.PREVIEWED


def test_a_job_that_died_is_failed_not_stuck(staffed, private_database):
    """A killed worker stops its heartbeat: the round is failed, then runs again."""
    engine, round_id = staffed
    with Session(engine) as session, session.begin():
        current = session.get(Round, round_id)
        current.status = RoundStatus.RUNNING
        current.heartbeat_at = datetime.now(UTC) - timedelta(minutes=10)
    with Session(engine) as session, session.begin():
        assert jobs.fail_stale_rounds(session) == [round_id]
    with Session(engine) as session:
        current = session.get(Round, round_id)
        assert current.status == RoundStatus.FAILED
        assert "stopped reporting" in current.failure_reason


def test_rq_worker_runs_the_job(staffed, monkeypatch, private_database):
    redis_url = "redis://127.0.0.1:6379/15"
    try:
        Redis.from_url(redis_url).ping()
    except Exception as error:  # Redis runs on this project's machines; say so if it is gone
        pytest.fail(f"Redis is not reachable at {redis_url}: {error}")
    from rq import Queue, SimpleWorker

    engine, round_id = staffed
    monkeypatch.setenv("REDIS_URL", redis_url)
    monkeypatch.setenv("DATABASE_URL", private_database)  # workers read their own
    monkeypatch.setattr(jobs, "QUEUE", f"test-{round_id}-{time.monotonic_ns()}")
    with Session(engine) as session:
        job_id = jobs.start_preview(session, None, round_id, url=private_database)
    connection = Redis.from_url(redis_url)
    queue = Queue(jobs.QUEUE, connection=connection)
    assert queue.job_ids == [job_id]
    SimpleWorker([queue], connection=connection).work(burst=True)
    done = wait_for(engine, round_id, {RoundStatus.PREVIEWED, RoundStatus.FAILED}, seconds=5)
    assert done.status == RoundStatus.PREVIEWED, done.failure_reason
    assert done.job_id == job_id


def test_a_queued_job_that_redis_lost_fails_retryably(staffed, monkeypatch, private_database):
    from mentorship.rounds.queries import round_progress

    redis_url = "redis://127.0.0.1:6379/15"
    engine, round_id = staffed
    monkeypatch.setenv("REDIS_URL", redis_url)
    monkeypatch.setenv("DATABASE_URL", private_database)
    monkeypatch.setattr(jobs, "QUEUE", f"test-lost-{round_id}-{time.monotonic_ns()}")
    with Session(engine) as session:
        job_id = jobs.start_preview(session, None, round_id, url=private_database)
    Redis.from_url(redis_url).delete(f"rq:job:{job_id}")  # as if Redis restarted empty
    later = datetime.now(UTC) + timedelta(seconds=30)
    with Session(engine) as session:
        assert round_progress(session, None, round_id, now=later).stalled  # the page says so
    with Session(engine) as session, session.begin():
        assert jobs.fail_stale_rounds(session, now=later) == [round_id]
    with Session(engine) as session:
        failed = session.get(Round, round_id)
        assert failed.status == RoundStatus.FAILED and "queued job was lost" in failed.failure_reason
    with Session(engine) as session:  # and it can be run again
        assert jobs.mark_running(session, None, round_id)


WORKER = """
import logging, sys
logging.basicConfig(level=logging.WARNING)
from mentorship.rounds import jobs
jobs.QUEUE = sys.argv[1]
jobs.MAX_RECONNECT_PAUSE = 0.5
jobs.run_worker()
"""


def until(condition, seconds: float) -> None:
    """Wait until `condition()` is true, or `seconds` pass."""
    deadline = time.monotonic() + seconds
    while not condition() and time.monotonic() < deadline:
        time.sleep(0.1)


def test_the_worker_survives_a_redis_restart(staffed, monkeypatch, private_database, tmp_path):
    import shutil
    import socket
    import subprocess
    import sys

    from rq import Queue

    if shutil.which("redis-server") is None:
        pytest.fail("redis-server is not installed (CI installs it)")
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    redis_url = f"redis://127.0.0.1:{port}/0"

    def start_redis():
        server = subprocess.Popen(["redis-server", "--port", str(port), "--bind", "127.0.0.1",
                                   "--save", "", "--appendonly", "no", "--dir", str(tmp_path)],
                                  stdout=subprocess.DEVNULL)
        for _ in range(50):
            try:
                Redis.from_url(redis_url).ping()
                return server
            except Exception:
                time.sleep(0.1)
        raise AssertionError("redis-server did not start")

    engine, round_id = staffed
    queue_name = f"restart-{round_id}"
    env = {**__import__("os").environ, "REDIS_URL": redis_url, "DATABASE_URL": private_database}
    server = start_redis()
    log = tmp_path / "worker.log"
    with log.open("w") as worker_log:
        worker = subprocess.Popen([sys.executable, "-c", WORKER, queue_name], env=env,
                                  stderr=worker_log)
    try:
        # Polled, not slept: a busy machine may take seconds to start the worker.
        from rq import Worker

        connection = Redis.from_url(redis_url)
        until(lambda: Worker.all(connection=connection) or worker.poll() is not None, 60)
        assert worker.poll() is None, log.read_text()
        server.terminate()
        server.wait(timeout=10)
        # The worker lost Redis and keeps trying: RQ itself retries its connection, and the
        # loop around it (run_worker) restarts the worker when RQ gives up.
        retrying = ("reconnecting", "retrying in")
        until(lambda: any(w in log.read_text() for w in retrying) or worker.poll() is not None,
              60)
        assert worker.poll() is None, log.read_text()
        assert any(w in log.read_text() for w in retrying), log.read_text()
        server = start_redis()  # empty, as after a restart
        monkeypatch.setenv("REDIS_URL", redis_url)
        monkeypatch.setattr(jobs, "QUEUE", queue_name)
        with Session(engine) as session:
            jobs.start_preview(session, None, round_id, url=private_database)
        assert Queue(queue_name, connection=Redis.from_url(redis_url)).count <= 1
        done = wait_for(engine, round_id, {RoundStatus.PREVIEWED, RoundStatus.FAILED}, seconds=60)
        assert done.status == RoundStatus.PREVIEWED, done.failure_reason
    finally:
        worker.terminate()
        try:
            worker.wait(timeout=10)
        except subprocess.TimeoutExpired:  # RQ waits out a job or a retry pause first
            worker.kill()
            worker.wait(timeout=10)
        server.terminate()
        server.wait(timeout=10)

"""Background dispatch: a daemon thread without REDIS_URL, an RQ job on the named queue with it."""

import threading
import time

import pytest
from redis import Redis
from redis.exceptions import RedisError

from mentorship.core import background

REDIS_URL = "redis://127.0.0.1:6379/11"  # a database of its own, emptied after each test
calls: list[tuple] = []
ran = threading.Event()


def record(subject_id, url, taxonomy_path, job_id):
    """A job that notes how it was called (module-level: RQ enqueues it by its import path)."""
    calls.append((subject_id, url, taxonomy_path, job_id, threading.current_thread().name))
    ran.set()


def explode(subject_id, url, taxonomy_path, job_id):
    ran.set()
    raise RuntimeError("the job records its own failure")


@pytest.fixture
def redis(monkeypatch):
    connection = Redis.from_url(REDIS_URL)
    try:
        connection.ping()
    except Exception as error:  # Redis runs on this project's machines; say so if it is gone
        pytest.fail(f"Redis is not reachable at {REDIS_URL}: {error}")
    monkeypatch.setenv("REDIS_URL", REDIS_URL)
    try:
        yield connection
    finally:
        connection.flushdb()


def start(job, **options):
    background.run_in_background(
        job, 7, **{"job_id": "job-7", "url": "sqlite:///somewhere.db", "taxonomy_path": "t.yaml",
                   "thread_name": "thing-7", "job_timeout": 60, "on_error": pytest.fail,
                   **options})


def test_without_redis_a_daemon_thread_runs_the_job_with_this_process_database(monkeypatch):
    monkeypatch.delenv("REDIS_URL", raising=False)
    calls.clear()
    ran.clear()
    start(record)
    assert ran.wait(5)
    assert calls == [(7, "sqlite:///somewhere.db", "t.yaml", "job-7", "thing-7")]


def test_a_job_failing_in_a_thread_ends_quietly(monkeypatch):
    monkeypatch.delenv("REDIS_URL", raising=False)
    ran.clear()
    start(explode)
    assert ran.wait(5)
    for thread in threading.enumerate():
        if thread.name == "thing-7":
            thread.join(5)


def test_with_redis_the_job_is_queued_on_the_named_queue_without_the_url(redis):
    from rq import Queue

    queue_name = f"test-background-{time.monotonic_ns()}"
    start(record, queue=queue_name)
    queue = Queue(queue_name, connection=redis)
    assert queue.job_ids == ["job-7"]
    job = queue.fetch_job("job-7")
    assert job.func_name == f"{__name__}.record"
    assert job.args == (7, None, "t.yaml", "job-7")  # the worker reads its own DATABASE_URL
    assert job.timeout == 60


def test_enqueue_without_a_job_id_lets_rq_name_it(redis):
    from rq import Queue

    queue_name = f"test-background-{time.monotonic_ns()}"
    background.enqueue(record, queue=queue_name, job_timeout=30, on_error=pytest.fail)
    [job] = Queue(queue_name, connection=redis).jobs
    assert job.args == () and job.timeout == 30


def test_a_refused_job_is_handed_to_on_error(monkeypatch):
    monkeypatch.setenv("REDIS_URL", "redis://127.0.0.1:1/0")  # nothing listens there
    refused = []
    start(record, on_error=refused.append)
    [error] = refused
    assert isinstance(error, RedisError)

"""Background jobs: on the RQ queue at REDIS_URL when it is set, else in a daemon thread here.

One rule for every job (a round's preview, a web import, a decline's re-match, the outbox):
with REDIS_URL set, `mentorship worker` runs it; without, a thread of this process does. What a
job does when Redis refuses it is its own (`on_error`). Redis and RQ are imported only when a
job is queued.

RQ stores a job's function by its import path: the functions given here must be module-level
where `mentorship worker` can import them.
"""

from __future__ import annotations

import contextlib
import os
import threading
from collections.abc import Callable
from typing import Any

from mentorship.core.settings import database_url

__all__ = ["QUEUE", "enqueue", "queue_configured", "run_in_background"]

#: The queue `mentorship worker` works on.
QUEUE = "mentorship"


def queue_configured() -> bool:
    """Return whether jobs go to RQ workers (REDIS_URL is set) rather than to threads."""
    return bool(os.environ.get("REDIS_URL"))


def enqueue(function: Callable[..., Any], *args: Any, queue: str = QUEUE,
            job_id: str | None = None, job_timeout: int,
            on_error: Callable[[Exception], None]) -> None:
    """Queue `function(*args)` as an RQ job on `queue` at REDIS_URL.

    Should Redis refuse it, `on_error` is called with the RedisError, inside the handler (it
    may raise, chained to that error).
    """
    from redis import Redis
    from redis.exceptions import RedisError
    from rq import Queue

    options: dict[str, Any] = {"job_timeout": job_timeout}
    if job_id is not None:
        options["job_id"] = job_id
    try:
        Queue(queue, connection=Redis.from_url(os.environ["REDIS_URL"])).enqueue(
            function, *args, **options)
    except RedisError as error:
        on_error(error)


def run_in_background(job: Callable[[int, str | None, str | None, str], Any], subject_id: int,
                      *, job_id: str, url: str | None, taxonomy_path: str | None,
                      thread_name: str, job_timeout: int, queue: str = QUEUE,
                      on_error: Callable[[Exception], None]) -> None:
    """Start `job(subject_id, url, taxonomy_path, job_id)`: on RQ with REDIS_URL (as RQ job
    `job_id`, see `enqueue`), else in a daemon thread of this process.

    The RQ job is given no URL: the worker reads its own DATABASE_URL, so no credentials travel
    through Redis. The thread is given this process's database (`url`, see `database_url`).
    """
    if queue_configured():
        enqueue(job, subject_id, None, taxonomy_path, job_id, queue=queue, job_id=job_id,
                job_timeout=job_timeout, on_error=on_error)
        return
    threading.Thread(target=_run_quietly,
                     args=(job, subject_id, database_url(url), taxonomy_path, job_id),
                     name=thread_name, daemon=True).start()


def _run_quietly(job: Callable[..., Any], *args: Any) -> None:
    """Run a job in a thread, which has nobody to tell of a failure: the job records its own
    (on its row and in the log)."""
    with contextlib.suppress(Exception):
        job(*args)

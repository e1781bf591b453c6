"""When a round's background job is taken to be dead: the one rule, as a SQL condition.

The job writes a heartbeat every few seconds; a round still running whose heartbeat is too old
has lost its worker. `jobs.fail_stale_rounds` marks such rounds failed, and the review page's
progress reads the same condition without changing anything.
"""

from __future__ import annotations

import os
from datetime import datetime, timedelta

from sqlalchemy import ColumnElement

from mentorship.rounds.models import Round, RoundStatus

__all__ = ["HEARTBEAT_SECONDS", "QUEUED_STALE_AFTER_SECONDS", "STALE_AFTER_SECONDS", "lost_queued_jobs",
           "queued_job", "stalled_job"]

#: How often a running job records that it is alive.
HEARTBEAT_SECONDS = 5
#: A running round whose job has not reported for this long is taken to be dead.
STALE_AFTER_SECONDS = 60
#: A job still waiting in the queue (no worker has picked it up) is given this long.
QUEUED_STALE_AFTER_SECONDS = 6 * 3600
#: A queued job is looked for in Redis once it has been queued this long (it is put there
#: just after the round is marked running).
QUEUED_GRACE_SECONDS = 20


def stalled_job(now: datetime, *, stale_after: float = STALE_AFTER_SECONDS) -> ColumnElement[bool]:
    """Return the condition of a round that is running but whose job stopped reporting."""
    running_cutoff = now - timedelta(seconds=stale_after)
    queued_cutoff = now - timedelta(seconds=QUEUED_STALE_AFTER_SECONDS)
    return (Round.status == RoundStatus.RUNNING) & (
        Round.heartbeat_at.is_(None)
        | ((Round.progress_stage != "queued") & (Round.heartbeat_at < running_cutoff))
        | (Round.heartbeat_at < queued_cutoff)
    )


def queued_job(now: datetime) -> ColumnElement[bool]:
    """Return the condition of a round waiting in the queue long enough to be looked for."""
    return ((Round.status == RoundStatus.RUNNING) & (Round.progress_stage == "queued")
            & (Round.heartbeat_at < now - timedelta(seconds=QUEUED_GRACE_SECONDS)))


def lost_queued_jobs(job_ids: list[str]) -> set[str]:
    """Return which of these queued job ids Redis no longer holds (it restarted empty, or the
    job was deleted): their rounds will never run. Empty without REDIS_URL, or when Redis
    cannot be asked (then nothing is known to be lost)."""
    url = os.environ.get("REDIS_URL")
    if not url or not job_ids:
        return set()
    from redis import Redis
    from redis.exceptions import RedisError

    try:
        connection = Redis.from_url(url, socket_timeout=2, socket_connect_timeout=2)
        pipe = connection.pipeline()
        for job_id in job_ids:
            pipe.exists(f"rq:job:{job_id}")
        held = pipe.execute()
    except RedisError:
        return set()
    return {job_id for job_id, exists in zip(job_ids, held, strict=True) if not exists}

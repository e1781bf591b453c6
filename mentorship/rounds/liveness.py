"""When a round's background job is taken to be dead: the one rule, as a SQL condition.

The job writes a heartbeat every few seconds; a round still running whose heartbeat is too old
has lost its worker. `jobs.fail_stale_rounds` marks such rounds failed, and the review page's
progress reads the same condition without changing anything.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import ColumnElement

from mentorship.rounds.models import Round, RoundStatus

__all__ = ["HEARTBEAT_SECONDS", "QUEUED_STALE_AFTER_SECONDS", "STALE_AFTER_SECONDS", "stalled_job"]

#: How often a running job records that it is alive.
HEARTBEAT_SECONDS = 5
#: A running round whose job has not reported for this long is taken to be dead.
STALE_AFTER_SECONDS = 60
#: A job still waiting in the queue (no worker has picked it up) is given this long.
QUEUED_STALE_AFTER_SECONDS = 6 * 3600


def stalled_job(now: datetime, *, stale_after: float = STALE_AFTER_SECONDS) -> ColumnElement[bool]:
    """Return the condition of a round that is running but whose job stopped reporting."""
    running_cutoff = now - timedelta(seconds=stale_after)
    queued_cutoff = now - timedelta(seconds=QUEUED_STALE_AFTER_SECONDS)
    return (Round.status == RoundStatus.RUNNING) & (
        Round.heartbeat_at.is_(None)
        | ((Round.progress_stage != "queued") & (Round.heartbeat_at < running_cutoff))
        | (Round.heartbeat_at < queued_cutoff)
    )

"""A decline's re-match runs as a job, as a preview does: in a thread, or on RQ with REDIS_URL.

The decline itself is instant (`decline_pair`): the pair is declined and its re-match queued on
the declined row, in the request's transaction. The job then works in short transactions: it
reads the pool around the freed people, runs the engine outside any transaction, and stores
the new pairs holding the live-pairs lock, only if nothing it counted changed meanwhile (else it
reads again; its last attempt reads and stores under the lock). It writes a heartbeat on the
row; a job that dies stops it, and `retry_stale_rematches` queues the re-match again. Pages
show "finding a new mentor" while the row's re-match is pending.
"""

from __future__ import annotations

import logging
import threading
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import or_, select, update
from sqlalchemy.orm import Session

from mentorship.core.audit import AuditEvent
from mentorship.core.background import QUEUE, run_in_background
from mentorship.core.collector import paused_gc
from mentorship.core.db import make_engine, make_session_factory
from mentorship.core.permissions import Actor
from mentorship.people.models import Person
from mentorship.rounds.invariants import lock_live_pairs
from mentorship.rounds.liveness import (
    HEARTBEAT_SECONDS,
    QUEUED_STALE_AFTER_SECONDS,
    STALE_AFTER_SECONDS,
)
from mentorship.rounds.models import (
    LIVE_STATUSES,
    REMATCH_PENDING,
    Match,
    MatchStatus,
    RematchStatus,
    Round,
    RoundStatus,
)
from mentorship.rounds.pairs import finish_rematch, get_match, record_decline, rematch_keep
from mentorship.rounds.run import compute_round, read_rematch_inputs, store_rematch_pairs
from mentorship.taxonomy import load_taxonomy

__all__ = ["Declined", "decline_pair", "rematch_pending", "retry_stale_rematches",
           "run_rematch_job", "start_rematch"]

log = logging.getLogger(__name__)

#: Reads that may be overtaken by another writer of live pairs before the job reads and
#: stores in one transaction under the lock (then nothing can overtake it).
OPTIMISTIC_ATTEMPTS = 3


@dataclass(frozen=True)
class Declined:
    """A declined pair, and where its re-match is (queued: a job finds the new partners)."""

    match: Match
    rematch: str


def decline_pair(session: Session, actor: Actor | None, match_id: int, *, reason: str = "",
                 url: str | None = None, taxonomy_path: str | None = None) -> Declined:
    """Decline a pair (its member or a coordinator) and queue the re-match of the people it
    frees as a job; commit. Return the declined pair."""
    get_match(session, actor, match_id)  # staff may not decline what they may not see
    match, _, _ = record_decline(session, actor, match_id, reason=reason)
    job_id = _queue(session, match)
    start_rematch(session, match.id, job_id, url=url, taxonomy_path=taxonomy_path)
    return Declined(session.get(Match, match_id, populate_existing=True), RematchStatus.QUEUED)


def _queue(session: Session, match: Match) -> str:
    """Mark a declined pair's re-match queued under a new job id; return the id."""
    job_id = uuid.uuid4().hex
    session.execute(update(Match).where(Match.id == match.id).values(
        rematch_status=RematchStatus.QUEUED, rematch_job_id=job_id,
        rematch_heartbeat_at=datetime.now(UTC)).execution_options(synchronize_session=False))
    return job_id


def start_rematch(session: Session, match_id: int, job_id: str, *, url: str | None = None,
                  taxonomy_path: str | None = None) -> None:
    """Commit the caller's session (the job, another connection, must see the decline) and
    start the re-match job: on RQ with REDIS_URL, else in a thread.

    Should Redis refuse it, the re-match stays queued and `retry_stale_rematches` queues it
    again later: the decline stands either way.
    """
    session.commit()

    def refused(error: Exception) -> None:
        log.warning("re-match of match %s could not be queued; it is retried later",
                    match_id, exc_info=True)

    # A failure in a thread is in the log, and the row is retried.
    run_in_background(run_rematch_job, match_id, job_id=job_id, url=url,
                      taxonomy_path=taxonomy_path, thread_name=f"rematch-{match_id}",
                      job_timeout=3600, queue=QUEUE, on_error=refused)


def run_rematch_job(match_id: int, url: str | None, taxonomy_path: str | None = None,
                    job_id: str = "", *, before_store: Callable[[int], None] | None = None,
                    ) -> list[int]:
    """Re-match the people a declined pair freed, in short transactions; the job's body.
    Return the new pairs' ids.

    Every write is conditional on the row still naming *this* job, so a job given up for dead
    that wakes stores nothing twice. `before_store` (for tests) is called with the attempt's
    number between the engine and the store.
    """
    engine = make_engine(url)
    sessions = make_session_factory(engine)
    stop = threading.Event()

    def beat() -> None:
        while not stop.wait(HEARTBEAT_SECONDS):
            _heartbeat(sessions, match_id, job_id)

    heart = threading.Thread(target=beat, daemon=True)
    try:
        with sessions() as session, session.begin():
            if not _mark(session, match_id, job_id, RematchStatus.RUNNING):
                log.info("re-match of match %s: job %s is not its job now", match_id, job_id)
                return []
        heart.start()
        taxonomy = load_taxonomy(taxonomy_path)
        for attempt in range(OPTIMISTIC_ATTEMPTS + 1):
            locked = attempt == OPTIMISTIC_ATTEMPTS
            with sessions() as session, session.begin():
                if locked:  # the last attempt: read, match and store under the lock
                    lock_live_pairs(session)
                declined, current = _declined_and_round(session, match_id, job_id, lock=locked)
                if declined is None:
                    return []
                state = _live_state(session, current.id)
                keep = rematch_keep(session, current.id)
                inputs = read_rematch_inputs(session, current, taxonomy, keep,
                                             (declined.mentor_id, declined.mentee_id))
                if locked:
                    result = compute_round(inputs.profiles, inputs.settings, taxonomy)
                    return _store(session, declined, current, keep, inputs, result, taxonomy)
            result = compute_round(inputs.profiles, inputs.settings, taxonomy)
            if before_store is not None:
                before_store(attempt)
            with sessions() as session, session.begin():
                lock_live_pairs(session)
                declined, current = _declined_and_round(session, match_id, job_id, lock=True)
                if declined is None:
                    return []
                if _live_state(session, current.id) == state:
                    return _store(session, declined, current, keep, inputs, result, taxonomy)
            log.info("re-match of match %s: live pairs changed meanwhile; reading again",
                     match_id)
        return []  # not reached: the last attempt stores
    except Exception:  # the row stays pending: its heartbeat stops and it is retried
        log.exception("re-match of match %s failed", match_id)
        raise
    finally:
        stop.set()
        if heart.is_alive():
            heart.join()
        engine.dispose()


def _declined_and_round(session: Session, match_id: int, job_id: str, *, lock: bool = False,
                        ) -> tuple[Match | None, Round | None]:
    """The declined row (if it still runs this job) and its round, locked with `lock`; a round
    no longer published ends the re-match (nothing is proposed in a closed round)."""
    declined = session.get(Match, match_id, with_for_update=lock or None)
    if declined is None or declined.rematch_job_id != job_id \
            or declined.rematch_status not in REMATCH_PENDING:
        return None, None
    current = session.get(Round, declined.round_id, with_for_update=lock or None)
    if current.status != RoundStatus.PUBLISHED:
        declined.rematch_status = RematchStatus.DONE
        session.flush()
        return None, None
    return declined, current


def _live_state(session: Session, round_id: int) -> frozenset:
    """What a re-match counts that another writer may change meanwhile: the live pairs of
    published rounds, choice rounds' holds, and this round's declined pairs (with who is in
    them: a deleted person changes it too)."""
    session.flush()  # plain rows through the connection: pending changes first
    rows = session.connection().execute(
        select(Match.id, Match.status, Match.mentor_id, Match.mentee_id, Match.third_id)
        .join(Round, Round.id == Match.round_id)
        .where(or_(
            (Round.status == RoundStatus.PUBLISHED) & Match.status.in_(LIVE_STATUSES),
            Match.requested_at.is_not(None)
            & Match.status.in_((MatchStatus.REQUESTED, MatchStatus.ACCEPTED))
            & Round.status.not_in((RoundStatus.PUBLISHED, RoundStatus.CLOSED)),
            (Match.round_id == round_id) & (Match.status == MatchStatus.DECLINED))))
    return frozenset(tuple(row) for row in rows)


@paused_gc()  # a large round's rows are many small objects
def _store(session: Session, declined: Match, current: Round, keep, inputs, result,
           taxonomy) -> list[int]:
    """Store the re-match's pairs and finish the decline (unmatched, audit, mail)."""
    new = store_rematch_pairs(session, current, inputs, result)
    event = session.scalar(
        select(AuditEvent).where(AuditEvent.target_type == "match",
                                 AuditEvent.target_id == str(declined.id),
                                 AuditEvent.action == "match.decline")
        .order_by(AuditEvent.id.desc()).limit(1))
    decliner = session.get(Person, event.actor_id) if event and event.actor_id else None
    if event is None:  # a decline recorded without its event: keep the history honest
        event = AuditEvent(actor_id=None, action="match.decline", target_type="match",
                           target_id=str(declined.id), details={})
        session.add(event)
    finish_rematch(session, decliner, current, declined, event, keep, result,
                   inputs.person_id, new, taxonomy)
    return [m.id for m in new]


def _mark(session: Session, match_id: int, job_id: str, status: RematchStatus) -> bool:
    """Set a pending re-match's status if the row still runs this job; whether it did."""
    return session.execute(
        update(Match).where(Match.id == match_id, Match.rematch_job_id == job_id,
                            Match.rematch_status.in_(REMATCH_PENDING))
        .values(rematch_status=status, rematch_heartbeat_at=datetime.now(UTC))
        .execution_options(synchronize_session=False)).rowcount == 1


def _heartbeat(sessions, match_id: int, job_id: str) -> None:
    """Record that the job is alive, in a short transaction of its own."""
    try:
        with sessions() as session, session.begin():
            _mark(session, match_id, job_id, RematchStatus.RUNNING)
    except Exception:  # a missed heartbeat must not kill the job; the next one may pass
        log.warning("re-match of match %s: could not record the heartbeat", match_id,
                    exc_info=True)


def rematch_pending(*, now: datetime | None = None, stale_after: float = STALE_AFTER_SECONDS):
    """The condition of a declined row whose re-match is pending and alive (not stale)."""
    now = now or datetime.now(UTC)
    return Match.rematch_status.in_(REMATCH_PENDING) & ~_stale(now, stale_after)


def _stale(now: datetime, stale_after: float):
    """A pending re-match whose job stopped reporting (or waited in the queue too long)."""
    return Match.rematch_status.in_(REMATCH_PENDING) & (
        Match.rematch_heartbeat_at.is_(None)
        | ((Match.rematch_status == RematchStatus.RUNNING)
           & (Match.rematch_heartbeat_at < now - timedelta(seconds=stale_after)))
        | (Match.rematch_heartbeat_at < now - timedelta(seconds=QUEUED_STALE_AFTER_SECONDS)))


def retry_stale_rematches(session: Session, *, url: str | None = None,
                          taxonomy_path: str | None = None, stale_after: float = STALE_AFTER_SECONDS,
                          now: datetime | None = None) -> list[int]:
    """Queue again every re-match whose job died; commit; return the declined rows' ids.

    Each is taken over with a conditional UPDATE naming a new job id, so two callers at once
    start one job each for different rows, never two for one.
    """
    now = now or datetime.now(UTC)
    retried = []
    for match_id, old_job in session.execute(
            select(Match.id, Match.rematch_job_id).where(_stale(now, stale_after))).all():
        job_id = uuid.uuid4().hex
        taken = session.execute(
            update(Match).where(Match.id == match_id, Match.rematch_job_id == old_job,
                                Match.rematch_status.in_(REMATCH_PENDING))
            .values(rematch_status=RematchStatus.QUEUED, rematch_job_id=job_id,
                    rematch_heartbeat_at=now)
            .execution_options(synchronize_session=False)).rowcount
        if taken == 1:
            start_rematch(session, match_id, job_id, url=url, taxonomy_path=taxonomy_path)
            retried.append(match_id)
    session.commit()
    return retried


"""A decline's re-match as a job: the decline is instant, the job stores the new pairs in short
transactions, reads again when another writer of live pairs overtook it, and a dead job's
re-match is queued again."""

from __future__ import annotations

import time
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from mentorship.core.audit import AuditEvent
from mentorship.core.db import make_engine
from mentorship.migrate import upgrade_database
from mentorship.people.models import Person
from mentorship.profiles.csv_io import read_profiles_csv
from mentorship.profiles.models import Profile
from mentorship.profiles.operations import import_profiles
from mentorship.rounds import rematch
from mentorship.rounds.models import LIVE_STATUSES, Match, MatchStatus, RematchStatus
from mentorship.rounds.operations import create_round, publish_round
from mentorship.rounds.pairs import decline_match, record_decline
from mentorship.rounds.run import preview_round

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "library_staff.csv"


@pytest.fixture
def published(private_database, taxonomy, monkeypatch):
    """A committed database with the example staff in a published round; yields
    (engine, round id, two pairs whose mentees have a free alternative mentor)."""
    monkeypatch.delenv("REDIS_URL", raising=False)
    engine = make_engine(private_database)
    upgrade_database(engine)
    with Session(engine) as session, session.begin():
        import_profiles(session, None, read_profiles_csv(EXAMPLE, taxonomy), taxonomy)
        round_id = create_round(session, None, "rematch").id
        preview_round(session, None, round_id, taxonomy=taxonomy)
        publish_round(session, None, round_id)
    with Session(engine) as session:
        matches = session.scalars(select(Match).where(Match.round_id == round_id)
                                  .order_by(Match.id)).all()
        capacity = dict(session.execute(select(Person.email, Profile.capacity)
                                        .join(Person.profile)).all())
        email = dict(session.execute(select(Person.id, Person.email)).all())
        load = Counter(email[m.mentor_id] for m in matches)
        rematchable = [m.id for m in matches if any(
            load[alt] < capacity[alt] for alt, _ in m.alternatives)]
    assert len(rematchable) >= 2
    yield engine, round_id, rematchable
    engine.dispose()


def wait_until_done(engine, match_id: int, seconds: float = 60.0) -> Match:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        with Session(engine) as session:
            match = session.get(Match, match_id)
            if match.rematch_status not in (RematchStatus.QUEUED, RematchStatus.RUNNING):
                return match
        time.sleep(0.05)
    raise AssertionError(f"the re-match of match {match_id} never finished")


def live_pairs_hold(engine, round_id: int) -> None:
    """Every mentee has at most one live pair; no mentor more than their capacity."""
    with Session(engine) as session:
        live = session.execute(select(Match.mentor_id, Match.mentee_id).where(
            Match.round_id == round_id, Match.status.in_(LIVE_STATUSES))).all()
        capacity = dict(session.execute(select(Profile.person_id, Profile.capacity)).all())
    mentees = Counter(mentee for _, mentee in live)
    assert max(mentees.values()) == 1
    assert all(count <= capacity[mentor]
               for mentor, count in Counter(m for m, _ in live).items())


def new_pairs(engine, round_id: int, after: int) -> list[Match]:
    with Session(engine) as session:
        return session.scalars(select(Match).where(Match.round_id == round_id,
                                                   Match.id > after)).all()


def test_the_decline_is_instant_and_the_job_stores_the_new_pair(published, private_database):
    engine, round_id, [match_id, *_] = published
    with Session(engine) as session:
        last = session.scalar(select(Match.id).order_by(Match.id.desc()).limit(1))
        mentee = session.get(Person, session.get(Match, match_id).mentee_id)
        mentee_id = mentee.id
        declined = rematch.decline_pair(session, mentee, match_id, reason="schedule",
                                        url=private_database)
    # The request's answer: declined, its re-match queued (nothing matched in the request).
    assert declined.match.status == MatchStatus.DECLINED and declined.rematch == "queued"
    done = wait_until_done(engine, match_id)
    assert done.rematch_status == RematchStatus.DONE
    new = new_pairs(engine, round_id, last)
    assert any(m.mentee_id == done.mentee_id for m in new), "the mentee gets a new mentor"
    assert all((m.mentor_id, m.mentee_id) != (done.mentor_id, done.mentee_id) for m in new)
    with Session(engine) as session:
        event = session.scalar(select(AuditEvent).where(
            AuditEvent.action == "match.decline", AuditEvent.target_id == str(match_id)))
    assert event.actor_id == mentee_id and event.details["rematched"] == [m.id for m in new]
    live_pairs_hold(engine, round_id)


def test_a_job_overtaken_by_another_decline_reads_again(published, private_database, taxonomy):
    engine, round_id, [first, second, *_] = published
    with Session(engine) as session, session.begin():
        record_decline(session, None, first)
        job_id = rematch._queue(session, session.get(Match, first))
    attempts = []

    def meanwhile(attempt: int) -> None:
        attempts.append(attempt)
        if attempt == 0:  # another decline, with its re-match, lands between engine and store
            with Session(engine) as session, session.begin():
                decline_match(session, None, second, taxonomy=taxonomy)

    with Session(engine) as session:
        last = session.scalar(select(Match.id).order_by(Match.id.desc()).limit(1))
    stored = rematch.run_rematch_job(first, private_database, None, job_id, before_store=meanwhile)
    assert attempts == [0, 1], "the first store saw the live pairs change and read again"
    with Session(engine) as session:
        assert session.get(Match, first).rematch_status == RematchStatus.DONE
    assert set(stored) <= {m.id for m in new_pairs(engine, round_id, last)}
    live_pairs_hold(engine, round_id)


def test_the_last_attempt_stores_under_the_lock(published, private_database, taxonomy,
                                                monkeypatch):
    engine, round_id, [first, *_] = published
    with Session(engine) as session, session.begin():
        record_decline(session, None, first)
        job_id = rematch._queue(session, session.get(Match, first))
    changes = iter(range(100))
    # Every optimistic attempt is overtaken: the live pairs look different each time.
    monkeypatch.setattr(rematch, "_live_state", lambda session, round_id: next(changes))
    attempts = []
    stored = rematch.run_rematch_job(first, private_database, None, job_id,
                                     before_store=attempts.append)
    assert attempts == list(range(rematch.OPTIMISTIC_ATTEMPTS))
    with Session(engine) as session:
        declined = session.get(Match, first)
        assert declined.rematch_status == RematchStatus.DONE
        assert any(session.get(Match, m).mentee_id == declined.mentee_id for m in stored)
    live_pairs_hold(engine, round_id)


def test_a_dead_jobs_rematch_is_queued_again_and_an_old_job_stores_nothing(published,
                                                                          private_database):
    engine, round_id, [first, *_] = published
    with Session(engine) as session, session.begin():
        record_decline(session, None, first)
        dead_job = rematch._queue(session, session.get(Match, first))
        # Its worker took it and died: the heartbeat stopped long ago.
        session.execute(update(Match).where(Match.id == first).values(
            rematch_status=RematchStatus.RUNNING,
            rematch_heartbeat_at=datetime.now(UTC) - timedelta(minutes=10)))
    with Session(engine) as session:
        pending = session.scalar(select(Match.id).where(Match.id == first,
                                                        rematch.rematch_pending()))
        assert pending is None, "a stale re-match is not shown as under way"
        assert rematch.retry_stale_rematches(session, url=private_database) == [first]
        assert rematch.retry_stale_rematches(session, url=private_database) == []
    done = wait_until_done(engine, first)
    assert done.rematch_status == RematchStatus.DONE and done.rematch_job_id != dead_job
    # The dead job wakes: the row names another job, so it stores nothing.
    with Session(engine) as session:
        count = len(session.scalars(select(Match.id)).all())
    assert rematch.run_rematch_job(first, private_database, None, dead_job) == []
    with Session(engine) as session:
        assert len(session.scalars(select(Match.id)).all()) == count
    live_pairs_hold(engine, round_id)

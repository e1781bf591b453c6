"""Rounds in the database: preview, publish (once), decline and re-match, close, crash safety."""

import signal
import subprocess
import sys
import threading
from pathlib import Path

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.orm import Session

from mentorship.core.db import make_engine
from mentorship.core.errors import Conflict, InvalidInput
from mentorship.migrate import upgrade_database
from mentorship.people.models import Person
from mentorship.profiles.csv_io import read_profiles_csv
from mentorship.profiles.models import Profile
from mentorship.profiles.operations import import_profiles
from mentorship.programmes.queries import default_programme
from mentorship.rounds.choice import close_choice, open_choice
from mentorship.rounds.models import Match, MatchStatus, Round, RoundStatus
from mentorship.rounds.operations import close_round, create_round, publish_round
from mentorship.rounds.pairs import decline_match
from mentorship.rounds.run import preview_round

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "library_staff.csv"


@pytest.fixture
def staff(db, taxonomy):
    import_profiles(db, None, read_profiles_csv(EXAMPLE, taxonomy), taxonomy)
    return db


def pairs_of(db, round_id):
    return sorted(db.execute(
        select(Match.mentor_id, Match.mentee_id, Match.status).where(Match.round_id == round_id)
    ).all())


def test_preview_publish_close(staff, taxonomy):
    db = staff
    created = create_round(db, None, "Spring term")
    assert created.status == RoundStatus.DRAFT
    previewed = preview_round(db, None, created.id, taxonomy=taxonomy)
    assert previewed.status == RoundStatus.PREVIEWED
    stored = pairs_of(db, created.id)
    assert len(stored) == previewed.diagnostics["summary"]["matched"] > 50
    assert previewed.unmatched and previewed.input_hash and previewed.engine_version

    published = publish_round(db, None, created.id)
    assert published.status == RoundStatus.PUBLISHED
    with pytest.raises(Conflict, match="not previewed"):
        publish_round(db, None, created.id)
    with pytest.raises(Conflict):
        preview_round(db, None, created.id, taxonomy=taxonomy)

    closed = close_round(db, None, created.id)
    assert closed.status == RoundStatus.CLOSED
    assert {status for _, _, status in pairs_of(db, created.id)} == {MatchStatus.ENDED}


def test_rerun_from_the_same_data_gives_the_same_pairs(staff, taxonomy):
    db = staff
    first = create_round(db, None, "A", settings={"min_score": 0.1})
    preview_round(db, None, first.id, taxonomy=taxonomy)
    pairs, digest = pairs_of(db, first.id), first.input_hash
    preview_round(db, None, first.id, taxonomy=taxonomy)
    assert pairs_of(db, first.id) == pairs and first.input_hash == digest


def test_a_round_reproduces_from_its_stored_snapshot(staff, taxonomy):
    from mentorship.rounds.run import reproduce_round

    db = staff
    current = create_round(db, None, "A")
    preview_round(db, None, current.id, taxonomy=taxonomy)
    email = dict(db.execute(select(Person.id, Person.email)).all())
    stored = sorted((email[m], email[e]) for m, e, _ in pairs_of(db, current.id))
    # The pool changes afterwards: someone leaves, someone else's profile is emptied.
    for person in db.scalars(select(Person).limit(20)):
        person.active = False
    db.flush()
    again = reproduce_round(db, None, current.id, taxonomy=taxonomy)
    assert sorted((p.mentor, p.mentee) for p in again.pairs) == stored


def test_a_round_hashed_before_orjson_still_reproduces_and_a_changed_one_does_not(staff,
                                                                                 taxonomy):
    import hashlib
    import json

    from mentorship.rounds.run import reproduce_round

    db = staff
    current = create_round(db, None, "A")
    preview_round(db, None, current.id, taxonomy=taxonomy)
    db.expire(current)
    snapshot = current.input_snapshot
    # The canonical text is sorted, compact JSON, and its hash is the one stored.
    assert current.input_hash == hashlib.sha256(json.dumps(
        snapshot, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()).hexdigest()
    # A round stored by an earlier version was hashed from the standard library's spelling.
    current.input_hash = hashlib.sha256(json.dumps(snapshot, sort_keys=True).encode()).hexdigest()
    db.flush()
    assert reproduce_round(db, None, current.id, taxonomy=taxonomy).pairs
    current.input_hash = "0" * 64
    db.flush()
    with pytest.raises(Conflict, match="no longer matches its hash"):
        reproduce_round(db, None, current.id, taxonomy=taxonomy)


def test_later_round_does_not_repeat_earlier_pairs(staff, taxonomy):
    db = staff
    first = create_round(db, None, "A")
    preview_round(db, None, first.id, taxonomy=taxonomy)
    publish_round(db, None, first.id)
    earlier = {(m, e) for m, e, _ in pairs_of(db, first.id)}
    second = create_round(db, None, "B")
    preview_round(db, None, second.id, taxonomy=taxonomy)
    assert earlier.isdisjoint({(m, e) for m, e, _ in pairs_of(db, second.id)})


def test_decline_rematches_the_freed_and_keeps_every_other_pair(staff, taxonomy):
    db = staff
    current = create_round(db, None, "A")
    preview_round(db, None, current.id, taxonomy=taxonomy)
    publish_round(db, None, current.id)
    before = db.scalars(select(Match).where(Match.round_id == current.id)
                        .order_by(Match.id)).all()
    # Decline a pair whose mentee has an alternative mentor with room left, so that a new
    # mentor exists for them.
    capacity = dict(db.execute(select(Person.email, Profile.capacity).join(Person.profile)).all())
    email = dict(db.execute(select(Person.id, Person.email)).all())
    load = {}
    for m in before:
        load[email[m.mentor_id]] = load.get(email[m.mentor_id], 0) + 1
    declined = next(m for m in before if any(
        load.get(alt, 0) < capacity[alt] for alt, _ in m.alternatives))
    mentee = db.get(Person, declined.mentee_id)
    others = {(m.id, m.mentor_id, m.mentee_id, m.status) for m in before if m.id != declined.id}

    new = decline_match(db, mentee, declined.id, taxonomy=taxonomy, reason="schedule")
    after = db.scalars(select(Match).where(Match.round_id == current.id)).all()
    assert {(m.id, m.mentor_id, m.mentee_id, m.status) for m in after
            if m.id != declined.id and m not in new} == others
    assert db.get(Match, declined.id).status == MatchStatus.DECLINED
    assert all((m.mentor_id, m.mentee_id) != (declined.mentor_id, declined.mentee_id)
               for m in new)
    assert any(m.mentee_id == declined.mentee_id for m in new), "the mentee gets a new mentor"
    # Declining again later never brings the declined pair back.
    for match in new:
        decline_match(db, None, match.id, taxonomy=taxonomy)
    live = db.execute(select(Match.mentor_id, Match.mentee_id).where(
        Match.round_id == current.id, Match.status == MatchStatus.PROPOSED)).all()
    assert (declined.mentor_id, declined.mentee_id) not in set(live)


def test_concurrent_publish_has_exactly_one_winner(engine):
    """Two threads, each on its own connection, publish the same round at once, 50 times."""
    winners, conflicts = [], []
    ids = []
    with Session(engine) as session, session.begin():
        programme_id = default_programme(session).id
        for number in range(50):
            session.add(Round(name=f"race {number}", status=RoundStatus.PREVIEWED,
                              programme_id=programme_id))
        session.flush()
        ids = [r.id for r in session.scalars(select(Round).where(Round.name.like("race %")))]
    try:
        for round_id in ids:
            barrier = threading.Barrier(2)

            def publish(round_id=round_id, barrier=barrier):
                barrier.wait()
                try:
                    with Session(engine) as session, session.begin():
                        publish_round(session, None, round_id)
                    winners.append(round_id)
                except Conflict:
                    conflicts.append(round_id)

            threads = [threading.Thread(target=publish) for _ in range(2)]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join()
        assert sorted(winners) == sorted(ids)
        assert sorted(conflicts) == sorted(ids)
    finally:
        with Session(engine) as session, session.begin():
            for round_id in ids:
                session.delete(session.get(Round, round_id))


KILLED_WRITER = """
import sys, time
from sqlalchemy.orm import Session
from mentorship.taxonomy import load_taxonomy
from mentorship.core.db import make_engine
from mentorship.rounds.run import preview_round

def progress(stage, fraction):
    if stage == "storing":
        print("STORING", flush=True)
        time.sleep(60)

with Session(make_engine(sys.argv[1])) as session, session.begin():
    preview_round(session, None, int(sys.argv[2]), taxonomy=load_taxonomy(), progress=progress)
"""


def test_killed_writer_leaves_no_partial_round(private_database, taxonomy):
    engine = make_engine(private_database)
    upgrade_database(engine)
    with Session(engine) as session, session.begin():
        import_profiles(session, None, read_profiles_csv(EXAMPLE, taxonomy), taxonomy)
        round_id = create_round(session, None, "crash").id

    writer = subprocess.Popen([sys.executable, "-c", KILLED_WRITER, private_database,
                               str(round_id)], stdout=subprocess.PIPE, text=True)
    try:
        assert writer.stdout.readline().strip() == "STORING"  # pairs written, not committed
    finally:
        writer.send_signal(signal.SIGKILL)
        writer.wait()
        writer.stdout.close()

    with Session(engine) as session:
        assert session.scalar(select(func.count()).select_from(Match)) == 0
        assert session.get(Round, round_id).status == RoundStatus.DRAFT
        if engine.dialect.name == "sqlite":
            assert session.execute(text("PRAGMA integrity_check")).scalar() == "ok"
    with Session(engine) as session, session.begin():
        assert preview_round(session, None, round_id, taxonomy=taxonomy).status == "previewed"
    with Session(engine) as session:
        assert session.scalar(select(func.count()).select_from(Match)) > 50
    engine.dispose()


def swappable(db, round_id: int, count: int = 2) -> list[Match]:
    """Return `count` pairs of a round any two of which can swap without breaking a rule:
    everyone meets either way and nobody is in a management chain with anyone of the others."""
    either = set(db.scalars(select(Profile.person_id).where(
        Profile.format_preference == "either")))
    manager = dict(db.execute(select(Person.id, Person.manager_id)).all())

    def chain(person):
        seen = set()
        while manager.get(person) is not None and manager[person] not in seen:
            person = manager[person]
            seen.add(person)
        return seen

    chosen: list[Match] = []
    for match in db.scalars(select(Match).where(Match.round_id == round_id).order_by(Match.id)):
        people = {match.mentor_id, match.mentee_id}
        if not people <= either:
            continue
        others = {p for m in chosen for p in (m.mentor_id, m.mentee_id)}
        if any(p in chain(q) or q in chain(p) for p in people for q in others):
            continue
        chosen.append(match)
        if len(chosen) == count:
            return chosen
    raise AssertionError("the round has no pairs that can swap")


def test_adjust_before_publishing_and_resolve_around_locks(staff, taxonomy):
    from mentorship.rounds.operations import lock_pair, remove_pair, swap_pairs

    db = staff
    current = create_round(db, None, "A", settings={"allow_same_manager": True})
    preview_round(db, None, current.id, taxonomy=taxonomy)
    removed, first, second = swappable(db, current.id, 3)
    email = dict(db.execute(select(Person.id, Person.email)).all())

    remove_pair(db, None, current.id, removed.id)
    swap_pairs(db, None, current.id, first.id, second.id)
    preview_round(db, None, current.id, taxonomy=taxonomy)
    after = {(m.mentor_id, m.mentee_id): m for m in
             db.scalars(select(Match).where(Match.round_id == current.id))}
    assert (removed.mentor_id, removed.mentee_id) not in after
    assert after[(first.mentor_id, second.mentee_id)].locked
    assert after[(second.mentor_id, first.mentee_id)].locked

    # A lock that breaks a rule is refused when it is made, naming the rule; nothing is lost.
    boss = db.scalar(select(Person).where(Person.manager_id.is_not(None)))
    with pytest.raises(InvalidInput, match="locked pairs break the rules") as caught:
        lock_pair(db, None, current.id, email[boss.manager_id], boss.email, taxonomy=taxonomy)
    assert any("manager rule" in error.reason or "not taking mentees" in error.reason
               or "not seeking" in error.reason for error in caught.value.errors)

    db.get(Round, current.id).status = RoundStatus.PUBLISHED
    db.flush()
    with pytest.raises(Conflict, match="before publishing"):
        remove_pair(db, None, current.id, first.id)


def test_a_published_rounds_pairs_are_live_for_the_next_round(staff, taxonomy):
    db = staff
    first = create_round(db, None, "A")
    preview_round(db, None, first.id, taxonomy=taxonomy)
    publish_round(db, None, first.id)
    second = create_round(db, None, "B", settings={"allow_repeat": True})
    preview_round(db, None, second.id, taxonomy=taxonomy)
    mentees_a = {e for _, e, _ in pairs_of(db, first.id)}
    assert mentees_a.isdisjoint({e for _, e, _ in pairs_of(db, second.id)})
    capacity = dict(db.execute(select(Profile.person_id, Profile.capacity)).all())
    load = {}
    for mentor, _, _ in pairs_of(db, first.id) + pairs_of(db, second.id):
        load[mentor] = load.get(mentor, 0) + 1
    assert all(n <= capacity[mentor] for mentor, n in load.items())


def test_declining_a_locked_pair_works(staff, taxonomy):
    from mentorship.rounds.operations import lock_pair

    db = staff
    current = create_round(db, None, "A")
    preview_round(db, None, current.id, taxonomy=taxonomy)
    match = db.scalars(select(Match).where(Match.round_id == current.id)).first()
    email = dict(db.execute(select(Person.id, Person.email)).all())
    lock_pair(db, None, current.id, email[match.mentor_id], email[match.mentee_id])
    preview_round(db, None, current.id, taxonomy=taxonomy)
    publish_round(db, None, current.id)
    locked = db.scalar(select(Match).where(Match.round_id == current.id, Match.locked))
    decline_match(db, None, locked.id, taxonomy=taxonomy)
    assert db.get(Match, locked.id).status == MatchStatus.DECLINED


def test_bad_round_settings_and_lock_mistakes_are_clear_errors(staff, taxonomy):
    from mentorship.rounds.operations import lock_pair, swap_pairs, unlock_pair

    db = staff
    with pytest.raises(InvalidInput, match="settings are not valid") as caught:
        create_round(db, None, "peer fair", mode="peer", settings={"fair": True})
    assert "mentor mode only" in caught.value.errors[0].reason
    with pytest.raises(InvalidInput):
        create_round(db, None, "x" * 201)

    current = create_round(db, None, "A")
    preview_round(db, None, current.id, taxonomy=taxonomy)
    first, second = swappable(db, current.id)
    email = dict(db.execute(select(Person.id, Person.email)).all())
    lock_pair(db, None, current.id, email[first.mentor_id], email[first.mentee_id])
    with pytest.raises(Conflict, match="already locked"):
        lock_pair(db, None, current.id, email[first.mentor_id], email[first.mentee_id])
    unlock_pair(db, None, current.id, email[first.mentor_id], email[first.mentee_id])
    with pytest.raises(InvalidInput, match="two different pairs"):
        swap_pairs(db, None, current.id, first.id, first.id)
    swap_pairs(db, None, current.id, first.id, second.id)
    with pytest.raises(Conflict, match="already locked"):
        swap_pairs(db, None, current.id, first.id, second.id)


def test_mentees_of_live_earlier_pairs_are_not_listed_as_unmatched_preview_or_fill(
        staff, taxonomy):
    db = staff
    first = create_round(db, None, "A")
    preview_round(db, None, first.id, taxonomy=taxonomy)
    publish_round(db, None, first.id)
    email = dict(db.execute(select(Person.id, Person.email)).all())
    paired = {email[e] for _, e, _ in pairs_of(db, first.id)}
    previewed = create_round(db, None, "B")
    preview_round(db, None, previewed.id, taxonomy=taxonomy)
    # A choice round's fill (its window closed with no request) treats them the same way.
    filled = create_round(db, None, "C", settings={"selection": "choice"})
    open_choice(db, None, filled.id, taxonomy=taxonomy)
    close_choice(db, None, filled.id, taxonomy=taxonomy)
    counts = []
    for current in (db.get(Round, previewed.id), db.get(Round, filled.id)):
        listed = [u for u in current.unmatched if u["id"] in paired]
        assert all(u["side"] == "mentor" for u in listed), listed  # only as mentors, if at all
        assert not any(u["reason"] == {"code": "live_pair"} for u in current.unmatched)
        counts.append(current.diagnostics["summary"]["mentored_elsewhere"])
    assert counts[0] == counts[1] > 0


def test_every_broken_setting_is_reported_on_its_own_field(db):
    with pytest.raises(InvalidInput) as caught:
        create_round(db, None, "", mode="peer", settings={
            "priority": "loud", "text_weight": "lots", "min_score": 1.5, "fair": True, "bogus": 1})
    reasons = {e.column: e.reason for e in caught.value.errors}
    assert set(reasons) == {"name", "priority", "text_weight", "min_score", "fair", "bogus"}
    assert reasons["text_weight"] == "enter a number, such as 0.5"
    assert reasons["bogus"] == "unknown setting"
    assert reasons["priority"] == "must be strict or soft"


def test_deactivating_a_person_ends_their_live_pairs_with_the_reason(staff, taxonomy):
    from mentorship.people.accounts import set_active
    from mentorship.rounds.pairs import PERSON_DEACTIVATED, my_pairs

    db = staff
    current = create_round(db, None, "Spring term")
    preview_round(db, None, current.id, taxonomy=taxonomy)
    publish_round(db, None, current.id)
    pair = db.scalars(select(Match).where(Match.round_id == current.id)).first()
    mentor = db.get(Person, pair.mentor_id)
    before = len(my_pairs(db, mentor))
    set_active(db, None, pair.mentee_id, False)
    db.refresh(pair)
    assert pair.status == MatchStatus.ENDED and pair.end_reason == PERSON_DEACTIVATED
    assert len(my_pairs(db, mentor)) == before - 1  # the mentor no longer sees them


def test_a_failed_round_stays_editable_and_runs_again(staff, taxonomy):
    from mentorship.rounds.operations import lock_pair, unlock_pair

    db = staff
    current = create_round(db, None, "Spring term")
    preview_round(db, None, current.id, taxonomy=taxonomy)
    pair = db.scalars(select(Match).where(Match.round_id == current.id)).first()
    mentor, mentee = db.get(Person, pair.mentor_id), db.get(Person, pair.mentee_id)
    lock_pair(db, None, current.id, mentor.email, mentee.email, taxonomy=taxonomy)
    mentee.manager_id = mentor.id  # made their manager since: the lock now breaks a rule
    db.flush()
    with pytest.raises(InvalidInput, match="locked pairs break the rules"):
        preview_round(db, None, current.id, taxonomy=taxonomy)
    current.status = RoundStatus.FAILED  # as the job leaves it
    db.flush()
    unlock_pair(db, None, current.id, mentor.email, mentee.email)
    assert preview_round(db, None, current.id, taxonomy=taxonomy).status == RoundStatus.PREVIEWED


def test_a_lock_below_the_minimum_score_needs_to_be_kept_on_purpose(staff, taxonomy):
    from mentorship.rounds.models import PairRule
    from mentorship.rounds.operations import lock_pair

    db = staff
    current = create_round(db, None, "High bar", settings={"min_score": 0.99})
    preview_round(db, None, current.id, taxonomy=taxonomy)
    other = create_round(db, None, "Any")
    preview_round(db, None, other.id, taxonomy=taxonomy)
    pair = db.scalars(select(Match).where(Match.round_id == other.id)).first()
    mentor, mentee = db.get(Person, pair.mentor_id).email, db.get(Person, pair.mentee_id).email
    with pytest.raises(InvalidInput, match="below the round's minimum") as caught:
        lock_pair(db, None, current.id, mentor, mentee, taxonomy=taxonomy)
    assert caught.value.errors[0].column == "below_minimum"
    kept = lock_pair(db, None, current.id, mentor, mentee, taxonomy=taxonomy,
                     below_minimum=True)
    assert db.get(PairRule, kept.id).below_minimum
    preview_round(db, None, current.id, taxonomy=taxonomy)
    assert db.scalar(select(Match.locked).where(Match.round_id == current.id,
                                                Match.mentor_id == pair.mentor_id,
                                                Match.mentee_id == pair.mentee_id))

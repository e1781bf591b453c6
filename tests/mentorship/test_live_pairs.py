"""Live pairs are a global invariant: two rounds over the same people never both go live."""

import threading
from collections import Counter
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from mentorship.core.db import make_engine
from mentorship.core.errors import Conflict
from mentorship.migrate import upgrade_database
from mentorship.profiles.csv_io import read_profiles_csv
from mentorship.profiles.models import Profile
from mentorship.profiles.operations import import_profiles
from mentorship.rounds.models import LIVE_STATUSES, Match, MatchStatus, Round, RoundStatus
from mentorship.rounds.operations import create_round, publish_round
from mentorship.rounds.run import preview_round

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "library_staff.csv"


@pytest.fixture
def two_previews(db, taxonomy):
    """Two rounds previewed over the same 150 people before either is published."""
    import_profiles(db, None, read_profiles_csv(EXAMPLE, taxonomy), taxonomy)
    rounds = [create_round(db, None, name) for name in ("Spring", "Spring again")]
    for current in rounds:
        preview_round(db, None, current.id, taxonomy=taxonomy)
    return db, [r.id for r in rounds]


def live_pairs(db) -> list[tuple[int, int]]:
    return [tuple(row) for row in db.execute(
        select(Match.mentor_id, Match.mentee_id).join(Round, Round.id == Match.round_id)
        .where(Round.status == RoundStatus.PUBLISHED, Match.status.in_(LIVE_STATUSES)))]


def assert_no_double_booking(db) -> None:
    pairs = live_pairs(db)
    mentees = Counter(mentee for _, mentee in pairs)
    assert max(mentees.values()) == 1, "a mentee has two live mentors"
    load = Counter(mentor for mentor, _ in pairs)
    capacity = dict(db.execute(select(Profile.person_id, Profile.capacity)).all())
    assert all(load[m] <= capacity[m] for m in load), "a mentor is over capacity"


def test_the_second_round_over_the_same_people_is_refused_at_publish(two_previews):
    db, (first, second) = two_previews
    publish_round(db, None, first)
    with pytest.raises(Conflict, match=r"already have a live mentor.*Run the preview again"):
        publish_round(db, None, second)
    assert db.get(Round, second).status == RoundStatus.PREVIEWED
    assert_no_double_booking(db)


def test_a_preview_run_again_after_the_other_round_went_live_publishes(two_previews, taxonomy):
    db, (first, second) = two_previews
    publish_round(db, None, first)
    preview_round(db, None, second, taxonomy=taxonomy)  # now around the live pairs
    publish_round(db, None, second)
    assert_no_double_booking(db)


def test_a_capacity_lowered_since_the_preview_is_refused(two_previews):
    db, (first, _) = two_previews
    busiest = db.execute(
        select(Match.mentor_id).where(Match.round_id == first, Match.status == MatchStatus.PROPOSED)
    ).scalars().first()
    db.get(Profile, busiest).capacity = 0
    db.flush()
    with pytest.raises(Conflict, match="more live mentees than their capacity"):
        publish_round(db, None, first)


def test_two_rounds_published_at_once_never_both_go_live(private_database, taxonomy):
    """Two threads on their own connections publish two rounds over the same people."""
    engine = make_engine(private_database)
    upgrade_database(engine)
    with Session(engine) as session, session.begin():
        import_profiles(session, None, read_profiles_csv(EXAMPLE, taxonomy), taxonomy)
        ids = []
        for name in ("race A", "race B"):
            current = create_round(session, None, name)
            preview_round(session, None, current.id, taxonomy=taxonomy)
            ids.append(current.id)
    try:
        for _ in range(3):
            with Session(engine) as session, session.begin():
                for round_id in ids:
                    session.get(Round, round_id).status = RoundStatus.PREVIEWED
            outcomes = []
            barrier = threading.Barrier(2)

            def publish(round_id, barrier=barrier, outcomes=outcomes):
                barrier.wait()
                try:
                    with Session(engine) as session, session.begin():
                        publish_round(session, None, round_id)
                    outcomes.append("published")
                except Conflict:
                    outcomes.append("refused")

            threads = [threading.Thread(target=publish, args=(i,)) for i in ids]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join()
            assert sorted(outcomes) == ["published", "refused"]
            with Session(engine) as session:
                assert_no_double_booking(session)
    finally:
        engine.dispose()

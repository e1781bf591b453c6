"""Peer circles of three in the database: stored as one row, live as one, declined as one."""

import csv
import io

import pytest
from sqlalchemy import select

from mentorship.core.errors import Conflict, PermissionDenied
from mentorship.people.models import Person
from mentorship.profiles.csv_io import read_profiles_csv
from mentorship.profiles.operations import import_profiles
from mentorship.rounds.models import Match, MatchStatus, Round
from mentorship.rounds.operations import create_round, publish_round
from mentorship.rounds.pairs import accept_match, decline_match, my_pairs
from mentorship.rounds.queries import pairs_csv, round_pairs, round_unmatched
from mentorship.rounds.run import preview_round, reproduce_round
from mentorship.rounds.snapshot import from_snapshot

# a teaches b MARC 21, b teaches c Python, c teaches a SPARQL: nobody can swap two by two.
# d and e swap RDA and BIBFRAME.
PEOPLE = [
    {"email": "a@lib.org", "name": "Ann", "skills": "marc21=4", "learn": "sparql"},
    {"email": "b@lib.org", "name": "Bo", "skills": "python=4", "learn": "marc21"},
    {"email": "c@lib.org", "name": "Cy", "skills": "sparql=4", "learn": "python"},
    {"email": "d@lib.org", "name": "Di", "skills": "rda=4", "learn": "bibframe"},
    {"email": "e@lib.org", "name": "Ed", "skills": "bibframe=4", "learn": "rda"},
]


@pytest.fixture
def people(db, write_csv, taxonomy):
    import_profiles(db, None, read_profiles_csv(write_csv(PEOPLE), taxonomy), taxonomy)
    return {p.email[0]: p for p in db.scalars(select(Person))}


def peer_round(db, taxonomy, name="Peers", **settings):
    current = create_round(db, None, name, mode="peer", settings=settings)
    preview_round(db, None, current.id, taxonomy=taxonomy)
    return current


def test_a_circle_is_stored_as_one_row_in_teaching_order(db, people, taxonomy):
    current = peer_round(db, taxonomy)
    rows = db.scalars(select(Match).where(Match.round_id == current.id).order_by(Match.id)).all()
    groups = {m.member_ids for m in rows}
    a, b, c, d, e = (people[k].id for k in "abcde")
    assert groups == {(a, b, c), (d, e)}
    assert current.diagnostics["summary"]["circles"] == 1
    assert current.unmatched == []
    page = round_pairs(db, None, current.id)
    (circle,) = [row for row in page.items if row.is_circle]
    assert (circle.mentor.name, circle.mentee.name, circle.third.name) == ("Ann", "Bo", "Cy")
    # The search finds a circle by its third member too.
    assert [row.match.id for row in round_pairs(db, None, current.id, text="Cy").items] == [
        circle.match.id]


def test_without_trios_the_round_says_a_trio_would_work(db, people, taxonomy):
    current = peer_round(db, taxonomy, trios=False)
    reasons = {e["id"]: e["reason"] for e in current.unmatched}
    assert set(reasons) == {"a@lib.org", "b@lib.org", "c@lib.org"}
    # Stored as a code naming the other two by person id; shown with their names.
    assert all(r["code"] == "trio_possible" and all(isinstance(k, int) for k in r["people"])
               for r in reasons.values())
    shown = {e["id"]: e["reason"]["text"]
             for e in round_unmatched(db, None, current.id, taxonomy=taxonomy)}
    assert all(text.startswith("no mutual swap, but a trio would work: ") for text in shown.values())


def test_the_csv_export_shows_a_circle_as_one_row_of_three(db, people, taxonomy):
    current = peer_round(db, taxonomy)
    rows = list(csv.DictReader(io.StringIO(pairs_csv(db, None, current.id))))
    by_first = {row["person_a_email"]: row for row in rows}
    assert (by_first["a@lib.org"]["person_b_email"], by_first["a@lib.org"]["person_c_email"]) == (
        "b@lib.org", "c@lib.org")
    assert by_first["d@lib.org"]["person_c_email"] == ""


def test_every_member_of_a_live_circle_counts_as_in_a_live_group(db, people, taxonomy):
    first = peer_round(db, taxonomy, "First")
    second = peer_round(db, taxonomy, "Second")
    publish_round(db, None, first.id)
    # The second round proposes the same five people again: all five are taken, the circle's
    # third member among them.
    with pytest.raises(Conflict, match="5 of its people already have a live peer pair"):
        publish_round(db, None, second.id)


def test_members_see_their_circle_and_any_of_them_accepts(db, people, taxonomy):
    current = peer_round(db, taxonomy)
    publish_round(db, None, current.id)
    (mine,) = my_pairs(db, people["c"])
    # c teaches a and learns from b.
    assert [p.name for p in mine.circle] == ["Ann", "Bo"] and mine.other.name == "Ann"
    assert [p.name for p in my_pairs(db, people["a"])[0].circle] == ["Bo", "Cy"]
    accepted = accept_match(db, people["c"], mine.match.id)
    assert accepted.status == MatchStatus.ACCEPTED
    assert all(p.match.status == MatchStatus.ACCEPTED for p in my_pairs(db, people["b"]))


def test_a_decline_by_one_member_ends_the_circle_for_all_three(db, people, taxonomy):
    current = peer_round(db, taxonomy)
    publish_round(db, None, current.id)
    (mine,) = my_pairs(db, people["b"])
    new = decline_match(db, people["b"], mine.match.id, taxonomy=taxonomy, reason="busy")
    assert db.get(Match, mine.match.id).status == MatchStatus.DECLINED
    # Back in the pool, none of the three may be grouped with another of them again, so the
    # re-match finds nothing; the pair d-e is kept as it was.
    assert new == []
    for person in "abc":
        assert my_pairs(db, people[person]) == []
    assert [p.other.name for p in my_pairs(db, people["d"])] == ["Ed"]
    unmatched = {entry["id"] for entry in db.get(Round, current.id).unmatched}
    assert unmatched == {"a@lib.org", "b@lib.org", "c@lib.org"}


def test_a_stranger_cannot_decline_a_circle(db, people, taxonomy):
    current = peer_round(db, taxonomy)
    publish_round(db, None, current.id)
    circle = my_pairs(db, people["a"])[0].match
    with pytest.raises(PermissionDenied):
        decline_match(db, people["d"], circle.id, taxonomy=taxonomy)


def test_a_round_with_a_circle_reproduces_it_and_an_older_snapshot_forms_none(db, people,
                                                                              taxonomy):
    current = peer_round(db, taxonomy)
    again = reproduce_round(db, None, current.id, taxonomy=taxonomy)
    assert [p.people for p in again.pairs] == [("a@lib.org", "b@lib.org", "c@lib.org"),
                                               ("d@lib.org", "e@lib.org")]
    # A snapshot stored before circles existed has no "trios": it was computed with pairs only.
    snapshot = dict(current.input_snapshot)
    snapshot["settings"] = {k: v for k, v in snapshot["settings"].items() if k != "trios"}
    _, settings = from_snapshot(snapshot)
    assert settings.trios is False


def test_a_circle_cannot_be_swapped_and_a_removed_one_is_not_proposed_again(db, people, taxonomy):
    from mentorship.rounds.operations import remove_pair, swap_pairs

    current = peer_round(db, taxonomy)
    rows = db.scalars(select(Match).where(Match.round_id == current.id).order_by(Match.id)).all()
    circle = next(m for m in rows if m.third_id is not None)
    pair = next(m for m in rows if m.third_id is None)
    with pytest.raises(Conflict, match="circle of three cannot be swapped"):
        swap_pairs(db, None, current.id, circle.id, pair.id)
    remove_pair(db, None, current.id, circle.id)
    preview_round(db, None, current.id, taxonomy=taxonomy)
    groups = [m.member_ids for m in db.scalars(select(Match).where(Match.round_id == current.id))]
    assert all(len(group) == 2 for group in groups)

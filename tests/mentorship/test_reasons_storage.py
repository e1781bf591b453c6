"""Reasons in the database: stored as codes with person ids, named from current data when
shown, old string reasons still shown, and a deleted person leaves no email and no id."""

import csv
import io
import json
from pathlib import Path

import pytest
from sqlalchemy import select

from matching.explain import FORMER_PARTICIPANT, people_in, render
from mentorship.people.models import Person
from mentorship.people.personal_data import delete_person
from mentorship.profiles.csv_io import read_profiles_csv
from mentorship.profiles.operations import import_profiles
from mentorship.rounds.models import Match, Round
from mentorship.rounds.operations import create_round, publish_round
from mentorship.rounds.pairs import my_pairs, pair_details
from mentorship.rounds.queries import pairs_csv, round_pairs, round_unmatched, unmatched_people
from mentorship.rounds.run import preview_round, reproduce_round

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "library_staff.csv"


@pytest.fixture
def staff(db, taxonomy):
    import_profiles(db, None, read_profiles_csv(EXAMPLE, taxonomy), taxonomy)
    return db


def previewed(db, taxonomy, **settings):
    current = create_round(db, None, "R", mode=settings.pop("mode", "mentor"), settings=settings)
    preview_round(db, None, current.id, taxonomy=taxonomy)
    return current


def all_pairs(db, round_id, taxonomy):
    return round_pairs(db, None, round_id, size=10_000, taxonomy=taxonomy).items


def stored_json(db, round_id) -> str:
    reasons = db.scalars(select(Match.reasons).where(Match.round_id == round_id)).all()
    return json.dumps([reasons, db.get(Round, round_id).unmatched])


def test_stored_reasons_are_codes_that_name_people_by_id(staff, taxonomy):
    db = staff
    current = previewed(db, taxonomy, mode="peer")
    stored = db.scalars(select(Match.reasons).where(Match.round_id == current.id)).all()
    assert stored and all(isinstance(r, dict) and "code" in r for rs in stored for r in rs)
    referenced = [key for rs in stored for r in rs for key in people_in(r)]
    assert referenced and all(isinstance(key, int) for key in referenced)
    assert "@" not in json.dumps(stored)  # no email in any stored reason
    details = [d for e in db.get(Round, current.id).unmatched for d in (e["reason"], *e["details"])]
    assert "@" not in json.dumps(details)


def test_shown_reasons_read_as_the_engine_wrote_them(staff, taxonomy):
    """Round trip: stored codes, rendered from the database, say what the engine's result says."""
    db = staff
    current = previewed(db, taxonomy, mode="peer")
    result = reproduce_round(db, None, current.id, taxonomy=taxonomy)
    names = dict(db.execute(select(Person.email, Person.name)).all())
    expected = {(p.mentor, p.mentee): [render(r, taxonomy=taxonomy, person_name=names.get)
                                       for r in p.reasons] for p in result.pairs}
    shown = {(row.mentor.email, row.mentee.email): [r["text"] for r in row.reasons]
             for row in all_pairs(db, current.id, taxonomy)}
    assert shown == expected
    unmatched = {(u.id, u.side): render(u.reason, taxonomy=taxonomy, person_name=names.get)
                 for u in result.unmatched}
    assert {(e["id"], e["side"]): e["reason"]["text"]
            for e in round_unmatched(db, None, current.id, taxonomy=taxonomy)} == unmatched


def test_names_come_from_current_data(staff, taxonomy):
    db = staff
    current = previewed(db, taxonomy, mode="peer")
    row = all_pairs(db, current.id, taxonomy)[0]
    teacher = row.reasons[0]["teacher"]
    db.get(Person, teacher).name = "Renamed Person"
    db.flush()
    again = next(r for r in all_pairs(db, current.id, taxonomy) if r.match.id == row.match.id)
    assert again.reasons[0]["text"].startswith("Renamed Person teaches ")


def test_close_calls_name_the_other_mentor_for_coordinators_only(staff, taxonomy):
    db = staff
    current = previewed(db, taxonomy, close_call_margin=1.0)  # any runner-up is a close call
    rows = [r for r in all_pairs(db, current.id, taxonomy) if r.close_call]
    assert rows
    row = rows[0]
    other = db.get(Person, row.close_call["other"])
    assert other.email == row.match.alternatives[0][0]  # the best other mentor, by score
    assert other.name in row.close_call["text"]
    publish_round(db, None, current.id)
    mentee = db.get(Person, row.match.mentee_id)
    [mine] = [p for p in my_pairs(db, mentee, taxonomy=taxonomy) if p.match.id == row.match.id]
    # A close call is a note for the coordinator's review: the pair never sees it.
    assert not [r for r in mine.reasons if r["code"] == "close_call"]
    assert [r for r in mine.reasons if r["code"] == "skill"]
    seen = pair_details(db, mentee, row.match.id, taxonomy=taxonomy)
    assert other.name not in json.dumps(seen.reasons)
    assert other.name in json.dumps(pair_details(db, None, row.match.id,
                                                 taxonomy=taxonomy).reasons)


def test_unmatched_entries_are_shown_with_their_details(staff, taxonomy):
    db = staff
    current = previewed(db, taxonomy)
    page = unmatched_people(db, None, current.id, size=500, taxonomy=taxonomy)
    codes = {reason["code"] for _, _, _, reason, _ in page.items}
    assert {"seat_taken", "no_teacher", "mentees_placed_elsewhere"} <= codes
    seat = next(reason for _, _, _, reason, _ in page.items if reason["code"] == "seat_taken")
    holder = db.get(Person, seat["holder"])
    mentor = db.get(Person, seat["mentor"])
    # The person said to hold the seat holds it.
    assert db.scalar(select(Match).where(Match.round_id == current.id,
                                         Match.mentor_id == mentor.id,
                                         Match.mentee_id == holder.id)) is not None
    assert holder.name in seat["text"] and mentor.name in seat["text"]
    assert any(d for *_, d in page.items)


def test_old_string_reasons_still_show(staff, taxonomy):
    db = staff
    current = previewed(db, taxonomy)
    match = db.scalars(select(Match).where(Match.round_id == current.id)).first()
    match.reasons = ["MARC 21: mentor expert (4), mentee none (0)", "locked by the coordinator"]
    someone = db.get(Person, match.mentee_id).email
    db.get(Round, current.id).unmatched = [
        {"id": someone, "side": "mentee", "reason": "every eligible mentor (2) is already full"}]
    db.flush()
    row = next(r for r in all_pairs(db, current.id, taxonomy) if r.match.id == match.id)
    assert [r["text"] for r in row.reasons] == ["MARC 21: mentor expert (4), mentee none (0)",
                                                "locked by the coordinator"]
    assert {r["code"] for r in row.reasons} == {"text"}
    [(_, email, side, reason, details)] = unmatched_people(db, None, current.id,
                                                           taxonomy=taxonomy).items
    assert (email, side, reason["text"], details) == (
        someone, "mentee", "every eligible mentor (2) is already full", [])
    exported = {r["mentee_email"]: r for r in csv.DictReader(io.StringIO(
        pairs_csv(db, None, current.id, taxonomy=taxonomy)))}
    cell = exported[someone]
    assert cell["reasons"] == ("MARC 21: mentor expert (4), mentee none (0); locked by the "
                               "coordinator")
    assert json.loads(cell["reason_codes"])[0] == {
        "code": "text", "text": "MARC 21: mentor expert (4), mentee none (0)"}


def test_the_csv_export_carries_text_and_codes(staff, taxonomy):
    db = staff
    current = previewed(db, taxonomy)
    rows = list(csv.DictReader(io.StringIO(pairs_csv(db, None, current.id, taxonomy=taxonomy))))
    first = rows[0]
    codes = json.loads(first["reason_codes"])
    assert codes[0]["code"] == "skill" and "text" not in codes[0]
    assert first["reasons"].startswith(taxonomy.name(codes[0]["skill"]) + " (want ")


def test_deleting_a_person_leaves_no_email_and_no_id_in_stored_reasons(staff, taxonomy):
    db = staff
    current = previewed(db, taxonomy, mode="peer")
    row = all_pairs(db, current.id, taxonomy)[0]
    gone_id = row.reasons[0]["teacher"]
    gone = db.get(Person, gone_id)
    address = gone.email
    name = gone.name
    # They are also named in someone else's unmatched report, where the pool allows it.
    delete_person(db, None, address)
    db.expire_all()
    text = stored_json(db, current.id)
    assert address not in text
    for rs in db.scalars(select(Match.reasons).where(Match.round_id == current.id)):
        assert all(gone_id not in people_in(r) for r in rs)
    for entry in db.get(Round, current.id).unmatched:
        assert all(gone_id not in people_in(r) for r in (entry["reason"], *entry["details"]))
    again = next(r for r in all_pairs(db, current.id, taxonomy) if r.match.id == row.match.id)
    assert again.reasons[0]["text"].startswith(f"{FORMER_PARTICIPANT} teaches ")
    assert name not in json.dumps([r.reasons for r in all_pairs(db, current.id, taxonomy)])


def test_the_close_call_margin_is_a_round_setting():
    from mentorship.core.errors import InvalidInput
    from mentorship.rounds.settings import default_settings, engine_settings, load_round_settings

    assert default_settings()["close_call_margin"] == 0.02
    assert engine_settings("mentor", {"close_call_margin": 0.1}).close_call_margin == 0.1
    with pytest.raises(InvalidInput) as caught:
        load_round_settings("mentor", {"close_call_margin": 2})
    assert [(e.column, e.reason) for e in caught.value.errors] == [
        ("close_call_margin", "must be between 0 and 1")]

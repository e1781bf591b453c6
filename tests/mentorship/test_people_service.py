"""Export everything held about a person, then delete them without a trace of their email."""

import json
from pathlib import Path

import pytest
from sqlalchemy import func, select

from matching.explain import REASONS
from mentorship.core.errors import NotFound, PermissionDenied
from mentorship.models import Base
from mentorship.people.models import Person
from mentorship.people.personal_data import delete_person, export_person
from mentorship.profiles.csv_io import read_profiles_csv
from mentorship.profiles.operations import import_profiles
from mentorship.rounds.models import Match, Round
from mentorship.rounds.operations import create_round, publish_round
from mentorship.rounds.run import preview_round

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "library_staff.csv"


@pytest.fixture
def published(db, taxonomy):
    import_profiles(db, None, read_profiles_csv(EXAMPLE, taxonomy), taxonomy)
    current = create_round(db, None, "A")
    preview_round(db, None, current.id, taxonomy=taxonomy)
    publish_round(db, None, current.id)
    return current


def everything(db) -> str:
    """Every value of every row of every table, as full text (a Row's repr is truncated)."""
    return "\n".join(json.dumps(list(row), default=str) for table in Base.metadata.sorted_tables
                     for row in db.execute(select(table)).all())


def test_export_then_delete_leaves_no_trace(db, published, taxonomy):
    match = db.scalars(select(Match).where(Match.round_id == published.id)).first()
    # Someone who appears as a pair, as another mentee's alternative and maybe as a manager.
    mentor = db.get(Person, match.mentor_id)
    email = mentor.email
    assert email in everything(db)
    pairs_before = db.scalar(select(func.count()).select_from(Match))

    data = export_person(db, mentor, email)
    assert data["person"]["email"] == email
    assert data["profile"]["skills"]
    assert any(m["as"] == "mentor" for m in data["matches"])

    mentor.profile.institution, mentor.profile.time_zone = "Westbrook Annex", "Pacific/Chatham"
    preview_again = create_round(db, None, "B")
    preview_round(db, None, preview_again.id, taxonomy=taxonomy)
    stored = next(p for p in db.get(Round, preview_again.id).input_snapshot["profiles"]
                  if p["id"] == email)
    assert (stored["institution"], stored["time_zone"]) == ("Westbrook Annex", "Pacific/Chatham")

    delete_person(db, None, email)
    db.expire_all()
    assert email not in everything(db)
    assert "Westbrook Annex" not in everything(db) and "Pacific/Chatham" not in everything(db)
    assert db.scalar(select(func.count()).select_from(Match)) == pairs_before
    assert db.scalar(select(Match).where(Match.id == match.id)).mentor_id is None
    assert db.get(Round, published.id).diagnostics["summary"]["matched"] > 0
    # The round's stored input no longer holds their data, and says so when reproduced.
    from mentorship.core.errors import Conflict
    from mentorship.rounds.run import reproduce_round

    with pytest.raises(Conflict, match="a person was deleted"):
        reproduce_round(db, None, published.id, taxonomy=taxonomy)


def test_only_the_person_or_an_admin(db, published):
    first, second = db.scalars(select(Person).limit(2)).all()
    with pytest.raises(PermissionDenied):
        export_person(db, first, second.email)
    with pytest.raises(NotFound):
        delete_person(db, None, "nobody@lib.org")


def test_scrub_replaces_whole_addresses_only():
    from mentorship.people.personal_data import DELETED, _scrub

    value = {"alternatives": [["joann@lib.edu", 0.5], ["ann@lib.edu", 0.4]],
             "reasons": ["ann@lib.edu teaches x", "jörg@lib.edu"]}
    assert _scrub(value, "ann@lib.edu") == {
        "alternatives": [["joann@lib.edu", 0.5], [DELETED, 0.4]],
        "reasons": [f"{DELETED} teaches x", "jörg@lib.edu"]}
    assert _scrub(value, "jörg@lib.edu")["reasons"][1] == DELETED


def test_export_includes_what_round_reports_say(db, published):
    left_out = db.get(Round, published.id).unmatched[0]
    data = export_person(db, None, left_out["id"])
    report = next(r for r in data["round_reports"] if r["round"] == published.id)
    # Someone taking part both ways may be listed twice (as a mentee and as a mentor offer).
    entry = next(e for e in report["unmatched"] if e["side"] == left_out["side"])
    assert (entry["id"], entry["side"], entry["reason"]["code"]) == (
        left_out["id"], left_out["side"], left_out["reason"]["code"])
    assert entry["reason"]["text"]
    # Reported as the person may read it: other people named only for coordinators are not.
    private = REASONS[left_out["reason"]["code"]].private
    assert not set(private) & set(entry["reason"])
    assert report["input_profile"][0]["id"] == left_out["id"]

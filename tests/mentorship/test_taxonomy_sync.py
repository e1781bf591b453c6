"""Loading a new taxonomy into the database: a split or renamed skill keeps its stored data."""

from __future__ import annotations

from sqlalchemy import select

from matching import Taxonomy
from mentorship.core.audit import AuditEvent
from mentorship.people.models import Person
from mentorship.profiles.csv_io import read_profiles_csv
from mentorship.profiles.mapping import stored_record
from mentorship.profiles.models import ProfileSkill
from mentorship.profiles.operations import import_profiles
from mentorship.rounds.operations import create_round
from mentorship.rounds.run import preview_round
from mentorship.taxonomy.models import Skill
from mentorship.taxonomy.sync import sync_taxonomy

#: The vocabulary before LCC and Dewey were split and Fedora and accessibility renamed.
BEFORE = Taxonomy.from_dict({"categories": [{"id": "metadata", "name": "Metadata", "skills": [
    {"id": "marc21", "name": "MARC 21"}, {"id": "rda", "name": "RDA"},
    {"id": "classification", "name": "Classification", "aliases": ["LCC", "Dewey"]},
    {"id": "fedora", "name": "Fedora Commons"},
    {"id": "accessibility", "name": "Web accessibility"},
]}]})

ROWS = [
    {"email": "ada@lib.org", "name": "Ada", "role": "mentor", "capacity": "2",
     "skills": "classification=4; fedora=3; marc21=4", "teach": "classification; marc21"},
    {"email": "ben@lib.org", "name": "Ben", "role": "mentee",
     "skills": "classification=1; accessibility=2", "learn": "rda; classification; marc21"},
]


def person(db, email: str) -> Person:
    return db.scalar(select(Person).where(Person.email == email))


def rows_of(db, email: str) -> dict[str, tuple[int, int | None, bool]]:
    found = db.scalars(select(ProfileSkill).where(ProfileSkill.person_id == person(db, email).id))
    return {row.skill_id: (row.level, row.learn_rank, row.teaches) for row in found}


def load_before(db, write_csv) -> None:
    import_profiles(db, None, read_profiles_csv(write_csv(ROWS), BEFORE), BEFORE)


def test_a_split_skill_hands_its_rows_to_every_successor(db, write_csv, taxonomy):
    load_before(db, write_csv)

    sync_taxonomy(db, None, taxonomy)

    assert rows_of(db, "ada@lib.org") == {
        "lcc": (4, None, True), "dewey": (4, None, True), "fedora_commons": (3, None, False),
        "marc21": (4, None, True)}
    # Ben's second wish becomes his second and third; his third moves down to fourth.
    assert rows_of(db, "ben@lib.org") == {
        "rda": (0, 1, False), "lcc": (1, 2, False), "dewey": (1, 3, False),
        "web_accessibility": (2, None, False), "marc21": (0, 4, False)}
    ben = person(db, "ben@lib.org")
    db.expire(ben.profile)
    assert stored_record(ben.profile)["learn"] == ["rda", "lcc", "dewey", "marc21"]
    assert db.get(Skill, "classification").active is False
    event = db.scalars(select(AuditEvent).where(AuditEvent.action == "taxonomy.load")
                       .order_by(AuditEvent.id.desc())).first()
    assert event.details["carried_over"] == {"classification": 2, "fedora": 1, "accessibility": 1}


def test_a_successor_already_held_keeps_its_own_row(db, write_csv, taxonomy):
    load_before(db, write_csv)
    # A file where Dewey is already a skill of its own, and Ada has rated it.
    interim = Taxonomy.from_dict({"categories": [{"id": "metadata", "name": "Metadata", "skills": [
        *({"id": s.id, "name": s.name} for s in BEFORE.skills.values()),
        {"id": "dewey", "name": "Dewey"}]}]})
    sync_taxonomy(db, None, interim)
    db.add(ProfileSkill(person_id=person(db, "ada@lib.org").id, skill_id="dewey", level=1))
    db.flush()

    sync_taxonomy(db, None, taxonomy)

    assert rows_of(db, "ada@lib.org")["dewey"] == (1, None, False)
    assert rows_of(db, "ada@lib.org")["lcc"] == (4, None, True)


def test_loading_again_carries_nothing_twice(db, write_csv, taxonomy):
    load_before(db, write_csv)
    sync_taxonomy(db, None, taxonomy)
    after_first = rows_of(db, "ben@lib.org")
    sync_taxonomy(db, None, BEFORE)  # back and forth: nothing is left under the old ids
    sync_taxonomy(db, None, taxonomy)
    assert rows_of(db, "ben@lib.org") == after_first


def test_a_preview_right_after_the_upgrade_matches_on_the_successors(db, write_csv, taxonomy):
    load_before(db, write_csv)
    current = create_round(db, None, "After the upgrade")

    preview_round(db, None, current.id, taxonomy=taxonomy)

    [pair] = current.matches
    assert (pair.mentor_id, pair.mentee_id) == (person(db, "ada@lib.org").id,
                                                person(db, "ben@lib.org").id)
    assert db.get(Skill, "lcc").active and not db.get(Skill, "classification").active

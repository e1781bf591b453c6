"""The database helpers a large round is written with: bulk inserts, the JSON codec, lz4."""

from datetime import UTC, datetime

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.exc import IntegrityError

from mentorship.core.db import encode_json, insert_rows
from mentorship.core.jsontext import from_json
from mentorship.people.models import Person
from mentorship.rounds.models import Match, MatchStatus
from mentorship.rounds.operations import create_round


@pytest.fixture
def two_people(db):
    people = [Person(email=f"{name}@lib.example.edu", name=name.title()) for name in ("ann", "bo")]
    db.add_all(people)
    db.flush()
    return people


def test_insert_rows_writes_what_an_orm_insert_would(db, two_people):
    ann, bo = two_people
    current = create_round(db, None, "A")
    moment = datetime(2026, 12, 2, 9, 30, tzinfo=UTC)
    rows = [{"round_id": current.id, "mentor_id": ann.id, "mentee_id": bo.id, "third_id": None,
             "score": 0.75, "reasons": [{"code": "skill", "skill": "marc21", "note": "ünïcode"}],
             "alternatives": [["x@lib.example.edu", 0.5]], "locked": False,
             "status": MatchStatus.PROPOSED, "created_at": moment, "updated_at": moment},
            {"round_id": current.id, "mentor_id": bo.id, "mentee_id": ann.id, "third_id": None,
             "score": 0.25, "reasons": [], "alternatives": [], "locked": True}]
    shared = {"round_id": current.id, "status": MatchStatus.PROPOSED, "created_at": moment,
              "updated_at": moment}
    insert_rows(db.connection(), Match.__table__, rows[:1])
    insert_rows(db.connection(), Match.__table__, rows[1:], shared)  # the same for every row
    insert_rows(db.connection(), Match.__table__, [])  # nothing to write is no error
    stored = db.scalars(select(Match).where(Match.round_id == current.id)
                        .order_by(Match.score.desc())).all()
    assert [(m.mentor_id, m.mentee_id, m.score, m.locked) for m in stored] == [
        (ann.id, bo.id, 0.75, False), (bo.id, ann.id, 0.25, True)]
    first = stored[0]
    assert first.reasons == rows[0]["reasons"] and first.alternatives == [["x@lib.example.edu", 0.5]]
    assert first.status is MatchStatus.PROPOSED and first.created_at == moment
    # Columns the rows left out took their Python defaults (not NULL, which they refuse).
    assert (first.decline_reason, first.end_reason, first.rematch_status) == ("", "", "")
    assert first.requested_at is None and first.id is not None
    assert stored[1].status is MatchStatus.PROPOSED and stored[1].created_at == moment


def test_insert_rows_refuses_a_row_that_breaks_a_constraint_and_writes_none(db, two_people):
    ann, bo = two_people
    current = create_round(db, None, "A")
    moment = datetime(2026, 12, 2, tzinfo=UTC)
    good = {"round_id": current.id, "mentor_id": ann.id, "mentee_id": bo.id, "score": 0.5,
            "created_at": moment}
    bad = {**good, "mentee_id": 10**9}  # nobody has that id
    db.commit()  # a savepoint: the failed insert is rolled back to here
    savepoint = db.begin_nested()
    with pytest.raises(IntegrityError, match=r"(?i)foreign key"):
        insert_rows(db.connection(), Match.__table__, [good, bad])
    savepoint.rollback()
    assert db.scalar(select(Match.id).where(Match.round_id == current.id)) is None


def test_insert_rows_refuses_a_naive_time_as_the_orm_does(db, two_people):
    ann, bo = two_people
    current = create_round(db, None, "A")
    with pytest.raises(ValueError, match="naive datetime"):
        insert_rows(db.connection(), Match.__table__, [
            {"round_id": current.id, "mentor_id": ann.id, "mentee_id": bo.id, "score": 0.5,
             "created_at": datetime(2026, 12, 2)}])


def test_the_json_codec_keeps_values_and_spells_keys_as_json_does():
    value = {"a": [1, 2.5, None, True], "é": "ünïcode", 3: "int key"}
    assert from_json(encode_json(value)) == {"a": [1, 2.5, None, True], "é": "ünïcode",
                                             "3": "int key"}
    with pytest.raises(TypeError):
        encode_json({"not json": object()})


def test_numbers_the_engine_computed_with_numpy_are_plain_json_numbers():
    import numpy as np

    from mentorship.core.jsontext import to_json

    class Score(float):
        pass

    value = {"b": np.float64(0.5), "a": [np.int64(3), Score(1.25), np.float32(0.25)]}
    assert to_json(value, sort_keys=True) == '{"a":[3,1.25,0.25],"b":0.5}'
    assert to_json({"a": [1]}, indent=True) == '{\n  "a": [\n    1\n  ]\n}'


def test_a_round_s_large_json_is_compressed_with_lz4_on_postgresql(db):
    if db.get_bind().dialect.name != "postgresql":
        pytest.skip("PostgreSQL only: SQLite does not compress")
    methods = dict(db.execute(text(
        "SELECT attname, attcompression FROM pg_attribute "
        "WHERE attrelid = 'round'::regclass AND attname IN "
        "('input_snapshot', 'diagnostics', 'unmatched')")).all())
    assert methods == {"input_snapshot": "l", "diagnostics": "l", "unmatched": "l"}


def test_a_snapshot_hash_is_over_its_canonical_text_whatever_the_key_order():
    from mentorship.rounds.snapshot import snapshot_hash, snapshot_matches

    snapshot = {"settings": {}, "profiles": [{"levels": {"z": 1, "b": 2}, "id": "a"}]}
    reordered = {"profiles": [{"id": "a", "levels": {"b": 2, "z": 1}}], "settings": {}}
    assert snapshot_hash(snapshot) == snapshot_hash(reordered)
    assert snapshot_matches(reordered, snapshot_hash(snapshot))
    assert not snapshot_matches({**snapshot, "profiles": []}, snapshot_hash(snapshot))


def test_a_large_import_refreshes_the_planner_s_statistics_on_postgresql(db, taxonomy,
                                                                        monkeypatch):
    from pathlib import Path

    from mentorship.profiles import operations
    from mentorship.profiles.csv_io import read_profiles_csv
    from mentorship.profiles.models import ProfileSkill

    if db.get_bind().dialect.name != "postgresql":
        pytest.skip("PostgreSQL only: SQLite's planner keeps no statistics for these queries")
    example = Path(__file__).resolve().parents[2] / "examples" / "library_staff.csv"
    table = read_profiles_csv(example, taxonomy)
    monkeypatch.setattr(operations, "ANALYZE_AFTER", len(table.records))
    operations.import_profiles(db, None, table, taxonomy)
    written = db.scalar(select(func.count()).select_from(ProfileSkill))
    estimated = db.scalar(text("SELECT reltuples FROM pg_class WHERE relname = 'profile_skill'"))
    assert written > 500 and estimated >= written


def test_insert_rows_writes_a_json_none_as_sqlalchemy_does(db, two_people):
    ann, bo = two_people
    current = create_round(db, None, "A")
    insert_rows(db.connection(), Match.__table__, [
        {"round_id": current.id, "mentor_id": ann.id, "mentee_id": bo.id, "score": 0.5,
         "reasons": None, "created_at": datetime(2026, 12, 2, tzinfo=UTC)}])
    # JSON's none_as_null is off: None is the JSON null, not SQL's NULL.
    assert db.scalar(text("SELECT count(*) FROM match WHERE round_id = :r AND reasons IS NULL"),
                     {"r": current.id}) == 0

"""Programmes: the migration into a default programme, enrolment, scoped rounds and access."""

from __future__ import annotations

import os

import pytest
import sqlalchemy as sa

from mentorship.core.db import make_engine
from mentorship.migrate import upgrade_database
from tests.conftest import own_database

# ---------------------------------------------------------------------------- the migration

OLD_ROWS = [
    "INSERT INTO person (id, email, name, department, active, is_coordinator, is_admin, "
    "password_hash, session_token, created_at, updated_at) VALUES "
    "(1, 'a@lib.org', 'A', '', {t}, {f}, {f}, '', '', '2026-01-01', '2026-01-01'), "
    "(2, 'b@lib.org', 'B', '', {t}, {f}, {f}, '', '', '2026-01-01', '2026-01-01'), "
    "(3, 'boss@lib.org', 'Boss', '', {t}, {f}, {f}, '', '', '2026-01-01', '2026-01-01')",
    "INSERT INTO profile (person_id, role, capacity, teach_explicit, goals, bio, "
    "format_preference, institution, location, time_zone, updated_at) VALUES "
    "(1, 'mentor', 1, {f}, '', '', 'either', '', '', '', '2026-01-01'), "
    "(2, 'mentee', 1, {f}, '', '', 'either', '', '', '', '2026-01-01')",
    "INSERT INTO round (id, name, mode, settings, status, version, progress_stage, "
    "progress_percent, failure_reason, job_id, input_hash, seed, engine_version, diagnostics, "
    "unmatched, created_at) VALUES "
    "(1, 'Spring', 'mentor', '{{}}', 'published', 1, '', 0, '', '', '', 0, '', '{{}}', '[]', "
    "'2026-01-01'), "
    "(2, 'Peers', 'peer', '{{}}', 'draft', 1, '', 0, '', '', '', 0, '', '{{}}', '[]', "
    "'2026-01-01')",
]


def test_the_migration_moves_existing_data_into_the_default_programme(database_url, tmp_path):
    with own_database(database_url, tmp_path, f"programmes_{os.getpid()}") as url:
        engine = make_engine(url)
        try:
            upgrade_database(engine, "0008_trios")
            sqlite = engine.dialect.name == "sqlite"
            t, f = ("1", "0") if sqlite else ("true", "false")
            with engine.begin() as connection:
                for statement in OLD_ROWS:
                    connection.execute(sa.text(statement.format(t=t, f=f)))
            upgrade_database(engine)
            with engine.connect() as connection:
                programmes = connection.execute(sa.text(
                    "SELECT id, name, mode, is_default FROM programme")).all()
                assert [(name, mode, bool(default)) for _, name, mode, default in programmes] \
                    == [("Library mentoring", "mentor", True)]
                default_id = programmes[0][0]
                enrolled = connection.execute(sa.text(
                    "SELECT programme_id, person_id FROM enrolment ORDER BY person_id")).all()
                # The manager without a profile takes no part, so is not enrolled.
                assert [tuple(row) for row in enrolled] == [(default_id, 1), (default_id, 2)]
                rounds = connection.execute(sa.text(
                    "SELECT id, programme_id FROM round ORDER BY id")).all()
                assert [tuple(row) for row in rounds] == [(1, default_id), (2, default_id)]
            with engine.begin() as connection, pytest.raises(sa.exc.IntegrityError):
                connection.execute(sa.text("UPDATE round SET programme_id = NULL"))
            with engine.begin() as connection, pytest.raises(sa.exc.IntegrityError):
                connection.execute(sa.text(
                    f"INSERT INTO enrolment (programme_id, person_id, created_at) VALUES "
                    f"({default_id}, 1, '2026-01-02')"))
        finally:
            engine.dispose()


def test_a_new_database_starts_with_the_default_programme(db):
    from mentorship.programmes.queries import default_programme

    programme = default_programme(db)
    assert (programme.name, programme.is_default, programme.mode) == (
        "Library mentoring", True, "mentor")
    assert default_programme(db).id == programme.id

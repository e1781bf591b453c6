"""Pages read without queueing behind a writer (SQLite's WAL lets readers and a writer overlap)."""

from __future__ import annotations

import sqlite3

import pytest


def test_a_page_loads_while_another_connection_holds_the_write_lock(as_role, web_database):
    if not web_database.startswith("sqlite"):
        pytest.skip("PostgreSQL readers never wait for writers")
    client = as_role("coordinator")
    writer = sqlite3.connect(web_database.removeprefix("sqlite:///"), isolation_level=None)
    try:
        writer.execute("BEGIN IMMEDIATE")
        writer.execute("UPDATE person SET name = name WHERE id = 1")
        assert client.get("/coordinator/people").status_code == 200
        assert client.get("/coordinator/skills").status_code == 200
        assert client.get("/api/v1/people").status_code == 200
    finally:
        writer.rollback()
        writer.close()


def test_a_served_app_freezes_what_it_made_at_start_and_a_test_app_does_not(tmp_path):
    """gc.freeze() keeps a worker's start-up objects out of every request's collections; in a
    subprocess, since freezing is for the life of the process."""
    import subprocess
    import sys
    from pathlib import Path

    code = (
        "import gc; from webapp import create_app\n"
        f"base = {{'SECRET_KEY': 'x', 'DATABASE_URL': 'sqlite:///{tmp_path}/a.db'}}\n"
        "create_app({**base, 'TESTING': True}); tested = gc.get_freeze_count()\n"
        "create_app(base); print(tested, gc.get_freeze_count())\n"
    )
    root = Path(__file__).resolve().parents[2]
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          cwd=root, check=True)
    tested, served = map(int, done.stdout.split())
    assert tested == 0 and served > 10_000

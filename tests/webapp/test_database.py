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

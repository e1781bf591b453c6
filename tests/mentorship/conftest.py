"""Shared fixtures for the mentorship tests: the default taxonomy and CSV writers."""

from __future__ import annotations

import csv
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path

import pytest

from matching import Taxonomy
from mentorship.taxonomy import load_taxonomy

WriteCsv = Callable[..., Path]


@pytest.fixture(scope="session")
def taxonomy() -> Taxonomy:
    """Return the default taxonomy (mentorship/taxonomy/skills.yaml)."""
    return load_taxonomy()


@pytest.fixture
def write_csv(tmp_path: Path) -> WriteCsv:
    """Return a function that writes rows (mappings of column to cell) as a CSV in tmp_path.

    The header is `columns` when given, else every key in order of first appearance; missing
    cells are left empty.
    """

    def write(
        rows: Sequence[Mapping[str, object]],
        *,
        columns: Sequence[str] | None = None,
        name: str = "profiles.csv",
    ) -> Path:
        if columns is None:
            columns = list(dict.fromkeys(key for row in rows for key in row))
        path = tmp_path / name
        with path.open("w", encoding="utf-8", newline="") as out:
            writer = csv.DictWriter(out, fieldnames=list(columns), restval="")
            writer.writeheader()
            writer.writerows(rows)
        return path

    return write


@pytest.fixture
def write_text(tmp_path: Path) -> Callable[..., Path]:
    """Return a function that writes raw text (or bytes) to a file in tmp_path."""

    def write(content: str | bytes, *, name: str = "profiles.csv") -> Path:
        path = tmp_path / name
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content, encoding="utf-8", newline="")
        return path

    return write

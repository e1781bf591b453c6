"""Deployment settings shared by the CLI, the worker and the web app, with their defaults.

Each reads the environment when asked (not at import), so a test or a command can set it first.
"""

from __future__ import annotations

import os
from pathlib import Path

__all__ = ["DEFAULT_CHECK_IN_WEEKS", "base_url", "check_in_weeks", "database_url", "import_row_limit",
           "instance_path", "sqlite_default_path"]


def instance_path() -> Path:
    """Return the folder for this installation's own files: the SQLite database, the secret key,
    ``config.py``.

    ``MENTORSHIP_INSTANCE_PATH`` when set, else ``instance/`` in the current directory (so a
    checkout and an installed wheel behave alike).
    """
    configured = os.environ.get("MENTORSHIP_INSTANCE_PATH")
    return Path(configured).expanduser().resolve() if configured else Path.cwd() / "instance"


def sqlite_default_path() -> Path:
    """Return where the embedded SQLite database lives when no database URL is configured."""
    return instance_path() / "mentorship.db"


def database_url(url: str | None = None) -> str:
    """Return the database URL: the argument, else ``MENTORSHIP_DATABASE_URL``, else
    ``DATABASE_URL``, else the embedded SQLite file (its folder is made if need be)."""
    for candidate in (url, os.environ.get("MENTORSHIP_DATABASE_URL"), os.environ.get("DATABASE_URL")):
        if candidate:
            return candidate
    path = sqlite_default_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    return f"sqlite:///{path}"


def base_url() -> str:
    """Return the address people reach the web app at, for links sent to them (invites).

    ``MENTORSHIP_BASE_URL`` (for instance ``https://mentoring.library.example.edu``); never the
    Host header of a request, which whoever sends the request chooses. Defaults to the address
    `mentorship serve` listens on.
    """
    return os.environ.get("MENTORSHIP_BASE_URL", "http://127.0.0.1:5000").rstrip("/")


#: The most people one profile file may hold, unless MENTORSHIP_IMPORT_ROW_LIMIT says otherwise.
DEFAULT_IMPORT_ROW_LIMIT = 50_000


def import_row_limit() -> int:
    """Return how many data rows a profile file may have (``MENTORSHIP_IMPORT_ROW_LIMIT``)."""
    raw = os.environ.get("MENTORSHIP_IMPORT_ROW_LIMIT", "")
    return int(raw) if raw.isdecimal() and int(raw) > 0 else DEFAULT_IMPORT_ROW_LIMIT


#: Weeks between two check-ins of a pair, unless MENTORSHIP_CHECK_IN_WEEKS says otherwise (a
#: programme's own setting, once programmes exist, comes first).
DEFAULT_CHECK_IN_WEEKS = 4


def check_in_weeks() -> int:
    """Return the weeks between a pair's check-ins (``MENTORSHIP_CHECK_IN_WEEKS``, 1-52)."""
    raw = os.environ.get("MENTORSHIP_CHECK_IN_WEEKS", "")
    return int(raw) if raw.isdecimal() and 1 <= int(raw) <= 52 else DEFAULT_CHECK_IN_WEEKS

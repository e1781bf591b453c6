"""Deployment settings shared by the CLI, the worker and the web app, with their defaults.

Each reads the environment when asked (not at import), so a test or a command can set it first.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

__all__ = ["DEFAULT_CHECK_IN_WEEKS", "SMTP_SECURITY", "MailSettings", "base_url", "check_in_weeks",
           "database_url", "import_row_limit", "instance_path", "mail_settings",
           "sqlite_default_path"]


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
#: programme's `check_in_weeks` setting comes first).
DEFAULT_CHECK_IN_WEEKS = 4


def check_in_weeks() -> int:
    """Return the weeks between a pair's check-ins (``MENTORSHIP_CHECK_IN_WEEKS``, 1-52)."""
    raw = os.environ.get("MENTORSHIP_CHECK_IN_WEEKS", "")
    return int(raw) if raw.isdecimal() and 1 <= int(raw) <= 52 else DEFAULT_CHECK_IN_WEEKS


#: How the connection to the mail server is protected: none (plain SMTP), starttls (plain, then
#: upgraded with STARTTLS before anything is sent) or tls (TLS from the first byte, "SMTPS").
SMTP_SECURITY = ("none", "starttls", "tls")
#: The port each kind of security listens on when SMTP_PORT is not set.
SMTP_DEFAULT_PORT = {"none": 25, "starttls": 587, "tls": 465}


@dataclass(frozen=True)
class MailSettings:
    """Where and how mail is sent, and how often a failed send is tried again."""

    host: str = ""                    # no host: mail stays in the outbox, shown there in full
    port: int = 25
    security: str = "none"            # one of SMTP_SECURITY
    user: str = ""                    # no user: no login
    password: str = field(default="", repr=False)  # never in a log line
    sender: str = "mentoring@localhost"
    ca_file: str = ""                 # a CA bundle to trust (a private mail server's own CA)
    timeout: float = 30.0             # seconds to wait for the mail server
    max_attempts: int = 5             # tries before a message is marked failed
    retry_seconds: float = 60.0       # wait before the second try; doubled after each failure
    remind_after_days: int = 7        # a pair not accepted after this many days is reminded


def mail_settings(config: Mapping | None = None) -> MailSettings:
    """Return the mail settings: from `config` (the web app's) where it has the key, else the
    ``MENTORSHIP_<KEY>`` environment variable, else the default.

    Keys: SMTP_HOST, SMTP_PORT, SMTP_SECURITY, SMTP_USER, SMTP_PASSWORD, SMTP_SENDER,
    SMTP_CA_FILE, SMTP_TIMEOUT, MAIL_MAX_ATTEMPTS, MAIL_RETRY_SECONDS, MAIL_REMIND_AFTER_DAYS.
    A value that cannot be read raises ValueError naming the key.
    """
    def raw(key: str) -> object:
        if config is not None and config.get(key) not in (None, ""):
            return config[key]
        return os.environ.get(f"MENTORSHIP_{key}", "")

    def number(key: str, kind: type, default, minimum) -> int | float:
        value = raw(key)
        if value in (None, ""):
            return default
        try:
            read = kind(value)
        except (TypeError, ValueError):
            raise ValueError(f"{key} must be a number, not {value!r}") from None
        if not read >= minimum:
            raise ValueError(f"{key} must be at least {minimum}, not {value!r}")
        return read

    defaults = MailSettings()
    security = str(raw("SMTP_SECURITY") or defaults.security).strip().lower()
    if security not in SMTP_SECURITY:
        raise ValueError(f"SMTP_SECURITY must be one of {', '.join(SMTP_SECURITY)}, not {security!r}")
    return MailSettings(
        host=str(raw("SMTP_HOST") or "").strip(),
        port=number("SMTP_PORT", int, SMTP_DEFAULT_PORT[security], 1),
        security=security,
        user=str(raw("SMTP_USER") or ""),
        password=str(raw("SMTP_PASSWORD") or ""),
        sender=str(raw("SMTP_SENDER") or defaults.sender),
        ca_file=str(raw("SMTP_CA_FILE") or ""),
        timeout=number("SMTP_TIMEOUT", float, defaults.timeout, 0.1),
        max_attempts=number("MAIL_MAX_ATTEMPTS", int, defaults.max_attempts, 1),
        retry_seconds=number("MAIL_RETRY_SECONDS", float, defaults.retry_seconds, 0),
        remind_after_days=number("MAIL_REMIND_AFTER_DAYS", int, defaults.remind_after_days, 1),
    )

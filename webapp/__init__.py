"""The web app: server-rendered pages and a JSON API over the services of `mentorship`."""

from __future__ import annotations

import secrets
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # imported in create_app: `mentorship` (webapp.cli) starts without Flask
    from flask import Flask

__all__ = ["create_app"]


def create_app(test_config: dict | None = None) -> Flask:
    """Create and configure the app (the application factory).

    Settings come from `test_config` when given, else from ``config.py`` in the instance folder
    (``MENTORSHIP_INSTANCE_PATH``, default ``instance/``) and
    ``MENTORSHIP_*`` environment variables (``MENTORSHIP_DATABASE_URL``, ``MENTORSHIP_SECRET_KEY``,
    ``MENTORSHIP_SMTP_HOST`` ...).
    """
    from flask import Flask

    from mentorship.core.settings import instance_path

    app = Flask(__name__, instance_path=str(instance_path()), instance_relative_config=True)
    from webapp.forms import BoundedIntConverter

    app.url_map.converters["int"] = BoundedIntConverter  # before any route is added
    app.config.from_mapping(
        DATABASE_URL=None,            # None: DATABASE_URL from the environment, else SQLite
        TAXONOMY_PATH=None,           # None: the default taxonomy (mentorship/taxonomy/skills.yaml)
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=False,  # set True when served over HTTPS (cookies then never go
                                      # over plain HTTP)
        SESSION_MAX_AGE=12 * 3600,    # seconds a sign-in lasts, whatever the browser keeps
        MAX_CONTENT_LENGTH=25 * 1024 * 1024,  # the largest request body (a CSV upload)
        IMPORT_WAIT_SECONDS=5,        # how long an import's POST waits for its job before it
                                      # shows the job's progress page instead (a small file's
                                      # result comes at once)
        PROXY_FIX_HOPS=0,             # reverse proxies in front of the app, trusted for
                                      # X-Forwarded-For/-Proto/-Host
        REMEMBER_COOKIE_HTTPONLY=True,
        WTF_CSRF_TIME_LIMIT=None,     # the token lives as long as the session
        SIGN_IN_LIMIT="5 per minute; 20 per hour",      # per address and email
        SIGN_IN_ADDRESS_LIMIT="60 per minute; 300 per hour",  # per address, any email
        RATELIMIT_STORAGE_URI="memory://",
        RATELIMIT_HEADERS_ENABLED=True,
        RESET_ANSWER_SECONDS=0.2,     # a forgot-password answer takes at least this long,
                                      # account or not (its timing must not tell)
        BASE_URL=None,                # where people reach the app, for the links mailed to them
                                      # (None: MENTORSHIP_BASE_URL, else http://127.0.0.1:5000);
                                      # never taken from a request's Host header
        LOG_LEVEL="INFO",             # the app's log (stderr): requests, warnings
        # Mail: SMTP_HOST, SMTP_PORT, SMTP_SECURITY, SMTP_USER, SMTP_PASSWORD, SMTP_SENDER,
        # SMTP_CA_FILE, SMTP_TIMEOUT, MAIL_MAX_ATTEMPTS, MAIL_RETRY_SECONDS, MAIL_REMIND_AFTER_DAYS;
        # their defaults are in mentorship.core.settings.MailSettings (a key not set here is
        # read from MENTORSHIP_<KEY>, as the worker reads it). No SMTP_HOST: mail waits in the
        # outbox.
        API_TITLE="Library mentorship API",
        API_VERSION="v1",
        OPENAPI_VERSION="3.0.3",
        OPENAPI_URL_PREFIX="/api/v1",
        OPENAPI_JSON_PATH="openapi.json",
    )
    if test_config is None:
        app.config.from_pyfile("config.py", silent=True)
        app.config.from_prefixed_env("MENTORSHIP")
    else:
        app.config.from_mapping(test_config)
    if not app.config.get("SECRET_KEY"):
        app.config["SECRET_KEY"] = _instance_secret(Path(app.instance_path))

    app.logger.setLevel(app.config["LOG_LEVEL"])
    from mentorship.core.settings import mail_settings

    mail_settings(app.config)  # a mail setting that cannot be read stops the start, not a request

    from webapp import api, auth, database, errors, security, views

    database.init_app(app)
    security.init_app(app)
    auth.init_app(app)
    views.init_app(app)
    api.init_app(app)
    errors.init_app(app)  # after the API's, so that every error has one format
    if not app.testing:
        # What exists now (modules, templates, the taxonomy) lives as long as the process:
        # frozen, it is left out of the collections that every request's garbage triggers
        # (about a quarter of My matches' time under load). Tests make many apps: not theirs.
        import gc

        gc.freeze()
    return app


def _instance_secret(instance: Path) -> str:
    """Return the instance's secret key, made on first start, so sessions survive restarts."""
    path = instance / "secret_key"
    if path.exists():
        return path.read_text().strip()
    instance.mkdir(parents=True, exist_ok=True)
    key = secrets.token_hex(32)
    path.write_text(key)
    path.chmod(0o600)
    return key

"""One SQLAlchemy session per request, from the engine the app was configured with."""

from __future__ import annotations

import time
from dataclasses import replace

from flask import Flask, Response, current_app, g, request
from sqlalchemy.orm import Session

from mentorship.core.db import READ_ONLY, make_engine, make_session_factory
from mentorship.core.settings import database_url, mail_settings
from mentorship.mail.outbox import BASE_URL_KEY, SETTINGS_KEY
from mentorship.profiles.import_jobs import SKILLS_GUIDE
from mentorship.taxonomy import Taxonomy, load_taxonomy

__all__ = ["get_db", "get_taxonomy", "init_app"]


def init_app(app: Flask) -> None:
    """Make the app's engine and session factory and close each request's session."""
    app.config["DATABASE_URL"] = database_url(app.config["DATABASE_URL"])
    engine = make_engine(app.config["DATABASE_URL"])
    app.extensions["mentorship.engine"] = engine
    app.extensions["mentorship.sessions"] = make_session_factory(engine)
    # GET and HEAD change nothing: their transactions only read (see mentorship.core.db.READ_ONLY).
    app.extensions["mentorship.read_sessions"] = make_session_factory(
        engine.execution_options(**{READ_ONLY: True}))
    app.extensions["mentorship.taxonomy"] = load_taxonomy(app.config["TAXONOMY_PATH"])
    # Its messages on coordinators' pages send them to the Skills page, not to a server file.
    app.extensions["mentorship.coordinators_taxonomy"] = replace(
        app.extensions["mentorship.taxonomy"], guide=SKILLS_GUIDE)
    app.before_request(_start_clock)
    app.after_request(_commit_on_success)
    app.after_request(_log_request)
    app.teardown_appcontext(_close_db)


def get_db() -> Session:
    """The request's session: committed when the request succeeds, else rolled back."""
    if "db" not in g:
        kind = "read_sessions" if request.method in ("GET", "HEAD") else "sessions"
        g.db = current_app.extensions[f"mentorship.{kind}"]()
        # Mail queued by this request is sent with the app's settings, its links on BASE_URL.
        g.db.info[SETTINGS_KEY] = mail_settings(current_app.config)
        g.db.info[BASE_URL_KEY] = current_app.config["BASE_URL"]
    return g.db


def get_taxonomy(*, coordinators: bool = False) -> Taxonomy:
    """The skill taxonomy in force; with `coordinators`, the one whose messages send the
    reader to the Skills page (for the pages only coordinators see)."""
    return current_app.extensions[
        "mentorship.coordinators_taxonomy" if coordinators else "mentorship.taxonomy"]


def _commit_on_success(response: Response) -> Response:
    """Commit a changing request's work when it succeeded (status below 400).

    The one commit point of a request: views and API endpoints never commit. An error page, a
    form shown again with its errors or an exception leaves everything as it was (the session
    is rolled back when the request ends).
    """
    session = g.get("db")
    if session is not None and request.method not in ("GET", "HEAD") and response.status_code < 400:
        session.commit()
    return response


def _start_clock() -> None:
    g.started = time.perf_counter()


def _log_request(response: Response) -> Response:
    """One line a request: method, path (never the query: it may hold a search for a name),
    status and server time."""
    elapsed = 1000 * (time.perf_counter() - g.get("started", time.perf_counter()))
    current_app.logger.info("%s %s %s %.1f ms", request.method, request.path,
                            response.status_code, elapsed)
    return response


def _close_db(exception: BaseException | None = None) -> None:
    session = g.pop("db", None)
    if session is not None:
        session.rollback()
        session.close()

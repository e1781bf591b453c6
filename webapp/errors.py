"""Every error a user can meet, as a page or (under /api/) as JSON: never a traceback."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import Flask, current_app, flash, g, jsonify, make_response, redirect, render_template, request
from flask_wtf.csrf import CSRFError
from sqlalchemy.exc import OperationalError
from werkzeug.exceptions import HTTPException, InternalServerError

from mentorship.core.errors import Conflict, DomainError, InvalidInput, NotFound, PermissionDenied

__all__ = ["STATUS", "init_app", "page_it_came_from", "same_site_path", "wants_json"]

#: PostgreSQL's SQLSTATEs of a transaction undone for another's change: deadlock detected,
#: serialization failure.
CONCURRENT_CHANGE = ("40P01", "40001")

#: The HTTP status of each domain error.
STATUS = {NotFound: 404, PermissionDenied: 403, Conflict: 409, InvalidInput: 422}


#: What a page says for an error raised without a message of its own.
PLAIN_WORDS = {
    403: "You are not allowed to see this page. If you think you should be, ask your "
         "coordinator.",
    404: "There is no such page: the address may be mistyped, or what it showed was removed.",
    405: "That page cannot be used this way: go back and use its buttons.",
}


def init_app(app: Flask) -> None:
    """Register the handlers."""
    app.register_error_handler(DomainError, _domain_error)
    app.register_error_handler(CSRFError, _csrf_error)
    app.register_error_handler(HTTPException, _http_error)
    app.register_error_handler(OperationalError, _database_busy)
    app.register_error_handler(Exception, _unexpected)


def wants_json() -> bool:
    """API requests get JSON errors; pages get pages."""
    return request.path.startswith("/api/")


def _render(status: int, title: str, message: str, errors: dict | None = None):
    # A failed statement leaves the request's session unusable, and the page's header reads
    # the signed-in person through it: start the session afresh before rendering.
    if "db" in g:
        g.db.rollback()
    if wants_json():
        body = {"code": status, "status": title, "message": message}
        if errors:
            body["errors"] = errors
        return jsonify(body), status
    return render_template("error.html", status=status, title=title, message=message,
                           errors=errors), status


def _domain_error(error: DomainError):
    status = next(code for kind, code in STATUS.items() if isinstance(error, kind))
    back = page_it_came_from()
    if isinstance(error, Conflict) and back is not None:
        # A form's conflict (the last admin, a round published twice) is news about that page:
        # say it there, where the person can see the state and choose again.
        if "db" in g:
            g.db.rollback()
        flash(str(error), "error")
        return redirect(back, 303)
    field_errors = None
    if isinstance(error, InvalidInput):
        field_errors = {}
        for problem in error.errors:
            field_errors.setdefault(problem.column or "_schema", []).append(problem.reason)
    title = {404: "Not found", 403: "Not allowed", 409: "Conflict", 422: "Invalid input"}[status]
    return _render(status, title, str(error), field_errors)


def same_site_path(target: str | None) -> str | None:
    """Return `target` if it is a path on this site, else None: an open redirect helps phishing.

    "//evil.example" and "/\\evil.example" are other sites to a browser (it reads a backslash
    as a slash), and so is anything with a scheme, a host or a control character.
    """
    if not target or not target.startswith("/") or target.startswith("//"):
        return None
    if "\\" in target or any(ord(char) < 32 or ord(char) == 127 for char in target):
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc:
        return None
    return target


def page_it_came_from() -> str | None:
    """The path of the page whose form was posted (its same-site Referer), if any: where a
    form's redirect goes back to, never another site."""
    if request.method != "POST" or wants_json() or not request.referrer:
        return None
    parts = urlsplit(request.referrer)
    if parts.netloc != request.host:
        return None
    # A form posted to its own page goes back to it only if that page can be read (GET).
    if parts.path == request.path and "GET" not in (request.url_rule.methods
                                                    if request.url_rule else ()):
        return None
    return same_site_path(parts.path + (f"?{parts.query}" if parts.query else ""))


def _csrf_error(error: CSRFError):
    return _render(400, "Form expired", "The form's security token is missing or out of date "
                   f"({error.description}). Go back, reload the page and try again.")


def _http_error(error: HTTPException):
    # webargs (through flask-smorest) puts the field messages of a bad body in `data`.
    messages = (getattr(error, "data", None) or {}).get("messages")
    if isinstance(messages, dict) and len(messages) == 1:  # {"json": {...}}: drop the location
        messages = next(iter(messages.values()))
    description = error.description or error.name
    if description == type(error).description and error.code in PLAIN_WORDS:
        description = PLAIN_WORDS[error.code]  # werkzeug's default sentence speaks of servers
    if error.code == 413:
        limit = current_app.config["MAX_CONTENT_LENGTH"]
        size = f"{limit // 2**20} MB" if limit >= 2**20 else f"{limit // 1024} KB"
        description = f"The upload is larger than {size}: split the file and try again."
    return _render(error.code or 500, error.name, description, messages)


def _database_busy(error: OperationalError):
    """SQLite's writer lock held past the busy timeout (or the server gone): say so, retryably.

    PostgreSQL's deadlock and serialization failures are two changes of the same thing at the
    same moment: a 409 (their message says "blocked by process", which read as "locked").
    Never the driver's message: it holds the SQL and its parameters.
    """
    if getattr(error.orig, "sqlstate", None) in CONCURRENT_CHANGE:
        current_app.logger.warning("concurrent change on %s %s (%s)", request.method,
                                   request.path, error.orig.sqlstate)
        return _render(409, "Conflict", "Someone else changed the same thing at the same "
                                        "moment. Nothing was saved: reload the page to see "
                                        "it as it is now, then try again.")
    if "locked" not in str(error.orig) and "busy" not in str(error.orig):
        return _unexpected(error)
    current_app.logger.warning("database busy on %s %s", request.method, request.path)
    response = make_response(_render(503, "Busy", "The database is busy with another change. "
                                                  "Nothing was saved: please try again in a "
                                                  "moment."))
    response.headers["Retry-After"] = "5"
    return response


def _unexpected(error: Exception):
    if isinstance(error, HTTPException):  # pragma: no cover - handled above
        return _http_error(error)
    current_app.logger.exception("unexpected error on %s %s", request.method, request.path)
    return _http_error(InternalServerError("Something went wrong on our side; it has been "
                                           "logged. Please try again."))

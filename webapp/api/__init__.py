"""The JSON API at /api/v1 (flask-smorest): programmes, people, profiles, rounds and matches.

Every call needs a signed-in session (the cookie of the sign-in page); every change also needs
the session's CSRF token in the X-CSRFToken header. GET /api/v1/session returns it. Errors are
JSON: {"code", "status", "message", "errors"?}. Lists that can grow long are paged with
``page`` and ``page_size`` and say where they are in the X-Pagination header.
"""

from __future__ import annotations

from flask import Flask, abort, request
from flask_smorest import Api
from flask_smorest.pagination import PaginationMetadataSchema

from mentorship.profiles.schemas import profile_update_schema

__all__ = ["PREFIX", "init_app"]

PREFIX = "/api/v1/"

SECURITY_SCHEMES = {
    "session": {"type": "apiKey", "in": "cookie", "name": "session",
                "description": "The session cookie set by signing in at /sign-in."},
    "csrf_token": {"type": "apiKey", "in": "header", "name": "X-CSRFToken",
                   "description": "The csrf_token of GET /api/v1/session; needed by every change."},
}


def init_app(app: Flask) -> None:
    """Register the API blueprints and serve the OpenAPI document at /api/v1/openapi.json."""
    from webapp.api import choice, health, matches, people, profiles, programmes, rounds, session

    api = _Api(app, spec_kwargs={"security": [{"session": []}]})
    app.extensions["mentorship.api"] = api
    for name, scheme in SECURITY_SCHEMES.items():
        api.spec.components.security_scheme(name, scheme)
    # The one profile schema documents the body that PUT /profiles/<id> hands to it.
    api.spec.components.schema(
        "ProfileUpdate", {"description": "A whole profile. skills: {skill: level} or 'a=1; b=2'; "
                                         "learn and teach: lists of skills or 'a; b'."},
        schema=profile_update_schema(app.extensions["mentorship.taxonomy"]))
    for module in (session, programmes, people, profiles, rounds, matches, choice, health):
        api.register_blueprint(module.blp)
    app.before_request(_json_bodies_only)


class _Api(Api):
    """flask-smorest's Api, with the X-Pagination header documented as the JSON it is."""

    def _register_pagination_header(self) -> None:
        # flask-smorest declares the header with a `schema` (an object, which OpenAPI reads as
        # "key,value,..."), but sends JSON: OpenAPI 3 says that with `content`.
        self.spec.components.header("PAGINATION", {
            "description": "Pagination metadata, as JSON",
            "content": {"application/json": {"schema": PaginationMetadataSchema}},
        }, lazy=True)


def _json_bodies_only() -> None:
    """Refuse an API body that is not JSON, and a PUT without one.

    Without this a form-encoded or empty PUT would read as {} and reset a profile to defaults.
    """
    if not request.path.startswith(PREFIX) or request.method not in ("POST", "PUT", "PATCH"):
        return
    if not request.is_json and (request.method == "PUT" or request.content_length):
        abort(415, "Send the body as JSON, with the header Content-Type: application/json.")

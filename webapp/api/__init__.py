"""The JSON API at /api/v1 (flask-smorest): people, profiles, rounds and matches."""

from __future__ import annotations

from flask import Flask
from flask_smorest import Api

__all__ = ["init_app"]


def init_app(app: Flask) -> None:
    """Register the API blueprints and serve the OpenAPI document at /api/v1/openapi.json."""
    api = Api(app)
    app.extensions["mentorship.api"] = api

"""The pages, one blueprint per area."""

from __future__ import annotations

from flask import Flask, jsonify, redirect, url_for
from flask_login import current_user

from mentorship.core.db import database_answers
from webapp.auth import home_for
from webapp.database import get_db

__all__ = ["init_app"]


def init_app(app: Flask) -> None:
    """Register every page blueprint, and the home page that sends people where they belong."""
    from webapp.views import (
        admin,
        health,
        matches,
        outbox,
        people,
        profile,
        programmes,
        rounds,
        signup,
        skills,
    )

    for module in (admin, health, matches, outbox, people, profile, programmes, rounds, signup,
                   skills):
        app.register_blueprint(module.bp)

    @app.get("/")
    def home():
        """Send people to their start page, or to sign in."""
        if current_user.is_authenticated:
            return redirect(home_for(current_user.person))
        return redirect(url_for("auth.sign_in"))

    @app.get("/healthz")
    def healthz():
        """For a load balancer or a monitor: 200 when the app and its database answer."""
        if database_answers(get_db()):
            return jsonify(status="ok")
        return jsonify(status="the database does not answer"), 503

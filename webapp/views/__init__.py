"""The pages, one blueprint per area."""

from __future__ import annotations

from flask import Flask, redirect, url_for
from flask_login import current_user

from webapp.auth import home_for

__all__ = ["init_app"]


def init_app(app: Flask) -> None:
    """Register every page blueprint, and the home page that sends people where they belong."""
    from webapp.views import admin, matches, people, profile, rounds, skills

    for module in (admin, matches, people, profile, rounds, skills):
        app.register_blueprint(module.bp)

    @app.get("/")
    def home():
        """Send people to their start page, or to sign in."""
        if current_user.is_authenticated:
            return redirect(home_for(current_user.person))
        return redirect(url_for("auth.sign_in"))

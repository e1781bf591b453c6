"""Placeholder: being built."""

from flask import Blueprint

bp = Blueprint("matches", __name__)


@bp.get("/matches")
def index():
    return "matches"

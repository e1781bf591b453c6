"""Placeholder: being built."""

from flask import Blueprint

bp = Blueprint("rounds", __name__)


@bp.get("/coordinator/rounds")
def index():
    return "rounds"

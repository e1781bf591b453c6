"""Placeholder: being built."""

from flask import Blueprint

bp = Blueprint("people", __name__)


@bp.get("/coordinator/people")
def index():
    return "people"

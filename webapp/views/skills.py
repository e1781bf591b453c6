"""Placeholder: being built."""

from flask import Blueprint

bp = Blueprint("skills", __name__)


@bp.get("/coordinator/skills")
def index():
    return "skills"

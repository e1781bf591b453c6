"""Placeholder: being built."""

from flask import Blueprint

bp = Blueprint("admin", __name__)


@bp.get("/admin/roles")
def roles():
    return "roles"

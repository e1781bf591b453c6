"""GET /api/v1/session: who is signed in, and the CSRF token their changes must carry."""

from __future__ import annotations

from typing import Any

from flask_smorest import Blueprint
from flask_wtf.csrf import generate_csrf

from webapp.api.access import guarded
from webapp.api.schemas import SessionSchema
from webapp.auth import actor

__all__ = ["blp"]

blp = Blueprint("api_session", __name__, url_prefix="/api/v1/session",
                description="The signed-in person and their CSRF token.")


@blp.route("", methods=["GET"])
@guarded(blp)
@blp.response(200, SessionSchema)
def get_session() -> dict[str, Any]:
    """Return the signed-in person and the token to send as X-CSRFToken with every change."""
    return {"person": actor(), "csrf_token": generate_csrf()}

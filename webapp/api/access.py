"""Who may call an API view, and how the OpenAPI document says so."""

from __future__ import annotations

from collections.abc import Callable

from flask_login import login_required
from flask_smorest import Blueprint

from webapp.auth import admin_required, coordinator_required

__all__ = ["guarded"]

_CHECKS = {"signed_in": login_required, "coordinator": coordinator_required,
           "admin": admin_required}


def guarded(blp: Blueprint, who: str = "signed_in", *, changes: bool = False) -> Callable:
    """Let in only `who` (signed_in, coordinator or admin) and document the refusals.

    A view that changes something (`changes`) also documents the CSRF token it needs (the
    X-CSRFToken header, from GET /api/v1/session) and that a body must be JSON.
    """
    check = _CHECKS[who]

    def decorator(view: Callable) -> Callable:
        # The check wraps the argument parsing, so that strangers learn nothing from a 422.
        guarded_view = check(view)
        guarded_view = blp.alt_response(401, response="UNAUTHORIZED")(guarded_view)
        guarded_view = blp.alt_response(403, response="FORBIDDEN")(guarded_view)
        if changes:
            guarded_view = blp.alt_response(400, response="BAD_REQUEST")(guarded_view)
            guarded_view = blp.alt_response(415, response="UNSUPPORTED_MEDIA_TYPE")(guarded_view)
            guarded_view = blp.doc(security=[{"session": [], "csrf_token": []}])(guarded_view)
        return guarded_view
    return decorator

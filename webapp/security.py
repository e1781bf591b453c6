"""CSRF protection for every state-changing request, and the security headers of every response."""

from __future__ import annotations

from flask import Flask, Response, request
from flask_login import current_user
from flask_wtf.csrf import CSRFProtect

__all__ = ["csrf", "init_app"]

csrf = CSRFProtect()

CONTENT_SECURITY_POLICY = "; ".join([
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self' data:",
    "object-src 'none'",
    "base-uri 'self'",
    "form-action 'self'",
    "frame-ancestors 'none'",
])


def init_app(app: Flask) -> None:
    """Protect every POST, PUT, PATCH and DELETE (forms and API alike) and add the headers."""
    csrf.init_app(app)
    app.after_request(_security_headers)


def _security_headers(response: Response) -> Response:
    headers = response.headers
    headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
    headers["X-Content-Type-Options"] = "nosniff"
    headers["X-Frame-Options"] = "DENY"
    # Invite links carry a token in their path: never send it on to another site.
    headers["Referrer-Policy"] = "no-referrer"
    if request.is_secure:
        headers["Strict-Transport-Security"] = "max-age=63072000; includeSubDomains"
    if current_user.is_authenticated or request.path.startswith("/invite/"):
        headers["Cache-Control"] = "no-store"
    return response

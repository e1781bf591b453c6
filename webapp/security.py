"""CSRF protection for every state-changing request, and the security headers of every response."""

from __future__ import annotations

from flask import Flask, Response, abort, request
from flask_login import current_user
from flask_wtf.csrf import CSRFProtect
from werkzeug.middleware.proxy_fix import ProxyFix

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
    app.before_request(_refuse_nul_characters)
    app.after_request(_security_headers)
    if app.config["PROXY_FIX_HOPS"]:
        # Behind a reverse proxy (HTTPS), trust its X-Forwarded-For and -Proto that many hops
        # deep, so that rate limits see the client's address and HSTS sees HTTPS.
        hops = int(app.config["PROXY_FIX_HOPS"])
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops)


def _refuse_nul_characters() -> None:
    """No field of ours holds a NUL character, and PostgreSQL cannot store one: refuse early."""
    query = request.query_string
    if b"\x00" in query or b"%00" in query:
        abort(400, "The address contains a NUL character.")
    if request.method in ("POST", "PUT", "PATCH"):
        if request.is_json:
            body = request.get_data(cache=True)
            if b"\x00" in body or b"\\u0000" in body:
                abort(400, "The body contains a NUL character.")
        elif any("\x00" in value for value in request.form.values()):
            abort(400, "A field contains a NUL character.")


def _security_headers(response: Response) -> Response:
    headers = response.headers
    headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
    headers["X-Content-Type-Options"] = "nosniff"
    headers["X-Frame-Options"] = "DENY"
    # Invite links carry a token in their path: never send it on to another site. (Same-origin
    # requests keep their Referer: CSRF protection over HTTPS checks it.)
    headers["Referrer-Policy"] = "same-origin"
    if request.is_secure:
        headers["Strict-Transport-Security"] = "max-age=63072000; includeSubDomains"
    if current_user.is_authenticated or request.path.startswith("/invite/"):
        headers["Cache-Control"] = "no-store"
    return response

"""CSRF protection for every state-changing request, and the security headers of every response."""

from __future__ import annotations

import re

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
    app.before_request(_refuse_unstorable_text)
    app.after_request(_security_headers)
    if app.config["PROXY_FIX_HOPS"]:
        # Behind a reverse proxy (HTTPS), trust its X-Forwarded-For and -Proto that many hops
        # deep, so that rate limits see the client's address and HSTS sees HTTPS.
        hops = int(app.config["PROXY_FIX_HOPS"])
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops)


#: How deeply a JSON body may nest: none of ours goes past 3, and Python's parser gives up
#: (RecursionError) near 1,000.
MAX_JSON_DEPTH = 32
_SURROGATES = re.compile("[\ud800-\udfff]")


def _refuse_unstorable_text() -> None:
    """Refuse early, with a 400 that says why, text no field of ours can hold: a NUL character
    (PostgreSQL cannot store one), a lone surrogate (no UTF-8 encoding exists for it) or JSON
    nested deeper than any body of ours."""
    query = request.query_string
    if b"\x00" in query or b"%00" in query:
        abort(400, "The address contains a NUL character.")
    if request.method not in ("POST", "PUT", "PATCH"):
        return
    if request.is_json:
        body = request.get_data(cache=True)
        if b"\x00" in body or b"\\u0000" in body:
            abort(400, "The body contains a NUL character.")
        brackets = body.count(b"[") + body.count(b"{")
        if brackets > MAX_JSON_DEPTH and _nesting(body) > MAX_JSON_DEPTH:
            abort(400, f"The JSON body is nested more than {MAX_JSON_DEPTH} levels deep.")
        if re.search(rb"\\u[dD][89a-fA-F][0-9a-fA-F]{2}", body) and _has_surrogate(
                request.get_json(silent=True, cache=True)):
            abort(400, "The body contains a lone surrogate, which is not a character.")
    else:
        values = [*request.form.values(), *(f.filename or "" for f in request.files.values())]
        if any("\x00" in value for value in values):
            abort(400, "A field contains a NUL character.")
        if any(_SURROGATES.search(value) for value in values):
            abort(400, "A field contains a lone surrogate, which is not a character.")


def _nesting(body: bytes) -> int:
    """How deeply brackets nest in a JSON text (brackets inside strings are not counted)."""
    depth = deepest = 0
    in_string = escaped = False
    for byte in body:
        if in_string:
            if escaped:
                escaped = False
            elif byte == 0x5C:  # backslash
                escaped = True
            elif byte == 0x22:  # quote
                in_string = False
        elif byte == 0x22:
            in_string = True
        elif byte in (0x5B, 0x7B):  # [ {
            depth += 1
            deepest = max(deepest, depth)
            if deepest > MAX_JSON_DEPTH:
                break
        elif byte in (0x5D, 0x7D):
            depth -= 1
    return deepest


def _has_surrogate(value) -> bool:
    if isinstance(value, str):
        return _SURROGATES.search(value) is not None
    if isinstance(value, dict):
        return any(_has_surrogate(k) or _has_surrogate(v) for k, v in value.items())
    if isinstance(value, list):
        return any(_has_surrogate(item) for item in value)
    return False


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
    if current_user.is_authenticated or request.path.startswith(("/invite/", "/sign-up/")):
        headers["Cache-Control"] = "no-store"
    return response

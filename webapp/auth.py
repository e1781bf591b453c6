"""Sign-in, sign-out, invite and password links; who is signed in; role checks and rate limits
for views."""

from __future__ import annotations

import functools
import sys
import time
from collections.abc import Callable

from flask import (
    Blueprint,
    Flask,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager, UserMixin, current_user, login_required, login_user, logout_user

from mentorship.core.errors import DomainError, InvalidInput
from mentorship.mail.messages import reset_and_mail
from mentorship.people.accounts import (
    authenticate,
    invite_for_token,
    person_for_session,
    redeem_invite,
    sign_out,
)
from mentorship.people.models import Person
from webapp.database import get_db
from webapp.errors import same_site_path

__all__ = [
    "SignedIn",
    "actor",
    "admin_required",
    "bp",
    "coordinator_required",
    "count_every_post",
    "init_app",
    "limit_failures",
    "limiter",
    "start_session",
]

bp = Blueprint("auth", __name__)
login_manager = LoginManager()
limiter = Limiter(key_func=get_remote_address, default_limits=[])
#: What a person over the sign-in limit is told (the Retry-After header has the seconds).
RETRY_LATER = ("Too many failed attempts from here. For your account's safety, wait a few "
               "minutes before you try again; your coordinator can send a new invite link.")


class SignedIn(UserMixin):
    """The signed-in person, as Flask-Login sees them.

    The session cookie holds the person's id and their current session token, so a new token
    (sign-out, deactivation, new password) ends every session at once.
    """

    def __init__(self, person: Person) -> None:
        self.person = person

    def get_id(self) -> str:
        """What the session cookie keeps: the person's id and current session token."""
        return f"{self.person.id}:{self.person.session_token}"

    @property
    def is_active(self) -> bool:
        """Deactivated people cannot be signed in."""
        return self.person.active


def init_app(app: Flask) -> None:
    """Set up Flask-Login and the sign-in rate limit; register the sign-in pages."""
    login_manager.init_app(app)
    login_manager.login_view = "auth.sign_in"
    login_manager.login_message = "Please sign in to see this page."
    login_manager.session_protection = "strong"
    limiter.init_app(app)
    if app.config["RATELIMIT_STORAGE_URI"] == "memory://" and "gunicorn" in sys.modules:
        app.logger.warning(
            "sign-in limits are counted in this process's memory: with several workers each "
            "counts apart; set MENTORSHIP_RATELIMIT_STORAGE_URI=redis://... to share them")
    app.register_blueprint(bp)


@login_manager.unauthorized_handler
def _unauthorized():
    if request.path.startswith("/api/"):
        abort(401, "Sign in first: this needs a signed-in session.")
    flash(login_manager.login_message)
    return redirect(url_for("auth.sign_in", next=request.full_path.rstrip("?")), code=303)


@login_manager.user_loader
def _load_user(user_id: str) -> SignedIn | None:
    person_id, _, token = user_id.partition(":")
    if not (person_id.isascii() and person_id.isdecimal()) or not token:
        return None
    signed_in_at = session.get("signed_in_at", 0)
    if time.time() - signed_in_at > current_app.config["SESSION_MAX_AGE"]:
        return None  # a sign-in lasts SESSION_MAX_AGE, however long the cookie is kept
    person = person_for_session(get_db(), int(person_id), token)
    return SignedIn(person) if person is not None else None


def actor() -> Person:
    """The signed-in person (views behind login_required only)."""
    return current_user.person


def _role_required(check: Callable[[Person], bool]) -> Callable:
    def decorator(view: Callable) -> Callable:
        @functools.wraps(view)
        @login_required
        def wrapped(*args, **kwargs):
            if not check(actor()):
                abort(403)
            return view(*args, **kwargs)
        return wrapped
    return decorator


#: A view for coordinators (and admins) only.
coordinator_required = _role_required(lambda p: p.is_coordinator or p.is_admin)
#: A view for admins only.
admin_required = _role_required(lambda p: p.is_admin)


def home_for(person: Person) -> str:
    """Where a person lands after signing in."""
    if person.is_coordinator or person.is_admin:
        return url_for("rounds.index")
    return url_for("matches.index")


def _address_and_account() -> str:
    # Per address and account, so that one office's shared address is not locked out by one
    # person's typos; the looser per-address limit below still stops spraying many accounts.
    account = request.form.get("email", "").strip().casefold() or request.path
    return f"{get_remote_address()}|{account}"


def _failed(response) -> bool:
    """Whether a sign-in or password POST failed (a success redirects with 303)."""
    return response.status_code != 303


def limit_failures(view: Callable) -> Callable:
    """Limit the POSTs that fail: a coordinator who signs in twenty times a day is never locked
    out, while guessing is (a request over the limit is refused before it is tried)."""
    view = limiter.limit(lambda: current_app.config["SIGN_IN_LIMIT"], methods=["POST"],
                         key_func=_address_and_account, deduct_when=_failed,
                         error_message=RETRY_LATER)(view)
    return limiter.limit(lambda: current_app.config["SIGN_IN_ADDRESS_LIMIT"], methods=["POST"],
                         key_func=get_remote_address, deduct_when=_failed,
                         error_message=RETRY_LATER)(view)


def count_every_post(view: Callable) -> Callable:
    """Limit every POST (a reset request or a sign-up succeeds whatever the address, so all
    count)."""
    view = limiter.limit(lambda: current_app.config["SIGN_IN_LIMIT"], methods=["POST"],
                         key_func=_address_and_account, error_message=RETRY_LATER)(view)
    return limiter.limit(lambda: current_app.config["SIGN_IN_ADDRESS_LIMIT"], methods=["POST"],
                         key_func=get_remote_address, error_message=RETRY_LATER)(view)


def start_session(person: Person) -> None:
    """Start a new session for a person who just proved who they are."""
    session.clear()  # nothing from before the sign-in carries over
    login_user(SignedIn(person))
    session["signed_in_at"] = int(time.time())


@bp.route("/sign-in", methods=["GET", "POST"])
@limit_failures
def sign_in():
    """The sign-in form; a successful sign-in starts a new session."""
    if current_user.is_authenticated and request.method == "GET":
        return redirect(home_for(actor()))
    error = None
    email = request.form.get("email", "")
    if request.method == "POST":
        db = get_db()
        person = authenticate(db, email, request.form.get("password", ""))
        if person is None:
            error = "That email and password do not match an active account."
        else:
            target = same_site_path(request.args.get("next"))
            start_session(person)
            return redirect(target or home_for(person), code=303)
    status = 401 if error else 200
    return render_template("auth/sign_in.html", error=error, email=email), status


@bp.post("/sign-out")
@login_required
def sign_out_view():
    """Sign out: the session token changes, so every copy of the session cookie is dead."""
    db = get_db()
    sign_out(db, db.merge(actor()))
    logout_user()
    session.clear()
    flash("You are signed out.")
    return redirect(url_for("auth.sign_in"), code=303)


@bp.route("/invite/<token>", methods=["GET", "POST"])
@limit_failures
def invite(token: str):
    """An invite link: choose a password, then go straight to the profile."""
    db = get_db()
    try:
        invited_id = invite_for_token(db, token).person_id
    except DomainError as error:
        return render_template("auth/invite_invalid.html", message=str(error)), 404
    errors: dict[str, str] = {}
    if request.method == "POST":
        password = request.form.get("password", "")
        if password != request.form.get("confirm", ""):
            errors["confirm"] = "The two passwords are not the same."
        else:
            try:
                person = redeem_invite(db, token, password)
            except InvalidInput as error:
                errors = {e.column: e.reason for e in error.errors}
            else:
                start_session(person)
                flash("Your password is set. Now tell us about your skills.")
                return redirect(url_for("profile.edit"), code=303)
    page = render_template("auth/invite.html", person=db.get(Person, invited_id), errors=errors)
    return page, (422 if errors else 200)


@bp.route("/forgot-password", methods=["GET", "POST"])
@count_every_post
def forgot_password():
    """Ask for a link to set a new password; the answer never tells whether the address exists."""
    if request.method == "POST":
        started = time.perf_counter()
        db = get_db()
        # Queued in the outbox, mailed once the request commits (so the link works).
        reset_and_mail(db, request.form.get("email", ""), base=current_app.config["BASE_URL"])
        db.commit()
        # An account's link is written and committed (about 10 ms), an unknown address costs
        # one query (about 1 ms): the answer takes the same time either way, so its timing
        # does not tell which addresses have accounts.
        time.sleep(max(0.0, current_app.config["RESET_ANSWER_SECONDS"]
                       - (time.perf_counter() - started)))
        flash("If that address has an account, a link to set a new password is on its way. "
              "It works once, for 24 hours.")
        return redirect(url_for("auth.sign_in"), code=303)
    return render_template("auth/forgot.html")

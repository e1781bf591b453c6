"""Sign-up: the public sign-up link and its confirmation, and the coordinators' pages for the
links and the sign-ups waiting for approval."""

from __future__ import annotations

from flask import (
    Blueprint,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)

from mentorship.core.errors import DomainError, InvalidInput
from mentorship.people.signup import (
    MODES,
    IssuedSignupLink,
    approve_signup,
    create_signup_link,
    needs_password,
    parse_domains,
    pending_signups,
    refuse_signup,
    regenerate_signup_link,
    request_signup,
    set_signup_link_active,
    signup_for_token,
    signup_link_for_token,
    signup_links,
    signup_url,
    update_signup_link,
    verify_signup,
)
from webapp.auth import (
    actor,
    coordinator_required,
    count_every_post,
    limit_failures,
    start_session,
)
from webapp.database import get_db
from webapp.forms import form_id

bp = Blueprint("signup", __name__)

MODE_LABELS = {"open": "Open: anyone with the link",
               "domains": "Only addresses at these domains",
               "approval": "Anyone, but a coordinator approves each sign-up"}


def _errors(error: InvalidInput) -> dict[str, str]:
    return {problem.column or "_form": problem.reason for problem in error.errors}


@bp.route("/sign-up/<token>", methods=["GET", "POST"])
@count_every_post
def sign_up(token: str):
    """A programme's sign-up link: name and email; a link to confirm the address is mailed."""
    db = get_db()
    try:
        link = signup_link_for_token(db, token)
    except DomainError as error:
        return render_template("signup/invalid.html", message=str(error)), 404
    values = {"name": request.form.get("name", ""), "email": request.form.get("email", "")}
    errors: dict[str, str] = {}
    if request.method == "POST":
        try:
            request_signup(db, token, values["name"], values["email"])
        except InvalidInput as error:
            errors = _errors(error)
        else:
            # The mail goes once the request commits. The same page whatever the address: it
            # never says whether the address has an account.
            return render_template("signup/sent.html", email=values["email"].strip())
    return render_template("signup/form.html", link=link, values=values, errors=errors), (
        422 if errors else 200)


@bp.route("/sign-up/verify/<token>", methods=["GET", "POST"])
@limit_failures
def verify(token: str):
    """The mailed link: confirm the address, choose a password (a new account) and go on to
    the profile, or wait for a coordinator's approval."""
    db = get_db()
    try:
        signup = signup_for_token(db, token)
    except DomainError as error:
        return render_template("signup/invalid.html", message=str(error)), 404
    setting = needs_password(db, signup)
    errors: dict[str, str] = {}
    if request.method == "POST":
        password = request.form.get("password", "")
        if setting and password != request.form.get("confirm", ""):
            errors["confirm"] = "The two passwords are not the same."
        else:
            try:
                outcome = verify_signup(db, token, password if setting else None)
            except InvalidInput as error:
                errors = _errors(error)
            else:
                if outcome.waiting:
                    return redirect(url_for("signup.waiting"), code=303)
                if outcome.existing:
                    flash("Your address is confirmed and you are signed up. Sign in to go on.")
                    return redirect(url_for("auth.sign_in"), code=303)
                start_session(outcome.person)
                flash("Your address is confirmed and your password is set. Now tell us about "
                      "your skills.")
                return redirect(url_for("profile.edit"), code=303)
    return render_template("signup/verify.html", signup=signup, setting=setting,
                           errors=errors), (422 if errors else 200)


@bp.get("/sign-up/waiting")
def waiting():
    """After confirming an address on a link that needs approval."""
    return render_template("signup/waiting.html")


# --- coordinators ---------------------------------------------------------------------------


def _links_page(fresh: IssuedSignupLink | None = None, errors: dict | None = None,
                status: int = 200):
    programmes = signup_links(get_db(), actor())
    fresh_url = signup_url(fresh.token, current_app.config["BASE_URL"]) if fresh else None
    return render_template("signup/links.html", programmes=programmes, fresh=fresh,
                           fresh_url=fresh_url,
                           modes=MODES, mode_labels=MODE_LABELS, errors=errors or {},
                           form=request.form), status


@bp.route("/coordinator/sign-up", methods=["GET", "POST"])
@coordinator_required
def links():
    """Each programme's sign-up link, or a form to make one."""
    if request.method == "GET":
        return _links_page()
    db = get_db()
    try:
        fresh = create_signup_link(db, actor(), programme_id=form_id("programme_id"),
                                   mode=request.form.get("mode", ""),
                                   domains=parse_domains(request.form.get("domains", "")))
    except InvalidInput as error:
        db.rollback()
        programme = form_id("programme_id")
        return _links_page(errors={f"new{programme}-{k}": v for k, v in _errors(error).items()},
                           status=422)
    return _links_page(fresh)


@bp.post("/coordinator/sign-up/<int:link_id>")
@coordinator_required
def update(link_id: int):
    """Change who may sign up through a link."""
    db = get_db()
    try:
        update_signup_link(db, actor(), link_id, mode=request.form.get("mode", ""),
                           domains=parse_domains(request.form.get("domains", "")))
    except InvalidInput as error:
        db.rollback()
        return _links_page(errors={f"{link_id}-{k}": v for k, v in _errors(error).items()},
                           status=422)
    flash("The sign-up link's settings are saved.")
    return redirect(url_for("signup.links"), code=303)


@bp.post("/coordinator/sign-up/<int:link_id>/regenerate")
@coordinator_required
def regenerate(link_id: int):
    """A new address for a link: the old one stops working."""
    return _links_page(regenerate_signup_link(get_db(), actor(), link_id))


@bp.post("/coordinator/sign-up/<int:link_id>/off")
@coordinator_required
def turn_off(link_id: int):
    """Turn a link off: nobody can sign up or confirm through it."""
    set_signup_link_active(get_db(), actor(), link_id, False)
    flash("The sign-up link is off.")
    return redirect(url_for("signup.links"), code=303)


@bp.post("/coordinator/sign-up/<int:link_id>/on")
@coordinator_required
def turn_on(link_id: int):
    """Turn a link on again."""
    set_signup_link_active(get_db(), actor(), link_id, True)
    flash("The sign-up link is on again.")
    return redirect(url_for("signup.links"), code=303)


@bp.get("/coordinator/sign-up/approvals")
@coordinator_required
def approvals():
    """The confirmed sign-ups waiting for a coordinator's approval."""
    return render_template("signup/approvals.html", waiting=pending_signups(get_db(), actor()))


@bp.post("/coordinator/sign-up/approvals/<int:request_id>/approve")
@coordinator_required
def approve(request_id: int):
    """Approve a sign-up: the account opens."""
    signup = approve_signup(get_db(), actor(), request_id)
    flash(f"{signup.name} is approved and can sign in.")
    return redirect(url_for("signup.approvals"), code=303)


@bp.post("/coordinator/sign-up/approvals/<int:request_id>/refuse")
@coordinator_required
def refuse(request_id: int):
    """Refuse a sign-up: no account is made."""
    signup = refuse_signup(get_db(), actor(), request_id)
    flash(f"{signup.name}'s sign-up is refused.")
    return redirect(url_for("signup.approvals"), code=303)

"""My matches: a mentee's mentor, a mentor's mentees, why they were paired; accept or decline;
then the pair's page: its agreement, its history, marking it active and ending it."""

from __future__ import annotations

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_login import login_required

from mentorship.core.errors import Conflict, InvalidInput
from mentorship.core.models import MAX_VERSION
from mentorship.pairs_health.checkins import record_check_in
from mentorship.pairs_health.feedback import submit_feedback, survey_for
from mentorship.pairs_health.models import MAX_NOTE as MAX_CHECK_IN_NOTE
from mentorship.pairs_health.my_matches import my_matches_page
from mentorship.profiles.limits import LEVEL_NAMES
from mentorship.rounds.agreements import (
    AGREEMENT_FIELDS,
    FREQUENCIES,
    MAX_GOALS,
    MEETING_FORMATS,
    agreement_to_edit,
    confirm_agreement,
    propose_agreement,
)
from mentorship.rounds.choice import accept_request, decline_request, my_choices, request_mentor
from mentorship.rounds.lifecycle import MAX_NOTE, activate_pair, end_pair, pair_page
from mentorship.rounds.pairs import accept_match, pair_details
from mentorship.rounds.rematch import decline_pair
from webapp.auth import actor
from webapp.database import get_db, get_taxonomy

bp = Blueprint("matches", __name__, url_prefix="/matches")


def _form_version() -> int:
    """The agreement version the form was made from (-1 when it is not a number: a conflict)."""
    raw = request.form.get("version", "").strip()
    return int(raw) if raw.isascii() and raw.isdecimal() and len(raw) <= len(str(
        MAX_VERSION)) else -1


#: The check-in buttons, in the order shown.
CHECK_IN_ANSWERS = (("met", "We met"), ("not_yet", "Not yet"), ("need_help", "We need help"))


def _index(check_in_errors: dict[int, dict[str, str]] | None = None,
           notes: dict[int, str] | None = None):
    page = my_matches_page(get_db(), actor(), taxonomy=get_taxonomy())
    return render_template("matches/index.html", mine=page.mine, pairs=page.pairs,
                           check_ins=page.check_ins, surveys=page.surveys,
                           requests=page.requests, choosing=page.choosing,
                           answers=CHECK_IN_ANSWERS, max_note=MAX_CHECK_IN_NOTE,
                           check_in_errors=check_in_errors or {}, notes=notes or {},
                           taxonomy=get_taxonomy(), levels=LEVEL_NAMES, me=actor())


@bp.get("")
@login_required
def index():
    """The signed-in person's pairs in published rounds and what became of earlier ones, the
    check-ins and surveys due, and a choice round's suggestions and requests."""
    return _index()


@bp.get("/<int:match_id>")
@login_required
def pair(match_id: int):
    """One pair for its members and coordinators: agreement, history and what may be done."""
    page = pair_page(get_db(), actor(), match_id, taxonomy=get_taxonomy())
    return render_template("matches/pair.html", page=page, me=actor(), frequencies=FREQUENCIES,
                           formats=MEETING_FORMATS)


@bp.post("/<int:match_id>/check-in")
@login_required
def check_in(match_id: int):
    """Record a one-click check-in (we met, not yet, we need help) with an optional note."""
    db = get_db()
    body = {"answer": request.form.get("answer", ""), "note": request.form.get("note", "")}
    try:
        recorded = record_check_in(db, actor(), match_id, body)
    except InvalidInput as error:
        db.rollback()
        return _index({match_id: {e.column: e.reason for e in error.errors}},
                      {match_id: body["note"]}), 422
    flash("Thank you: your check-in is recorded." if recorded.created
          else "You had checked in for this period already; that answer is kept.")
    return redirect(url_for("matches.index"), code=303)


def _survey_form(survey) -> dict:
    """The survey's fields as the form shows them: the answers sent, or empty."""
    if survey.sent is None:
        return {"rating": "", "worked": "", "again": "", "apply_levels": False,
                "levels": {skill: str(level) for skill, level in survey.skills}}
    sent = survey.sent
    return {"rating": str(sent.rating), "worked": sent.worked, "again": "yes" if sent.again else "no",
            "apply_levels": sent.levels_applied,
            "levels": {skill: str(levels["after"]) for skill, levels in sent.skill_levels.items()}}


@bp.route("/<int:match_id>/feedback", methods=["GET", "POST"])
@login_required
def feedback(match_id: int):
    """The end-of-pair survey: rating, what worked, again; a learner's levels now."""
    db, who = get_db(), actor()
    survey = survey_for(db, who, match_id)
    values, errors = _survey_form(survey), {}
    if request.method == "POST":
        form = request.form
        values = {"rating": form.get("rating", ""), "worked": form.get("worked", ""),
                  "again": form.get("again", ""), "apply_levels": bool(form.get("apply_levels")),
                  "levels": {skill: form.get(f"level-{skill}", "") for skill, _ in survey.skills}}
        body = {key: value for key, value in values.items() if value != ""}
        try:
            submit_feedback(db, who, match_id, body)
        except InvalidInput as error:
            db.rollback()
            errors = {e.column: e.reason for e in error.errors}
        else:
            flash("Thank you for your feedback."
                  + (" Your profile has your new levels." if values["apply_levels"]
                     and survey.skills else ""))
            return redirect(url_for("matches.index"), code=303)
    return render_template("matches/feedback.html", survey=survey, values=values, errors=errors,
                           levels=LEVEL_NAMES, taxonomy=get_taxonomy(), max_note=MAX_CHECK_IN_NOTE
                           ), (422 if errors else 200)


@bp.post("/<int:match_id>/accept")
@login_required
def accept(match_id: int):
    """Accept a proposed pair."""
    db = get_db()
    accept_match(db, actor(), match_id)
    flash("You accepted the pair. Get in touch to arrange your first meeting, and propose your "
          "mentoring agreement.")
    return redirect(url_for("matches.index"), code=303)


@bp.post("/<int:match_id>/activate")
@login_required
def activate(match_id: int):
    """Mark an accepted pair active: they have met."""
    db = get_db()
    activate_pair(db, actor(), match_id)
    flash("The pair is active.")
    return redirect(url_for("matches.pair", match_id=match_id), code=303)


@bp.route("/<int:match_id>/end", methods=["GET", "POST"])
@login_required
def end(match_id: int):
    """Ask why, then end an accepted or active pair."""
    db, who = get_db(), actor()
    errors: dict[str, str] = {}
    note = request.form.get("reason", "")
    if request.method == "POST":
        try:
            end_pair(db, who, match_id, note=note)
        except InvalidInput as error:
            db.rollback()
            errors = {problem.column: problem.reason for problem in error.errors}
        else:
            flash("The pair has ended.")
            return redirect(url_for("matches.pair", match_id=match_id), code=303)
    page = pair_page(db, who, match_id, taxonomy=get_taxonomy())
    return render_template("matches/end.html", pair=page.pair, me=who, note=note, errors=errors,
                           max_note=MAX_NOTE, may_end="ended" in page.moves
                           and page.pair.match.status != "proposed"), (422 if errors else 200)


@bp.route("/<int:match_id>/agreement", methods=["GET", "POST"])
@login_required
def agreement(match_id: int):
    """Propose or change the pair's mentoring agreement (its members only)."""
    db, who = get_db(), actor()
    errors: dict[str, str] = {}
    values = None
    if request.method == "POST":
        values = {name: request.form.get(name, "").strip() for name in AGREEMENT_FIELDS}
        try:
            propose_agreement(db, who, match_id, values, version=_form_version())
        except InvalidInput as error:
            db.rollback()
            for problem in error.errors:
                errors[problem.column] = "; ".join(filter(None, [errors.get(problem.column),
                                                                 problem.reason]))
        else:
            flash("Your agreement is proposed: the other side confirms it.")
            return redirect(url_for("matches.pair", match_id=match_id), code=303)
    view = agreement_to_edit(db, who, match_id)
    return render_template("matches/agreement.html", view=view,
                           values=values or {k: str(v) for k, v in view.values.items()},
                           errors=errors, frequencies=FREQUENCIES, formats=MEETING_FORMATS,
                           max_goals=MAX_GOALS), (422 if errors else 200)


@bp.post("/<int:match_id>/agreement/confirm")
@login_required
def confirm(match_id: int):
    """Confirm the agreement the other side proposed (the version shown)."""
    db = get_db()
    confirm_agreement(db, actor(), match_id, version=_form_version())
    flash("You confirmed the agreement.")
    return redirect(url_for("matches.pair", match_id=match_id), code=303)


@bp.route("/<int:match_id>/decline", methods=["GET", "POST"])
@login_required
def decline(match_id: int):
    """Ask for an optional reason, then decline: the people freed are matched again."""
    db, who = get_db(), actor()
    if request.method == "GET":
        pair = pair_details(db, who, match_id, taxonomy=get_taxonomy())
        others = [p for p in (pair.mentor, pair.mentee, pair.third)
                  if p is not None and p.id != who.id]
        other = others[0] if len(others) == 1 else None
        return render_template("matches/decline.html", match=pair.match, other=other,
                               circle=others if pair.is_circle else [])
    decline_pair(db, who, match_id, reason=request.form.get("reason", "").strip(),
                 url=current_app.config["DATABASE_URL"],
                 taxonomy_path=current_app.config["TAXONOMY_PATH"])
    flash("You declined the pair. A new partner is being looked for the people it freed: "
          "My matches shows them as soon as they are found.")
    return redirect(url_for("matches.index"), code=303)


# --- choice rounds --------------------------------------------------------------------------


@bp.get("/choose")
@login_required
def choose():
    """A mentee's suggested mentors in open choice rounds, with a Request button each."""
    choices = my_choices(get_db(), actor(), taxonomy=get_taxonomy())
    return render_template("matches/choose.html", choices=choices)


@bp.post("/suggestions/<int:suggestion_id>/request")
@login_required
def request_suggested(suggestion_id: int):
    """Request a suggested mentor; if another mentee was quicker, say so and let them choose."""
    db = get_db()
    try:
        request_mentor(db, actor(), suggestion_id)
    except Conflict as error:
        db.rollback()
        flash(f"Not requested: {error}.")
    else:
        flash("Your request is sent. The mentor has a few days to accept; you see the answer "
              "here.")
    return redirect(url_for("matches.choose"), code=303)


@bp.post("/requests/<int:match_id>/accept")
@login_required
def accept_requested(match_id: int):
    """Accept a mentee's request, as its mentor."""
    accept_request(get_db(), actor(), match_id)
    flash("You accepted the request. The pair starts when your coordinator publishes the round.")
    return redirect(url_for("matches.index"), code=303)


@bp.post("/requests/<int:match_id>/decline")
@login_required
def decline_requested(match_id: int):
    """Decline a mentee's request, as its mentor: they may choose another mentor."""
    decline_request(get_db(), actor(), match_id, reason=request.form.get("reason", "").strip())
    flash("You declined the request. The mentee can choose another mentor.")
    return redirect(url_for("matches.index"), code=303)

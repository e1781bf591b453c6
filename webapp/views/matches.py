"""My matches: a mentee's mentor, a mentor's mentees, why they were paired; accept or decline."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import login_required

from mentorship.core.errors import InvalidInput
from mentorship.pairs_health.checkins import record_check_in
from mentorship.pairs_health.feedback import submit_feedback, survey_for
from mentorship.pairs_health.models import MAX_NOTE
from mentorship.pairs_health.my_matches import my_matches
from mentorship.profiles.limits import LEVEL_NAMES
from mentorship.rounds.pairs import accept_match, decline_pair, pair_details
from webapp.auth import actor
from webapp.database import get_db, get_taxonomy

bp = Blueprint("matches", __name__, url_prefix="/matches")


#: The check-in buttons, in the order shown.
CHECK_IN_ANSWERS = (("met", "We met"), ("not_yet", "Not yet"), ("need_help", "We need help"))


def _index(check_in_errors: dict[int, dict[str, str]] | None = None,
           notes: dict[int, str] | None = None):
    page = my_matches(get_db(), actor(), taxonomy=get_taxonomy())
    return render_template("matches/index.html", pairs=page.pairs, check_ins=page.check_ins,
                           surveys=page.surveys, answers=CHECK_IN_ANSWERS, max_note=MAX_NOTE,
                           check_in_errors=check_in_errors or {}, notes=notes or {},
                           taxonomy=get_taxonomy(), levels=LEVEL_NAMES)


@bp.get("")
@login_required
def index():
    """The signed-in person's pairs in published rounds, the check-ins and surveys due."""
    return _index()


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
                           levels=LEVEL_NAMES, taxonomy=get_taxonomy(), max_note=MAX_NOTE
                           ), (422 if errors else 200)


@bp.post("/<int:match_id>/accept")
@login_required
def accept(match_id: int):
    """Accept a proposed pair."""
    db = get_db()
    accept_match(db, actor(), match_id)
    flash("You accepted the pair. Get in touch to arrange your first meeting.")
    return redirect(url_for("matches.index"), code=303)


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
    declined = decline_pair(db, who, match_id, taxonomy=get_taxonomy(),
                            reason=request.form.get("reason", "").strip())
    new = declined.rematched
    flash("You declined the pair. "
          + (f"{new} new pair{'s were' if new != 1 else ' was'} proposed in its place."
             if new else "No other partner is free right now; your coordinator can help."))
    return redirect(url_for("matches.index"), code=303)

"""My matches: a mentee's mentor, a mentor's mentees, why they were paired; accept or decline."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import login_required

from mentorship.core.errors import Conflict
from mentorship.profiles.limits import LEVEL_NAMES
from mentorship.rounds.choice import (
    accept_request,
    decline_request,
    mentor_requests,
    my_choices,
    request_mentor,
)
from mentorship.rounds.pairs import accept_match, decline_pair, my_pairs, pair_details
from webapp.auth import actor
from webapp.database import get_db, get_taxonomy

bp = Blueprint("matches", __name__, url_prefix="/matches")


@bp.get("")
@login_required
def index():
    """The signed-in person's pairs in published rounds."""
    db, who = get_db(), actor()
    pairs = my_pairs(db, who, taxonomy=get_taxonomy())
    return render_template("matches/index.html", pairs=pairs, taxonomy=get_taxonomy(),
                           levels=LEVEL_NAMES,
                           requests=mentor_requests(db, who, taxonomy=get_taxonomy()),
                           choosing=my_choices(db, who))


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

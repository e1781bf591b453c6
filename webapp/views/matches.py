"""My matches: a mentee's mentor, a mentor's mentees, why they were paired; accept or decline."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import login_required

from matching import LEVEL_NAMES
from mentorship.services.matches import accept_match, get_match, my_pairs
from mentorship.services.rounds import decline_match
from webapp.auth import actor
from webapp.database import get_db, get_taxonomy

bp = Blueprint("matches", __name__, url_prefix="/matches")


@bp.get("")
@login_required
def index():
    """The signed-in person's pairs in published rounds."""
    pairs = my_pairs(get_db(), actor())
    return render_template("matches/index.html", pairs=pairs, taxonomy=get_taxonomy(),
                           levels=LEVEL_NAMES)


@bp.post("/<int:match_id>/accept")
@login_required
def accept(match_id: int):
    """Accept a proposed pair."""
    db = get_db()
    accept_match(db, actor(), match_id)
    db.commit()
    flash("You accepted the pair. Get in touch to arrange your first meeting.")
    return redirect(url_for("matches.index"), code=303)


@bp.route("/<int:match_id>/decline", methods=["GET", "POST"])
@login_required
def decline(match_id: int):
    """Ask for an optional reason, then decline: the people freed are matched again."""
    db = get_db()
    match = get_match(db, actor(), match_id)
    if request.method == "GET":
        mine = [p for p in my_pairs(db, actor()) if p.match.id == match_id]
        return render_template("matches/decline.html", match=match,
                               pair=mine[0] if mine else None)
    new = decline_match(db, actor(), match_id, taxonomy=get_taxonomy(),
                        reason=request.form.get("reason", "").strip())
    db.commit()
    flash("You declined the pair. "
          + (f"{len(new)} new pair{'s were' if len(new) != 1 else ' was'} proposed in its place."
             if new else "No other partner is free right now; your coordinator can help."))
    return redirect(url_for("matches.index"), code=303)

"""The training-gap page: for each skill in force, how many know it, want it and teach it."""

from __future__ import annotations

from flask import Blueprint, render_template, request

from mentorship.profiles.gaps import KNOWS_LEVEL, gaps_by_category, largest_gaps, skill_gaps
from webapp.auth import actor, coordinator_required
from webapp.database import get_db

bp = Blueprint("skills", __name__)

ORDERS = {"taxonomy": "Taxonomy order", "gap": "Biggest gap first"}


@bp.get("/coordinator/skills")
@coordinator_required
def index():
    """Skills by category with their counts, in taxonomy order or by gap (?sort=gap)."""
    order = request.args.get("sort", "taxonomy")
    if order not in ORDERS:
        order = "taxonomy"
    gaps = skill_gaps(get_db(), actor())
    return render_template("skills/index.html", groups=gaps_by_category(gaps, order=order),
                           largest=largest_gaps(gaps), order=order, orders=ORDERS,
                           knows_level=KNOWS_LEVEL, skill_count=len(gaps))

"""The Skills page: a round's training budget (chart, tables, CSV) and who knows each skill."""

from __future__ import annotations

from flask import Blueprint, Response, render_template, request

from mentorship.core.errors import NotFound
from mentorship.profiles.gaps import KNOWS_LEVEL, gaps_by_category
from mentorship.programmes.queries import list_programmes
from mentorship.rounds.budget import ACTIONS, CAUSE_HEADS, budget_csv, skills_overview
from webapp.auth import actor, coordinator_required
from webapp.database import get_db, get_taxonomy
from webapp.forms import is_id
from webapp.views.rounds import programme_asked

bp = Blueprint("skills", __name__)


def _round_asked() -> int | None:
    """The ?round= id, None when absent; a value that is no id is a round that does not exist."""
    value = request.args.get("round", "").strip()
    if not value:
        return None
    if not is_id(value):
        raise NotFound("no such round")
    return int(value)


@bp.get("/coordinator/skills")
@coordinator_required
def index():
    """A programme's (?programme=) newest round's training budget (or ?round=ID's), then the
    skills by category among its people."""
    db = get_db()
    overview = skills_overview(db, actor(), get_taxonomy(), _round_asked(),
                               programme_id=programme_asked())
    return render_template("skills/index.html", overview=overview, table=overview.table,
                           programmes=list_programmes(db, actor()),
                           groups=gaps_by_category(overview.gaps), causes=list(CAUSE_HEADS),
                           cause_heads=CAUSE_HEADS, actions=ACTIONS, knows_level=KNOWS_LEVEL,
                           skill_count=len(overview.gaps))


@bp.get("/coordinator/skills/budget.csv")
@coordinator_required
def budget_download():
    """The same training budget table as a CSV file."""
    overview = skills_overview(get_db(), actor(), get_taxonomy(), _round_asked(),
                               programme_id=programme_asked())
    if overview.table is None:
        raise NotFound("no round has pairs yet: the budget needs a previewed round")
    return Response(budget_csv(overview.table), mimetype="text/csv", headers={
        "Content-Disposition":
            f'attachment; filename="round-{overview.chosen.id}-training-budget.csv"'})

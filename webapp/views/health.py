"""Programme health: acceptance, check-ins, pairs at risk, surveys and skills gained (coordinators)."""

from __future__ import annotations

from flask import Blueprint, Response, render_template, request

from mentorship.pairs_health.dashboard import (
    ANSWER_WORDS,
    HEALTH_WORDS,
    figures_csv,
    health_dashboard,
    programme_health,
)
from mentorship.programmes.queries import list_programmes
from webapp.auth import actor, coordinator_required
from webapp.database import get_db, get_taxonomy
from webapp.views.rounds import programme_asked

bp = Blueprint("health", __name__)


@bp.get("/coordinator/health")
@coordinator_required
def index():
    """The dashboard: figures as charts with their tables, the pairs that need attention,
    and every live pair with its health (?state= one of them, ?page=), of one programme
    (?programme=) or all the coordinator's."""
    db = get_db()
    dashboard = health_dashboard(db, actor(), state=request.args.get("state") or None,
                                 page=request.args.get("page", 1, type=int),
                                 programme_id=programme_asked())
    return render_template("health/index.html", figures=dashboard.figures,
                           attention=dashboard.attention, pairs=dashboard.pairs,
                           ended_help=dashboard.ended_help,
                           state=dashboard.state, programme=dashboard.programme,
                           programmes=list_programmes(db, actor()), health_words=HEALTH_WORDS,
                           answer_words=ANSWER_WORDS,
                           taxonomy=get_taxonomy())


@bp.get("/coordinator/health/export.csv")
@coordinator_required
def export():
    """The same figures as a CSV file (figure, group, value), of ?programme= or all."""
    programme_id = programme_asked()
    figures = programme_health(get_db(), actor(), programme_id=programme_id)
    name = f"programme-{programme_id}-health.csv" if programme_id else "programme-health.csv"
    return Response(figures_csv(figures, get_taxonomy()), mimetype="text/csv", headers={
        "Content-Disposition": f'attachment; filename="{name}"'})

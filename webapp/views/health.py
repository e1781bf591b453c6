"""Programme health: acceptance, check-ins, pairs at risk, surveys and skills gained (coordinators)."""

from __future__ import annotations

from flask import Blueprint, Response, render_template, request

from mentorship.pairs_health.dashboard import (
    HEALTH_WORDS,
    figures_csv,
    health_dashboard,
    programme_health,
)
from webapp.auth import actor, coordinator_required
from webapp.database import get_db, get_taxonomy

bp = Blueprint("health", __name__)


@bp.get("/coordinator/health")
@coordinator_required
def index():
    """The dashboard: figures as charts with their tables, the pairs that need attention,
    and every live pair with its health (?state= one of them, ?page=)."""
    dashboard = health_dashboard(get_db(), actor(), state=request.args.get("state") or None,
                                 page=request.args.get("page", 1, type=int))
    return render_template("health/index.html", figures=dashboard.figures,
                           attention=dashboard.attention, pairs=dashboard.pairs,
                           state=dashboard.state, health_words=HEALTH_WORDS,
                           taxonomy=get_taxonomy())


@bp.get("/coordinator/health/export.csv")
@coordinator_required
def export():
    """The same figures as a CSV file (figure, group, value)."""
    figures = programme_health(get_db(), actor())
    return Response(figures_csv(figures, get_taxonomy()), mimetype="text/csv", headers={
        "Content-Disposition": 'attachment; filename="programme-health.csv"'})

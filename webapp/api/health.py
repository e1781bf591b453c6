"""Check-ins and surveys of pairs (their members) and the programme's health (coordinators)."""

from __future__ import annotations

from typing import Any

from flask_smorest import Blueprint

from mentorship.pairs_health.checkins import Recorded, record_check_in
from mentorship.pairs_health.dashboard import Dashboard, health_dashboard
from mentorship.pairs_health.feedback import submit_feedback
from mentorship.pairs_health.models import Feedback
from webapp.api.access import guarded
from webapp.api.health_schemas import (
    CheckInBodySchema,
    CheckInSchema,
    DashboardSchema,
    FeedbackBodySchema,
    FeedbackSchema,
    HealthQuerySchema,
)
from webapp.auth import actor
from webapp.database import get_db

__all__ = ["blp"]

blp = Blueprint("api_health", __name__, url_prefix="/api/v1",
                description="Check-ins and surveys of pairs; the programme's health figures.")


@blp.route("/matches/<int:match_id>/check-in", methods=["POST"])
@guarded(blp, changes=True)
@blp.arguments(CheckInBodySchema)
@blp.response(200, CheckInSchema)
def check_in(body: dict[str, Any], match_id: int) -> Recorded:
    """Check in on a live pair of yours for the current period (once a period)."""
    db = get_db()
    recorded = record_check_in(db, actor(), match_id, body)
    return recorded


@blp.route("/matches/<int:match_id>/feedback", methods=["POST"])
@guarded(blp, changes=True)
@blp.arguments(FeedbackBodySchema)
@blp.response(201, FeedbackSchema)
def feedback(body: dict[str, Any], match_id: int) -> Feedback:
    """Answer the survey of an ended pair of yours, once."""
    db = get_db()
    answer = submit_feedback(db, actor(), match_id, body)
    return answer


@blp.route("/health", methods=["GET"])
@guarded(blp, "coordinator")
@blp.arguments(HealthQuerySchema, location="query")
@blp.response(200, DashboardSchema)
def dashboard(query: dict[str, Any]) -> Dashboard:
    """Return the programme-health figures and the live pairs that need attention (of
    ?programme=ID, else of every programme one may see)."""
    return health_dashboard(get_db(), actor(), programme_id=query["programme"])

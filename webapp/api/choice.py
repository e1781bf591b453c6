"""Choice rounds: a mentee's suggestions and request, a mentor's answer, the coordinator's
window (open, see, close and fill)."""

from __future__ import annotations

from typing import Any

from flask_smorest import Blueprint

from mentorship.rounds.choice import (
    ChoiceWindow,
    MentorRequest,
    MyChoice,
    accept_request,
    choice_window,
    close_choice,
    decline_request,
    mentor_requests,
    my_choices,
    open_choice,
    request_mentor,
)
from mentorship.rounds.models import Match, Round
from webapp.api.access import guarded
from webapp.api.schemas import (
    ChoiceWindowSchema,
    DeclineSchema,
    MentorRequestSchema,
    MyChoiceSchema,
    RequestSchema,
    RoundSchema,
)
from webapp.auth import actor
from webapp.database import get_db, get_taxonomy

__all__ = ["blp"]

blp = Blueprint("api_choice", __name__, url_prefix="/api/v1",
                description="Choice rounds: mentees request a suggested mentor, mentors answer.")


@blp.route("/choices", methods=["GET"])
@guarded(blp)
@blp.response(200, MyChoiceSchema(many=True))
def list_choices() -> list[MyChoice]:
    """Return the signed-in mentee's open choice rounds with their suggested mentors."""
    return my_choices(get_db(), actor(), taxonomy=get_taxonomy())


@blp.route("/choices/<int:suggestion_id>/request", methods=["POST"])
@guarded(blp, changes=True)
@blp.response(201, RequestSchema)
def request_one(suggestion_id: int) -> Match:
    """Request a suggested mentor (409 if another mentee took the last place first)."""
    db = get_db()
    made = request_mentor(db, actor(), suggestion_id)
    return made


@blp.route("/requests", methods=["GET"])
@guarded(blp)
@blp.response(200, MentorRequestSchema(many=True))
def list_requests() -> list[MentorRequest]:
    """Return the requests addressed to the signed-in mentor: pending, then accepted."""
    return mentor_requests(get_db(), actor(), taxonomy=get_taxonomy())


@blp.route("/requests/<int:match_id>/accept", methods=["POST"])
@guarded(blp, changes=True)
@blp.response(200, RequestSchema)
def accept(match_id: int) -> Match:
    """Accept a mentee's request, as its mentor."""
    db = get_db()
    accepted = accept_request(db, actor(), match_id)
    return accepted


@blp.route("/requests/<int:match_id>/decline", methods=["POST"])
@guarded(blp, changes=True)
@blp.arguments(DeclineSchema)
@blp.response(200, RequestSchema)
def decline(body: dict[str, Any], match_id: int) -> Match:
    """Decline a mentee's request, as its mentor: they may choose again."""
    db = get_db()
    declined = decline_request(db, actor(), match_id, reason=body["reason"])
    return declined


@blp.route("/rounds/<int:round_id>/choice", methods=["GET"])
@guarded(blp, "coordinator")
@blp.response(200, ChoiceWindowSchema)
def window(round_id: int) -> ChoiceWindow:
    """Return a choice round's window and its requests by state."""
    return choice_window(get_db(), actor(), round_id)


@blp.route("/rounds/<int:round_id>/choice/open", methods=["POST"])
@guarded(blp, "coordinator", changes=True)
@blp.response(200, RoundSchema)
def open_window(round_id: int) -> Round:
    """Open a draft choice round's window: each mentee gets their suggested mentors."""
    db = get_db()
    opened = open_choice(db, actor(), round_id, taxonomy=get_taxonomy())
    return opened


@blp.route("/rounds/<int:round_id>/choice/close", methods=["POST"])
@guarded(blp, "coordinator", changes=True)
@blp.response(200, RoundSchema)
def close_window(round_id: int) -> Round:
    """Close the window and fill the round around the accepted pairs: then review, publish."""
    db = get_db()
    filled = close_choice(db, actor(), round_id, taxonomy=get_taxonomy())
    return filled

"""Pairs as their mentor and mentee see them: my pairs, one pair, accept and decline."""

from __future__ import annotations

from typing import Any

from flask_smorest import Blueprint

from mentorship.rounds.models import Match
from mentorship.rounds.pairs import Declined, MyPair, accept_match, decline_pair, my_pairs, pair_details
from mentorship.rounds.queries import PairRow
from webapp.api.access import guarded
from webapp.api.schemas import DeclinedSchema, DeclineSchema, MatchDetailSchema, MatchSchema, MyPairSchema
from webapp.auth import actor
from webapp.database import get_db, get_taxonomy

__all__ = ["blp"]

blp = Blueprint("api_matches", __name__, url_prefix="/api/v1/matches",
                description="Pairs of published rounds, for their mentor and mentee.")


@blp.route("", methods=["GET"])
@guarded(blp)
@blp.response(200, MyPairSchema(many=True))
def list_mine() -> list[MyPair]:
    """Return the signed-in person's live pairs in published rounds, as mentor and as mentee."""
    return my_pairs(get_db(), actor(), taxonomy=get_taxonomy())


@blp.route("/<int:match_id>", methods=["GET"])
@guarded(blp)
@blp.response(200, MatchDetailSchema)
def get_one(match_id: int) -> PairRow:
    """Return a pair to its mentor, its mentee or a coordinator."""
    return pair_details(get_db(), actor(), match_id, taxonomy=get_taxonomy())


@blp.route("/<int:match_id>/accept", methods=["POST"])
@guarded(blp, changes=True)
@blp.response(200, MatchSchema)
def accept(match_id: int) -> Match:
    """Accept a proposed pair, as its mentor or mentee."""
    db = get_db()
    accepted = accept_match(db, actor(), match_id)
    return accepted


@blp.route("/<int:match_id>/decline", methods=["POST"])
@guarded(blp, changes=True)
@blp.arguments(DeclineSchema)
@blp.response(200, DeclinedSchema)
def decline(body: dict[str, Any], match_id: int) -> Declined:
    """Decline a pair (mentor, mentee or coordinator); the people it frees are matched again."""
    db = get_db()
    declined = decline_pair(db, actor(), match_id, taxonomy=get_taxonomy(), reason=body["reason"])
    return declined

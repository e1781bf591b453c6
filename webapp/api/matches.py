"""Pairs as their mentor and mentee see them: my pairs, one pair, accept and decline; then its
agreement, its history, marking it active and ending it."""

from __future__ import annotations

from typing import Any

from flask import current_app
from flask_smorest import Blueprint

from mentorship.rounds.agreements import (
    AgreementView,
    confirm_agreement,
    get_agreement,
    propose_agreement,
)
from mentorship.rounds.lifecycle import HistoryEntry, activate_pair, end_pair, pair_history
from mentorship.rounds.models import Match
from mentorship.rounds.pairs import MyPair, accept_match, my_pairs, pair_details
from mentorship.rounds.queries import PairRow
from mentorship.rounds.rematch import Declined, decline_pair
from webapp.api.access import guarded
from webapp.api.schemas import (
    AgreementBodySchema,
    AgreementConfirmSchema,
    AgreementDumpSchema,
    DeclinedSchema,
    DeclineSchema,
    EndSchema,
    HistoryEntrySchema,
    MatchDetailSchema,
    MatchSchema,
    MyPairSchema,
)
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
    declined = decline_pair(db, actor(), match_id, reason=body["reason"],
                            url=current_app.config["DATABASE_URL"],
                            taxonomy_path=current_app.config["TAXONOMY_PATH"])
    return declined


@blp.route("/<int:match_id>/activate", methods=["POST"])
@guarded(blp, changes=True)
@blp.response(200, MatchSchema)
def activate(match_id: int) -> Match:
    """Mark an accepted pair active (they have met), as a member or a coordinator."""
    db = get_db()
    activated = activate_pair(db, actor(), match_id)
    return activated


@blp.route("/<int:match_id>/end", methods=["POST"])
@guarded(blp, changes=True)
@blp.arguments(EndSchema)
@blp.response(200, MatchSchema)
def end(body: dict[str, Any], match_id: int) -> Match:
    """End an accepted or active pair, saying why (a member or a coordinator)."""
    db = get_db()
    ended = end_pair(db, actor(), match_id, note=body["reason"])
    return ended


@blp.route("/<int:match_id>/history", methods=["GET"])
@guarded(blp)
@blp.response(200, HistoryEntrySchema(many=True))
def history(match_id: int) -> list[HistoryEntry]:
    """Return the pair's history, oldest first, to its members and coordinators."""
    return pair_history(get_db(), actor(), match_id)


@blp.route("/<int:match_id>/agreement", methods=["GET"])
@guarded(blp)
@blp.response(200, AgreementDumpSchema)
def agreement(match_id: int) -> AgreementView:
    """Return the pair's agreement, or (status none) the draft seeded from the mentee's wants."""
    return get_agreement(get_db(), actor(), match_id)


@blp.route("/<int:match_id>/agreement", methods=["PUT"])
@guarded(blp, changes=True)
@blp.arguments(AgreementBodySchema)
@blp.response(200, AgreementDumpSchema)
def propose(body: dict[str, Any], match_id: int) -> AgreementView:
    """Propose or change the agreement as a member; a bad field is a 422 for that field, a
    version that is no longer the latest a 409."""
    db = get_db()
    version = body.pop("version")
    proposed = propose_agreement(db, actor(), match_id, body, version=version)
    return proposed


@blp.route("/<int:match_id>/agreement/confirm", methods=["POST"])
@guarded(blp, changes=True)
@blp.arguments(AgreementConfirmSchema)
@blp.response(200, AgreementDumpSchema)
def confirm(body: dict[str, Any], match_id: int) -> AgreementView:
    """Confirm the version of the agreement read, as a member who did not propose it."""
    db = get_db()
    confirmed = confirm_agreement(db, actor(), match_id, version=body["version"])
    return confirmed

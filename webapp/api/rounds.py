"""Matching rounds for coordinators: create, preview as a job, review, publish and close."""

from __future__ import annotations

from typing import Any

from flask import current_app, url_for
from flask_smorest import Blueprint
from flask_smorest.pagination import PaginationParameters

from mentorship.core.paging import PAGE_SIZE
from mentorship.rounds.jobs import start_preview
from mentorship.rounds.models import Round
from mentorship.rounds.operations import close_round, create_round, publish_round
from mentorship.rounds.queries import PairRow, get_round, list_rounds, round_pairs, round_unmatched
from webapp.api.access import guarded
from webapp.api.schemas import (
    PairSchema,
    PreviewJobSchema,
    RoundCreateSchema,
    RoundDetailSchema,
    RoundSchema,
    RoundsQuerySchema,
    with_unmatched,
)
from webapp.auth import actor
from webapp.database import get_db, get_taxonomy

__all__ = ["blp"]

blp = Blueprint("api_rounds", __name__, url_prefix="/api/v1/rounds",
                description="Matching rounds (coordinators and admins).")


@blp.route("", methods=["GET"])
@guarded(blp, "coordinator")
@blp.arguments(RoundsQuerySchema, location="query")
@blp.response(200, RoundSchema(many=True))
def list_all(query: dict[str, Any]) -> list[tuple[Round, int]]:
    """Return the rounds one may see (of ?programme=ID), newest first, with their pairs."""
    return list_rounds(get_db(), actor(), programme_id=query["programme"])


@blp.route("", methods=["POST"])
@guarded(blp, "coordinator", changes=True)
@blp.arguments(RoundCreateSchema)
@blp.response(201, RoundSchema, headers={"Location": {"schema": {"type": "string"}}})
def create(body: dict[str, Any]) -> tuple[Round, dict[str, str]]:
    """Create a draft round of a programme with its mode and settings (the programme's by
    default)."""
    db = get_db()
    new_round = create_round(db, actor(), body["name"], mode=body["mode"],
                             settings=body["settings"], programme_id=body["programme_id"])
    return new_round, {"Location": url_for(".get_one", round_id=new_round.id)}


@blp.route("/<int:round_id>", methods=["GET"])
@guarded(blp, "coordinator")
@blp.response(200, RoundDetailSchema)
def get_one(round_id: int) -> Any:
    """Return a round: status, job progress, settings, summary and the unmatched."""
    db = get_db()
    return with_unmatched(get_round(db, actor(), round_id),
                          round_unmatched(db, actor(), round_id, taxonomy=get_taxonomy()))


@blp.route("/<int:round_id>/preview", methods=["POST"])
@guarded(blp, "coordinator", changes=True)
@blp.response(202, PreviewJobSchema, headers={"Location": {"schema": {"type": "string"}}})
def preview(round_id: int) -> tuple[dict[str, Any], dict[str, str]]:
    """Start computing the round's proposed pairs; poll the round for progress."""
    db = get_db()
    job_id = start_preview(db, actor(), round_id, url=current_app.config["DATABASE_URL"],
                           taxonomy_path=current_app.config["TAXONOMY_PATH"])
    return ({"job_id": job_id, "round_id": round_id},
            {"Location": url_for(".get_one", round_id=round_id)})


@blp.route("/<int:round_id>/publish", methods=["POST"])
@guarded(blp, "coordinator", changes=True)
@blp.response(200, RoundSchema)
def publish(round_id: int) -> Round:
    """Publish a previewed round: its pairs become visible to staff at once."""
    db = get_db()
    published = publish_round(db, actor(), round_id)
    return published


@blp.route("/<int:round_id>/close", methods=["POST"])
@guarded(blp, "coordinator", changes=True)
@blp.response(200, RoundSchema)
def close(round_id: int) -> Round:
    """Close a published round: its live pairs end."""
    db = get_db()
    closed = close_round(db, actor(), round_id)
    return closed


@blp.route("/<int:round_id>/matches", methods=["GET"])
@guarded(blp, "coordinator")
@blp.response(200, PairSchema(many=True))
@blp.paginate(page_size=PAGE_SIZE)
def list_matches(round_id: int, pagination_parameters: PaginationParameters) -> list[PairRow]:
    """Return one page of the round's pairs (declined ones left out), best score first."""
    page = round_pairs(get_db(), actor(), round_id, page=pagination_parameters.page,
                       taxonomy=get_taxonomy(),
                       size=pagination_parameters.page_size)
    pagination_parameters.item_count = page.total
    return page.items

"""Programmes for coordinators: list, create, read and edit them, enrol people, give them to
coordinators (admins)."""

from __future__ import annotations

from typing import Any

from flask import url_for
from flask_smorest import Blueprint

from mentorship.programmes.models import Programme
from mentorship.programmes.operations import (
    assign_coordinator,
    create_programme,
    enrol_people,
    unassign_coordinator,
    unenrol_people,
    update_programme,
)
from mentorship.programmes.queries import ProgrammeRow, get_programme, list_programmes
from webapp.api.access import guarded
from webapp.api.schemas import (
    CoordinatorSchema,
    EnrolledSchema,
    PeopleIdsSchema,
    ProgrammeBodySchema,
    ProgrammeSchema,
)
from webapp.auth import actor
from webapp.database import get_db

__all__ = ["blp"]

blp = Blueprint("api_programmes", __name__, url_prefix="/api/v1/programmes",
                description="Programmes: each with its own participants, rounds and reports "
                            "(coordinators and admins; a coordinator given programmes sees "
                            "only those).")


@blp.route("", methods=["GET"])
@guarded(blp, "coordinator")
@blp.response(200, ProgrammeSchema(many=True))
def list_all() -> list[ProgrammeRow]:
    """Return the programmes one may see, the default first, with their counts."""
    return list_programmes(get_db(), actor())


@blp.route("", methods=["POST"])
@guarded(blp, "coordinator", changes=True)
@blp.arguments(ProgrammeBodySchema)
@blp.response(201, ProgrammeSchema, headers={"Location": {"schema": {"type": "string"}}})
def create(body: dict[str, Any]) -> tuple[Programme, dict[str, str]]:
    """Create a programme (a coordinator given programmes is given the new one too)."""
    programme = create_programme(get_db(), actor(), body)
    return programme, {"Location": url_for(".get_one", programme_id=programme.id)}


@blp.route("/<int:programme_id>", methods=["GET"])
@guarded(blp, "coordinator")
@blp.response(200, ProgrammeSchema)
def get_one(programme_id: int) -> Programme:
    """Return a programme."""
    return get_programme(get_db(), actor(), programme_id)


@blp.route("/<int:programme_id>", methods=["PUT"])
@guarded(blp, "coordinator", changes=True)
@blp.arguments(ProgrammeBodySchema)
@blp.response(200, ProgrammeSchema)
def put_one(body: dict[str, Any], programme_id: int) -> Programme:
    """Change the fields given; with `version`, a change made meanwhile is a 409."""
    fields = dict(body)
    version = fields.pop("version", None)
    # Whatever was sent goes to the service, which refuses a version that is not a number.
    return update_programme(get_db(), actor(), programme_id, fields, version=version)


@blp.route("/<int:programme_id>/enrol", methods=["POST"])
@guarded(blp, "coordinator", changes=True)
@blp.arguments(PeopleIdsSchema)
@blp.response(200, EnrolledSchema)
def enrol(body: dict[str, Any], programme_id: int) -> dict[str, int]:
    """Enrol people in the programme (those enrolled already stay so)."""
    return {"changed": enrol_people(get_db(), actor(), programme_id, body["person_ids"])}


@blp.route("/<int:programme_id>/unenrol", methods=["POST"])
@guarded(blp, "coordinator", changes=True)
@blp.arguments(PeopleIdsSchema)
@blp.response(200, EnrolledSchema)
def unenrol(body: dict[str, Any], programme_id: int) -> dict[str, int]:
    """Take people out of the programme (their past pairs stay)."""
    return {"changed": unenrol_people(get_db(), actor(), programme_id, body["person_ids"])}


@blp.route("/<int:programme_id>/coordinators", methods=["POST"])
@guarded(blp, "admin", changes=True)
@blp.arguments(CoordinatorSchema)
@blp.response(204)
def add_coordinator(body: dict[str, Any], programme_id: int) -> None:
    """Give a coordinator the programme: from then on they see only the programmes given them."""
    assign_coordinator(get_db(), actor(), programme_id, body["person_id"])


@blp.route("/<int:programme_id>/coordinators/<int:person_id>", methods=["DELETE"])
@guarded(blp, "admin", changes=True)
@blp.response(204)
def remove_coordinator(programme_id: int, person_id: int) -> None:
    """Take the programme from a coordinator (one left with none sees every programme)."""
    unassign_coordinator(get_db(), actor(), programme_id, person_id)

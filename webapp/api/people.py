"""People: the coordinators' list, one person, roles and deactivation."""

from __future__ import annotations

from typing import Any

from flask_smorest import Blueprint
from flask_smorest.pagination import PaginationParameters

from mentorship.core.paging import PAGE_SIZE
from mentorship.people.accounts import set_active, set_roles
from mentorship.people.directory import PeopleFilter, get_person, search_people
from mentorship.people.models import Person
from webapp.api.access import guarded
from webapp.api.schemas import PeopleQuerySchema, PersonSchema, RoleChangeSchema
from webapp.auth import actor
from webapp.database import get_db

__all__ = ["blp"]

blp = Blueprint("api_people", __name__, url_prefix="/api/v1/people",
                description="Staff records: search (coordinators), roles (admins), deactivation.")


@blp.route("", methods=["GET"])
@guarded(blp, "coordinator")
@blp.arguments(PeopleQuerySchema, location="query")
@blp.response(200, PersonSchema(many=True))
@blp.paginate(page_size=PAGE_SIZE)
def list_people(query: dict[str, Any], pagination_parameters: PaginationParameters) -> list[Person]:
    """Return one page of people, by name, narrowed by text, role, status and department."""
    page = search_people(get_db(), actor(), PeopleFilter(**query),
                         page=pagination_parameters.page, size=pagination_parameters.page_size)
    pagination_parameters.item_count = page.total
    return page.items


@blp.route("/<int:person_id>", methods=["GET"])
@guarded(blp)
@blp.response(200, PersonSchema)
def get_one(person_id: int) -> Person:
    """Return a person: oneself, or anyone for coordinators and admins."""
    return get_person(get_db(), actor(), person_id)


@blp.route("/<int:person_id>/roles", methods=["PUT"])
@guarded(blp, "admin", changes=True)
@blp.arguments(RoleChangeSchema)
@blp.response(200, PersonSchema)
def put_roles(roles: dict[str, bool], person_id: int) -> Person:
    """Grant or withdraw the coordinator and admin roles (admins; one admin always stays)."""
    db = get_db()
    person = set_roles(db, actor(), person_id, coordinator=roles["coordinator"], admin=roles["admin"])
    return person


@blp.route("/<int:person_id>/deactivate", methods=["POST"])
@guarded(blp, "coordinator", changes=True)
@blp.response(200, PersonSchema)
def deactivate(person_id: int) -> Person:
    """Deactivate a person: their sessions end and rounds leave them out."""
    return _set_active(person_id, False)


@blp.route("/<int:person_id>/activate", methods=["POST"])
@guarded(blp, "coordinator", changes=True)
@blp.response(200, PersonSchema)
def activate(person_id: int) -> Person:
    """Reactivate a person."""
    return _set_active(person_id, True)


def _set_active(person_id: int, active: bool) -> Person:
    db = get_db()
    person = set_active(db, actor(), person_id, active)
    return person

"""Skill profiles: read one, or replace one through the one profile schema."""

from __future__ import annotations

from typing import Any

from flask_smorest import Blueprint

from mentorship.profiles.models import Profile
from mentorship.profiles.operations import get_profile, update_profile_of
from webapp.api.access import guarded
from webapp.api.schemas import ProfileBodySchema, StoredProfileSchema
from webapp.auth import actor
from webapp.database import get_db, get_taxonomy

__all__ = ["blp"]

blp = Blueprint("api_profiles", __name__, url_prefix="/api/v1/profiles",
                description="Skill profiles: levels, what to learn and teach, goals.")

_PROFILE_BODY = {"$ref": "#/components/schemas/ProfileUpdate"}


@blp.route("/<int:person_id>", methods=["GET"])
@guarded(blp)
@blp.response(200, StoredProfileSchema)
def get_one(person_id: int) -> Profile:
    """Return a person's profile: one's own, or anyone's for coordinators and admins."""
    return get_profile(get_db(), actor(), person_id)


@blp.route("/<int:person_id>", methods=["PUT"])
@guarded(blp, changes=True)
@blp.arguments(ProfileBodySchema)
@blp.doc(requestBody={"content": {"application/json": {"schema": _PROFILE_BODY}}})
@blp.response(200, StoredProfileSchema)
def put_one(body: dict[str, Any], person_id: int) -> Profile:
    """Replace a profile (one's own, or anyone's for admins); a bad field is a 422 for that field."""
    db = get_db()
    profile = update_profile_of(db, actor(), person_id, body, get_taxonomy())
    return profile

"""Single records by id, as the JSON API addresses them: a person, a profile, a pair.

The checks are those of the pages: staff see their own person and profile, coordinators and
admins see everyone's; a profile is changed by its person or an admin; a pair is seen by its
mentor, its mentee or a coordinator.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session

from matching import Taxonomy
from mentorship.core.errors import NotFound, PermissionDenied
from mentorship.people.models import Person
from mentorship.profiles.models import Profile
from mentorship.profiles.operations import update_profile
from mentorship.rounds.models import Match
from mentorship.rounds.operations import decline_match
from mentorship.rounds.pairs import get_match
from mentorship.rounds.queries import PairRow

__all__ = ["Declined", "decline_pair", "get_person", "get_profile", "pair_details",
           "update_profile_of"]


@dataclass(frozen=True)
class Declined:
    """A declined pair, and how many new pairs the re-match proposed in its round."""

    match: Match
    rematched: int


def _may_see(actor: Person | None, person_id: int) -> None:
    # Checked before the lookup, so that staff cannot probe which ids exist.
    if actor is not None and actor.id != person_id and not (actor.is_coordinator or actor.is_admin):
        raise PermissionDenied("staff see only their own record")


def get_person(session: Session, actor: Person | None, person_id: int) -> Person:
    """Return a person the actor may see: themselves, or anyone for a coordinator or admin."""
    _may_see(actor, person_id)
    person = session.get(Person, person_id)
    if person is None:
        raise NotFound(f"no person {person_id}")
    return person


def get_profile(session: Session, actor: Person | None, person_id: int) -> Profile:
    """Return the profile of a person the actor may see (NotFound if they have none)."""
    person = get_person(session, actor, person_id)
    if person.profile is None:
        raise NotFound(f"person {person_id} has no profile yet")
    return person.profile


def update_profile_of(session: Session, actor: Person | None, person_id: int,
                      payload: dict[str, Any], taxonomy: Taxonomy) -> Profile:
    """Replace the profile of the person with this id (the person or an admin only)."""
    if actor is not None and actor.id != person_id and not actor.is_admin:
        raise PermissionDenied("staff edit only their own profile")
    person = session.get(Person, person_id)
    if person is None:
        raise NotFound(f"no person {person_id}")
    return update_profile(session, actor, person.email, payload, taxonomy).profile


def pair_details(session: Session, actor: Person | None, match_id: int) -> PairRow:
    """Return a pair with its mentor and mentee, for its mentor, its mentee or a coordinator."""
    match = get_match(session, actor, match_id)
    mentor = session.get(Person, match.mentor_id) if match.mentor_id is not None else None
    mentee = session.get(Person, match.mentee_id) if match.mentee_id is not None else None
    return PairRow(match, mentor, mentee, match.locked)


def decline_pair(session: Session, actor: Person | None, match_id: int, *, taxonomy: Taxonomy,
                 reason: str = "") -> Declined:
    """Decline a pair as `decline_match` does; return it (now declined) and the re-match count."""
    get_match(session, actor, match_id)  # staff may not decline what they may not see
    rematched = decline_match(session, actor, match_id, taxonomy=taxonomy, reason=reason)
    match = session.get(Match, match_id, populate_existing=True)
    return Declined(match, len(rematched))

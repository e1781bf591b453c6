"""Which programmes an actor may see and act on.

The command line (actor None) and admins see every programme; so does a coordinator given
none. A coordinator given one or more programmes sees only those.
"""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import ColumnElement, select
from sqlalchemy.orm import Session

from mentorship.core.db import batches
from mentorship.core.errors import PermissionDenied
from mentorship.core.permissions import Actor
from mentorship.programmes.models import Enrolment, ProgrammeCoordinator

__all__ = [
    "can_see_programme",
    "forget_visible_programmes",
    "people_in_view",
    "people_out_of_view",
    "require_people_in_view",
    "require_programme",
    "visible_programme_ids",
]


#: Where a session keeps the programmes each actor is limited to, read once per session (a
#: request: a page asks several services, each of which checks).
_CACHE = "mentorship.visible_programmes"


def visible_programme_ids(session: Session, actor: Actor | None) -> set[int] | None:
    """Return the ids of the programmes the actor is limited to, or None for every one."""
    if actor is None or actor.is_admin:
        return None
    cache = session.info.setdefault(_CACHE, {})
    if actor.id not in cache:
        cache[actor.id] = set(session.scalars(
            select(ProgrammeCoordinator.programme_id)
            .where(ProgrammeCoordinator.person_id == actor.id))) or None
    found = cache[actor.id]
    return set(found) if found is not None else None


def forget_visible_programmes(session: Session) -> None:
    """Drop what the session knows of who is limited to which programmes (they changed)."""
    session.info.pop(_CACHE, None)


def can_see_programme(session: Session, actor: Actor | None, programme_id: int) -> bool:
    """Return whether the actor may see and act on this programme."""
    visible = visible_programme_ids(session, actor)
    return visible is None or programme_id in visible


def require_programme(session: Session, actor: Actor | None, programme_id: int) -> None:
    """Raise PermissionDenied unless the actor may see and act on this programme."""
    if not can_see_programme(session, actor, programme_id):
        raise PermissionDenied("this programme is not one of yours")


def people_out_of_view(session: Session, actor: Actor | None,
                       person_ids: Iterable[int]) -> set[int]:
    """Return the people the actor may not act on: enrolled only in programmes not theirs.

    Someone enrolled nowhere (a manager, a person just added) is in everyone's view.
    """
    visible = visible_programme_ids(session, actor)
    if visible is None:
        return set()
    ids = sorted(set(person_ids))
    enrolled: dict[int, set[int]] = {}
    for chunk in batches(ids):
        for person, programme in session.execute(
                select(Enrolment.person_id, Enrolment.programme_id)
                .where(Enrolment.person_id.in_(chunk))):
            enrolled.setdefault(person, set()).add(programme)
    return {person for person, programmes in enrolled.items() if not programmes & visible}


def require_people_in_view(session: Session, actor: Actor | None,
                           person_ids: Iterable[int]) -> None:
    """Raise PermissionDenied if any of these people belongs only to others' programmes."""
    if people_out_of_view(session, actor, person_ids):
        raise PermissionDenied("someone named here is in none of your programmes")


def people_in_view(session: Session, actor: Actor | None, person_id_column,
                   programme_id: int | None = None) -> ColumnElement[bool] | None:
    """Return the condition on `person_id_column` of the people a list may show, or None for all.

    With `programme_id` (which the actor must be allowed), the people enrolled in it. Without,
    for a coordinator limited to some programmes, the people of those and the people enrolled
    nowhere (as `people_out_of_view` allows).
    """
    if programme_id is not None:
        require_programme(session, actor, programme_id)
        return person_id_column.in_(select(Enrolment.person_id)
                                    .where(Enrolment.programme_id == programme_id))
    visible = visible_programme_ids(session, actor)
    if visible is None:
        return None
    return (person_id_column.in_(select(Enrolment.person_id)
                                 .where(Enrolment.programme_id.in_(visible)))
            | person_id_column.not_in(select(Enrolment.person_id)))

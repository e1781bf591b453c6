"""Which programmes an actor may see and act on.

The command line (actor None) and admins see every programme; so does a coordinator given
none. A coordinator given one or more programmes sees only those.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from mentorship.core.errors import PermissionDenied
from mentorship.core.permissions import Actor
from mentorship.programmes.models import ProgrammeCoordinator

__all__ = ["can_see_programme", "require_programme", "visible_programme_ids"]


def visible_programme_ids(session: Session, actor: Actor | None) -> set[int] | None:
    """Return the ids of the programmes the actor is limited to, or None for every one."""
    if actor is None or actor.is_admin:
        return None
    given = set(session.scalars(select(ProgrammeCoordinator.programme_id)
                                .where(ProgrammeCoordinator.person_id == actor.id)))
    return given or None


def can_see_programme(session: Session, actor: Actor | None, programme_id: int) -> bool:
    """Return whether the actor may see and act on this programme."""
    visible = visible_programme_ids(session, actor)
    return visible is None or programme_id in visible


def require_programme(session: Session, actor: Actor | None, programme_id: int) -> None:
    """Raise PermissionDenied unless the actor may see and act on this programme."""
    if not can_see_programme(session, actor, programme_id):
        raise PermissionDenied("this programme is not one of yours")

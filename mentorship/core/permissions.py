"""Role checks shared by the services. `actor` None is the command line, which may do anything."""

from __future__ import annotations

from typing import Protocol

from mentorship.core.errors import PermissionDenied

__all__ = ["Actor", "require_admin", "require_coordinator"]


class Actor(Protocol):
    """Whoever acts: a signed-in person (`mentorship.people.models.Person` is one)."""

    id: int
    is_coordinator: bool
    is_admin: bool


def require_coordinator(actor: Actor | None, doing: str = "run matching rounds") -> None:
    """Raise PermissionDenied unless the actor is a coordinator or an admin."""
    if actor is not None and not (actor.is_coordinator or actor.is_admin):
        raise PermissionDenied(f"only coordinators {doing}")


def require_admin(actor: Actor | None, doing: str = "manage roles") -> None:
    """Raise PermissionDenied unless the actor is an admin."""
    if actor is not None and not actor.is_admin:
        raise PermissionDenied(f"only admins {doing}")

"""Role checks shared by the services. `actor` None is the command line, which may do anything."""

from __future__ import annotations

from mentorship.errors import PermissionDenied
from mentorship.models import Person

__all__ = ["require_admin", "require_coordinator"]


def require_coordinator(actor: Person | None, doing: str = "run matching rounds") -> None:
    """Raise PermissionDenied unless the actor is a coordinator or an admin."""
    if actor is not None and not (actor.is_coordinator or actor.is_admin):
        raise PermissionDenied(f"only coordinators {doing}")


def require_admin(actor: Person | None, doing: str = "manage roles") -> None:
    """Raise PermissionDenied unless the actor is an admin."""
    if actor is not None and not actor.is_admin:
        raise PermissionDenied(f"only admins {doing}")

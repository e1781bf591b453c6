"""Finding programmes: the default one, one by id or name."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from mentorship.core.db import hold_lock
from mentorship.core.errors import NotFound
from mentorship.programmes.models import DEFAULT_PROGRAMME_NAME, Programme

__all__ = ["PROGRAMMES_LOCK", "default_programme", "find_programme", "resolve_programme"]

#: Held by every writer that creates a programme or changes which one is the default.
PROGRAMMES_LOCK = "mentorship.programmes"


def default_programme(session: Session) -> Programme:
    """Return the default programme (where imports, invites and rounds go unless told).

    The migration creates it; a database that lost it gets it back here, under the lock.
    """
    found = session.scalar(select(Programme).where(Programme.is_default.is_(True))
                           .order_by(Programme.id).limit(1))
    if found is not None:
        return found
    hold_lock(session, PROGRAMMES_LOCK)
    found = session.scalar(select(Programme).where(Programme.is_default.is_(True))
                           .order_by(Programme.id).limit(1))
    if found is None:
        found = session.scalar(select(Programme).where(Programme.name == DEFAULT_PROGRAMME_NAME))
        if found is None:
            found = Programme(name=DEFAULT_PROGRAMME_NAME, round_settings={}, settings={})
            session.add(found)
        found.is_default = True
        session.flush()
    return found


def find_programme(session: Session, programme_id: int) -> Programme:
    """Return the programme with this id, or raise NotFound."""
    found = session.get(Programme, programme_id)
    if found is None:
        raise NotFound(f"no programme {programme_id}")
    return found


def resolve_programme(session: Session, name_or_id: str | int | None) -> Programme:
    """Return the programme named or numbered so (the default one for None), or NotFound."""
    if name_or_id is None or (isinstance(name_or_id, str) and not name_or_id.strip()):
        return default_programme(session)
    text = str(name_or_id).strip()
    found = session.scalar(select(Programme).where(Programme.name == text))
    if found is None and text.isdigit() and int(text) < 2**31:
        found = session.get(Programme, int(text))
    if found is None:
        raise NotFound(f"no programme named or numbered {text!r}")
    return found

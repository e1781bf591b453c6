"""Finding programmes: the default one, one by id or name."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from mentorship.core.db import hold_lock
from mentorship.core.errors import NotFound, PermissionDenied
from mentorship.core.permissions import Actor, require_coordinator
from mentorship.people.models import Person
from mentorship.programmes.access import require_programme, visible_programme_ids
from mentorship.programmes.models import (
    DEFAULT_PROGRAMME_NAME,
    Enrolment,
    Programme,
    ProgrammeCoordinator,
)

__all__ = [
    "PROGRAMMES_LOCK",
    "ProgrammeRow",
    "default_programme",
    "find_programme",
    "get_programme",
    "list_programmes",
    "programme_coordinators",
    "programme_in_view",
    "programmes_of_person",
    "resolve_programme",
]

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


@dataclass(frozen=True)
class ProgrammeRow:
    """A programme as the list shows it, with its counts."""

    programme: Programme
    participants: int      # people enrolled
    rounds: int


def list_programmes(session: Session, actor: Actor | None) -> list[ProgrammeRow]:
    """The programmes the actor may see, the default first, then by name, with their counts."""
    from mentorship.rounds.models import Round  # rounds import programmes: not at the top

    require_coordinator(actor, "see programmes")
    enrolled = (select(Enrolment.programme_id, func.count().label("n"))
                .group_by(Enrolment.programme_id).subquery())
    rounds = (select(Round.programme_id, func.count().label("n"))
              .group_by(Round.programme_id).subquery())
    query = (select(Programme, enrolled.c.n, rounds.c.n)
             .outerjoin(enrolled, enrolled.c.programme_id == Programme.id)
             .outerjoin(rounds, rounds.c.programme_id == Programme.id))
    visible = visible_programme_ids(session, actor)
    if visible is not None:
        query = query.where(Programme.id.in_(visible))
    return [ProgrammeRow(p, people or 0, count or 0) for p, people, count in session.execute(
        query.order_by(Programme.is_default.desc(), Programme.name, Programme.id)).all()]


def get_programme(session: Session, actor: Actor | None, programme_id: int) -> Programme:
    """Return a programme the actor may see, or raise NotFound or PermissionDenied."""
    require_coordinator(actor, "see programmes")
    programme = find_programme(session, programme_id)
    require_programme(session, actor, programme_id)
    return programme


def programme_in_view(session: Session, actor: Actor | None,
                      programme_id: int | None) -> Programme:
    """Return the programme a page shows: the one asked for, else the default one if the actor
    may see it, else the first of theirs."""
    if programme_id is not None:
        return get_programme(session, actor, programme_id)
    require_coordinator(actor, "see programmes")
    visible = visible_programme_ids(session, actor)
    programme = default_programme(session)
    if visible is None or programme.id in visible:
        return programme
    first = session.scalar(select(Programme).where(Programme.id.in_(visible))
                           .order_by(Programme.name, Programme.id).limit(1))
    if first is None:  # cannot happen: the assignment's foreign key cascades
        raise PermissionDenied("no programme is yours")
    return first


def programme_coordinators(session: Session, actor: Actor | None,
                           programme_id: int) -> list[Person]:
    """The coordinators given this programme, by name."""
    get_programme(session, actor, programme_id)
    return list(session.scalars(
        select(Person).join(ProgrammeCoordinator, ProgrammeCoordinator.person_id == Person.id)
        .where(ProgrammeCoordinator.programme_id == programme_id)
        .order_by(Person.name, Person.id)))


def programmes_of_person(session: Session, person_id: int) -> list[Programme]:
    """The programmes a person is enrolled in, by name."""
    return list(session.scalars(
        select(Programme).join(Enrolment, Enrolment.programme_id == Programme.id)
        .where(Enrolment.person_id == person_id).order_by(Programme.name, Programme.id)))

"""Changing programmes: create and edit them, enrol people, give them to coordinators."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy import delete, func, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from mentorship.core.audit import record_event
from mentorship.core.db import batches, hold_lock
from mentorship.core.errors import Conflict, InvalidInput, NotFound, RowError
from mentorship.core.models import MAX_VERSION, utc_now
from mentorship.core.permissions import Actor, require_admin, require_coordinator
from mentorship.people.models import Person
from mentorship.programmes.access import (
    forget_visible_programmes,
    require_people_in_view,
    require_programme,
    visible_programme_ids,
)
from mentorship.programmes.models import Enrolment, Programme, ProgrammeCoordinator
from mentorship.programmes.queries import PROGRAMMES_LOCK, find_programme, programme_in_view
from mentorship.programmes.schemas import load_programme

__all__ = [
    "assign_coordinator",
    "create_programme",
    "enrol_invited",
    "enrol_people",
    "unassign_coordinator",
    "unenrol_people",
    "update_programme",
]


def _name_free(session: Session, name: str, programme_id: int | None = None) -> None:
    taken = session.scalar(select(Programme.id).where(
        func.lower(Programme.name) == name.casefold(), Programme.id != (programme_id or 0)))
    if taken is not None:
        raise InvalidInput("the programme is not valid", [
            RowError(0, "name", name[:80], "another programme has this name")])


def create_programme(session: Session, actor: Actor | None, raw: dict[str, Any]) -> Programme:
    """Create a programme; a coordinator limited to some programmes is given the new one too."""
    require_coordinator(actor, "create programmes")
    values = load_programme(raw)
    hold_lock(session, PROGRAMMES_LOCK)  # the name check and the insert, as one
    _name_free(session, values["name"])
    values.setdefault("round_settings", {})
    programme = Programme(settings={}, **values)
    session.add(programme)
    session.flush()
    if actor is not None and visible_programme_ids(session, actor) is not None:
        session.add(ProgrammeCoordinator(programme_id=programme.id, person_id=actor.id))
        session.flush()
        forget_visible_programmes(session)
    record_event(session, actor, "programme.create", "programme", programme.id,
                 name=programme.name)
    return programme


def update_programme(session: Session, actor: Actor | None, programme_id: int,
                     raw: dict[str, Any], *, version: Any = None) -> Programme:
    """Change a programme's fields (those given); `version`, if given, must be the stored one.

    A `version` that is not a whole number 1-MAX_VERSION (text, a fraction, a huge number) is
    an InvalidInput for the field, never taken as no version (which skips the stale check).

    A key of `settings` given replaces that key only, so that features keeping their own
    settings there do not undo each other's.
    """
    require_coordinator(actor, "edit programmes")
    programme = find_programme(session, programme_id)
    require_programme(session, actor, programme_id)
    if version is not None and (isinstance(version, bool) or not isinstance(version, int)
                                or not 1 <= version <= MAX_VERSION):
        raise InvalidInput("the programme was not saved", [RowError(
            0, "version", str(version)[:20], "must be the version read (a whole number): "
                                             "load the programme again")])
    if version is not None and version != programme.version:
        raise Conflict(f"programme {programme_id} was changed by someone else since it was "
                       "read: load it again")
    values = load_programme(raw, partial=True, stored={
        "mode": programme.mode, "round_settings": programme.round_settings})
    hold_lock(session, PROGRAMMES_LOCK)
    if "name" in values:
        _name_free(session, values["name"], programme_id)
    if "settings" in values:
        values["settings"] = {**(programme.settings or {}), **values["settings"]}
    for key, value in values.items():
        setattr(programme, key, value)
    session.flush()  # the version column makes a concurrent edit of a stale copy fail
    record_event(session, actor, "programme.update", "programme", programme_id,
                 fields=sorted(values))
    return programme


def _insert_ignoring_repeats(session: Session, table, rows: list[dict[str, Any]]) -> int:
    """Insert rows, skipping those a unique key already holds (race-free on both databases)."""
    if not rows:
        return 0
    dialect = session.get_bind().dialect.name
    insert = (postgresql.insert if dialect == "postgresql" else sqlite.insert)(table)
    added = 0
    for batch in batches(rows):
        # Counted from RETURNING: a multi-row insert's rowcount is not reliable on every driver.
        added += len(session.execute(insert.values(list(batch)).on_conflict_do_nothing()
                                     .returning(table.c.person_id)).all())
    return added


def enrol_people(session: Session, actor: Actor | None, programme_id: int,
                 person_ids: Iterable[int]) -> int:
    """Enrol people in a programme (those enrolled already stay so); return how many were new.

    A coordinator limited to some programmes enrols only people in their view: enrolling
    another programme's people in one of theirs would hand them those people's records.
    """
    require_coordinator(actor, "enrol people")
    find_programme(session, programme_id)
    require_programme(session, actor, programme_id)
    ids = sorted(set(person_ids))
    known = {i for chunk in batches(ids)
             for i in session.scalars(select(Person.id).where(Person.id.in_(chunk)))}
    if len(known) != len(ids):
        raise NotFound(f"no person {min(set(ids) - known)}")
    require_people_in_view(session, actor, ids)
    now = utc_now()
    added = _insert_ignoring_repeats(session, Enrolment.__table__, [
        {"programme_id": programme_id, "person_id": i, "created_at": now} for i in ids])
    if added:
        record_event(session, actor, "programme.enrol", "programme", programme_id, added=added)
    session.flush()
    return added


def enrol_invited(session: Session, actor: Actor | None, person_ids: Iterable[int],
                  programme_id: int | None) -> int:
    """Enrol invited people: in the programme given, else (those enrolled nowhere) in the one
    `programme_in_view` picks; return how many were new."""
    ids = set(person_ids)
    if programme_id is None:
        enrolled = {i for chunk in batches(sorted(ids)) for i in session.scalars(
            select(Enrolment.person_id).where(Enrolment.person_id.in_(chunk)))}
        ids -= enrolled
    if not ids:
        return 0
    return enrol_people(session, actor, programme_in_view(session, actor, programme_id).id, ids)


def unenrol_people(session: Session, actor: Actor | None, programme_id: int,
                   person_ids: Iterable[int]) -> int:
    """Take people out of a programme (their past pairs stay); return how many were enrolled."""
    require_coordinator(actor, "enrol people")
    find_programme(session, programme_id)
    require_programme(session, actor, programme_id)
    removed = 0
    for chunk in batches(sorted(set(person_ids))):
        removed += session.execute(delete(Enrolment).where(
            Enrolment.programme_id == programme_id, Enrolment.person_id.in_(chunk))).rowcount
    if removed:
        record_event(session, actor, "programme.unenrol", "programme", programme_id,
                     removed=removed)
    session.flush()
    return removed


def assign_coordinator(session: Session, actor: Actor | None, programme_id: int,
                       person_id: int) -> None:
    """Give a coordinator a programme: from then on they see only the programmes given them."""
    require_admin(actor, "give coordinators programmes")
    find_programme(session, programme_id)
    person = session.get(Person, person_id)
    if person is None:
        raise NotFound(f"no person {person_id}")
    if not person.is_coordinator:
        raise Conflict("only a coordinator can be given a programme")
    _insert_ignoring_repeats(session, ProgrammeCoordinator.__table__, [
        {"programme_id": programme_id, "person_id": person_id, "created_at": utc_now()}])
    forget_visible_programmes(session)
    record_event(session, actor, "programme.assign", "programme", programme_id, person=person_id)
    session.flush()


def unassign_coordinator(session: Session, actor: Actor | None, programme_id: int,
                         person_id: int) -> None:
    """Take a programme from a coordinator (one left with none sees every programme)."""
    require_admin(actor, "give coordinators programmes")
    removed = session.execute(delete(ProgrammeCoordinator).where(
        ProgrammeCoordinator.programme_id == programme_id,
        ProgrammeCoordinator.person_id == person_id)).rowcount
    forget_visible_programmes(session)
    if not removed:
        raise NotFound(f"person {person_id} was not given programme {programme_id}")
    record_event(session, actor, "programme.unassign", "programme", programme_id,
                 person=person_id)
    session.flush()

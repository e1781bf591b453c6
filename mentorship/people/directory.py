"""The coordinators' people list: search, filters and pages, in SQL so it scales; and the
people a participant's page shows, by id."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass

from sqlalchemy import bindparam, func, or_, select
from sqlalchemy.orm import Session, joinedload

from mentorship.core.errors import NotFound, PermissionDenied
from mentorship.core.paging import PAGE_SIZE, Page, like_pattern, page_bounds
from mentorship.core.permissions import Actor, require_coordinator
from mentorship.people.models import Person
from mentorship.profiles.models import MentoringRole, Profile
from mentorship.programmes.access import people_in_view, require_people_in_view

__all__ = ["PeopleFilter", "departments", "get_person", "people_with_profiles", "search_people"]

# Built once: the pages every participant opens run it on each request.
_PEOPLE_WITH_PROFILES = (select(Person).where(Person.id.in_(bindparam("ids", expanding=True)))
                         .options(joinedload(Person.profile)))


@dataclass(frozen=True)
class PeopleFilter:
    """What the people list is narrowed to; empty values mean no filter."""

    text: str = ""          # part of a name, email or department
    role: str = ""          # mentor, mentee or both (the mentoring role of the profile)
    status: str = ""        # active, inactive, invited (has a password) or uninvited
    department: str = ""
    programme: int | None = None   # only the people enrolled in this programme


def search_people(session: Session, actor: Actor | None, wanted: PeopleFilter, *,
                  page: int = 1, size: int = PAGE_SIZE) -> Page:
    """Return one page of people (with profiles loaded), ordered by name, for coordinators."""
    require_coordinator(actor, "see the people list")
    query = select(Person).outerjoin(Profile)
    scope = people_in_view(session, actor, Person.id, wanted.programme)
    if scope is not None:
        query = query.where(scope)
    if wanted.text.strip():
        pattern = like_pattern(wanted.text)
        query = query.where(or_(func.lower(Person.name).like(pattern, escape="\\"),
                                Person.email.like(pattern, escape="\\"),
                                func.lower(Person.department).like(pattern, escape="\\")))
    if wanted.role in {r.value for r in MentoringRole}:
        query = query.where(Profile.role == MentoringRole(wanted.role))
    if wanted.department:
        query = query.where(Person.department == wanted.department)
    if wanted.status == "active":
        query = query.where(Person.active.is_(True))
    elif wanted.status == "inactive":
        query = query.where(Person.active.is_(False))
    elif wanted.status == "invited":
        query = query.where(Person.password_hash != "")
    elif wanted.status == "uninvited":
        query = query.where(Person.password_hash == "")
    total = session.scalar(select(func.count()).select_from(query.subquery()))
    page, size = page_bounds(page, size)
    people = session.scalars(query.order_by(Person.name, Person.id)
                             .offset((page - 1) * size).limit(size)).all()
    return Page(list(people), page, size, total)


def departments(session: Session) -> list[str]:
    """Every department named by someone, for the filter's choices."""
    return [d for d in session.scalars(select(Person.department).distinct()
                                       .order_by(Person.department)) if d]


def _may_see(actor: Actor | None, person_id: int) -> None:
    # Checked before the lookup, so that staff cannot probe which ids exist.
    if actor is not None and actor.id != person_id and not (actor.is_coordinator or actor.is_admin):
        raise PermissionDenied("staff see only their own record")


def get_person(session: Session, actor: Actor | None, person_id: int) -> Person:
    """Return a person the actor may see: themselves, or anyone for a coordinator or admin
    (a coordinator given programmes: anyone of theirs, or of none)."""
    _may_see(actor, person_id)
    person = session.get(Person, person_id)
    if person is None:
        raise NotFound(f"no person {person_id}")
    if actor is not None and actor.id != person_id:
        require_people_in_view(session, actor, [person_id])
    return person


def people_with_profiles(session: Session, ids: Collection[int]) -> dict[int, Person]:
    """The people with these ids who exist, by id, with their profiles, in one query (none for
    no ids)."""
    if not ids:
        return {}
    return {p.id: p for p in session.scalars(_PEOPLE_WITH_PROFILES, {"ids": list(ids)})}

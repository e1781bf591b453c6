"""The coordinators' people list: search, filters and pages, in SQL so it scales."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from mentorship.models import MentoringRole, Person, Profile
from mentorship.services.permissions import require_coordinator

__all__ = ["Page", "PeopleFilter", "departments", "search_people"]

PAGE_SIZE = 50


@dataclass(frozen=True)
class PeopleFilter:
    """What the people list is narrowed to; empty values mean no filter."""

    text: str = ""          # part of a name, email or department
    role: str = ""          # mentor, mentee or both (the mentoring role of the profile)
    status: str = ""        # active, inactive, invited (has a password) or uninvited
    department: str = ""


@dataclass(frozen=True)
class Page:
    """One page of a longer list."""

    items: list[Any]
    number: int
    size: int
    total: int

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.size))

    @property
    def has_previous(self) -> bool:
        return self.number > 1

    @property
    def has_next(self) -> bool:
        return self.number < self.pages


def search_people(session: Session, actor: Person | None, wanted: PeopleFilter, *,
                  page: int = 1, size: int = PAGE_SIZE) -> Page:
    """Return one page of people (with profiles loaded), ordered by name, for coordinators."""
    require_coordinator(actor, "see the people list")
    query = select(Person).outerjoin(Profile)
    if wanted.text.strip():
        pattern = f"%{wanted.text.strip().casefold()}%"
        query = query.where(or_(func.lower(Person.name).like(pattern),
                                Person.email.like(pattern),
                                func.lower(Person.department).like(pattern)))
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
    page = max(1, page)
    people = session.scalars(query.order_by(Person.name, Person.id)
                             .offset((page - 1) * size).limit(size)).all()
    return Page(list(people), page, size, total)


def departments(session: Session) -> list[str]:
    """Every department named by someone, for the filter's choices."""
    return [d for d in session.scalars(select(Person.department).distinct()
                                       .order_by(Person.department)) if d]

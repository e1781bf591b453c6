"""The coordinators' people list: search, filters and pages, in SQL so it scales."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from mentorship.core.permissions import require_coordinator
from mentorship.people.models import Person
from mentorship.profiles.models import MentoringRole, Profile

__all__ = ["Page", "PeopleFilter", "departments", "like_pattern", "page_bounds", "search_people"]

PAGE_SIZE = 50
MAX_PAGE_SIZE = 500
# Far beyond any real list, and small enough that OFFSET never overflows a database integer.
MAX_PAGE = 1_000_000


def page_bounds(page: int, size: int) -> tuple[int, int]:
    """A page number and size brought within range (1 ≤ page ≤ MAX_PAGE, 1 ≤ size ≤ 500)."""
    return min(max(1, page), MAX_PAGE), min(max(1, size), MAX_PAGE_SIZE)


def like_pattern(text: str) -> str:
    """A LIKE pattern for text anywhere (lower-cased), with % and _ taken literally."""
    escaped = text.strip().casefold().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


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
        """How many pages there are (at least one)."""
        return max(1, -(-self.total // self.size))

    @property
    def has_previous(self) -> bool:
        """Whether a page comes before this one."""
        return self.number > 1

    @property
    def has_next(self) -> bool:
        """Whether a page follows this one."""
        return self.number < self.pages


def search_people(session: Session, actor: Person | None, wanted: PeopleFilter, *,
                  page: int = 1, size: int = PAGE_SIZE) -> Page:
    """Return one page of people (with profiles loaded), ordered by name, for coordinators."""
    require_coordinator(actor, "see the people list")
    query = select(Person).outerjoin(Profile)
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

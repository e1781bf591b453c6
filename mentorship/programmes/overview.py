"""A programme's page: its fields, participants (by page), rounds and coordinators."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.orm import Session

from mentorship.core.paging import PAGE_SIZE, Page
from mentorship.core.permissions import Actor
from mentorship.people.directory import PeopleFilter, search_people
from mentorship.people.models import Person
from mentorship.programmes.models import Programme
from mentorship.programmes.queries import get_programme, programme_coordinators
from mentorship.rounds.models import Round
from mentorship.rounds.queries import list_rounds

__all__ = ["ProgrammeOverview", "programme_overview"]


@dataclass(frozen=True)
class ProgrammeOverview:
    """What a programme's page shows."""

    programme: Programme
    participants: Page                  # of Person, by name
    rounds: list[tuple[Round, int]]     # newest first, with pairs not declined
    coordinators: list[Person]          # those given it (none: every coordinator sees it)


def programme_overview(session: Session, actor: Actor | None, programme_id: int, *,
                       text: str = "", page: int = 1, size: int = PAGE_SIZE
                       ) -> ProgrammeOverview:
    """Return a programme's page for a coordinator who may see it."""
    programme = get_programme(session, actor, programme_id)
    participants = search_people(session, actor, PeopleFilter(text=text, programme=programme.id),
                                 page=page, size=size)
    return ProgrammeOverview(programme, participants,
                             list_rounds(session, actor, programme_id=programme.id),
                             programme_coordinators(session, actor, programme.id))

"""What My matches shows a person: their pairs, the check-ins they owe and the surveys open."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session

from matching import Taxonomy
from mentorship.pairs_health.checkins import CheckInPrompt, check_in_prompts
from mentorship.pairs_health.feedback import Survey, feedback_due
from mentorship.people.models import Person
from mentorship.rounds.pairs import MyPair, my_pairs

__all__ = ["MyMatches", "my_matches"]


@dataclass(frozen=True)
class MyMatches:
    """The person's live pairs, the check-ins due from them and their unanswered surveys."""

    pairs: list[MyPair]
    check_ins: list[CheckInPrompt]
    surveys: list[Survey]


def my_matches(session: Session, actor: Person, *, taxonomy: Taxonomy | None = None,
               now: datetime | None = None) -> MyMatches:
    """Return everything My matches shows the actor."""
    return MyMatches(my_pairs(session, actor, taxonomy=taxonomy),
                     check_in_prompts(session, actor, now=now), feedback_due(session, actor))

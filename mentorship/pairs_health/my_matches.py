"""What My matches shows a person: their pairs and what became of earlier ones, the check-ins
they owe, the surveys open, and a choice round's suggestions and requests."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime

from sqlalchemy.orm import Session

from matching import Taxonomy
from mentorship.pairs_health.checkins import CheckInPrompt, check_in_prompts
from mentorship.pairs_health.feedback import Survey, feedback_due
from mentorship.people.models import Person
from mentorship.rounds import lifecycle
from mentorship.rounds.choice import MentorRequest, MyChoice, mentor_requests, my_choices
from mentorship.rounds.pairs import my_live_pairs

__all__ = ["MyMatchesPage", "my_matches_page"]


@dataclass(frozen=True)
class MyMatchesPage:
    """The person's pairs (live, and declined or ended ones), the check-ins due from them,
    their unanswered surveys, and in choice rounds their requests and suggestions."""

    mine: lifecycle.MyMatches
    check_ins: list[CheckInPrompt]
    surveys: list[Survey]
    requests: list[MentorRequest]
    choosing: list[MyChoice]

    @property
    def pairs(self):
        """The live pairs."""
        return self.mine.live


def my_matches_page(session: Session, actor: Person, *, taxonomy: Taxonomy | None = None,
                    now: datetime | None = None) -> MyMatchesPage:
    """Return everything My matches shows the actor."""
    live = my_live_pairs(session, actor)  # read once, for the pairs and for their check-ins
    mine = lifecycle.my_matches(session, actor, taxonomy=taxonomy, live=live)
    choosing = my_choices(session, actor, taxonomy=taxonomy)
    if choosing:
        # A mentee in an open choice round chooses (or has chosen) the next mentor: they are
        # not waiting for one, whether or not a request stands yet.
        mine = replace(mine, waiting=mine.waiting - {"mentee"})
    return MyMatchesPage(mine, check_in_prompts(session, actor, now=now, live=live),
                         feedback_due(session, actor),
                         mentor_requests(session, actor, taxonomy=taxonomy), choosing)

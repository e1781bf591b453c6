"""A live pair's health from its check-ins: the periods, and the one rule that names it.

Pure: dates and answers in, a status out. The pair's clock starts when its round was published;
period 1 is the first check-in interval after that, period 2 the next, and so on.

The rule (`pair_health`), with p the current period and "recent" meaning periods p-1 and p:

1. **asked for help** when the latest recent answer of either member is "we need help"
   (a later "we met" from the same person clears it);
2. **on track** when a recent answer of either member is "we met";
3. **inactive** when the pair is in period 3 or later and nobody has answered "we met" in
   periods p-2, p-1 or p (two whole intervals without a meeting);
4. **needs a check-in** otherwise (no meeting reported lately, but not yet for long).
"""

from __future__ import annotations

import enum
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

__all__ = ["ATTENTION", "Answer", "Health", "pair_health", "period_bounds", "period_of"]


class Health(enum.StrEnum):
    ON_TRACK = "on_track"
    NEEDS_CHECK_IN = "needs_check_in"
    INACTIVE = "inactive"
    ASKED_FOR_HELP = "asked_for_help"


#: The states a coordinator's digest lists: most urgent first.
ATTENTION = (Health.ASKED_FOR_HELP, Health.INACTIVE)


@dataclass(frozen=True)
class Answer:
    """One check-in as the rule reads it: who, for which period, what, when."""

    person_id: int | None
    period: int
    answer: str   # "met", "not_yet" or "need_help"
    at: datetime


def period_of(start: datetime, now: datetime, weeks: int) -> int:
    """Return the check-in period `now` falls in (1 for the first `weeks` after `start`)."""
    if now <= start:
        return 1
    return 1 + (now - start) // timedelta(weeks=weeks)


def period_bounds(start: datetime, period: int, weeks: int) -> tuple[datetime, datetime]:
    """Return when a period begins and when the next one does."""
    interval = timedelta(weeks=weeks)
    return start + (period - 1) * interval, start + period * interval


def pair_health(start: datetime, now: datetime, weeks: int, answers: Iterable[Answer]) -> Health:
    """Return a pair's health at `now` from its members' check-ins (the rule above)."""
    current = period_of(start, now, weeks)
    answers = list(answers)
    recent = [a for a in answers if a.period >= current - 1]
    latest: dict[int | None, Answer] = {}
    for answer in sorted(recent, key=lambda a: (a.period, a.at)):
        latest[answer.person_id] = answer
    if any(a.answer == "need_help" for a in latest.values()):
        return Health.ASKED_FOR_HELP
    if any(a.answer == "met" for a in recent):
        return Health.ON_TRACK
    if current >= 3 and not any(a.answer == "met" and a.period >= current - 2 for a in answers):
        return Health.INACTIVE
    return Health.NEEDS_CHECK_IN

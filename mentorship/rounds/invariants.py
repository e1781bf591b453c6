"""Live pairs are a global invariant: across every round, a mentee has at most one live mentor,
a mentor no more live mentees than their capacity, and a person at most one live peer pair or
circle of three.

Every write that makes pairs live (publishing, a decline's re-match) holds `LIVE_PAIRS` and
checks here in the same transaction, so two rounds previewed over the same people can never
both go live.
"""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from mentorship.core.db import hold_lock
from mentorship.core.errors import Conflict
from mentorship.people.models import Person
from mentorship.profiles.models import Profile
from mentorship.rounds.models import (
    LIVE_STATUSES,
    Match,
    MatchStatus,
    Round,
    RoundStatus,
    member_pairs,
)

__all__ = ["LIVE_PAIRS", "check_round_can_go_live", "choice_holds", "lock_live_pairs"]

#: The name of the lock that every writer of live pairs holds.
LIVE_PAIRS = "mentorship.live_pairs"


def lock_live_pairs(session: Session) -> None:
    """Hold the live-pairs lock until the transaction ends."""
    hold_lock(session, LIVE_PAIRS)


def _pairs(session: Session, *conditions) -> list[tuple[int, int]]:
    """The (mentor, mentee) pairs of the matching rows; a peer circle gives its three pairs,
    so each of its people counts as in a live peer group."""
    session.flush()  # plain rows through the connection: pending changes first
    return [pair for row in session.connection().execute(
        select(Match.mentor_id, Match.mentee_id, Match.third_id)
        .join(Round, Round.id == Match.round_id)
        .where(Match.mentor_id.is_not(None), Match.mentee_id.is_not(None), *conditions))
        for pair in member_pairs(*row)]


def check_round_can_go_live(session: Session, current: Round) -> None:
    """Raise Conflict, saying what changed, if the round's proposed pairs cannot all go live.

    Call it holding `lock_live_pairs`. The round's preview counted the live pairs of the other
    rounds as they were then; another round published since, a capacity lowered or a person
    deactivated makes it out of date, and the coordinator runs the preview again.
    """
    # A choice round's accepted pairs go live with its proposed ones.
    proposed = _pairs(session, Match.round_id == current.id,
                      Match.status.in_((MatchStatus.PROPOSED, MatchStatus.ACCEPTED)))
    live = _pairs(session, Round.id != current.id, Round.status == RoundStatus.PUBLISHED,
                  Round.mode == current.mode, Match.status.in_(LIVE_STATUSES))
    people = {person for pair in proposed for person in pair}
    inactive = session.scalar(
        select(Person.id).where(Person.id.in_(people), Person.active.is_(False)).limit(1))
    problems = []
    if inactive is not None:
        count = len(session.scalars(select(Person.id).where(
            Person.id.in_(people), Person.active.is_(False))).all())
        problems.append(f"{count} of its people are no longer active")
    if current.mode == "peer":
        busy = {person for pair in live for person in pair}
        taken = len(people & busy)
        if taken:
            problems.append(f"{taken} of its people already have a live peer pair")
    else:
        mentored = {mentee for _, mentee in live}
        taken = sum(1 for _, mentee in proposed if mentee in mentored)
        if taken:
            problems.append(f"{taken} of its mentees already have a live mentor from another round")
        # Another choice round not yet published holds its requests' and accepted pairs'
        # places, and its accepted mentees.
        holds = choice_holds(session, current.id)
        chosen = {mentee for _, mentee, status in holds if status == MatchStatus.ACCEPTED}
        taken = sum(1 for _, mentee in proposed if mentee in chosen - mentored)
        if taken:
            problems.append(f"{taken} of its mentees have a mentor who accepted them in a choice "
                            "round")
        load = (Counter(mentor for mentor, _ in live) + Counter(mentor for mentor, _ in proposed)
                + Counter(mentor for mentor, _, _ in holds))
        mentors = {mentor for mentor, _ in proposed}
        capacity = dict(session.execute(
            select(Profile.person_id, Profile.capacity).where(Profile.person_id.in_(mentors))).all())
        over = sum(1 for mentor in mentors if load[mentor] > capacity.get(mentor, 0))
        if over:
            problems.append(f"{over} of its mentors would have more live mentees than their "
                            "capacity")
    if problems:
        raise Conflict(f"round {current.id} cannot be published: since its preview, "
                       + "; ".join(problems) + ". Run the preview again.")



def choice_holds(session: Session, round_id: int) -> list[tuple[int, int, MatchStatus]]:
    """The (mentor, mentee, status) of what other unpublished choice rounds hold: accepted
    pairs, and requests still waiting for an answer."""
    session.flush()  # plain rows through the connection: pending changes first
    return [tuple(row) for row in session.connection().execute(
        select(Match.mentor_id, Match.mentee_id, Match.status)
        .join(Round, Round.id == Match.round_id)
        .where(Round.id != round_id, Match.requested_at.is_not(None),
               Round.status.not_in((RoundStatus.PUBLISHED, RoundStatus.CLOSED)),
               Match.mentor_id.is_not(None), Match.mentee_id.is_not(None),
               (Match.status == MatchStatus.ACCEPTED)
               | ((Match.status == MatchStatus.REQUESTED)
                  & (Match.expires_at > datetime.now(UTC)))))]

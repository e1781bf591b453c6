"""What a mentor or mentee sees of their published pairs, and accepting one."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import or_, select, update
from sqlalchemy.orm import Session, selectinload

from mentorship.core.audit import record_event
from mentorship.core.errors import Conflict, NotFound, PermissionDenied
from mentorship.people.models import Person
from mentorship.profiles.models import Profile
from mentorship.rounds.models import Match, MatchStatus, Round, RoundStatus

__all__ = ["MyPair", "accept_match", "get_match", "my_pairs"]

VISIBLE = (MatchStatus.PROPOSED, MatchStatus.ACCEPTED, MatchStatus.ACTIVE)


@dataclass(frozen=True)
class MyPair:
    """One of the actor's published pairs, seen from their side."""

    match: Match
    round: Round
    other: Person          # the mentor, for a mentee; the mentee, for a mentor
    my_side: str           # "mentor" or "mentee"


def my_pairs(session: Session, actor: Person) -> list[MyPair]:
    """The actor's live pairs in published rounds, newest round first."""
    rows = session.execute(
        select(Match, Round).join(Round, Match.round_id == Round.id)
        .where(Round.status == RoundStatus.PUBLISHED, Match.status.in_(VISIBLE),
               or_(Match.mentor_id == actor.id, Match.mentee_id == actor.id))
        .order_by(Round.published_at.desc(), Match.id)
    ).all()
    other_ids = {m.mentee_id if m.mentor_id == actor.id else m.mentor_id for m, _ in rows}
    others = {p.id: p for p in session.scalars(
        select(Person).where(Person.id.in_(other_ids))
        .options(selectinload(Person.profile).selectinload(Profile.skills)))}
    pairs = []
    for match, round_ in rows:
        side = "mentor" if match.mentor_id == actor.id else "mentee"
        other_id = match.mentee_id if side == "mentor" else match.mentor_id
        if other_id in others:  # a deleted person's pair has no one to show
            pairs.append(MyPair(match, round_, others[other_id], side))
    return pairs


def get_match(session: Session, actor: Person | None, match_id: int) -> Match:
    """Return a match its mentor, its mentee or a coordinator may see (only once published)."""
    match = session.get(Match, match_id)
    if match is None:
        raise NotFound(f"no match {match_id}")
    if actor is None or actor.is_coordinator or actor.is_admin:
        return match
    if actor.id not in (match.mentor_id, match.mentee_id):
        raise PermissionDenied("only the mentor and the mentee of a pair can see it")
    if match.round.status not in (RoundStatus.PUBLISHED, RoundStatus.CLOSED):
        # The same answer as for someone else's pair: nothing tells that a pair is coming.
        raise PermissionDenied("only the mentor and the mentee of a pair can see it")
    return match


def accept_match(session: Session, actor: Person | None, match_id: int) -> Match:
    """Accept a proposed pair of a published round, as its mentor or mentee."""
    match = get_match(session, actor, match_id)
    if actor is not None and actor.id not in (match.mentor_id, match.mentee_id):
        raise PermissionDenied("only the mentor or the mentee of a pair can accept it")
    if match.round.status != RoundStatus.PUBLISHED:
        raise Conflict(f"round {match.round_id} is {match.round.status}: its pairs cannot be "
                       "accepted")
    changed = session.execute(
        update(Match).where(Match.id == match_id, Match.status == MatchStatus.PROPOSED)
        .values(status=MatchStatus.ACCEPTED).execution_options(synchronize_session=False)
    ).rowcount
    session.refresh(match)
    if changed != 1 and match.status != MatchStatus.ACCEPTED:
        raise Conflict(f"match {match_id} is {match.status} and cannot be accepted")
    record_event(session, actor, "match.accept", "match", match_id)
    session.flush()
    return match

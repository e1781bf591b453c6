"""The states of a published pair, who may move it from one to the next, and the move itself.

One table (`TRANSITIONS`) says which moves exist and who may make each; every service that
changes a pair's status goes through `move_pair` (one pair) or `end_pairs` (many at once), which
check the table, change the status only if it is still what was read (the status is in the
WHERE, so of two concurrent moves exactly one wins) and record an audit event with who, from,
to and when.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import insert, update
from sqlalchemy.orm import Session

from mentorship.core.audit import AuditEvent, record_event
from mentorship.core.errors import Conflict, PermissionDenied
from mentorship.core.permissions import Actor
from mentorship.rounds.models import LIVE_STATUSES, Match, MatchStatus, RoundStatus

__all__ = [
    "COORDINATOR",
    "ENDED_BY_COORDINATOR",
    "ENDED_BY_MEMBER",
    "END_REASONS",
    "MEMBER",
    "PERSON_DEACTIVATED",
    "ROUND_CLOSED",
    "TRANSITIONS",
    "Transition",
    "check_transition",
    "end_pairs",
    "may_move",
    "move_pair",
    "roles_in",
]

#: Who may make a move: a member of the pair, or a coordinator (or admin). The command line and
#: the system (actor None) may make every move of the table.
MEMBER, COORDINATOR = "member", "coordinator"

#: Why a pair ended (codes; words come when shown).
PERSON_DEACTIVATED = "person_deactivated"
ROUND_CLOSED = "round_closed"
ENDED_BY_MEMBER = "ended_by_member"
ENDED_BY_COORDINATOR = "ended_by_coordinator"
END_REASONS = (PERSON_DEACTIVATED, ROUND_CLOSED, ENDED_BY_MEMBER, ENDED_BY_COORDINATOR)


@dataclass(frozen=True)
class Transition:
    """One move of the table: its verb (the audit action is ``match.<verb>``) and who may."""

    verb: str
    who: frozenset[str]


_P, _A, _D, _ACT, _E = (MatchStatus.PROPOSED, MatchStatus.ACCEPTED, MatchStatus.DECLINED,
                        MatchStatus.ACTIVE, MatchStatus.ENDED)
_BOTH = frozenset({MEMBER, COORDINATOR})

#: (from, to) -> the move. Anything not listed cannot happen.
TRANSITIONS: dict[tuple[MatchStatus, MatchStatus], Transition] = {
    (_P, _A): Transition("accept", frozenset({MEMBER})),
    (_P, _D): Transition("decline", _BOTH),
    (_A, _D): Transition("decline", _BOTH),
    # Active: the agreement is confirmed, or the pair says they have met.
    (_A, _ACT): Transition("activate", _BOTH),
    # A proposed pair is declined by its people; it ends only when its round closes or one of
    # them is deactivated (a coordinator's doing).
    (_P, _E): Transition("end", frozenset({COORDINATOR})),
    (_A, _E): Transition("end", _BOTH),
    (_ACT, _E): Transition("end", _BOTH),
}


def roles_in(actor: Actor | None, match: Match) -> frozenset[str]:
    """The roles of the table the actor holds for this pair."""
    if actor is None:
        return _BOTH
    roles = set()
    if actor.id in match.member_ids:
        roles.add(MEMBER)
    if actor.is_coordinator or actor.is_admin:
        roles.add(COORDINATOR)
    return frozenset(roles)


def may_move(actor: Actor | None, match: Match, to: MatchStatus) -> bool:
    """Whether the actor may move the pair, as it now is, to `to`."""
    move = TRANSITIONS.get((match.status, to))
    return (move is not None and bool(move.who & roles_in(actor, match))
            and match.round.status == RoundStatus.PUBLISHED)


def check_transition(actor: Actor | None, match: Match, to: MatchStatus) -> Transition:
    """Return the move from the pair's status to `to`, or raise Conflict (no such move) or
    PermissionDenied (not the actor's to make)."""
    if match.round.status != RoundStatus.PUBLISHED:
        raise Conflict(f"round {match.round_id} is {match.round.status}: only the pairs of a "
                       "published round change state")
    roles = roles_in(actor, match)
    ways = [m for (_, after), m in TRANSITIONS.items() if after == to]
    if not ways:
        raise Conflict(f"match {match.id} is {match.status} and cannot become {to}")
    # Who comes before what: someone who may never make such a move hears so whatever the
    # pair's state (a stranger learns nothing about it).
    if not frozenset().union(*(m.who for m in ways)) & roles:
        raise PermissionDenied(f"only {_who(ways[0].who)} can {ways[0].verb} a pair")
    move = TRANSITIONS.get((match.status, to))
    if move is None:
        # Shown on the page whose form was posted: the pair's state in words, not codes.
        raise Conflict(f"this pair is {match.status} now: it cannot be "
                       f"{'marked active' if to == MatchStatus.ACTIVE else to}")
    if not move.who & roles:
        raise PermissionDenied(f"only {_who(move.who)} can {move.verb} a pair that is "
                               f"{match.status}")
    return move


def _who(who: frozenset[str]) -> str:
    return " or ".join(sorted("a member of the pair" if w == MEMBER else "a coordinator"
                              for w in who))


def move_pair(session: Session, actor: Actor | None, match: Match, to: MatchStatus, *,
              details: dict[str, Any] | None = None, **values: Any) -> AuditEvent:
    """Move one pair to `to` (setting `values` too) if the table allows it and its status is
    still the one read; return the audit event of the move. Raise Conflict when another
    change came first."""
    session.refresh(match)  # the status as it is now, not as this session last saw it
    before = match.status
    move = check_transition(actor, match, to)
    changed = session.execute(
        update(Match).where(Match.id == match.id, Match.status == before)
        .values(status=to, **values).execution_options(synchronize_session=False)).rowcount
    if changed != 1:
        session.refresh(match)
        raise Conflict(f"match {match.id} changed meanwhile: it is {match.status} now")
    event = record_event(session, actor, f"match.{move.verb}", "match", match.id,
                         **{"from": str(before), "to": str(to)}, **(details or {}))
    session.flush()
    session.refresh(match)
    return event


def end_pairs(session: Session, actor: Actor | None, *conditions: Any, reason: str,
              statuses: Iterable[MatchStatus] = LIVE_STATUSES) -> list[int]:
    """End every pair matching `conditions` that is in one of `statuses`, recording `reason`
    and one audit event per pair; return their ids.

    For the coordinator's bulk moves (closing a round, deactivating a person): the caller has
    checked that the actor may. One conditional UPDATE per status says exactly what each pair
    was before.
    """
    ended: list[int] = []
    events = []
    for before in statuses:
        ids = list(session.scalars(
            update(Match).where(Match.status == before, *conditions)
            .values(status=MatchStatus.ENDED, end_reason=reason)
            .returning(Match.id).execution_options(synchronize_session=False)))
        ended += ids
        events += [{"actor_id": actor.id if actor is not None else None, "action": "match.end",
                    "target_type": "match", "target_id": str(match_id),
                    "details": {"from": str(before), "to": str(MatchStatus.ENDED),
                                "reason": reason}} for match_id in ids]
    if events:
        session.execute(insert(AuditEvent), events)
    return ended

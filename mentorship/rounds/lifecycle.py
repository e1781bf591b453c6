"""After the match: activating and ending a pair, its history, and what each side then sees.

The moves themselves and who may make them are in `mentorship.rounds.transitions`; this module
is their services and the read models of My matches and of one pair's page.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session

from matching import Taxonomy
from mentorship.core.audit import AuditEvent
from mentorship.core.errors import InvalidInput, RowError
from mentorship.core.permissions import Actor
from mentorship.people.directory import people_with_profiles
from mentorship.people.models import Person
from mentorship.rounds.agreements import AgreementView, get_agreement
from mentorship.rounds.models import (
    REMATCH_PENDING,
    Agreement,
    Match,
    MatchStatus,
    Round,
    RoundStatus,
)
from mentorship.rounds.pairs import IS_MEMBER, MyPair, get_match, my_pairs, pair_details
from mentorship.rounds.queries import PairRow
from mentorship.rounds.transitions import (
    ENDED_BY_COORDINATOR,
    ENDED_BY_MEMBER,
    MEMBER,
    may_move,
    move_pair,
    roles_in,
)

__all__ = ["MAX_NOTE", "HistoryEntry", "MyMatches", "PairPage", "PastPair", "activate_pair",
           "end_pair", "my_matches", "pair_history", "pair_page"]

#: The longest note saying why a pair ended.
MAX_NOTE = 2000
#: How many ended and declined pairs My matches lists.
PAST_LIMIT = 20
_LAST_MOVES = ("match.decline", "match.end")


@dataclass(frozen=True)
class HistoryEntry:
    """One line of a pair's history: when, who, what (an audit action), from and to."""

    at: datetime
    action: str               # "match.proposed" (publication), "match.accept", "agreement.confirm" …
    actor: Person | None      # None: the system, or someone since deleted
    actor_known: bool         # False when the system (or the command line) did it
    before: str = ""
    after: str = ""
    details: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class PastPair:
    """One of the actor's pairs that was declined or ended, and who made that move."""

    match: Match
    round: Round
    others: tuple[Person, ...]   # the other side (two in a circle); empty if deleted
    my_side: str                 # "mentor", "mentee" or "peer"
    by: Person | None            # who declined or ended it, if known
    by_me: bool
    at: datetime


@dataclass(frozen=True)
class MyMatches:
    """Everything My matches shows: live pairs, what happened to the others, who waits."""

    live: list[MyPair]
    past: list[PastPair]
    # "mentee": a mentee whose pair was declined or ended and who has no mentor now;
    # "peer": the same in a peer round.
    waiting: frozenset[str]
    agreements: dict[int, str]   # live match id -> none, proposed or confirmed
    # The same sides while the decline's re-match job still looks for a new partner.
    finding: frozenset[str] = frozenset()


@dataclass(frozen=True)
class PairPage:
    """One pair's page: the pair, its agreement, its history and what the reader may do."""

    pair: PairRow
    agreement: AgreementView
    history: list[HistoryEntry]
    moves: frozenset[str]        # accepted, declined, active, ended: the moves the reader may make
    is_member: bool

    @property
    def ending(self) -> HistoryEntry | None:
        """The history line of the pair's end (who ended it), if it has ended."""
        return next((e for e in reversed(self.history) if e.action == "match.end"), None)


def activate_pair(session: Session, actor: Actor | None, match_id: int) -> Match:
    """Mark an accepted pair active (they have met), as a member or a coordinator."""
    match = get_match(session, actor, match_id)
    move_pair(session, actor, match, MatchStatus.ACTIVE, details={"why": "met"})
    return match


def end_pair(session: Session, actor: Actor | None, match_id: int, *, note: str) -> Match:
    """End an accepted or active pair, saying why, as a member or a coordinator; their places
    are free for the next round (no re-match: the round's other pairs are under way)."""
    match = get_match(session, actor, match_id)
    note = note.strip()
    if not note or len(note) > MAX_NOTE:
        raise InvalidInput("say why the pair ends", [RowError(
            0, "reason", "", f"say why the pair ends, in at most {MAX_NOTE} characters")])
    reason = ENDED_BY_MEMBER if MEMBER in roles_in(actor, match) else ENDED_BY_COORDINATOR
    move_pair(session, actor, match, MatchStatus.ENDED, details={"reason": reason},
              end_reason=reason, end_note=note)
    return match


def pair_history(session: Session, actor: Actor | None, match_id: int) -> list[HistoryEntry]:
    """The pair's history, oldest first: proposed, then every move and agreement step, with
    who made it; for its members and coordinators."""
    match = get_match(session, actor, match_id)
    events = session.scalars(
        select(AuditEvent).where(AuditEvent.target_type == "match",
                                 AuditEvent.target_id == str(match.id))
        .order_by(AuditEvent.at, AuditEvent.id)).all()
    people = _people(session, {e.actor_id for e in events if e.actor_id is not None})
    entries = []
    round_ = match.round
    if round_.published_at is not None:
        # A pair of the preview goes out at publication; a re-match's pair when it is made.
        proposed_at = max(round_.published_at, match.created_at)
        entries.append(HistoryEntry(proposed_at, "match.proposed", None, False, "",
                                    str(MatchStatus.PROPOSED)))
    for event in events:
        details = dict(event.details or {})
        entries.append(HistoryEntry(
            event.at, event.action, people.get(event.actor_id), event.actor_id is not None,
            str(details.pop("from", "")), str(details.pop("to", "")), details))
    return entries


def _people(session: Session, ids: set[int]) -> dict[int, Person]:
    if not ids:
        return {}
    return {p.id: p for p in session.scalars(select(Person).where(Person.id.in_(ids)))}


#: The actor's declined and ended pairs of published rounds, latest first (built once, as
#: `pairs.IS_MEMBER` says why).
_MY_PAST_PAIRS = (select(Match, Round).join(Round, Match.round_id == Round.id)
                  .where(Round.status == RoundStatus.PUBLISHED, IS_MEMBER,
                         Match.status.in_([MatchStatus.DECLINED, MatchStatus.ENDED]))
                  .order_by(Match.updated_at.desc(), Match.id.desc()).limit(PAST_LIMIT))
#: The declines and ends of these pairs (`ids`: their ids as text), oldest first.
_LAST_MOVES_OF = (select(AuditEvent).where(
    AuditEvent.target_type == "match", AuditEvent.target_id.in_(bindparam("ids", expanding=True)),
    AuditEvent.action.in_(_LAST_MOVES)).order_by(AuditEvent.id))
#: Whether these pairs' agreements are confirmed.
_AGREEMENTS_OF = select(Agreement.match_id, Agreement.confirmed_at).where(
    Agreement.match_id.in_(bindparam("ids", expanding=True)))


def my_matches(session: Session, actor: Person, *, taxonomy: Taxonomy | None = None,
               live: list[tuple[Match, Round]] | None = None) -> MyMatches:
    """What My matches shows the actor: live pairs, declined and ended ones of published rounds
    with who did it, whether they wait for a new partner, and each live pair's agreement.
    `live`: the actor's `pairs.my_live_pairs`, when the caller has read them already."""
    live = my_pairs(session, actor, taxonomy=taxonomy, live=live)
    rows = session.execute(_MY_PAST_PAIRS, {"person_id": actor.id}).all()
    last = {}
    if rows:
        for event in session.scalars(_LAST_MOVES_OF, {"ids": [str(m.id) for m, _ in rows]}):
            last[int(event.target_id)] = event
    people = people_with_profiles(
        session, {p for m, _ in rows for p in m.member_ids if p is not None}
        | {e.actor_id for e in last.values() if e.actor_id is not None})
    past = []
    for match, round_ in rows:
        side = _side(match, round_, actor.id)
        others = tuple(people[p] for p in match.member_ids if p != actor.id and p in people)
        event = last.get(match.id)
        by_id = event.actor_id if event is not None else None
        past.append(PastPair(match, round_, others, side, people.get(by_id),
                             by_id == actor.id, event.at if event else match.updated_at))
    live_sides = {("peer" if p.round.mode == "peer" else p.my_side) for p in live}
    alone = [p for p in past if p.my_side in ("mentee", "peer") and p.my_side not in live_sides]
    finding = frozenset(p.my_side for p in alone if p.match.rematch_status in REMATCH_PENDING)
    waiting = frozenset(p.my_side for p in alone) - finding
    agreeing = [p.match.id for p in live
                if p.match.status in (MatchStatus.ACCEPTED, MatchStatus.ACTIVE)]
    agreements = dict.fromkeys(agreeing, "none")
    if agreeing:
        for match_id, confirmed_at in session.execute(_AGREEMENTS_OF, {"ids": agreeing}):
            agreements[match_id] = "proposed" if confirmed_at is None else "confirmed"
    return MyMatches(live, past, waiting, agreements, finding)


def _side(match: Match, round_: Round, person_id: int) -> str:
    if round_.mode == "peer" or match.third_id is not None:
        return "peer"
    return "mentor" if match.mentor_id == person_id else "mentee"


def pair_page(session: Session, actor: Actor | None, match_id: int, *,
              taxonomy: Taxonomy | None = None) -> PairPage:
    """One pair for its members and coordinators: the pair, its agreement (or the draft to
    propose), its history and the moves the reader may make."""
    pair = pair_details(session, actor, match_id, taxonomy=taxonomy)
    match = pair.match
    moves = frozenset(str(to) for to in MatchStatus if may_move(actor, match, to))
    member = actor is None or actor.id in match.member_ids
    return PairPage(pair, get_agreement(session, actor, match_id),
                    pair_history(session, actor, match_id), moves, member)


"""The life of a published pair: what its mentor and mentee see, accepting and declining it."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import BindParameter, bindparam, or_, select
from sqlalchemy.orm import Session

from matching import Taxonomy
from mentorship.core.audit import AuditEvent, record_event
from mentorship.core.collector import paused_gc
from mentorship.core.errors import Conflict, NotFound, PermissionDenied
from mentorship.core.permissions import Actor
from mentorship.people.directory import people_with_profiles
from mentorship.people.models import Person
from mentorship.programmes.access import require_programme
from mentorship.rounds.invariants import lock_live_pairs
from mentorship.rounds.models import (
    LIVE_STATUSES,
    Match,
    MatchStatus,
    RematchStatus,
    Round,
    RoundStatus,
    member_pairs,
)
from mentorship.rounds.notices import queue_decline_notices
from mentorship.rounds.queries import PairRow
from mentorship.rounds.reasons import PARTICIPANT, audience_of, explain_reasons, stored_entry
from mentorship.rounds.run import rematch_round
from mentorship.rounds.transitions import PERSON_DEACTIVATED, end_pairs, move_pair

__all__ = ["PERSON_DEACTIVATED", "MyPair", "accept_match", "decline_match", "end_live_pairs_of",
           "finish_rematch", "get_match", "is_member", "my_live_pairs", "my_pairs",
           "pair_details",
           "record_decline", "rematch_keep"]


@dataclass(frozen=True)
class MyPair:
    """One of the actor's published pairs (or peer circles), seen from their side."""

    match: Match
    round: Round
    other: Person          # the mentor, for a mentee; the mentee, for a mentor
    my_side: str           # "mentor" or "mentee"; in a circle, "mentor" for its first member
    # A circle's other two members, in teaching order from the actor: the one they teach
    # (`other`), then the one who teaches them. Empty for a pair.
    circle: tuple[Person, ...] = ()
    reasons: tuple[dict[str, Any], ...] = ()   # as shown to them: code, parameters, text


def my_live_pairs(session: Session, actor: Person) -> list[tuple[Match, Round]]:
    """The actor's live pairs (proposed, accepted, active) in published rounds with their
    rounds, newest round first."""
    return [(match, round_) for match, round_ in session.execute(
        _MY_LIVE_PAIRS, {"person_id": actor.id})]


def my_pairs(session: Session, actor: Person, *, taxonomy: Taxonomy | None = None,
             live: list[tuple[Match, Round]] | None = None) -> list[MyPair]:
    """The actor's live pairs in published rounds, newest round first, with their reasons as
    a participant reads them (names only coordinators see are left out). `live`: the
    actor's `my_live_pairs`, when the caller has read them already."""
    rows = my_live_pairs(session, actor) if live is None else live
    # Their goals, bio and format: not the skills.
    others = people_with_profiles(session, {p for m, _ in rows for p in m.member_ids
                                            if p != actor.id})
    shown = explain_reasons(session, [m.reasons for m, _ in rows], taxonomy, audience=PARTICIPANT)
    pairs = []
    for (match, round_), reasons in zip(rows, shown, strict=True):
        if match.third_id is not None:
            members = match.member_ids
            at = members.index(actor.id)
            learner, teacher = members[(at + 1) % 3], members[(at + 2) % 3]
            if learner in others and teacher in others:
                pairs.append(MyPair(match, round_, others[learner],
                                    "mentor" if at == 0 else "mentee",
                                    (others[learner], others[teacher]), reasons=tuple(reasons)))
            continue
        side = "mentor" if match.mentor_id == actor.id else "mentee"
        other_id = match.mentee_id if side == "mentor" else match.mentor_id
        if other_id in others:  # a deleted person's pair has no one to show
            pairs.append(MyPair(match, round_, others[other_id], side, reasons=tuple(reasons)))
    return pairs


def is_member(person_id: int | BindParameter):
    """The condition that a person is in a Match: its mentor, mentee or a circle's third."""
    return or_(Match.mentor_id == person_id, Match.mentee_id == person_id,
               Match.third_id == person_id)


#: Whether `person_id` (a parameter) is in a Match. The statements of My matches, which every
#: participant opens, are built once with it: building a statement and its cache key anew cost
#: about as much as running it (on SQLite, 10,000 people: 190 us of a live-pairs query's 370).
IS_MEMBER = is_member(bindparam("person_id"))
_MY_LIVE_PAIRS = (select(Match, Round).join(Round, Match.round_id == Round.id)
                  .where(Round.status == RoundStatus.PUBLISHED, Match.status.in_(LIVE_STATUSES),
                         IS_MEMBER)
                  .order_by(Round.published_at.desc(), Match.id))


def get_match(session: Session, actor: Actor | None, match_id: int) -> Match:
    """Return a match its mentor, its mentee or a coordinator may see (only once published)."""
    match = session.get(Match, match_id)
    if match is None:
        raise NotFound(f"no match {match_id}")
    if actor is None or actor.is_coordinator or actor.is_admin:
        if actor is not None and actor.id not in match.member_ids:  # only their programmes'
            require_programme(session, actor, match.round.programme_id)
        return match
    if actor.id not in match.member_ids:
        raise PermissionDenied("only the mentor and the mentee of a pair can see it")
    if match.round.status not in (RoundStatus.PUBLISHED, RoundStatus.CLOSED):
        # The same answer as for someone else's pair: nothing tells that a pair is coming.
        raise PermissionDenied("only the mentor and the mentee of a pair can see it")
    return match


def accept_match(session: Session, actor: Actor | None, match_id: int) -> Match:
    """Accept a proposed pair of a published round, as its mentor or mentee."""
    match = get_match(session, actor, match_id)
    session.refresh(match)
    if match.status == MatchStatus.ACCEPTED and actor is not None and actor.id in match.member_ids:
        # The other side accepting too changes nothing but is worth a line in the history.
        record_event(session, actor, "match.accept", "match", match_id,
                     **{"from": str(match.status), "to": str(match.status)})
        session.flush()
        return match
    move_pair(session, actor, match, MatchStatus.ACCEPTED)
    return match


def pair_details(session: Session, actor: Actor | None, match_id: int, *,
                 taxonomy: Taxonomy | None = None) -> PairRow:
    """Return a pair with its mentor and mentee, for its mentor, its mentee or a coordinator;
    its reasons as that reader may see them."""
    match = get_match(session, actor, match_id)
    mentor = session.get(Person, match.mentor_id) if match.mentor_id is not None else None
    mentee = session.get(Person, match.mentee_id) if match.mentee_id is not None else None
    third = session.get(Person, match.third_id) if match.third_id is not None else None
    [reasons] = explain_reasons(session, [match.reasons], taxonomy, audience=audience_of(actor))
    return PairRow(match, mentor, mentee, match.locked, third=third, reasons=tuple(reasons))


@paused_gc()  # a large round's rows are many small objects
def decline_match(
    session: Session, actor: Actor | None, match_id: int, *, taxonomy: Taxonomy,
    reason: str = "",
) -> list[Match]:
    """Decline a pair (as its mentor or mentee) and re-match the people it frees, in the
    caller's one transaction; return the new pairs.

    Declining a peer circle (as any of its three) ends its proposal for all three.

    The declined pair is never proposed again in this round; every other pair of the round is
    kept exactly (locked), and the freed people get the best partners still available. (The
    web's decline, `mentorship.rounds.rematch.decline_pair`, runs the re-match as a job.)
    """
    match, current, event = record_decline(session, actor, match_id, reason=reason)
    keep = rematch_keep(session, current.id)
    result, person_id, new = rematch_round(session, current, taxonomy, keep,
                                           freed=(match.mentor_id, match.mentee_id))
    finish_rematch(session, actor, current, match, event, keep, result, person_id, new, taxonomy)
    return new


def record_decline(session: Session, actor: Actor | None, match_id: int, *,
                   reason: str = "") -> tuple[Match, Round, AuditEvent]:
    """Decline a pair of a published round, holding the live-pairs lock and the round's row;
    return it, its round and the audit event of the decline (the re-match comes after)."""
    match = session.get(Match, match_id)
    if match is None:
        raise NotFound(f"no match {match_id}")
    if actor is not None and actor.id not in match.member_ids and not (
            actor.is_coordinator or actor.is_admin):
        raise PermissionDenied("only the mentor or the mentee of a pair can decline it")
    if actor is not None and actor.id not in match.member_ids:  # a coordinator: of its programme
        require_programme(session, actor, match.round.programme_id)
    # The re-match counts every round's live pairs: no other writer of live pairs may run
    # meanwhile. Then lock the round's row: declines, closes and publishes of one round go one
    # at a time.
    lock_live_pairs(session)
    current = session.get(Round, match.round_id, with_for_update=True, populate_existing=True)
    if current.status != RoundStatus.PUBLISHED:
        raise Conflict(f"round {current.id} is {current.status}: only published pairs can be "
                       "declined")
    event = move_pair(session, actor, match, MatchStatus.DECLINED, decline_reason=reason[:2000])
    return match, current, event


def rematch_keep(session: Session, round_id: int) -> list[tuple[int, int]]:
    """The pairs a re-match of the round keeps: its live ones (a circle as its three pairs)."""
    session.flush()  # plain rows through the connection: pending changes first
    return [pair for row in session.connection().execute(
        select(Match.mentor_id, Match.mentee_id, Match.third_id)
        .where(Match.round_id == round_id, Match.status.in_(LIVE_STATUSES),
               Match.mentor_id.is_not(None), Match.mentee_id.is_not(None))
    ).all() for pair in member_pairs(*row)]


def finish_rematch(session: Session, decliner: Actor | None, current: Round, declined: Match,
                   event: AuditEvent, keep, result, person_id: dict[str, int],
                   new: list[Match], taxonomy: Taxonomy) -> None:
    """Once a decline's new pairs are stored: the round's unmatched list, the decline's audit
    event (which pairs it made), the re-match marked done, and the mail; flush."""
    current.unmatched = _unmatched_after_decline(current, declined, keep, result, person_id)
    event.details = {**event.details, "rematched": [m.id for m in new]}
    declined.rematch_status = RematchStatus.DONE
    session.flush()
    queue_decline_notices(session, decliner, session.get(Match, declined.id), new, taxonomy)


def _unmatched_after_decline(current: Round, declined: Match, keep, result,
                             person_id: dict[str, int]) -> list[dict[str, Any]]:
    """The round's unmatched list once a decline's re-match is in.

    People the re-match paired leave it; of the two people the decline freed, each one left
    with no pair at all joins it, with the engine's reason.
    """
    paired_now = {email for pair in result.pairs for email in pair.people}
    still_paired = {person for pair in keep for person in pair}
    freed = {email for email, pid in person_id.items() if pid in declined.member_ids}
    entries = [entry for entry in current.unmatched or []
               if entry["id"] not in paired_now and entry["id"] not in freed]
    entries += [stored_entry(entry, person_id) for entry in result.unmatched
                if entry.id in freed and entry.id not in paired_now
                and person_id[entry.id] not in still_paired]
    return entries


def end_live_pairs_of(session: Session, person_id: int, *, reason: str,
                      actor: Actor | None = None) -> int:
    """End every live pair of a published round that the person is in, recording why (and an
    audit event per pair, by `actor`); return how many ended. Their partners' places (a
    mentor's capacity) are free for the next round."""
    lock_live_pairs(session)
    published = select(Round.id).where(Round.status == RoundStatus.PUBLISHED)
    ended = end_pairs(session, actor, is_member(person_id), Match.round_id.in_(published),
                      reason=reason)
    session.expire_all()
    return len(ended)

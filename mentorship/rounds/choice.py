"""Choice rounds: mentees request one of their suggested mentors, mentors accept or decline,
and when the window closes the engine fills in everyone else around the accepted pairs.

The life of a choice round: a draft with ``selection: choice`` is opened (`open_choice`): the
engine's scores and rules give each mentee their best mentors (`Suggestion` rows). A mentee
requests one (`request_mentor`): a Match in state ``requested`` that holds the mentor's place
until the mentor answers (`accept_request`, `decline_request`) or it lapses after the round's
``accept_days`` (`expire_requests`). A mentee has at most one pending or accepted request. When
the coordinator closes the window (`close_choice`), pending requests are withdrawn, each
accepted pair becomes a lock of the round, and the round's preview runs: the engine's optimum
around those locks. The coordinator reviews and publishes it as any other round.

Capacity holds at every moment: a request locks its mentor's and mentee's person rows (in id
order, so two requests never deadlock) before counting, so of many mentees requesting the last
place at once exactly one gets it. A request whose time has passed holds nothing even before
`expire_requests` marks it: every count reads the time.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import and_, bindparam, delete, func, or_, select, update
from sqlalchemy.orm import Session

from matching import Mode, Taxonomy, suggest_profiles
from mentorship.core.audit import record_event
from mentorship.core.errors import Conflict, NotFound, PermissionDenied
from mentorship.core.permissions import Actor
from mentorship.mail import queue_mail
from mentorship.mail.outbox import link_to
from mentorship.people.directory import people_with_profiles
from mentorship.people.models import Person
from mentorship.profiles.models import Profile
from mentorship.rounds.invariants import lock_live_pairs
from mentorship.rounds.models import (
    LIVE_STATUSES,
    Match,
    MatchStatus,
    PairRule,
    Round,
    RoundStatus,
    Suggestion,
)
from mentorship.rounds.queries import get_round, round_of_actor
from mentorship.rounds.reasons import PARTICIPANT, explain_reasons, stored_reasons
from mentorship.rounds.run import preview_round, read_round_inputs
from mentorship.rounds.settings import default_settings
from mentorship.taxonomy.sync import sync_replacements

__all__ = [
    "REQUEST_EXPIRED",
    "WINDOW_CLOSED",
    "ChoiceWindow",
    "MentorRequest",
    "MyChoice",
    "SuggestedMentor",
    "accept_request",
    "choice_window",
    "close_choice",
    "decline_request",
    "expire_requests",
    "is_choice_round",
    "mentor_requests",
    "my_choices",
    "open_choice",
    "request_mentor",
]

#: Why a request ended without an answer (stored as the match's end_reason, a code).
REQUEST_EXPIRED = "request_expired"
WINDOW_CLOSED = "window_closed"
_HOLDING = (MatchStatus.REQUESTED, MatchStatus.ACCEPTED)


def _now(now: datetime | None) -> datetime:
    return now or datetime.now(UTC)


def _setting(current: Round, key: str) -> Any:
    return {**default_settings(), **(current.settings or {})}[key]


def is_choice_round(current: Round) -> bool:
    """Return whether the round lets mentees choose among suggestions first."""
    return _setting(current, "selection") == "choice"


def _holds(now: datetime):
    """The condition that a request or pair of a choice round holds its mentor's place now."""
    return or_(Match.status == MatchStatus.ACCEPTED,
               and_(Match.status == MatchStatus.REQUESTED, Match.expires_at > now))


# --- the coordinator's window ----------------------------------------------------------------


@dataclass(frozen=True)
class ChoiceWindow:
    """A choice round's window as its review shows it."""

    round: Round
    accept_days: int
    suggestions: int       # suggestions per mentee (the setting)
    mentees: int           # mentees with at least one suggestion
    pending: int
    accepted: int
    declined: int          # by the mentor
    expired: int           # unanswered in time, or withdrawn when the window closed


def open_choice(session: Session, actor: Actor | None, round_id: int, *,
                taxonomy: Taxonomy) -> Round:
    """Open a draft choice round's window: compute and keep each mentee's suggestions."""
    current = round_of_actor(session, actor, round_id)
    if not is_choice_round(current) or current.mode != Mode.MENTOR.value:
        raise Conflict(f"round {round_id} is not a choice round: run its preview instead")
    if current.status != RoundStatus.DRAFT:
        raise Conflict(f"round {round_id} is {current.status}; only a draft choice round can "
                       "open its window")
    sync_replacements(session, actor, taxonomy)
    inputs = read_round_inputs(session, current)
    found = suggest_profiles(inputs.profiles, taxonomy=taxonomy, settings=inputs.settings,
                             count=int(_setting(current, "suggestions")))
    changed = session.execute(
        update(Round).where(Round.id == round_id, Round.status == RoundStatus.DRAFT)
        .values(status=RoundStatus.CHOOSING, choice_opened_at=datetime.now(UTC),
                choice_closed_at=None, version=Round.version + 1)
        .execution_options(synchronize_session=False)).rowcount
    if changed != 1:
        raise Conflict(f"round {round_id} was opened or changed meanwhile")
    session.execute(delete(Suggestion).where(Suggestion.round_id == round_id))
    rows = [{"round_id": round_id, "mentee_id": inputs.person_id[mentee],
             "mentor_id": inputs.person_id[pair.mentor], "rank": rank, "score": pair.score,
             "reasons": stored_reasons(pair.reasons, inputs.person_id)}
            for mentee, pairs in found.items() for rank, pair in enumerate(pairs, start=1)]
    if rows:
        session.execute(Suggestion.__table__.insert(), rows)
    session.expire_all()
    record_event(session, actor, "round.choice_open", "round", round_id,
                 mentees=len(found), suggestions=len(rows))
    session.flush()
    return session.get(Round, round_id)


def choice_window(session: Session, actor: Actor | None, round_id: int, *,
                  now: datetime | None = None) -> ChoiceWindow:
    """Return a choice round's window: its settings and how many requests are in each state."""
    current = get_round(session, actor, round_id)
    now = _now(now)
    requests = select(Match.status, Match.end_reason, Match.expires_at).where(
        Match.round_id == round_id, Match.requested_at.is_not(None))
    pending = accepted = declined = expired = 0
    for status, end_reason, expires_at in session.execute(requests):
        if status == MatchStatus.REQUESTED:
            if expires_at > now:
                pending += 1
            else:
                expired += 1
        elif status == MatchStatus.DECLINED:
            if end_reason:
                expired += 1
            else:
                declined += 1
        else:
            accepted += 1
    mentees = session.scalar(select(func.count(func.distinct(Suggestion.mentee_id)))
                             .where(Suggestion.round_id == round_id)) or 0
    return ChoiceWindow(current, int(_setting(current, "accept_days")),
                        int(_setting(current, "suggestions")), mentees, pending, accepted,
                        declined, expired)


def close_choice(session: Session, actor: Actor | None, round_id: int, *,
                 taxonomy: Taxonomy, now: datetime | None = None) -> Round:
    """Close a choice round's window and fill it: the engine's optimum around the accepted
    pairs, which are locked. The round is then previewed, to be reviewed and published.

    Pending requests are withdrawn (their mentees are matched by the fill). All in the
    caller's one transaction: if the fill fails (an accepted pair broke a rule since), the
    window stays open.
    """
    round_of_actor(session, actor, round_id)  # theirs to close: a coordinator of its programme
    now = _now(now)
    current = session.get(Round, round_id, with_for_update=True, populate_existing=True)
    if current is None:
        raise NotFound(f"no round {round_id}")
    if current.status != RoundStatus.CHOOSING:
        raise Conflict(f"round {round_id} is {current.status}: its choice window is not open")
    expire_requests(session, now)
    # No request can start meanwhile: each shares the round row this transaction holds.
    withdrawn = session.scalars(select(Match.id).where(
        Match.round_id == round_id, Match.status == MatchStatus.REQUESTED)).all()
    session.execute(
        update(Match).where(Match.round_id == round_id, Match.status == MatchStatus.REQUESTED)
        .values(status=MatchStatus.DECLINED, end_reason=WINDOW_CLOSED)
        .execution_options(synchronize_session=False))
    accepted = session.execute(select(Match.mentor_id, Match.mentee_id).where(
        Match.round_id == round_id, Match.status == MatchStatus.ACCEPTED,
        Match.mentor_id.is_not(None), Match.mentee_id.is_not(None))).all()
    locked = set(session.execute(select(PairRule.first_id, PairRule.second_id).where(
        PairRule.round_id == round_id, PairRule.kind == "lock")).all())
    # Suggestions met the round's lowest score, so an accepted pair needs no exception.
    session.add_all([PairRule(kind="lock", round_id=round_id, first_id=mentor, second_id=mentee)
                     for mentor, mentee in accepted if (mentor, mentee) not in locked])
    session.execute(update(Match).where(Match.round_id == round_id,
                                        Match.status == MatchStatus.ACCEPTED)
                    .values(locked=True).execution_options(synchronize_session=False))
    session.execute(
        update(Round).where(Round.id == round_id)
        .values(status=RoundStatus.DRAFT, choice_closed_at=now, version=Round.version + 1)
        .execution_options(synchronize_session=False))
    session.expire_all()
    record_event(session, actor, "round.choice_close", "round", round_id, accepted=len(accepted),
                 withdrawn=list(withdrawn))
    preview_round(session, actor, round_id, taxonomy=taxonomy)
    return session.get(Round, round_id)


# --- expiry ---------------------------------------------------------------------------------


def expire_requests(session: Session, now: datetime | None = None) -> int:
    """Mark expired every request unanswered past its time; return how many (idempotent).

    Counts never wait for it (a lapsed request holds nothing), so the worker, the CLI and
    every write of a request call it whenever they like.
    """
    now = _now(now)
    due = session.scalars(select(Match.id).where(Match.status == MatchStatus.REQUESTED,
                                                 Match.expires_at <= now)).all()
    expired = 0
    for match_id in due:
        # Conditional: an answer or another expirer may have come first.
        if session.execute(
            update(Match).where(Match.id == match_id, Match.status == MatchStatus.REQUESTED)
            .values(status=MatchStatus.DECLINED, end_reason=REQUEST_EXPIRED)
            .execution_options(synchronize_session=False)).rowcount:
            expired += 1
            record_event(session, None, "match.request_expire", "match", match_id)
    if expired:
        session.expire_all()
        session.flush()
    return expired


# --- the mentee's side ----------------------------------------------------------------------


@dataclass(frozen=True)
class SuggestedMentor:
    """One suggested mentor as the mentee sees them."""

    suggestion: Suggestion
    mentor: Person
    reasons: tuple[dict[str, Any], ...]
    full: bool             # no place left now
    declined: bool         # this mentor declined the mentee's request in this round


@dataclass(frozen=True)
class MyChoice:
    """A mentee's open choice round: suggestions, the request standing and earlier ones."""

    round: Round
    suggestions: tuple[SuggestedMentor, ...]
    request: Match | None              # pending or accepted
    request_mentor: Person | None
    ended: tuple[tuple[Match, Person | None, str], ...]   # (request, mentor, "declined" or
    #                                                       "expired"), newest first


def _free_places(session: Session, round_id: int, mentor_ids: set[int], now: datetime,
                 ) -> dict[int, int]:
    """Each mentor's places left in a choice round: capacity, less live pairs of published
    mentor rounds, less the standing requests and accepted pairs of unpublished rounds (this
    one's and any other's)."""
    if not mentor_ids:
        return {}
    capacity = dict(session.execute(select(Profile.person_id, Profile.capacity)
                                    .where(Profile.person_id.in_(mentor_ids))).all())
    taken = dict(session.execute(
        select(Match.mentor_id, func.count()).join(Round, Round.id == Match.round_id)
        .where(Match.mentor_id.in_(mentor_ids), or_(
            and_(Match.requested_at.is_not(None), _holds(now),
                 Round.status.not_in((RoundStatus.PUBLISHED, RoundStatus.CLOSED))),
            and_(Round.id != round_id, Round.status == RoundStatus.PUBLISHED,
                 Round.mode == Mode.MENTOR.value, Match.status.in_(LIVE_STATUSES))))
        .group_by(Match.mentor_id)).all())
    return {m: capacity.get(m, 0) - taken.get(m, 0) for m in mentor_ids}


# Built once, the statements My matches runs on each request (see `pairs.IS_MEMBER`): the
# actor's open choice rounds, and the requests addressed to them that hold a place at `now`.
_MY_CHOICE_ROUNDS = (
    select(Round).where(Round.status == RoundStatus.CHOOSING, Round.id.in_(
        select(Suggestion.round_id).where(Suggestion.mentee_id == bindparam("person_id"))))
    .order_by(Round.choice_opened_at.desc(), Round.id))
_MY_REQUESTS = (
    select(Match, Round).join(Round, Round.id == Match.round_id)
    .where(Match.mentor_id == bindparam("person_id"), Match.requested_at.is_not(None),
           Round.status == RoundStatus.CHOOSING, _holds(bindparam("now")))
    # "requested" sorts after "accepted": descending puts the pending ones first.
    .order_by(Match.status.desc(), Match.requested_at, Match.id))


def my_choices(session: Session, actor: Person, *, taxonomy: Taxonomy | None = None,
               now: datetime | None = None) -> list[MyChoice]:
    """The actor's open choice rounds, with their suggested mentors, best first, and reasons
    as a participant reads them."""
    now = _now(now)
    rounds = session.scalars(_MY_CHOICE_ROUNDS, {"person_id": actor.id}).all()
    choices = []
    for current in rounds:
        suggestions = session.scalars(
            select(Suggestion).where(Suggestion.round_id == current.id,
                                     Suggestion.mentee_id == actor.id)
            .order_by(Suggestion.rank)).all()
        requests = session.scalars(
            select(Match).where(Match.round_id == current.id, Match.mentee_id == actor.id,
                                Match.requested_at.is_not(None))
            .order_by(Match.requested_at.desc(), Match.id.desc())).all()
        mentor_ids = {s.mentor_id for s in suggestions} | {m.mentor_id for m in requests
                                                            if m.mentor_id is not None}
        mentors = people_with_profiles(session, mentor_ids)
        free = _free_places(session, current.id, mentor_ids, now)
        standing = next((m for m in requests if m.status == MatchStatus.ACCEPTED or (
            m.status == MatchStatus.REQUESTED and m.expires_at > now)), None)
        declined_by = {m.mentor_id for m in requests
                       if m.status == MatchStatus.DECLINED and not m.end_reason}
        shown = explain_reasons(session, [s.reasons for s in suggestions], taxonomy,
                                audience=PARTICIPANT)
        ended = tuple((m, mentors.get(m.mentor_id),
                       "declined" if m.status == MatchStatus.DECLINED and not m.end_reason
                       else "expired")
                      for m in requests if m is not standing
                      and m.status in (MatchStatus.DECLINED, MatchStatus.REQUESTED))
        choices.append(MyChoice(
            current,
            tuple(SuggestedMentor(s, mentors[s.mentor_id], tuple(reasons),
                                  free.get(s.mentor_id, 0) <= 0, s.mentor_id in declined_by)
                  for s, reasons in zip(suggestions, shown, strict=True)
                  if s.mentor_id in mentors),
            standing, mentors.get(standing.mentor_id) if standing else None, ended))
    return choices


def _lock_people(session: Session, *person_ids: int) -> None:
    """Lock these people's rows until the transaction ends, in id order (never a deadlock).

    On SQLite the transaction's BEGIN IMMEDIATE already holds the one write lock.
    """
    session.execute(select(Person.id).where(Person.id.in_(sorted(set(person_ids))))
                    .order_by(Person.id).with_for_update())


def request_mentor(session: Session, actor: Actor | None, suggestion_id: int, *,
                   now: datetime | None = None) -> Match:
    """Request a suggested mentor, as the mentee it was suggested to; hold the mentor's place
    until they answer or `accept_days` pass, and mail the mentor (through the outbox).

    Raises Conflict when the mentee already has a pending or accepted request, the mentor
    declined them before, or has no place left (another mentee was quicker).
    """
    now = _now(now)
    suggestion = session.get(Suggestion, suggestion_id)
    if suggestion is None:
        raise NotFound(f"no suggestion {suggestion_id}")
    if actor is not None and actor.id != suggestion.mentee_id:
        raise PermissionDenied("only the mentee a mentor was suggested to can request them")
    mentee, mentor = suggestion.mentee_id, suggestion.mentor_id
    # A request holds a place as a live pair does: it and a publish of another round that
    # counts it (`invariants.check_round_can_go_live`) go one at a time.
    lock_live_pairs(session)
    _lock_people(session, mentee, mentor)
    # Shared: requests go side by side, but a closing window waits for them (and they for it),
    # so no request lands in a round already filled.
    current = session.get(Round, suggestion.round_id, with_for_update={"read": True},
                          populate_existing=True)
    if current.status != RoundStatus.CHOOSING:
        raise Conflict("this round's choice window is closed: your coordinator matches you")
    if not session.scalar(select(Person.active).where(Person.id == mentor)):
        raise Conflict("this mentor no longer takes part: choose another of your suggestions")
    expire_requests(session, now)
    standing = session.scalar(select(Match.status).where(
        Match.round_id == current.id, Match.mentee_id == mentee, _holds(now)).limit(1))
    if standing is not None:
        raise Conflict("you already have a request "
                       + ("accepted" if standing == MatchStatus.ACCEPTED else
                          "waiting for an answer") + " in this round: one at a time")
    if session.scalar(select(Match.id).where(
            Match.round_id == current.id, Match.mentee_id == mentee, Match.mentor_id == mentor,
            Match.status == MatchStatus.DECLINED, Match.end_reason == "").limit(1)):
        raise Conflict("this mentor declined your request in this round: choose another")
    if session.scalar(select(Match.id).join(Round, Round.id == Match.round_id).where(
            Round.status == RoundStatus.PUBLISHED, Round.mode == Mode.MENTOR.value,
            Match.mentee_id == mentee, Match.status.in_(LIVE_STATUSES)).limit(1)):
        raise Conflict("you have a mentor already in a published round")
    if _free_places(session, current.id, {mentor}, now)[mentor] <= 0:
        raise Conflict("this mentor has no place left (another mentee asked first): choose "
                       "another of your suggestions")
    days = int(_setting(current, "accept_days"))
    match = Match(round_id=current.id, mentor_id=mentor, mentee_id=mentee,
                  score=suggestion.score, reasons=list(suggestion.reasons or []),
                  alternatives=[], status=MatchStatus.REQUESTED, requested_at=now,
                  expires_at=now + timedelta(days=days))
    session.add(match)
    session.flush()
    record_event(session, actor, "match.request", "match", match.id, round=current.id)
    people = {p.id: p for p in session.scalars(select(Person).where(
        Person.id.in_((mentor, mentee))))}
    queue_mail(session, to=people[mentor], kind="choice_request",
               dedupe_key=f"choice_request:{match.id}",
               context={"mentee": people[mentee].name, "round": current.name,
                        "expires": match.expires_at, "link": link_to(session, "/matches")})
    return match


# --- the mentor's side ----------------------------------------------------------------------


@dataclass(frozen=True)
class MentorRequest:
    """A request waiting for the actor's answer, or one they accepted, as a mentor sees it."""

    match: Match
    round: Round
    mentee: Person
    reasons: tuple[dict[str, Any], ...]


def mentor_requests(session: Session, actor: Person, *, taxonomy: Taxonomy | None = None,
                    now: datetime | None = None) -> list[MentorRequest]:
    """The requests of open choice rounds addressed to the actor: pending ones (oldest first)
    then accepted ones, with the mentee and the reasons as a participant reads them."""
    now = _now(now)
    rows = session.execute(_MY_REQUESTS, {"person_id": actor.id, "now": now}).all()
    mentees = people_with_profiles(session, {m.mentee_id for m, _ in rows})
    shown = explain_reasons(session, [m.reasons for m, _ in rows], taxonomy, audience=PARTICIPANT)
    return [MentorRequest(m, r, mentees[m.mentee_id], tuple(reasons))
            for (m, r), reasons in zip(rows, shown, strict=True) if m.mentee_id in mentees]


def _answer(session: Session, actor: Actor | None, match_id: int, after: MatchStatus,
            now: datetime | None, **values: Any) -> Match:
    now = _now(now)
    match = session.get(Match, match_id)
    if match is None:
        raise NotFound(f"no match {match_id}")
    if actor is not None and actor.id != match.mentor_id:
        raise PermissionDenied("only the requested mentor can answer a request")
    if match.requested_at is None:
        raise Conflict(f"match {match_id} is not a request")
    if match.round.status != RoundStatus.CHOOSING:
        raise Conflict("this round's choice window is closed")
    expire_requests(session, now)
    changed = session.execute(
        update(Match).where(Match.id == match_id, Match.status == MatchStatus.REQUESTED,
                            Match.expires_at > now)
        .values(status=after, **values).execution_options(synchronize_session=False)).rowcount
    session.refresh(match)
    if changed != 1:
        state = ("expired" if match.end_reason else str(match.status))
        raise Conflict(f"this request is {state}: it can no longer be answered")
    record_event(session, actor, f"match.request_{'accept' if after == MatchStatus.ACCEPTED else 'decline'}",
                 "match", match_id)
    session.flush()
    return match


def accept_request(session: Session, actor: Actor | None, match_id: int, *,
                   now: datetime | None = None) -> Match:
    """Accept a mentee's request, as its mentor: the pair is kept when the window closes."""
    return _answer(session, actor, match_id, MatchStatus.ACCEPTED, now)


def decline_request(session: Session, actor: Actor | None, match_id: int, *, reason: str = "",
                    now: datetime | None = None) -> Match:
    """Decline a mentee's request, as its mentor: the place is free and the mentee chooses again."""
    return _answer(session, actor, match_id, MatchStatus.DECLINED, now,
                   decline_reason=reason[:2000])

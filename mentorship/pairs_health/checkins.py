"""Check-ins: each member of a live pair answers once a period; a coordinator reads pairs' health.

A live pair (accepted or active, in a published round) is prompted every check-in interval
(`check_in_weeks`): "we met", "not yet" or "we need help", with an optional note. One answer
per person and period (a unique constraint: a double click records once). A pair's health is
`mentorship.pairs_health.rule.pair_health` of its answers.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import bindparam, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, defer

from mentorship.core.audit import record_event
from mentorship.core.db import batches
from mentorship.core.errors import Conflict, NotFound, PermissionDenied
from mentorship.core.paging import PAGE_SIZE, Page, page_bounds
from mentorship.core.permissions import Actor, require_coordinator
from mentorship.core.settings import check_in_weeks
from mentorship.pairs_health.models import CheckIn, CheckInAnswer
from mentorship.pairs_health.rule import (
    ATTENTION,
    Answer,
    Health,
    pair_health,
    period_bounds,
    period_of,
)
from mentorship.pairs_health.schemas import (
    CHECK_IN_WEEKS,
    CheckInSchema,
    check_in_weeks_problem,
    validated,
)
from mentorship.people.models import Person
from mentorship.programmes.access import visible_programme_ids
from mentorship.programmes.models import Programme
from mentorship.programmes.queries import get_programme
from mentorship.rounds.models import Match, MatchStatus, Round, RoundStatus
from mentorship.rounds.pairs import IS_MEMBER

__all__ = [
    "CHECKED_IN_STATUSES",
    "CheckInPrompt",
    "PairHealth",
    "Recorded",
    "answers_of",
    "check_in_interval",
    "check_in_prompts",
    "clock_start",
    "in_view",
    "intervals_of",
    "live_pairs",
    "pair_rows_of",
    "pairs_health",
    "pairs_health_pages",
    "record_check_in",
]

#: The pair states that are prompted to check in (the pair is under way).
CHECKED_IN_STATUSES = (MatchStatus.ACCEPTED, MatchStatus.ACTIVE)


@dataclass(frozen=True)
class Recorded:
    """A check-in, and whether this request recorded it (False: it was there already)."""

    check_in: CheckIn
    created: bool


@dataclass(frozen=True)
class CheckInPrompt:
    """A live pair the person has not checked in on for the current period."""

    match: Match
    others: tuple[Person, ...]
    period: int
    begins: datetime
    ends: datetime


@dataclass(frozen=True)
class PairHealth:
    """A live pair as its coordinator sees it: who, its health, each member's last check-in."""

    match: Match
    round: Round
    members: tuple[Person | None, ...]
    health: Health
    period: int
    latest: tuple[CheckIn, ...]     # each member's latest check-in, in member order
    needs_attention: bool


def check_in_interval(session: Session, round_: Round) -> int:
    """Return the weeks between check-ins of the round's pairs: its programme's
    ``check_in_weeks`` setting, else the deployment's (``MENTORSHIP_CHECK_IN_WEEKS``, default 4).
    """
    return intervals_of(session, [round_])[round_.id]


# Built once, as `pairs.IS_MEMBER` says why: My matches runs them on each request.
_PROGRAMME_SETTINGS = select(Programme.id, Programme.settings).where(
    Programme.id.in_(bindparam("ids", expanding=True)))
_CHECK_INS_OF = select(CheckIn).where(CheckIn.match_id.in_(bindparam("ids", expanding=True)))


def intervals_of(session: Session, rounds) -> dict[int, int]:
    """Return `check_in_interval` of each round, by round id, reading each programme once."""
    programme_ids = {r.programme_id for r in rounds}
    settings = dict(session.execute(_PROGRAMME_SETTINGS, {"ids": list(programme_ids)}).all()
                    ) if programme_ids else {}
    weeks = {}
    for round_ in rounds:
        given = settings.get(round_.programme_id) or {}
        if check_in_weeks_problem(given) is None and given.get(CHECK_IN_WEEKS) is not None:
            weeks[round_.id] = given[CHECK_IN_WEEKS]
        else:
            weeks[round_.id] = check_in_weeks()
    return weeks


def _now(now: datetime | None) -> datetime:
    return now if now is not None else datetime.now(UTC)


def clock_start(round_: Round) -> datetime:
    """When a pair's check-in clock starts: its round's publication."""
    return round_.published_at or round_.created_at


def record_check_in(session: Session, actor: Actor, match_id: int, body: dict[str, Any], *,
                    now: datetime | None = None) -> Recorded:
    """Record the actor's check-in (answer, optional note) on a live pair of theirs for the
    current period. A second answer in the same period records nothing and returns the first.
    """
    match = session.get(Match, match_id)
    if match is None:
        raise NotFound(f"no match {match_id}")
    if actor.id not in match.member_ids:
        raise PermissionDenied("only the members of a pair check in on it")
    if match.round.status != RoundStatus.PUBLISHED or match.status not in CHECKED_IN_STATUSES:
        raise Conflict(f"match {match_id} is {match.status}: only an accepted pair checks in")
    data = validated(CheckInSchema(), body)
    answer, note = data["answer"], data["note"]
    at = _now(now)
    period = period_of(clock_start(match.round), at, check_in_interval(session, match.round))
    existing = _existing(session, match_id, actor.id, period)
    if existing is not None:
        return Recorded(existing, created=False)
    check_in = CheckIn(match_id=match_id, person_id=actor.id, period=period,
                       answer=CheckInAnswer(answer), note=note.strip(), created_at=at)
    try:
        # A savepoint: a concurrent click that won the race leaves this transaction usable.
        with session.begin_nested():
            session.add(check_in)
    except IntegrityError:
        return Recorded(_existing(session, match_id, actor.id, period), created=False)
    record_event(session, actor, "match.check_in", "match", match_id, period=period,
                 answer=str(answer))
    session.flush()
    return Recorded(check_in, created=True)


def _existing(session: Session, match_id: int, person_id: int, period: int) -> CheckIn | None:
    return session.scalar(select(CheckIn).where(
        CheckIn.match_id == match_id, CheckIn.person_id == person_id, CheckIn.period == period))


def in_view(session: Session, actor: Actor | None, programme_id: int | None = None) -> tuple:
    """Return the condition on Round that keeps one programme (`programme_id`: NotFound if there
    is none, PermissionDenied if it is not the actor's), else those the actor is limited to."""
    if programme_id is not None:
        get_programme(session, actor, programme_id)
        return (Round.programme_id == programme_id,)
    visible = visible_programme_ids(session, actor)
    return () if visible is None else (Round.programme_id.in_(sorted(visible)),)


def live_pairs(session: Session, *conditions) -> list[tuple[Match, Round]]:
    """Return the live pairs (accepted or active) of published rounds, newest round first."""
    return list(session.execute(_live_pairs_query(*conditions)).all())


def _live_pairs_query(*conditions):
    return (select(Match, Round).join(Round, Match.round_id == Round.id)
            .where(*_live(), *conditions)
            # The reasons and alternatives are the largest part of a row, and not needed here.
            .options(defer(Match.reasons), defer(Match.alternatives))
            .order_by(Round.published_at.desc(), Match.id))


def _live() -> tuple:
    return Round.status == RoundStatus.PUBLISHED, Match.status.in_(CHECKED_IN_STATUSES)


#: The actor's live pairs and the people of theirs, for My matches' check-ins (built once, as
#: `pairs.IS_MEMBER` says why).
_MY_LIVE_PAIRS = _live_pairs_query(IS_MEMBER)
_PEOPLE = select(Person).where(Person.id.in_(bindparam("ids", expanding=True)))


def answers_of(session: Session, match_ids: list[int]) -> dict[int, list[CheckIn]]:
    """Return each pair's check-ins, oldest first."""
    found: dict[int, list[CheckIn]] = defaultdict(list)
    for chunk in batches(sorted(set(match_ids))):
        for check_in in session.scalars(_CHECK_INS_OF, {"ids": chunk}):
            found[check_in.match_id].append(check_in)
    for check_ins in found.values():
        check_ins.sort(key=lambda c: (c.created_at, c.id))
    return found


def _latest_each(check_ins: list[CheckIn], member_ids) -> tuple[CheckIn, ...]:
    latest = {}
    for check_in in sorted(check_ins, key=lambda c: (c.period, c.created_at, c.id)):
        latest[check_in.person_id] = check_in
    return tuple(latest[p] for p in member_ids if p in latest)


def check_in_prompts(session: Session, actor: Actor, *, now: datetime | None = None,
                     live: list[tuple[Match, Round]] | None = None) -> list[CheckInPrompt]:
    """Return the actor's live pairs that await their check-in for the current period.

    `live`: the actor's `pairs.my_live_pairs` (proposed ones too), when the caller has read
    them already.
    """
    at = _now(now)
    if live is None:
        pairs = session.execute(_MY_LIVE_PAIRS, {"person_id": actor.id}).all()
    else:
        pairs = [(match, round_) for match, round_ in live
                 if match.status in CHECKED_IN_STATUSES]
    answered = answers_of(session, [m.id for m, _ in pairs])
    other_ids = {p for m, _ in pairs for p in m.member_ids if p is not None and p != actor.id}
    people = {p.id: p for p in session.scalars(_PEOPLE, {"ids": list(other_ids)})
              } if other_ids else {}
    intervals = intervals_of(session, list({r.id: r for _, r in pairs}.values()))
    prompts = []
    for match, round_ in pairs:
        weeks = intervals[round_.id]
        period = period_of(clock_start(round_), at, weeks)
        if any(c.person_id == actor.id and c.period == period for c in answered[match.id]):
            continue
        others = tuple(people[p] for p in match.member_ids if p in people)
        begins, ends = period_bounds(clock_start(round_), period, weeks)
        prompts.append(CheckInPrompt(match, others, period, begins, ends))
    return prompts


def pairs_health(session: Session, actor: Actor | None, *, now: datetime | None = None,
                 attention_only: bool = False) -> list[PairHealth]:
    """Return every live pair's health, those that need attention first (help, inactive), in
    the programmes the actor coordinates.

    `attention_only` keeps only those: the coordinator's digest.
    """
    kept = _healths(session, actor, _now(now), ATTENTION if attention_only else None)
    return _pair_rows(session, kept)


def pairs_health_pages(session: Session, actor: Actor | None, *, now: datetime | None = None,
                       state: Health | None = None, page: int = 1, size: int = PAGE_SIZE,
                       programme_id: int | None = None) -> tuple[Page, Page]:
    """Return the first page of the pairs that need attention, and page `page` of every live
    pair (those in `state`, when given; of one programme, when given), from one reading of
    their health."""
    kept = _healths(session, actor, _now(now), None, programme_id)
    attention = [row for row in kept if row[3] in ATTENTION]
    chosen = [row for row in kept if state is None or row[3] == state]
    page, size = page_bounds(page, size)
    return (Page(_pair_rows(session, attention[:size]), 1, size, len(attention)),
            Page(_pair_rows(session, chosen[(page - 1) * size:page * size]), page, size,
                 len(chosen)))


def _healths(session: Session, actor: Actor | None, at: datetime,
             states: tuple[Health, ...] | None, programme_id: int | None = None) -> list[tuple]:
    """Each live pair's health as plain values, those in `states` (or all), most urgent first."""
    require_coordinator(actor, "see the health of pairs")
    conditions = (*_live(), *in_view(session, actor, programme_id))
    # Plain columns, not rows: a programme may hold thousands of live pairs, and only those
    # shown are read whole.
    pairs = session.execute(
        select(Match.id, Match.mentor_id, Match.mentee_id, Match.third_id, Match.round_id)
        .join(Round, Match.round_id == Round.id).where(*conditions)
        .order_by(Round.published_at.desc(), Match.id)).all()
    rounds = {r.id: r for r in session.scalars(select(Round).where(
        Round.id.in_({p.round_id for p in pairs})))} if pairs else {}
    weeks = intervals_of(session, list(rounds.values()))
    answered: dict[int, list[CheckIn]] = defaultdict(list)
    for check_in in session.scalars(
            select(CheckIn).join(Match, CheckIn.match_id == Match.id)
            .join(Round, Match.round_id == Round.id).where(*conditions)
            .order_by(CheckIn.created_at, CheckIn.id)):
        answered[check_in.match_id].append(check_in)
    kept = []
    for match_id, mentor, mentee, third, round_id in pairs:
        round_ = rounds[round_id]
        check_ins = answered[match_id]
        health = pair_health(clock_start(round_), at, weeks[round_id], [
            Answer(c.person_id, c.period, c.answer, c.created_at) for c in check_ins])
        if states is not None and health not in states:
            continue
        members = (mentor, mentee) + ((third,) if third is not None else ())
        kept.append((match_id, round_, members, health,
                     period_of(clock_start(round_), at, weeks[round_id]), check_ins))
    order = {state: position for position, state in enumerate(ATTENTION)}
    kept.sort(key=lambda row: order.get(row[3], len(order)))
    return kept


def pair_rows_of(session: Session, match_ids: list[int], health: Health) -> list[PairHealth]:
    """Return these pairs (the caller checked the actor may see them) as rows of the health
    lists, in this order, each in `health`, at the period of its latest check-in."""
    rows = {match.id: (match, round_) for match, round_ in session.execute(
        select(Match, Round).join(Round, Match.round_id == Round.id)
        .where(Match.id.in_(sorted(set(match_ids))))
        .options(defer(Match.reasons), defer(Match.alternatives)))} if match_ids else {}
    answered = answers_of(session, list(rows))
    return _pair_rows(session, [
        (match.id, round_, match.member_ids, health,
         max((c.period for c in answered[match.id]), default=1), answered[match.id])
        for match, round_ in (rows[m] for m in match_ids if m in rows)])


def _pair_rows(session: Session, kept: list[tuple]) -> list[PairHealth]:
    matches, people = _rows_of(session, Match, [k[0] for k in kept]), _rows_of(
        session, Person, [p for k in kept for p in k[2] if p is not None])
    return [PairHealth(matches[match_id], round_, tuple(people.get(p) for p in members), health,
                       period, _latest_each(check_ins, members), health in ATTENTION)
            for match_id, round_, members, health, period, check_ins in kept]


def _rows_of(session: Session, model, ids: list[int]) -> dict:
    """Return the rows of `model` with these ids, by id, a bounded IN list at a time."""
    found = {}
    options = (defer(Match.reasons), defer(Match.alternatives)) if model is Match else ()
    for chunk in batches(sorted(set(ids))):
        found.update((row.id, row) for row in session.scalars(
            select(model).where(model.id.in_(chunk)).options(*options)))
    return found

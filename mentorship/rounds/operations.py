"""Editing a round: create it, adjust its pairs before publishing, publish, close."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from mentorship.core.audit import record_event
from mentorship.core.errors import Conflict, InvalidInput, NotFound, RowError
from mentorship.core.permissions import Actor, require_coordinator
from mentorship.people.models import Person
from mentorship.programmes.queries import programme_in_view
from mentorship.rounds.invariants import check_round_can_go_live, lock_live_pairs
from mentorship.rounds.models import LIVE_STATUSES, Match, MatchStatus, PairRule, Round, RoundStatus
from mentorship.rounds.queries import find_round, round_of_actor
from mentorship.rounds.run import check_locks
from mentorship.rounds.settings import engine_settings, load_round_settings
from mentorship.taxonomy import Taxonomy, load_taxonomy

__all__ = [
    "EDITABLE",
    "close_round",
    "create_round",
    "lock_pair",
    "publish_round",
    "remove_pair",
    "swap_pairs",
    "unlock_pair",
]



def create_round(
    session: Session, actor: Actor | None, name: str, *, mode: str | None = None,
    settings: dict[str, Any] | None = None, programme_id: int | None = None,
) -> Round:
    """Create a draft round of a programme (unless given, the default one, or the actor's
    first if they are not given that) with its settings.

    The mode not given is the programme's; the settings given go over the programme's default
    round settings (when the round has the programme's mode).
    """
    require_coordinator(actor)
    programme = programme_in_view(session, actor, programme_id)
    if mode is None:
        mode = programme.mode
    # The programme's defaults are for its own mode.
    defaults = dict(programme.round_settings or {}) if mode == programme.mode else {}
    settings = {**defaults, **(settings or {})}
    errors = []
    if not name.strip() or len(name.strip()) > 200:
        errors.append(RowError(0, "name", name[:80], "required, at most 200 characters"))
    try:
        settings = load_round_settings(mode, settings)
    except InvalidInput as error:
        errors = sorted([*errors, *error.errors], key=lambda e: e.column != "mode")
    if errors:
        raise InvalidInput("the round's settings are not valid", errors)
    new_round = Round(name=name.strip(), mode=mode, settings=settings, programme_id=programme.id,
                      created_by_id=actor.id if actor else None)
    session.add(new_round)
    session.flush()
    record_event(session, actor, "round.create", "round", new_round.id, settings=settings)
    return new_round


def _move_round(session: Session, round_id: int, before: RoundStatus, after: RoundStatus,
                doing: str, **values) -> None:
    """Move a round from one status to the next in one conditional UPDATE, or raise Conflict.

    Of two people doing it at once exactly one succeeds; the other is told the round's status.
    """
    changed = session.execute(
        update(Round).where(Round.id == round_id, Round.status == before)
        .values(status=after, version=Round.version + 1, **values)
        .execution_options(synchronize_session=False)
    ).rowcount
    if changed != 1:
        session.expire_all()
        status = find_round(session, round_id).status
        raise Conflict(f"round {round_id} is {status}, not {before}: it cannot be {doing}")


def publish_round(session: Session, actor: Actor | None, round_id: int) -> Round:
    """Publish a previewed round: all its pairs become visible at once.

    The status change is one conditional UPDATE, so of two coordinators publishing at once
    exactly one succeeds and the other gets a Conflict. Under the live-pairs lock, a round whose
    pairs would double-book someone (another round went live since its preview) is refused.
    """
    current = round_of_actor(session, actor, round_id)
    lock_live_pairs(session)
    if current.status == RoundStatus.PREVIEWED:
        check_round_can_go_live(session, current)
    _move_round(session, round_id, RoundStatus.PREVIEWED, RoundStatus.PUBLISHED, "published",
                published_at=datetime.now(UTC), published_by_id=actor.id if actor else None)
    session.expire_all()
    record_event(session, actor, "round.publish", "round", round_id)
    session.flush()
    return session.get(Round, round_id)


def close_round(session: Session, actor: Actor | None, round_id: int) -> Round:
    """Close a published round: its live pairs end."""
    round_of_actor(session, actor, round_id)
    _move_round(session, round_id, RoundStatus.PUBLISHED, RoundStatus.CLOSED, "closed",
                closed_at=datetime.now(UTC))
    session.execute(
        update(Match).where(Match.round_id == round_id, Match.status.in_(LIVE_STATUSES))
        .values(status=MatchStatus.ENDED).execution_options(synchronize_session=False)
    )
    session.expire_all()
    record_event(session, actor, "round.close", "round", round_id)
    session.flush()
    return session.get(Round, round_id)


#: A round's pairs can be adjusted until it is published; a failed round too, so that a lock
#: that made its preview fail can be removed and the preview run again.
EDITABLE = (RoundStatus.DRAFT, RoundStatus.PREVIEWED, RoundStatus.FAILED)


def _editable_round(session: Session, actor: Actor | None, round_id: int) -> Round:
    current = round_of_actor(session, actor, round_id)
    if current.status not in EDITABLE:
        raise Conflict(f"round {round_id} is {current.status}; pairs can only be adjusted "
                       "before publishing")
    return current


def _person_id(session: Session, email: str) -> int:
    found = session.scalar(select(Person.id).where(Person.email == email.strip().casefold()))
    if found is None:
        raise NotFound(f"no person with email {email!r}")
    return found


def lock_pair(session: Session, actor: Actor | None, round_id: int, mentor: str,
              mentee: str, *, taxonomy: Taxonomy | None = None,
              below_minimum: bool = False) -> PairRule:
    """Lock a pair into a round before publishing; the next preview keeps it exactly.

    The lock is checked now against the engine's rules (roles, manager, same manager, avoid
    list, earlier rounds, capacity); one scoring below the round's minimum is refused unless
    `below_minimum` says to keep it anyway (recorded on the lock).
    """
    current = _editable_round(session, actor, round_id)
    found = {side: session.scalar(select(Person.id).where(
        Person.email == email.strip().casefold())) for side, email in (("mentor", mentor),
                                                                        ("mentee", mentee))}
    unknown = [RowError(0, side, email, "no person has this email")
               for (side, email) in (("mentor", mentor), ("mentee", mentee)) if found[side] is None]
    if unknown:
        raise InvalidInput("the pair names someone unknown", unknown)
    first, second = found["mentor"], found["mentee"]
    if first == second:
        raise InvalidInput("a pair needs two people", [RowError(0, "mentee", mentee, "same as "
                                                                "the mentor")])
    _no_such_lock(session, round_id, first, second)
    rule = PairRule(kind="lock", round_id=round_id, first_id=first, second_id=second,
                    below_minimum=below_minimum)
    _add_checked_locks(session, current, [rule], taxonomy)
    record_event(session, actor, "round.lock", "round", round_id, rule=rule.id,
                 below_minimum=below_minimum)
    return rule


def remove_pair(session: Session, actor: Actor | None, round_id: int, match_id: int) -> PairRule:
    """Remove a proposed pair before publishing; the next preview will not propose it again."""
    _editable_round(session, actor, round_id)
    match = session.get(Match, match_id)
    if match is None or match.round_id != round_id:
        raise NotFound(f"no match {match_id} in round {round_id}")
    if match.mentor_id is None or match.mentee_id is None:
        raise Conflict("a pair of a deleted person cannot be removed this way")
    if session.scalar(select(PairRule.id).where(
            PairRule.kind == "avoid", PairRule.round_id == round_id,
            PairRule.first_id == match.mentor_id, PairRule.second_id == match.mentee_id)):
        raise Conflict(f"match {match_id} is already removed from round {round_id}")
    session.execute(delete(PairRule).where(
        PairRule.kind == "lock", PairRule.round_id == round_id,
        PairRule.first_id == match.mentor_id, PairRule.second_id == match.mentee_id))
    rule = PairRule(kind="avoid", round_id=round_id, first_id=match.mentor_id,
                    second_id=match.mentee_id)
    session.add(rule)
    session.flush()
    record_event(session, actor, "round.remove_pair", "round", round_id, match=match_id)
    return rule


def swap_pairs(session: Session, actor: Actor | None, round_id: int, first_match: int,
               second_match: int, *, taxonomy: Taxonomy | None = None,
               below_minimum: bool = False) -> list[PairRule]:
    """Swap the mentors of two proposed pairs and lock the two new pairs (checked as
    `lock_pair` checks a lock)."""
    current = _editable_round(session, actor, round_id)
    first, second = session.get(Match, first_match), session.get(Match, second_match)
    if first is None or second is None or {first.round_id, second.round_id} != {round_id}:
        raise NotFound(f"both matches must be pairs of round {round_id}")
    if first_match == second_match:
        raise InvalidInput("swap needs two different pairs", [
            RowError(0, "match", str(first_match), "the same pair twice")])
    if None in (first.mentor_id, first.mentee_id, second.mentor_id, second.mentee_id):
        raise Conflict("a pair of a deleted person cannot be swapped")
    if first.third_id is not None or second.third_id is not None:
        raise Conflict("a circle of three cannot be swapped: remove it instead")
    _no_such_lock(session, round_id, first.mentor_id, second.mentee_id)
    _no_such_lock(session, round_id, second.mentor_id, first.mentee_id)
    locks = [
        PairRule(kind="lock", round_id=round_id, first_id=first.mentor_id,
                 second_id=second.mentee_id, below_minimum=below_minimum),
        PairRule(kind="lock", round_id=round_id, first_id=second.mentor_id,
                 second_id=first.mentee_id, below_minimum=below_minimum),
    ]
    _add_checked_locks(session, current, locks, taxonomy)
    record_event(session, actor, "round.swap", "round", round_id,
                 matches=[first_match, second_match])
    return locks


def _add_checked_locks(session: Session, current: Round, new: list[PairRule],
                       taxonomy: Taxonomy | None) -> None:
    """Add new locks, refusing them (and leaving the session as it was) if they break the
    engine's rules or, unless kept on purpose, score below the round's minimum."""
    with session.begin_nested():  # a refused lock is taken back; the rest stays
        session.add_all(new)
        session.flush()
        _check_new_locks(session, current, new, taxonomy)


def _check_new_locks(session: Session, current: Round, new: list[PairRule],
                     taxonomy: Taxonomy | None) -> None:
    result = check_locks(session, current, taxonomy or load_taxonomy())
    minimum = engine_settings(current.mode, current.settings).min_score
    email = dict(session.execute(select(Person.id, Person.email).where(
        Person.id.in_({i for rule in new for i in (rule.first_id, rule.second_id)}))).all())
    score = {(pair.mentor, pair.mentee): pair.score for pair in result.pairs}
    low = [score[key] for rule in new
           if not rule.below_minimum
           and (key := (email[rule.first_id], email[rule.second_id])) in score
           and score[key] < minimum]
    if low:
        raise InvalidInput("a lock scores below the round's minimum", [
            RowError(0, "below_minimum", f"{value:.3f}",
                     f"this pair scores {value:.3f}, below the round's lowest score "
                     f"{minimum:g}: tick \u201ckeep it below the minimum\u201d to lock it anyway")
            for value in low])


def _no_such_lock(session: Session, round_id: int, first: int, second: int) -> None:
    if session.scalar(select(PairRule.id).where(
            PairRule.kind == "lock", PairRule.round_id == round_id,
            PairRule.first_id == first, PairRule.second_id == second)) is not None:
        raise Conflict("that pair is already locked in this round")


def unlock_pair(session: Session, actor: Actor | None, round_id: int, mentor: str,
                mentee: str) -> None:
    """Remove a lock from a round before publishing (for instance one that breaks a rule)."""
    _editable_round(session, actor, round_id)
    removed = session.execute(delete(PairRule).where(
        PairRule.kind == "lock", PairRule.round_id == round_id,
        PairRule.first_id == _person_id(session, mentor),
        PairRule.second_id == _person_id(session, mentee))).rowcount
    if not removed:
        raise NotFound(f"no lock of {mentor} and {mentee} in round {round_id}")
    record_event(session, actor, "round.unlock", "round", round_id)

"""Matching rounds: create, preview (compute and store proposed pairs), publish, close."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import asdict, replace
from datetime import UTC, datetime
from typing import Any

from marshmallow import ValidationError
from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from matching import (
    ENGINE_VERSION,
    InfeasibleLockError,
    MatchResult,
    MatchSettings,
    Mode,
    Profile,
    Role,
    ScoreWeights,
    Taxonomy,
    match_profiles,
)
from mentorship.core.audit import record_event
from mentorship.core.errors import Conflict, InvalidInput, NotFound, PermissionDenied, RowError
from mentorship.core.permissions import require_coordinator
from mentorship.people.models import Person
from mentorship.profiles.mapping import load_profiles
from mentorship.rounds.models import Match, MatchStatus, PairRule, Round, RoundStatus
from mentorship.rounds.settings import RoundSettingsSchema
from mentorship.rounds.snapshot import from_snapshot, snapshot_hash, to_snapshot

__all__ = [
    "close_round",
    "create_round",
    "decline_match",
    "get_round",
    "lock_pair",
    "preview_round",
    "publish_round",
    "remove_pair",
    "reproduce_round",
    "swap_pairs",
    "unlock_pair",
]

Progress = Callable[[str, float], None]
# Pairs are written in batches of this many rows (one multi-row INSERT each).
BATCH = 1000
LIVE = (MatchStatus.PROPOSED, MatchStatus.ACCEPTED, MatchStatus.ACTIVE)


def _get_round(session: Session, round_id: int) -> Round:
    found = session.get(Round, round_id)
    if found is None:
        raise NotFound(f"no round {round_id}")
    return found


def get_round(session: Session, actor: Person | None, round_id: int) -> Round:
    """Return a round for a coordinator to see."""
    require_coordinator(actor, "see matching rounds")
    return _get_round(session, round_id)


def create_round(
    session: Session, actor: Person | None, name: str, *, mode: str = "mentor",
    settings: dict[str, Any] | None = None,
) -> Round:
    """Create a draft round with its settings (weights, threshold, fairness, exclusions)."""
    require_coordinator(actor)
    raw = dict(settings or {})
    errors = []
    if mode not in {m.value for m in Mode}:
        errors.append(RowError(0, "mode", str(mode), "must be mentor or peer"))
    if not name.strip() or len(name.strip()) > 200:
        errors.append(RowError(0, "name", name[:80], "required, at most 200 characters"))
    try:
        settings = RoundSettingsSchema(mode=mode).load(raw)
    except ValidationError as error:
        for key, problems in sorted(error.normalized_messages().items()):
            reasons = ["unknown setting" if p == "Unknown field." else str(p) for p in problems]
            errors.append(RowError(0, key, str(raw.get(key, ""))[:80], "; ".join(reasons)))
    if not errors:
        try:  # whatever else the engine checks
            _match_settings(mode, settings)
        except ValueError as error:
            errors.append(RowError(0, "settings", json.dumps(raw), str(error)))
    if errors:
        raise InvalidInput("the round's settings are not valid", errors)
    new_round = Round(name=name.strip(), mode=mode, settings=settings,
                      created_by_id=actor.id if actor else None)
    session.add(new_round)
    session.flush()
    record_event(session, actor, "round.create", "round", new_round.id, settings=settings)
    return new_round


def _match_settings(mode: str, settings: dict[str, Any], **rules: Any) -> MatchSettings:
    return MatchSettings(
        mode=Mode(mode),
        weights=ScoreWeights(skill=float(settings.get("skill_weight", 0.8)),
                             text=float(settings.get("text_weight", 0.2))),
        min_score=float(settings.get("min_score", 0.0)),
        fair=bool(settings.get("fair", False)),
        allow_same_manager=bool(settings.get("allow_same_manager", False)),
        **rules,
    )


def _email_pairs(session: Session, rows) -> tuple[tuple[str, str], ...]:
    ids = {i for pair in rows for i in pair}
    email = dict(session.execute(select(Person.id, Person.email).where(Person.id.in_(ids))).all())
    return tuple((email[a], email[b]) for a, b in rows if a in email and b in email)


def preview_round(
    session: Session, actor: Person | None, round_id: int, *, taxonomy: Taxonomy,
    progress: Progress | None = None,
) -> Round:
    """Compute the round and store its proposed pairs, unmatched and diagnostics.

    Staff see nothing until it is published. Mentees with a live pair from an earlier round
    are not matched again, and their mentors' capacity counts it. Pairs of earlier rounds are
    not proposed again unless the round's settings allow repeats. Everything is written in the
    caller's one transaction: a crash leaves no partial round.
    """
    require_coordinator(actor)
    report = progress or (lambda stage, fraction: None)
    current = _get_round(session, round_id)
    if current.status not in (RoundStatus.DRAFT, RoundStatus.PREVIEWED, RoundStatus.FAILED):
        raise Conflict(f"round {round_id} is {current.status}; only a draft or previewed round "
                       "can be computed again")
    result, person_id, snapshot = _compute(session, current, taxonomy, report)
    store_preview(session, current, result, person_id, snapshot, report)
    record_event(session, actor, "round.preview", "round", round_id,
                 matched=len(result.pairs), input_hash=current.input_hash)
    return current


def store_preview(session: Session, current: Round, result, person_id: dict[str, int],
                  snapshot: dict[str, Any], report: Progress) -> None:
    """Replace a round's pairs and report with `result` and keep its input snapshot; flush."""
    round_id = current.id
    wanted = [p["id"] for p in snapshot["profiles"]]
    present = sum(
        len(session.scalars(select(Person.id).where(Person.email.in_(wanted[i:i + 1000]))).all())
        for i in range(0, len(wanted), 1000)
    )
    if present != len(wanted):  # someone was deleted while the engine ran: their data must go
        raise Conflict(f"round {round_id}: people were deleted while it was computed; run the "
                       "preview again")
    session.execute(delete(Match).where(Match.round_id == round_id,
                                        Match.status == MatchStatus.PROPOSED))
    rows = [
        {"round_id": round_id, "mentor_id": person_id[pair.mentor],
         "mentee_id": person_id[pair.mentee], "score": pair.score, "reasons": list(pair.reasons),
         "alternatives": [list(alt) for alt in pair.alternatives], "locked": pair.locked,
         "status": MatchStatus.PROPOSED}
        for pair in result.pairs
    ]
    for start in range(0, len(rows), BATCH):
        session.execute(Match.__table__.insert(), rows[start:start + BATCH])
        report("storing", 0.8 + 0.2 * min(1.0, (start + BATCH) / max(1, len(rows))))
    current.status = RoundStatus.PREVIEWED
    current.diagnostics = {"summary": result.summary,
                           "skills": [asdict(s) for s in result.skills]}
    current.unmatched = _explain_live_mentees(session, current, result, person_id, snapshot)
    current.input_snapshot = snapshot
    current.input_hash = snapshot_hash(snapshot)
    current.engine_version = ENGINE_VERSION
    current.failure_reason = ""
    current.progress_stage, current.progress_percent = "done", 100
    session.flush()
    session.expire(current, ["matches"])


def _explain_live_mentees(session: Session, current: Round, result, person_id: dict[str, int],
                          snapshot: dict[str, Any]) -> list[dict[str, Any]]:
    """The unmatched as stored, with mentees of live earlier pairs told apart.

    The engine sees such a mentee with no learning goals (they have a mentor already), so its
    reason would mislead; one who is not mentoring either gets the true reason instead.
    """
    live = set(session.scalars(
        select(Match.mentee_id).join(Round, Round.id == Match.round_id)
        .where(Round.id != current.id, Round.status == RoundStatus.PUBLISHED,
               Round.mode == Mode.MENTOR.value, Match.status.in_(LIVE),
               Match.mentor_id.is_not(None), Match.mentee_id.is_not(None))))
    mentoring = {p["id"] for p in snapshot["profiles"]
                 if p["role"] != Role.MENTEE.value and p["capacity"] > 0}
    entries = []
    for entry in result.unmatched:
        if person_id.get(entry.id) in live and entry.id not in mentoring:
            entries.append({"id": entry.id, "side": "mentee",
                            "reason": "already has a mentor: a live pair from an earlier round"})
        else:
            entries.append(asdict(entry))
    return entries


def _compute(session: Session, current: Round, taxonomy: Taxonomy, report: Progress,
             keep: list[tuple[int, int]] = ()):
    """Run the engine for a round on the database's pool; `keep` pairs are locked."""
    profiles, settings, person_id = round_inputs(session, current, keep)
    return (run_engine(profiles, settings, taxonomy, report), person_id,
            to_snapshot(profiles, settings))


def run_engine(profiles: list[Profile], settings: MatchSettings, taxonomy: Taxonomy,
               report: Progress):
    """Run the matching engine; a lock that breaks a rule becomes InvalidInput."""
    try:
        return match_profiles(profiles, taxonomy=taxonomy, settings=settings,
                              progress=lambda stage, f: report(stage, 0.8 * f))
    except InfeasibleLockError as error:
        raise InvalidInput("locked pairs break the rules", [
            RowError(0, "lock", "", reason) for _, reason in error.args[0]]) from error
    except ValueError as error:  # the pool does not fit the taxonomy given
        raise InvalidInput("the pool does not fit the taxonomy", [
            RowError(0, "taxonomy", taxonomy.source, str(error))]) from error


def round_inputs(session: Session, current: Round, keep=()):
    """Return what the engine needs for a round: profiles, settings and ids by email.

    `keep` are pairs of this round that stay as they are (a re-match after a decline): their
    mentees are taken out of the running and their mentors' capacity counts them, like live
    pairs of other rounds, rather than being locked and checked again.
    """
    round_id = current.id
    profiles, person_id = load_profiles(session)
    earlier = session.execute(
        select(Match.mentor_id, Match.mentee_id, Match.status, Round.status, Round.mode)
        .join(Round, Round.id == Match.round_id)
        .where(Round.id != round_id, Round.status.in_([RoundStatus.PUBLISHED, RoundStatus.CLOSED]),
               Match.mentor_id.is_not(None), Match.mentee_id.is_not(None))
    ).all()
    # A published round's pairs are live until they are declined or ended (or it closes).
    live = [(m, e) for m, e, status, round_status, mode in earlier
            if round_status == RoundStatus.PUBLISHED and status in LIVE
            and mode == Mode.MENTOR.value]
    if current.mode == Mode.MENTOR.value:
        profiles = _without_live_pairs(profiles, _email_pairs(session, live + list(keep)))
    rules = session.execute(
        select(PairRule.kind, PairRule.first_id, PairRule.second_id)
        .where((PairRule.round_id == round_id) | PairRule.round_id.is_(None))
    ).all()
    previous = () if current.settings.get("allow_repeat") else _email_pairs(
        session, [(m, e) for m, e, *_ in earlier])
    declined = session.execute(
        select(Match.mentor_id, Match.mentee_id)
        .where(Match.round_id == round_id, Match.status == MatchStatus.DECLINED,
               Match.mentor_id.is_not(None), Match.mentee_id.is_not(None))
    ).all()
    locks = [] if keep else [(a, b) for kind, a, b in rules if kind == "lock"]
    if keep and current.mode == Mode.PEER.value:
        # Peers have no capacity: kept peers simply leave the pool.
        kept_people = set(_email_pairs(session, list(keep)))
        gone = {p for pair in kept_people for p in pair}
        profiles = [p for p in profiles if p.id not in gone]
    settings = _match_settings(
        current.mode, current.settings,
        avoid=_email_pairs(session, [(a, b) for kind, a, b in rules if kind == "avoid"]
                           + [tuple(pair) for pair in declined]),
        previous=previous,
        locks=_email_pairs(session, list(dict.fromkeys(locks))),
    )
    return profiles, settings, person_id


def _without_live_pairs(profiles: list[Profile], live: tuple[tuple[str, str], ...]):
    """Take mentees with a live mentor out of the running and count that pair on the mentor."""
    load: dict[str, int] = {}
    taken = set()
    for mentor, mentee in live:
        load[mentor] = load.get(mentor, 0) + 1
        taken.add(mentee)
    adjusted = []
    for profile in profiles:
        changes: dict[str, Any] = {}
        if profile.id in taken:
            changes["learn"] = ()
        if profile.id in load:
            changes["capacity"] = max(0, profile.capacity - load[profile.id])
        adjusted.append(replace(profile, **changes) if changes else profile)
    return adjusted


def publish_round(session: Session, actor: Person | None, round_id: int) -> Round:
    """Publish a previewed round: all its pairs become visible at once.

    The status change is one conditional UPDATE, so of two coordinators publishing at once
    exactly one succeeds and the other gets a Conflict.
    """
    require_coordinator(actor)
    _get_round(session, round_id)
    changed = session.execute(
        update(Round)
        .where(Round.id == round_id, Round.status == RoundStatus.PREVIEWED)
        .values(status=RoundStatus.PUBLISHED, published_at=datetime.now(UTC),
                published_by_id=actor.id if actor else None, version=Round.version + 1)
        .execution_options(synchronize_session=False)
    ).rowcount
    if changed != 1:
        session.expire_all()
        status = session.get(Round, round_id).status
        raise Conflict(f"round {round_id} is {status}, not previewed: it cannot be published")
    session.expire_all()
    record_event(session, actor, "round.publish", "round", round_id)
    session.flush()
    return session.get(Round, round_id)


def close_round(session: Session, actor: Person | None, round_id: int) -> Round:
    """Close a published round: its live pairs end."""
    require_coordinator(actor)
    changed = session.execute(
        update(Round)
        .where(Round.id == round_id, Round.status == RoundStatus.PUBLISHED)
        .values(status=RoundStatus.CLOSED, closed_at=datetime.now(UTC),
                version=Round.version + 1)
        .execution_options(synchronize_session=False)
    ).rowcount
    if changed != 1:
        status = _get_round(session, round_id).status
        raise Conflict(f"round {round_id} is {status}, not published: it cannot be closed")
    session.execute(
        update(Match).where(Match.round_id == round_id, Match.status.in_(LIVE))
        .values(status=MatchStatus.ENDED).execution_options(synchronize_session=False)
    )
    session.expire_all()
    record_event(session, actor, "round.close", "round", round_id)
    session.flush()
    return session.get(Round, round_id)


def decline_match(
    session: Session, actor: Person | None, match_id: int, *, taxonomy: Taxonomy,
    reason: str = "",
) -> list[Match]:
    """Decline a pair (as its mentor or mentee) and re-match the people it frees.

    The declined pair is never proposed again in this round; every other pair of the round is
    kept exactly (locked), and the freed people get the best partners still available. Returns
    the new pairs.
    """
    match = session.get(Match, match_id)
    if match is None:
        raise NotFound(f"no match {match_id}")
    if actor is not None and actor.id not in (match.mentor_id, match.mentee_id) and not (
            actor.is_coordinator or actor.is_admin):
        raise PermissionDenied("only the mentor or the mentee of a pair can decline it")
    # Lock the round's row: declines, closes and publishes of one round go one at a time.
    current = session.get(Round, match.round_id, with_for_update=True, populate_existing=True)
    if current.status != RoundStatus.PUBLISHED:
        raise Conflict(f"round {current.id} is {current.status}: only published pairs can be "
                       "declined")
    changed = session.execute(
        update(Match).where(Match.id == match_id, Match.status.in_(
            [MatchStatus.PROPOSED, MatchStatus.ACCEPTED]))
        .values(status=MatchStatus.DECLINED, decline_reason=reason[:2000])
        .execution_options(synchronize_session=False)
    ).rowcount
    if changed != 1:
        session.refresh(match)
        raise Conflict(f"match {match_id} is {match.status} and cannot be declined")
    session.expire(match)
    keep = session.execute(
        select(Match.mentor_id, Match.mentee_id)
        .where(Match.round_id == current.id, Match.status.in_(LIVE),
               Match.mentor_id.is_not(None), Match.mentee_id.is_not(None))
    ).all()
    result, person_id, _ = _compute(session, current, taxonomy, lambda stage, f: None,
                                    keep=[tuple(pair) for pair in keep])
    new = []
    for pair in result.pairs:
        row = Match(round_id=current.id, mentor_id=person_id[pair.mentor],
                    mentee_id=person_id[pair.mentee], score=pair.score,
                    reasons=list(pair.reasons), alternatives=[list(a) for a in pair.alternatives],
                    status=MatchStatus.PROPOSED)
        session.add(row)
        new.append(row)
    current.unmatched = _unmatched_after_decline(current, match, keep, result, person_id)
    session.flush()
    record_event(session, actor, "match.decline", "match", match_id,
                 rematched=[m.id for m in new])
    return new


def _unmatched_after_decline(current: Round, declined: Match, keep, result,
                             person_id: dict[str, int]) -> list[dict[str, Any]]:
    """The round's unmatched list once a decline's re-match is in.

    People the re-match paired leave it; of the two people the decline freed, each one left
    with no pair at all joins it, with the engine's reason.
    """
    paired_now = {email for pair in result.pairs for email in (pair.mentor, pair.mentee)}
    still_paired = {person for pair in keep for person in pair}
    freed = {email for email, pid in person_id.items()
             if pid in (declined.mentor_id, declined.mentee_id)}
    entries = [entry for entry in current.unmatched or []
               if entry["id"] not in paired_now and entry["id"] not in freed]
    entries += [asdict(entry) for entry in result.unmatched
                if entry.id in freed and entry.id not in paired_now
                and person_id[entry.id] not in still_paired]
    return entries


def _editable_round(session: Session, actor: Person | None, round_id: int) -> Round:
    require_coordinator(actor)
    current = _get_round(session, round_id)
    if current.status not in (RoundStatus.DRAFT, RoundStatus.PREVIEWED):
        raise Conflict(f"round {round_id} is {current.status}; pairs can only be adjusted "
                       "before publishing")
    return current


def _person_id(session: Session, email: str) -> int:
    found = session.scalar(select(Person.id).where(Person.email == email.strip().casefold()))
    if found is None:
        raise NotFound(f"no person with email {email!r}")
    return found


def lock_pair(session: Session, actor: Person | None, round_id: int, mentor: str,
              mentee: str) -> PairRule:
    """Lock a pair into a round before publishing; the next preview keeps it exactly."""
    _editable_round(session, actor, round_id)
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
    rule = PairRule(kind="lock", round_id=round_id, first_id=first, second_id=second)
    session.add(rule)
    session.flush()
    record_event(session, actor, "round.lock", "round", round_id, rule=rule.id)
    return rule


def remove_pair(session: Session, actor: Person | None, round_id: int, match_id: int) -> PairRule:
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


def swap_pairs(session: Session, actor: Person | None, round_id: int, first_match: int,
               second_match: int) -> list[PairRule]:
    """Swap the mentors of two proposed pairs and lock the two new pairs."""
    _editable_round(session, actor, round_id)
    first, second = session.get(Match, first_match), session.get(Match, second_match)
    if first is None or second is None or {first.round_id, second.round_id} != {round_id}:
        raise NotFound(f"both matches must be pairs of round {round_id}")
    if first_match == second_match:
        raise InvalidInput("swap needs two different pairs", [
            RowError(0, "match", str(first_match), "the same pair twice")])
    if None in (first.mentor_id, first.mentee_id, second.mentor_id, second.mentee_id):
        raise Conflict("a pair of a deleted person cannot be swapped")
    _no_such_lock(session, round_id, first.mentor_id, second.mentee_id)
    _no_such_lock(session, round_id, second.mentor_id, first.mentee_id)
    locks = [
        PairRule(kind="lock", round_id=round_id, first_id=first.mentor_id,
                 second_id=second.mentee_id),
        PairRule(kind="lock", round_id=round_id, first_id=second.mentor_id,
                 second_id=first.mentee_id),
    ]
    session.add_all(locks)
    session.flush()
    record_event(session, actor, "round.swap", "round", round_id,
                 matches=[first_match, second_match])
    return locks


def reproduce_round(session: Session, actor: Person | None, round_id: int, *,
                    taxonomy: Taxonomy) -> MatchResult:
    """Run a previewed round again from its stored input snapshot; return the engine's result.

    Whatever has changed in the database since, the result is the one the round computed
    (same engine version and taxonomy). Raises Conflict if the snapshot no longer matches its
    hash or the round was never computed.
    """
    require_coordinator(actor)
    current = _get_round(session, round_id)
    if not current.input_snapshot:
        raise Conflict(f"round {round_id} has not been computed yet")
    if snapshot_hash(current.input_snapshot) != current.input_hash:
        raise Conflict(f"round {round_id}'s stored input no longer matches its hash: a person "
                       "was deleted since, so the round cannot be reproduced exactly")
    profiles, settings = from_snapshot(current.input_snapshot)
    return run_engine(profiles, settings, taxonomy, lambda stage, f: None)


def _no_such_lock(session: Session, round_id: int, first: int, second: int) -> None:
    if session.scalar(select(PairRule.id).where(
            PairRule.kind == "lock", PairRule.round_id == round_id,
            PairRule.first_id == first, PairRule.second_id == second)) is not None:
        raise Conflict("that pair is already locked in this round")


def unlock_pair(session: Session, actor: Person | None, round_id: int, mentor: str,
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

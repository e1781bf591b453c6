"""The one engine call of a round, and the reading and storing around it.

`compute_round` (in `mentorship.rounds.compute`, without the database; re-exported here) is
the only place the engine runs: a synchronous preview, the background job, a decline's
re-match, reproducing a round and the offline `mentorship match` all call it.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, replace
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from matching import (
    ENGINE_VERSION,
    MatchResult,
    MatchSettings,
    Mode,
    Profile,
    Role,
    Taxonomy,
)
from matching.profiles import DEFAULT_TEACH_LEVEL
from mentorship.core.audit import record_event
from mentorship.core.collector import paused_gc
from mentorship.core.db import batches, insert_rows
from mentorship.core.errors import Conflict
from mentorship.core.models import utc_now
from mentorship.core.permissions import Actor
from mentorship.people.models import Person
from mentorship.profiles.mapping import load_profiles
from mentorship.profiles.models import Profile as ProfileRow
from mentorship.profiles.models import ProfileSkill
from mentorship.rounds.compute import Progress, compute_round
from mentorship.rounds.invariants import choice_holds
from mentorship.rounds.models import (
    LIVE_STATUSES,
    Match,
    MatchStatus,
    PairRule,
    Round,
    RoundStatus,
    member_pairs,
)
from mentorship.rounds.queries import round_of_actor
from mentorship.rounds.reasons import stored_entry, stored_reasons
from mentorship.rounds.settings import engine_settings
from mentorship.rounds.snapshot import (
    encoded_snapshot,
    from_snapshot,
    snapshot_hash,
    snapshot_matches,
    to_snapshot,
)
from mentorship.taxonomy.sync import sync_replacements

__all__ = [
    "Progress",
    "RoundInputs",
    "check_locks",
    "compute_round",
    "engine_part",
    "preview_round",
    "read_rematch_inputs",
    "read_round_inputs",
    "refuse_choice_before_its_window",
    "rematch_round",
    "reproduce_round",
    "store_preview",
    "store_rematch_pairs",
]

# The engine's share of a preview's progress bar; storing the pairs is the rest.
ENGINE_SHARE = 0.8
# Pairs written at a time when a preview is stored: few statements, and progress to report.
STORE_BATCH = 5000
# Rounds whose pairs earlier rounds must respect.
DONE = (RoundStatus.PUBLISHED, RoundStatus.CLOSED)
PREVIEWABLE = (RoundStatus.DRAFT, RoundStatus.PREVIEWED, RoundStatus.FAILED)


def _quiet(stage: str, fraction: float) -> None:
    """A progress callback that reports nowhere."""


def engine_part(progress: Progress | None) -> Progress:
    """Return a callback for the engine that reports to `progress` as the first part of a
    preview (storing the pairs is the rest)."""
    report = progress or _quiet
    return lambda stage, fraction: report(stage, ENGINE_SHARE * fraction)


@dataclass(frozen=True)
class RoundInputs:
    """What the engine is given for a round, with the database id of each person by email."""

    profiles: list[Profile]
    settings: MatchSettings
    person_id: dict[str, int]

    def snapshot(self) -> dict[str, Any]:
        """The inputs as the JSON the round keeps to be reproduced."""
        return to_snapshot(self.profiles, self.settings)


def _email_pairs(session: Session, rows, known: dict[int, str] | None = None,
                 ) -> tuple[tuple[str, str], ...]:
    """The pairs of person ids `rows` by email (a pair with someone deleted left out).

    `known` are emails already read by id (the pool's): only the others are asked for, in
    IN lists of bounded size.
    """
    known = known or {}
    missing = sorted({i for pair in rows for i in pair if i not in known})
    email = dict(known)
    if missing:
        session.flush()
        for chunk in batches(missing):
            email.update(session.connection().execute(
                select(Person.id, Person.email).where(Person.id.in_(chunk))).all())
    return tuple((email[a], email[b]) for a, b in rows if a in email and b in email)


@paused_gc()  # a pool's rows are many small objects
def read_round_inputs(session: Session, current: Round,
                      keep: Sequence[tuple[int, int]] = (), *,
                      freed: tuple[int | None, int | None] | None = None,
                      people: set[int] | None = None) -> RoundInputs:
    """Return what the engine needs for a round: the profiles of its programme's enrolled
    active people, settings and ids by email.

    `keep` are pairs of this round that stay as they are (a re-match after a decline): their
    mentees are taken out of the running and their mentors' capacity counts them, like live
    pairs of other rounds, rather than being locked and checked again. With `freed` (the mentor
    and mentee of a declined pair), only the people a re-match around them can pair are read
    (`_open_around`), with their managers for the rules. With `people`, only they and their
    managers are read (checking locks).
    """
    # Plain rows through the connection from here (no ORM result layer), so pending changes
    # are written first, as a query of the session would.
    session.flush()
    round_id = current.id
    earlier = [(a, b, status, round_status, mode) for mentor, mentee, third, status,
               round_status, mode in session.connection().execute(
        select(Match.mentor_id, Match.mentee_id, Match.third_id, Match.status, Round.status,
               Round.mode)
        .join(Round, Round.id == Match.round_id)
        .where(Round.id != round_id, Round.status.in_(DONE),
               Match.mentor_id.is_not(None), Match.mentee_id.is_not(None))
    ).all() for a, b in member_pairs(mentor, mentee, third)]
    # A published round's pairs are live until they are declined or ended (or it closes).
    live = [(m, e) for m, e, status, round_status, mode in earlier
            if round_status == RoundStatus.PUBLISHED and status in LIVE_STATUSES
            and mode == Mode.MENTOR.value]
    # Another choice round's requests and accepted pairs hold their places like live pairs.
    live += [(m, e) for m, e, _ in choice_holds(session, round_id)]
    held = live + list(keep) if current.mode == Mode.MENTOR.value else list(keep)
    chooser = None
    if freed is not None:
        chooser = _Chooser(_open_around(session, held, freed, peer=current.mode == Mode.PEER.value))
    elif people is not None:
        chooser = _Chooser(lambda rows: set(people))
    profiles, person_id, outside_managers = load_profiles(
        session, only=chooser, programme_id=current.programme_id)
    email_of = {pid: email for email, pid in person_id.items()}
    if current.mode == Mode.MENTOR.value:
        profiles = _without_live_pairs(profiles, _email_pairs(session, live + list(keep), email_of))
    if chooser is not None:  # the managers read for the rules take no part themselves
        profiles = [p if person_id[p.id] in chooser.participants else _bystander(p)
                    for p in profiles]
    rules = session.connection().execute(
        select(PairRule.kind, PairRule.first_id, PairRule.second_id)
        .where((PairRule.round_id == round_id) | PairRule.round_id.is_(None))
    ).all()
    previous = () if current.settings.get("allow_repeat") else _email_pairs(
        session, [(m, e) for m, e, *_ in earlier], email_of)
    # A declined circle keeps any two of its people apart for the rest of the round.
    # (A choice round's request that lapsed unanswered was declined by nobody: no rule.)
    declined = [pair for row in session.connection().execute(
        select(Match.mentor_id, Match.mentee_id, Match.third_id)
        .where(Match.round_id == round_id, Match.status == MatchStatus.DECLINED,
               Match.end_reason == "",
               Match.mentor_id.is_not(None), Match.mentee_id.is_not(None))
    ).all() for pair in member_pairs(*row)]
    locks = [] if keep else [(a, b) for kind, a, b in rules if kind == "lock"]
    if keep and current.mode == Mode.PEER.value:
        # Peers have no capacity: kept peers simply leave the pool.
        gone = {p for pair in _email_pairs(session, list(keep), email_of) for p in pair}
        profiles = [p for p in profiles if p.id not in gone]
    settings = engine_settings(
        current.mode, current.settings,
        avoid=_email_pairs(session, [(a, b) for kind, a, b in rules if kind == "avoid"]
                           + [tuple(pair) for pair in declined], email_of),
        previous=previous,
        locks=_email_pairs(session, list(dict.fromkeys(locks)), email_of),
        outside_managers=outside_managers,
    )
    return RoundInputs(profiles, settings, person_id)


class _Chooser:
    """Picks, from the person rows `load_profiles` reads first, whom a partial read takes part
    (`participants`), and loads every manager above them too, for the management-chain rule."""

    def __init__(self, pick: Callable[[list[Any]], set[int]]) -> None:
        self.pick = pick
        self.participants: set[int] = set()

    def __call__(self, rows) -> set[int]:
        self.participants = self.pick(rows)
        manager_of = {row.id: row.manager_id for row in rows}
        chosen = set(self.participants)
        for person in self.participants:
            above = manager_of.get(person)
            while above is not None and above not in chosen:  # a cycle ends at a repeat
                chosen.add(above)
                above = manager_of.get(above)
        return chosen


def _bystander(profile: Profile) -> Profile:
    """A person in the pool for the manager rules only: seeking nothing, offering nothing.

    They keep their own manager (read too, see `_Chooser`), so the chain above a participant
    runs through them.
    """
    return replace(profile, learn=(), capacity=0)


def _open_around(session: Session, held: Sequence[tuple[int, int]],
                 freed: tuple[int | None, int | None], *, peer: bool):
    """Whom a re-match after a decline can pair, from the person rows.

    Mentor mode: the freed mentee and the mentors with a place left who teach what they want;
    the freed mentor and the waiting mentees who want what they teach (and the mentors with a
    place who teach those). Peer mode: everyone not in a held pair. Nobody a held pair keeps is
    read, and neither is a mentor who teaches none of what the seekers want.
    """
    taken = {person for pair in held for person in pair} if peer else {e for _, e in held}
    load = Counter(mentor for mentor, _ in held)

    def pick(rows) -> set[int]:
        if peer:
            return {row.id for row in rows if row.id not in taken}
        spare = {row.id for row in rows if str(row.role) != Role.MENTEE.value
                 and row.capacity > load[row.id]}
        waiting = {row.id for row in rows
                   if row.id not in taken and str(row.role) != Role.MENTOR.value}
        mentor, mentee = freed
        seekers = {mentee} & waiting
        offerers = {mentor} & spare
        seekers |= waiting & _learners_of(session, _taught_by(session, offerers))
        offerers |= spare & _teachers_of(session, _wanted_by(session, seekers))
        return seekers | offerers

    return pick


def _in_batches(session: Session, query, column, ids: set) -> set:
    """The rows of `query` for every value of `column` in `ids`, in IN lists of bounded size."""
    found: set = set()
    session.flush()
    for chunk in batches(sorted(ids)):
        found.update(session.connection().scalars(query.where(column.in_(chunk))))
    return found


def _wanted_by(session: Session, people: set[int]) -> set[str]:
    """The skills these people want to learn."""
    query = select(ProfileSkill.skill_id).where(ProfileSkill.learn_rank.is_not(None)).distinct()
    return _in_batches(session, query, ProfileSkill.person_id, people)


def _taught_by(session: Session, people: set[int]) -> set[str]:
    """The skills these people offer to teach (flagged, or rated proficient or better)."""
    query = (select(ProfileSkill.skill_id).join(ProfileRow, ProfileRow.person_id
                                                == ProfileSkill.person_id)
             .where(_offers()).distinct())
    return _in_batches(session, query, ProfileSkill.person_id, people)


def _teachers_of(session: Session, skills: set[str]) -> set[int]:
    """The people who offer to teach any of these skills."""
    query = (select(ProfileSkill.person_id).join(ProfileRow, ProfileRow.person_id
                                                 == ProfileSkill.person_id)
             .where(_offers()).distinct())
    return _in_batches(session, query, ProfileSkill.skill_id, skills)


def _learners_of(session: Session, skills: set[str]) -> set[int]:
    """The people who want to learn any of these skills."""
    query = select(ProfileSkill.person_id).where(ProfileSkill.learn_rank.is_not(None)).distinct()
    return _in_batches(session, query, ProfileSkill.skill_id, skills)


def _offers():
    """A skill row its person offers to teach: flagged, or (with no explicit offer) rated at
    the engine's teaching level or better."""
    return (ProfileSkill.teaches.is_(True)
            | (ProfileRow.teach_explicit.is_(False) & (ProfileSkill.level >= DEFAULT_TEACH_LEVEL)))


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


def preview_round(
    session: Session, actor: Actor | None, round_id: int, *, taxonomy: Taxonomy,
    progress: Progress | None = None,
) -> Round:
    """Compute the round and store its proposed pairs, unmatched and diagnostics, in place.

    Staff see nothing until it is published. Mentees with a live pair from an earlier round
    are not matched again, and their mentors' capacity counts it. Pairs of earlier rounds are
    not proposed again unless the round's settings allow repeats. Everything is written in the
    caller's one transaction: a crash leaves no partial round. (`mentorship.rounds.jobs` runs
    the same steps with the engine outside any transaction.)
    """
    current = round_of_actor(session, actor, round_id)
    if current.status not in PREVIEWABLE:
        raise Conflict(f"round {round_id} is {current.status}; only a draft or previewed round "
                       "can be computed again")
    refuse_choice_before_its_window(current)
    # A successor taxonomy is loaded before the profiles are read, so that the skills it
    # replaces are handed over (a preview right after an upgrade must not fail on them).
    sync_replacements(session, actor, taxonomy)
    inputs = read_round_inputs(session, current)
    result = compute_round(inputs.profiles, inputs.settings, taxonomy, engine_part(progress))
    store_preview(session, actor, current, inputs, result, progress)
    return current


def refuse_choice_before_its_window(current: Round) -> None:
    """Raise Conflict for a choice round whose window has not run: mentees choose first
    (`mentorship.rounds.choice`), and closing the window runs the preview."""
    if (current.settings or {}).get("selection") == "choice" and current.choice_closed_at is None:
        raise Conflict(f"round {current.id} lets mentees choose first: open its choice window; "
                       "closing it runs the preview")


@paused_gc()  # a round's rows are many small objects
def store_preview(session: Session, actor: Actor | None, current: Round, inputs: RoundInputs,
                  result: MatchResult, progress: Progress | None = None) -> None:
    """Replace a round's pairs and report with `result`, keep its input snapshot, audit; flush."""
    report = progress or _quiet
    round_id = current.id
    # Encoded once: the same text is hashed and stored.
    snapshot = encoded_snapshot(inputs.snapshot())
    wanted = {inputs.person_id[p["id"]] for p in snapshot["profiles"]}
    session.flush()  # plain rows through the connection below: pending changes first
    connection = session.connection()
    # Every id, in one query without parameters: cheaper than asking for 10,000 by name.
    if not wanted <= set(connection.scalars(select(Person.id))):
        # someone was deleted while the engine ran: their data must go
        raise Conflict(f"round {round_id}: people were deleted while it was computed; run the "
                       "preview again")
    session.execute(delete(Match).where(Match.round_id == round_id,
                                        Match.status == MatchStatus.PROPOSED))
    # A choice round's accepted pairs stand as they are (the engine kept them as locks).
    accepted = set(connection.execute(select(Match.mentor_id, Match.mentee_id).where(
        Match.round_id == round_id, Match.status == MatchStatus.ACCEPTED)).all())
    # One time for the whole insert: the rows are written together (no default per row).
    now = utc_now()
    shared = {"round_id": round_id, "status": MatchStatus.PROPOSED, "created_at": now,
              "updated_at": now}
    rows = [_match_values(pair, inputs) for pair in result.pairs
            if (inputs.person_id[pair.mentor], inputs.person_id[pair.mentee]) not in accepted]
    stored = 0
    for batch in batches(rows, STORE_BATCH):
        # COPY or one executemany of tuples: no ORM objects, no flush or dict per row.
        insert_rows(connection, Match.__table__, batch, shared)
        stored += len(batch)
        report("storing", ENGINE_SHARE + (1 - ENGINE_SHARE) * stored / len(rows))
    current.status = RoundStatus.PREVIEWED
    current.unmatched, elsewhere = _unmatched_here(session, current, result, inputs.person_id,
                                                   snapshot)
    current.diagnostics = {"summary": {**result.summary,
                                       **({"mentored_elsewhere": elsewhere} if elsewhere else {})},
                           "skills": [asdict(s) for s in result.skills]}
    current.input_snapshot = snapshot
    current.input_hash = snapshot_hash(snapshot)
    current.engine_version = ENGINE_VERSION
    current.failure_reason = ""
    current.progress_stage, current.progress_percent = "done", 100
    session.flush()
    session.expire(current, ["matches"])
    record_event(session, actor, "round.preview", "round", round_id,
                 matched=len(result.pairs), input_hash=current.input_hash)


def _match_values(pair, inputs: RoundInputs) -> dict[str, Any]:
    """The column values of a Match row for one of the engine's pairs (or circles)."""
    return {"mentor_id": inputs.person_id[pair.mentor], "mentee_id": inputs.person_id[pair.mentee],
            "third_id": inputs.person_id[pair.third] if pair.third is not None else None,
            "score": pair.score, "reasons": stored_reasons(pair.reasons, inputs.person_id),
            "alternatives": [list(alt) for alt in pair.alternatives], "locked": pair.locked}


def _unmatched_here(session: Session, current: Round, result, person_id: dict[str, int],
                    snapshot: dict[str, Any]) -> tuple[list[dict[str, Any]], int]:
    """The unmatched as stored, without the mentees who have a mentor elsewhere; and how many
    such mentees were left out.

    A mentee with a live pair of a published round, or held by another choice round (an
    accepted pair or a request waiting for its answer), is not matched again, whether the
    round is previewed or filled after its choice window: nobody is missing a pair, so the
    list of this round's unmatched does not name them. One who is also mentoring keeps the
    engine's entry for that side. (A peer round takes everyone in, mentored or not.)
    """
    if current.mode != Mode.MENTOR.value:
        return [stored_entry(entry, person_id) for entry in result.unmatched], 0
    session.flush()
    live = set(session.connection().scalars(
        select(Match.mentee_id).join(Round, Round.id == Match.round_id)
        .where(Round.id != current.id, Round.status == RoundStatus.PUBLISHED,
               Round.mode == Mode.MENTOR.value, Match.status.in_(LIVE_STATUSES),
               Match.mentor_id.is_not(None), Match.mentee_id.is_not(None))))
    live |= {mentee for _, mentee, _ in choice_holds(session, current.id)}
    mentoring = {p["id"] for p in snapshot["profiles"]
                 if p["role"] != Role.MENTEE.value and p["capacity"] > 0}
    entries = [stored_entry(entry, person_id) for entry in result.unmatched
               if person_id.get(entry.id) not in live or entry.id in mentoring]
    return entries, len(result.unmatched) - len(entries)


def rematch_round(session: Session, current: Round, taxonomy: Taxonomy,
                  keep: Sequence[tuple[int, int]], freed: tuple[int | None, int | None],
                  ) -> tuple[MatchResult, dict[str, int], list[Match]]:
    """Match the people of a published round whom no `keep` pair holds; add their new pairs.

    `freed` are the mentor and mentee of the declined pair. Only they, and those they can be
    paired with around the places left, are read and matched (the sub-problem, solved
    exactly), so a decline in a large round costs little.

    Returns the engine's result, the ids of people by email and the new (flushed) Match rows.
    """
    inputs = read_rematch_inputs(session, current, taxonomy, keep, freed)
    result = compute_round(inputs.profiles, inputs.settings, taxonomy)
    return result, inputs.person_id, store_rematch_pairs(session, current, inputs, result)


def read_rematch_inputs(session: Session, current: Round, taxonomy: Taxonomy,
                        keep: Sequence[tuple[int, int]],
                        freed: tuple[int | None, int | None]) -> RoundInputs:
    """Read what a re-match after a decline gives the engine (see `rematch_round`)."""
    sync_replacements(session, None, taxonomy)  # a successor taxonomy hands its rows over
    return read_round_inputs(session, current, keep, freed=freed)


def store_rematch_pairs(session: Session, current: Round, inputs: RoundInputs,
                        result: MatchResult) -> list[Match]:
    """Add a re-match's pairs to its round as proposed; return the new (flushed) rows."""
    new = [Match(round_id=current.id, status=MatchStatus.PROPOSED,
                 **{**_match_values(pair, inputs), "locked": False})
           for pair in result.pairs]
    session.add_all(new)
    session.flush()
    return new


def check_locks(session: Session, current: Round, taxonomy: Taxonomy) -> MatchResult:
    """Check a round's locks with the engine's own rules, as the next preview will; return the
    engine's result for the locked people (their pairs and scores).

    Only the locked people (and their managers, for the rules) are read and matched, so a
    lock is checked when it is made, in a moment, whatever the pool's size. Raises
    InvalidInput naming each lock that breaks a rule.
    """
    locked = session.execute(select(PairRule.first_id, PairRule.second_id).where(
        PairRule.round_id == current.id, PairRule.kind == "lock")).all()
    people = {person for pair in locked for person in pair}
    sync_replacements(session, None, taxonomy)  # a successor taxonomy hands its rows over
    inputs = read_round_inputs(session, current, people=people)
    return compute_round(inputs.profiles, inputs.settings, taxonomy)


def reproduce_round(session: Session, actor: Actor | None, round_id: int, *,
                    taxonomy: Taxonomy) -> MatchResult:
    """Run a previewed round again from its stored input snapshot; return the engine's result.

    Whatever has changed in the database since, the result is the one the round computed
    (same engine version and taxonomy). Raises Conflict if the snapshot no longer matches its
    hash or the round was never computed.
    """
    current = round_of_actor(session, actor, round_id)
    if not current.input_snapshot:
        raise Conflict(f"round {round_id} has not been computed yet")
    if not snapshot_matches(current.input_snapshot, current.input_hash):
        raise Conflict(f"round {round_id}'s stored input no longer matches its hash: a person "
                       "was deleted since, so the round cannot be reproduced exactly")
    profiles, settings = from_snapshot(current.input_snapshot)
    return compute_round(profiles, settings, taxonomy)

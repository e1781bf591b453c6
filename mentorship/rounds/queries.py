"""What a coordinator reviews before publishing: pairs by page, the unmatched, and charts."""

from __future__ import annotations

import csv
import io
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import case, func, or_, select
from sqlalchemy.orm import Session, aliased, joinedload, undefer

from matching import Taxonomy
from mentorship.core.errors import NotFound
from mentorship.core.paging import PAGE_SIZE, Page, like_pattern, page_bounds
from mentorship.core.permissions import Actor, require_coordinator
from mentorship.core.spreadsheet import spreadsheet_safe
from mentorship.people.models import Person
from mentorship.profiles.models import Profile
from mentorship.programmes.access import require_programme, visible_programme_ids
from mentorship.programmes.models import Enrolment
from mentorship.rounds.liveness import lost_queued_jobs, queued_job, stalled_job
from mentorship.rounds.models import Match, MatchStatus, PairRule, Round
from mentorship.rounds.reasons import explain_entries, explain_reasons
from mentorship.rounds.report import reason_codes_cell

__all__ = [
    "Bar",
    "PairRow",
    "RoundCharts",
    "RoundCounts",
    "RoundProgress",
    "find_round",
    "get_round",
    "list_rounds",
    "locks_of",
    "pairs_csv",
    "round_charts",
    "round_counts",
    "round_of_actor",
    "round_pairs",
    "round_progress",
    "round_unmatched",
    "settings_text",
    "unmatched_people",
]

SCORE_BUCKETS = 10
TOP_SKILLS = 15


@dataclass(frozen=True)
class PairRow:
    """One pair as the review table shows it."""

    match: Match
    mentor: Person | None
    mentee: Person | None
    locked: bool
    # The mentee's next best mentors: (person, or None if deleted since; email; score).
    alternatives: tuple[tuple[Person | None, str, float], ...] = ()
    # A peer circle's third member (mentor teaches mentee teaches third teaches mentor).
    third: Person | None = None
    # The reasons as shown: code, parameters and text (see mentorship.rounds.reasons).
    reasons: tuple[dict[str, Any], ...] = ()

    @property
    def is_circle(self) -> bool:
        """Whether the row is a peer circle of three rather than a pair."""
        return self.match.third_id is not None or self.third is not None

    @property
    def close_call(self) -> dict[str, Any] | None:
        """The pair's close-call reason, if another mentor fits within the margin."""
        return next((r for r in self.reasons if r["code"] == "close_call"), None)


@dataclass(frozen=True)
class Bar:
    """One bar of a chart, and its row in the data table beside it."""

    label: str
    value: float
    second: float = 0.0   # a second series (supply beside demand), when the chart has one


@dataclass(frozen=True)
class RoundProgress:
    """How far a round's preview job has got, for a progress bar that polls."""

    status: str
    stage: str
    percent: int
    stalled: bool          # running, but its job stopped reporting: it can be run again
    failure_reason: str


@dataclass(frozen=True)
class RoundCharts:
    """The three charts of a round's review."""

    scores: list[Bar]          # pairs per score band
    mentor_load: list[Bar]     # mentors by number of mentees
    skills: list[Bar]          # demand (value) and supply (second) of the most wanted skills


@dataclass(frozen=True)
class RoundCounts:
    """What publishing or closing a round touches, for the page that asks to confirm it."""

    round: Round
    pairs: int        # pairs not declined (proposed before publishing, live after)
    mentees: int
    mentors: int


def find_round(session: Session, round_id: int) -> Round:
    """Return a round by id, or raise NotFound (no permission check: services check first)."""
    found = session.get(Round, round_id)
    if found is None:
        raise NotFound(f"no round {round_id}")
    return found


def round_of_actor(session: Session, actor: Actor | None, round_id: int) -> Round:
    """Return a round the actor may act on: a coordinator of its programme (or of every one)."""
    require_coordinator(actor)
    found = find_round(session, round_id)
    require_programme(session, actor, found.programme_id)
    return found


def get_round(session: Session, actor: Actor | None, round_id: int, *,
              with_report: bool = False) -> Round:
    """Return a round for a coordinator of its programme to see; `with_report` loads its
    diagnostics and unmatched list in the same query (they are deferred: large, and read by
    the review only)."""
    require_coordinator(actor, "see matching rounds")
    if not with_report:
        found = find_round(session, round_id)
    else:
        found = session.get(Round, round_id, options=[undefer(Round.diagnostics),
                                                      undefer(Round.unmatched),
                                                      joinedload(Round.programme)])
        if found is None:
            raise NotFound(f"no round {round_id}")
    require_programme(session, actor, found.programme_id)
    return found


def list_rounds(session: Session, actor: Actor | None, *,
                programme_id: int | None = None) -> list[tuple[Round, int]]:
    """The rounds the actor may see (of one programme if given), newest first, with their
    number of pairs that were not declined."""
    require_coordinator(actor, "see matching rounds")
    pairs = (select(Match.round_id, func.count().label("pairs"))
             .where(Match.status != MatchStatus.DECLINED).group_by(Match.round_id).subquery())
    query = (select(Round, pairs.c.pairs).outerjoin(pairs, pairs.c.round_id == Round.id)
             .options(joinedload(Round.programme)))
    if programme_id is not None:
        require_programme(session, actor, programme_id)
        query = query.where(Round.programme_id == programme_id)
    visible = visible_programme_ids(session, actor)
    if visible is not None:
        query = query.where(Round.programme_id.in_(visible))
    return [(r, n or 0) for r, n in session.execute(
        query.order_by(Round.created_at.desc(), Round.id.desc())).all()]


def round_pairs(session: Session, actor: Actor | None, round_id: int, *, page: int = 1,
                size: int = PAGE_SIZE, text: str = "", taxonomy: Taxonomy | None = None) -> Page:
    """One page of a round's pairs (declined ones excluded), best score first, with their
    reasons shown (skills named by `taxonomy`, people by their current names)."""
    current = get_round(session, actor, round_id)
    mentor, mentee, third = aliased(Person), aliased(Person), aliased(Person)
    # First the page's match ids (joining people only to search them), then those 50 rows with
    # their people: joining every pair of a large round only to keep 50 costs tens of ms.
    chosen = select(Match.id).where(Match.round_id == current.id,
                                    Match.status != MatchStatus.DECLINED)
    if text.strip():
        pattern = like_pattern(text)
        chosen = (chosen.outerjoin(mentor, Match.mentor_id == mentor.id)
                  .outerjoin(mentee, Match.mentee_id == mentee.id)
                  .outerjoin(third, Match.third_id == third.id)
                  .where(or_(*(column.like(pattern, escape="\\") for column in (
                      func.lower(mentor.name), mentor.email, func.lower(mentee.name),
                      mentee.email, func.lower(third.name), third.email)))))
    total = session.scalar(select(func.count()).select_from(chosen.subquery()))
    page, size = page_bounds(page, size)
    ids = session.scalars(chosen.order_by(Match.score.desc(), Match.id)
                          .offset((page - 1) * size).limit(size)).all()
    rows = session.execute(
        select(Match, mentor, mentee, third)
        .outerjoin(mentor, Match.mentor_id == mentor.id)
        .outerjoin(mentee, Match.mentee_id == mentee.id)
        .outerjoin(third, Match.third_id == third.id)
        .where(Match.id.in_(ids)).order_by(Match.score.desc(), Match.id)).all()
    locks = {(a, b) for a, b in session.execute(
        select(PairRule.first_id, PairRule.second_id)
        .where(PairRule.round_id == current.id, PairRule.kind == "lock"))}
    named = {p.email: p for p in session.scalars(select(Person).where(Person.email.in_(
        {alt[0] for m, *_ in rows for alt in m.alternatives or ()})))}
    shown = explain_reasons(session, [m.reasons for m, *_ in rows], taxonomy)
    items = [PairRow(m, a, b, m.locked or (m.mentor_id, m.mentee_id) in locks,
                     tuple((named.get(email), email, score) for email, score in m.alternatives or ()),
                     third=c, reasons=tuple(reasons))
             for (m, a, b, c), reasons in zip(rows, shown, strict=True)]
    return Page(items, page, size, total)


def unmatched_people(session: Session, actor: Actor | None, round_id: int, *, page: int = 1,
                     size: int = PAGE_SIZE, taxonomy: Taxonomy | None = None) -> Page:
    """One page of the round's unmatched: (person or None, email, side, reason, details), the
    reason and details as shown (code, parameters and text)."""
    current = get_round(session, actor, round_id)
    entries = current.unmatched or []
    page, size = page_bounds(page, size)
    chosen = entries[(page - 1) * size:page * size]
    people = {p.email: p for p in session.scalars(
        select(Person).where(Person.email.in_([e["id"] for e in chosen])))}
    shown = explain_entries(session, chosen, taxonomy)
    items = [(people.get(e["id"]), e["id"], e.get("side", ""), why, details)
             for e, (why, details) in zip(chosen, shown, strict=True)]
    return Page(items, page, size, len(entries))


def round_unmatched(session: Session, actor: Actor | None, round_id: int, *,
                    taxonomy: Taxonomy | None = None) -> list[dict[str, Any]]:
    """Every unmatched entry of a round as shown: id, side, reason and details (each a code,
    its parameters and its text)."""
    entries = get_round(session, actor, round_id, with_report=True).unmatched or []
    return [{"id": e["id"], "side": e.get("side", ""), "reason": why, "details": details}
            for e, (why, details) in zip(entries, explain_entries(session, entries, taxonomy),
                                         strict=True)]


def locks_of(session: Session, actor: Actor | None, round_id: int,
             ) -> list[tuple[Person, Person, bool, bool]]:
    """The pairs locked into a round, as (mentor, mentee, kept below the minimum score,
    accepted in the choice window: such a lock cannot be taken off)."""
    get_round(session, actor, round_id)
    first, second = aliased(Person), aliased(Person)
    accepted = select(Match.id).where(
        Match.round_id == round_id, Match.status == MatchStatus.ACCEPTED,
        Match.mentor_id == PairRule.first_id, Match.mentee_id == PairRule.second_id).exists()
    return [tuple(row) for row in session.execute(
        select(first, second, PairRule.below_minimum, accepted).select_from(PairRule)
        .join(first, PairRule.first_id == first.id)
        .join(second, PairRule.second_id == second.id)
        .where(PairRule.round_id == round_id, PairRule.kind == "lock").order_by(PairRule.id))]


def round_charts(session: Session, actor: Actor | None, round_id: int,
                 taxonomy: Taxonomy) -> RoundCharts:
    """Score bands, mentor load and skill demand and supply, from grouped queries."""
    current = get_round(session, actor, round_id)
    live = (Match.round_id == current.id, Match.status != MatchStatus.DECLINED)
    # The band of a score in [0, 1]; a score of exactly 1 belongs to the top band.
    raw_band = func.floor(Match.score * SCORE_BUCKETS)
    band = case((raw_band >= SCORE_BUCKETS, SCORE_BUCKETS - 1), else_=raw_band)
    bands = Counter({int(b): n for b, n in session.execute(
        select(band, func.count()).where(*live).group_by(band))})
    scores = [Bar(f"{i / SCORE_BUCKETS:.1f}–{(i + 1) / SCORE_BUCKETS:.1f}", bands.get(i, 0))
              for i in range(SCORE_BUCKETS)]
    per_mentor = (select(Match.mentor_id, func.count().label("n")).where(*live)
                  .group_by(Match.mentor_id).subquery())
    mentees = func.coalesce(per_mentor.c.n, 0)
    mentors = session.execute(
        select(mentees, func.count()).select_from(Profile)
        .join(Person, Person.id == Profile.person_id)
        .join(Enrolment, (Enrolment.person_id == Profile.person_id)
              & (Enrolment.programme_id == current.programme_id))
        .outerjoin(per_mentor, per_mentor.c.mentor_id == Profile.person_id)
        .where(Profile.capacity > 0, Person.active.is_(True)).group_by(mentees)).all()
    load = [Bar(f"{n} mentee{'' if n == 1 else 's'}", count) for n, count in sorted(mentors)]
    skills = sorted((current.diagnostics or {}).get("skills", []),
                    key=lambda s: (-s["demand"], s["skill"]))[:TOP_SKILLS]
    bars = [Bar(_skill_name(taxonomy, s["skill"]), s["demand"], s["supply"]) for s in skills]
    return RoundCharts(scores, load, bars)


def _skill_name(taxonomy: Taxonomy, skill: str) -> str:
    try:
        return taxonomy.name(skill)
    except KeyError:
        return skill


#: How each setting reads on a page: a phrase for each value, or one around its number.
_SETTING_WORDS: dict[str, dict[Any, str] | str] = {
    "selection": {"coordinator": "coordinator-led", "choice": "mentees choose"},
    "suggestions": "{} suggestions per mentee",
    "accept_days": "{} days for a mentor to answer",
    "priority": {"strict": "strict priority of wants", "soft": "soft priority of wants"},
    "text_weight": "text weight {}",
    "min_score": "lowest score {}",
    "close_call_margin": "close-call margin {}",
    "fair": {True: "fair (the worst-off mentee first)", False: "not fair"},
    "allow_same_manager": {True: "same manager allowed", False: "same manager refused"},
    "allow_repeat": {True: "repeat pairs allowed", False: "no repeat pairs"},
    "trios": {True: "circles of three", False: "no circles of three"},
    "experience": {"prefer": "more experienced mentors preferred",
                   "ignore": "experience ignored"},
    "department": {"prefer": "another department preferred",
                   "require": "another department required", "ignore": "department ignored"},
    "institution": {"auto": "another institution preferred when the pool has several",
                    "prefer": "another institution preferred",
                    "require": "another institution required", "ignore": "institution ignored"},
    "meeting_format": {"require": "meeting format respected", "ignore": "meeting format ignored"},
    "management_chain": {"chain": "nobody paired with a manager above them",
                         "direct": "only the direct manager excluded"},
    "max_time_zone_hours": "time zones at most {} hours apart",
    "preference_weight": "preference weight {}",
    "experience_weight": "experience share {}",
    "department_weight": "department share {}",
    "institution_weight": "institution share {}",
}
#: Settings that do nothing in a mode, so its rounds do not show them.
_NOT_IN_MODE = {"mentor": {"trios"}, "peer": {"fair", "selection", "suggestions", "accept_days"}}


def settings_text(settings: dict[str, Any], mode: str | None = None) -> str:
    """A round's (or a programme's default) settings as one readable line, in `mode` if given."""
    shown = {key: value for key, value in (settings or {}).items()
             if value is not None and key not in _NOT_IN_MODE.get(mode or "", ())}
    if not shown:
        return "defaults"
    # Known settings in the form's order, then any other (older) key as stored.
    order = list(_SETTING_WORDS) + sorted(set(shown) - set(_SETTING_WORDS))
    parts = []
    for key in (key for key in order if key in shown):
        value, words = shown[key], _SETTING_WORDS.get(key, key.replace("_", " ") + " {}")
        if isinstance(words, dict):
            words = words.get(value, key.replace("_", " ") + " {}")
        parts.append(words.format(f"{value:g}" if isinstance(value, float) else value))
    return ", ".join(parts)


def round_progress(session: Session, actor: Actor | None, round_id: int, *,
                   now: datetime | None = None) -> RoundProgress:
    """Return a round's status and job progress from one small query (it is polled).

    Reading never changes the round: a stalled job is reported as such, and running the
    preview again (`mentorship.rounds.jobs.mark_running`) marks it failed first.
    """
    require_coordinator(actor, "see matching rounds")
    now = now or datetime.now(UTC)
    row = session.execute(
        select(Round.status, Round.progress_stage, Round.progress_percent, stalled_job(now),
               queued_job(now), Round.job_id, Round.failure_reason, Round.programme_id)
        .where(Round.id == round_id)).first()
    if row is None:
        raise NotFound(f"no round {round_id}")
    status, stage, percent, stalled, queued, job, reason, programme_id = row
    require_programme(session, actor, programme_id)
    if queued and not stalled:  # waiting long enough to be looked for in Redis
        stalled = job in lost_queued_jobs([job])
    return RoundProgress(str(status), stage or "", int(percent or 0), bool(stalled), reason or "")


def pairs_csv(session: Session, actor: Actor | None, round_id: int, *,
              taxonomy: Taxonomy | None = None) -> str:
    """Return every pair of a round (declined ones too, with their status) as CSV, best first.

    The columns follow `mentorship.rounds.report.render_csv`, with each pair's status and, for a
    declined pair, the reason its mentor or mentee gave. Reasons come as text and as codes.
    """
    current = get_round(session, actor, round_id)
    mentor, mentee, third = aliased(Person), aliased(Person), aliased(Person)
    locks = {(a, b) for a, b in session.execute(
        select(PairRule.first_id, PairRule.second_id)
        .where(PairRule.round_id == current.id, PairRule.kind == "lock"))}
    # Plain columns, not Match objects: a round can hold thousands of pairs.
    rows = session.execute(
        select(Match.mentor_id, Match.mentee_id, Match.score, Match.status, Match.locked,
               Match.reasons, Match.alternatives, mentor.name, mentor.email, mentee.name,
               mentee.email, Match.decline_reason, third.name, third.email)
        .outerjoin(mentor, Match.mentor_id == mentor.id)
        .outerjoin(mentee, Match.mentee_id == mentee.id)
        .outerjoin(third, Match.third_id == third.id)
        .where(Match.round_id == current.id).order_by(Match.score.desc(), Match.id)
    ).all()
    shown = explain_reasons(session, [row.reasons for row in rows], taxonomy)
    peer = current.mode != "mentor"
    first, second = ("person_a", "person_b") if peer else ("mentor", "mentee")
    # A peer circle fills person_c, in teaching order (a teaches b, b teaches c, c teaches a).
    circle_columns = ["person_c_email", "person_c_name"] if peer else []
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow([f"{first}_email", f"{first}_name", f"{second}_email", f"{second}_name",
                     *circle_columns,
                     "score", "status", "locked", "reasons", "alternatives", "decline_reason",
                     "reason_codes"])
    for (mentor_id, mentee_id, score, status, locked, _, alternatives, mentor_name,
         mentor_email, mentee_name, mentee_email, decline_reason, third_name,
         third_email), reasons in zip(rows, shown, strict=True):
        locked = locked or (mentor_id, mentee_id) in locks
        circle = [third_email or "", third_name or ""] if peer else []
        writer.writerow([spreadsheet_safe(c) for c in (
            mentor_email or "(deleted person)", mentor_name or "",
            mentee_email or "(deleted person)", mentee_name or "", *circle,
            f"{score:.3f}", str(status), "yes" if locked else "",
            "; ".join(r["text"] for r in reasons),
            "; ".join(f"{email} ({value:.3f})" for email, value in alternatives or []),
            decline_reason or "", reason_codes_cell(reasons),
        )])
    return out.getvalue()



def round_counts(session: Session, actor: Actor | None, round_id: int) -> RoundCounts:
    """Count a round's pairs that are not declined or ended, and the people in them."""
    current = get_round(session, actor, round_id)
    pairs, mentees, mentors = session.execute(
        select(func.count(), func.count(func.distinct(Match.mentee_id)),
               func.count(func.distinct(Match.mentor_id)))
        .where(Match.round_id == round_id,
               Match.status.in_([MatchStatus.PROPOSED, MatchStatus.ACCEPTED, MatchStatus.ACTIVE]))
    ).one()
    return RoundCounts(current, pairs, mentees, mentors)


def declined_pairs(session: Session, actor: Actor | None, round_id: int, *,
                   limit: int = 200) -> list[PairRow]:
    """The round's declined pairs, newest first, with the reason given (coordinators only)."""
    get_round(session, actor, round_id)
    mentor, mentee = aliased(Person), aliased(Person)
    rows = session.execute(
        select(Match, mentor, mentee)
        .outerjoin(mentor, Match.mentor_id == mentor.id)
        .outerjoin(mentee, Match.mentee_id == mentee.id)
        .where(Match.round_id == round_id, Match.status == MatchStatus.DECLINED)
        .order_by(Match.updated_at.desc(), Match.id.desc()).limit(limit)).all()
    return [PairRow(match, a, b, match.locked) for match, a, b in rows]

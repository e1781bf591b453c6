"""Programme health: the figures of the coordinators' dashboard, its API and its CSV.

`programme_figures` computes every figure from plain facts (tested against hand-built data);
`programme_health` reads those facts from the database for it. The definitions:

- **acceptance rate**: pairs accepted / pairs no longer waiting for an answer, over the pairs of
  published and closed rounds. A pair counts as accepted when someone accepted it (an audited
  ``match.accept``) or it is accepted or active; one still proposed in a published round is
  waiting and left out; a declined one, or one that ended unanswered, was not accepted.
- **time to accept**: the median, in days, from the round's publication to the pair's first
  acceptance.
- **check-in rate**: over the pairs that are or were live (accepted or active, and those that
  ended after being so), check-ins given / check-ins due, where each member owes one for every
  period so far, the current one included; an ended pair owes them up to the period it ended
  in, so ending a pair does not take its answers out of the rate.
- **pairs at risk**: live pairs whose health (`mentorship.pairs_health.rule`) is "asked for
  help" or "inactive"; every health state is counted.
- **ended asking for help**: pairs that ended while their health was "asked for help" (a
  member's latest answer was "we need help"), so such an answer stays in view after the end.
- **survey results**: answers, mean rating and the share who would take part again, in all and
  by side; how many of each rating.
- **skills gained**: per skill, from learners' surveys: how many rated it, how many rated
  themselves above their profile level of the time, and the levels gained in all.
"""

from __future__ import annotations

import csv
import io
import statistics
from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from matching import Taxonomy
from mentorship.core.audit import AuditEvent
from mentorship.core.db import batches
from mentorship.core.errors import InvalidInput, RowError
from mentorship.core.paging import PAGE_SIZE, Page
from mentorship.core.permissions import Actor, require_coordinator
from mentorship.core.spreadsheet import spreadsheet_safe
from mentorship.pairs_health.checkins import (
    CHECKED_IN_STATUSES,
    PairHealth,
    in_view,
    intervals_of,
    pair_rows_of,
    pairs_health_pages,
)
from mentorship.pairs_health.models import MAX_RATING, MIN_RATING, CheckIn, Feedback
from mentorship.pairs_health.rule import ATTENTION, Answer, Health, pair_health, period_of
from mentorship.programmes.models import Programme
from mentorship.programmes.queries import get_programme
from mentorship.rounds.models import Match, MatchStatus, Round, RoundStatus

__all__ = ["ANSWER_WORDS", "HEALTH_WORDS", "Dashboard", "FeedbackFacts", "Figures", "PairFacts",
           "SkillGain", "figure_rows", "figures_csv",
           "health_dashboard", "programme_figures", "programme_health"]

SECONDS_A_DAY = 86400


@dataclass(frozen=True)
class PairFacts:
    """What the figures need of one pair of a published or closed round."""

    status: str
    published_at: datetime
    accepted_at: datetime | None        # its first acceptance, if any
    members: int                        # people still in it (a deleted one is not)
    check_in_weeks: int
    check_ins: tuple[Answer, ...] = ()
    ended_at: datetime | None = None    # when an ended pair ended, if it was live before
    match_id: int = 0


@dataclass(frozen=True)
class FeedbackFacts:
    """One survey answer: the side, rating, would-again and a learner's skill levels."""

    side: str
    rating: int
    again: bool
    skill_levels: dict[str, dict[str, int]] = field(default_factory=dict)


@dataclass(frozen=True)
class SkillGain:
    """A skill's gains as the learners' surveys report them."""

    skill: str
    rated: int            # learners who gave their level on it
    gained: int           # of them, those above their profile level of the time
    levels_gained: int    # the levels gained, summed


@dataclass(frozen=True)
class Figures:
    """Every figure of the dashboard. A rate with nothing to count is None."""

    pairs: int
    accepted: int
    declined: int
    waiting: int
    acceptance_rate: float | None
    median_days_to_accept: float | None
    check_ins_due: int
    check_ins_given: int
    check_in_rate: float | None
    health: dict[str, int]            # live pairs by health state
    at_risk: int
    ended_asking_help: int            # pairs that ended while asking for help
    responses: int
    mean_rating: float | None
    would_again_share: float | None
    by_side: dict[str, dict[str, float | int | None]]
    ratings: dict[int, int]           # how many gave each rating
    skills: tuple[SkillGain, ...]
    ended_asking_help_ids: tuple[int, ...] = ()   # those pairs, most recently ended first


def _share(part: int, whole: int) -> float | None:
    return part / whole if whole else None


def programme_figures(pairs: Sequence[PairFacts], feedback: Sequence[FeedbackFacts],
                      now: datetime) -> Figures:
    """Return the dashboard's figures for these pairs and survey answers at `now`."""
    accepted = [p for p in pairs if p.accepted_at is not None
                or p.status in (MatchStatus.ACCEPTED, MatchStatus.ACTIVE)]
    waiting = [p for p in pairs if p.status == MatchStatus.PROPOSED and p.accepted_at is None]
    declined = [p for p in pairs if p.status == MatchStatus.DECLINED and p.accepted_at is None]
    days = [(p.accepted_at - p.published_at).total_seconds() / SECONDS_A_DAY
            for p in accepted if p.accepted_at is not None]
    due = given = 0
    ended_asking_help: list[PairFacts] = []
    health: Counter[str] = Counter({state.value: 0 for state in Health})
    for pair in pairs:
        live = pair.status in CHECKED_IN_STATUSES
        if live:
            until = now
        elif pair.status == MatchStatus.ENDED and pair.ended_at is not None:
            until = min(pair.ended_at, now)
        else:
            continue
        current = period_of(pair.published_at, until, pair.check_in_weeks)
        due += pair.members * current
        given += len({(a.person_id, a.period) for a in pair.check_ins if a.period <= current})
        state = pair_health(pair.published_at, until, pair.check_in_weeks, pair.check_ins)
        if live:
            health[state] += 1
        elif state == Health.ASKED_FOR_HELP:
            ended_asking_help.append(pair)
    ratings = Counter({rating: 0 for rating in range(MIN_RATING, MAX_RATING + 1)})
    ratings.update(f.rating for f in feedback)
    by_side = {}
    for side in ("mentor", "mentee"):
        answers = [f for f in feedback if f.side == side]
        by_side[side] = {
            "responses": len(answers),
            "mean_rating": statistics.fmean(f.rating for f in answers) if answers else None,
            "would_again_share": _share(sum(f.again for f in answers), len(answers))}
    gains: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0])
    for answer in feedback:
        for skill, level in answer.skill_levels.items():
            gain = gains[skill]
            gain[0] += 1
            if level["after"] > level["before"]:
                gain[1] += 1
                gain[2] += level["after"] - level["before"]
    skills = sorted((SkillGain(skill, *counts) for skill, counts in gains.items()),
                    key=lambda g: (-g.levels_gained, -g.gained, g.skill))
    return Figures(
        pairs=len(pairs), accepted=len(accepted), declined=len(declined), waiting=len(waiting),
        acceptance_rate=_share(len(accepted), len(pairs) - len(waiting)),
        median_days_to_accept=statistics.median(days) if days else None,
        check_ins_due=due, check_ins_given=given, check_in_rate=_share(given, due),
        health=dict(health), at_risk=sum(health[state] for state in ATTENTION),
        ended_asking_help=len(ended_asking_help),
        responses=len(feedback),
        mean_rating=statistics.fmean(f.rating for f in feedback) if feedback else None,
        would_again_share=_share(sum(f.again for f in feedback), len(feedback)),
        by_side=by_side, ratings=dict(ratings), skills=tuple(skills),
        ended_asking_help_ids=tuple(p.match_id for p in sorted(
            ended_asking_help, key=lambda p: p.ended_at, reverse=True)))


def programme_health(session: Session, actor: Actor | None, *, now: datetime | None = None,
                     programme_id: int | None = None) -> Figures:
    """Return the figures over the pairs of every published and closed round of one programme
    (`programme_id`), else of the programmes the actor coordinates."""
    require_coordinator(actor, "see the programme's health")
    now = now if now is not None else datetime.now(UTC)
    shown = (Round.status.in_([RoundStatus.PUBLISHED, RoundStatus.CLOSED]),
             Round.published_at.is_not(None), *in_view(session, actor, programme_id))
    rows = session.execute(
        select(Match.id, Match.status, Match.mentor_id, Match.mentee_id, Match.third_id,
               Round.id, Round.published_at)
        .join(Round, Match.round_id == Round.id).where(*shown).order_by(Match.id)).all()
    accepted_at = dict(session.execute(
        select(AuditEvent.target_id, func.min(AuditEvent.at))
        .where(AuditEvent.action == "match.accept", AuditEvent.target_type == "match")
        .group_by(AuditEvent.target_id)).all())
    check_ins: dict[int, list[Answer]] = defaultdict(list)
    for check_in in session.scalars(
            select(CheckIn).join(Match, CheckIn.match_id == Match.id)
            .join(Round, Match.round_id == Round.id).where(*shown)):
        check_ins[check_in.match_id].append(
            Answer(check_in.person_id, check_in.period, check_in.answer, check_in.created_at))
    ended_at = _ended_live(session, [row[0] for row in rows if row[1] == MatchStatus.ENDED])
    weeks = intervals_of(session, session.scalars(select(Round).where(
        Round.id.in_({row[5] for row in rows}))).all()) if rows else {}
    pairs = []
    for match_id, status, mentor, mentee, third, round_id, published_at in rows:
        accepted = accepted_at.get(str(match_id))
        if isinstance(accepted, str):  # SQLite's MIN() hands the stored text back
            accepted = datetime.fromisoformat(accepted)
        if accepted is not None and accepted.tzinfo is None:
            accepted = accepted.replace(tzinfo=UTC)  # an aggregate skips the column's type
        pairs.append(PairFacts(
            status, published_at, accepted,
            sum(p is not None for p in (mentor, mentee, third)), weeks[round_id],
            tuple(check_ins[match_id]), ended_at.get(match_id), match_id))
    answers = [FeedbackFacts(f.side, f.rating, f.again, f.skill_levels or {})
               for f in session.scalars(
                   select(Feedback).join(Match, Feedback.match_id == Match.id)
                   .join(Round, Match.round_id == Round.id).where(*shown).order_by(Feedback.id))]
    return programme_figures(pairs, answers, now)


def _ended_live(session: Session, match_ids: list[int]) -> dict[int, datetime]:
    """Return when each of these ended pairs ended, for those that were live (accepted or
    active) then: one ended unanswered never owed a check-in."""
    ended: dict[int, datetime] = {}
    for chunk in batches(sorted(match_ids)):
        for target, at, details in session.execute(
                select(AuditEvent.target_id, AuditEvent.at, AuditEvent.details)
                .where(AuditEvent.action == "match.end", AuditEvent.target_type == "match",
                       AuditEvent.target_id.in_([str(m) for m in chunk]))
                .order_by(AuditEvent.at, AuditEvent.id)):
            if (details or {}).get("from") in CHECKED_IN_STATUSES:
                ended.setdefault(int(target), at if at.tzinfo else at.replace(tzinfo=UTC))
    return ended


def _number(value: float | int | None, digits: int = 3) -> str:
    if value is None:
        return ""
    return str(value) if isinstance(value, int) else f"{value:.{digits}f}"


def figure_rows(figures: Figures, taxonomy: Taxonomy) -> list[tuple[str, str, str]]:
    """Return every figure as (figure, group, value), the CSV's rows and the page's table."""
    rows = [
        ("pairs", "", _number(figures.pairs)),
        ("accepted", "", _number(figures.accepted)),
        ("declined", "", _number(figures.declined)),
        ("waiting for an answer", "", _number(figures.waiting)),
        ("acceptance rate", "", _number(figures.acceptance_rate)),
        ("median days to accept", "", _number(figures.median_days_to_accept, 1)),
        ("check-ins due", "", _number(figures.check_ins_due)),
        ("check-ins given", "", _number(figures.check_ins_given)),
        ("check-in rate", "", _number(figures.check_in_rate)),
        *[("live pairs by health", HEALTH_WORDS[state], _number(count))
          for state, count in figures.health.items()],
        ("pairs at risk", "", _number(figures.at_risk)),
        ("pairs ended asking for help", "", _number(figures.ended_asking_help)),
        ("survey answers", "", _number(figures.responses)),
        ("mean rating", "", _number(figures.mean_rating, 2)),
        ("would take part again", "", _number(figures.would_again_share)),
        *[(f"{side}s' {name}", "", _number(value, 2 if name == "mean rating" else 3))
          for side, values in figures.by_side.items()
          for name, value in (("survey answers", values["responses"]),
                              ("mean rating", values["mean_rating"]),
                              ("would take part again", values["would_again_share"]))],
        *[("ratings", str(rating), _number(count)) for rating, count in figures.ratings.items()],
    ]
    for gain in figures.skills:
        name = _skill_name(taxonomy, gain.skill)
        rows += [("skill rated", name, _number(gain.rated)),
                 ("skill gained by", name, _number(gain.gained)),
                 ("skill levels gained", name, _number(gain.levels_gained))]
    return rows


#: The words of each health state (pages, CSV, mail).
HEALTH_WORDS = {Health.ON_TRACK: "on track", Health.NEEDS_CHECK_IN: "needs a check-in",
                Health.INACTIVE: "inactive", Health.ASKED_FOR_HELP: "asked for help"}


#: The words of each check-in answer.
ANSWER_WORDS = {"met": "we met", "not_yet": "not yet", "need_help": "we need help"}


def _skill_name(taxonomy: Taxonomy, skill: str) -> str:
    try:
        return taxonomy.name(skill)
    except KeyError:
        return skill


def figures_csv(figures: Figures, taxonomy: Taxonomy) -> str:
    """Return the figures as a CSV file: figure, group, value."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["figure", "group", "value"])
    for row in figure_rows(figures, taxonomy):
        writer.writerow([spreadsheet_safe(cell) for cell in row])
    return out.getvalue()


@dataclass(frozen=True)
class Dashboard:
    """The coordinators' health page: the figures, the pairs that need attention (a page of
    them) and one page of every live pair, of the health state asked for or all."""

    figures: Figures
    attention: Page
    pairs: Page
    state: Health | None
    programme: Programme | None = None    # the one shown, or None for all the actor's
    ended_help: tuple[PairHealth, ...] = ()  # the first page of pairs that ended asking for help


def health_dashboard(session: Session, actor: Actor | None, *, now: datetime | None = None,
                     state: str | None = None, page: int = 1,
                     programme_id: int | None = None) -> Dashboard:
    """Return the figures, the live pairs that need attention and a page of every live pair
    (those in `state` when given) of one programme (`programme_id`) or all the actor's."""
    require_coordinator(actor, "see the programme's health")
    if state is not None and state not in set(Health):
        raise InvalidInput("no such health state", [RowError(
            0, "state", "", "choose on_track, needs_check_in, inactive or asked_for_help")])
    now = now if now is not None else datetime.now(UTC)
    chosen = Health(state) if state is not None else None
    programme = get_programme(session, actor, programme_id) if programme_id is not None else None
    attention, pairs = pairs_health_pages(session, actor, now=now, state=chosen, page=page,
                                          programme_id=programme_id)
    figures = programme_health(session, actor, now=now, programme_id=programme_id)
    ended_help = pair_rows_of(session, list(figures.ended_asking_help_ids[:PAGE_SIZE]),
                              Health.ASKED_FOR_HELP)
    return Dashboard(figures, attention, pairs, chosen, programme, tuple(ended_help))

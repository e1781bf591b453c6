"""The training budget of a round, as one table for the CLI, the Skills page and the CSV download.

The figures come from `matching.budget.training_budget`; this module reads a stored round's
input and pairs for it, and `mentorship.rounds.budget_table` (re-exported here) turns its
lines into rows of text, so that every place that shows the table shows the same cells.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session, undefer

from matching import Taxonomy
from mentorship.core.audit import AuditEvent
from mentorship.core.errors import NotFound
from mentorship.core.permissions import require_coordinator
from mentorship.people.models import Person
from mentorship.profiles.gaps import SkillGap, skill_gaps
from mentorship.programmes.access import require_programme, visible_programme_ids
from mentorship.programmes.models import Programme
from mentorship.programmes.queries import programme_in_view
from mentorship.rounds.budget_table import (
    ACTIONS,
    CAUSE_HEADS,
    BudgetTable,
    budget_csv,
    budget_lines,
    budget_table,
    pool_budget,
)
from mentorship.rounds.models import Match, MatchStatus, Round, RoundStatus
from mentorship.rounds.snapshot import from_snapshot

__all__ = [
    "ACTIONS",
    "CAUSE_HEADS",
    "BudgetTable",
    "SkillsOverview",
    "budget_csv",
    "budget_lines",
    "budget_rounds",
    "budget_table",
    "round_budget",
    "skills_overview",
]

#: Rounds whose stored input and pairs make a budget.
_WITH_RESULTS = (RoundStatus.PREVIEWED, RoundStatus.PUBLISHED, RoundStatus.CLOSED)


def budget_rounds(session: Session, actor: Person | None,
                  programme_id: int | None = None) -> list[Round]:
    """Return the rounds that have pairs computed (of a programme, if given, and of the
    actor's programmes), newest first."""
    require_coordinator(actor, "see the training budget")
    query = select(Round).where(Round.status.in_(_WITH_RESULTS))
    if programme_id is not None:
        require_programme(session, actor, programme_id)
        query = query.where(Round.programme_id == programme_id)
    visible = visible_programme_ids(session, actor)
    if visible is not None:
        query = query.where(Round.programme_id.in_(visible))
    return list(session.scalars(query.order_by(Round.created_at.desc(), Round.id.desc())))


# The last table computed per database, with the stamp of the data it was computed on.
_last_tables: dict[str, tuple[tuple, BudgetTable]] = {}


def _data_stamp(session: Session, round_id: int, taxonomy: Taxonomy) -> tuple:
    """What changes whenever the table may: every service that writes people, profiles or a
    round's pairs records an audit event in the same transaction, so the newest event's id
    moves; the round's version and pair count guard against SQLite reusing a rolled-back id."""
    return (round_id, taxonomy.source, session.scalar(select(func.max(AuditEvent.id))),
            session.scalar(select(Round.version).where(Round.id == round_id)),
            session.scalar(select(func.count()).select_from(Match)
                           .where(Match.round_id == round_id)))


def round_budget(session: Session, actor: Person | None, round_id: int,
                 taxonomy: Taxonomy) -> BudgetTable:
    """Return the budget table of a stored round: its input snapshot and its pairs not declined.

    Departments are the people's departments now (a deleted person's wants count under none).
    Reading the snapshot takes a while for a large round, so the table is kept until the data
    changes.
    """
    require_coordinator(actor, "see the training budget")
    programme = session.scalar(select(Round.programme_id).where(Round.id == round_id))
    if programme is not None:  # a missing round is NotFound below
        require_programme(session, actor, programme)
    database = session.get_bind().url.render_as_string(hide_password=True)
    stamp = _data_stamp(session, round_id, taxonomy)
    cached = _last_tables.get(database)
    if cached is not None and cached[0] == stamp:
        return cached[1]
    table = _compute_round_budget(session, round_id, taxonomy)
    _last_tables[database] = (stamp, table)
    return table


def _compute_round_budget(session: Session, round_id: int, taxonomy: Taxonomy) -> BudgetTable:
    current = session.get(Round, round_id, options=[undefer(Round.input_snapshot)])
    if current is None or current.status not in _WITH_RESULTS or not current.input_snapshot:
        raise NotFound(f"no round {round_id} with computed pairs")
    profiles, settings = from_snapshot(current.input_snapshot)
    email = {}
    departments = {}
    for person_id, address, department in session.execute(
            select(Person.id, Person.email, Person.department)):
        email[person_id] = address
        departments[address] = department or ""
    pairs = [(email[mentor], email[mentee]) for mentor, mentee in session.execute(
        select(Match.mentor_id, Match.mentee_id)
        .where(Match.round_id == round_id, Match.status != MatchStatus.DECLINED))
        if mentor in email and mentee in email]
    return pool_budget(profiles, pairs, settings, departments, taxonomy)


@dataclass(frozen=True)
class SkillsOverview:
    """What the Skills page shows: the rounds with a budget, the chosen one and its table, and
    the people counts of every skill in force."""

    rounds: list[Round]
    chosen: Round | None
    programme: Programme
    table: BudgetTable | None
    gaps: list[SkillGap]


def skills_overview(session: Session, actor: Person | None, taxonomy: Taxonomy,
                    round_id: int | None = None, *,
                    programme_id: int | None = None) -> SkillsOverview:
    """Return the Skills page's data for a programme (`programme_in_view`): a round's budget
    (the newest with pairs by default) and the counts among its people."""
    if programme_id is None and round_id is not None:  # the round's programme
        programme_id = session.scalar(select(Round.programme_id).where(Round.id == round_id))
    programme = programme_in_view(session, actor, programme_id)
    rounds = budget_rounds(session, actor, programme.id)
    if round_id is None:
        chosen = rounds[0] if rounds else None
    else:
        chosen = next((r for r in rounds if r.id == round_id), None)
        if chosen is None:
            raise NotFound(f"no round {round_id} with computed pairs")
    table = round_budget(session, actor, chosen.id, taxonomy) if chosen else None
    return SkillsOverview(rounds, chosen, programme, table,
                          skill_gaps(session, actor, programme.id))

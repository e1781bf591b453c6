"""People counts of each skill in force: how many know, want and teach it.

These count people, not seats; what a round met and why the rest was not is the training budget
(`mentorship.rounds.budget`).
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import and_, case, func, or_, select
from sqlalchemy.orm import Session

from matching.profiles import DEFAULT_TEACH_LEVEL
from mentorship.core.audit import AuditEvent
from mentorship.core.permissions import require_coordinator
from mentorship.people.models import Person
from mentorship.profiles.models import MentoringRole, Profile, ProfileSkill
from mentorship.programmes.access import people_in_view, visible_programme_ids
from mentorship.taxonomy.models import Skill

__all__ = ["KNOWS_LEVEL", "SkillGap", "gaps_by_category", "skill_gaps"]

KNOWS_LEVEL = DEFAULT_TEACH_LEVEL  # "practitioner" or better: someone who could teach it
# As the engine reads a profile: an explicit teach list, else every skill rated KNOWS_LEVEL
# or more; mentees-only offer nothing.
_offers_teaching = and_(
    Profile.role != MentoringRole.MENTEE,
    or_(ProfileSkill.teaches.is_(True),
        and_(Profile.teach_explicit.is_(False), ProfileSkill.level >= KNOWS_LEVEL)),
)


@dataclass(frozen=True)
class SkillGap:
    """One skill's counts among active people."""

    skill_id: str
    name: str
    category: str
    know: int
    want: int
    teach: int


# The last counts computed per database, with the stamp of the data they were computed on.
_last_counts: dict[tuple, tuple[tuple, list[SkillGap]]] = {}


def _data_stamp(session: Session) -> tuple:
    """What changes whenever the counts may change: every service that writes people, profiles
    or skills records an audit event in the same transaction, so the newest event's id moves;
    the number of skill rows guards against SQLite reusing the id of a rolled-back event."""
    return (session.scalar(select(func.max(AuditEvent.id))),
            session.scalar(select(func.count()).select_from(ProfileSkill)))


def skill_gaps(session: Session, actor: Person | None,
               programme_id: int | None = None) -> list[SkillGap]:
    """Every active skill with its counts (among a programme's people, if given), in taxonomy
    order.

    The grouped count reads every skill row (about 100 ms at 10,000 people on SQLite), so the
    result is kept until the data changes (two index lookups tell).
    """
    require_coordinator(actor, "see the training gaps")
    scope = people_in_view(session, actor, ProfileSkill.person_id, programme_id)
    database = session.get_bind().url.render_as_string(hide_password=True)
    # An enrolment records an audit event too, so the stamp moves when a programme's people do.
    visible = None if programme_id is not None else visible_programme_ids(session, actor)
    key = (database, programme_id, frozenset(visible) if visible is not None else None)
    stamp = _data_stamp(session)
    cached = _last_counts.get(key)
    if cached is not None and cached[0] == stamp:
        return list(cached[1])
    gaps = _count_gaps(session, scope)
    _last_counts[key] = (stamp, gaps)
    return list(gaps)


def _count_gaps(session: Session, scope=None) -> list[SkillGap]:
    counts = (
        select(ProfileSkill.skill_id,
               func.sum(case((ProfileSkill.level >= KNOWS_LEVEL, 1), else_=0)).label("know"),
               func.sum(case((ProfileSkill.learn_rank.is_not(None), 1), else_=0)).label("want"),
               func.sum(case((_offers_teaching, 1), else_=0)).label("teach"))
        .join(Person, Person.id == ProfileSkill.person_id)
        .join(Profile, Profile.person_id == ProfileSkill.person_id)
        .where(Person.active.is_(True), *(() if scope is None else (scope,)))
        .group_by(ProfileSkill.skill_id).subquery()
    )
    rows = session.execute(
        select(Skill.id, Skill.name, Skill.category_name, counts.c.know, counts.c.want,
               counts.c.teach)
        .outerjoin(counts, counts.c.skill_id == Skill.id)
        .where(Skill.active.is_(True)).order_by(Skill.position, Skill.id)
    ).all()
    return [SkillGap(i, n, c, int(k or 0), int(w or 0), int(t or 0)) for i, n, c, k, w, t in rows]


def gaps_by_category(gaps: list[SkillGap]) -> list[tuple[str, list[SkillGap]]]:
    """Group `skill_gaps` output by category, in taxonomy order."""
    by_name: dict[str, list[SkillGap]] = {}
    for gap in gaps:  # categories in the order of their first skill
        by_name.setdefault(gap.category, []).append(gap)
    return list(by_name.items())

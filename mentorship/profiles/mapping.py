"""The one mapper between a stored profile and every other shape it takes.

A profile *record* is the shape `ProfileSchema` loads (from a CSV row, the profile form or an
API body): ``role, capacity, skills {skill: level}, learn [most wanted first], teach [skills]
or None (every skill rated proficient or better), goals, bio, format_preference`` and the
factors ``years_experience`` (None: unknown), ``institution``, ``location``, ``time_zone``
(empty: unknown). Stored rows
become a record (`stored_record`, `skills_record`), a record becomes skill rows
(`skill_rows`) or the engine's profile (`engine_profile`), and the pool is read in two queries
(`load_profiles`). The form, the API, the CSV export and the engine all go through here.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any

from matching import Profile, Role
from matching.profiles import MeetingFormat

# The database's modules are imported by the functions that use them: reading a profile CSV
# for `mentorship match` (records and engine profiles) starts without SQLAlchemy.
if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from mentorship.profiles.models import Profile as ProfileRow

__all__ = [
    "FACTOR_DEFAULTS",
    "SkillRow",
    "blank_record",
    "engine_profile",
    "fill_profile",
    "load_profiles",
    "skill_rows",
    "skills_record",
    "stored_record",
]

#: The factor fields of a record and their values when unknown.
FACTOR_DEFAULTS = (("years_experience", None), ("institution", ""), ("location", ""),
                   ("time_zone", ""))
#: One stored skill of a profile: (skill id, level, learning rank or None, teaches).
SkillRow = tuple[str, int, int | None, bool]


def skills_record(rows: Iterable[SkillRow], *, teach_explicit: bool) -> dict[str, Any]:
    """Return the ``skills``, ``learn`` and ``teach`` of a record from its stored skill rows."""
    rows = sorted(rows)
    return {
        "skills": {skill: level for skill, level, _, _ in rows if level},
        "learn": [skill for skill, _, rank, _ in sorted(
            (row for row in rows if row[2] is not None), key=lambda row: row[2])],
        "teach": [skill for skill, _, _, teaches in rows if teaches] if teach_explicit else None,
    }


def blank_record() -> dict[str, Any]:
    """Return the record of someone who has no profile yet (the stored defaults)."""
    from mentorship.profiles.models import FormatPreference, MentoringRole

    return {"role": str(MentoringRole.BOTH), "capacity": 1,
            "format_preference": str(FormatPreference.EITHER), "goals": "", "bio": "",
            "skills": {}, "learn": [], "teach": None, **dict(FACTOR_DEFAULTS)}



def stored_record(profile: ProfileRow) -> dict[str, Any]:
    """Return a stored profile as a record (the shape ProfileSchema loads)."""
    return {
        "role": str(profile.role), "capacity": profile.capacity,
        "format_preference": str(profile.format_preference),
        "goals": profile.goals, "bio": profile.bio,
        **{key: getattr(profile, key) for key, _ in FACTOR_DEFAULTS},
        **skills_record(((s.skill_id, s.level, s.learn_rank, s.teaches) for s in profile.skills),
                        teach_explicit=profile.teach_explicit),
    }


#: The profile columns a record sets (its skills are rows of their own: `skill_rows`).
PROFILE_FIELDS = ("role", "capacity", "teach", "goals", "bio", "format_preference",
                  "years_experience", "institution", "location", "time_zone")


def fill_profile(profile: ProfileRow, record: dict[str, Any],
                 fields: Iterable[str] = PROFILE_FIELDS) -> ProfileRow:
    """Set a stored profile's columns from a record (those in `fields`); return it."""
    from mentorship.profiles.models import FormatPreference, MentoringRole

    for key in fields:
        if key == "role":
            profile.role = MentoringRole(record["role"])
        elif key == "teach":  # None: every skill rated proficient or better is offered
            profile.teach_explicit = record["teach"] is not None
        elif key == "format_preference":
            profile.format_preference = FormatPreference(record["format_preference"])
        else:
            setattr(profile, key, record[key])
    return profile


def skill_rows(person_id: int, record: dict[str, Any]) -> list[dict[str, Any]]:
    """Return the ProfileSkill rows (as column values) that store a record's skills."""
    levels: dict[str, int] = record["skills"]
    learn = {skill: rank for rank, skill in enumerate(record["learn"], start=1)}
    teach = set(record["teach"] or ())
    return [
        {"person_id": person_id, "skill_id": skill, "level": levels.get(skill, 0),
         "learn_rank": learn.get(skill), "teaches": skill in teach}
        for skill in sorted(set(levels) | set(learn) | teach)
    ]


def engine_profile(email: str, manager_email: str | None, record: dict[str, Any]) -> Profile:
    """Return the engine's profile of a person's record (with their ``department``)."""
    return Profile(
        id=email,
        levels=record["skills"],
        learn=tuple(record["learn"]),
        teach=None if record["teach"] is None else tuple(record["teach"]),
        role=Role(record["role"]),
        capacity=record["capacity"],
        manager=manager_email,
        goals=record["goals"],
        bio=record["bio"],
        department=record["department"],
        institution=record["institution"],
        location=record["location"],
        years_experience=record["years_experience"],
        format_preference=MeetingFormat(record["format_preference"]),
        time_zone=record["time_zone"] or None,
    )


def load_profiles(session: Session, *, only: Callable[[list[Any]], set[int]] | None = None,
                  programme_id: int | None = None,
                  ) -> tuple[list[Profile], dict[str, int], tuple[tuple[str, str | None], ...]]:
    """Return the engine profiles of every active person with a profile, ids by email, and the
    management chain outside them.

    With `programme_id`, only the people enrolled in that programme; a manager outside it is
    still named as their manager (so the manager and same-manager rules hold) but not read.

    `only`, given the person rows (id, email, manager_id, role, capacity, ...), picks the ids to
    load; the skill rows of the others are never read. Skills a later taxonomy retired are left
    out of the engine's view (their rows stay). The chain outside is (email, manager's email) of
    every active person above a loaded one who is not loaded (a manager who takes no part, with
    no profile): the engine's `MatchSettings.outside_managers`. Two queries, or one per thousand
    people picked, and one per level of the chain outside; plain rows, not ORM objects.
    """
    from sqlalchemy import select

    from mentorship.core.db import batches
    from mentorship.people.models import Person
    from mentorship.profiles.models import Profile as ProfileRow
    from mentorship.profiles.models import ProfileSkill
    from mentorship.programmes.models import Enrolment
    from mentorship.taxonomy.models import Skill

    light = (Person.id, Person.email, Person.manager_id, ProfileRow.role, ProfileRow.capacity,
             ProfileRow.teach_explicit)
    factors = (Person.department, ProfileRow.format_preference,
               *(getattr(ProfileRow, key) for key, _ in FACTOR_DEFAULTS))
    texts = (ProfileRow.goals, ProfileRow.bio)
    base = select().join(ProfileRow, ProfileRow.person_id == Person.id).where(
        Person.active.is_(True))
    if programme_id is not None:
        base = base.where(Person.id.in_(select(Enrolment.person_id).where(
            Enrolment.programme_id == programme_id)))
    # Plain rows through the session's connection: the ORM's result layer is skipped, and a
    # large pool is a hundred thousand skill rows.
    session.flush()
    connection = session.connection()
    # One row per person, their skills aggregated in SQL: a pool of 10,000 has over 100,000
    # skill rows, and a row costs more to fetch than JSON to decode.
    skill_query = (select(ProfileSkill.person_id, *_skill_aggregates(connection.dialect.name))
                   .join(Skill, Skill.id == ProfileSkill.skill_id).where(Skill.active.is_(True))
                   .group_by(ProfileSkill.person_id))
    if only is None:
        people = connection.execute(base.add_columns(*light, *texts, *factors)).all()
        email_of = {row.id: row.email for row in people}
        skill_queries = [skill_query]
    else:
        # Goals and bios (the long columns) only for the people picked.
        everyone = connection.execute(base.add_columns(*light)).all()
        email_of = {row.id: row.email for row in everyone}
        ids = sorted(only(everyone))
        people = [row for chunk in batches(ids) for row in connection.execute(
            base.add_columns(*light, *texts, *factors).where(Person.id.in_(chunk)))]
        skill_queries = [skill_query.where(ProfileSkill.person_id.in_(chunk))
                         for chunk in batches(ids)]
    skills: dict[int, _Skills] = {}
    for batch in skill_queries:
        for person_id, levels, ranks, teaches in connection.execute(batch).all():
            skills[person_id] = _person_skills(levels, ranks, teaches)
    loaded = {row.id: row.email for row in people}
    outside = _chain_outside(session, loaded, {row.id: row.manager_id for row in people})
    manager_email = {**{i: email for i, (email, _) in outside.items()}, **loaded}
    profiles = [
        _pool_profile(row, manager_email.get(row.manager_id), skills.get(row.id) or ({}, (), ()))
        for row in people
    ]
    chain = tuple(sorted((email, manager_email.get(manager_id))
                         for email, manager_id in outside.values()))
    return profiles, {email: person_id for person_id, email in email_of.items()}, chain


#: A person's skills as the engine takes them: levels above 0 by skill, in skill order; the
#: skills they want to learn, most wanted first; the skills they flagged to teach.
_Skills = tuple[dict[str, int], tuple[str, ...], tuple[str, ...]]


def _skill_aggregates(dialect: str):
    """The SQL aggregates of one person's skill rows, for `_person_skills`: their levels and
    their learning ranks as JSON objects by skill, and the skills they teach joined with
    commas (skill ids are slugs: no comma in them). Built when a pool is read, so that
    importing this module needs no SQLAlchemy."""
    from sqlalchemy import Text, cast, func

    from mentorship.profiles.models import ProfileSkill

    by_skill = func.json_object_agg if dialect == "postgresql" else func.json_group_object
    return (
        cast(by_skill(ProfileSkill.skill_id, ProfileSkill.level)
             .filter(ProfileSkill.level > 0), Text),
        cast(by_skill(ProfileSkill.skill_id, ProfileSkill.learn_rank)
             .filter(ProfileSkill.learn_rank.is_not(None)), Text),
        func.aggregate_strings(ProfileSkill.skill_id, ",").filter(ProfileSkill.teaches.is_(True)),
    )


def _person_skills(levels: str | None, ranks: str | None, teaches: str | None) -> _Skills:
    """A person's skills from `_skill_aggregates` (None or "{}" where there are none)."""
    from mentorship.core.jsontext import from_json

    levels_by_skill = dict(sorted(from_json(levels).items())) if levels else {}
    rank = from_json(ranks) if ranks else {}
    return (levels_by_skill, tuple(sorted(rank, key=lambda skill: (rank[skill], skill))),
            tuple(sorted(teaches.split(","))) if teaches else ())


#: The engine's enums by the stored ones' values (a lookup, not an Enum call per person; the
#: stored enums are StrEnums, equal to their values as keys).
_ROLE = {role.value: role for role in Role}
_FORMAT = {meeting.value: meeting for meeting in MeetingFormat}


def _pool_profile(row: Any, manager_email: str | None, skills: _Skills) -> Profile:
    """The engine's profile of a pool row and its skills: what `engine_profile` makes of the
    row's record, built directly, since a pool has thousands."""
    levels, learn, teach = skills
    return Profile(
        id=row.email,
        levels=levels,
        learn=learn,
        teach=teach if row.teach_explicit else None,
        role=_ROLE[row.role],
        capacity=row.capacity,
        manager=manager_email,
        goals=row.goals,
        bio=row.bio,
        department=row.department,
        institution=row.institution,
        location=row.location,
        years_experience=row.years_experience,
        format_preference=_FORMAT[row.format_preference],
        time_zone=row.time_zone or None,
    )


def _chain_outside(session: Session, loaded: dict[int, str], manager_of: dict[int, int | None],
                   ) -> dict[int, tuple[str, int | None]]:
    """Return (email, manager id) by id of the active people above the loaded ones who are not
    loaded themselves, walking up level by level until the chain ends or comes back."""
    from sqlalchemy import select

    from mentorship.core.db import batches
    from mentorship.people.models import Person

    found: dict[int, tuple[str, int | None]] = {}
    missing = {m for m in manager_of.values() if m is not None and m not in loaded}
    while missing:
        rows = [row for chunk in batches(sorted(missing)) for row in session.execute(
            select(Person.id, Person.email, Person.manager_id)
            .where(Person.id.in_(chunk), Person.active.is_(True)))]
        for row in rows:
            found[row.id] = (row.email, row.manager_id)
        missing = {row.manager_id for row in rows if row.manager_id is not None
                   and row.manager_id not in loaded and row.manager_id not in found}
    return found

"""Read the matching pool out of the database as engine profiles."""

from __future__ import annotations

from collections import defaultdict

from sqlalchemy import select
from sqlalchemy.orm import Session

from matching import Profile, Role
from mentorship.people.models import Person
from mentorship.profiles.models import Profile as ProfileRow
from mentorship.profiles.models import ProfileSkill
from mentorship.taxonomy.models import Skill

__all__ = ["load_profiles"]


def load_profiles(session: Session) -> tuple[list[Profile], dict[str, int]]:
    """Return the engine profiles of every active person with a profile, and ids by email.

    Skills a later taxonomy retired are left out of the engine's view (their rows stay).
    Two queries, whatever the pool size.
    """
    rows = session.execute(
        select(Person.id, Person.email, Person.manager_id, ProfileRow)
        .join(ProfileRow, ProfileRow.person_id == Person.id)
        .where(Person.active.is_(True))
    ).all()
    email_of = {person_id: email for person_id, email, _, _ in rows}
    skills: dict[int, list[ProfileSkill]] = defaultdict(list)
    for skill in session.scalars(
        select(ProfileSkill).join(Skill, Skill.id == ProfileSkill.skill_id)
        .where(Skill.active.is_(True))
    ):
        skills[skill.person_id].append(skill)
    profiles = []
    for person_id, email, manager_id, profile in rows:
        own = skills.get(person_id, [])
        learn = tuple(s.skill_id for s in sorted((s for s in own if s.learn_rank is not None),
                                                 key=lambda s: s.learn_rank))
        profiles.append(Profile(
            id=email,
            levels={s.skill_id: s.level for s in own if s.level},
            learn=learn,
            teach=tuple(s.skill_id for s in own if s.teaches) if profile.teach_explicit else None,
            role=Role(str(profile.role)),
            capacity=profile.capacity,
            manager=email_of.get(manager_id),
            goals=profile.goals,
            bio=profile.bio,
        ))
    return profiles, {email: person_id for person_id, email in email_of.items()}

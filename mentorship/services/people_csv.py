"""Export people and their profiles in the CSV interchange format that the import reads."""

from __future__ import annotations

import csv
import io
from collections import defaultdict

from sqlalchemy import select
from sqlalchemy.orm import Session, aliased

from matching import Taxonomy
from mentorship.models import Person, Profile, ProfileSkill
from mentorship.profile_csv import COLUMNS
from mentorship.services.permissions import require_coordinator

__all__ = ["export_profiles_csv"]


def export_profiles_csv(session: Session, actor: Person | None, taxonomy: Taxonomy) -> str:
    """Every active person as one CSV row; importing the file again changes nothing.

    Three queries whatever the number of people.
    """
    require_coordinator(actor, "export people")
    manager = aliased(Person)
    rows = session.execute(
        select(Person, Profile, manager.email)
        .outerjoin(Profile, Profile.person_id == Person.id)
        .outerjoin(manager, Person.manager_id == manager.id)
        .where(Person.active.is_(True)).order_by(Person.email)
    ).all()
    skills: dict[int, list[ProfileSkill]] = defaultdict(list)
    for skill in session.scalars(select(ProfileSkill).order_by(ProfileSkill.person_id)):
        if skill.skill_id in taxonomy:
            skills[skill.person_id].append(skill)
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=COLUMNS, lineterminator="\n")
    writer.writeheader()
    for person, profile, manager_email in rows:
        own = skills.get(person.id, [])
        learn = sorted((s for s in own if s.learn_rank is not None), key=lambda s: s.learn_rank)
        explicit = profile is not None and profile.teach_explicit
        writer.writerow({
            "email": person.email, "name": person.name, "department": person.department,
            "manager_email": manager_email or "",
            "role": str(profile.role) if profile else "",
            "capacity": profile.capacity if profile else "",
            "skills": "; ".join(f"{taxonomy.name(s.skill_id)}={s.level}" for s in own if s.level),
            "learn": "; ".join(taxonomy.name(s.skill_id) for s in learn),
            "teach": "; ".join(taxonomy.name(s.skill_id) for s in own if s.teaches) if explicit
            else "",
            "goals": profile.goals if profile else "", "bio": profile.bio if profile else "",
        })
    return out.getvalue()

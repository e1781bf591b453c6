"""Export people and their profiles in the CSV interchange format that the import reads."""

from __future__ import annotations

import csv
import io
from collections import defaultdict

from sqlalchemy import select
from sqlalchemy.orm import Session, aliased

from matching import Taxonomy
from mentorship.core.permissions import require_coordinator
from mentorship.core.spreadsheet import spreadsheet_safe
from mentorship.people.models import Person
from mentorship.profiles.csv_io import COLUMNS
from mentorship.profiles.mapping import SkillRow, skills_record
from mentorship.profiles.models import Profile, ProfileSkill
from mentorship.programmes.access import people_in_view

__all__ = ["export_profiles_csv"]


def export_profiles_csv(session: Session, actor: Person | None, taxonomy: Taxonomy, *,
                        programme_id: int | None = None) -> str:
    """Every active person (of a programme, if given, and of the actor's programmes) as one
    CSV row; importing the file again changes nothing.

    Three queries whatever the number of people.
    """
    require_coordinator(actor, "export people")
    manager = aliased(Person)
    query = (select(Person, Profile, manager.email)
             .outerjoin(Profile, Profile.person_id == Person.id)
             .outerjoin(manager, Person.manager_id == manager.id)
             .where(Person.active.is_(True)))
    scope = people_in_view(session, actor, Person.id, programme_id)
    if scope is not None:
        query = query.where(scope)
    rows = session.execute(query.order_by(Person.email)).all()
    # Plain rows, not ORM objects: a 10,000-person file has over 100,000 skill rows.
    name = {skill: taxonomy.name(skill) for skill in taxonomy.skill_ids}
    stored: dict[int, list[SkillRow]] = defaultdict(list)
    skill_query = select(ProfileSkill.person_id, ProfileSkill.skill_id, ProfileSkill.level,
                         ProfileSkill.learn_rank, ProfileSkill.teaches)
    if scope is not None:
        skill_query = skill_query.where(people_in_view(session, actor, ProfileSkill.person_id,
                                                       programme_id))
    for person_id, *skill in session.execute(skill_query):
        if skill[0] in name:  # not a skill the taxonomy in force no longer has
            stored[person_id].append(tuple(skill))
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=COLUMNS, lineterminator="\n")
    writer.writeheader()
    for person, profile, manager_email in rows:
        record = skills_record(stored.get(person.id, ()),
                               teach_explicit=profile is not None and profile.teach_explicit)
        writer.writerow({key: spreadsheet_safe(str(value)) for key, value in {
            "email": person.email, "name": person.name, "department": person.department,
            "manager_email": manager_email or "",
            "role": str(profile.role) if profile else "",
            "capacity": profile.capacity if profile else "",
            "skills": "; ".join(f"{name[s]}={level}" for s, level in record["skills"].items()),
            "learn": "; ".join(name[s] for s in record["learn"]),
            "teach": "; ".join(name[s] for s in record["teach"] or ()),
            "goals": profile.goals if profile else "", "bio": profile.bio if profile else "",
            "format_preference": str(profile.format_preference) if profile else "",
            "years_experience": "" if profile is None or profile.years_experience is None
                                else profile.years_experience,
            "institution": profile.institution if profile else "",
            "location": profile.location if profile else "",
            "time_zone": profile.time_zone if profile else "",
        }.items()})
    return out.getvalue()

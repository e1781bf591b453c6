"""Import and update people and their skill profiles."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from marshmallow import ValidationError
from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from matching import Taxonomy
from mentorship.core.audit import record_event
from mentorship.core.db import analyze_tables, batches, hold_lock, insert_rows
from mentorship.core.errors import Conflict, InvalidInput, NotFound, PermissionDenied, RowError
from mentorship.core.permissions import require_coordinator
from mentorship.people.directory import get_person
from mentorship.people.models import PEOPLE_LOCK, Person
from mentorship.profiles.column_map import ColumnMap, save_column_map, saved_column_map
from mentorship.profiles.csv_io import FACTOR_COLUMNS, PROGRESS_EVERY, ProfileTable
from mentorship.profiles.limits import MAX_LEVEL, MIN_LEVEL
from mentorship.profiles.mapping import PROFILE_FIELDS, fill_profile, skill_rows, stored_record
from mentorship.profiles.models import Profile, ProfileSkill
from mentorship.profiles.schemas import ProfileSchema, profile_update_schema
from mentorship.programmes.access import require_people_in_view
from mentorship.programmes.models import Enrolment
from mentorship.programmes.operations import enrol_people
from mentorship.programmes.queries import programme_in_view
from mentorship.taxonomy.sync import sync_taxonomy

__all__ = ["ImportReport", "check_profile", "column_map_scope", "get_profile",
           "import_mapped_profiles", "import_profiles", "programme_column_map", "register_person",
           "set_skill_levels", "update_profile", "update_profile_of"]


@dataclass
class ImportReport:
    """What an import did: people created and updated, rows left out, warnings."""

    created: int = 0
    updated: int = 0
    skipped: int = 0
    # Managers in neither the file nor the database, added as people without a profile.
    managers_added: int = 0
    warnings: list[str] = field(default_factory=list)
    # Skill names of the file not taken as written (see ProfileTable.skill_warnings).
    skill_warnings: list[RowError] = field(default_factory=list)
    # People of the file newly enrolled in the import's programme.
    enrolled: int = 0
    # The programme the import enrolled them in.
    programme_id: int = 0


#: A file of at least this many people refreshes the database's statistics of what it wrote
#: (`analyze_tables`), so that a preview right after it is planned for the pool's real size.
ANALYZE_AFTER = 1000


def import_profiles(
    session: Session, actor: Person | None, table: ProfileTable, taxonomy: Taxonomy, *,
    programme_id: int | None = None, progress: Callable[[int], None] | None = None,
) -> ImportReport:
    """Create or update a person and profile for each record of a validated profile table,
    and enrol them in the programme (`programme_id`, else the one `programme_in_view` picks).

    People are matched by email, so importing the same file again changes nothing; people
    not in the file are left as they are. A manager is linked when they are in the file or
    already in the database, and is otherwise added as a person who takes no part (no
    profile). Skill rows are replaced in bulk (one delete and one multi-row insert), not row by
    row. People who have signed up keep the profile they wrote: only their name, department
    and manager change (a warning says so). A file naming someone in none of a limited
    coordinator's programmes is refused whole (PermissionDenied), before anything is written.
    `progress` is told how many records have been written, every `PROGRESS_EVERY` and at the end.
    """
    require_coordinator(actor, "import people")
    programme = programme_in_view(session, actor, programme_id)
    # One writer of people by email at a time: two imports of one file do not both insert.
    hold_lock(session, PEOPLE_LOCK)
    emails = list(table.records)
    people = {
        person.email: person
        for chunk in batches(emails)
        for person in session.scalars(select(Person).where(Person.email.in_(chunk)))
    }
    # Before anything is written: a coordinator limited to some programmes adds new people
    # and updates their own, never someone who is only in others' programmes.
    require_people_in_view(session, actor, [person.id for person in people.values()])
    sync_taxonomy(session, actor, taxonomy)
    report = ImportReport(skipped=len({error.row for error in table.errors}),
                          warnings=list(table.warnings), skill_warnings=list(table.skill_warnings))
    # People who have signed up own their profile: a spreadsheet updates only their name,
    # department and manager.
    own_profile = {email for email, person in people.items()
                   if person.password_hash and person.profile is not None}
    # A column the file leaves out (an older file) leaves the stored value as it is.
    fields = [f for f in PROFILE_FIELDS if f not in FACTOR_COLUMNS or f in table.columns]
    for written, (email, record) in enumerate(table.records.items(), start=1):
        if progress is not None and written % PROGRESS_EVERY == 0:
            progress(written)
        person = people.get(email)
        if person is None:
            person = Person(email=email, name=record["name"])
            session.add(person)
            people[email] = person
            report.created += 1
        elif _person_changes(person, record) or (
                email not in own_profile and _profile_changes(person.profile, record, fields)):
            report.updated += 1
        person.name = record["name"]
        person.department = record["department"]
        if email in own_profile:
            if _profile_changes(person.profile, record, fields):
                report.warnings.append(
                    f"row {table.rows[email]}: {email} has signed up and keeps the profile "
                    "they wrote; only name, department and manager were updated")
            continue
        person.profile = fill_profile(person.profile or Profile(), record, fields)
    session.flush()

    for email, record in table.records.items():
        manager_email = record["manager_email"]
        if manager_email is None:
            people[email].manager_id = None
            continue
        manager = people.get(manager_email) or session.scalar(
            select(Person).where(Person.email == manager_email))
        if manager is None:
            # A manager who takes no part: a person without a profile, so that the manager
            # and same-manager rules run through them.
            manager = Person(email=manager_email, name=manager_email)
            session.add(manager)
            session.flush()
            people[manager_email] = manager
            report.managers_added += 1
            report.warnings.append(f"row {table.rows[email]}: manager {manager_email} is not "
                                   "in the file or the database: added as a person who takes "
                                   "no part")
        people[email].manager_id = manager.id

    emails = [email for email in emails if email not in own_profile]
    ids = [people[email].id for email in emails]
    for chunk in batches(ids):
        session.execute(delete(ProfileSkill).where(ProfileSkill.person_id.in_(chunk)))
    rows = [row for email in emails for row in skill_rows(people[email].id, table.records[email])]
    # A pool of 10,000 has over 100,000 skill rows: COPY (or one executemany of tuples).
    insert_rows(session.connection(), ProfileSkill.__table__, rows)
    for email in emails:  # the bulk write bypassed the ORM: reload on next access
        if people[email].profile is not None:
            session.expire(people[email].profile, ["skills"])
    report.programme_id = programme.id
    report.enrolled = enrol_people(session, actor, programme.id,
                                   [people[email].id for email in table.records])
    if len(table.records) >= ANALYZE_AFTER:
        analyze_tables(session, [Person.__table__, Profile.__table__, ProfileSkill.__table__,
                                 Enrolment.__table__])
    record_event(session, actor, "people.import", "person", "", created=report.created,
                 updated=report.updated, skipped=report.skipped,
                 managers_added=report.managers_added,
                 skill_warnings=len(report.skill_warnings))
    session.flush()
    if progress is not None:
        progress(len(table.records))
    return report


def _person_changes(person: Person, record: dict[str, Any]) -> bool:
    manager_email = person.manager.email if person.manager is not None else None
    return (person.name, person.department, manager_email) != (
        record["name"], record["department"], record["manager_email"])


def _profile_changes(profile: Profile | None, record: dict[str, Any],
                     fields: list[str]) -> bool:
    if profile is None:
        return True
    factors = [f for f in fields if f in FACTOR_COLUMNS]

    def comparable(data: dict[str, Any]) -> tuple:
        teach = data["teach"]
        return (data["role"], data["capacity"], data["goals"], data["bio"],
                {skill: level for skill, level in data["skills"].items() if level},
                list(data["learn"]), None if teach is None else sorted(teach),
                [data[f] for f in factors])

    return comparable(stored_record(profile)) != comparable(record)


def _validated(schema, payload: dict[str, Any]) -> dict[str, Any]:
    """Load `payload` with `schema`; a ValidationError becomes InvalidInput, field by field."""
    try:
        return schema.load(payload)
    except ValidationError as error:
        messages = error.normalized_messages()
        raise InvalidInput("the profile is not valid", [
            RowError(0, field, str(payload.get(field, ""))[:80], "; ".join(map(str, problems))
                     if isinstance(problems, list) else str(problems))
            for field, problems in sorted(messages.items())
        ]) from error


def _write_profile(session: Session, person: Person, data: dict[str, Any]) -> None:
    profile = person.profile = fill_profile(person.profile or Profile(), data)
    session.flush()
    session.execute(delete(ProfileSkill).where(ProfileSkill.person_id == person.id))
    rows = skill_rows(person.id, data)
    if rows:
        session.execute(ProfileSkill.__table__.insert(), rows)
    session.expire(profile, ["skills"])


def register_person(
    session: Session, actor: Person | None, payload: dict[str, Any], taxonomy: Taxonomy, *,
    programme_id: int | None = None,
) -> Person:
    """Create a person and their profile from a form or API body (the CSV row's schema),
    enrolled in the programme (as `import_profiles` picks it).

    Roles cannot be set this way: a new person is staff.
    """
    data = _validated(ProfileSchema(taxonomy=taxonomy), payload)
    hold_lock(session, PEOPLE_LOCK)
    if session.scalar(select(Person.id).where(Person.email == data["email"])) is not None:
        raise Conflict(f"{data['email']} is already registered")
    manager_id = None
    if data["manager_email"]:
        manager_id = session.scalar(select(Person.id).where(Person.email == data["manager_email"]))
        if manager_id is None:
            raise InvalidInput("the profile is not valid", [RowError(
                0, "manager_email", data["manager_email"], "manager is not a registered person")])
    sync_taxonomy(session, actor, taxonomy)
    person = Person(email=data["email"], name=data["name"], department=data["department"],
                    manager_id=manager_id)
    session.add(person)
    session.flush()
    _write_profile(session, person, data)
    record_event(session, actor, "person.register", "person", person.id)
    enrol_people(session, actor, programme_in_view(session, actor, programme_id).id, [person.id])
    return person


def update_profile(
    session: Session, actor: Person | None, email: str, payload: dict[str, Any],
    taxonomy: Taxonomy,
) -> Person:
    """Replace a person's profile from a form or API body; only the person or an admin may.

    Identity, roles and manager are not profile fields: a body naming them is rejected.
    """
    address = email.strip().casefold()
    person = session.scalar(select(Person).where(Person.email == address))
    if person is None:
        raise NotFound(f"no person with email {email!r}")
    if actor is not None and actor.id != person.id and not actor.is_admin:
        raise PermissionDenied("staff edit only their own profile")
    data = _validated(profile_update_schema(taxonomy), payload)
    sync_taxonomy(session, actor, taxonomy)
    # Locked: two saves of one profile at once run one after the other (the later one wins),
    # instead of both replacing the same skill rows.
    session.scalar(select(Person.id).where(Person.id == person.id).with_for_update())
    _write_profile(session, person, data)
    record_event(session, actor, "profile.update", "person", person.id)
    return person


def check_profile(payload: dict[str, Any], taxonomy: Taxonomy) -> None:
    """Check a profile body as `update_profile` would, saving nothing; InvalidInput says what
    is wrong, field by field (a form with a problem of its own still hears of every other)."""
    _validated(profile_update_schema(taxonomy), payload)


def set_skill_levels(session: Session, actor: Person | None, person_id: int,
                     levels: dict[str, int], *, source: str) -> dict[str, tuple[int, int]]:
    """Set some of a person's skill levels (their own confirmed self-rating); return what changed.

    Only the person themselves (or the command line) may; wants and teaching offers stay as
    they are. The change is audited with `source` (what asked for it) and each skill's old and
    new level, so the next round and the skills page see it.
    """
    if actor is not None and actor.id != person_id:
        raise PermissionDenied("only the person themselves changes their skill levels")
    if any(not MIN_LEVEL <= level <= MAX_LEVEL for level in levels.values()):
        raise InvalidInput("a level is out of range", [RowError(
            0, "levels", "", f"levels are whole numbers from {MIN_LEVEL} to {MAX_LEVEL}")])
    # Locked like a profile save: this and a concurrent save of the profile go one at a time.
    if session.scalar(select(Person.id).where(Person.id == person_id).with_for_update()) is None:
        raise NotFound(f"no person {person_id}")
    person = session.get(Person, person_id)
    if person.profile is None:
        raise NotFound(f"person {person_id} has no profile yet")
    rows = {row.skill_id: row for row in session.scalars(
        select(ProfileSkill).where(ProfileSkill.person_id == person_id,
                                   ProfileSkill.skill_id.in_(list(levels))))}
    changed = {}
    for skill, level in sorted(levels.items()):
        row = rows.get(skill)
        before = row.level if row is not None else 0
        if before == level:
            continue
        if row is None:
            session.add(ProfileSkill(person_id=person_id, skill_id=skill, level=level))
        else:
            row.level = level
        changed[skill] = (before, level)
    session.flush()
    session.expire(person.profile, ["skills"])
    if changed:
        record_event(session, actor, "profile.levels", "person", person_id, source=source,
                     levels={skill: list(pair) for skill, pair in changed.items()})
    return changed


def get_profile(session: Session, actor: Person | None, person_id: int) -> Profile:
    """Return the profile of a person the actor may see (NotFound if they have none)."""
    person = get_person(session, actor, person_id)
    if person.profile is None:
        raise NotFound(f"person {person_id} has no profile yet")
    return person.profile


def update_profile_of(session: Session, actor: Person | None, person_id: int,
                      payload: dict[str, Any], taxonomy: Taxonomy) -> Profile:
    """Replace the profile of the person with this id (the person or an admin only)."""
    if actor is not None and actor.id != person_id and not actor.is_admin:
        raise PermissionDenied("staff edit only their own profile")
    person = session.get(Person, person_id)
    if person is None:
        raise NotFound(f"no person {person_id}")
    return update_profile(session, actor, person.email, payload, taxonomy).profile


def import_mapped_profiles(
    session: Session, actor: Person | None, table: ProfileTable, taxonomy: Taxonomy, *,
    column_map: ColumnMap, programme_id: int | None = None,
    progress: Callable[[int], None] | None = None,
) -> ImportReport:
    """Import a form export read through a column map into a programme (as `import_profiles`
    does), and keep the map with the programme for its next import."""
    report = import_profiles(session, actor, table, taxonomy, programme_id=programme_id,
                             progress=progress)
    save_column_map(session, actor, column_map_scope(report.programme_id), column_map)
    return report


def programme_column_map(session: Session, actor: Person | None,
                         programme_id: int | None) -> ColumnMap | None:
    """Return the column map kept with the programme (as `import_profiles` picks it), if any."""
    require_coordinator(actor, "import people")
    programme = programme_in_view(session, actor, programme_id)
    return saved_column_map(session, column_map_scope(programme.id))


def column_map_scope(programme_id: int) -> str:
    """The key a programme's saved column map is kept under."""
    return f"programme:{programme_id}"

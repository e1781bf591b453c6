"""The demo: about 150 synthetic library staff, a published round, and three demo sign-ins."""

from __future__ import annotations

import csv
import io
import secrets
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from matching import Taxonomy
from mentorship.core.errors import Conflict
from mentorship.demo.synthetic import CSV_COLUMNS, EMAIL_DOMAIN, generate_staff
from mentorship.people.accounts import set_password, set_roles
from mentorship.people.models import Person
from mentorship.profiles.csv_io import read_profiles_csv
from mentorship.profiles.operations import import_profiles, register_person
from mentorship.programmes.queries import default_programme
from mentorship.rounds.models import Match, Round, RoundStatus
from mentorship.rounds.operations import create_round, publish_round
from mentorship.rounds.run import preview_round

__all__ = ["DEMO_COORDINATOR", "DemoSignIn", "seed_demo"]

DEMO_COORDINATOR = {
    "email": "coordinator@westbrook.edu", "name": "Jordan Okafor",
    "department": "Learning and Development", "role": "both", "capacity": "0",
    "goals": "Run the peer-mentoring programme for library technology staff",
    "bio": "Staff development coordinator; runs the mentoring rounds.",
}


@dataclass(frozen=True)
class DemoSignIn:
    """One demo account: who, as what, and the password set for this run."""

    role: str
    name: str
    email: str
    password: str


def seed_demo(session: Session, taxonomy: Taxonomy, *, people: int = 150,
              seed: int = 2026) -> list[DemoSignIn]:
    """Load the synthetic staff and publish a round, unless already done; set demo passwords.

    Idempotent: run again, it keeps the data, adds no round and only sets new passwords. A
    database holding anyone the demo did not create is refused (Conflict) and left untouched.
    Commits.
    """
    strangers = session.scalar(select(func.count()).select_from(Person).where(
        Person.email.not_like(f"%@{EMAIL_DOMAIN}")))
    if not strangers and session.scalar(select(Person.id).limit(1)) is not None and session.scalar(
            select(Person.id).where(Person.email == DEMO_COORDINATOR["email"])) is None:
        # The demo makes its staff and its coordinator in one transaction: people without the
        # coordinator came from elsewhere (examples/library_staff.csv shares the demo's domain).
        strangers = session.scalar(select(func.count()).select_from(Person))
    if strangers:
        who = "1 person" if strangers == 1 else f"{strangers} people"
        raise Conflict(f"this database holds {who} the demo did not create: the demo "
                       "only runs on its own database (leave DATABASE_URL unset, or point it at "
                       "an empty database)")
    # Everything the demo makes lives in the default programme (the migration creates it).
    programme = default_programme(session)
    if session.scalar(select(func.count()).select_from(Person)) == 0:
        out = io.StringIO()
        writer = csv.DictWriter(out, fieldnames=CSV_COLUMNS)
        writer.writeheader()
        writer.writerows(generate_staff(people, seed=seed))
        out.seek(0)
        import_profiles(session, None, read_profiles_csv(out, taxonomy), taxonomy,
                        programme_id=programme.id)
        coordinator = register_person(session, None, DEMO_COORDINATOR, taxonomy,
                                      programme_id=programme.id)
        set_roles(session, None, coordinator.id, coordinator=True, admin=True)
        session.commit()
    if session.scalar(select(func.count()).select_from(Round)) == 0:
        spring = create_round(session, None, "Spring 2026 mentoring", settings={"min_score": 0.1},
                              programme_id=programme.id)
        preview_round(session, None, spring.id, taxonomy=taxonomy)
        publish_round(session, None, spring.id)
        session.commit()
    # The newest round with pairs people can see (the demo's own, unless one was added since).
    shown = session.scalar(select(Round).where(
        Round.status.in_([RoundStatus.PUBLISHED, RoundStatus.CLOSED]))
        .order_by((Round.status == RoundStatus.PUBLISHED).desc(), Round.id.desc()).limit(1))
    return _demo_sign_ins(session, shown)


def _demo_sign_ins(session: Session, shown: Round | None) -> list[DemoSignIn]:
    """Set new passwords for the demo coordinator and a mentor and mentee of `shown`."""
    coordinator = session.scalar(select(Person.id).where(Person.email == DEMO_COORDINATOR["email"]))
    mentor_id = mentee_id = None
    if shown is not None:
        mentees = func.count(Match.id)
        mentor_id = session.scalar(
            select(Match.mentor_id).where(Match.round_id == shown.id, Match.mentor_id.is_not(None))
            .group_by(Match.mentor_id).order_by(mentees.desc(), Match.mentor_id).limit(1))
        mentee_id = session.scalar(
            select(Match.mentee_id).where(Match.round_id == shown.id, Match.mentor_id != mentor_id,
                                          Match.mentee_id.is_not(None))
            .order_by(Match.score.desc(), Match.id).limit(1))
    accounts = []
    for role, person_id in (("coordinator", coordinator), ("mentor", mentor_id),
                            ("mentee", mentee_id)):
        if person_id is None:  # deleted since, or no round to show
            continue
        password = "-".join(secrets.token_hex(3) for _ in range(3))
        person = set_password(session, None, person_id, password)
        accounts.append(DemoSignIn(role, person.name, person.email, password))
    session.commit()
    return accounts

"""Everything a coordinator may see of one person on one page: who they are, their profile,
their pairs in every round (live and past) and what was done to their record."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from mentorship.core.audit import AuditEvent
from mentorship.core.permissions import Actor, require_coordinator
from mentorship.people.directory import get_person
from mentorship.people.models import Person
from mentorship.profiles.mapping import stored_record
from mentorship.programmes.access import visible_programme_ids
from mentorship.rounds.models import Match, Round

__all__ = ["PairInRound", "PersonOverview", "person_overview"]

#: The newest audit events shown on a person's page.
EVENTS_SHOWN = 50


@dataclass(frozen=True)
class PairInRound:
    """One pair the person is in, seen from their side."""

    match: Match
    round: Round
    side: str                  # "mentor" or "mentee" (in peer mode, "mentor" is the first);
    #                            "circle" in a peer circle, `other` being the one they teach
    other: Person | None       # None: the other person was deleted


@dataclass(frozen=True)
class PersonOverview:
    """A person's page."""

    person: Person
    profile: dict[str, Any] | None   # the profile record (mapping.stored_record), if any
    pairs: list[PairInRound]          # newest round first
    events: list[AuditEvent]          # newest first
    actors: dict[int, Person]         # who did each event (absent: the system, or deleted)


def person_overview(session: Session, actor: Actor | None, person_id: int) -> PersonOverview:
    """Return a person's page for a coordinator: profile, pairs in every round (of the
    coordinator's programmes), audit trail."""
    require_coordinator(actor, "see people")
    person = get_person(session, actor, person_id)
    query = (select(Match, Round).join(Round, Round.id == Match.round_id)
             .where(or_(Match.mentor_id == person_id, Match.mentee_id == person_id,
                        Match.third_id == person_id)))
    visible = visible_programme_ids(session, actor)
    if visible is not None:  # a coordinator given programmes sees the pairs of those only
        query = query.where(Round.programme_id.in_(visible))
    matches = session.execute(
        query.order_by(Round.created_at.desc(), Round.id.desc(), Match.id)).all()
    other_ids = {p for m, _ in matches for p in m.member_ids if p != person_id}
    others = {p.id: p for p in session.scalars(select(Person).where(Person.id.in_(other_ids)))}
    pairs = []
    for match, round_ in matches:
        if match.third_id is not None:  # a peer circle: shown with the one they teach
            members = match.member_ids
            learner = members[(members.index(person_id) + 1) % 3]
            pairs.append(PairInRound(match, round_, "circle", others.get(learner)))
            continue
        side = "mentor" if match.mentor_id == person_id else "mentee"
        other_id = match.mentee_id if side == "mentor" else match.mentor_id
        pairs.append(PairInRound(match, round_, side, others.get(other_id)))
    events = session.scalars(
        select(AuditEvent).where(AuditEvent.target_type == "person",
                                 AuditEvent.target_id == str(person_id))
        .order_by(AuditEvent.at.desc(), AuditEvent.id.desc()).limit(EVENTS_SHOWN)).all()
    profile = stored_record(person.profile) if person.profile is not None else None
    actor_ids = {e.actor_id for e in events if e.actor_id is not None}
    actors = ({p.id: p for p in session.scalars(select(Person).where(Person.id.in_(actor_ids)))}
              if actor_ids else {})
    return PersonOverview(person, profile, pairs, list(events), actors)

"""A person's data: export everything held about them, or delete it."""

from __future__ import annotations

import json
import re
from typing import Any

from sqlalchemy import String, cast, delete, or_, select
from sqlalchemy.orm import Session

from matching.explain import shown
from mentorship.core.audit import AuditEvent, record_event
from mentorship.core.errors import NotFound, PermissionDenied
from mentorship.mail.models import OutboxMessage
from mentorship.people.models import Person, SignupRequest
from mentorship.rounds.models import Agreement, Match, PairRule, Round
from mentorship.rounds.reasons import (
    PARTICIPANT,
    explain_reasons,
    forget_in_entries,
    forget_in_reasons,
)

__all__ = ["DELETED", "delete_person", "export_person"]

#: What stands in a round's records where a deleted person's email was.
DELETED = "(deleted person)"


def _find(session: Session, email: str) -> Person:
    person = session.scalar(select(Person).where(Person.email == email.strip().casefold()))
    if person is None:
        raise NotFound(f"no person with email {email!r}")
    return person


def _may_see(actor: Person | None, person: Person) -> None:
    if actor is not None and actor.id != person.id and not actor.is_admin:
        raise PermissionDenied("only the person themselves or an admin can do this")


def export_person(session: Session, actor: Person | None, email: str) -> dict[str, Any]:
    """Return everything held about a person: identity, profile, skills, pairs, rules, events."""
    person = _find(session, email)
    _may_see(actor, person)
    profile = person.profile
    matches = session.scalars(select(Match).where(
        or_(Match.mentor_id == person.id, Match.mentee_id == person.id,
            Match.third_id == person.id))).all()
    rules = session.scalars(select(PairRule).where(
        or_(PairRule.first_id == person.id, PairRule.second_id == person.id))).all()
    events = session.scalars(select(AuditEvent).where(
        or_(AuditEvent.actor_id == person.id,
            (AuditEvent.target_type == "person") & (AuditEvent.target_id == str(person.id)))
    )).all()
    data = {
        "person": {
            "email": person.email, "name": person.name, "department": person.department,
            "manager_email": person.manager.email if person.manager else None,
            "active": person.active, "coordinator": person.is_coordinator,
            "admin": person.is_admin, "created_at": person.created_at.isoformat(),
        },
        "profile": None if profile is None else {
            "role": str(profile.role), "capacity": profile.capacity, "goals": profile.goals,
            "bio": profile.bio, "format_preference": str(profile.format_preference),
            "years_experience": profile.years_experience, "institution": profile.institution,
            "location": profile.location, "time_zone": profile.time_zone,
            "skills": [{"skill": s.skill_id, "level": s.level, "learn_rank": s.learn_rank,
                        "teaches": s.teaches} for s in profile.skills],
        },
        "matches": [{
            "round": m.round_id, "as": "circle" if m.third_id is not None
            else "mentor" if m.mentor_id == person.id else "mentee",
            "score": m.score, "status": str(m.status), "reasons": reasons,
            "decline_reason": m.decline_reason, "end_reason": m.end_reason,
            "end_note": m.end_note, "created_at": m.created_at.isoformat(),
            "agreement": _agreement_of(session, m.id),
        } for m, reasons in zip(matches, explain_reasons(
            session, [m.reasons for m in matches], None, audience=PARTICIPANT), strict=True)],
        "rules": [{"kind": r.kind, "round": r.round_id} for r in rules],
        "round_reports": _round_mentions(session, person.email),
        "events": [{"at": e.at.isoformat(), "action": e.action, "target": e.target_type}
                   for e in events],
        "mail": [{"kind": m.kind, "subject": m.subject, "status": str(m.status),
                  "created_at": m.created_at.isoformat(),
                  "sent_at": m.sent_at.isoformat() if m.sent_at else None}
                 for m in session.scalars(select(OutboxMessage).where(
                     or_(OutboxMessage.person_id == person.id,
                         OutboxMessage.email == person.email)).order_by(OutboxMessage.id))],
    }
    record_event(session, actor, "person.export", "person", person.id)
    return data


def _agreement_of(session: Session, match_id: int) -> dict[str, Any] | None:
    agreement = session.get(Agreement, match_id)
    if agreement is None:
        return None
    return {"goals": agreement.goals, "frequency": agreement.frequency,
            "meeting_format": agreement.meeting_format,
            "start_date": agreement.start_date.isoformat(),
            "end_date": agreement.end_date.isoformat(), "version": agreement.version,
            "confirmed": agreement.confirmed}


def delete_person(session: Session, actor: Person | None, email: str) -> None:
    """Delete a person's personal data; the pairs they were in stay, anonymised.

    Their match rows keep score and status with the person's side set to NULL (so a round's
    counts stay true), their email is scrubbed from every stored round report, and stored
    reasons that refer to them by id refer to nobody (they read "a former participant").
    """
    person = _find(session, email)
    _may_see(actor, person)
    address = person.email
    person_id = person.id
    # Rows that mention the email in their JSON reports (alternatives, reasons, unmatched).
    # JSON may store the address as typed or with \u escapes: look for both spellings.
    patterns = {f"%{address}%", f"%{json.dumps(address)[1:-1]}%"}

    def mentions(column):
        return or_(*(cast(column, String).like(pattern) for pattern in patterns))

    for match in session.scalars(select(Match).where(or_(
            mentions(Match.alternatives), mentions(Match.reasons)))):
        match.alternatives = _scrub(match.alternatives, address)
        match.reasons = _scrub(match.reasons, address)
    # Stored reasons name people by id: erase theirs (an id may be given again to someone
    # new). A reason can only name someone of the round's pool (its input) or of its pairs.
    rounds_of = set(session.scalars(select(Match.round_id).where(
        or_(Match.mentor_id == person_id, Match.mentee_id == person_id,
            Match.third_id == person_id))))
    rounds_of |= set(session.scalars(select(Round.id).where(mentions(Round.input_snapshot))))
    for match in session.scalars(select(Match).where(Match.round_id.in_(sorted(rounds_of)))):
        forgotten = forget_in_reasons(match.reasons, person_id)
        if forgotten != match.reasons:  # write only the rows that named them
            match.reasons = forgotten
    for round_ in session.scalars(select(Round).where(or_(
            Round.id.in_(sorted(rounds_of)), mentions(Round.unmatched),
            mentions(Round.diagnostics), mentions(Round.input_snapshot),
            Round.failure_reason.contains(address)))):
        forgotten = forget_in_entries(_scrub(round_.unmatched, address), person_id)
        if forgotten != round_.unmatched:
            round_.unmatched = forgotten
        round_.diagnostics = _scrub(round_.diagnostics, address)
        round_.input_snapshot = _scrub(_without_own_text(round_.input_snapshot, address), address)
        round_.failure_reason = _scrub(round_.failure_reason, address)
    for event in session.scalars(select(AuditEvent).where(AuditEvent.actor_id == person_id)):
        event.details = {}  # what they did may quote what they wrote
    for match in session.scalars(select(Match).where(
            or_(Match.mentor_id == person_id, Match.mentee_id == person_id,
                Match.third_id == person_id))):
        match.decline_reason = ""  # free text the person wrote
        match.end_note = ""  # free text about the pair, perhaps by them
        agreement = session.get(Agreement, match.id)
        if agreement is not None:  # its goals began as their wants and goals
            session.delete(agreement)
    # Sign-ups with their address hold their name (those tied to the person cascade).
    session.execute(delete(SignupRequest).where(SignupRequest.email == address))
    # Mail to them, and mail to others that names them with their address (a partner's).
    session.execute(delete(OutboxMessage).where(or_(
        OutboxMessage.person_id == person_id, OutboxMessage.email == address,
        OutboxMessage.text_body.contains(address, autoescape=True)))
        .execution_options(synchronize_session=False))
    session.delete(person)  # profile and skills cascade; matches' side becomes NULL
    session.flush()
    record_event(session, actor, "person.delete", "person", person_id)
    session.flush()


def _round_mentions(session: Session, email: str) -> list[dict[str, Any]]:
    """Return what stored round reports hold about a person: unmatched reasons, stored input."""
    found = []
    for round_ in session.scalars(select(Round).where(or_(
            cast(Round.unmatched, String).like(f"%{email}%"),
            cast(Round.input_snapshot, String).like(f"%{email}%")))):
        # As the person may read them: names only coordinators see are left out.
        unmatched = [{**u, "reason": shown(u.get("reason", ""), audience=PARTICIPANT),
                      "details": [shown(d, audience=PARTICIPANT) for d in u.get("details") or []]}
                     for u in round_.unmatched or [] if u.get("id") == email]
        profiles = [p for p in (round_.input_snapshot or {}).get("profiles", [])
                    if p.get("id") == email]
        found.append({"round": round_.id, "unmatched": unmatched, "input_profile": profiles})
    return found


def _without_own_text(snapshot: dict | None, email: str) -> dict | None:
    """Blank the free text a person wrote, and where they work, in a round's stored input."""
    if not snapshot:
        return snapshot
    for profile in snapshot.get("profiles", []):
        if profile.get("id") == email:
            profile.update(goals="", bio="", levels={}, learn=[], teach=[])
            for key in ("department", "institution", "location"):
                if key in profile:  # snapshots from before the factors lack them
                    profile[key] = ""
            for key in ("years_experience", "time_zone"):
                if key in profile:
                    profile[key] = None
    return snapshot


def _scrub(value: Any, email: str) -> Any:
    """Return a JSON value with `email` replaced wherever it stands as a whole address.

    "ann@lib.edu" must not eat into "joann@lib.edu", hence the look-around for email characters.
    """
    text = json.dumps(value, ensure_ascii=False)
    scrubbed = re.sub(rf"(?<![\w.+-]){re.escape(email)}(?![\w.-])", DELETED, text)
    return json.loads(scrubbed)

"""Mail about pairs: a round published, a pair declined and re-matched, a pair not accepted.

Each mail names the recipient's partners with their goals and the reasons for the pair as a
participant reads them (`explain_reasons` with the participant audience: never the notes only
coordinators see). Every mail has a dedupe key of its pair and person, so publishing, declining
or reminding again never mails anyone twice.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from matching import Taxonomy
from mentorship.core.db import batches
from mentorship.core.models import utc_now
from mentorship.core.permissions import Actor, require_coordinator
from mentorship.core.settings import mail_settings
from mentorship.mail import queue_mail
from mentorship.mail.outbox import SETTINGS_KEY, link_to
from mentorship.people.models import Person
from mentorship.rounds.models import LIVE_STATUSES, Match, MatchStatus, Round, RoundStatus
from mentorship.rounds.reasons import PARTICIPANT, explain_reasons

__all__ = ["queue_decline_notices", "queue_pair_reminders", "queue_round_published"]


def _people(session: Session, matches: list[Match]) -> dict[int, Person]:
    """The members of `matches` who can be mailed (active), with their profiles."""
    wanted = sorted({p for m in matches for p in m.member_ids if p is not None})
    found: dict[int, Person] = {}
    for chunk in batches(wanted):
        found.update((p.id, p) for p in session.scalars(
            select(Person).where(Person.id.in_(chunk), Person.active.is_(True))
            .options(selectinload(Person.profile))))
    return found


def _partners(match: Match, person_id: int, people: dict[int, Person]) -> list[dict[str, str]]:
    """The recipient's partners in a pair or circle, each with how they relate to them."""
    members = match.member_ids
    if match.third_id is not None:
        at = members.index(person_id)
        relations = [(members[(at + 1) % 3], "learns from you"), (members[(at + 2) % 3], "teaches you")]
    elif person_id == match.mentor_id:
        relations = [(match.mentee_id, "your mentee")]
    else:
        relations = [(match.mentor_id, "your mentor")]
    partners = []
    for other_id, relation in relations:
        other = people.get(other_id)
        if other is None:
            continue
        partners.append({"name": other.name, "email": other.email, "department": other.department,
                         "goals": other.profile.goals if other.profile else "",
                         "relation": relation})
    return partners


def _queue_for_members(session: Session, kind: str, matches: list[Match], taxonomy: Taxonomy | None,
                       *, recipients=None, extra=None) -> int:
    """Queue `kind` to each mailable member of each match (or those `recipients` picks)."""
    if not matches:
        return 0
    people = _people(session, matches)
    reasons = explain_reasons(session, [m.reasons for m in matches], taxonomy, audience=PARTICIPANT)
    rounds = {r.id: r.name for r in session.scalars(
        select(Round).where(Round.id.in_({m.round_id for m in matches})))}
    queued = 0
    for match, shown in zip(matches, reasons, strict=True):
        for person_id in (recipients(match) if recipients else match.member_ids):
            person = people.get(person_id)
            if person is None:
                continue
            context: dict[str, Any] = {
                "round_name": rounds[match.round_id], "circle": match.third_id is not None,
                "partners": _partners(match, person_id, people),
                "reasons": [r["text"] for r in shown], "link": link_to(session, "/matches"),
                **(extra(match, person_id) if extra else {})}
            if queue_mail(session, to=person, kind=kind, context=context,
                          dedupe_key=f"{kind}:{match.id}:{person_id}") is not None:
                queued += 1
    return queued


def queue_round_published(session: Session, round_id: int, taxonomy: Taxonomy | None) -> int:
    """Queue "your match is published" to every member of the round's live pairs; return how
    many mails were queued."""
    matches = list(session.scalars(select(Match).where(
        Match.round_id == round_id, Match.status.in_(LIVE_STATUSES)).order_by(Match.id)))
    return _queue_for_members(session, "match_published", matches, taxonomy)


def queue_decline_notices(session: Session, actor: Actor | None, declined: Match,
                          new: list[Match], taxonomy: Taxonomy | None) -> int:
    """Queue the mail of a decline: to the declined pair's other members (with their new match,
    if the re-match found one), and "a new match" to the rest of the re-match's new pairs."""
    new_of = {p: m for m in new for p in m.member_ids if p is not None}
    decliner = actor.id if actor is not None else None
    told = [p for p in declined.member_ids if p is not None and p != decliner]
    people = _people(session, new)
    new_reasons = dict(zip([m.id for m in new], explain_reasons(
        session, [m.reasons for m in new], taxonomy, audience=PARTICIPANT), strict=True))

    def replacement(match: Match, person_id: int) -> dict[str, Any]:
        again = new_of.get(person_id)
        if again is None:
            return {"new_partners": [], "new_reasons": []}
        return {"new_partners": _partners(again, person_id, people),
                "new_reasons": [r["text"] for r in new_reasons[again.id]]}

    queued = _queue_for_members(session, "match_declined", [declined], taxonomy,
                                recipients=lambda match: told, extra=replacement)
    return queued + _queue_for_members(
        session, "new_match", new, taxonomy,
        recipients=lambda match: [p for p in match.member_ids if p not in told])


def queue_pair_reminders(session: Session, actor: Actor | None, *, taxonomy: Taxonomy | None,
                         now: datetime | None = None, after_days: int | None = None) -> int:
    """Queue one reminder per person of each published pair still not accepted after
    `after_days` (MAIL_REMIND_AFTER_DAYS); people who turned reminders off get none. Return how
    many were queued (a pair already reminded is not reminded again)."""
    require_coordinator(actor, "send reminders")
    if after_days is None:
        after_days = (session.info.get(SETTINGS_KEY) or mail_settings()).remind_after_days
    cutoff = (now or utc_now()) - timedelta(days=after_days)
    matches = list(session.scalars(
        select(Match).join(Round, Match.round_id == Round.id)
        .where(Round.status == RoundStatus.PUBLISHED, Match.status == MatchStatus.PROPOSED,
               Round.published_at <= cutoff,
               Match.created_at <= cutoff)  # a re-matched pair is younger than its round
        .order_by(Match.id)))
    wanting = _people(session, matches)
    return _queue_for_members(
        session, "pair_reminder", matches, taxonomy,
        recipients=lambda match: [p for p in match.member_ids
                                  if p in wanting and wanting[p].mail_reminders],
        extra=lambda match, person_id: {"days": after_days})

"""The mails of check-ins: each member's prompt once a period, and coordinators' daily digest.

Both go through the outbox (`mentorship.mail.queue_mail`) with a dedupe key, so running them
again (a cron job every hour, say: `mentorship health remind`) queues nothing twice: a prompt
once per pair, person and period, a digest once per coordinator and day. People who turned
reminders off (`Person.mail_reminders`) get no prompt; they still see the banner on My matches.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from mentorship.core.permissions import Actor, require_coordinator
from mentorship.mail import queue_mail
from mentorship.mail.outbox import link_to
from mentorship.pairs_health.checkins import (
    answers_of,
    clock_start,
    intervals_of,
    live_pairs,
    pairs_health,
)
from mentorship.pairs_health.rule import period_bounds, period_of
from mentorship.people.models import Person
from mentorship.programmes.access import visible_programme_ids

__all__ = ["Queued", "queue_attention_digests", "queue_check_in_prompts", "send_reminders"]


@dataclass(frozen=True)
class Queued:
    """How many mails a run queued (those queued by an earlier run are not counted)."""

    prompts: int
    digests: int


def queue_check_in_prompts(session: Session, actor: Actor | None, *,
                           now: datetime | None = None) -> int:
    """Queue a check-in prompt for every member of a live pair who owes one this period."""
    require_coordinator(actor, "send check-in prompts")
    at = now if now is not None else datetime.now(UTC)
    pairs = live_pairs(session)
    answered = answers_of(session, [m.id for m, _ in pairs])
    member_ids = {p for m, _ in pairs for p in m.member_ids if p is not None}
    people = {p.id: p for p in session.scalars(select(Person).where(
        Person.id.in_(member_ids), Person.active.is_(True)))} if member_ids else {}
    intervals = intervals_of(session, list({r.id: r for _, r in pairs}.values()))
    queued = 0
    for match, round_ in pairs:
        weeks = intervals[round_.id]
        period = period_of(clock_start(round_), at, weeks)
        begins, ends = period_bounds(clock_start(round_), period, weeks)
        done = {c.person_id for c in answered[match.id] if c.period == period}
        for person_id in match.member_ids:
            person = people.get(person_id)
            if person is None or person_id in done or not person.mail_reminders:
                continue
            others = [people[p].name if p in people else "a former participant"
                      for p in match.member_ids if p != person_id]
            message = queue_mail(
                session, to=person, kind="check_in_prompt",
                dedupe_key=f"check-in:{match.id}:{person_id}:{period}",
                context={"others": " and ".join(others), "begins": begins, "ends": ends,
                         "link": link_to(session, "/matches")})
            queued += message is not None
    return queued


def queue_attention_digests(session: Session, actor: Actor | None, *,
                            now: datetime | None = None) -> int:
    """Queue, for every active coordinator, today's digest of the pairs that need attention
    in the programmes they see (none when there are none)."""
    require_coordinator(actor, "send the health digest")
    at = now if now is not None else datetime.now(UTC)
    attention = pairs_health(session, None, now=at, attention_only=True)
    if not attention:
        return 0
    coordinators = session.scalars(select(Person).where(
        Person.active.is_(True), or_(Person.is_coordinator.is_(True), Person.is_admin.is_(True)))
        .order_by(Person.id)).all()
    queued = 0
    for coordinator in coordinators:
        visible = visible_programme_ids(session, coordinator)
        theirs = [row for row in attention if visible is None or row.round.programme_id in visible]
        if not theirs:
            continue
        by_id = {p.id: p.name for row in theirs for p in row.members if p is not None}
        rows = [{"pair": " and ".join(p.name if p is not None else "a former participant"
                                      for p in row.members),
                 "round": row.round.name, "health": str(row.health),
                 "latest": [(by_id.get(c.person_id, "a former participant"), c)
                            for c in row.latest]} for row in theirs]
        message = queue_mail(session, to=coordinator, kind="health_digest",
                             dedupe_key=f"health-digest:{coordinator.id}:{at.date().isoformat()}",
                             context={"rows": rows,
                                      "link": link_to(session, "/coordinator/health")})
        queued += message is not None
    return queued


def send_reminders(session: Session, actor: Actor | None, *,
                   now: datetime | None = None) -> Queued:
    """Queue the check-in prompts due and the coordinators' digest (the cron job's work)."""
    return Queued(queue_check_in_prompts(session, actor, now=now),
                  queue_attention_digests(session, actor, now=now))

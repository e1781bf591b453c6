"""End-of-pair feedback: a short survey for each side, and a mentee's new levels on what they learnt.

When a pair ends (it is ended, or its round closes) each member is asked once: a rating 1-5,
what worked, and whether they would mentor (or be mentored) again. A learner also rates their
level now on each skill the pair worked on; with their explicit confirmation those levels are
written to their profile (audited), so the next round and the skills page see what was gained.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import bindparam, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from mentorship.core.audit import record_event
from mentorship.core.errors import Conflict, NotFound, PermissionDenied
from mentorship.core.permissions import Actor
from mentorship.pairs_health.models import Feedback
from mentorship.pairs_health.schemas import FeedbackSchema, validated
from mentorship.people.models import Person
from mentorship.profiles.models import ProfileSkill
from mentorship.profiles.operations import set_skill_levels
from mentorship.rounds.models import Match, MatchStatus, Round
from mentorship.rounds.pairs import IS_MEMBER

__all__ = ["Survey", "feedback_due", "side_of", "skills_learnt", "skills_worked_on", "submit_feedback",
           "survey_for"]

#: Where a level update came from, in its audit event.
SOURCE = "feedback"
ALREADY = "you have already answered the survey of this pair"


@dataclass(frozen=True)
class Survey:
    """One person's end-of-pair survey: open or not yet, and their answers once sent.

    `skills` are the skills they learnt in the pair with their profile level now.
    """

    match: Match
    round: Round
    side: str                      # "mentor" or "mentee"
    others: tuple[Person, ...]
    skills: tuple[tuple[str, int], ...]
    is_open: bool                  # the pair has ended
    sent: Feedback | None


def side_of(match: Match, person_id: int) -> str:
    """Return the person's side of the pair: "mentor" for its first member, else "mentee"."""
    return "mentor" if match.mentor_id == person_id else "mentee"


def skills_worked_on(match: Match, person_id: int) -> list[str]:
    """Return the skills the person learnt in the pair, from its stored reasons, best first.

    A mentee's are the pair's ``skill`` reasons; a peer's the ``peer_skill`` reasons where they
    are the learner. A mentor in mentor mode learnt none.
    """
    skills = []
    for reason in match.reasons or []:
        if not isinstance(reason, dict):
            continue
        learner = match.mentee_id if reason.get("code") == "skill" else reason.get("learner")
        if reason.get("code") in ("skill", "peer_skill") and learner == person_id:
            skills.append(reason["skill"])
    return list(dict.fromkeys(skills))


#: How many of a learner's wants stand in for the skills learnt when the pair's reasons name
#: none (a pair stored before reasons were data).
WANTS_SHOWN = 3


def skills_learnt(session: Session, match: Match, person_id: int) -> list[str]:
    """Return the skills the person rates at the end of the pair: those its reasons name
    (`skills_worked_on`), else, for a learner, their first wants."""
    skills = skills_worked_on(match, person_id)
    learner = match.round.mode == "peer" or person_id != match.mentor_id
    if skills or not learner:
        return skills
    return list(session.scalars(
        select(ProfileSkill.skill_id).where(ProfileSkill.person_id == person_id,
                                            ProfileSkill.learn_rank.is_not(None))
        .order_by(ProfileSkill.learn_rank, ProfileSkill.skill_id).limit(WANTS_SHOWN)))


def _members_match(session: Session, actor: Actor, match_id: int) -> Match:
    match = session.get(Match, match_id)
    if match is None:
        raise NotFound(f"no match {match_id}")
    if actor.id not in match.member_ids:
        raise PermissionDenied("only the members of a pair answer its survey")
    return match


def _levels_now(session: Session, person_id: int, skills: list[str]) -> dict[str, int]:
    rows = dict(session.execute(select(ProfileSkill.skill_id, ProfileSkill.level).where(
        ProfileSkill.person_id == person_id, ProfileSkill.skill_id.in_(skills))).all())
    return {skill: rows.get(skill, 0) for skill in skills}


def survey_for(session: Session, actor: Actor, match_id: int) -> Survey:
    """Return the actor's survey of one of their pairs (open once the pair has ended)."""
    match = _members_match(session, actor, match_id)
    skills = skills_learnt(session, match, actor.id)
    levels = _levels_now(session, actor.id, skills)
    others = tuple(session.scalars(select(Person).where(
        Person.id.in_([p for p in match.member_ids if p is not None and p != actor.id]))))
    sent = session.scalar(select(Feedback).where(Feedback.match_id == match_id,
                                                 Feedback.person_id == actor.id))
    return Survey(match, match.round, side_of(match, actor.id), others,
                  tuple((skill, levels[skill]) for skill in skills),
                  match.status == MatchStatus.ENDED, sent)


#: The actor's ended pairs whose survey they have not answered, newest first (built once, as
#: `pairs.IS_MEMBER` says why).
_UNANSWERED = select(Match.id).where(
    IS_MEMBER, Match.status == MatchStatus.ENDED,
    Match.id.not_in(select(Feedback.match_id).where(Feedback.person_id == bindparam("person_id")))
).order_by(Match.updated_at.desc(), Match.id)


def feedback_due(session: Session, actor: Actor) -> list[Survey]:
    """Return the actor's ended pairs whose survey they have not answered, newest first."""
    ids = session.scalars(_UNANSWERED, {"person_id": actor.id}).all()
    return [survey_for(session, actor, match_id) for match_id in ids]


def submit_feedback(session: Session, actor: Actor, match_id: int,
                    body: dict[str, Any]) -> Feedback:
    """Record the actor's survey of an ended pair of theirs, once; with `apply_levels`, write
    the levels they gave to their profile."""
    match = _members_match(session, actor, match_id)
    if match.status != MatchStatus.ENDED:
        raise Conflict(f"match {match_id} is {match.status}: its survey opens when it ends")
    if session.scalar(select(Feedback.id).where(Feedback.match_id == match_id,
                                                Feedback.person_id == actor.id)) is not None:
        raise Conflict(ALREADY)
    skills = skills_learnt(session, match, actor.id)
    data = validated(FeedbackSchema(), body, skills=tuple(skills))
    before = _levels_now(session, actor.id, skills)
    feedback = Feedback(
        match_id=match_id, person_id=actor.id, side=side_of(match, actor.id),
        rating=data["rating"], worked=data["worked"].strip(), again=data["again"],
        skill_levels={skill: {"before": before[skill], "after": level}
                      for skill, level in data["levels"].items()},
        levels_applied=bool(data["apply_levels"] and data["levels"]))
    try:
        # A savepoint: when a double submit races this one, the loser is told, nothing is lost.
        with session.begin_nested():
            session.add(feedback)
    except IntegrityError:
        raise Conflict(ALREADY) from None
    if feedback.levels_applied:
        set_skill_levels(session, actor, actor.id, data["levels"], source=SOURCE)
    record_event(session, actor, "match.feedback", "match", match_id, rating=feedback.rating,
                 again=feedback.again, levels_applied=feedback.levels_applied)
    session.flush()
    return feedback

"""A pair's mentoring agreement: goals, how often and how they meet, from when to when.

Once a pair is accepted either side proposes an agreement (seeded from the mentee's wants, in
rank order, and their goals) and another member confirms it; editing it after a proposal
clears the confirmation. Confirming makes an accepted pair active. The pair and coordinators
see it. One schema (`AgreementSchema`) checks the form and the API body alike.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from marshmallow import RAISE, Schema, ValidationError, fields, validate, validates_schema
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from mentorship.core.audit import record_event
from mentorship.core.errors import Conflict, InvalidInput, PermissionDenied, RowError
from mentorship.core.models import MAX_VERSION
from mentorship.core.permissions import Actor
from mentorship.profiles.models import FormatPreference, Profile, ProfileSkill
from mentorship.rounds.models import Agreement, Match, MatchStatus
from mentorship.rounds.pairs import get_match
from mentorship.rounds.transitions import move_pair
from mentorship.taxonomy.models import Skill

__all__ = [
    "AGREEMENT_FIELDS",
    "FREQUENCIES",
    "MAX_GOALS",
    "MEETING_FORMATS",
    "AgreementSchema",
    "AgreementView",
    "agreement_to_edit",
    "confirm_agreement",
    "get_agreement",
    "propose_agreement",
]

#: How often a pair meets: value -> words.
FREQUENCIES = {"weekly": "every week", "every_two_weeks": "every two weeks",
               "monthly": "every month", "every_two_months": "every two months"}
#: How they meet: the profile's words (in person, remote), and both.
MEETING_FORMATS = {str(FormatPreference.IN_PERSON): "in person",
                   str(FormatPreference.REMOTE): "remote (online)", "hybrid": "hybrid"}
#: The longest goals text.
MAX_GOALS = 4000
#: The fields of an agreement, in the form's order.
AGREEMENT_FIELDS = ("goals", "frequency", "meeting_format", "start_date", "end_date")
#: A new agreement's suggested length.
DEFAULT_LENGTH = timedelta(days=182)
#: How far back an agreement may start (a pair writing down what they began), how far ahead,
#: and its longest length: beyond these a date is a typing slip (1900, 9999), not a plan.
START_BACK = timedelta(days=365)
START_AHEAD = timedelta(days=2 * 365)
MAX_LENGTH = timedelta(days=3 * 366)
#: Pairs whose agreement may be proposed or confirmed.
AGREEING = (MatchStatus.ACCEPTED, MatchStatus.ACTIVE)


class AgreementSchema(Schema):
    """An agreement as a form or an API body gives it; every problem is named by its field."""

    class Meta:
        unknown = RAISE

    goals = fields.String(required=True, validate=validate.Length(
        min=1, max=MAX_GOALS, error=f"write at least one goal, at most {MAX_GOALS} characters"))
    frequency = fields.String(required=True, validate=validate.OneOf(
        list(FREQUENCIES), error="choose one of: " + ", ".join(FREQUENCIES)))
    meeting_format = fields.String(required=True, validate=validate.OneOf(
        list(MEETING_FORMATS), error="choose one of: " + ", ".join(MEETING_FORMATS)))
    start_date = fields.Date(required=True, error_messages={
        "invalid": "give a date: year, month and day (such as 2027-01-04)"})
    end_date = fields.Date(required=True, error_messages={
        "invalid": "give a date: year, month and day (such as 2027-06-30)"})

    @validates_schema(skip_on_field_errors=False)
    def _dates_in_order(self, data: dict[str, Any], **kwargs: Any) -> None:
        start, end = data.get("start_date"), data.get("end_date")
        problems: dict[str, str] = {}
        today = datetime.now(UTC).date()
        if start is not None and not today - START_BACK <= start <= today + START_AHEAD:
            problems["start_date"] = (f"the start must be between {today - START_BACK} and "
                                      f"{today + START_AHEAD}")
        if start is not None and end is not None:
            if end <= start:
                problems["end_date"] = "the end date must be after the start date"
            elif end - start > MAX_LENGTH:
                problems["end_date"] = (f"the end must be at most three years after the start "
                                        f"(by {start + MAX_LENGTH})")
        if problems:
            raise ValidationError(problems)


@dataclass(frozen=True)
class AgreementView:
    """A pair's agreement as stored, or (none yet) the draft to start from."""

    match: Match
    agreement: Agreement | None
    values: dict[str, Any]   # the fields, as stored or as seeded

    @property
    def status(self) -> str:
        """none, proposed or confirmed."""
        if self.agreement is None:
            return "none"
        return "confirmed" if self.agreement.confirmed else "proposed"

    @property
    def version(self) -> int:
        """The version a confirmation or an edit names (0: none stored yet)."""
        return self.agreement.version if self.agreement is not None else 0


def get_agreement(session: Session, actor: Actor | None, match_id: int) -> AgreementView:
    """Return a pair's agreement, or its seeded draft, for its members and coordinators."""
    match = get_match(session, actor, match_id)
    agreement = session.get(Agreement, match_id, populate_existing=True)
    if agreement is None:
        return AgreementView(match, None, _draft(session, match))
    return _view(match, agreement)


def _view(match: Match, agreement: Agreement) -> AgreementView:
    return AgreementView(match, agreement,
                         {name: getattr(agreement, name) for name in AGREEMENT_FIELDS})


def agreement_to_edit(session: Session, actor: Actor | None, match_id: int) -> AgreementView:
    """Return the agreement (or its draft) for a member of the pair to propose or change."""
    view = get_agreement(session, actor, match_id)
    if actor is not None and actor.id not in view.match.member_ids:
        raise PermissionDenied("only the members of a pair propose its agreement")
    return view


def _draft(session: Session, match: Match) -> dict[str, Any]:
    """An agreement to start from: the learners' wants in rank order, then their goals; a
    format both profiles accept; monthly, from today for about six months."""
    learners = [p for p in (match.member_ids if match.third_id is not None or match.round.mode
                            == "peer" else (match.mentee_id,)) if p is not None]
    lines = []
    for learner in learners:
        wants = session.scalars(
            select(Skill.name).join(ProfileSkill, ProfileSkill.skill_id == Skill.id)
            .where(ProfileSkill.person_id == learner, ProfileSkill.learn_rank.is_not(None))
            .order_by(ProfileSkill.learn_rank, Skill.position)).all()
        lines += [f"Learn {name}" for name in wants]
        goals = session.scalar(select(Profile.goals).where(Profile.person_id == learner))
        if goals:
            lines.append(goals.strip())
    formats = set(session.scalars(select(Profile.format_preference).where(
        Profile.person_id.in_([p for p in match.member_ids if p is not None]))))
    if FormatPreference.IN_PERSON in formats and FormatPreference.REMOTE not in formats:
        meeting_format = str(FormatPreference.IN_PERSON)
    elif FormatPreference.REMOTE in formats and FormatPreference.IN_PERSON not in formats:
        meeting_format = str(FormatPreference.REMOTE)
    else:
        meeting_format = "hybrid"
    today = datetime.now(UTC).date()
    return {"goals": "\n".join(lines)[:MAX_GOALS], "frequency": "monthly",
            "meeting_format": meeting_format, "start_date": today,
            "end_date": today + DEFAULT_LENGTH}


def _validated(payload: dict[str, Any]) -> dict[str, Any]:
    """Load an agreement; a ValidationError becomes InvalidInput, field by field."""
    try:
        return AgreementSchema().load(payload)
    except ValidationError as error:
        raise InvalidInput("the agreement is not valid", [
            RowError(0, field, "", "; ".join(map(str, problems))
                     if isinstance(problems, list) else str(problems))
            for field, problems in sorted(error.normalized_messages().items())]) from error


def _member_of_agreeing_pair(session: Session, actor: Actor | None, match_id: int,
                             doing: str) -> Match:
    match = get_match(session, actor, match_id)
    if actor is not None and actor.id not in match.member_ids:
        raise PermissionDenied(f"only the members of a pair {doing} its agreement")
    session.refresh(match)
    if match.status not in AGREEING:
        raise Conflict(f"match {match_id} is {match.status}: an agreement is made once a pair "
                       "is accepted")
    return match


def _check_version(version: int, lowest: int) -> None:
    """Refuse a version no agreement can have (the API's schema refuses one already: a 422):
    the database would fail on one past its INTEGER, a 500."""
    if isinstance(version, bool) or not isinstance(version, int) \
            or not lowest <= version <= MAX_VERSION:
        raise Conflict("that is no version of this agreement: reload the page, read it again "
                       "and try again")


def propose_agreement(session: Session, actor: Actor | None, match_id: int,
                      payload: dict[str, Any], *, version: int) -> AgreementView:
    """Propose the pair's agreement, or change it (which clears a confirmation), as a member.

    `version` is the one the proposer read (0 when there was none): if someone changed it
    since, nothing is saved and Conflict says so.
    """
    match = _member_of_agreeing_pair(session, actor, match_id, "propose")
    _check_version(version, 0)
    data = _validated(payload)
    # The pair's row serialises two first proposals (PostgreSQL; SQLite's writers go one at
    # a time already), so the second meets the first's version instead of a duplicate key.
    session.get(Match, match_id, with_for_update=True)
    existing = session.get(Agreement, match_id, populate_existing=True)
    now = datetime.now(UTC)
    proposer = actor.id if actor is not None else None
    if existing is None:
        if version != 0:
            raise Conflict("the agreement was removed meanwhile: reload the page")
        agreement = Agreement(match_id=match_id, version=1, proposed_by_id=proposer,
                              proposed_at=now, **data)
        session.add(agreement)
    else:
        changed = session.execute(
            update(Agreement).where(Agreement.match_id == match_id, Agreement.version == version)
            .values(**data, version=Agreement.version + 1, proposed_by_id=proposer,
                    proposed_at=now, confirmed_by_id=None, confirmed_at=None)
            .execution_options(synchronize_session=False)).rowcount
        if changed != 1:
            raise Conflict("the agreement was changed by the other side meanwhile: reload the "
                           "page to see their version")
        agreement = existing
    session.flush()
    session.refresh(agreement)
    record_event(session, actor, "agreement.propose", "match", match.id,
                 version=agreement.version)
    session.flush()
    return _view(match, agreement)


def confirm_agreement(session: Session, actor: Actor | None, match_id: int, *,
                      version: int) -> AgreementView:
    """Confirm the proposed agreement (the version read), as a member who did not propose it;
    an accepted pair becomes active."""
    match = _member_of_agreeing_pair(session, actor, match_id, "confirm")
    _check_version(version, 1)
    # The pair's row first, as a proposal takes it: the other order (agreement, then the pair
    # when it becomes active) deadlocked against a proposal on PostgreSQL. Confirms of one
    # pair now go one at a time, and the later ones meet the first's confirmation.
    session.get(Match, match_id, with_for_update=True, populate_existing=True)
    agreement = session.get(Agreement, match_id, populate_existing=True)
    if agreement is None:
        raise Conflict("there is no agreement to confirm yet: propose one")
    me = actor.id if actor is not None else None
    if me is not None and agreement.proposed_by_id == me:
        raise Conflict("you proposed this agreement: the other side confirms it")
    if agreement.confirmed and agreement.version == version:
        raise Conflict("the agreement is confirmed already")
    changed = session.execute(
        update(Agreement).where(Agreement.match_id == match_id, Agreement.version == version,
                                Agreement.confirmed_at.is_(None))
        .values(confirmed_by_id=me, confirmed_at=datetime.now(UTC))
        .execution_options(synchronize_session=False)).rowcount
    if changed != 1:
        raise Conflict("the agreement was changed meanwhile: reload the page, read it again and "
                       "confirm that version")
    session.refresh(agreement)
    record_event(session, actor, "agreement.confirm", "match", match.id, version=version)
    if match.status == MatchStatus.ACCEPTED:
        move_pair(session, actor, match, MatchStatus.ACTIVE, details={"why": "agreement"})
    session.flush()
    return _view(match, agreement)


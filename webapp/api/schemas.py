"""The JSON API's shapes: load schemas for request bodies and queries, dump schemas for replies.

Ids and timestamps are dump-only; password hashes and session tokens are never dumped. A profile
body's fields are not checked here but by the one profile schema (`profile_update_schema`),
inside `update_profile`, so that a form, a CSV row and the API are checked alike.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from marshmallow import INCLUDE, Schema, fields, pre_dump, validate

from mentorship.core.models import MAX_VERSION
from mentorship.people.models import Person
from mentorship.profiles.mapping import stored_record
from mentorship.profiles.models import FormatPreference, MentoringRole
from mentorship.rounds.models import MatchStatus, RoundStatus
from webapp.forms import MAX_ID

__all__ = [
    "AgreementBodySchema",
    "AgreementConfirmSchema",
    "AgreementDumpSchema",
    "CoordinatorSchema",
    "DeclineSchema",
    "DeclinedSchema",
    "EndSchema",
    "EnrolledSchema",
    "HistoryEntrySchema",
    "MatchDetailSchema",
    "MatchSchema",
    "MyPairSchema",
    "OtherPersonSchema",
    "PairSchema",
    "PeopleIdsSchema",
    "PeopleQuerySchema",
    "PersonBriefSchema",
    "PersonSchema",
    "PreviewJobSchema",
    "ProfileBodySchema",
    "ProgrammeBodySchema",
    "ProgrammeSchema",
    "ProgressSchema",
    "RoleChangeSchema",
    "RoundBriefSchema",
    "RoundCreateSchema",
    "RoundDetailSchema",
    "RoundSchema",
    "RoundsQuerySchema",
    "SessionSchema",
    "SignedInSchema",
    "SkillBalanceSchema",
    "StoredProfileSchema",
    "UnmatchedSchema",
    "UtcDateTime",
    "roles_of",
    "with_unmatched",
]


def roles_of(person: Person) -> list[str]:
    """Return the roles a person holds beyond staff: "coordinator" and/or "admin"."""
    return [role for role, held in (("coordinator", person.is_coordinator),
                                    ("admin", person.is_admin)) if held]


class _Merged:
    """An object seen through another: the extra attributes first, then the base's."""

    def __init__(self, base: Any, **extra: Any) -> None:
        self._base = base
        self.__dict__.update(extra)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._base, name)


class UtcDateTime(fields.DateTime):
    """A timestamp in ISO 8601 with its UTC offset (SQLite hands them back without one)."""

    def _serialize(self, value: datetime | None, attr: Any, obj: Any, **kwargs: Any) -> str | None:
        if value is not None and value.tzinfo is None:
            value = value.replace(tzinfo=UTC)
        return super()._serialize(value, attr, obj, **kwargs)


# --- load schemas -------------------------------------------------------------------------------

class PeopleQuerySchema(Schema):
    """The people list's filters (query string); empty means no filter. Loads PeopleFilter's fields."""

    text = fields.String(data_key="q", load_default="", validate=validate.Length(max=200),
                         metadata={"description": "Part of a name, email or department."})
    role = fields.String(load_default="", validate=validate.OneOf(
        ["", *[r.value for r in MentoringRole]], error="must be mentor, mentee or both"),
        metadata={"description": "Mentoring role of the profile."})
    status = fields.String(load_default="", validate=validate.OneOf(
        ["", "active", "inactive", "invited", "uninvited"],
        error="must be active, inactive, invited or uninvited"),
        metadata={"description": "invited: has set a password; uninvited: has not."})
    department = fields.String(load_default="", validate=validate.Length(max=200))
    programme = fields.Integer(load_default=None, validate=validate.Range(1, MAX_ID), metadata={
        "description": "Only the people enrolled in this programme (its id)."})


class RoundsQuerySchema(Schema):
    """The list of rounds' filter (query string)."""

    programme = fields.Integer(load_default=None, validate=validate.Range(1, MAX_ID), metadata={
        "description": "Only the rounds of this programme (its id)."})


class ProgrammeBodySchema(Schema):
    """Any JSON object: a programme body goes whole to the service, which checks it with the
    one programme schema (`mentorship.programmes.schemas.ProgrammeSchema`): name, description,
    mode (mentor or peer), round_settings (an object of round settings), settings (an object of
    programme settings; the keys given replace those keys only), signup_opens, signup_closes,
    matching_date, ends_on (YYYY-MM-DD or null); on PUT, also version (the one read, to refuse
    a lost update). A bad field is a 422 for that field."""

    class Meta:
        unknown = INCLUDE


class PeopleIdsSchema(Schema):
    """People to enrol in a programme, or take out of it, by id."""

    person_ids = fields.List(fields.Integer(validate=validate.Range(1, MAX_ID)), required=True,
                             validate=validate.Length(max=10_000))


class CoordinatorSchema(Schema):
    """A coordinator to give a programme."""

    person_id = fields.Integer(required=True, validate=validate.Range(1, MAX_ID))


class RoleChangeSchema(Schema):
    """The roles a person should hold from now on."""

    coordinator = fields.Boolean(required=True)
    admin = fields.Boolean(required=True)


class RoundCreateSchema(Schema):
    """A new round. Names, modes and settings are checked by `create_round`, field by field."""

    name = fields.String(required=True)
    programme_id = fields.Integer(load_default=None, validate=validate.Range(1, MAX_ID),
                                  metadata={"description": "The programme whose people it "
                                                           "matches (default: the default one)."})
    mode = fields.String(load_default=None, metadata={
        "description": "mentor or peer (default: the programme's mode)."})
    settings = fields.Dict(keys=fields.String(), load_default=dict, metadata={
        "description": "Any of priority (strict or soft), text_weight, min_score, fair, "
                       "allow_same_manager, allow_repeat, experience, department, institution, "
                       "meeting_format, management_chain, max_time_zone_hours, "
                       "preference_weight, experience_weight, department_weight, "
                       "institution_weight; missing ones take the programme's default "
                       "settings, then the engine's."})


class ProfileBodySchema(Schema):
    """Any JSON object: a profile body goes whole to `update_profile`, which loads it with the
    one profile schema (documented as ProfileUpdate)."""

    class Meta:
        unknown = INCLUDE


class DeclineSchema(Schema):
    """Why a pair is declined (optional, seen by coordinators)."""

    reason = fields.String(load_default="", validate=validate.Length(max=2000))


class AgreementBodySchema(Schema):
    """An agreement's fields go whole to `propose_agreement`, which loads them with the one
    agreement schema; `version` is the one read (0: none yet), so an edit meanwhile is a 409."""

    class Meta:
        unknown = INCLUDE

    version = fields.Integer(load_default=0, validate=validate.Range(0, MAX_VERSION), metadata={
        "description": "The version read (0 when there is none yet)."})


class AgreementConfirmSchema(Schema):
    """Which version of the agreement is confirmed (the one the confirmer read)."""

    version = fields.Integer(required=True, validate=validate.Range(1, MAX_VERSION))


class EndSchema(Schema):
    """Why a pair ends (seen by the pair and coordinators)."""

    reason = fields.String(required=True, metadata={"description": "Why the pair ends."})


# --- dump schemas -------------------------------------------------------------------------------

# Documents computed fields (the spec cannot guess their type).
_ROLES_DOC = {"type": "array", "items": {"type": "string", "enum": ["coordinator", "admin"]},
              "description": "coordinator and/or admin; empty for staff."}
_SKILL_IDS_DOC = {"type": "array", "items": {"type": "string"}}


class PersonBriefSchema(Schema):
    """Who someone is: enough to name them and write to them."""

    id = fields.Integer(dump_only=True)
    name = fields.String(dump_only=True)
    email = fields.Email(dump_only=True)


class PersonSchema(PersonBriefSchema):
    """A person as coordinators see them (never their password hash or session token)."""

    department = fields.String(dump_only=True)
    manager_id = fields.Integer(dump_only=True, allow_none=True)
    active = fields.Boolean(dump_only=True)
    roles = fields.Function(roles_of, dump_only=True, metadata=_ROLES_DOC)
    password_set = fields.Function(lambda person: bool(person.password_hash), dump_only=True,
                                   metadata={"type": "boolean",
                                             "description": "Whether they have set a password."})
    mentoring_role = fields.Function(
        lambda person: str(person.profile.role) if person.profile is not None else None,
        dump_only=True, allow_none=True,
        metadata={"type": "string", "enum": [r.value for r in MentoringRole]})
    created_at = UtcDateTime(dump_only=True)
    updated_at = UtcDateTime(dump_only=True)


class SignedInSchema(PersonBriefSchema):
    """The signed-in person, with their roles."""

    roles = fields.Function(roles_of, dump_only=True, metadata=_ROLES_DOC)


class SessionSchema(Schema):
    """The signed-in person and the CSRF token to send as X-CSRFToken on every change."""

    person = fields.Nested(SignedInSchema, dump_only=True)
    csrf_token = fields.String(dump_only=True)


class StoredProfileSchema(Schema):
    """A stored profile, in the shape of the body that replaces it."""

    person_id = fields.Integer(dump_only=True)
    role = fields.Enum(MentoringRole, by_value=True, dump_only=True)
    capacity = fields.Integer(dump_only=True)
    skills = fields.Method("_levels", dump_only=True, metadata={
        "type": "object", "additionalProperties": {"type": "integer"},
        "description": "Skill id -> level 1-4 (unrated skills left out)."})
    learn = fields.Method("_learn", dump_only=True, metadata={
        **_SKILL_IDS_DOC, "description": "Skill ids to learn, most wanted first."})
    teach = fields.Method("_teach", dump_only=True, allow_none=True, metadata={
        **_SKILL_IDS_DOC, "description": "Skill ids offered; null: every skill rated 3 or more."})
    goals = fields.String(dump_only=True)
    bio = fields.String(dump_only=True)
    format_preference = fields.Enum(FormatPreference, by_value=True, dump_only=True)
    years_experience = fields.Integer(dump_only=True, allow_none=True, metadata={
        "description": "Years of library experience; null: not given."})
    institution = fields.String(dump_only=True, metadata={"description": "Library or institution."})
    location = fields.String(dump_only=True, metadata={
        "description": "Where the person works; in-person meetings need the same one."})
    time_zone = fields.String(dump_only=True, metadata={
        "description": "IANA time-zone name, such as America/Chicago; empty: not given."})
    updated_at = UtcDateTime(dump_only=True)

    def _levels(self, profile) -> dict[str, int]:
        return stored_record(profile)["skills"]

    def _learn(self, profile) -> list[str]:
        return stored_record(profile)["learn"]

    def _teach(self, profile) -> list[str] | None:
        return stored_record(profile)["teach"]


class ProgressSchema(Schema):
    """How far the job computing a round has got."""

    stage = fields.String(attribute="progress_stage", dump_only=True)
    percent = fields.Integer(attribute="progress_percent", dump_only=True)


class RoundSchema(Schema):
    """A matching round: settings, status and the progress of its running job."""

    id = fields.Integer(dump_only=True)
    name = fields.String(dump_only=True)
    programme_id = fields.Integer(dump_only=True)
    mode = fields.String(dump_only=True)
    settings = fields.Dict(dump_only=True)
    status = fields.Enum(RoundStatus, by_value=True, dump_only=True)
    progress = fields.Nested(ProgressSchema, dump_only=True,
                             metadata={"description": "Stage and percentage of the job computing it."})
    failure_reason = fields.String(dump_only=True)
    pairs = fields.Integer(dump_only=True, metadata={
        "description": "Pairs not declined (in the list of rounds only)."})
    engine_version = fields.String(dump_only=True)
    created_at = UtcDateTime(dump_only=True)
    published_at = UtcDateTime(dump_only=True, allow_none=True)
    closed_at = UtcDateTime(dump_only=True, allow_none=True)

    @pre_dump
    def _with_progress(self, item: Any, **kwargs: Any) -> Any:
        """Accept the (round, pairs) rows of `list_rounds` as well as bare rounds."""
        found, pairs = item if isinstance(item, tuple) else (item, None)
        extra = {"progress": found} if pairs is None else {"progress": found, "pairs": pairs}
        return _Merged(found, **extra)


_REASON = {"type": "object", "description": "A reason: its code, the code's parameters and "
           "the text it reads as (`code: text` for one stored before reasons were codes).",
           "properties": {"code": {"type": "string"}, "text": {"type": "string"}},
           "additionalProperties": True}


def _reason_list(description: str) -> fields.Function:
    """The `reasons` of what is dumped: shown reasons (code, parameters and text), as the
    services give them."""
    return fields.Function(lambda item: list(item.reasons or ()), dump_only=True, metadata={
        "type": "array", "items": _REASON, "description": description})


class UnmatchedSchema(Schema):
    """Someone a round left without a pair, or a mentor offer with a free place, and why."""

    email = fields.String(attribute="id", dump_only=True)
    side = fields.String(dump_only=True, metadata={
        "description": "mentee, mentor (an offer with a free place, or taking part in "
                       "neither way) or peer."})
    reason = fields.Dict(dump_only=True, metadata=_REASON)
    details = fields.List(fields.Dict(metadata=_REASON), dump_only=True, metadata={
        "description": "What could be done: a colleague who could teach a want, a want nobody "
                       "has, a trio that would work..."})


class SkillBalanceSchema(Schema):
    """One skill's demand and supply in a round."""

    skill = fields.String(dump_only=True)
    demand = fields.Integer(dump_only=True, metadata={"description": "People who want to learn it."})
    supply = fields.Integer(dump_only=True, metadata={"description": "People who offer to teach it."})
    met = fields.Integer(dump_only=True, metadata={"description": "Learners paired with a teacher of it."})


class RoundDetailSchema(RoundSchema):
    """A round with its review: the summary, skill demand and supply, and who is unmatched."""

    class Meta:
        exclude = ("pairs",)

    summary = fields.Dict(attribute="diagnostics.summary", dump_default=dict, dump_only=True,
                          metadata={"description": "The engine's figures: matched, scores, load..."})
    skills = fields.List(fields.Nested(SkillBalanceSchema), attribute="diagnostics.skills",
                         dump_default=list, dump_only=True)
    unmatched = fields.List(fields.Nested(UnmatchedSchema), dump_only=True)


def with_unmatched(found: Any, unmatched: list[dict[str, Any]]) -> Any:
    """Return a round seen with its unmatched entries as shown, for `RoundDetailSchema`."""
    return _Merged(found, unmatched=unmatched)


class MatchSchema(Schema):
    """A pair of a round, by ids."""

    id = fields.Integer(dump_only=True)
    round_id = fields.Integer(dump_only=True)
    mentor_id = fields.Integer(dump_only=True, allow_none=True)
    mentee_id = fields.Integer(dump_only=True, allow_none=True)
    third_id = fields.Integer(dump_only=True, allow_none=True, metadata={
        "description": "A peer circle of three's third member (mentor teaches mentee, mentee "
                       "teaches third, third teaches mentor); null for a pair."})
    status = fields.Enum(MatchStatus, by_value=True, dump_only=True)
    score = fields.Float(dump_only=True)
    rematch_status = fields.String(dump_only=True, metadata={
        "description": "A declined pair's re-match: queued or running while a job looks for new "
                       "partners for the people it freed, done once they are proposed."})
    created_at = UtcDateTime(dump_only=True)
    updated_at = UtcDateTime(dump_only=True)


class MatchDetailSchema(MatchSchema):
    """A pair with its mentor and mentee (null where a person was deleted)."""

    mentor = fields.Nested(PersonBriefSchema, dump_only=True, allow_none=True)
    mentee = fields.Nested(PersonBriefSchema, dump_only=True, allow_none=True)
    third = fields.Nested(PersonBriefSchema, dump_only=True, allow_none=True)
    reasons = _reason_list(description="Why they were paired, as the reader may see it.")

    @pre_dump
    def _from_row(self, row: Any, **kwargs: Any) -> Any:
        """Accept a `PairRow` (match, mentor, mentee, a circle's third, reasons as shown)."""
        return _Merged(row.match, mentor=row.mentor, mentee=row.mentee, third=row.third,
                       reasons=row.reasons)


class PairSchema(MatchDetailSchema):
    """A pair as a coordinator reviews it: with its lock and the runner-up mentors."""

    locked = fields.Boolean(dump_only=True)
    alternatives = fields.Function(
        lambda pair: [{"mentor": mentor, "score": score} for mentor, score in pair.alternatives or []],
        dump_only=True, metadata={
            "type": "array", "description": "Next-best mentors, by email, with their scores.",
            "items": {"type": "object", "properties": {"mentor": {"type": "string"},
                                                       "score": {"type": "number"}}}})

    @pre_dump
    def _from_row(self, row: Any, **kwargs: Any) -> Any:
        """Accept a `PairRow`; its lock may come from a rule, not only the match row."""
        return _Merged(row.match, mentor=row.mentor, mentee=row.mentee, third=row.third,
                       locked=row.locked, reasons=row.reasons)


class RoundBriefSchema(Schema):
    """Which round a pair belongs to."""

    id = fields.Integer(dump_only=True)
    name = fields.String(dump_only=True)
    published_at = UtcDateTime(dump_only=True, allow_none=True)


class OtherPersonSchema(PersonBriefSchema):
    """The other side of one's pair: who they are and what they hope for."""

    department = fields.String(dump_only=True)
    goals = fields.Function(lambda person: person.profile.goals if person.profile else "",
                            dump_only=True, metadata={"type": "string"})
    bio = fields.Function(lambda person: person.profile.bio if person.profile else "",
                          dump_only=True, metadata={"type": "string"})


class MyPairSchema(Schema):
    """One of the signed-in person's published pairs, from their side."""

    id = fields.Integer(attribute="match.id", dump_only=True)
    round = fields.Nested(RoundBriefSchema, dump_only=True)
    my_side = fields.String(dump_only=True, metadata={"description": "mentor or mentee."})
    status = fields.Enum(MatchStatus, by_value=True, attribute="match.status", dump_only=True)
    score = fields.Float(attribute="match.score", dump_only=True)
    reasons = _reason_list(description="Why they were paired, as a participant sees it.")
    other = fields.Nested(OtherPersonSchema, dump_only=True,
                          metadata={"description": "The mentor, for a mentee; the mentee, for a "
                                                   "mentor; in a circle, the one they teach."})
    circle = fields.List(fields.Nested(OtherPersonSchema), dump_only=True, metadata={
        "description": "A peer circle of three's other members: the one they teach, then the "
                       "one who teaches them. Empty for a pair."})


class DeclinedSchema(Schema):
    """A declined pair, and where its re-match is ("queued": a job finds the new partners;
    the pairs of the people it freed show them when it is done)."""

    match = fields.Nested(MatchSchema, dump_only=True)
    rematch = fields.String(dump_only=True)


class PreviewJobSchema(Schema):
    """A preview job just started: poll the round for its progress."""

    job_id = fields.String(dump_only=True)
    round_id = fields.Integer(dump_only=True)


class ProgrammeSchema(Schema):
    """A programme: its fields, and (in the list) its numbers of participants and rounds."""

    id = fields.Integer(dump_only=True)
    name = fields.String(dump_only=True)
    description = fields.String(dump_only=True)
    mode = fields.String(dump_only=True)
    round_settings = fields.Dict(dump_only=True)
    settings = fields.Dict(dump_only=True)
    signup_opens = fields.Date(dump_only=True, allow_none=True)
    signup_closes = fields.Date(dump_only=True, allow_none=True)
    matching_date = fields.Date(dump_only=True, allow_none=True)
    ends_on = fields.Date(dump_only=True, allow_none=True)
    is_default = fields.Boolean(dump_only=True)
    version = fields.Integer(dump_only=True, metadata={
        "description": "Send it back with a PUT to refuse a change made meanwhile."})
    participants = fields.Integer(dump_only=True, metadata={"description": "In the list only."})
    rounds = fields.Integer(dump_only=True, metadata={"description": "In the list only."})
    created_at = UtcDateTime(dump_only=True)
    updated_at = UtcDateTime(dump_only=True)

    @pre_dump
    def _with_counts(self, item: Any, **kwargs: Any) -> Any:
        """Accept the rows of `list_programmes` as well as bare programmes."""
        if hasattr(item, "programme"):
            return _Merged(item.programme, participants=item.participants, rounds=item.rounds)
        return item


class EnrolledSchema(Schema):
    """How many people an enrolment call changed."""

    changed = fields.Integer(dump_only=True, metadata={
        "description": "Newly enrolled (or taken out); those already so are not counted."})
# --- choice rounds ------------------------------------------------------------------------------


class RequestSchema(MatchSchema):
    """A mentee's request for a mentor in a choice round."""

    requested_at = UtcDateTime(dump_only=True, allow_none=True)
    expires_at = UtcDateTime(dump_only=True, allow_none=True, metadata={
        "description": "When the request lapses if the mentor has not answered."})


class SuggestedMentorSchema(Schema):
    """One of a mentee's suggested mentors, best first."""

    id = fields.Integer(attribute="suggestion.id", dump_only=True, metadata={
        "description": "The suggestion's id: POST /api/v1/choices/ID/request requests it."})
    rank = fields.Integer(attribute="suggestion.rank", dump_only=True)
    score = fields.Float(attribute="suggestion.score", dump_only=True)
    mentor = fields.Nested(OtherPersonSchema, dump_only=True)
    reasons = _reason_list(description="Why they fit, as a participant sees it.")
    full = fields.Boolean(dump_only=True, metadata={"description": "No place left now."})
    declined = fields.Boolean(dump_only=True, metadata={
        "description": "This mentor declined the mentee's request in this round."})


class MyChoiceSchema(Schema):
    """An open choice round of the signed-in mentee: suggestions and the request standing."""

    round = fields.Nested(RoundBriefSchema, dump_only=True)
    suggestions = fields.List(fields.Nested(SuggestedMentorSchema), dump_only=True)
    request = fields.Nested(RequestSchema, dump_only=True, allow_none=True, metadata={
        "description": "The pending or accepted request, if any (one at a time)."})


class MentorRequestSchema(Schema):
    """A request addressed to the signed-in mentor: pending, or accepted."""

    id = fields.Integer(attribute="match.id", dump_only=True)
    round = fields.Nested(RoundBriefSchema, dump_only=True)
    status = fields.Enum(MatchStatus, by_value=True, attribute="match.status", dump_only=True)
    expires_at = UtcDateTime(attribute="match.expires_at", dump_only=True, allow_none=True)
    score = fields.Float(attribute="match.score", dump_only=True)
    mentee = fields.Nested(OtherPersonSchema, dump_only=True)
    reasons = _reason_list(description="Why the mentee was suggested this mentor.")


class ChoiceWindowSchema(Schema):
    """A choice round's window: its settings and its requests by state."""

    round_id = fields.Integer(attribute="round.id", dump_only=True)
    status = fields.Enum(RoundStatus, by_value=True, attribute="round.status", dump_only=True)
    opened_at = UtcDateTime(attribute="round.choice_opened_at", dump_only=True, allow_none=True)
    closed_at = UtcDateTime(attribute="round.choice_closed_at", dump_only=True, allow_none=True)
    accept_days = fields.Integer(dump_only=True)
    suggestions = fields.Integer(dump_only=True, metadata={"description": "Per mentee."})
    mentees = fields.Integer(dump_only=True, metadata={
        "description": "Mentees with at least one suggestion."})
    pending = fields.Integer(dump_only=True)
    accepted = fields.Integer(dump_only=True)
    declined = fields.Integer(dump_only=True)
    expired = fields.Integer(dump_only=True, metadata={
        "description": "Lapsed unanswered, or withdrawn when the window closed."})


class AgreementDumpSchema(Schema):
    """A pair's agreement (status none: nothing proposed yet, the fields are the draft)."""

    match_id = fields.Integer(attribute="match.id", dump_only=True)
    status = fields.String(dump_only=True, metadata={"enum": ["none", "proposed", "confirmed"]})
    version = fields.Integer(dump_only=True)
    goals = fields.String(attribute="values.goals", dump_only=True)
    frequency = fields.String(attribute="values.frequency", dump_only=True)
    meeting_format = fields.String(attribute="values.meeting_format", dump_only=True)
    start_date = fields.Date(attribute="values.start_date", dump_only=True)
    end_date = fields.Date(attribute="values.end_date", dump_only=True)
    proposed_by_id = fields.Integer(attribute="agreement.proposed_by_id", dump_only=True,
                                    allow_none=True)
    proposed_at = UtcDateTime(attribute="agreement.proposed_at", dump_only=True, allow_none=True)
    confirmed_by_id = fields.Integer(attribute="agreement.confirmed_by_id", dump_only=True,
                                     allow_none=True)
    confirmed_at = UtcDateTime(attribute="agreement.confirmed_at", dump_only=True,
                               allow_none=True)


class HistoryEntrySchema(Schema):
    """One step of a pair's history: when, who (null: the service), what, from and to."""

    at = UtcDateTime(dump_only=True)
    action = fields.String(dump_only=True, metadata={
        "description": "match.proposed, match.accept, match.decline, match.activate, match.end, "
                       "agreement.propose or agreement.confirm."})
    actor = fields.Nested(PersonBriefSchema, dump_only=True, allow_none=True)
    from_status = fields.String(attribute="before", data_key="from", dump_only=True)
    to_status = fields.String(attribute="after", data_key="to", dump_only=True)
    details = fields.Dict(dump_only=True)

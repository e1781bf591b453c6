"""The API's shapes of check-ins, surveys and the programme-health figures.

Bodies are passed through as sent (unknown fields included): the one schema of each
(`mentorship.pairs_health.schemas`) checks them inside the service, as for the web form.
"""

from __future__ import annotations

from marshmallow import INCLUDE, Schema, fields, validate

from webapp.api.schemas import PersonBriefSchema, UtcDateTime
from webapp.forms import MAX_ID

__all__ = ["CheckInBodySchema", "CheckInSchema", "DashboardSchema", "FeedbackBodySchema",
           "FeedbackSchema", "HealthQuerySchema"]


class CheckInBodySchema(Schema):
    """A check-in: answer (met, not_yet or need_help) and an optional note."""

    class Meta:
        unknown = INCLUDE

    answer = fields.String(metadata={"enum": ["met", "not_yet", "need_help"]})
    note = fields.String()


class FeedbackBodySchema(Schema):
    """A survey: rating 1-5, what worked, again (yes/no); a learner's levels by skill id, and
    apply_levels to write them to their profile."""

    class Meta:
        unknown = INCLUDE

    rating = fields.Integer()
    worked = fields.String()
    again = fields.Boolean()
    levels = fields.Dict(keys=fields.String(), values=fields.Integer())
    apply_levels = fields.Boolean()


class CheckInSchema(Schema):
    """A recorded check-in; `created` is false when the period's answer was there already."""

    id = fields.Integer(dump_only=True, attribute="check_in.id")
    match_id = fields.Integer(dump_only=True, attribute="check_in.match_id")
    period = fields.Integer(dump_only=True, attribute="check_in.period")
    answer = fields.String(dump_only=True, attribute="check_in.answer")
    note = fields.String(dump_only=True, attribute="check_in.note")
    created_at = UtcDateTime(dump_only=True, attribute="check_in.created_at")
    created = fields.Boolean(dump_only=True)


class FeedbackSchema(Schema):
    """A survey answer as recorded."""

    id = fields.Integer(dump_only=True)
    match_id = fields.Integer(dump_only=True)
    side = fields.String(dump_only=True)
    rating = fields.Integer(dump_only=True)
    worked = fields.String(dump_only=True)
    again = fields.Boolean(dump_only=True)
    skill_levels = fields.Dict(dump_only=True, metadata={
        "description": "skill id -> {before: profile level then, after: the level given}"})
    levels_applied = fields.Boolean(dump_only=True)
    created_at = UtcDateTime(dump_only=True)


class SkillGainSchema(Schema):
    skill = fields.String(dump_only=True)
    rated = fields.Integer(dump_only=True)
    gained = fields.Integer(dump_only=True)
    levels_gained = fields.Integer(dump_only=True)


class FiguresSchema(Schema):
    """Every figure of the dashboard (a rate with nothing to count is null)."""

    pairs = fields.Integer(dump_only=True)
    accepted = fields.Integer(dump_only=True)
    declined = fields.Integer(dump_only=True)
    waiting = fields.Integer(dump_only=True)
    acceptance_rate = fields.Float(dump_only=True, allow_none=True)
    median_days_to_accept = fields.Float(dump_only=True, allow_none=True)
    check_ins_due = fields.Integer(dump_only=True)
    check_ins_given = fields.Integer(dump_only=True)
    check_in_rate = fields.Float(dump_only=True, allow_none=True)
    health = fields.Dict(keys=fields.String(), values=fields.Integer(), dump_only=True)
    at_risk = fields.Integer(dump_only=True)
    ended_asking_help = fields.Integer(dump_only=True, metadata={
        "description": "pairs that ended while a member's latest check-in asked for help"})
    ended_asking_help_ids = fields.List(fields.Integer(), dump_only=True, metadata={
        "description": "those pairs' match ids, the most recently ended first"})
    responses = fields.Integer(dump_only=True)
    mean_rating = fields.Float(dump_only=True, allow_none=True)
    would_again_share = fields.Float(dump_only=True, allow_none=True)
    by_side = fields.Dict(dump_only=True)
    ratings = fields.Dict(keys=fields.String(), values=fields.Integer(), dump_only=True)
    skills = fields.List(fields.Nested(SkillGainSchema), dump_only=True)


class LastCheckInSchema(Schema):
    person_id = fields.Integer(dump_only=True, allow_none=True)
    answer = fields.String(dump_only=True)
    note = fields.String(dump_only=True)
    period = fields.Integer(dump_only=True)
    created_at = UtcDateTime(dump_only=True)


class PairHealthSchema(Schema):
    """A live pair that needs attention."""

    match_id = fields.Integer(dump_only=True, attribute="match.id")
    round_id = fields.Integer(dump_only=True, attribute="round.id")
    members = fields.List(fields.Nested(PersonBriefSchema, allow_none=True), dump_only=True)
    health = fields.String(dump_only=True)
    period = fields.Integer(dump_only=True)
    latest = fields.List(fields.Nested(LastCheckInSchema), dump_only=True, metadata={
        "description": "each member's latest check-in"})


class HealthQuerySchema(Schema):
    """The health figures' scope (query string)."""

    programme = fields.Integer(load_default=None, validate=validate.Range(1, MAX_ID), metadata={
        "description": "Only this programme (its id); without it, every one you may see."})


class DashboardSchema(Schema):
    """The programme's figures and the pairs that need attention."""

    programme_id = fields.Function(
        lambda dashboard: dashboard.programme.id if dashboard.programme else None,
        dump_only=True, allow_none=True, metadata={
            "description": "the programme shown, or null for every one you may see"})
    figures = fields.Nested(FiguresSchema, dump_only=True)
    attention = fields.List(fields.Nested(PairHealthSchema), dump_only=True,
                            attribute="attention.items", metadata={
                                "description": "the first 50 pairs that need attention"})
    attention_total = fields.Integer(dump_only=True, attribute="attention.total")

"""The one validation path of a check-in and of a survey: the web form and the API body alike."""

from __future__ import annotations

from typing import Any

from marshmallow import RAISE, Schema, ValidationError, fields, validate

from mentorship.core.errors import InvalidInput, RowError
from mentorship.pairs_health.models import MAX_NOTE, MAX_RATING, MIN_RATING, CheckInAnswer
from mentorship.profiles.limits import MAX_LEVEL, MIN_LEVEL

__all__ = ["CHECK_IN_WEEKS", "MAX_CHECK_IN_WEEKS", "CheckInSchema", "FeedbackSchema",
           "check_in_weeks_problem", "validated"]

#: The programme setting (`Programme.settings`) that says how many weeks apart check-ins are.
CHECK_IN_WEEKS = "check_in_weeks"
#: The longest interval between two check-ins: a year.
MAX_CHECK_IN_WEEKS = 52


def check_in_weeks_problem(settings: dict[str, Any]) -> str | None:
    """Return what is wrong with a programme's check-in interval, or None (absent is fine)."""
    value = settings.get(CHECK_IN_WEEKS)
    if value is None or (isinstance(value, int) and not isinstance(value, bool)
                         and 1 <= value <= MAX_CHECK_IN_WEEKS):
        return None
    return f"a whole number of weeks from 1 to {MAX_CHECK_IN_WEEKS}"


class CheckInSchema(Schema):
    """A check-in: the answer, and a note if the person wants to add one."""

    class Meta:
        unknown = RAISE

    answer = fields.String(required=True, validate=validate.OneOf(
        [a.value for a in CheckInAnswer], error="choose we met, not yet or we need help"))
    note = fields.String(load_default="", validate=validate.Length(
        max=MAX_NOTE, error=f"at most {MAX_NOTE} characters"))


class FeedbackSchema(Schema):
    """An end-of-pair survey; `levels` holds a mentee's level (0-4) on each skill worked on."""

    class Meta:
        unknown = RAISE

    rating = fields.Integer(required=True, strict=False, validate=validate.Range(
        MIN_RATING, MAX_RATING, error=f"choose a rating from {MIN_RATING} to {MAX_RATING}"),
        error_messages={"required": f"choose a rating from {MIN_RATING} to {MAX_RATING}",
                        "invalid": f"choose a rating from {MIN_RATING} to {MAX_RATING}"})
    worked = fields.String(load_default="", validate=validate.Length(
        max=MAX_NOTE, error=f"at most {MAX_NOTE} characters"))
    again = fields.Boolean(required=True, error_messages={
        "required": "answer yes or no", "invalid": "answer yes or no"})
    levels = fields.Dict(keys=fields.String(), values=fields.Raw(), load_default=dict)
    apply_levels = fields.Boolean(load_default=False)


def validated(schema: Schema, payload: dict[str, Any], *,
              skills: tuple[str, ...] = ()) -> dict[str, Any]:
    """Load `payload` with `schema`, or raise InvalidInput with a message per field.

    For a survey, `skills` are the skills whose level it may (and, when given, must) hold: a
    level's field is ``level-<skill>``.
    """
    errors: dict[str, str] = {}
    try:
        data = schema.load(payload)
    except ValidationError as error:
        data = {}
        for field, problems in error.normalized_messages().items():
            errors[field] = "; ".join(str(p) for p in problems) if isinstance(
                problems, list) else "not valid"
    levels = {}
    if isinstance(schema, FeedbackSchema) and "levels" not in errors:
        given = (data or payload).get("levels") or {}
        if not isinstance(given, dict):
            given = {}
        for skill in given:
            if skill not in skills:
                errors["levels"] = "a level is given for a skill this pair did not work on"
        for skill in skills:
            raw = given.get(skill)
            text = str(raw).strip() if raw is not None and not isinstance(raw, bool) else ""
            if text.isascii() and text.isdecimal() and MIN_LEVEL <= int(text) <= MAX_LEVEL:
                levels[skill] = int(text)
            else:
                errors[f"level-{skill}"] = (f"choose your level now, from {MIN_LEVEL} (none) "
                                            f"to {MAX_LEVEL} (expert)")
    if errors:
        raise InvalidInput("the answers are not valid", [
            RowError(0, field, "", reason) for field, reason in sorted(errors.items())])
    if isinstance(schema, FeedbackSchema):
        data["levels"] = levels
    return data

"""A programme's fields: the one validation path of the CLI, the programme form and the API."""

from __future__ import annotations

import json
from typing import Any

from marshmallow import RAISE, Schema, ValidationError, fields, validate, validates_schema

from mentorship.core.errors import InvalidInput, RowError
from mentorship.pairs_health.schemas import CHECK_IN_WEEKS, check_in_weeks_problem
from mentorship.rounds.settings import MODES, load_round_settings

__all__ = ["ProgrammeSchema", "load_programme"]

DATES = ("signup_opens", "signup_closes", "matching_date", "ends_on")
JSON_EXAMPLE = '{"min_score": 0.2}'


class JsonObject(fields.Dict):
    """A JSON object, given as one (an API body) or as its text (a form, the command line)."""

    def _deserialize(self, value: Any, attr, data, **kwargs: Any) -> dict:
        if isinstance(value, str):
            if not value.strip():
                return {}
            try:
                value = json.loads(value)
            except ValueError as error:
                raise ValidationError(f"is not JSON: give an object such as {JSON_EXAMPLE}"
                                      ) from error
        if not isinstance(value, dict):
            raise ValidationError(f"must be a JSON object such as {JSON_EXAMPLE}")
        return super()._deserialize(value, attr, data, **kwargs)


class ProgrammeSchema(Schema):
    """A programme as given: name, description, mode, default round settings, dates, settings.

    With `partial=True` (an edit), absent fields keep their stored values.
    """

    class Meta:
        unknown = RAISE

    name = fields.String(required=True, validate=validate.Length(
        1, 200, error="required, at most 200 characters"))
    description = fields.String(validate=validate.Length(
        max=5000, error="at most 5000 characters"))
    mode = fields.String(validate=validate.OneOf(MODES, error="must be mentor or peer"))
    round_settings = JsonObject(keys=fields.String())
    settings = JsonObject(keys=fields.String())
    signup_opens = fields.Date(allow_none=True, error_messages={
        "invalid": "enter a date as YYYY-MM-DD"})
    signup_closes = fields.Date(allow_none=True, error_messages={
        "invalid": "enter a date as YYYY-MM-DD"})
    matching_date = fields.Date(allow_none=True, error_messages={
        "invalid": "enter a date as YYYY-MM-DD"})
    ends_on = fields.Date(allow_none=True, error_messages={
        "invalid": "enter a date as YYYY-MM-DD"})

    # Run beside the fields' own errors (a missing name does not hide dates out of order); a
    # date that failed to load is absent here.
    @validates_schema(skip_on_field_errors=False)
    def dates_in_order(self, data: dict[str, Any], **kwargs: Any) -> None:
        """Sign-up opens before it closes; the programme ends after it starts matching."""
        opens, closes = data.get("signup_opens"), data.get("signup_closes")
        found = {}
        if opens and closes and closes < opens:
            found["signup_closes"] = ["must not be before sign-up opens"]
        starts = data.get("matching_date") or closes or opens
        ends = data.get("ends_on")
        if starts and ends and ends < starts:
            found["ends_on"] = ["must not be before the programme's other dates"]
        if found:
            raise ValidationError(found)


def load_programme(raw: dict[str, Any], *, partial: bool = False,
                   stored: dict[str, Any] | None = None) -> dict[str, Any]:
    """Validate a programme's fields; raise InvalidInput with a RowError per bad field.

    Blank dates and mode are absent (a form's empty field). The default round settings are checked
    for the programme's mode (`stored` gives the stored values an edit leaves alone).
    """
    raw = {key: value for key, value in (raw or {}).items()
           if not (isinstance(value, str) and not value.strip() and key in (*DATES, "mode"))}
    if isinstance(raw.get("name"), str):
        raw["name"] = raw["name"].strip()
    errors: list[RowError] = []
    values: dict[str, Any] = {}
    try:
        values = ProgrammeSchema().load(raw, partial=partial)
    except ValidationError as error:
        # The fields that did load are checked further, so every problem is told at once.
        values = dict(error.valid_data or {}) if isinstance(error.valid_data, dict) else {}
        for key, problems in sorted(error.normalized_messages().items()):
            problems = problems if isinstance(problems, list) else [str(problems)]
            reasons = ["unknown field" if p == "Unknown field." else
                       "required" if p == "Missing data for required field." else str(p)
                       for p in problems]
            errors.append(RowError(0, key, str(raw.get(key, ""))[:80], "; ".join(reasons)))
    # Checked beside the other fields' errors, unless the settings or the mode are unreadable.
    if not any(e.column in ("round_settings", "mode") for e in errors):
        merged = {**(stored or {}), **values}
        if "round_settings" in values or "mode" in values:
            try:
                values["round_settings"] = load_round_settings(
                    merged.get("mode", "mentor"), merged.get("round_settings") or {})
            except InvalidInput as error:
                errors.extend(RowError(0, f"round_settings.{e.column}", e.value, e.reason)
                              if e.column != "mode" else e for e in error.errors)
    problem = check_in_weeks_problem(values.get("settings") or {})
    if problem is not None:
        errors.append(RowError(0, f"settings.{CHECK_IN_WEEKS}",
                               str(values["settings"][CHECK_IN_WEEKS])[:80], problem))
    if errors:
        raise InvalidInput("the programme is not valid", errors)
    return values

"""A round's settings: the one validation path of the CLI, the round form and the API.

The defaults are the engine's (`matching.MatchSettings`, `matching.ScoreWeights`); the rules a
setting must follow are written here once.
"""

from __future__ import annotations

import json
from typing import Any

from marshmallow import RAISE, Schema, ValidationError, fields, validate, validates_schema

from matching import PRIORITY_RATIOS, MatchSettings, Mode, ScoreWeights
from matching.results import FACTOR_MODES, Chain
from mentorship.core.errors import InvalidInput, RowError

__all__ = [
    "FACTOR_SETTINGS",
    "FAIRNESS_NEEDS_MENTOR_MODE",
    "MODES",
    "PRIORITIES",
    "SELECTIONS",
    "RoundSettingsSchema",
    "default_settings",
    "engine_settings",
    "load_round_settings",
]

#: The matching modes a round may have.
MODES = tuple(mode.value for mode in Mode)
#: How a mentee's ranked wants weigh (see `matching.ScoreWeights`).
PRIORITIES = tuple(PRIORITY_RATIOS)
#: Why fairness is refused in peer mode (the CLI says it of --fair, a form beside the field).
FAIRNESS_NEEDS_MENTOR_MODE = "applies to mentor mode only"

_NUMBER = {"invalid": "enter a number, such as 0.5"}
#: The institution setting's extra value: prefer another institution when the pool names more
#: than one, else ignore (the engine's None).
AUTO = "auto"
#: Each factor setting and the values it takes.
FACTOR_SETTINGS = {
    **{name: tuple(str(mode) for mode in modes) for name, modes in FACTOR_MODES.items()},
    "institution": (AUTO, *(str(mode) for mode in FACTOR_MODES["institution"])),
    "management_chain": tuple(str(c) for c in Chain),
}
#: Who picks the pairs: the coordinator reviews the engine's (the default), or mentees choose
#: among suggestions first and the engine fills in the rest (`mentorship.rounds.choice`).
SELECTIONS = ("coordinator", "choice")
#: How many mentors a choice round suggests to each mentee, and the default.
SUGGESTIONS = (3, 5)
WEIGHT_SETTINGS = ("preference_weight", "experience_weight", "department_weight",
                   "institution_weight")


def _choice(name: str) -> fields.String:
    values = FACTOR_SETTINGS[name]
    return fields.String(validate=validate.OneOf(
        values, error=f"must be {', '.join(values[:-1])} or {values[-1]}"))


def _weight() -> fields.Float:
    return fields.Float(validate=validate.Range(min=0, error="must not be negative"),
                        error_messages=_NUMBER)


class RoundSettingsSchema(Schema):
    """The settings a round may carry; each absent one keeps the engine's default.

    Every broken rule is reported on its own field, all at once. Fairness applies to mentor
    mode only, so the schema is made for a mode.
    """

    class Meta:
        unknown = RAISE

    priority = fields.String(validate=validate.OneOf(PRIORITIES,
                                                     error="must be strict or soft"))
    text_weight = fields.Float(validate=validate.Range(0, 1, error="must be between 0 and 1"),
                               error_messages=_NUMBER)
    min_score = fields.Float(validate=validate.Range(0, 1, error="must be between 0 and 1"),
                             error_messages=_NUMBER)
    close_call_margin = fields.Float(validate=validate.Range(0, 1, error="must be between 0 "
                                                             "and 1"), error_messages=_NUMBER)
    fair = fields.Boolean()
    # Absent or null: the mode's default (refused in mentor mode, allowed in peer mode).
    allow_same_manager = fields.Boolean(allow_none=True)
    allow_repeat = fields.Boolean()
    experience = _choice("experience")
    department = _choice("department")
    institution = _choice("institution")
    meeting_format = _choice("meeting_format")
    management_chain = _choice("management_chain")
    max_time_zone_hours = fields.Float(
        allow_none=True, validate=validate.Range(0, 12, error="must be between 0 and 12 hours"),
        error_messages=_NUMBER)
    preference_weight = fields.Float(validate=validate.Range(0, 1, error="must be between 0 and 1"),
                                     error_messages=_NUMBER)
    experience_weight = _weight()
    department_weight = _weight()
    institution_weight = _weight()
    trios = fields.Boolean()
    selection = fields.String(validate=validate.OneOf(SELECTIONS,
                                                      error="must be coordinator or choice"))
    suggestions = fields.Integer(strict=True, validate=validate.Range(
        *SUGGESTIONS, error="must be a whole number from 3 to 5"),
        error_messages={"invalid": "enter a whole number from 3 to 5"})
    accept_days = fields.Integer(strict=True, validate=validate.Range(
        1, 60, error="must be a whole number of days from 1 to 60"),
        error_messages={"invalid": "enter a whole number of days, such as 7"})

    def __init__(self, *, mode: str = Mode.MENTOR.value, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.mode = mode

    @validates_schema(skip_on_field_errors=False)
    def fairness_needs_mentor_mode(self, data: dict[str, Any], **kwargs: Any) -> None:
        """Refuse fairness in peer mode."""
        if data.get("fair") and self.mode == Mode.PEER.value:
            raise ValidationError(f"fairness {FAIRNESS_NEEDS_MENTOR_MODE}", "fair")

    @validates_schema(skip_on_field_errors=False)
    def choice_needs_mentor_mode(self, data: dict[str, Any], **kwargs: Any) -> None:
        """Refuse mentee choice in peer mode (peers have no mentor to choose)."""
        if data.get("selection") == "choice" and self.mode == Mode.PEER.value:
            raise ValidationError(f"mentee choice {FAIRNESS_NEEDS_MENTOR_MODE}", "selection")


def default_settings() -> dict[str, Any]:
    """Return every setting with the engine's default value (what a new-round form starts from)."""
    weights, settings = ScoreWeights(), MatchSettings()
    return {"priority": weights.priority, "text_weight": weights.text,
            "min_score": settings.min_score, "close_call_margin": settings.close_call_margin,
            "fair": settings.fair,
            "allow_same_manager": settings.allow_same_manager, "allow_repeat": False,
            "experience": str(settings.experience), "department": str(settings.department),
            "institution": AUTO if settings.institution is None else str(settings.institution),
            "meeting_format": str(settings.meeting_format),
            "management_chain": str(settings.management_chain),
            "max_time_zone_hours": settings.max_time_zone_hours,
            "preference_weight": weights.preference,
            "experience_weight": settings.experience_weight,
            "department_weight": settings.department_weight,
            "institution_weight": settings.institution_weight,
            "trios": settings.trios,
            "selection": SELECTIONS[0], "suggestions": SUGGESTIONS[0], "accept_days": 7}


def load_round_settings(mode: str, raw: dict[str, Any] | None) -> dict[str, Any]:
    """Validate a round's mode and settings; raise InvalidInput with a RowError per bad field."""
    raw = dict(raw or {})
    errors = []
    if mode not in MODES:
        errors.append(RowError(0, "mode", str(mode), "must be mentor or peer"))
    settings: dict[str, Any] = {}
    try:
        settings = RoundSettingsSchema(mode=mode).load(raw)
    except ValidationError as error:
        for key, problems in sorted(error.normalized_messages().items()):
            reasons = ["unknown setting" if p == "Unknown field." else str(p) for p in problems]
            errors.append(RowError(0, key, str(raw.get(key, ""))[:80], "; ".join(reasons)))
    if not errors:
        try:  # whatever else the engine checks
            engine_settings(mode, settings)
        except ValueError as error:
            errors.append(RowError(0, "settings", json.dumps(raw), str(error)))
    if errors:
        raise InvalidInput("the round's settings are not valid", errors)
    return settings


def engine_settings(mode: str, settings: dict[str, Any], **rules: Any) -> MatchSettings:
    """Return the engine's settings for a round's stored settings and its pair rules.

    `rules` are MatchSettings' pair lists (avoid, previous, locks) as email pairs.
    """
    values = {**default_settings(), **settings}
    institution = values["institution"]
    hours = values["max_time_zone_hours"]
    return MatchSettings(
        mode=Mode(mode),
        weights=ScoreWeights(priority=str(values["priority"]),
                             text=float(values["text_weight"]),
                             preference=float(values["preference_weight"])),
        min_score=float(values["min_score"]),
        close_call_margin=float(values["close_call_margin"]),
        fair=bool(values["fair"]),
        allow_same_manager=values["allow_same_manager"],
        trios=bool(values["trios"]),
        experience=values["experience"], department=values["department"],
        institution=None if institution == AUTO else institution,
        meeting_format=values["meeting_format"], management_chain=values["management_chain"],
        max_time_zone_hours=None if hours is None else float(hours),
        **{key: float(values[key]) for key in WEIGHT_SETTINGS if key != "preference_weight"},
        **rules,
    )

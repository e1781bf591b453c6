"""A round's settings: the one validation path of the CLI, the round form and the API.

The defaults are the engine's (`matching.MatchSettings`, `matching.ScoreWeights`); the rules a
setting must follow are written here once.
"""

from __future__ import annotations

import json
from typing import Any

from marshmallow import RAISE, Schema, ValidationError, fields, validate, validates_schema

from matching import MatchSettings, Mode, ScoreWeights
from mentorship.core.errors import InvalidInput, RowError

__all__ = [
    "FAIRNESS_NEEDS_MENTOR_MODE",
    "MODES",
    "RoundSettingsSchema",
    "default_settings",
    "engine_settings",
    "load_round_settings",
]

#: The matching modes a round may have.
MODES = tuple(mode.value for mode in Mode)
#: Why fairness is refused in peer mode (the CLI says it of --fair, a form beside the field).
FAIRNESS_NEEDS_MENTOR_MODE = "applies to mentor mode only"

_NUMBER = {"invalid": "enter a number, such as 0.5"}


class RoundSettingsSchema(Schema):
    """The settings a round may carry; each absent one keeps the engine's default.

    Every broken rule is reported on its own field, all at once. Fairness applies to mentor
    mode only, so the schema is made for a mode.
    """

    class Meta:
        unknown = RAISE

    skill_weight = fields.Float(validate=validate.Range(min=0, min_inclusive=False,
                                                        error="must be more than 0: it decides "
                                                              "who is eligible"),
                                error_messages=_NUMBER)
    text_weight = fields.Float(validate=validate.Range(min=0, error="must not be negative"),
                               error_messages=_NUMBER)
    min_score = fields.Float(validate=validate.Range(0, 1, error="must be between 0 and 1"),
                             error_messages=_NUMBER)
    fair = fields.Boolean()
    # Absent or null: the mode's default (refused in mentor mode, allowed in peer mode).
    allow_same_manager = fields.Boolean(allow_none=True)
    allow_repeat = fields.Boolean()
    trios = fields.Boolean()

    def __init__(self, *, mode: str = Mode.MENTOR.value, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.mode = mode

    @validates_schema(skip_on_field_errors=False)
    def fairness_needs_mentor_mode(self, data: dict[str, Any], **kwargs: Any) -> None:
        """Refuse fairness in peer mode."""
        if data.get("fair") and self.mode == Mode.PEER.value:
            raise ValidationError(f"fairness {FAIRNESS_NEEDS_MENTOR_MODE}", "fair")


def default_settings() -> dict[str, Any]:
    """Return every setting with the engine's default value (what a new-round form starts from)."""
    weights, settings = ScoreWeights(), MatchSettings()
    return {"skill_weight": weights.skill, "text_weight": weights.text,
            "min_score": settings.min_score, "fair": settings.fair,
            "allow_same_manager": settings.allow_same_manager, "allow_repeat": False,
            "trios": settings.trios}


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
    defaults = default_settings()
    return MatchSettings(
        mode=Mode(mode),
        weights=ScoreWeights(skill=float(settings.get("skill_weight", defaults["skill_weight"])),
                             text=float(settings.get("text_weight", defaults["text_weight"]))),
        min_score=float(settings.get("min_score", defaults["min_score"])),
        fair=bool(settings.get("fair", defaults["fair"])),
        allow_same_manager=settings.get("allow_same_manager", defaults["allow_same_manager"]),
        trios=bool(settings.get("trios", defaults["trios"])),
        **rules,
    )

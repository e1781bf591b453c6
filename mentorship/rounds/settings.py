"""A round's settings: the one validation path of the CLI, the round form and the API."""

from __future__ import annotations

from typing import Any

from marshmallow import RAISE, Schema, ValidationError, fields, validate, validates_schema

__all__ = ["RoundSettingsSchema"]

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
    allow_same_manager = fields.Boolean()
    allow_repeat = fields.Boolean()

    def __init__(self, *, mode: str = "mentor", **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.mode = mode

    @validates_schema(skip_on_field_errors=False)
    def fairness_needs_mentor_mode(self, data: dict[str, Any], **kwargs: Any) -> None:
        """Refuse fairness in peer mode."""
        if data.get("fair") and self.mode == "peer":
            raise ValidationError("fairness applies to mentor mode only", "fair")

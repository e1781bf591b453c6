"""Marshmallow schemas: one module per resource, shared by CSV import, forms and the API."""

from mentorship.schemas.profile import ProfileSchema, SkillLevels, SkillList

__all__ = ["ProfileSchema", "SkillLevels", "SkillList"]

"""The one validation path for a skill profile: a CSV row, a web form or an API body."""

from __future__ import annotations

from collections.abc import Mapping
from functools import cache
from typing import Any, NamedTuple
from zoneinfo import available_timezones

from marshmallow import RAISE, Schema, ValidationError, fields, post_load, pre_load, validate

from matching import Role, Taxonomy, parse_level
from mentorship.profiles.limits import MAX_CAPACITY, MAX_TEXT, MAX_YEARS

__all__ = ["PROFILE_FIELDS", "ProfileSchema", "SkillLevels", "SkillList", "SkillWarning",
           "TimeZone", "profile_update_schema"]

#: Other spellings of the meeting formats people type.
FORMAT_SPELLINGS = {"in person": "in_person", "in-person": "in_person", "virtual": "remote",
                    "online": "remote"}


@cache
def _time_zones() -> dict[str, str]:
    """Return the IANA time-zone names by their case-folded spelling."""
    return {name.casefold(): name for name in available_timezones()}


class TimeZone(fields.String):
    """An IANA time-zone name (``America/Chicago``), in any case; stored as IANA spells it."""

    def _deserialize(self, value: Any, attr, data, **kwargs) -> str:
        text = super()._deserialize(value, attr, data, **kwargs)
        name = _time_zones().get(text.strip().casefold())
        if name is None:
            raise ValidationError("not a time zone: write an IANA name such as "
                                  "America/Chicago or Europe/London")
        return name


class SkillWarning(NamedTuple):
    """A skill name taken other than as written: the field, the part of it, what was done."""

    field: str
    value: str
    reason: str


class _TaxonomyField(fields.Field):
    """A field that resolves skill names against the taxonomy of its schema."""

    @property
    def taxonomy(self) -> Taxonomy:
        return self.parent.taxonomy  # type: ignore[union-attr]

    def _resolve(self, spelling: str, errors: list[str], written: str | None = None) -> str | None:
        """Return the skill id `spelling` names, or None.

        An unknown or ambiguous spelling is an error; with a schema that is not strict about
        skills it is a warning instead (`written`, the part of the cell, is what it quotes):
        the skill is left out, or an ambiguous spelling is read as its preferred skill.
        """
        taxonomy = self.taxonomy
        skill = taxonomy.resolve(spelling)
        if skill is not None:
            return skill
        entry = taxonomy.ambiguity(spelling)
        schema: ProfileSchema = self.parent  # type: ignore[assignment]
        if schema.strict_skills:
            errors.append(f"{taxonomy.ambiguous_skill_message(spelling)}; write the one you mean"
                          if entry is not None else taxonomy.unknown_skill_message(spelling))
            return None
        left_out = "wish left out" if self.name == "learn" else "left out"
        if entry is None:
            reason = f"unknown skill {spelling!r}, {left_out}; {taxonomy.did_you_mean(spelling)}"
        elif entry.prefer is not None:
            skill = entry.prefer
            reason = (f"{taxonomy.ambiguous_skill_message(spelling)}; read as "
                      f"{taxonomy.name(skill)!r}")
        else:
            reason = f"{taxonomy.ambiguous_skill_message(spelling)}; {left_out}: write the one you mean"
        schema.skill_warnings.append(SkillWarning(self.name, written or spelling, reason))
        return skill


class SkillLevels(_TaxonomyField):
    """``skill=level; skill=level`` text (or a mapping) -> {skill id: level 0-4}."""

    def _deserialize(self, value: Any, attr, data, **kwargs) -> dict[str, int]:
        if isinstance(value, Mapping):
            items = [(str(k), v, f"{k}={v}") for k, v in value.items()]
        elif isinstance(value, str):
            items = []
            for part in filter(None, (p.strip() for p in value.split(";"))):
                name, sep, level = part.rpartition("=") if "=" in part else part.rpartition(":")
                if not sep:
                    raise ValidationError(
                        f"{part!r} has no level: write skill=level, e.g. 'MARC 21=3'"
                    )
                items.append((name.strip(), level.strip(), part))
        else:
            raise ValidationError("expected text like 'marc21=3; rda=2' or a mapping")
        errors: list[str] = []
        levels: dict[str, int] = {}
        for name, level, written in items:
            skill = self._resolve(name, errors, written)
            try:
                number = parse_level(level)
            except ValueError as error:
                errors.append(f"{name}: {error}")
                continue
            if skill is None:
                continue
            if skill in levels and levels[skill] != number:
                errors.append(f"{name}: {self.taxonomy.name(skill)} is given two levels")
            levels[skill] = number
        if errors:
            raise ValidationError(errors)
        return levels


class SkillList(_TaxonomyField):
    """``a; b; c`` text (or a list) -> tuple of skill ids, order kept, repeats dropped."""

    def _deserialize(self, value: Any, attr, data, **kwargs) -> tuple[str, ...]:
        if isinstance(value, str):
            names = [p.strip() for p in value.split(";")]
        elif isinstance(value, list | tuple):
            names = [str(p).strip() for p in value]
        else:
            raise ValidationError("expected skills separated by ';' or a list")
        errors: list[str] = []
        skills: list[str] = []
        for name in filter(None, names):
            skill = self._resolve(name, errors)
            if skill is not None and skill not in skills:
                skills.append(skill)
        if errors:
            raise ValidationError(errors)
        return tuple(skills)


class ProfileSchema(Schema):
    """A person's identity and skill profile, as the CSV interchange format names it.

    Empty text counts as absent, so spreadsheet cells may be left blank. Unknown fields are
    rejected (the CSV reader drops extra columns with a warning before loading). With
    ``strict_skills=False`` (the CSV reader's default), an unknown or ambiguous skill name does
    not fail the load: it is left out (or read as the ambiguity's preferred skill) and noted
    in `skill_warnings`, which the caller clears between loads.
    """

    class Meta:
        unknown = RAISE

    email = fields.Email(required=True, validate=validate.Length(max=254))
    name = fields.String(required=True, validate=validate.Length(min=1, max=200))
    department = fields.String(load_default="", validate=validate.Length(max=200))
    manager_email = fields.Email(load_default=None, allow_none=True)
    role = fields.String(
        load_default=Role.BOTH.value,
        validate=validate.OneOf([r.value for r in Role], error="must be mentor, mentee or both"),
    )
    capacity = fields.Integer(
        load_default=None,
        allow_none=True,
        strict=False,
        validate=validate.Range(0, MAX_CAPACITY, error=f"must be a whole number 0-{MAX_CAPACITY}"),
        error_messages={"invalid": f"must be a whole number 0-{MAX_CAPACITY}"},
    )
    skills = SkillLevels(load_default=dict)
    learn = SkillList(load_default=tuple)
    teach = SkillList(load_default=None, allow_none=True)
    format_preference = fields.String(
        load_default="either",
        validate=validate.OneOf(["in_person", "remote", "either"],
                                error="must be in_person, remote (or virtual) or either"),
    )
    years_experience = fields.Integer(
        load_default=None,
        allow_none=True,
        strict=False,
        validate=validate.Range(0, MAX_YEARS, error=f"must be a whole number of years 0-{MAX_YEARS}"),
        error_messages={"invalid": f"must be a whole number of years 0-{MAX_YEARS}"},
    )
    institution = fields.String(load_default="", validate=validate.Length(max=MAX_TEXT))
    location = fields.String(load_default="", validate=validate.Length(max=MAX_TEXT))
    time_zone = TimeZone(load_default="")
    goals = fields.String(load_default="", validate=validate.Length(max=4000))
    bio = fields.String(load_default="", validate=validate.Length(max=4000))

    def __init__(self, *, taxonomy: Taxonomy, strict_skills: bool = True, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.taxonomy = taxonomy
        self.strict_skills = strict_skills
        self.skill_warnings: list[SkillWarning] = []

    @pre_load
    def blank_means_absent(self, data: Any, **kwargs: Any) -> Any:
        """Strip text and drop empty values so that defaults apply."""
        if not isinstance(data, Mapping):
            return data
        cleaned = {}
        for key, value in data.items():
            if isinstance(value, str):
                value = value.strip()
                if key == "role":
                    value = value.casefold()
                elif key == "format_preference":
                    value = FORMAT_SPELLINGS.get(value.casefold(), value.casefold())
            if value not in ("", None):
                cleaned[key] = value
        return cleaned

    @post_load
    def normalise(self, data: dict[str, Any], **kwargs: Any) -> dict[str, Any]:
        """Lower-case emails and give mentors their default capacity of 1."""
        if "email" in data:
            data["email"] = data["email"].casefold()
        if data.get("manager_email"):
            data["manager_email"] = data["manager_email"].casefold()
            if data["manager_email"] == data.get("email"):
                raise ValidationError("a person cannot be their own manager", "manager_email")
        if data.get("capacity") is None:
            data["capacity"] = 0 if data["role"] == Role.MENTEE else 1
        return data


#: What a person may change about their own profile: never their identity, roles or manager.
PROFILE_FIELDS = ("role", "capacity", "skills", "learn", "teach", "goals", "bio",
                  "format_preference", "years_experience", "institution", "location", "time_zone")


def profile_update_schema(taxonomy: Taxonomy) -> ProfileSchema:
    """Return the schema of a profile update: the profile fields only, unknown ones rejected."""
    return ProfileSchema(taxonomy=taxonomy, only=PROFILE_FIELDS, partial=False)

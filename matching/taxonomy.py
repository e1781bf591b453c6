"""The competency taxonomy: categories of skills, their names and aliases, and proficiency levels."""

from __future__ import annotations

import difflib
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from matching.exceptions import TaxonomyError

__all__ = [
    "LEVEL_NAMES",
    "MAX_LEVEL",
    "Category",
    "Skill",
    "Taxonomy",
    "describe_level",
    "load_taxonomy",
    "parse_level",
]


#: Proficiency levels, indexed by their number.
LEVEL_NAMES: tuple[str, ...] = ("none", "aware", "working knowledge", "proficient", "expert")
MAX_LEVEL = len(LEVEL_NAMES) - 1

# Spellings people type for a level, beyond the canonical names.
_LEVEL_ALIASES = {"working": 2, "beginner": 1, "novice": 1, "advanced": 3}
_SLUG = re.compile(r"^[a-z0-9]+(_[a-z0-9]+)*$")


def _fold(text: str) -> str:
    """Fold a spelling for lookup: case, spacing and punctuation do not matter."""
    return re.sub(r"[\s_\-./]+", " ", text.strip().casefold()).strip()


def parse_level(value: str | int) -> int:
    """Return the proficiency level (0-4) named or numbered by `value`.

    Raises ValueError with a message naming the accepted values.
    """
    if isinstance(value, int) and not isinstance(value, bool):
        if 0 <= value <= MAX_LEVEL:
            return value
    else:
        raw = str(value).strip()
        # Digits are checked before folding, which would read "-1" as "1".
        if raw.isdecimal() and raw.isascii():
            if int(raw) <= MAX_LEVEL:
                return int(raw)
        else:
            text = _fold(raw)
            if text in LEVEL_NAMES:
                return LEVEL_NAMES.index(text)
            if text in _LEVEL_ALIASES:
                return _LEVEL_ALIASES[text]
    accepted = ", ".join(f"{n} {name}" for n, name in enumerate(LEVEL_NAMES))
    raise ValueError(f"level {value!r} is not one of 0-{MAX_LEVEL} or a level name ({accepted})")


def describe_level(level: int) -> str:
    """Return a level as people read it, e.g. ``expert (4)``."""
    return f"{LEVEL_NAMES[level]} ({level})"


@dataclass(frozen=True)
class Skill:
    """One competency: a slug id, a display name, its category and accepted aliases."""

    id: str
    name: str
    category: str
    aliases: tuple[str, ...] = ()


@dataclass(frozen=True)
class Category:
    """A named group of skills."""

    id: str
    name: str
    skill_ids: tuple[str, ...]


@dataclass(frozen=True)
class Taxonomy:
    """An ordered vocabulary of skills with lookup by id, name or alias.

    The order of `skill_ids` is the column order of every skill matrix built from it.
    """

    categories: tuple[Category, ...]
    skills: Mapping[str, Skill]
    source: str = "<memory>"
    _lookup: dict[str, str] = field(default_factory=dict, repr=False, compare=False)

    def __post_init__(self) -> None:
        lookup: dict[str, str] = {}
        for skill in self.skills.values():
            for spelling in (skill.id, skill.name, *skill.aliases):
                key = _fold(spelling)
                owner = lookup.setdefault(key, skill.id)
                if owner != skill.id:
                    raise TaxonomyError(
                        f"{self.source}: {spelling!r} names both {owner!r} and {skill.id!r}"
                    )
        self._lookup.update(lookup)

    @property
    def skill_ids(self) -> tuple[str, ...]:
        """Return all skill ids in file order."""
        return tuple(self.skills)

    def __len__(self) -> int:
        return len(self.skills)

    def __contains__(self, skill_id: object) -> bool:
        return skill_id in self.skills

    def name(self, skill_id: str) -> str:
        """Return the display name of a skill id."""
        return self.skills[skill_id].name

    def resolve(self, spelling: str) -> str | None:
        """Return the skill id that `spelling` names (id, name or alias), or None."""
        return self._lookup.get(_fold(spelling))

    def suggest(self, spelling: str, limit: int = 3) -> list[str]:
        """Return up to `limit` display names close to an unknown `spelling`, best first."""
        folded = _fold(spelling)
        close = difflib.get_close_matches(folded, list(self._lookup), n=limit * 3, cutoff=0.6)
        # Also offer names that contain what was typed ("marc" -> "MARC 21").
        if len(folded) >= 3:
            close += [key for key in self._lookup if folded in key and key not in close]
        names: list[str] = []
        for key in close:
            name = self.skills[self._lookup[key]].name
            if name not in names:
                names.append(name)
        return names[:limit]

    def unknown_skill_message(self, spelling: str) -> str:
        """Return the error text for an unknown skill, with a did-you-mean where one exists."""
        suggestions = self.suggest(spelling)
        if suggestions:
            return f"unknown skill {spelling!r}; did you mean {' or '.join(map(repr, suggestions))}?"
        return f"unknown skill {spelling!r}; see the taxonomy ({self.source}) for the skill names"

    @classmethod
    def from_dict(cls, data: object, *, source: str = "<memory>") -> Taxonomy:
        """Build a taxonomy from the parsed YAML structure, checking its shape."""
        if not isinstance(data, dict) or not isinstance(data.get("categories"), list):
            raise TaxonomyError(f"{source}: expected a mapping with a 'categories' list")
        categories: list[Category] = []
        skills: dict[str, Skill] = {}
        for c_pos, raw_category in enumerate(data["categories"], start=1):
            where = f"{source}: category {c_pos}"
            if not isinstance(raw_category, dict):
                raise TaxonomyError(f"{where}: expected a mapping with id, name and skills")
            category_id = _require_slug(raw_category, "id", where)
            category_name = _require_text(raw_category, "name", where)
            raw_skills = raw_category.get("skills")
            if not isinstance(raw_skills, list) or not raw_skills:
                raise TaxonomyError(f"{where} ({category_id}): 'skills' must be a non-empty list")
            ids: list[str] = []
            for s_pos, raw_skill in enumerate(raw_skills, start=1):
                skill_where = f"{where} ({category_id}), skill {s_pos}"
                if not isinstance(raw_skill, dict):
                    raise TaxonomyError(f"{skill_where}: expected a mapping with id and name")
                skill_id = _require_slug(raw_skill, "id", skill_where)
                if skill_id in skills:
                    raise TaxonomyError(f"{skill_where}: duplicate skill id {skill_id!r}")
                aliases = raw_skill.get("aliases") or []
                if not isinstance(aliases, list) or not all(isinstance(a, str) for a in aliases):
                    raise TaxonomyError(f"{skill_where} ({skill_id}): aliases must be a list of text")
                skills[skill_id] = Skill(
                    id=skill_id,
                    name=_require_text(raw_skill, "name", skill_where),
                    category=category_id,
                    aliases=tuple(aliases),
                )
                ids.append(skill_id)
            categories.append(Category(category_id, category_name, tuple(ids)))
        return cls(categories=tuple(categories), skills=skills, source=source)


def _require_text(mapping: dict, key: str, where: str) -> str:
    value = mapping.get(key)
    if not isinstance(value, str) or not value.strip():
        raise TaxonomyError(f"{where}: {key!r} must be non-empty text")
    return value.strip()


def _require_slug(mapping: dict, key: str, where: str) -> str:
    value = _require_text(mapping, key, where)
    if not _SLUG.match(value):
        raise TaxonomyError(f"{where}: {key} {value!r} is not a lowercase slug like 'marc21'")
    return value


def load_taxonomy(path: str | Path) -> Taxonomy:
    """Load a taxonomy YAML file.

    Raises TaxonomyError with the file and position of the first problem found.
    """
    path = Path(path)
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except OSError as error:
        raise TaxonomyError(f"cannot read taxonomy {path}: {error.strerror}") from error
    except (yaml.YAMLError, UnicodeDecodeError) as error:
        raise TaxonomyError(f"taxonomy {path} is not valid YAML: {error}") from error
    return Taxonomy.from_dict(data, source=str(path))


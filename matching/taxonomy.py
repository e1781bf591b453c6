"""The competency taxonomy: categories of skills, their names and aliases, and proficiency levels."""

from __future__ import annotations

import difflib
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from types import MappingProxyType

import yaml

from matching.exceptions import TaxonomyError

__all__ = [
    "LEVEL_NAMES",
    "LEVEL_WORDS",
    "MAX_LEVEL",
    "Ambiguity",
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

#: Every word accepted for a level, and the level it means. Beside the names: the words of
#: self-assessment forms and job postings. "beginner", "novice" and "basic" know the skill
#: exists and a little of it (1); "intermediate" gets work done with it (2); "advanced" and
#: "fluent" use it unaided day to day, like "proficient" (3), and so may teach it; "expert"
#: alone is 4, the level someone can teach its depths from.
LEVEL_WORDS: Mapping[str, int] = MappingProxyType({
    "none": 0,
    "aware": 1, "beginner": 1, "novice": 1, "basic": 1,
    "working knowledge": 2, "working": 2, "intermediate": 2,
    "proficient": 3, "advanced": 3, "fluent": 3,
    "expert": 4,
})
_SLUG = re.compile(r"^[a-z0-9]+(_[a-z0-9]+)*$")


_APOSTROPHES = re.compile(r"['\u2019]")
_SEPARATORS = re.compile(r"[\s_\-./:,()]+")


# Cached: a profile file spells the same few hundred skills tens of thousands of times.
@lru_cache(maxsize=8192)
def _fold(text: str) -> str:
    """Fold a spelling for lookup: case, spacing and punctuation do not matter.

    Apostrophes go ("readers' advisory" is "readers advisory"); hyphens, underscores, dots,
    slashes, colons, commas and brackets are spaces ("dublin-core" is "dublin_core").
    """
    text = _APOSTROPHES.sub("", text.strip().casefold())
    return _SEPARATORS.sub(" ", text).strip()


def parse_level(value: str | int) -> int:
    """Return the proficiency level (0-4) numbered by `value` or named by one of `LEVEL_WORDS`.

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
            if text in LEVEL_WORDS:
                return LEVEL_WORDS[text]
    accepted = ", ".join(
        f"{n} {'/'.join(word for word, level in LEVEL_WORDS.items() if level == n)}"
        for n in range(MAX_LEVEL + 1))
    raise ValueError(f"level {value!r} is not one of 0-{MAX_LEVEL} or a level word ({accepted})")


def describe_level(level: int) -> str:
    """Return a level as people read it, e.g. ``expert (4)``."""
    return f"{LEVEL_NAMES[level]} ({level})"


@dataclass(frozen=True)
class Skill:
    """One competency: a slug id, a display name, its category and accepted aliases.

    `replaces` names retired skill ids whose stored data this skill takes over (a skill split
    in two is replaced by both).
    """

    id: str
    name: str
    category: str
    aliases: tuple[str, ...] = ()
    replaces: tuple[str, ...] = ()


@dataclass(frozen=True)
class Category:
    """A named group of skills."""

    id: str
    name: str
    skill_ids: tuple[str, ...]


@dataclass(frozen=True)
class Ambiguity:
    """A spelling that could name several skills.

    It resolves only with a warning naming every one of `skills`: to `prefer` when given (the
    usual meaning in a library), to none otherwise.
    """

    spelling: str
    skills: tuple[str, ...]
    prefer: str | None = None


@dataclass(frozen=True, repr=False)
class Taxonomy:
    """An ordered vocabulary of skills with lookup by id, name or alias.

    The order of `skill_ids` is the column order of every skill matrix built from it. A
    spelling is a skill's id (hyphens for underscores too), name or alias, in any case; one
    that could name several skills is an `Ambiguity` instead and `resolve` does not take it.
    The id of a retired skill that one skill `replaces` names that skill; one that several
    replace is ambiguous between them.
    """

    categories: tuple[Category, ...]
    skills: Mapping[str, Skill]
    source: str = "<memory>"
    ambiguities: tuple[Ambiguity, ...] = ()
    # Where a reader of its messages finds the skill names, when not in the file at `source`
    # (a web page's readers cannot open the server's files): "the Skills page".
    guide: str = field(default="", compare=False)
    _lookup: dict[str, str] = field(default_factory=dict, repr=False, compare=False)
    _ambiguous: dict[str, Ambiguity] = field(default_factory=dict, repr=False, compare=False)

    def __repr__(self) -> str:
        # A short form: the whole vocabulary is hundreds of skills, too long for a message.
        return (f"Taxonomy({len(self.skills)} skills in {len(self.categories)} categories "
                f"from {self.source})")

    def _repr_pretty_(self, printer, cycle: bool) -> None:
        """Print the short form in pretty printers too (IPython's, Hypothesis's)."""
        printer.text(repr(self))

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
        ambiguous: dict[str, Ambiguity] = {}
        for entry in self.ambiguities:
            key = _fold(entry.spelling)
            where = f"{self.source}: ambiguous spelling {entry.spelling!r}"
            if key in lookup:
                raise TaxonomyError(f"{where} is also a name of {lookup[key]!r}: remove it there")
            if key in ambiguous:
                raise TaxonomyError(f"{where} is listed twice")
            unknown = [s for s in entry.skills if s not in self.skills]
            if unknown:
                raise TaxonomyError(f"{where} names unknown skill(s) {', '.join(unknown)}")
            if len(set(entry.skills)) < 2:
                raise TaxonomyError(f"{where} must name at least two skills")
            if entry.prefer is not None and entry.prefer not in entry.skills:
                raise TaxonomyError(f"{where}: prefer {entry.prefer!r} is not one of its skills")
            ambiguous[key] = entry
        for old_id, successors in self.replaced.items():
            if old_id in self.skills:
                raise TaxonomyError(f"{self.source}: {successors[0]!r} replaces {old_id!r}, "
                                    "which is still a skill")
            key = _fold(old_id)
            if key in ambiguous or lookup.get(key) in successors:
                continue
            if key in lookup:
                raise TaxonomyError(f"{self.source}: the retired id {old_id!r} is a name of "
                                    f"{lookup[key]!r}, not of what replaces it")
            if len(successors) == 1:
                lookup[key] = successors[0]  # a renamed id keeps naming its skill
            else:
                ambiguous[key] = Ambiguity(old_id, successors)
        self._lookup.update(lookup)
        self._ambiguous.update(ambiguous)

    @property
    def skill_ids(self) -> tuple[str, ...]:
        """Return all skill ids in file order."""
        return tuple(self.skills)

    @property
    def replaced(self) -> dict[str, tuple[str, ...]]:
        """Return each retired skill id and the skills that replace it, in file order."""
        successors: dict[str, list[str]] = {}
        for skill in self.skills.values():
            for old_id in skill.replaces:
                successors.setdefault(old_id, []).append(skill.id)
        return {old_id: tuple(ids) for old_id, ids in successors.items()}

    def __len__(self) -> int:
        return len(self.skills)

    def __contains__(self, skill_id: object) -> bool:
        return skill_id in self.skills

    def name(self, skill_id: str) -> str:
        """Return the display name of a skill id."""
        return self.skills[skill_id].name

    def resolve(self, spelling: str) -> str | None:
        """Return the skill id that `spelling` names (id, name or alias), or None.

        An ambiguous spelling is None too: see `ambiguity`.
        """
        return self._lookup.get(_fold(spelling))

    def ambiguity(self, spelling: str) -> Ambiguity | None:
        """Return the ambiguity `spelling` is, or None when it names one skill or none."""
        return self._ambiguous.get(_fold(spelling))

    def suggest(self, spelling: str, limit: int = 3) -> list[str]:
        """Return up to `limit` display names close to an unknown `spelling`, best first."""
        folded = _fold(spelling)
        close = difflib.get_close_matches(folded, list(self._lookup), n=limit * 3, cutoff=0.6)
        # Only those nearly as close as the best: with 220 skills, a far third ("ark" for
        # "MARK 21") would bury the one meant.
        if close:
            best = difflib.SequenceMatcher(None, folded, close[0]).ratio()
            close = [key for key in close
                     if difflib.SequenceMatcher(None, folded, key).ratio() >= best - 0.1]
        # Then a word of it that names a skill ("GIS mapping" -> "GIS"), and names that contain
        # what was typed ("marc" -> "MARC 21").
        words = [word for word in folded.split() if len(word) >= 3 and word in self._lookup]
        close = [*words, *(key for key in close if key not in words)]
        if len(folded) >= 3:
            close += [key for key in self._lookup if folded in key and key not in close]
        names: list[str] = []
        for key in close:
            name = self.skills[self._lookup[key]].name
            if name not in names:
                names.append(name)
        return names[:limit]

    def did_you_mean(self, spelling: str) -> str:
        """Return the advice for an unknown spelling: the closest names, or where to look."""
        suggestions = self.suggest(spelling)
        if suggestions:
            return f"did you mean {' or '.join(map(repr, suggestions))}?"
        return f"see {self.guide or f'the taxonomy ({self.source})'} for the skill names"

    def unknown_skill_message(self, spelling: str) -> str:
        """Return the error text for an unknown skill, with a did-you-mean where one exists."""
        return f"unknown skill {spelling!r}; {self.did_you_mean(spelling)}"

    def ambiguous_skill_message(self, spelling: str) -> str:
        """Return the text for an ambiguous spelling: every skill it could name."""
        entry = self._ambiguous[_fold(spelling)]
        names = [repr(self.name(skill_id)) for skill_id in entry.skills]
        return f"{spelling!r} could name {', '.join(names[:-1])} or {names[-1]}"

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
                aliases = _text_list(raw_skill, "aliases", f"{skill_where} ({skill_id})")
                replaces = tuple(_slug(old, f"{skill_where} ({skill_id}): replaces")
                                 for old in _text_list(raw_skill, "replaces",
                                                       f"{skill_where} ({skill_id})"))
                skills[skill_id] = Skill(
                    id=skill_id,
                    name=_require_text(raw_skill, "name", skill_where),
                    category=category_id,
                    aliases=aliases,
                    replaces=replaces,
                )
                ids.append(skill_id)
            categories.append(Category(category_id, category_name, tuple(ids)))
        return cls(categories=tuple(categories), skills=skills, source=source,
                   ambiguities=_ambiguities(data.get("ambiguous"), source))


def _ambiguities(raw: object, source: str) -> tuple[Ambiguity, ...]:
    if raw is None:
        return ()
    if not isinstance(raw, list):
        raise TaxonomyError(f"{source}: 'ambiguous' must be a list of spellings")
    entries = []
    for position, item in enumerate(raw, start=1):
        where = f"{source}: ambiguous {position}"
        if not isinstance(item, dict):
            raise TaxonomyError(f"{where}: expected a mapping with spelling and skills")
        prefer = item.get("prefer")
        entries.append(Ambiguity(
            spelling=_require_text(item, "spelling", where),
            skills=tuple(_slug(s, f"{where}: skills") for s in _text_list(item, "skills", where)),
            prefer=None if prefer is None else _slug(prefer, f"{where}: prefer"),
        ))
    return tuple(entries)


def _text_list(mapping: dict, key: str, where: str) -> tuple[str, ...]:
    values = mapping.get(key) or []
    if not isinstance(values, list) or not all(isinstance(v, str) for v in values):
        raise TaxonomyError(f"{where}: {key} must be a list of text")
    return tuple(values)


def _require_text(mapping: dict, key: str, where: str) -> str:
    value = mapping.get(key)
    if not isinstance(value, str) or not value.strip():
        raise TaxonomyError(f"{where}: {key!r} must be non-empty text")
    return value.strip()


def _require_slug(mapping: dict, key: str, where: str) -> str:
    return _slug(_require_text(mapping, key, where), f"{where}: {key}")


def _slug(value: object, where: str) -> str:
    """Return an id as stored: the usual slug form with hyphens (dublin-core) is dublin_core."""
    text = value.strip().replace("-", "_") if isinstance(value, str) else value
    if not isinstance(text, str) or not _SLUG.match(text):
        raise TaxonomyError(f"{where} {value!r} is not a lowercase slug like 'marc21' or "
                            "'dublin_core'")
    return text


def _parse_yaml(text: str) -> object:
    """Return the data of a YAML text: libyaml's parser when PyYAML has it (a tenth of the
    time; the same data), and the pure-Python one for the message of a broken file, which
    quotes the line and points at the place."""
    fast = getattr(yaml, "CSafeLoader", None)
    if fast is not None:
        try:
            return yaml.load(text, Loader=fast)  # a safe loader: no arbitrary objects
        except yaml.YAMLError:
            pass
    return yaml.safe_load(text)


def load_taxonomy(path: str | Path) -> Taxonomy:
    """Load a taxonomy YAML file.

    Raises TaxonomyError with the file and position of the first problem found.
    """
    path = Path(path)
    try:
        data = _parse_yaml(path.read_text(encoding="utf-8"))
    except OSError as error:
        raise TaxonomyError(f"cannot read taxonomy {path}: {error.strerror}") from error
    except (yaml.YAMLError, UnicodeDecodeError) as error:
        raise TaxonomyError(f"taxonomy {path} is not valid YAML: {error}") from error
    return Taxonomy.from_dict(data, source=str(path))


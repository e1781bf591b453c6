"""The column map: which header of a form export holds each field of a profile, and how to read
its answers.

A map is YAML (see the README's *Importing a form export*)::

    columns:      {our field: the file's header, exactly as the export writes it}
    values:       {our field: {an answer: our value}}   # skills too: {skills: {"Cloud (AWS)": aws}}
    teach_level:  3          # the level of a taught skill the form did not rate
    timestamp:    Timestamp  # optional: a later answer from the same email replaces an earlier one

`load_column_map` reads and checks one, `guess_column_map` makes one from a file's headers,
`dump_column_map` writes one as YAML, and `MappedHeader` turns a file's rows into the cells the
profile reader (`mentorship.profiles.csv_io`) validates, as if the file were our own CSV.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time
from pathlib import Path
from typing import TYPE_CHECKING, Any

import yaml

from matching import Taxonomy
from mentorship.core.errors import InvalidInput, RowError
from mentorship.core.permissions import require_coordinator

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from mentorship.people.models import Person
    from mentorship.profiles.models import SavedColumnMap

__all__ = ["FIELDS", "LIST_FIELDS", "REQUIRED_FIELDS", "ColumnMap", "MappedHeader",
           "cell_text", "column_map_from_choices", "column_map_from_data", "dump_column_map",
           "dump_values",
           "guess_column_map", "load_column_map", "parse_timestamp", "save_column_map",
           "saved_column_map", "split_skill_cell", "unknown_labels", "whole_number"]

#: Every field a map may name: each column of our CSV (`csv_io.COLUMNS`).
FIELDS = ("email", "name", "department", "manager_email", "role", "capacity", "skills", "learn",
          "teach", "goals", "bio", "format_preference", "years_experience", "institution",
          "location", "time_zone")
REQUIRED_FIELDS = ("email", "name")
#: Fields whose cells list skills: a form joins checkbox answers with ", ".
LIST_FIELDS = ("learn", "teach")
#: The value fields of the `values` section that apply to every skill field.
SKILL_VALUES = "skills"
MAP_KEYS = ("columns", "values", "teach_level", "timestamp")
DEFAULT_TEACH_LEVEL = 3


@dataclass(frozen=True)
class ColumnMap:
    """A checked column map: our field -> header, answers by field, teach level, timestamp."""

    columns: Mapping[str, str]
    values: Mapping[str, Mapping[str, str]] = field(default_factory=dict)
    teach_level: int = DEFAULT_TEACH_LEVEL
    timestamp: str | None = None

    def as_data(self) -> dict[str, Any]:
        """Return the map as plain data (the YAML's shape, JSON-ready)."""
        data: dict[str, Any] = {"columns": dict(self.columns)}
        if self.values:
            data["values"] = {key: dict(answers) for key, answers in self.values.items()}
        data["teach_level"] = self.teach_level
        if self.timestamp:
            data["timestamp"] = self.timestamp
        return data

    def answer(self, field_name: str, text: str) -> str | None:
        """Return our value for an answer of a field, or None when the map has none for it."""
        answers = self.values.get(field_name, {})
        return _folded(answers).get(_fold(text))


def _fold(text: str) -> str:
    return " ".join(text.split()).casefold()


def _folded(answers: Mapping[str, str]) -> dict[str, str]:
    return {_fold(answer): value for answer, value in answers.items()}


def _map_error(reason: str, section: str = "map") -> InvalidInput:
    return InvalidInput("the column map is not usable", [RowError(0, section, "", reason)])


#: How deep a map's YAML may nest: a map is three levels (values: field: answer), so this is
#: generous; deeper input only costs stack (a RecursionError otherwise).
MAX_YAML_DEPTH = 10
#: The most digits a number typed on the mapping page may have (a header's position).
MAX_DIGITS = 6


class _Refused(yaml.YAMLError):
    """YAML a column map never needs: the reason is the message to show."""


class _MapLoader(yaml.SafeLoader):
    """SafeLoader without anchors and aliases (a few hundred bytes of aliases expand to
    millions of nodes: the "billion laughs"), and with a bounded nesting depth."""

    _depth = 0

    def compose_node(self, parent, index):
        """Compose one node, refusing an alias, an anchor or nesting past MAX_YAML_DEPTH."""
        event = self.peek_event()
        if isinstance(event, yaml.AliasEvent):
            raise _Refused(f"aliases (*{event.anchor}) are not allowed: write the answers out")
        if getattr(event, "anchor", None) is not None:
            raise _Refused(f"anchors (&{event.anchor}) are not allowed: write the answers out")
        if self._depth >= MAX_YAML_DEPTH:
            raise _Refused(f"it nests deeper than {MAX_YAML_DEPTH} levels")
        self._depth += 1
        try:
            return super().compose_node(parent, index)
        finally:
            self._depth -= 1


def _load_yaml(text: str) -> Any:
    """Parse a map's YAML safely; yaml.YAMLError (a `_Refused` with its reason) if it is not
    one. A number too long for int() (Python's digit limit) is a YAMLError too."""
    loader = _MapLoader(text)
    try:
        return loader.get_single_data()
    except ValueError as error:
        raise yaml.YAMLError("a number in it is too long") from error
    finally:
        loader.dispose()


def _short(value: Any, limit: int = 40) -> str:
    """A value as an error message may quote it: its repr, cut to `limit` characters."""
    text = repr(value)
    return text if len(text) <= limit else text[:limit - 1] + "…"


def whole_number(text: str) -> int | None:
    """Return `text` as a non-negative whole number of at most MAX_DIGITS ASCII digits, or
    None (str.isdigit accepts "²", which int() refuses)."""
    if text.isascii() and text.isdecimal() and len(text) <= MAX_DIGITS:
        return int(text)
    return None


def load_column_map(source: str | Path) -> ColumnMap:
    """Read and check a column map YAML file; InvalidInput says what is wrong with it."""
    try:
        text = Path(source).read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as error:
        raise _map_error("the column map is not UTF-8 text") from error
    except OSError as error:
        raise _map_error(f"cannot read the column map: {error.strerror}") from error
    try:
        data = _load_yaml(text)
    except _Refused as error:
        raise _map_error(f"the column map is refused: {error}") from error
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        where = f" (line {mark.line + 1})" if mark is not None else ""
        raise _map_error(f"the column map is not valid YAML{where}") from error
    return column_map_from_data(data)


def column_map_from_data(data: Any) -> ColumnMap:
    """Check a column map given as data (parsed YAML, or a saved map); return it."""
    if not isinstance(data, Mapping) or "columns" not in data:
        raise _map_error("the column map must be a mapping with a 'columns' section "
                         "(our field: the file's header)")
    unknown = [str(key) for key in data if key not in MAP_KEYS]
    if unknown:
        raise _map_error(f"unknown section(s) {', '.join(unknown)}; a column map has "
                         f"{', '.join(MAP_KEYS)}")
    columns = data["columns"]
    if not isinstance(columns, Mapping):
        raise _map_error("'columns' must map our fields to the file's headers")
    checked: dict[str, str] = {}
    for key, header in columns.items():
        if key not in FIELDS:
            raise _map_error(f"columns: unknown field {key!r}; the fields are "
                             f"{', '.join(FIELDS)}")
        if header is None or (isinstance(header, str) and not header.strip()):
            continue  # an empty entry leaves the field unmapped
        if not isinstance(header, str | int | float):
            raise _map_error(f"columns: the header of {key} must be text")
        checked[key] = str(header).strip()
    values = data.get("values") or {}
    if not isinstance(values, Mapping):
        raise _map_error("'values' must map fields to {answer: value} mappings", "values")
    answers: dict[str, dict[str, str]] = {}
    for key, mapping in values.items():
        if key not in FIELDS:
            raise _map_error(f"values: unknown field {key!r}; the fields are {', '.join(FIELDS)}",
                             "values")
        if not isinstance(mapping, Mapping):
            raise _map_error(f"values: {key} must map answers to values, "
                             "e.g. {\"I'd like a mentor\": mentee}", "values")
        answers[str(key)] = {str(answer): "" if value is None else str(value)
                             for answer, value in mapping.items()}
    teach_level = data.get("teach_level", DEFAULT_TEACH_LEVEL)
    if isinstance(teach_level, bool) or not isinstance(teach_level, int) \
            or not 1 <= teach_level <= 4:
        raise _map_error("teach_level must be a level 1-4 (3 is proficient), "
                         f"not {_short(teach_level)}")
    timestamp = data.get("timestamp")
    if timestamp is not None and (not isinstance(timestamp, str) or not timestamp.strip()):
        raise _map_error("timestamp must be the header of the file's timestamp column")
    return ColumnMap(checked, answers, teach_level, timestamp.strip() if timestamp else None)


def column_map_from_choices(header: Sequence[str], choices: Mapping[str, str], *,
                            values_text: str = "", teach_level: str = "",
                            timestamp: str = "") -> ColumnMap:
    """Return the map a coordinator chose on the mapping page: for each field the position of
    a header (as text, "" for none), the values as YAML, the teach level and the timestamp's
    position. InvalidInput says which choice is wrong."""

    def header_at(name: str, position: str) -> str | None:
        if not position:
            return None
        index = whole_number(position)
        if index is None or index >= len(header):
            raise InvalidInput("the column map is not usable", [RowError(
                0, name, "", "choose one of the file's headers")])
        return header[index]

    try:
        values = _load_yaml(values_text) if values_text.strip() else {}
    except _Refused as error:
        raise InvalidInput("the column map is not usable", [RowError(
            0, "values", "", f"the answers are refused: {error}")]) from error
    except yaml.YAMLError as error:
        raise InvalidInput("the column map is not usable", [RowError(
            0, "values", "", "the answers are not valid YAML: write one field a line, "
                             "e.g. role: {\"I'd like a mentor\": mentee}")]) from error
    data: dict[str, Any] = {
        "columns": {name: header_at(name, choices.get(name, "")) for name in FIELDS},
        "values": values,
        "teach_level": _teach_level(teach_level),
    }
    stamp = header_at("timestamp", timestamp)
    if stamp:
        data["timestamp"] = stamp
    return column_map_from_data(data)


def _teach_level(text: str) -> Any:
    """The teach level typed on the mapping page (3 when blank); InvalidInput names the field
    when it is not a whole number (the map's check then says which numbers are levels)."""
    if not text.strip():
        return DEFAULT_TEACH_LEVEL
    number = whole_number(text.strip())
    if number is None:
        raise InvalidInput("the column map is not usable", [RowError(
            0, "teach_level", text.strip()[:20], "the teach level must be a level 1-4 "
                                            "(3 is proficient)")])
    return number


def dump_values(column_map: ColumnMap) -> str:
    """Return a map's `values` section as YAML to edit ("" when it has none)."""
    if not column_map.values:
        return ""
    return yaml.safe_dump({key: dict(answers) for key, answers in column_map.values.items()},
                          sort_keys=False, allow_unicode=True, width=100)


def save_column_map(session: Session, actor: Person | None, scope: str,
                    column_map: ColumnMap) -> SavedColumnMap:
    """Keep a column map for the next import in `scope` (replacing the one kept before)."""
    # The database's modules are imported here: `mentorship match --map` reads maps without it.
    from sqlalchemy import select
    from sqlalchemy.exc import IntegrityError

    from mentorship.core.audit import record_event
    from mentorship.profiles.models import SavedColumnMap

    require_coordinator(actor, "save a column map")
    # Locked: two saves at once run one after the other; the first save of a scope may still
    # race another first save, which the unique scope then refuses and the retry updates.
    saved = session.scalar(select(SavedColumnMap).where(SavedColumnMap.scope == scope)
                           .with_for_update())
    if saved is None:
        try:
            with session.begin_nested():
                saved = SavedColumnMap(scope=scope, data=column_map.as_data())
                session.add(saved)
                session.flush()
        except IntegrityError:
            saved = session.scalar(select(SavedColumnMap).where(SavedColumnMap.scope == scope)
                                   .with_for_update())
    saved.data = column_map.as_data()
    saved.updated_by_id = actor.id if actor is not None else None
    record_event(session, actor, "column_map.save", "column_map", scope)
    session.flush()
    return saved


def saved_column_map(session: Session, scope: str) -> ColumnMap | None:
    """Return the column map kept for `scope`, or None when there is none (or it no longer
    checks)."""
    from sqlalchemy import select

    from mentorship.profiles.models import SavedColumnMap

    data = session.scalar(select(SavedColumnMap.data).where(SavedColumnMap.scope == scope))
    if data is None:
        return None
    try:
        return column_map_from_data(data)
    except InvalidInput:
        return None


def dump_column_map(column_map: ColumnMap, headers: Sequence[str] = (),
                    unknown: Sequence[tuple[str, str]] = ()) -> str:
    """Return a map as YAML to edit, with the headers it leaves out listed in a comment, and
    `unknown` skill labels (label, advice: `unknown_labels`) as comments to turn into values."""
    text = yaml.safe_dump(column_map.as_data(), sort_keys=False, allow_unicode=True, width=100)
    used = {*column_map.columns.values(), column_map.timestamp}
    unmapped = [h for h in headers if h and h not in used]
    lines = ["# Our field: the file's header. Fields left out keep their defaults; the fields:",
             *(f"#   {', '.join(FIELDS[i:i + 8])}" for i in range(0, len(FIELDS), 8))]
    if unmapped:
        lines.append("# Headers of the file not mapped: " + "; ".join(unmapped))
    tail = []
    if unknown:
        tail = ["# Answers that name no skill, left out unless mapped under values (skills:",
                "# {answer: skill id}); nothing is guessed:",
                *(f"#   {json.dumps(label, ensure_ascii=False)}: {advice}"
                  for label, advice in unknown)]
    return "\n".join(lines) + "\n" + text + "".join(line + "\n" for line in tail)


def unknown_labels(column_map: ColumnMap, header: Sequence[str], rows: Iterable[Sequence[Any]],
                   taxonomy: Taxonomy) -> list[tuple[str, str]]:
    """Return the answers of the map's skill lists that name no skill, each with the advice
    (the closest names), in the order they first appear."""
    mapped = MappedHeader(column_map, header, taxonomy)
    found: dict[str, str] = {}
    for row in rows:
        for name in LIST_FIELDS:
            index = mapped.position.get(name)
            if index is None or index >= len(row):
                continue
            for part in split_skill_cell(cell_text(row[index]), mapped.labels):
                if part not in found and taxonomy.resolve(mapped.skill(name, part)) is None:
                    found[part] = taxonomy.did_you_mean(part)
    return list(found.items())


# Guessing: (field, words any of which a header has, words it must not have), in order: the
# first field that takes a header keeps it.
_GUESSES: tuple[tuple[str, tuple[str, ...], tuple[str, ...]], ...] = (
    ("timestamp", ("timestamp", "completion time", "submitted at", "submission time"), ()),
    ("manager_email", ("manager", "supervisor", "line manager", "reports to"), ()),
    ("email", ("email", "e-mail"), ("manager", "supervisor")),
    ("name", ("name",), ("manager", "supervisor", "email", "institution", "library")),
    ("department", ("department", "team", "unit"), ()),
    ("role", ("be mentored", "mentee", "role", "mentor or"), ()),
    ("capacity", ("how many", "capacity"), ()),
    ("skills", ("rate your", "skill level", "proficien", "skills"), ("learn", "teach", "help")),
    ("learn", ("learn",), ()),
    ("teach", ("teach", "help a colleague", "could you help", "offer"), ()),
    ("goals", ("hope", "goal", "get out of"), ()),
    ("bio", ("about you", "about your", "bio", "your work"), ()),
    ("format_preference", ("format", "in person", "in-person", "meet"), ()),
    ("years_experience", ("years",), ()),
    ("institution", ("institution", "organisation", "organization", "library"), ()),
    ("location", ("location", "based", "campus", "site", "city"), ()),
    ("time_zone", ("time zone", "timezone"), ()),
)


def guess_column_map(headers: Sequence[str], rows: Iterable[Sequence[Any]] = ()) -> ColumnMap:
    """Return a map guessed from a file's headers (and its role answers, from `rows`).

    A header that is one of our field names is that field; otherwise the first field whose
    words it has. Nothing is guessed for skills: labels the taxonomy does not know are reported
    when the file is read, with the closest names.
    """
    columns: dict[str, str] = {}
    taken: set[str] = set()
    for header in headers:
        if header and _fold(header) in FIELDS and _fold(header) not in columns:
            columns[_fold(header)] = header
            taken.add(header)
    timestamp = None
    for name, words, never in _GUESSES:
        if name in columns:
            continue
        for header in headers:
            folded = _fold(header or "")
            if not folded or header in taken:
                continue
            if _has_word(folded, words) and not _has_word(folded, never):
                if name == "timestamp":
                    timestamp = header
                else:
                    columns[name] = header
                taken.add(header)
                break
    values: dict[str, dict[str, str]] = {}
    if "role" in columns:
        position = list(headers).index(columns["role"])
        answers = {cell_text(row[position]).strip() for row in rows if position < len(row)}
        role_values = {answer: role for answer in sorted(answers)
                       if answer and (role := _guess_role(answer)) is not None
                       and _fold(answer) != role}
        if role_values:
            values["role"] = role_values
    ordered = {name: columns[name] for name in FIELDS if name in columns}
    return ColumnMap(ordered, values, DEFAULT_TEACH_LEVEL, timestamp)


def _has_word(text: str, words: Iterable[str]) -> bool:
    """Whether `text` has one of `words` starting a word ("unit", not "opportunity")."""
    return any(re.search(r"(?<![a-z0-9])" + re.escape(word), text) for word in words)


def _guess_role(answer: str) -> str | None:
    folded = _fold(answer)
    if "both" in folded:
        return "both"
    if any(w in folded for w in ("mentee", "be mentored", "a mentor", "mentored")):
        return "mentee"
    if "mentor" in folded:
        return "mentor"
    return None


def cell_text(value: Any) -> str:
    """Return a cell as the text our fields read: numbers and dates as the cell holds them."""
    if type(value) is str:  # every cell of a CSV: the one check it needs, first
        return value
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))  # a spreadsheet's 2.0 is the whole number the cell shows
    if isinstance(value, datetime):
        return value.isoformat(sep=" ")
    if isinstance(value, date | time):
        return value.isoformat()
    return str(value)


_TIMESTAMP_FORMATS = ("%m/%d/%Y %H:%M:%S", "%m/%d/%Y %H:%M", "%Y/%m/%d %I:%M:%S %p",
                      "%Y/%m/%d %H:%M:%S", "%m/%d/%Y %I:%M:%S %p", "%m/%d/%Y %I:%M %p",
                      "%m/%d/%Y", "%Y/%m/%d")
_ZONE_SUFFIX = re.compile(r"\s*(GMT|UTC)([+-]\d{1,2}(:?\d{2})?)?$", re.IGNORECASE)


def parse_timestamp(value: Any) -> datetime | None:
    """Return a form's timestamp cell as a datetime (naive, as the form wrote it), or None.

    Spreadsheet cells are datetimes already; text is ISO 8601, or Google's and Microsoft's
    export spellings (``3/15/2026 10:32:11``, ``2026/03/15 10:32:11 AM GMT-4``).
    """
    if isinstance(value, datetime):
        return value.replace(tzinfo=None)
    if isinstance(value, date):
        return datetime.combine(value, time())
    text = _ZONE_SUFFIX.sub("", cell_text(value).strip())
    if not text:
        return None
    try:
        return datetime.fromisoformat(text).replace(tzinfo=None)
    except ValueError:
        pass
    for pattern in _TIMESTAMP_FORMATS:
        try:
            return datetime.strptime(text, pattern)
        except ValueError:
            continue
    return None


def _labels(taxonomy: Taxonomy, extra: Iterable[str]) -> dict[str, list[str]]:
    """Every case-folded spelling a skill cell may hold, by first letter, longest first."""
    labels = {text.casefold() for skill in taxonomy.skills.values()
              for text in (skill.id, skill.name, *skill.aliases)}
    labels |= {entry.spelling.casefold() for entry in taxonomy.ambiguities}
    labels |= {text.strip().casefold() for text in extra}
    by_start: dict[str, list[str]] = {}
    for label in sorted((label for label in labels if label), key=len, reverse=True):
        by_start.setdefault(label[0], []).append(label)
    return by_start


def split_skill_cell(text: str, labels: Mapping[str, Sequence[str]]) -> list[str]:
    """Split a list cell on ", " or ";", taking the longest known label first.

    `labels` are case-folded spellings by first letter, longest first (`_labels`), so
    "Cloud (AWS, Azure)" stays one part when it is a known label although it contains ", ";
    an unknown one stays one part too when the ", " is inside brackets.

    >>> split_skill_cell("MARC 21, Cloud (AWS, Azure); RDA", {"c": ["cloud (aws, azure)"]})
    ['MARC 21', 'Cloud (AWS, Azure)', 'RDA']
    >>> split_skill_cell("MARC 21, Cloud (AWS, Azure); RDA", {})
    ['MARC 21', 'Cloud (AWS, Azure)', 'RDA']
    >>> split_skill_cell("Alma, Cloud, AWS", {"c": ["cloud, aws"]})
    ['Alma', 'Cloud, AWS']
    """
    parts: list[str] = []
    folded = text.casefold()
    position = 0
    while position < len(text):
        while position < len(text) and text[position] in " ;,":
            position += 1
        if position >= len(text):
            break
        end = None
        for label in labels.get(folded[position], ()):
            stop = position + len(label)
            if folded.startswith(label, position) and (
                    stop == len(text) or text.startswith(", ", stop)
                    or text[stop:].lstrip(" ").startswith(";") or not text[stop:].strip()):
                end = stop
                break
        if end is None:
            end = _next_separator(text, position)
        parts.append(text[position:end].strip())
        position = end
    return [part for part in parts if part]


def _next_separator(text: str, start: int) -> int:
    """Where the part at `start` ends: the next ";", or ", " outside brackets (an unknown
    "Linked data (RDF, SPARQL)" is one answer to report, not two halves)."""
    depth = 0
    for position in range(start, len(text)):
        char = text[position]
        if char in "([":
            depth += 1
        elif char in ")]":
            depth = max(0, depth - 1)
        elif char == ";" or (char == "," and depth == 0 and text.startswith(", ", position)):
            return position
    return len(text)


@dataclass
class MappedHeader:
    """A map applied to a file's header row: where each field's cells are, and how to read them.

    Raises InvalidInput when the file lacks a header the map names, or when a required field
    is not mapped (naming the headers the file has).
    """

    column_map: ColumnMap
    header: Sequence[str]
    taxonomy: Taxonomy
    position: dict[str, int] = field(init=False)
    timestamp_position: int | None = field(init=False, default=None)
    # Every spelling a skill list's answer may be, by first letter (`_labels`).
    labels: dict[str, list[str]] = field(init=False)

    def __post_init__(self) -> None:
        found = {}
        for index, text in enumerate(self.header):
            found.setdefault(" ".join(text.split()), index)
        folded = {}
        for index, text in enumerate(self.header):
            folded.setdefault(_fold(text), index)
        errors: list[RowError] = []

        def locate(name: str, header: str) -> int | None:
            index = found.get(" ".join(header.split()), folded.get(_fold(header)))
            if index is None:
                errors.append(RowError(1, name, header, f"the map's header {header!r} for "
                                       f"{name} is not in the file"))
            return index

        self.position = {}
        for name, header in self.column_map.columns.items():
            index = locate(name, header)
            if index is not None:
                self.position[name] = index
        if self.column_map.timestamp:
            self.timestamp_position = locate("timestamp", self.column_map.timestamp)
        headers = "; ".join(h for h in self.header if h) or "(none)"
        for name in REQUIRED_FIELDS:
            if name not in self.column_map.columns:
                errors.append(RowError(1, name, "", f"required field {name} is not mapped to a "
                                       f"header; the file's headers are: {headers}"))
        if errors:
            raise InvalidInput("the column map does not fit the file", errors)
        skill_answers = [answer for key in (SKILL_VALUES, *LIST_FIELDS)
                         for answer in self.column_map.values.get(key, {})]
        self.labels = _labels(self.taxonomy, skill_answers)

    @property
    def fields(self) -> tuple[str, ...]:
        """Return the fields the map reads, in our CSV's order."""
        return tuple(name for name in FIELDS if name in self.position)

    def cells(self, raw: Sequence[Any]) -> dict[str, str]:
        """Return a row's cells as our CSV's text, answers read through the map's values."""
        cells = {}
        for name, index in self.position.items():
            text = cell_text(raw[index]).strip() if index < len(raw) else ""
            if name in LIST_FIELDS:
                text = "; ".join(self.skill(name, part)
                                 for part in split_skill_cell(text, self.labels))
            elif text:
                mapped = self.column_map.answer(name, text)
                text = mapped if mapped is not None else text
            cells[name] = text
        return cells

    def timestamp(self, raw: Sequence[Any]) -> Any:
        """Return a row's timestamp cell as it is (None without a timestamp column)."""
        index = self.timestamp_position
        if index is None or index >= len(raw):
            return None
        return raw[index]

    def skill(self, name: str, part: str) -> str:
        """Return a part of a skill list cell as the schema should read it: as written when
        it is a skill's id, name or alias, else the map's value for it (or as written: the
        schema reports it with the closest names)."""
        if self.taxonomy.resolve(part) is not None or self.taxonomy.ambiguity(part) is not None:
            return part
        for key in (name, SKILL_VALUES):
            mapped = self.column_map.answer(key, part)
            if mapped is not None:
                return mapped
        return part

"""Read the profile CSV interchange format, reporting every bad row at once."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from marshmallow import ValidationError

from matching import Profile, Taxonomy
from mentorship.core.errors import InvalidInput, RowError
from mentorship.core.settings import import_row_limit
from mentorship.core.spreadsheet import unguarded
from mentorship.profiles.mapping import engine_profile
from mentorship.profiles.schemas import ProfileSchema

__all__ = ["COLUMNS", "FACTOR_COLUMNS", "REQUIRED_COLUMNS", "ProfileTable", "read_profiles_csv"]

#: Columns a file may leave out without changing what is stored: files written before these
#: columns existed still import as they did.
FACTOR_COLUMNS = ("format_preference", "years_experience", "institution", "location", "time_zone")
COLUMNS = (
    "email", "name", "department", "manager_email", "role", "capacity",
    "skills", "learn", "teach", "goals", "bio", *FACTOR_COLUMNS,
)
REQUIRED_COLUMNS = ("email", "name")


@dataclass
class ProfileTable:
    """Validated rows: records by email (with their spreadsheet row) and warnings."""

    records: dict[str, dict[str, Any]] = field(default_factory=dict)
    rows: dict[str, int] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)
    # Skill names not taken as written (unknown: left out; ambiguous: read as the usual
    # meaning, or left out), by row, column and the part of the cell: never more of the row.
    skill_warnings: list[RowError] = field(default_factory=list)
    # Only with partial=True: the problems of the rows left out.
    errors: list[RowError] = field(default_factory=list)
    # The format's columns the file has.
    columns: tuple[str, ...] = COLUMNS

    def profiles(self) -> list[Profile]:
        """Return the engine's view of every record."""
        return [engine_profile(email, record["manager_email"], record)
                for email, record in self.records.items()]


def read_profiles_csv(
    source: str | Path | io.TextIOBase, taxonomy: Taxonomy, *, partial: bool = False,
    strict: bool = False,
) -> ProfileTable:
    """Read and validate a profile CSV; raise InvalidInput listing every problem found.

    With `partial`, rows with problems are left out and listed in the table's `errors`
    instead (problems with the file as a whole still raise). An unknown or ambiguous skill
    name is a warning in the table's `skill_warnings` (the rest of its row is kept), or with
    `strict` a problem like any other.
    """
    text = _read_text(source)
    try:
        return _parse(text, taxonomy, partial, strict)
    except csv.Error as error:  # e.g. a cell over the csv module's size limit, a stray NUL
        raise InvalidInput("the file is not readable CSV", [
            RowError(0, "", "", f"not readable as CSV: {error}")]) from error


def _parse(text: str, taxonomy: Taxonomy, partial: bool, strict: bool) -> ProfileTable:
    # csv.reader, not DictReader: it yields blank lines too, so row numbers match a spreadsheet.
    records = csv.reader(io.StringIO(text))
    header = [h.strip().casefold() for h in next(records, [])]
    while header and not header[-1]:
        header.pop()  # spreadsheets often end the header row with empty cells
    if not header:
        raise InvalidInput("the file is empty", [RowError(0, "", "", "the file is empty: "
                                                           "expected a header row")])
    missing = [c for c in REQUIRED_COLUMNS if c not in header]
    repeated = sorted({h for h in header if header.count(h) > 1 and h})
    if missing or repeated:
        errors = [RowError(1, c, "", "required column is missing") for c in missing]
        errors += [RowError(1, c, "", "column appears more than once") for c in repeated]
        raise InvalidInput("the header row is not usable", errors)
    table = ProfileTable(columns=tuple(c for c in COLUMNS if c in header))
    extra = [h or "(unnamed)" for h in header if h not in COLUMNS]
    if extra:
        table.warnings.append(f"ignored column(s) not in the format: {', '.join(extra)}")
    schema = ProfileSchema(taxonomy=taxonomy, strict_skills=strict)
    errors: list[RowError] = []
    raw_rows: dict[str, dict[str, str]] = {}
    emails_in_file: set[str] = set()
    limit = import_row_limit()
    for row_number, raw in enumerate(records, start=2):
        if row_number - 1 > limit:
            raise InvalidInput("the file is too long", [RowError(
                row_number, "", "", f"more than {limit:,} rows: split the file (the limit is "
                                    "the MENTORSHIP_IMPORT_ROW_LIMIT setting)")])
        if len(raw) > len(header) and any(cell.strip() for cell in raw[len(header):]):
            errors.append(RowError(row_number, "", ",".join(raw[len(header):]),
                                   f"more cells than the {len(header)} columns of the header"))
            continue
        cells = {column: unguarded(cell) for column, cell in zip(header, raw, strict=False)
                 if column in COLUMNS}
        if not any(value.strip() for value in cells.values()):
            continue  # blank rows, often at the end of a spreadsheet export
        with_nul = [column for column, value in cells.items() if "\x00" in value]
        if with_nul:
            errors += [RowError(row_number, column, "", "contains a NUL character, which no "
                                "field can hold") for column in with_nul]
            continue
        emails_in_file.add(cells.get("email", "").strip().casefold())
        schema.skill_warnings.clear()
        try:
            record = schema.load(cells)
        except ValidationError as error:
            errors.extend(_row_errors(row_number, error.normalized_messages(), cells))
            continue
        email = record["email"]
        if email in table.records:
            errors.append(RowError(row_number, "email", cells["email"],
                                   f"duplicate email; first used on row {table.rows[email]}"))
            continue
        table.records[email] = record
        table.rows[email] = row_number
        raw_rows[email] = cells
        table.skill_warnings += [RowError(row_number, *warning) for warning in schema.skill_warnings]
    errors += _manager_errors(table, raw_rows, emails_in_file)
    if errors and partial:
        bad_rows = {error.row for error in errors}
        for email in [e for e, row in table.rows.items() if row in bad_rows]:
            del table.records[email], table.rows[email]
        table.errors = sorted(errors)
        table.skill_warnings = [w for w in table.skill_warnings if w.row not in bad_rows]
    elif errors:
        raise InvalidInput(f"{len(errors)} problem(s) in the profile file", errors)
    if not table.records:
        if table.errors:
            raise InvalidInput("no valid rows", table.errors)
        raise InvalidInput("no people", [RowError(0, "", "", "the file has a header but no rows")])
    return table


def _read_text(source: str | Path | io.TextIOBase) -> str:
    if isinstance(source, io.TextIOBase):
        return source.read()
    try:
        # utf-8-sig: spreadsheet programs often start a CSV export with a byte-order mark.
        return Path(source).read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as error:
        raise InvalidInput("not UTF-8", [RowError(0, "", "", f"the file is not UTF-8 text "
                                                            f"(byte {error.start}); save it as "
                                                            "CSV UTF-8")]) from error
    except OSError as error:
        raise InvalidInput("unreadable", [RowError(0, "", str(source),
                                                   f"cannot read the file: {error.strerror}")]
                           ) from error


def _row_errors(row: int, messages: dict, cells: dict[str, str]) -> list[RowError]:
    errors = []
    for column, problems in sorted(messages.items()):
        if isinstance(problems, dict):  # nested messages: flatten
            problems = [m for value in problems.values() for m in value]
        for problem in problems:
            errors.append(RowError(row, column, cells.get(column, ""), _plain(problem)))
    return errors


def _plain(message: str) -> str:
    """Reword marshmallow's defaults the way a spreadsheet user reads them."""
    return {
        "Missing data for required field.": "required, but empty",
        "Not a valid email address.": "not a valid email address",
    }.get(message, message)


def _manager_errors(
    table: ProfileTable, raw_rows: dict[str, dict[str, str]], emails_in_file: set[str]
) -> list[RowError]:
    """Report managers that are not in the file, and cycles of managers.

    A manager whose own row is invalid is still in the file: that row's error is enough.
    """
    errors = []
    for email, record in table.records.items():
        manager = record["manager_email"]
        if manager is not None and manager not in emails_in_file:
            errors.append(RowError(table.rows[email], "manager_email",
                                   raw_rows[email]["manager_email"],
                                   "manager is not a person in this file"))
    reported: set[str] = set()
    for start in table.records:
        path: list[str] = []
        person: str | None = start
        while person is not None and person in table.records and person not in path:
            path.append(person)
            person = table.records[person]["manager_email"]
        if person is not None and person in path:
            cycle = path[path.index(person):]
            if reported.isdisjoint(cycle):
                reported.update(cycle)
                chain = " -> ".join([*cycle, person])
                errors.extend(
                    RowError(table.rows[p], "manager_email", raw_rows[p]["manager_email"],
                             f"manager cycle: {chain}")
                    for p in cycle
                )
    return errors

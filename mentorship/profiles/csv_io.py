"""Read the profile CSV interchange format, or a form export (CSV or XLSX) through a column
map, reporting every bad row at once."""

from __future__ import annotations

import contextlib
import csv
import io
import zipfile
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from marshmallow import ValidationError

from matching import Profile, Taxonomy
from mentorship.core.errors import InvalidInput, RowError
from mentorship.core.settings import import_row_limit
from mentorship.core.spreadsheet import unguarded
from mentorship.profiles.column_map import ColumnMap, MappedHeader, cell_text, parse_timestamp
from mentorship.profiles.mapping import engine_profile
from mentorship.profiles.schemas import ProfileSchema

__all__ = ["COLUMNS", "FACTOR_COLUMNS", "PROGRESS_EVERY", "REQUIRED_COLUMNS", "ProfileTable",
           "count_rows", "read_profiles", "read_profiles_csv", "read_sheet"]

#: How many rows pass between two calls of a progress callback.
PROGRESS_EVERY = 500

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

    def outside_managers(self) -> tuple[tuple[str, None], ...]:
        """Return the managers the file names who are not in it (they take no part), for the
        engine's `MatchSettings.outside_managers`: the manager rules run through them."""
        managers = {record["manager_email"] for record in self.records.values()}
        return tuple((email, None) for email in sorted(managers - set(self.records) - {None}))


def read_profiles_csv(
    source: str | Path | io.TextIOBase, taxonomy: Taxonomy, *, partial: bool = False,
    strict: bool = False, column_map: ColumnMap | None = None,
) -> ProfileTable:
    """Read and validate a profile CSV; raise InvalidInput listing every problem found.

    With `partial`, rows with problems are left out and listed in the table's `errors`
    instead (problems with the file as a whole still raise). An unknown or ambiguous skill
    name is a warning in the table's `skill_warnings` (the rest of its row is kept), or with
    `strict` a problem like any other. With a `column_map`, the file is a form export read
    through it (see `mentorship.profiles.column_map`). A semicolon- or tab-delimited file is
    read as such.
    """
    return read_profiles(source, taxonomy, partial=partial, strict=strict,
                         column_map=column_map)


def read_profiles(
    source: str | Path | bytes | io.TextIOBase, taxonomy: Taxonomy, *, partial: bool = False,
    strict: bool = False, column_map: ColumnMap | None = None, sheet: str | None = None,
    progress: Callable[[int], None] | None = None,
) -> ProfileTable:
    """Read and validate a profile file, CSV or XLSX (a path, an upload's bytes or text);
    see `read_profiles_csv`. `sheet` names the XLSX sheet to read (default: the first).
    `progress` is told how many rows have been read, every `PROGRESS_EVERY` rows and at the end.
    """
    header, rows = read_sheet(source, sheet=sheet)
    try:
        return _parse(header, rows, taxonomy, partial, strict, column_map, progress)
    except csv.Error as error:  # e.g. a cell over the csv module's size limit, a stray NUL
        raise InvalidInput("the file is not readable CSV", [
            RowError(0, "", "", f"not readable as CSV: {error}")]) from error


Rows = Iterator[tuple[int, Sequence[Any]]]


def read_sheet(source: str | Path | bytes | io.TextIOBase, *, sheet: str | None = None,
               ) -> tuple[list[str], Rows]:
    """Return a file's header cells and its other rows (with their spreadsheet row numbers).

    XLSX when `source` is an XLSX file (by name or content), else CSV with its delimiter
    (comma, semicolon or tab) found from its first rows. A CSV's cells are text; an XLSX's are
    what the cells hold (numbers, dates, text).
    """
    if _is_xlsx(source):
        return _xlsx_rows(source, sheet)
    if sheet is not None:
        raise InvalidInput("not a workbook", [RowError(0, "sheet", sheet, "a sheet name is only "
                                                       "for XLSX files; this file is CSV")])
    if isinstance(source, str | Path):
        return _streamed_csv(Path(source))
    text = _read_text(source)
    try:
        reader = csv.reader(io.StringIO(text), delimiter=_delimiter(text))
        header = next(reader, [])
    except csv.Error as error:
        raise InvalidInput("the file is not readable CSV", [
            RowError(0, "", "", f"not readable as CSV: {error}")]) from error
    # csv.reader, not DictReader: it yields blank lines too, so row numbers match a spreadsheet.
    return header, enumerate(reader, start=2)


#: How much of a file on disk is read to find its delimiter.
SNIFF_BYTES = 64 * 1024


def _streamed_csv(path: Path) -> tuple[list[str], Rows]:
    """A CSV file on disk, read a row at a time (memory flat in the file's length); a file
    over the row limit is refused after one quick pass, before any row is validated."""
    with _opened(path) as lines:
        delimiter = _delimiter(lines.read(SNIFF_BYTES))
    limit = import_row_limit()
    with _opened(path) as lines:
        for count, _ in enumerate(csv.reader(lines, delimiter=delimiter)):
            if count > limit:  # the header, then more than `limit` rows
                raise InvalidInput("the file is too long", [RowError(
                    count + 1, "", "", f"more than {limit:,} rows: split the file (the limit "
                                       "is the MENTORSHIP_IMPORT_ROW_LIMIT setting)")])

    def rows() -> Rows:
        with _opened(path) as lines:
            yield from enumerate(csv.reader(lines, delimiter=delimiter), start=1)

    numbered = rows()
    _, header = next(numbered, (1, []))
    return header, numbered


@contextlib.contextmanager
def _opened(path: Path) -> Iterator[io.TextIOBase]:
    """The file as text (UTF-8, an optional byte-order mark), its problems as InvalidInput."""
    try:
        # utf-8-sig: spreadsheet programs often start a CSV export with a byte-order mark.
        with path.open(encoding="utf-8-sig", newline="") as lines:
            yield lines
    except UnicodeDecodeError as error:
        raise InvalidInput("not UTF-8", [RowError(0, "", "", "the file is not UTF-8 text; save "
                                                            "it as CSV UTF-8")]) from error
    except csv.Error as error:  # e.g. a cell over the csv module's size limit
        raise InvalidInput("the file is not readable CSV", [
            RowError(0, "", "", f"not readable as CSV: {error}")]) from error
    except OSError as error:
        raise InvalidInput("unreadable", [RowError(0, "", str(path),
                                                   f"cannot read the file: {error.strerror}")]
                           ) from error


def _delimiter(text: str) -> str:
    """The delimiter that splits the first rows into the same number of cells, most of them."""
    best, best_width = ",", 0
    for delimiter in (",", ";", "\t"):
        try:
            reader = csv.reader(io.StringIO(text), delimiter=delimiter)
            sample = [row for _, row in zip(range(6), reader, strict=False)]
        except csv.Error:
            continue
        widths = {len(row) for row in sample if any(cell.strip() for cell in row)}
        if len(widths) == 1 and (width := widths.pop()) > max(best_width, 1):
            best, best_width = delimiter, width
    return best


def _is_xlsx(source: str | Path | bytes | io.TextIOBase) -> bool:
    if isinstance(source, bytes):
        return source[:4] == b"PK\x03\x04"
    if isinstance(source, io.TextIOBase):
        return False
    return str(source).casefold().endswith((".xlsx", ".xlsm"))


def _xlsx_rows(source: str | Path | bytes, sheet: str | None) -> tuple[list[str], Rows]:
    import openpyxl  # imported here: reading a CSV never needs it

    try:
        # From bytes in memory: a read-only workbook keeps its file open while its rows are
        # read, and a generator left unfinished would never close it.
        data = source if isinstance(source, bytes) else Path(source).read_bytes()
        book = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except OSError as error:
        raise InvalidInput("unreadable", [RowError(0, "", str(source),
                                                   f"cannot read the file: {error.strerror}")]
                           ) from error
    except (zipfile.BadZipFile, KeyError, ValueError, TypeError) as error:
        raise InvalidInput("not a workbook", [RowError(0, "", "", "the file is not a readable "
                                                       "XLSX workbook")]) from error
    if sheet is None:
        chosen = book.worksheets[0]
    elif sheet in book.sheetnames:
        chosen = book[sheet]
    else:
        raise InvalidInput("no such sheet", [RowError(0, "sheet", sheet, "the workbook has no "
                           f"sheet of that name; its sheets are: {', '.join(book.sheetnames)}")])
    rows = chosen.iter_rows(values_only=True)
    header = [cell_text(cell) for cell in next(rows, ())]
    return header, ((number, list(row)) for number, row in enumerate(rows, start=2))


def count_rows(data: bytes) -> int | None:
    """Return how many rows follow the header of an uploaded file (None for a workbook, whose
    rows are only known by reading them), refusing one over the row limit as `read_profiles`
    would, but before any row is validated. One quick pass of the csv module."""
    if _is_xlsx(data):
        return None
    limit = import_row_limit()
    text = _read_text(data)
    count = 0
    try:
        for count, _ in enumerate(csv.reader(io.StringIO(text), delimiter=_delimiter(text))):
            if count > limit:  # the header, then more than `limit` rows
                raise InvalidInput("the file is too long", [RowError(
                    count + 1, "", "", f"more than {limit:,} rows: split the file (the limit "
                                       "is the MENTORSHIP_IMPORT_ROW_LIMIT setting)")])
    except csv.Error:
        return None  # reading it for real reports the problem where it is
    return count


def _parse(header_cells: list[str], records: Rows, taxonomy: Taxonomy, partial: bool,
           strict: bool, column_map: ColumnMap | None,
           progress: Callable[[int], None] | None = None) -> ProfileTable:
    header = [h.strip() for h in header_cells]
    while header and not header[-1]:
        header.pop()  # spreadsheets often end the header row with empty cells
    if not header:
        raise InvalidInput("the file is empty", [RowError(0, "", "", "the file is empty: "
                                                           "expected a header row")])
    if column_map is not None:
        mapped = MappedHeader(column_map, header, taxonomy)
        table = ProfileTable(columns=tuple(c for c in COLUMNS if c in mapped.position))
        read_cells = mapped.cells
    else:
        mapped = None
        header = [h.casefold() for h in header]
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

        def read_cells(raw: Sequence[Any]) -> dict[str, str]:
            return {column: unguarded(cell_text(cell))
                    for column, cell in zip(header, raw, strict=False) if column in COLUMNS}
    schema = ProfileSchema(taxonomy=taxonomy, strict_skills=strict)
    errors: list[RowError] = []
    raw_rows: dict[str, dict[str, str]] = {}
    answered: dict[str, Any] = {}  # by email: when the kept answer was given
    emails_in_file: set[str] = set()
    limit = import_row_limit()
    read = 0
    for row_number, raw in records:
        read += 1
        if progress is not None and read % PROGRESS_EVERY == 0:
            progress(read)
        if row_number - 1 > limit:
            raise InvalidInput("the file is too long", [RowError(
                row_number, "", "", f"more than {limit:,} rows: split the file (the limit is "
                                    "the MENTORSHIP_IMPORT_ROW_LIMIT setting)")])
        if mapped is None and len(raw) > len(header) and any(
                cell_text(cell).strip() for cell in raw[len(header):]):
            errors.append(RowError(row_number, "", ",".join(map(cell_text, raw[len(header):])),
                                   f"more cells than the {len(header)} columns of the header"))
            continue
        cells = read_cells(raw)
        if not any(value.strip() for value in cells.values()):
            continue  # blank rows, often at the end of a spreadsheet export
        with_nul = [column for column, value in cells.items() if "\x00" in value]
        if with_nul:
            errors += [RowError(row_number, column, "", "contains a NUL character, which no "
                                "field can hold") for column in with_nul]
            continue
        emails_in_file.add(cells.get("email", "").strip().casefold())
        when = None
        if mapped is not None and mapped.timestamp_position is not None:
            written = mapped.timestamp(raw)
            when = parse_timestamp(written)
            if when is None:
                errors.append(RowError(row_number, "timestamp", cell_text(written),
                                       "not a date and time (e.g. 2026-03-15 10:32:11)"))
                continue
        schema.skill_warnings.clear()
        try:
            record = schema.load(cells)
        except ValidationError as error:
            errors.extend(_row_errors(row_number, error.normalized_messages(), cells))
            continue
        email = record["email"]
        if mapped is not None:
            _rate_taught(record, column_map.teach_level)  # type: ignore[union-attr]
        if email in table.records:
            first = table.rows[email]
            if when is None:
                errors.append(RowError(row_number, "email", cells["email"],
                                       f"duplicate email; first used on row {first}"))
                continue
            earlier, later = (first, row_number) if when >= answered[email] else (row_number, first)
            table.warnings.append(f"row {earlier}: replaced by the later answer on row {later} "
                                  "(the same email)")
            if later == first:
                continue
            table.skill_warnings = [w for w in table.skill_warnings if w.row != first]
        table.records[email] = record
        table.rows[email] = row_number
        answered[email] = when
        raw_rows[email] = cells
        table.skill_warnings += [RowError(row_number, *warning) for warning in schema.skill_warnings]
    if progress is not None:
        progress(read)
    errors += _manager_errors(table, raw_rows)
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


def _read_text(source: str | Path | bytes | io.TextIOBase) -> str:
    if isinstance(source, io.TextIOBase):
        return source.read()
    try:
        # utf-8-sig: spreadsheet programs often start a CSV export with a byte-order mark.
        if isinstance(source, bytes):
            # Any line ending (\n, \r\n or a lone \r), as reading a file from disk accepts.
            return io.StringIO(source.decode("utf-8-sig"), newline=None).read()
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


def _rate_taught(record: dict[str, Any], teach_level: int) -> None:
    """Give each taught skill the form did not rate the map's teach level: a checkbox form
    collects no levels, and a level 0 would teach nobody."""
    for skill in record["teach"] or ():
        if not record["skills"].get(skill):
            record["skills"][skill] = teach_level


def _manager_errors(table: ProfileTable, raw_rows: dict[str, dict[str, str]]) -> list[RowError]:
    """Report cycles of managers in the file.

    A manager who is not in the file is no problem: they are linked when already in the
    database, and otherwise kept as a person who takes no part (`import_profiles`).
    """
    errors = []
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

"""Read the side files of a run: avoid lists, locked pairs and an earlier round's result."""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Collection
from pathlib import Path

from mentorship.core.errors import InvalidInput, RowError

__all__ = ["read_pairs_csv", "read_previous_pairs"]

_HEADER_CELL = re.compile(r"^[A-Za-z][A-Za-z0-9_ ]*$")


def read_pairs_csv(
    path: str | Path, known: Collection[str], *, what: str
) -> tuple[list[tuple[str, str]], list[int]]:
    """Return the email pairs of a two-column CSV and the row each came from.

    A header row is optional.
    Every email must belong to a person in the pool (`known`); all problems are reported at
    once with their row numbers. `what` names the file in messages ("avoid list", "lock file").
    """
    try:
        text = Path(path).read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as error:
        reason = getattr(error, "strerror", None) or "not UTF-8 text"
        raise InvalidInput(f"cannot read the {what}",
                           [RowError(0, "", str(path), f"cannot read the {what}: {reason}")]
                           ) from error
    pairs: list[tuple[str, str]] = []
    rows: list[int] = []
    errors: list[RowError] = []
    try:
        records = list(csv.reader(io.StringIO(text)))
    except csv.Error as error:
        raise InvalidInput(f"the {what} is not readable CSV",
                           [RowError(0, "", str(path), f"not readable as CSV: {error}")]) from error
    for row_number, cells in enumerate(records, start=1):
        cells = [c.strip() for c in cells]
        if not any(cells):
            continue
        if row_number == 1 and all(_HEADER_CELL.match(c) for c in cells if c):
            continue  # a header row such as "mentor,mentee" (a mistyped email is not one)
        if len(cells) < 2 or not cells[0] or not cells[1]:
            errors.append(RowError(row_number, "", ",".join(cells),
                                   "expected two emails separated by a comma"))
            continue
        first, second = cells[0].casefold(), cells[1].casefold()
        bad = False
        for column, email in (("1", first), ("2", second)):
            if email not in known:
                errors.append(RowError(row_number, column, email,
                                       f"not a person in the profile file ({what})"))
                bad = True
        if not bad:
            pairs.append((first, second))
            rows.append(row_number)
    if errors:
        raise InvalidInput(f"{len(errors)} problem(s) in the {what}", errors)
    return pairs, rows


def read_previous_pairs(path: str | Path) -> list[tuple[str, str]]:
    """Return the pairs of an earlier JSON result (mentor or peer mode), as email pairs.

    People who have since left the pool are kept; they simply match nobody now.
    """
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except OSError as error:
        raise InvalidInput("cannot read the earlier result",
                           [RowError(0, "", str(path), f"cannot read it: {error.strerror}")]
                           ) from error
    except (json.JSONDecodeError, UnicodeDecodeError) as error:
        raise InvalidInput("not a JSON result",
                           [RowError(0, "", str(path), f"not JSON: {error}")]) from error
    pairs_data = data.get("pairs") if isinstance(data, dict) else None
    if not isinstance(pairs_data, list):
        raise InvalidInput("not a result file", [
            RowError(0, "pairs", str(path), "expected the JSON written by "
                     "'mentorship match --format json', with a 'pairs' list")])
    pairs = []
    for number, pair in enumerate(pairs_data, start=1):
        people = None
        if isinstance(pair, dict) and "mentor" in pair and "mentee" in pair:
            people = (pair["mentor"], pair["mentee"])
        elif isinstance(pair, dict) and isinstance(pair.get("people"), list):
            people = tuple(pair["people"])
        if not people or len(people) != 2 or not all(isinstance(p, str) for p in people):
            raise InvalidInput("bad pair in the earlier result", [
                RowError(number, "pairs", json.dumps(pair)[:80],
                         "expected {'mentor', 'mentee'} or {'people': [a, b]}")])
        pairs.append((people[0].casefold(), people[1].casefold()))
    return pairs

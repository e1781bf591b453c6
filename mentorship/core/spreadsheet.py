"""Spreadsheet files: decoding an upload, and cells a spreadsheet would run as formulas."""

from __future__ import annotations

import io

from mentorship.core.errors import InvalidInput, RowError

__all__ = ["decode_upload", "spreadsheet_safe", "unguarded"]


# A cell starting with one of these is a formula to a spreadsheet program.
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def spreadsheet_safe(text: str) -> str:
    """Text a spreadsheet will not run as a formula: a leading apostrophe guards it.

    `read_profiles_csv` takes the guard off again, so an exported file imports unchanged.
    """
    return "'" + text if text[:1] in _FORMULA_STARTS else text


def unguarded(cell: str) -> str:
    """Take off the guard `spreadsheet_safe` puts on a formula-like cell."""
    return cell[1:] if cell[:1] == "'" and cell[1:2] in _FORMULA_STARTS else cell


def decode_upload(data: bytes) -> io.StringIO:
    """Return an uploaded CSV file's text, ready for `read_profiles_csv`; InvalidInput if not UTF-8."""
    try:
        # Any line ending (\n, \r\n or a lone \r), as reading a file from disk accepts them.
        return io.StringIO(data.decode("utf-8-sig"), newline=None)
    except UnicodeDecodeError as error:
        raise InvalidInput("not UTF-8", [RowError(0, "", "", f"the file is not UTF-8 text "
                                                            f"(byte {error.start}); save it as "
                                                            "CSV UTF-8")]) from error

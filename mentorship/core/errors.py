"""Domain errors: a small hierarchy that the CLI and the web layer map to messages and statuses."""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["Conflict", "DomainError", "InvalidInput", "NotFound", "PermissionDenied", "RowError"]


@dataclass(frozen=True, order=True)
class RowError:
    """One problem in tabular input: where (row as a spreadsheet shows it, column), what, why."""

    row: int
    column: str
    value: str
    reason: str

    def __str__(self) -> str:
        where = f"row {self.row}" if self.row else "file"
        column = f", column {self.column}" if self.column else ""
        value = f", value {self.value!r}" if self.value else ""
        return f"{where}{column}{value}: {self.reason}"


class DomainError(Exception):
    """Base class of the errors a user can cause and be told about."""


class NotFound(DomainError):
    """The thing asked for does not exist."""


class Conflict(DomainError):
    """The request clashes with the current state (published twice, edited concurrently)."""


class PermissionDenied(DomainError):
    """The acting person may not do this."""


class InvalidInput(DomainError):
    """Input failed validation; `errors` says where and why, all of them at once."""

    def __init__(self, message: str, errors: list[RowError] | None = None) -> None:
        super().__init__(message)
        self.errors = sorted(errors or [])

    def __reduce__(self):
        # Pickled with its located problems: the command line reads a file in a forked copy
        # of itself (`mentorship.core.forked`), and the problems are what it must report.
        return type(self), (str(self), self.errors)

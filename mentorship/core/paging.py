"""Pages of a long list: bounds that every database accepts, and LIKE patterns for search."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

__all__ = ["MAX_PAGE", "MAX_PAGE_SIZE", "PAGE_SIZE", "Page", "like_pattern", "page_bounds"]


PAGE_SIZE = 50
MAX_PAGE_SIZE = 500
# Far beyond any real list, and small enough that OFFSET never overflows a database integer.
MAX_PAGE = 1_000_000


def page_bounds(page: int, size: int) -> tuple[int, int]:
    """A page number and size brought within range (1 ≤ page ≤ MAX_PAGE, 1 ≤ size ≤ 500)."""
    return min(max(1, page), MAX_PAGE), min(max(1, size), MAX_PAGE_SIZE)


def like_pattern(text: str) -> str:
    """A LIKE pattern for text anywhere (lower-cased), with % and _ taken literally."""
    escaped = text.strip().casefold().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


@dataclass(frozen=True)
class Page:
    """One page of a longer list."""

    items: list[Any]
    number: int
    size: int
    total: int

    @property
    def pages(self) -> int:
        """How many pages there are (at least one)."""
        return max(1, -(-self.total // self.size))

    @property
    def has_previous(self) -> bool:
        """Whether a page comes before this one."""
        return self.number > 1

    @property
    def has_next(self) -> bool:
        """Whether a page follows this one."""
        return self.number < self.pages

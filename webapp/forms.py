"""Reading ids and numbers from forms and URLs safely: decimal digits, within the database's range."""

from __future__ import annotations

from flask import request
from werkzeug.routing import IntegerConverter

__all__ = ["MAX_ID", "BoundedIntConverter", "form_id", "form_ids", "is_id"]

#: The largest id a column holds (PostgreSQL's INTEGER); anything above cannot exist.
MAX_ID = 2**31 - 1


class BoundedIntConverter(IntegerConverter):
    """The ``<int:...>`` converter, refusing (404) numbers no row can have."""

    def __init__(self, url_map, *args, **kwargs) -> None:
        kwargs.setdefault("max", MAX_ID)
        super().__init__(url_map, *args, **kwargs)


def is_id(text: str) -> bool:
    """Whether `text` is an id: ASCII decimal digits, within range ("²" and "٣" are not)."""
    # The length first: int() refuses a string of more than 4300 digits (a ValueError).
    return (text.isascii() and text.isdecimal() and len(text) <= len(str(MAX_ID))
            and 0 < int(text) <= MAX_ID)


def form_id(name: str) -> int | None:
    """The form field `name` as an id, or None when absent or not an id."""
    value = request.form.get(name, "").strip()
    return int(value) if is_id(value) else None


def form_ids(name: str) -> list[int]:
    """Every value of the form field `name` that is an id, in order, without repeats."""
    return list(dict.fromkeys(int(v) for v in request.form.getlist(name) if is_id(v.strip())))

"""JSON text for the database's columns, a round's snapshot and reports, by orjson, both ways.

orjson encodes several times faster than the standard library (a 10,000-person round stores
megabytes of it) and indents in C. Numbers the engine computed with numpy, and subclasses of
float, are written as plain numbers, as `json.dumps` writes a float subclass. No SQLAlchemy
here: `mentorship match` writes its report without loading it.
"""

from __future__ import annotations

from typing import Any

import orjson

__all__ = ["from_json", "to_json"]


def _plain(value: Any) -> Any:
    """orjson's fallback: a float subclass as its float; anything else is not JSON."""
    if isinstance(value, float):
        return float(value)
    raise TypeError(f"{type(value).__name__} is not JSON")


def to_json(value: Any, *, sort_keys: bool = False, indent: bool = False) -> str:
    """Return `value` as JSON text: compact, or indented by two spaces; keys sorted at every
    level with `sort_keys`. Keys that are not strings become strings, as `json.dumps` makes
    them. Raises TypeError for a value JSON cannot hold."""
    option = orjson.OPT_NON_STR_KEYS | orjson.OPT_SERIALIZE_NUMPY
    if sort_keys:
        option |= orjson.OPT_SORT_KEYS
    if indent:
        option |= orjson.OPT_INDENT_2
    return orjson.dumps(value, default=_plain, option=option).decode()


def from_json(text: str | bytes) -> Any:
    """Return the value of JSON text (orjson: decoding is as hot as encoding)."""
    return orjson.loads(text)

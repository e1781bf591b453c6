"""The bounds of a profile's values, defined once: the models, schemas, forms and CSV use them."""

from __future__ import annotations

from matching import LEVEL_NAMES

__all__ = ["LEVEL_NAMES", "MAX_CAPACITY", "MAX_LEVEL", "MAX_TEXT", "MAX_YEARS", "MIN_LEVEL"]

#: The proficiency levels, 0 none … 4 expert (the engine's scale).
MIN_LEVEL, MAX_LEVEL = 0, len(LEVEL_NAMES) - 1
#: The most mentees a mentor may take at once.
MAX_CAPACITY = 10
#: The most years of experience a profile may give (a working life, with room to spare).
MAX_YEARS = 70
#: The longest institution or location name.
MAX_TEXT = 200

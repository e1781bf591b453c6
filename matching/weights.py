"""How a score weighs ranked wants and level gaps (`matching.scoring` computes with them).

Kept apart from `matching.scoring`, and free of numpy and scipy, so that reading a round's
settings (`mentorship --help`, the settings form) does not load the numerical libraries.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING

from matching.taxonomy import MAX_LEVEL

if TYPE_CHECKING:
    import numpy as np

__all__ = ["GAP_BASE", "PRIORITY_RATIOS", "ScoreWeights", "gap_factor"]

#: Weight ratio between one rank of want and the next, by priority setting.
PRIORITY_RATIOS = {"strict": 3.0, "soft": 1.5}
#: A level gap of d >= 1 counts (GAP_BASE + d) / (GAP_BASE + 1): one level 1, four 11/8.
GAP_BASE = 7


@dataclass(frozen=True)
class ScoreWeights:
    """How the score weighs a mentee's ranked wants, and the weights of the tie-breakers.

    priority : "strict" (default) or "soft"
        Strict: a mentor who covers an earlier want always beats one who covers only later
        ones. Soft: wants weigh 1, 2/3, 4/9 …, so two later wants may outweigh an earlier one.
    text, preference : float, default 1.0 each
        Relative weights, 0 to 1, of the goals-to-bio cosine and of the preferences' bonus in
        the tie-breaker; 0 turns one off. Whatever the weights, the tie-breaker stays below
        one step of the skill value.
    """

    priority: str = "strict"
    text: float = 1.0
    preference: float = 1.0

    def __post_init__(self) -> None:
        if self.priority not in PRIORITY_RATIOS:
            raise ValueError(f"priority must be one of {', '.join(PRIORITY_RATIOS)}, "
                             f"not {self.priority!r}")
        for name in ("text", "preference"):
            weight = getattr(self, name)
            if not (math.isfinite(weight) and 0 <= weight <= 1):  # also false for NaN
                raise ValueError(f"the {name} weight must be a number from 0 to 1")

    @property
    def ratio(self) -> float:
        """Return the weight ratio of one want's rank to the next."""
        return PRIORITY_RATIOS[self.priority]

    @property
    def largest_value(self) -> float:
        """Return the largest skill value a mentee can have, which normalises it into (0, 1]."""
        return gap_factor(MAX_LEVEL) * self.ratio / (self.ratio - 1)


def gap_factor(gap: int | np.ndarray) -> float | np.ndarray:
    """Return what a level gap of at least one is worth: 1 for one level, 11/8 for four.

    >>> [gap_factor(d) for d in (1, 2, 3, 4)]
    [1.0, 1.125, 1.25, 1.375]
    """
    return (GAP_BASE + gap) / (GAP_BASE + 1)

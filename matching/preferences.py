"""Soft preferences: a tie-breaking bonus per pair from the profile factors.

Each preference a round turns on (`MatchSettings.experience`, `.department`, `.institution`
set to PREFER) is worth 1 for a pair that has it and 0 otherwise:

- experience: the mentor (the teacher, in peer mode each of the two in turn) has more years of
  experience than the mentee;
- department, institution: the two work in different ones.

The bonus is their weighted mean (weights `experience_weight`, `department_weight`,
`institution_weight`), so it lies in [0, 1]. An unknown value earns nothing, and a preference
whose factor the pool leaves (almost) blank is not counted at all, so it does not dilute the
others. The score adds the bonus on eligible pairs only (`matching.scoring.score_blocks`):
it can reorder eligible pairs, never make a pair eligible.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from matching.encode import Bonus, Pool
from matching.explain import reason
from matching.factors import PoolFactors
from matching.results import Factor, MatchSettings

__all__ = ["enabled_preferences", "factor_reasons", "pair_bonus", "preference_bonus"]

#: One preference: (weight, (factors, learner rows, teacher rows) -> 0/1 per pair).
Preference = tuple[float, Callable[[PoolFactors, np.ndarray, np.ndarray], np.ndarray]]


def _more_experienced(factors: PoolFactors, learners: np.ndarray, teachers: np.ndarray):
    return factors.years[teachers] > factors.years[learners]  # NaN (unknown) compares false


def _other(codes_of: Callable[[PoolFactors], np.ndarray]):
    def differ(factors: PoolFactors, learners: np.ndarray, teachers: np.ndarray):
        codes = codes_of(factors)
        a, b = codes[learners], codes[teachers]
        return (a >= 0) & (b >= 0) & (a != b)
    return differ


def enabled_preferences(pool: Pool, settings: MatchSettings) -> dict[str, Preference]:
    """Return the preferences that count for this pool, by factor name.

    A preference counts when the settings say PREFER, its weight is above 0 and at least two
    people in the pool have a value for its factor.
    """
    factors = pool.factors
    candidates = {  # name: (setting, weight, how many people have a value, test)
        "experience": (settings.experience, settings.experience_weight,
                       int((~np.isnan(factors.years)).sum()), _more_experienced),
        "department": (settings.department, settings.department_weight,
                       int((factors.department >= 0).sum()), _other(lambda f: f.department)),
        "institution": (settings.institution_factor(factors.institutions()),
                        settings.institution_weight, int((factors.institution >= 0).sum()),
                        _other(lambda f: f.institution)),
    }
    return {name: (weight, test) for name, (mode, weight, known, test) in candidates.items()
            if mode is Factor.PREFER and weight > 0 and known >= 2}


def preference_bonus(pool: Pool, learners, teachers, settings: MatchSettings) -> np.ndarray:
    """Return the preferences' bonus in [0, 1] of each (learner row, teacher row) pair.

    Parameters
    ----------
    pool : Pool
    learners, teachers : equal-length arrays of pool rows, one pair per position.
    settings : MatchSettings

    Returns
    -------
    ndarray of float, one value per pair: the weighted mean of the enabled preferences (0
    for every pair when none is enabled).

    Notes
    -----
    O(number of pairs) per preference, with no loop over pairs.

    Examples
    --------
    >>> from matching.profiles import Profile
    >>> from matching.taxonomy import Taxonomy
    >>> pool = Pool([Profile("a", years_experience=2, department="Systems"),
    ...              Profile("b", years_experience=9, department="Systems"),
    ...              Profile("c", years_experience=1, department="Archives")], Taxonomy((), {}))
    >>> preference_bonus(pool, [0, 0], [1, 2], MatchSettings()).tolist()
    [0.5, 0.5]
    """
    learners, teachers = np.asarray(learners, np.int64), np.asarray(teachers, np.int64)
    preferences = enabled_preferences(pool, settings)
    if not preferences:
        return np.zeros(len(learners))
    total = sum(weight for weight, _ in preferences.values())
    bonus = np.zeros(len(learners))
    for weight, test in preferences.values():
        bonus += (weight / total) * test(pool.factors, learners, teachers)
    # Shares that add up to 1 may add up to a hair above it in floating point.
    return np.clip(bonus, 0.0, 1.0)


def pair_bonus(pool: Pool, settings: MatchSettings) -> Bonus | None:
    """Return the bonus as a function of (learner rows, teacher rows), or None when no
    preference counts (the score then has no preference term at all)."""
    if not enabled_preferences(pool, settings):
        return None
    return lambda learners, teachers: preference_bonus(pool, learners, teachers, settings)


def factor_reasons(pool: Pool, learner: int, teacher: int,
                   settings: MatchSettings) -> list[dict[str, Any]]:
    """Return what a coordinator should know about a mentor-mode pair from its factors.

    Today one flag: reverse mentoring, when the mentor has fewer years than the mentee (the
    pair is allowed; the experience preference only makes it less likely).
    """
    years = pool.factors.years
    reasons = []
    if settings.experience is not Factor.IGNORE and years[teacher] < years[learner]:
        reasons.append(reason("reverse_mentoring", mentor_years=float(years[teacher]),
                              mentee_years=float(years[learner])))
    return reasons

"""The profile factors as arrays, one entry per pool row, and the pair tests built on them.

Hard rules (`matching.rules`) and soft preferences (`matching.preferences`) both read these
arrays, so each factor is encoded once and a pair test is a few vectorised comparisons over
arrays of learner rows and teacher rows. Unknown values (an empty department, no time zone)
never forbid a pair and never earn a bonus.

>>> from matching.profiles import Profile
>>> factors = PoolFactors.from_profiles([Profile("a", department="Cataloguing"),
...                                      Profile("b", department=" cataloguing "), Profile("c")])
>>> factors.department.tolist(), same_known(factors.department, [0, 0], [1, 2]).tolist()
([0, 0, -1], [True, False])
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import numpy as np

from matching.profiles import MeetingFormat, Profile

__all__ = ["PoolFactors", "format_conflict", "same_known", "time_zone_gap", "utc_offsets"]

#: The instants at which time zones are compared: a northern winter and a northern summer day,
#: fixed so that the same pool gives the same pairs whenever it is matched.
REFERENCE_INSTANTS = (datetime(2025, 1, 15, 12, tzinfo=UTC), datetime(2025, 7, 15, 12, tzinfo=UTC))


def utc_offsets(time_zone: str) -> tuple[float, ...]:
    """Return a time zone's UTC offsets in hours at the reference instants.

    Raises ValueError naming the zone when it is not an IANA time-zone name.

    >>> utc_offsets("Europe/Berlin"), utc_offsets("Asia/Kolkata")
    ((1.0, 2.0), (5.5, 5.5))
    """
    try:
        zone = ZoneInfo(time_zone)
    except (ZoneInfoNotFoundError, ValueError) as error:
        raise ValueError(f"unknown time zone {time_zone!r}: use an IANA name such as "
                         "'America/Chicago'") from error
    return tuple(instant.astimezone(zone).utcoffset().total_seconds() / 3600
                 for instant in REFERENCE_INSTANTS)


def _codes(values: Sequence[str]) -> np.ndarray:
    """Return an integer code per value, equal for texts equal ignoring case and spacing; -1
    for empty ones."""
    seen: dict[str, int] = {}
    codes = np.full(len(values), -1, np.int64)
    for position, value in enumerate(values):
        key = " ".join(value.split()).casefold()
        if key:
            codes[position] = seen.setdefault(key, len(seen))
    return codes


@dataclass(frozen=True)
class PoolFactors:
    """The factors of each pool row.

    years : years of experience (NaN when unknown). department, institution, location :
    codes (-1 when unknown). meets_in_person, meets_remotely : what the person's meeting
    format allows. offsets : (rows, instants) UTC offsets in hours (NaN when unknown).
    """

    years: np.ndarray
    department: np.ndarray
    institution: np.ndarray
    location: np.ndarray
    meets_in_person: np.ndarray
    meets_remotely: np.ndarray
    offsets: np.ndarray

    @classmethod
    def from_profiles(cls, profiles: Sequence[Profile]) -> PoolFactors:
        """Encode the profiles' factors; raise ValueError for an unknown time zone."""
        zones: dict[str, tuple[float, ...]] = {}
        offsets = np.full((len(profiles), len(REFERENCE_INSTANTS)), np.nan)
        for row, profile in enumerate(profiles):
            if profile.time_zone:
                if profile.time_zone not in zones:
                    try:
                        zones[profile.time_zone] = utc_offsets(profile.time_zone)
                    except ValueError as error:
                        raise ValueError(f"{profile.id}: {error}") from None
                offsets[row] = zones[profile.time_zone]
        formats = [MeetingFormat(p.format_preference) for p in profiles]
        return cls(
            years=np.array([np.nan if p.years_experience is None else p.years_experience
                            for p in profiles], np.float64),
            department=_codes([p.department for p in profiles]),
            institution=_codes([p.institution for p in profiles]),
            location=_codes([p.location for p in profiles]),
            meets_in_person=np.array([f is not MeetingFormat.REMOTE for f in formats], bool),
            meets_remotely=np.array([f is not MeetingFormat.IN_PERSON for f in formats], bool),
            offsets=offsets,
        )

    def institutions(self) -> int:
        """Return how many distinct institutions the pool names."""
        return len(np.unique(self.institution[self.institution >= 0]))


def same_known(codes: np.ndarray, first, second) -> np.ndarray:
    """Return, per pair of rows, whether both values are known and equal."""
    a, b = codes[np.asarray(first, np.int64)], codes[np.asarray(second, np.int64)]
    return (a >= 0) & (a == b)


def time_zone_gap(factors: PoolFactors, first, second) -> np.ndarray:
    """Return, per pair of rows, the largest clock difference in hours over the year (NaN if
    either zone is unknown). The difference goes round the clock: UTC+12 and UTC-11 are 1 h
    apart.

    >>> from matching.profiles import Profile
    >>> factors = PoolFactors.from_profiles([Profile("a", time_zone="Pacific/Auckland"),
    ...     Profile("b", time_zone="Pacific/Honolulu"), Profile("c", time_zone="Europe/London")])
    >>> time_zone_gap(factors, [0, 1], [1, 2]).tolist()  # London keeps summer time in July
    [2.0, 11.0]
    """
    a = factors.offsets[np.asarray(first, np.int64)]
    b = factors.offsets[np.asarray(second, np.int64)]
    apart = np.abs(a - b) % 24
    return np.minimum(apart, 24 - apart).max(axis=1) if len(apart) else np.zeros(0)


def format_conflict(factors: PoolFactors, first, second) -> np.ndarray:
    """Return, per pair of rows, whether the two cannot meet in a format both accept.

    Remotely when both accept remote meetings; in person when both accept it and their
    locations are the same (or either is unknown: an empty location is not another place).
    """
    first, second = np.asarray(first, np.int64), np.asarray(second, np.int64)
    remote = factors.meets_remotely[first] & factors.meets_remotely[second]
    a, b = factors.location[first], factors.location[second]
    same_place = (a < 0) | (b < 0) | (a == b)
    in_person = factors.meets_in_person[first] & factors.meets_in_person[second] & same_place
    return ~(remote | in_person)

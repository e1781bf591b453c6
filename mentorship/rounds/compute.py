"""The one engine call of a round: `compute_round`, which every caller runs the engine through
(`mentorship.rounds.run` re-exports it with the reading and storing around it).

No database here, so that `mentorship match` runs a file's round without loading SQLAlchemy.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from matching import InfeasibleLockError, MatchResult, MatchSettings, Profile, Taxonomy, match_profiles
from mentorship.core.errors import InvalidInput, RowError

__all__ = ["Progress", "compute_round"]

#: Called with a stage name and the fraction done (0 to 1).
Progress = Callable[[str, float], None]


def compute_round(profiles: list[Profile], settings: MatchSettings, taxonomy: Taxonomy,
                  progress: Progress | None = None, *,
                  lock_rows: Sequence[int] | None = None) -> MatchResult:
    """Run the matching engine; a lock that breaks a rule, or a pool that does not fit the
    taxonomy, becomes InvalidInput.

    `lock_rows` numbers the locks as their file does (the CLI's lock CSV), for the errors.
    """
    try:
        return match_profiles(profiles, taxonomy=taxonomy, settings=settings,
                              progress=progress)
    except InfeasibleLockError as error:
        problems = []
        for index, reason in error.args[0]:
            if lock_rows is not None and index >= 0:
                problems.append(RowError(lock_rows[index], "", ",".join(settings.locks[index]),
                                         reason))
            else:
                problems.append(RowError(0, "" if lock_rows is not None else "lock", "", reason))
        raise InvalidInput("locked pairs break the rules", problems) from error
    except ValueError as error:  # the pool does not fit the taxonomy given
        raise InvalidInput("the pool does not fit the taxonomy", [
            RowError(0, "taxonomy", taxonomy.source, str(error))]) from error

"""The matching pipeline: profiles -> matrices -> scores -> rules -> optimal pairs -> report.

`matching.encode` maps person ids to matrix rows and back; `matching.scoring` scores pairs;
`matching.rules` removes forbidden pairs and checks locks; the solvers in `matching.solvers`
see only matrices; `matching.diagnose` explains pairs and the unmatched. `matching.mentor_mode`
and `matching.peer_mode` are each mode's pipeline through those steps.

Determinism: profiles are put in order of id before anything is computed, so the same people
give the same pairs whatever order they arrive in. Among assignments of equal value, the one
found on that order wins (so ties go the same way every run).
"""

from __future__ import annotations

from collections.abc import Sequence

from matching.encode import Pool
from matching.mentor_mode import match_mentor, suggest_mentors
from matching.peer_mode import match_peer
from matching.profiles import Profile
from matching.results import (
    ENGINE_VERSION,
    MatchResult,
    MatchSettings,
    Mode,
    Pair,
    Progress,
    SkillBalance,
    Unmatched,
)
from matching.taxonomy import Taxonomy

__all__ = [
    "ENGINE_VERSION",
    "MatchResult",
    "MatchSettings",
    "Mode",
    "Pair",
    "SkillBalance",
    "Unmatched",
    "match_profiles",
    "suggest_profiles",
]


def _no_progress(stage: str, fraction: float) -> None:
    """Ignore progress reports."""


def match_profiles(
    profiles: Sequence[Profile],
    *,
    taxonomy: Taxonomy,
    settings: MatchSettings | None = None,
    progress: Progress | None = None,
    method: str = "auto",
) -> MatchResult:
    """Return the optimal pairs of a pool of profiles, with reasons and diagnostics.

    `method` picks the exact solver: "auto" (the fastest installed), "networkx" (the
    reference), "ortools" (mentor mode) or "rustworkx" (peer mode). Every method gives the
    same number of pairs and the same total score.

    Raises ValueError for profiles that do not fit the taxonomy (unknown skill, duplicate id,
    unknown manager) and InfeasibleLockError when a locked pair breaks a hard rule.
    """
    settings = settings or MatchSettings()
    report = progress or _no_progress
    report("vectorising", 0.0)  # building the pool is the vectorising: it starts here
    pool = Pool(sorted(profiles, key=lambda p: p.id), taxonomy,
                outside_managers=settings.outside_managers)
    report("vectorising", 0.05)
    if settings.mode is Mode.MENTOR:
        return match_mentor(pool, settings, report, method)
    return match_peer(pool, settings, report, method)


def suggest_profiles(
    profiles: Sequence[Profile],
    *,
    taxonomy: Taxonomy,
    settings: MatchSettings | None = None,
    count: int = 3,
) -> dict[str, tuple[Pair, ...]]:
    """Return, for each mentee seeking a mentor, their `count` best eligible mentors.

    Mentor mode only: the same scores, rules and lowest score as `match_profiles`, ranked by
    score (ties by mentor id). A mentee with no eligible mentor is left out.

    Raises ValueError for profiles that do not fit the taxonomy, as `match_profiles` does.
    """
    settings = settings or MatchSettings()
    if settings.mode is not Mode.MENTOR:
        raise ValueError("suggestions are made in mentor mode only")
    pool = Pool(sorted(profiles, key=lambda p: p.id), taxonomy)
    return suggest_mentors(pool, settings, count)

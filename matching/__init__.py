"""Pure matching engine: skill matrices, complementarity scores and optimal assignment.

Knows matrices and ids, never database rows or web requests.

Names are loaded on first use (PEP 562), so ``import matching`` stays cheap: reading a
taxonomy or a round's settings does not load numpy, scipy, networkx or OR-Tools.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

__all__ = [
    "DEFAULT_TEACH_LEVEL",
    "ENGINE_VERSION",
    "LEVEL_NAMES",
    "MAX_LEVEL",
    "METHODS",
    "PEER_METHODS",
    "PRIORITY_RATIOS",
    "Assignment",
    "Chain",
    "Factor",
    "InfeasibleLockError",
    "MatchResult",
    "MatchSettings",
    "MatchingError",
    "MeetingFormat",
    "Mode",
    "Pair",
    "Profile",
    "Role",
    "ScoreWeights",
    "SkillBalance",
    "Taxonomy",
    "TaxonomyError",
    "Unmatched",
    "complementarity_matrix",
    "load_taxonomy",
    "match_profiles",
    "max_cardinality",
    "max_min_score_threshold",
    "max_weight_assignment",
    "max_weight_peer_matching",
    "parse_level",
    "suggest_profiles",
]

# Where each public name lives.
_HOME = {
    "DEFAULT_TEACH_LEVEL": "matching.profiles",
    "ENGINE_VERSION": "matching.results",
    "LEVEL_NAMES": "matching.taxonomy",
    "MAX_LEVEL": "matching.taxonomy",
    "METHODS": "matching.solvers.min_cost_flow",
    "PEER_METHODS": "matching.solvers.peer",
    "Assignment": "matching.solvers.min_cost_flow",
    "Chain": "matching.results",
    "Factor": "matching.results",
    "InfeasibleLockError": "matching.exceptions",
    "MatchResult": "matching.results",
    "MatchSettings": "matching.results",
    "MatchingError": "matching.exceptions",
    "MeetingFormat": "matching.profiles",
    "Mode": "matching.results",
    "Pair": "matching.results",
    "Profile": "matching.profiles",
    "Role": "matching.profiles",
    "PRIORITY_RATIOS": "matching.weights",
    "ScoreWeights": "matching.weights",
    "SkillBalance": "matching.results",
    "Taxonomy": "matching.taxonomy",
    "TaxonomyError": "matching.exceptions",
    "Unmatched": "matching.results",
    "complementarity_matrix": "matching.scoring",
    "load_taxonomy": "matching.taxonomy",
    "match_profiles": "matching.engine",
    "suggest_profiles": "matching.engine",
    "max_cardinality": "matching.solvers.max_flow",
    "max_min_score_threshold": "matching.solvers.max_flow",
    "max_weight_assignment": "matching.solvers.min_cost_flow",
    "max_weight_peer_matching": "matching.solvers.peer",
    "parse_level": "matching.taxonomy",
}


def __getattr__(name: str) -> Any:
    if name not in _HOME:
        raise AttributeError(f"module 'matching' has no attribute {name!r}")
    value = getattr(importlib.import_module(_HOME[name]), name)
    globals()[name] = value  # later look-ups skip this function
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))


if TYPE_CHECKING:
    from matching.engine import match_profiles, suggest_profiles
    from matching.exceptions import InfeasibleLockError, MatchingError, TaxonomyError
    from matching.profiles import DEFAULT_TEACH_LEVEL, MeetingFormat, Profile, Role
    from matching.results import (
        ENGINE_VERSION,
        Chain,
        Factor,
        MatchResult,
        MatchSettings,
        Mode,
        Pair,
        SkillBalance,
        Unmatched,
    )
    from matching.scoring import complementarity_matrix
    from matching.solvers.max_flow import max_cardinality, max_min_score_threshold
    from matching.solvers.min_cost_flow import METHODS, Assignment, max_weight_assignment
    from matching.solvers.peer import PEER_METHODS, max_weight_peer_matching
    from matching.taxonomy import LEVEL_NAMES, MAX_LEVEL, Taxonomy, load_taxonomy, parse_level
    from matching.weights import PRIORITY_RATIOS, ScoreWeights

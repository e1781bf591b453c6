"""Pure matching engine: skill matrices, complementarity scores and optimal assignment.

Knows matrices and ids, never database rows or web requests.
"""

from matching.engine import (
    ENGINE_VERSION,
    MatchResult,
    MatchSettings,
    Mode,
    Pair,
    SkillBalance,
    Unmatched,
    match_profiles,
)
from matching.exceptions import InfeasibleLockError, MatchingError, TaxonomyError
from matching.profiles import DEFAULT_TEACH_LEVEL, Profile, Role
from matching.scoring import ScoreWeights, complementarity_matrix
from matching.solvers import (
    METHODS,
    PEER_METHODS,
    Assignment,
    max_cardinality,
    max_min_score_threshold,
    max_weight_assignment,
    max_weight_peer_matching,
)
from matching.taxonomy import LEVEL_NAMES, MAX_LEVEL, Taxonomy, load_taxonomy, parse_level

__all__ = [
    "DEFAULT_TEACH_LEVEL",
    "ENGINE_VERSION",
    "LEVEL_NAMES",
    "MAX_LEVEL",
    "METHODS",
    "PEER_METHODS",
    "Assignment",
    "InfeasibleLockError",
    "MatchResult",
    "MatchSettings",
    "MatchingError",
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
]

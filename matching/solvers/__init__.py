"""The assignment solvers: they see score matrices and capacities, and return index pairs.

min_cost_flow  mentor mode: most mentees, then highest total (OR-Tools or networkx, exact)
max_flow       how many can be matched at all, and the bottleneck (fairness) threshold
peer           peer mode: maximum-cardinality, maximum-weight matching (rustworkx or networkx),
               and pairs with circles of three packed exactly (HiGHS) where a part is small
certificate    node potentials proving a flow optimal over every eligible pair
edges          the canonical edge arrays and integer weights every solver starts from
"""

from matching.solvers.edges import SCORE_SCALE
from matching.solvers.max_flow import max_cardinality, max_min_score_threshold
from matching.solvers.min_cost_flow import METHODS, Assignment, max_weight_assignment
from matching.solvers.peer import (
    PEER_METHODS,
    PeerGroups,
    max_weight_peer_groups,
    max_weight_peer_matching,
    teaching_circles,
    teaching_paths,
)

__all__ = [
    "METHODS",
    "PEER_METHODS",
    "SCORE_SCALE",
    "Assignment",
    "PeerGroups",
    "max_cardinality",
    "max_min_score_threshold",
    "max_weight_assignment",
    "max_weight_peer_groups",
    "max_weight_peer_matching",
    "teaching_circles",
    "teaching_paths",
]

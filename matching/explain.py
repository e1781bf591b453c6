"""Why a pair was proposed: the skills that contribute most, with both people's levels."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp

from matching.profiles import Profile
from matching.taxonomy import MAX_LEVEL, Taxonomy, describe_level
from matching.vectorize import priority_weights

__all__ = [
    "MENTOR_TEMPLATE",
    "Contribution",
    "shared_terms",
    "skill_contributions",
    "skill_reasons",
]


@dataclass(frozen=True)
class Contribution:
    """One skill's part in a pair's skill term: ``weight * (teacher - learner) / 4``."""

    skill: str
    teacher_level: int
    learner_level: int
    priority: int  # 1 = the learner's most wanted skill
    value: float


def skill_contributions(learner: Profile, teacher: Profile) -> list[Contribution]:
    """Return what `teacher` can teach `learner` of what they want, largest first.

    The values add up to the pair's skill term (the gap) before weighting.
    """
    teaching = set(teacher.teaching)
    contributions = []
    for rank, (skill, weight) in enumerate(
        zip(learner.learn, priority_weights(len(learner.learn)), strict=True), start=1
    ):
        gap = teacher.level(skill) - learner.level(skill)
        if skill in teaching and gap > 0:
            contributions.append(
                Contribution(skill, teacher.level(skill), learner.level(skill), rank,
                             float(weight) * gap / MAX_LEVEL)
            )
    contributions.sort(key=lambda c: (-c.value, c.priority))
    return contributions


MENTOR_TEMPLATE = "{skill}: mentor {teacher}, mentee {learner}"


def skill_reasons(
    learner: Profile, teacher: Profile, taxonomy: Taxonomy, *, limit: int = 3,
    template: str = MENTOR_TEMPLATE,
) -> list[str]:
    """Return readable reasons such as ``MARC 21: mentor expert (4), mentee aware (1)``.

    `template` may use {skill}, {teacher}, {learner} (levels as words and numbers) and
    {teacher_id}, {learner_id}.
    """
    return [
        template.format(
            skill=taxonomy.name(c.skill),
            teacher=describe_level(c.teacher_level),
            learner=describe_level(c.learner_level),
            teacher_id=teacher.id,
            learner_id=learner.id,
        )
        for c in skill_contributions(learner, teacher)[:limit]
    ]


def shared_terms(product: sp.csr_matrix, terms: np.ndarray, *, limit: int = 3) -> list[str]:
    """Return the terms that add most to a cosine, given the elementwise product of two rows."""
    product = product.tocoo()
    if product.nnz == 0:
        return []
    order = np.lexsort((product.col, -product.data))[:limit]
    return [str(terms[product.col[i]]) for i in order]

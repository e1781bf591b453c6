"""The encoder: profiles in a canonical order, their matrices, and id <-> row maps."""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp

from matching.explain import shared_terms, skill_reasons
from matching.profiles import Profile
from matching.scoring import ScoreWeights, complementarity_matrix
from matching.taxonomy import Taxonomy
from matching.vectorize import ProfileVectorizer, TextVectorizer

__all__ = ["Pool"]


class Pool:
    """Profiles in the given order with their skill and text matrices (one row each).

    Checks that ids are unique, skills are in the taxonomy and managers are in the pool;
    raises ValueError otherwise.
    """

    def __init__(self, profiles: list[Profile], taxonomy: Taxonomy) -> None:
        self.profiles = profiles
        self.taxonomy = taxonomy
        self.ids = [p.id for p in profiles]
        self.row = {person: row for row, person in enumerate(self.ids)}
        if len(self.row) != len(self.ids):
            raise ValueError("profile ids must be unique")
        for profile in profiles:
            unknown = [
                s for s in (*profile.levels, *profile.learn, *profile.teaching) if s not in taxonomy
            ]
            if unknown:
                raise ValueError(f"{profile.id}: unknown skill {unknown[0]!r}")
            if profile.manager is not None and profile.manager not in self.row:
                raise ValueError(f"{profile.id}: manager {profile.manager!r} is not in the pool")
        self.managers = {p.id: p.manager for p in profiles}
        self.skills = ProfileVectorizer(skill_ids=taxonomy.skill_ids).fit_transform(profiles)
        self.text = TextVectorizer().fit([p.goals for p in profiles] + [p.bio for p in profiles])
        self.goals = self.text.transform([p.goals for p in profiles])
        self.bios = self.text.transform([p.bio for p in profiles])
        self.terms = self.text.terms()

    def scores(
        self, learners: np.ndarray, teachers: np.ndarray, weights: ScoreWeights
    ) -> sp.csr_matrix:
        """Return the eligible-pair score matrix of learner rows against teacher rows."""
        return complementarity_matrix(
            self.skills.take(learners), self.skills.take(teachers),
            self.goals[learners], self.bios[teachers], weights,
        )

    def reasons(self, learners: np.ndarray, teachers: np.ndarray) -> list[list[str]]:
        """Return the reasons of each (learner, teacher) pair: skills, then shared interests.

        The goals-to-bio products of all pairs are one sparse elementwise product.
        """
        shared = self.goals[learners].multiply(self.bios[teachers]).tocsr()
        result = []
        for position, (learner, teacher) in enumerate(zip(learners, teachers, strict=True)):
            reasons = skill_reasons(self.profiles[learner], self.profiles[teacher], self.taxonomy)
            terms = _distinct_terms(shared_terms(shared[position], self.terms))
            if terms:
                reasons.append("goals match the mentor's background: " + ", ".join(terms))
            result.append(reasons)
        return result

    def wanted_names(self, row: int) -> str:
        """Return the display names of what a person wants to learn."""
        return ", ".join(self.taxonomy.name(s) for s in self.profiles[row].learn)


def _distinct_terms(terms: list[str]) -> list[str]:
    """Drop terms that are part of a longer one already listed ("data" beside "linked data")."""
    kept: list[str] = []
    for term in sorted(terms, key=len, reverse=True):
        if not any(term in other for other in kept):
            kept.append(term)
    return [t for t in terms if t in kept]

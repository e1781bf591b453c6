"""The encoder: profiles in a canonical order, their matrices, and id <-> row maps.

Everything past this module works on rows; `Pool.decode` turns rows back into ids.

>>> from matching.profiles import Profile
>>> from matching.taxonomy import Taxonomy
>>> pool = Pool([Profile("b@lib.edu"), Profile("a@lib.edu")], Taxonomy((), {}))
>>> pool.encode(["a@lib.edu"]).tolist(), pool.decode([0])
([1], ['b@lib.edu'])
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

import numpy as np
import scipy.sparse as sp

from matching.factors import PoolFactors
from matching.profiles import Profile
from matching.scoring import ScoreWeights, complementarity_matrix, score_blocks
from matching.taxonomy import Taxonomy
from matching.vectorize import ProfileVectorizer, TextVectorizer

__all__ = ["Bonus", "Pool"]

#: A tie-breaking bonus: (learner rows, teacher rows) of pairs -> a value in [0, 1] per pair.
Bonus = Callable[[np.ndarray, np.ndarray], np.ndarray]


class Pool:
    """Profiles in the given order with their skill and text matrices and their factors
    (`matching.factors.PoolFactors`), one row each.

    Checks that ids are unique, skills are in the taxonomy, managers are in the pool (or among
    `outside_managers`, people who take no part: see `MatchSettings.outside_managers`) and time
    zones exist; raises ValueError otherwise.
    """

    def __init__(self, profiles: list[Profile], taxonomy: Taxonomy, *,
                 outside_managers: Iterable[tuple[str, str | None]] = ()) -> None:
        self.profiles = profiles
        self.taxonomy = taxonomy
        self.ids = [p.id for p in profiles]
        self.row = {person: row for row, person in enumerate(self.ids)}
        if len(self.row) != len(self.ids):
            raise ValueError("profile ids must be unique")
        outside = {person: manager for person, manager in outside_managers
                   if person not in self.row}
        for profile in profiles:
            unknown = [
                s for s in (*profile.levels, *profile.learn, *profile.teaching) if s not in taxonomy
            ]
            if unknown:
                raise ValueError(f"{profile.id}: unknown skill {unknown[0]!r}")
            if (profile.manager is not None and profile.manager not in self.row
                    and profile.manager not in outside):
                raise ValueError(f"{profile.id}: manager {profile.manager!r} is not in the pool")
        # The rules walk the chain through people outside the pool too; they pair nobody.
        self.managers = {**outside, **{p.id: p.manager for p in profiles}}
        self.factors = PoolFactors.from_profiles(profiles)
        self.skills = ProfileVectorizer(skill_ids=taxonomy.skill_ids).fit_transform(profiles)
        self.text = TextVectorizer()
        # Goals and bios are one corpus: the idf weighs a term by how many of either use it.
        texts = self.text.fit_transform([p.goals for p in profiles] + [p.bio for p in profiles])
        self.goals, self.bios = texts[:len(profiles)], texts[len(profiles):]
        self.terms = self.text.terms()

    def scores(
        self, learners: np.ndarray, teachers: np.ndarray, weights: ScoreWeights,
        bonus: Bonus | None = None,
    ) -> sp.csr_matrix:
        """Return the eligible-pair score matrix of learner rows against teacher rows.

        `bonus` (`matching.preferences.pair_bonus`) is the preferences' tie-breaking term.
        """
        return complementarity_matrix(
            self.skills.take(learners), self.skills.take(teachers),
            self.goals[learners], self.bios[teachers], weights,
            bonus=_in_positions(bonus, learners, teachers),
        )

    def score_blocks(self, learners: np.ndarray, teachers: np.ndarray, weights: ScoreWeights,
                     bonus: Bonus | None = None):
        """Yield the same scores as `scores`, in blocks of learner rows (see `score_blocks`)."""
        return score_blocks(
            self.skills.take(learners), self.skills.take(teachers),
            self.goals[learners], self.bios[teachers], weights,
            bonus=_in_positions(bonus, learners, teachers),
        )

    def learner_rows(self) -> np.ndarray:
        """Return the rows of people seeking a mentor: role mentee or both, with learning goals."""
        return np.array([i for i, p in enumerate(self.profiles) if p.role.learns and p.learn],
                        np.int64)

    def teacher_rows(self) -> np.ndarray:
        """Return the rows of people taking mentees: role mentor or both, capacity, offers."""
        return np.array(
            [i for i, p in enumerate(self.profiles)
             if p.role.mentors and p.capacity > 0 and p.teaching],
            np.int64,
        )

    def encode(self, ids) -> np.ndarray:
        """Return the rows of the given person ids (KeyError for an id not in the pool)."""
        return np.array([self.row[person] for person in ids], np.int64)

    def decode(self, rows) -> list[str]:
        """Return the person ids of the given rows; the one way back from matrix rows to ids."""
        return [self.ids[int(r)] for r in rows]


def _in_positions(bonus: Bonus | None, learners: np.ndarray, teachers: np.ndarray) -> Bonus | None:
    """Return `bonus` taking positions among `learners` and `teachers` instead of pool rows."""
    if bonus is None:
        return None
    learners, teachers = np.asarray(learners, np.int64), np.asarray(teachers, np.int64)
    return lambda rows, cols: bonus(learners[rows], teachers[cols])

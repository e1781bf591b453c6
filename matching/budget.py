"""The training budget: per skill, the learning wants a round met, and why the rest were not.

A director asks where to spend the training budget. Each unmet want (a learner, a skill) has
one cause, and each cause one action:

========  =========================================================================  =========
cause     when (tested in this order)                                                action
========  =========================================================================  =========
full      someone the rules allow teaches it above the learner's level, and every    recruit
          one of them is full                                                        mentors or
                                                                                     run a group
                                                                                     session
reassign  such a teacher still had room, but the learner was paired on another       reassign
          skill (or left out by the threshold)                                       (review
                                                                                     the round)
excluded  only people the rules exclude for this learner (their manager, a           look in
          colleague with the same manager, the avoid list, an earlier round) teach   another team
          it above their level
ask       nobody offers it, but a colleague rates it 3 or more (above the learner's  ask the
          level) and did not offer it                                                colleagues
ask       (counted once per skill: ``colleagues``)                                   who could
                                                                                     teach it
buy       nobody in the pool has it above the learner's level                        buy training
========  =========================================================================  =========

Wants are weighted by the learner's rank: the first want counts 1, the second 1/2, the third
1/3 (``1 / rank``), so a skill people list first outweighs one they list last. ``wants`` is the
plain number of learners (seats).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum

from matching.profiles import DEFAULT_TEACH_LEVEL, Profile
from matching.results import MatchSettings, Mode
from matching.rules import excluded_pairs

__all__ = ["BudgetLine", "Cause", "TrainingBudget", "training_budget", "want_weight"]


class Cause(StrEnum):
    """Why a learning want was not met; each has one action (see the module docstring)."""

    FULL = "full"
    REASSIGN = "reassign"
    EXCLUDED = "excluded"
    ASK = "ask"
    BUY = "buy"


def want_weight(rank: int) -> float:
    """Return the weight of a learner's `rank`-th want (1 = most wanted): ``1 / rank``.

    Examples
    --------
    >>> [round(want_weight(rank), 3) for rank in (1, 2, 3)]
    [1.0, 0.5, 0.333]
    """
    return 1.0 / rank


@dataclass(frozen=True)
class BudgetLine:
    """One skill's (or one department's) weighted demand, met demand and unmet demand by cause.

    key : the skill id, or the department name ("" for people without one).
    wants : how many learners want it (unweighted seats).
    demand, met : weighted by rank; ``demand = met + sum(unmet.values())``.
    unmet : weighted unmet demand by cause (every cause present, 0.0 when none).
    colleagues : skill lines only: people who rate the skill 3 or more above some learner
        whose want went unmet for want of a teacher, and who did not offer it.
    """

    key: str
    wants: int
    demand: float
    met: float
    unmet: Mapping[Cause, float]
    colleagues: int = 0

    @property
    def unmet_total(self) -> float:
        """Return the weighted demand left unmet, whatever the cause."""
        return sum(self.unmet.values())

    @property
    def main_cause(self) -> Cause | None:
        """Return the cause of most unmet demand (the first in `Cause` order on a tie)."""
        cause = max(Cause, key=lambda c: self.unmet[c])
        return cause if self.unmet[cause] > 0 else None


@dataclass(frozen=True)
class TrainingBudget:
    """The budget table: a line per wanted skill, most unmet first, and the same by department."""

    skills: tuple[BudgetLine, ...]
    departments: tuple[BudgetLine, ...]
    total: BudgetLine = field(compare=False)


class _Tally:
    """Sums for one line while the wants are read."""

    def __init__(self) -> None:
        self.wants = 0
        self.met = 0.0
        self.unmet = dict.fromkeys(Cause, 0.0)
        self.colleagues: set[str] = set()

    def line(self, key: str) -> BudgetLine:
        # Round the sums so that equal budgets compare equal whatever the order of addition.
        unmet = {cause: round(value, 9) for cause, value in self.unmet.items()}
        met = round(self.met, 9)
        return BudgetLine(key, self.wants, round(met + sum(unmet.values()), 9), met, unmet,
                          len(self.colleagues))


def _teaches_back(learner: Profile, offers: frozenset[str], teacher: Profile) -> bool:
    """Return whether `learner` (who offers `offers`) can teach `teacher` something they want."""
    return any(skill in offers and learner.level(skill) > teacher.level(skill)
               for skill in teacher.learn)


def _most_unmet_first(line: BudgetLine) -> tuple:
    return (-line.unmet_total, -line.demand, line.key)


def training_budget(
    profiles: Sequence[Profile],
    pairs: Iterable[tuple[str, str]],
    *,
    settings: MatchSettings | None = None,
    departments: Mapping[str, str] | None = None,
) -> TrainingBudget:
    """Return the training budget of a round: what each wanted skill got, and why not.

    Parameters
    ----------
    profiles : the engine's input (every person of the round).
    pairs : (mentor id, mentee id) of the round's pairs; in peer mode the two peers, any order.
    settings : the round's settings (mode and rules); default ``MatchSettings()``.
    departments : person id to department; people missing from it count under "".

    Returns
    -------
    TrainingBudget
        Skills and departments with demand, ordered by unmet demand, largest first.

    Notes
    -----
    A want is met when the learner's partner offers the skill above the learner's level. In
    mentor mode the learners are people seeking a mentor (role mentee or both, with wants) and
    the teachers are people taking mentees (role mentor or both, capacity above 0) who offer
    the skill; in peer mode everyone with wants learns, everyone with offers teaches, a
    paired peer is full, and an unpaired one counts as free only if the learner can teach them
    something back (else the cause is full: no swap was possible). O(wants × levels +
    excluded pairs) in mentor mode; peer mode also scans the free teachers of each unmet want.

    Examples
    --------
    >>> from matching.profiles import Role
    >>> learner = Profile("l", learn=("marc21", "rda"), role=Role.MENTEE)
    >>> teacher = Profile("t", levels={"marc21": 4}, capacity=1)
    >>> budget = training_budget([learner, teacher], [("t", "l")])
    >>> [(line.key, line.demand, line.met, line.main_cause) for line in budget.skills]
    [('rda', 0.5, 0.0, <Cause.BUY: 'buy'>), ('marc21', 1.0, 1.0, None)]
    """
    settings = settings or MatchSettings()
    departments = departments or {}
    peer = settings.mode is Mode.PEER
    by_id = {p.id: p for p in profiles}
    # `Profile.teaching` is computed on each call: read it once per person.
    offers = {p.id: frozenset(p.teaching) for p in profiles}
    partners: dict[str, set[str]] = defaultdict(set)
    load: dict[str, int] = defaultdict(int)
    for mentor, mentee in pairs:
        partners[mentee].add(mentor)
        load[mentor] += 1
        if peer:  # a swap: each peer teaches the other
            partners[mentor].add(mentee)
            load[mentee] += 1

    if peer:
        learners = [p for p in profiles if p.learn]
        teachers = [p for p in profiles if offers[p.id]]
    else:
        learners = [p for p in profiles if p.role.learns and p.learn]
        teachers = [p for p in profiles if p.role.mentors and p.capacity > 0 and offers[p.id]]
    room = {t.id: (1 if peer else t.capacity) - load[t.id] > 0 for t in teachers}

    # Per skill and level L: how many teachers (and free teachers) teach it above L.
    above: dict[str, list[int]] = defaultdict(lambda: [0] * 5)
    free_above: dict[str, list[int]] = defaultdict(lambda: [0] * 5)
    free_teachers: dict[str, list[Profile]] = defaultdict(list)
    for teacher in teachers:
        free = room[teacher.id]
        for skill in offers[teacher.id]:
            if free:
                free_teachers[skill].append(teacher)
            for lower in range(min(teacher.level(skill), 5)):
                above[skill][lower] += 1
                if free:
                    free_above[skill][lower] += 1
    teacher_ids = {t.id for t in teachers}
    # Who rates a skill 3+ without offering it (not a teacher of it), by skill: (id, level).
    holders: dict[str, list[tuple[str, int]]] = defaultdict(list)
    for person in profiles:
        offered = offers[person.id] if person.id in teacher_ids else frozenset()
        for skill, level in person.levels.items():
            if level >= DEFAULT_TEACH_LEVEL and skill not in offered:
                holders[skill].append((person.id, level))

    excluded: dict[str, set[str]] = defaultdict(set)
    learner_ids = [p.id for p in learners]
    teacher_list = [t.id for t in teachers]
    managers = {**dict(settings.outside_managers), **{p.id: p.manager for p in profiles}}
    rules = excluded_pairs(learner_ids, teacher_list, managers,
                           allow_same_manager=settings.allow_same_manager,
                           avoid=settings.avoid, previous=settings.previous)
    for rows, cols in rules.values():
        for row, col in zip(rows.tolist(), cols.tolist(), strict=True):
            excluded[learner_ids[row]].add(teacher_list[col])

    skill_tally: dict[str, _Tally] = defaultdict(_Tally)
    department_tally: dict[str, _Tally] = defaultdict(_Tally)
    total = _Tally()
    for learner in learners:
        mine = partners.get(learner.id, set())
        department = departments.get(learner.id, "") or ""
        for rank, skill in enumerate(learner.learn, start=1):
            weight = want_weight(rank)
            level = min(learner.level(skill), 4)
            tallies = (skill_tally[skill], department_tally[department], total)
            for tally in tallies:
                tally.wants += 1
            met = any(skill in offers[p] and by_id[p].level(skill) > level
                      for p in mine if p in by_id)
            if met:
                for tally in tallies:
                    tally.met += weight
                continue
            barred = [by_id[t] for t in excluded.get(learner.id, ())
                      if skill in offers[t] and by_id[t].level(skill) > level]
            allowed = above[skill][level] - len(barred) if skill in above else 0
            if allowed > 0:
                if peer:  # a free peer helps only if the swap is mutual
                    barred_ids = {t.id for t in barred}
                    free = any(t.id not in barred_ids and t.id != learner.id
                               and t.level(skill) > level
                               and _teaches_back(learner, offers[learner.id], t)
                               for t in free_teachers.get(skill, ()))
                else:
                    free = free_above[skill][level] - sum(room[t.id] for t in barred) > 0
                cause = Cause.REASSIGN if free else Cause.FULL
            elif barred:
                cause = Cause.EXCLUDED
            else:
                askable = {pid for pid, rated in holders.get(skill, ())
                           if rated > level and pid != learner.id}
                if askable:
                    cause = Cause.ASK
                    skill_tally[skill].colleagues |= askable
                else:
                    cause = Cause.BUY
            for tally in tallies:
                tally.unmet[cause] += weight

    return TrainingBudget(
        skills=tuple(sorted((t.line(k) for k, t in skill_tally.items()), key=_most_unmet_first)),
        departments=tuple(sorted((t.line(k) for k, t in department_tally.items()),
                                 key=_most_unmet_first)),
        total=total.line(""),
    )

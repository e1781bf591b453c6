"""What a run takes and gives: settings, pairs, the unmatched, the skill table."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from matching.weights import ScoreWeights

__all__ = [
    "ENGINE_VERSION",
    "FACTOR_MODES",
    "Chain",
    "Factor",
    "MatchResult",
    "MatchSettings",
    "Mode",
    "Pair",
    "Progress",
    "SkillBalance",
    "Unmatched",
]

ENGINE_VERSION = "2.0"  # 2.0: ranked wants, tie-breakers, factors, peer circles of three
#: A progress callback: (stage name, fraction done).
Progress = Callable[[str, float], None]


class Mode(StrEnum):
    """Mentor mode (one mentor, several mentees) or peer mode (skill swaps in twos and threes)."""

    MENTOR = "mentor"
    PEER = "peer"


class Factor(StrEnum):
    """What a round does with a profile factor: nothing, a tie-breaking bonus, or a rule."""

    IGNORE = "ignore"
    PREFER = "prefer"
    REQUIRE = "require"


class Chain(StrEnum):
    """How far up the management chain the manager rule reaches."""

    DIRECT = "direct"  # a person's own manager only
    CHAIN = "chain"  # every manager above them, however many levels up


#: The modes each factor may take (experience is a preference only; the format a rule only).
FACTOR_MODES = {
    "experience": (Factor.IGNORE, Factor.PREFER),
    "department": (Factor.IGNORE, Factor.PREFER, Factor.REQUIRE),
    "institution": (Factor.IGNORE, Factor.PREFER, Factor.REQUIRE),
    "meeting_format": (Factor.IGNORE, Factor.REQUIRE),
}


@dataclass(frozen=True)
class MatchSettings:
    """Everything a run may change. Pairs of ids are unordered except `locks`.

    locks : (mentor id, mentee id) pairs kept exactly; in peer mode, any two peers.
    allow_same_manager : whether two people with the same manager may be paired; None (the
        default) means the mode's default: refused in mentor mode (a mentor would be evaluating
        a teammate), allowed in peer mode (a swap has no evaluation in it).
    trios : peer mode only: whether circles of three who teach each other in a cycle may be
        formed where that places more people (or, as many, scores higher).
    experience : PREFER (a bonus when the mentor has more years than the mentee) or IGNORE.
    department, institution : PREFER (a bonus for another one), REQUIRE (a rule: never the
        same one) or IGNORE. `institution` None means PREFER when the pool names more than
        one institution and IGNORE otherwise (`institution_factor`).
    meeting_format : REQUIRE (in person needs the same location, remote-only and
        in-person-only never meet) or IGNORE.
    max_time_zone_hours : the largest time-zone difference a pair may have; None, no limit.
    management_chain : CHAIN excludes every manager above a person, DIRECT the direct one only.
    experience_weight, department_weight, institution_weight : the preferences' shares of
        the bonus (`matching.preferences`).
    close_call_margin : a pair is flagged as a close call when another eligible mentor scores
        within this much of its score (mentor mode; 0 turns the flag off).
    outside_managers : (person id, manager id or None) of people outside the pool, such as
        managers who take no part: the manager rules run through them (two people whose
        manager takes no part still share a manager; the chain goes on above them).
    """

    mode: Mode = Mode.MENTOR
    weights: ScoreWeights = field(default_factory=ScoreWeights)
    min_score: float = 0.0
    fair: bool = False
    allow_same_manager: bool | None = None
    avoid: tuple[tuple[str, str], ...] = ()
    previous: tuple[tuple[str, str], ...] = ()
    locks: tuple[tuple[str, str], ...] = ()
    experience: Factor = Factor.PREFER
    department: Factor = Factor.PREFER
    institution: Factor | None = None
    meeting_format: Factor = Factor.REQUIRE
    max_time_zone_hours: float | None = None
    management_chain: Chain = Chain.CHAIN
    experience_weight: float = 1.0
    department_weight: float = 1.0
    institution_weight: float = 1.0
    trios: bool = True
    close_call_margin: float = 0.02
    outside_managers: tuple[tuple[str, str | None], ...] = ()

    @property
    def same_manager_allowed(self) -> bool:
        """Whether the same-manager rule is lifted, after the mode's default."""
        if self.allow_same_manager is None:
            return self.mode is Mode.PEER
        return self.allow_same_manager

    def __post_init__(self) -> None:
        if self.fair and self.mode is Mode.PEER:
            raise ValueError("fairness (--fair) applies to mentor mode only")
        if not 0.0 <= self.min_score <= 1.0:  # also false for NaN
            raise ValueError(f"min_score must be between 0 and 1, not {self.min_score}")
        for name, modes in FACTOR_MODES.items():
            value = getattr(self, name)
            if value is not None and value not in modes:
                raise ValueError(f"{name} must be one of {', '.join(modes)}, not {value}")
            if value is not None:  # plain strings become the enum, so `is` comparisons hold
                object.__setattr__(self, name, Factor(value))
        if self.management_chain not in tuple(Chain):
            raise ValueError(f"management_chain must be direct or chain, not {self.management_chain}")
        object.__setattr__(self, "management_chain", Chain(self.management_chain))
        hours = self.max_time_zone_hours
        if hours is not None and not 0.0 <= hours <= 12.0:
            raise ValueError(f"max_time_zone_hours must be between 0 and 12, not {hours}")
        for name in ("experience_weight", "department_weight", "institution_weight"):
            if not 0.0 <= getattr(self, name) < float("inf"):
                raise ValueError(f"{name} must be a finite number, 0 or more")
        if not 0.0 <= self.close_call_margin <= 1.0:
            raise ValueError("close_call_margin must be between 0 and 1, not "
                             f"{self.close_call_margin}")

    def institution_factor(self, institutions: int) -> Factor:
        """Return the institution setting for a pool naming this many distinct institutions."""
        if self.institution is not None:
            return self.institution
        return Factor.PREFER if institutions > 1 else Factor.IGNORE


@dataclass(frozen=True)
class Pair:
    """A proposed pair. In peer mode `mentor` and `mentee` are the two peers (ordered by id).

    A peer circle of three has a `third`: `mentor` teaches `mentee`, `mentee` teaches `third`
    and `third` teaches `mentor` (the first is the smallest id). Its score is the mean of those
    three directed scores; it counts one and a half times in a total (half the sum of what its
    three people learn, as a pair's mean counts half the sum of what its two learn).

    reasons : reason dicts (code and parameters, see `matching.explain`), rendered when shown.
    """

    mentor: str
    mentee: str
    score: float
    reasons: tuple[dict[str, Any], ...]
    alternatives: tuple[tuple[str, float], ...] = ()
    locked: bool = False
    third: str | None = None

    @property
    def people(self) -> tuple[str, ...]:
        """The pair's two people, or a circle's three in teaching order."""
        return (self.mentor, self.mentee) + ((self.third,) if self.third is not None else ())

    @property
    def weight(self) -> float:
        """What the group adds to a total score: its score, times 1.5 for a circle."""
        return self.score * len(self.people) / 2


@dataclass(frozen=True)
class Unmatched:
    """A person left without a pair, and what kept them out.

    side : "mentee" (wanted a mentor), "mentor" (an offer with a free place, or someone who
        takes part in neither way) or "peer".
    reason : what kept them out, a reason dict (see `matching.explain`).
    details : what could be done about it, reason dicts (a colleague who could teach a want
        but did not offer it, a want nobody has, a trio that would work...).
    """

    id: str
    reason: dict[str, Any]
    side: str = "mentee"
    details: tuple[dict[str, Any], ...] = ()

    def to_dict(self) -> dict[str, Any]:
        """Return the stored form: id, side, reason and details."""
        return {"id": self.id, "side": self.side, "reason": self.reason,
                "details": list(self.details)}


@dataclass(frozen=True)
class SkillBalance:
    """One skill's demand (want to learn), supply (offer to teach) and met demand."""

    skill: str
    demand: int
    supply: int
    met: int


@dataclass(frozen=True)
class MatchResult:
    """The outcome of a run: pairs, the unmatched with reasons, a summary and the skill table."""

    mode: Mode
    pairs: tuple[Pair, ...]
    unmatched: tuple[Unmatched, ...]
    summary: dict[str, Any]
    skills: tuple[SkillBalance, ...]

    def to_dict(self) -> dict[str, Any]:
        """Return the JSON interchange form of the result (reasons as codes and parameters)."""
        if self.mode is Mode.MENTOR:
            pairs = [
                {
                    "mentor": p.mentor,
                    "mentee": p.mentee,
                    "score": p.score,
                    "reasons": list(p.reasons),
                    "alternatives": [{"mentor": m, "score": s} for m, s in p.alternatives],
                    "locked": p.locked,
                }
                for p in self.pairs
            ]
        else:
            pairs = [
                {"people": list(p.people), "score": p.score, "reasons": list(p.reasons),
                 "locked": p.locked}
                for p in self.pairs
            ]
        return {
            "mode": str(self.mode),
            "pairs": pairs,
            "unmatched": [{"email": u.id, "reason": u.reason, "side": u.side,
                           "details": list(u.details)} for u in self.unmatched],
            "summary": self.summary,
            "skills": [
                {"skill": s.skill, "demand": s.demand, "supply": s.supply, "met": s.met}
                for s in self.skills
            ],
        }

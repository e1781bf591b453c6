"""The engine's input: one person's skill profile, as plain values keyed by an id."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from functools import cached_property

__all__ = ["DEFAULT_TEACH_LEVEL", "MeetingFormat", "Profile", "Role"]

#: With no explicit teaching offers, a person offers every skill they rate at least this.
DEFAULT_TEACH_LEVEL = 3


class Role(StrEnum):
    """What a person signs up for in mentor mode."""

    MENTOR = "mentor"
    MENTEE = "mentee"
    BOTH = "both"

    @property
    def mentors(self) -> bool:
        """Return whether this role may take mentees."""
        return self is not Role.MENTEE

    @property
    def learns(self) -> bool:
        """Return whether this role may have a mentor."""
        return self is not Role.MENTOR


class MeetingFormat(StrEnum):
    """How a person can meet: in person only, remotely only, or either way."""

    IN_PERSON = "in_person"
    REMOTE = "remote"
    EITHER = "either"


@dataclass(frozen=True)
class Profile:
    """A person's skills, wants and offers.

    Parameters
    ----------
    id : str
        Stable identity (the import uses the lower-cased email).
    levels : mapping of skill id to level 0-4; unlisted skills are 0.
    learn : skill ids the person wants to learn, most wanted first.
    teach : skill ids offered for mentoring; None means every skill rated
        `DEFAULT_TEACH_LEVEL` or more.
    role, capacity : mentor-mode role and how many mentees a mentor takes.
    manager : id of the person's manager, if any.
    goals, bio : free text, compared with TF-IDF.
    department, institution, location : free text, compared ignoring case; empty is unknown.
    years_experience : years working in libraries, or None (unknown).
    format_preference : how the person can meet (see `MeetingFormat`).
    time_zone : an IANA time-zone name such as "Europe/Berlin", or None (unknown).
    """

    id: str
    levels: Mapping[str, int] = field(default_factory=dict)
    learn: tuple[str, ...] = ()
    teach: tuple[str, ...] | None = None
    role: Role = Role.BOTH
    capacity: int = 1
    manager: str | None = None
    goals: str = ""
    bio: str = ""
    department: str = ""
    institution: str = ""
    location: str = ""
    years_experience: int | None = None
    format_preference: MeetingFormat = MeetingFormat.EITHER
    time_zone: str | None = None

    def level(self, skill_id: str) -> int:
        """Return the person's level in a skill (0 when unlisted)."""
        return self.levels.get(skill_id, 0)

    # Cached: the rules, diagnostics and budget ask it of every mentor many times.
    @cached_property
    def teaching(self) -> tuple[str, ...]:
        """Return the skills this person offers to teach, explicit or implied by level."""
        if self.teach is not None:
            return self.teach
        return tuple(s for s, lvl in self.levels.items() if lvl >= DEFAULT_TEACH_LEVEL)

"""A round's input as plain JSON: what the engine saw, so the round can be reproduced exactly."""

from __future__ import annotations

import hashlib
import json
from typing import Any

from matching import MatchSettings, Mode, Profile, Role, ScoreWeights
from matching.profiles import MeetingFormat
from matching.results import Chain, Factor
from mentorship.core.db import EncodedJSON
from mentorship.core.jsontext import to_json

__all__ = ["encoded_snapshot", "from_snapshot", "snapshot_hash", "snapshot_matches", "to_snapshot"]

#: The profile factors a snapshot keeps, and their values when unknown.
PROFILE_FACTORS = {"department": "", "institution": "", "location": "", "years_experience": None,
                   "format_preference": "either", "time_zone": None}
#: The factor settings a snapshot keeps, with the values that reproduce a snapshot taken before
#: they existed: the engine then knew only the direct manager and no factor.
SETTING_FACTORS = {"experience": "ignore", "department": "ignore", "institution": "ignore",
                   "meeting_format": "ignore", "max_time_zone_hours": None,
                   "management_chain": "direct", "experience_weight": 1.0,
                   "department_weight": 1.0, "institution_weight": 1.0}


def to_snapshot(profiles: list[Profile], settings: MatchSettings) -> dict[str, Any]:
    """Return the engine's input as canonical JSON-ready data (people in id order)."""
    return {
        # The keys of PROFILE_FACTORS spelt out: a pool has thousands of profiles.
        "profiles": [
            {"id": p.id, "levels": dict(sorted(p.levels.items())), "learn": list(p.learn),
             "teach": None if p.teach is None else list(p.teach), "role": str(p.role),
             "capacity": p.capacity, "manager": p.manager, "goals": p.goals, "bio": p.bio,
             "department": p.department, "institution": p.institution, "location": p.location,
             "years_experience": p.years_experience,
             "format_preference": str(p.format_preference), "time_zone": p.time_zone}
            for p in sorted(profiles, key=lambda p: p.id)
        ],
        "settings": {
            "mode": str(settings.mode), "priority": settings.weights.priority,
            "text_weight": settings.weights.text,
            "preference_weight": settings.weights.preference, "min_score": settings.min_score,
            "fair": settings.fair, "allow_same_manager": settings.allow_same_manager,
            "trios": settings.trios,
            "avoid": sorted(map(list, settings.avoid)),
            "previous": sorted(map(list, settings.previous)),
            "locks": [list(pair) for pair in settings.locks],
            **{key: _plain(getattr(settings, key)) for key in SETTING_FACTORS},
            # Only when there are some: the snapshots taken before keep their hash.
            **({"outside_managers": sorted(map(list, settings.outside_managers))}
               if settings.outside_managers else {}),
        },
    }


def _plain(value: Any) -> Any:
    """Return enum values as their strings, for JSON."""
    return str(value) if isinstance(value, Factor | Chain | MeetingFormat) else value


def canonical_json(snapshot: dict[str, Any]) -> str:
    """Return a snapshot's canonical JSON: keys sorted at every level, no spaces (orjson: a
    10,000-person snapshot is megabytes, and the standard library takes four times as long)."""
    return to_json(snapshot, sort_keys=True)


def encoded_snapshot(snapshot: dict[str, Any]) -> EncodedJSON:
    """Return a snapshot with its canonical JSON, encoded once for its hash and its column."""
    return EncodedJSON(snapshot, canonical_json(snapshot))


def snapshot_hash(snapshot: dict[str, Any]) -> str:
    """Return the SHA-256 of a snapshot's canonical JSON."""
    text = snapshot.text if isinstance(snapshot, EncodedJSON) else canonical_json(snapshot)
    return hashlib.sha256(text.encode()).hexdigest()


def snapshot_matches(snapshot: dict[str, Any], digest: str) -> bool:
    """Return whether `digest` is the hash of this snapshot: of its canonical JSON, or of the
    standard library's sorted JSON, which rounds computed before orjson were hashed with."""
    return digest == snapshot_hash(snapshot) or digest == hashlib.sha256(
        json.dumps(snapshot, sort_keys=True).encode()).hexdigest()


def from_snapshot(snapshot: dict[str, Any]) -> tuple[list[Profile], MatchSettings]:
    """Return the profiles and settings a snapshot holds."""
    profiles = [
        Profile(id=p["id"], levels=p["levels"], learn=tuple(p["learn"]),
                teach=None if p["teach"] is None else tuple(p["teach"]), role=Role(p["role"]),
                capacity=p["capacity"], manager=p["manager"], goals=p["goals"], bio=p["bio"],
                **{key: p.get(key, unknown) for key, unknown in PROFILE_FACTORS.items()})
        for p in snapshot["profiles"]
    ]
    s = snapshot["settings"]
    settings = MatchSettings(
        # Snapshots from before ranked priorities and preferences read as the defaults then.
        mode=Mode(s["mode"]),
        weights=ScoreWeights(priority=s.get("priority", "strict"), text=min(1.0, s["text_weight"]),
                             preference=s.get("preference_weight", 0.0)),
        min_score=s["min_score"], fair=s["fair"], allow_same_manager=s["allow_same_manager"],
        # A snapshot from before circles existed was computed without them.
        trios=s.get("trios", False),
        avoid=tuple(map(tuple, s["avoid"])), previous=tuple(map(tuple, s["previous"])),
        locks=tuple(map(tuple, s["locks"])),
        outside_managers=tuple(map(tuple, s.get("outside_managers", []))),
        **{key: s.get(key, before) for key, before in SETTING_FACTORS.items()},
    )
    return profiles, settings

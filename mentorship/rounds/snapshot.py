"""A round's input as plain JSON: what the engine saw, so the round can be reproduced exactly."""

from __future__ import annotations

import hashlib
import json
from typing import Any

from matching import MatchSettings, Mode, Profile, Role, ScoreWeights

__all__ = ["from_snapshot", "snapshot_hash", "to_snapshot"]


def to_snapshot(profiles: list[Profile], settings: MatchSettings) -> dict[str, Any]:
    """Return the engine's input as canonical JSON-ready data (people in id order)."""
    return {
        "profiles": [
            {"id": p.id, "levels": dict(sorted(p.levels.items())), "learn": list(p.learn),
             "teach": None if p.teach is None else list(p.teach), "role": str(p.role),
             "capacity": p.capacity, "manager": p.manager, "goals": p.goals, "bio": p.bio}
            for p in sorted(profiles, key=lambda p: p.id)
        ],
        "settings": {
            "mode": str(settings.mode), "skill_weight": settings.weights.skill,
            "text_weight": settings.weights.text, "min_score": settings.min_score,
            "fair": settings.fair, "allow_same_manager": settings.allow_same_manager,
            "trios": settings.trios,
            "avoid": sorted(map(list, settings.avoid)),
            "previous": sorted(map(list, settings.previous)),
            "locks": [list(pair) for pair in settings.locks],
        },
    }


def snapshot_hash(snapshot: dict[str, Any]) -> str:
    """Return the SHA-256 of a snapshot's canonical JSON."""
    return hashlib.sha256(json.dumps(snapshot, sort_keys=True).encode()).hexdigest()


def from_snapshot(snapshot: dict[str, Any]) -> tuple[list[Profile], MatchSettings]:
    """Return the profiles and settings a snapshot holds."""
    profiles = [
        Profile(id=p["id"], levels=p["levels"], learn=tuple(p["learn"]),
                teach=None if p["teach"] is None else tuple(p["teach"]), role=Role(p["role"]),
                capacity=p["capacity"], manager=p["manager"], goals=p["goals"], bio=p["bio"])
        for p in snapshot["profiles"]
    ]
    s = snapshot["settings"]
    settings = MatchSettings(
        mode=Mode(s["mode"]), weights=ScoreWeights(skill=s["skill_weight"], text=s["text_weight"]),
        min_score=s["min_score"], fair=s["fair"], allow_same_manager=s["allow_same_manager"],
        # A snapshot from before circles existed was computed without them.
        trios=s.get("trios", False),
        avoid=tuple(map(tuple, s["avoid"])), previous=tuple(map(tuple, s["previous"])),
        locks=tuple(map(tuple, s["locks"])),
    )
    return profiles, settings

"""Reasons as stored and as shown: the engine's codes kept with person ids, named when read.

The engine names people by email; a stored reason names them by person id, so a stored round
holds no email in its reasons, a renamed person reads with their current name, and a deleted
one reads as "a former participant" (`matching.explain` renders). Rows written before reasons
were data hold English strings; they read as the code ``text``, shown as written.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from matching import Taxonomy, Unmatched
from matching.explain import (
    COORDINATOR,
    COORDINATOR_ONLY,
    PARTICIPANT,
    REASONS,
    forget_person,
    map_people,
    people_in,
    shown,
)
from mentorship.core.db import batches
from mentorship.people.models import Person

__all__ = [
    "COORDINATOR",
    "PARTICIPANT",
    "audience_of",
    "explain_entries",
    "explain_reasons",
    "forget_in_entries",
    "forget_in_reasons",
    "stored_entry",
    "stored_reasons",
]


def stored_reasons(reasons: Iterable[Any], person_id: Mapping[str, int]) -> list[dict[str, Any]]:
    """Return the engine's reasons as stored: each person reference an id (None if unknown)."""
    return [_stored_reason(r, person_id) for r in reasons]


def _stored_reason(reason: Any, person_id: Mapping[str, int]) -> Any:
    """One reason as stored. The engine's own reasons (plain dicts of a registered code) are
    mapped here directly, as `map_people` would: a round stores thousands of them."""
    code = reason.get("code") if type(reason) is dict else None
    entry = REASONS.get(code) if isinstance(code, str) else None
    if entry is None:
        return map_people(reason, person_id.get)
    if not entry.people:
        return reason  # names nobody: stored as the engine gave it
    found = dict(reason)
    for name in entry.people:
        current = found.get(name)
        if type(current) in (list, tuple):
            found[name] = [None if key is None else person_id.get(key) for key in current]
        elif current is not None:
            found[name] = person_id.get(current)
    return found


def stored_entry(entry: Unmatched, person_id: Mapping[str, int]) -> dict[str, Any]:
    """Return one of the engine's unmatched reports as a round stores it."""
    return {"id": entry.id, "side": entry.side,
            "reason": stored_reasons([entry.reason], person_id)[0],
            "details": stored_reasons(entry.details, person_id)}


def audience_of(actor: Any) -> str:
    """Return who reads: coordinators and admins see every name, anyone else is a participant."""
    if actor is None or getattr(actor, "is_coordinator", False) or getattr(actor, "is_admin", False):
        return COORDINATOR
    return PARTICIPANT


def _names(session: Session, reasons: Iterable[Any]) -> dict[int, str]:
    """Return the current names of the people stored reasons refer to."""
    wanted = sorted({key for r in reasons for key in people_in(r) if isinstance(key, int)})
    names: dict[int, str] = {}
    for chunk in batches(wanted):
        names.update(session.execute(select(Person.id, Person.name)
                                     .where(Person.id.in_(chunk))).all())
    return names


def explain_reasons(session: Session, lists: Sequence[Sequence[Any] | None],
                    taxonomy: Taxonomy | None, *, audience: str = COORDINATOR,
                    ) -> list[list[dict[str, Any]]]:
    """Return each list of stored reasons as shown: code, parameters and text.

    One query names every person the reasons shown refer to (none when they name nobody: the
    review notes a participant is not shown are not looked up).
    """
    kept = [[r for r in reasons or () if audience == COORDINATOR or not _review_note(r)]
            for reasons in lists]
    names = _names(session, (r for reasons in kept for r in reasons))
    return [[shown(r, taxonomy=taxonomy, person_name=names.get, audience=audience)
             for r in reasons] for reasons in kept]


def _review_note(reason: Any) -> bool:
    """Whether a stored reason is a note for the coordinator's review only (a close call)."""
    return isinstance(reason, Mapping) and reason.get("code") in COORDINATOR_ONLY


def explain_entries(session: Session, entries: Sequence[Mapping[str, Any]],
                    taxonomy: Taxonomy | None) -> list[tuple[dict[str, Any], list[dict[str, Any]]]]:
    """Return a round's stored unmatched entries as shown: (reason, details), for coordinators.

    Entries stored before reasons were data (a string, no details) read as written.
    """
    lists = [[e.get("reason", ""), *list(e.get("details") or ())] for e in entries]
    return [(found[0], found[1:]) for found in explain_reasons(session, lists, taxonomy)]


def forget_in_reasons(reasons: Sequence[Any] | None, person_id: int) -> list[Any] | None:
    """Return stored reasons with references to a deleted person erased (None where it was)."""
    if not reasons:
        return reasons
    return [r if isinstance(r, str) else forget_person(r, person_id) for r in reasons]


def forget_in_entries(entries: Sequence[Mapping[str, Any]] | None,
                      person_id: int) -> list[Any] | None:
    """Return stored unmatched entries with references to a deleted person erased."""
    if not entries:
        return entries
    return [{**e, "reason": (e["reason"] if isinstance(e.get("reason"), str)
                             else forget_person(e.get("reason"), person_id)),
             "details": forget_in_reasons(e.get("details") or [], person_id)}
            for e in entries]

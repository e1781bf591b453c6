"""Keep the skill table in step with a taxonomy file."""

from __future__ import annotations

import hashlib
import json
from collections import defaultdict

from sqlalchemy import select
from sqlalchemy.orm import Session

from matching import Taxonomy
from mentorship.core.audit import record_event
from mentorship.core.db import batches, hold_lock
from mentorship.people.models import Person
from mentorship.profiles.models import ProfileSkill
from mentorship.taxonomy.models import Skill, TaxonomyVersion

__all__ = ["carry_over_replaced", "sync_replacements", "sync_taxonomy"]


def _content_hash(taxonomy: Taxonomy) -> str:
    content = [
        (c.id, c.name, [(s, taxonomy.skills[s].name, list(taxonomy.skills[s].aliases))
                        for s in c.skill_ids])
        for c in taxonomy.categories
    ]
    # Added only when present, so that a taxonomy without either keeps the hash it had.
    replaced = taxonomy.replaced
    ambiguous = [(a.spelling, list(a.skills), a.prefer) for a in taxonomy.ambiguities]
    if replaced or ambiguous:
        content = [content, sorted(replaced.items()), ambiguous]
    return hashlib.sha256(json.dumps(content).encode()).hexdigest()


def _in_force(session: Session, digest: str, taxonomy: Taxonomy):
    """The stored version if this taxonomy is exactly the one in force, and the skills by id."""
    version = session.scalar(select(TaxonomyVersion).where(TaxonomyVersion.content_hash == digest))
    existing = {skill.id: skill for skill in session.scalars(select(Skill))}
    if version is not None and all(
        existing.get(s) is not None and existing[s].active for s in taxonomy.skill_ids
    ) and sum(skill.active for skill in existing.values()) == len(taxonomy):
        return version, existing
    return None, existing


def sync_taxonomy(session: Session, actor: Person | None, taxonomy: Taxonomy) -> TaxonomyVersion:
    """Load `taxonomy` into the skill table unless this exact version is already in force.

    Skills the taxonomy no longer names become inactive rather than deleted, so profiles that
    hold them keep their data (and can be flagged). A retired id that skills `replace` hands
    its profile rows over to them (`carry_over_replaced`).
    """
    digest = _content_hash(taxonomy)
    version, existing = _in_force(session, digest, taxonomy)
    if version is not None:
        return version
    # Loading it: one loader at a time (two first saves at once would both insert the skills).
    hold_lock(session, "mentorship.taxonomy")
    version, existing = _in_force(session, digest, taxonomy)
    if version is not None:
        return version
    version = session.scalar(select(TaxonomyVersion).where(TaxonomyVersion.content_hash == digest))
    if version is None:
        version = TaxonomyVersion(content_hash=digest, source=taxonomy.source)
        session.add(version)
        session.flush()
    position = 0
    for category in taxonomy.categories:
        for skill_id in category.skill_ids:
            skill = taxonomy.skills[skill_id]
            row = existing.get(skill_id) or Skill(id=skill_id)
            row.name, row.category_id, row.category_name = skill.name, category.id, category.name
            row.aliases, row.position, row.active = list(skill.aliases), position, True
            row.taxonomy_version_id = version.id
            session.add(row)
            position += 1
    dropped = [skill for skill_id, skill in existing.items() if skill_id not in taxonomy]
    for skill in dropped:
        skill.active = False
    session.flush()
    carried = carry_over_replaced(session, taxonomy)
    record_event(session, actor, "taxonomy.load", "taxonomy", version.id, source=taxonomy.source,
                 skills=len(taxonomy), retired=[s.id for s in dropped], carried_over=carried)
    session.flush()
    return version


def sync_replacements(session: Session, actor: Person | None, taxonomy: Taxonomy) -> bool:
    """Load `taxonomy` if it replaces skills still active in the database; return whether.

    A taxonomy that names stored skills in `replaces` is the successor of the one in force,
    so a round run on it loads it first and their rows are handed over before profiles are
    read. Any other file leaves the skill table as it is: a run with a different taxonomy
    must not retire the vocabulary in force (it fails on the skills it does not know).
    """
    replaced = list(taxonomy.replaced)
    if not replaced or session.scalar(
            select(Skill.id).where(Skill.id.in_(replaced), Skill.active.is_(True)).limit(1)) is None:
        return False
    sync_taxonomy(session, actor, taxonomy)
    return True


def carry_over_replaced(session: Session, taxonomy: Taxonomy) -> dict[str, int]:
    """Move the profile rows of every retired id that `taxonomy` replaces to its successors.

    Each successor gets the old row's level, teaching offer and wish; a wish of rank r becomes
    wishes r, r+1, ... (one per successor, in file order) and the person's later wishes move
    down to make room. A successor the person already holds keeps its own row. The old rows
    are then deleted, so a later load finds nothing to carry again. Returns how many people
    each retired id was carried over for. The successors' skill rows must exist (flushed).
    """
    replaced = taxonomy.replaced
    old_rows = list(session.scalars(
        select(ProfileSkill).where(ProfileSkill.skill_id.in_(list(replaced)))))
    if not old_rows:
        return {}
    people = sorted({row.person_id for row in old_rows})
    held: dict[int, list[ProfileSkill]] = defaultdict(list)
    for chunk in batches(people):
        for row in session.scalars(select(ProfileSkill).where(ProfileSkill.person_id.in_(chunk))):
            held[row.person_id].append(row)
    carried: dict[str, int] = defaultdict(int)
    for old in sorted(old_rows, key=lambda row: (row.person_id, row.skill_id)):
        mine = held[old.person_id]
        present = {row.skill_id for row in mine}
        successors = [s for s in replaced[old.skill_id] if s not in present]
        if old.learn_rank is not None and len(successors) > 1:
            for row in mine:
                if row.learn_rank is not None and row.learn_rank > old.learn_rank:
                    row.learn_rank += len(successors) - 1
        for offset, skill_id in enumerate(successors):
            row = ProfileSkill(person_id=old.person_id, skill_id=skill_id, level=old.level,
                               teaches=old.teaches, learn_rank=None if old.learn_rank is None
                               else old.learn_rank + offset)
            session.add(row)
            mine.append(row)
        mine.remove(old)
        session.delete(old)
        carried[old.skill_id] += 1
    session.flush()
    return dict(carried)

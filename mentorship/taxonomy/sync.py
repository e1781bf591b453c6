"""Keep the skill table in step with a taxonomy file."""

from __future__ import annotations

import hashlib
import json

from sqlalchemy import select
from sqlalchemy.orm import Session

from matching import Taxonomy
from mentorship.core.audit import record_event
from mentorship.core.db import hold_lock
from mentorship.people.models import Person
from mentorship.taxonomy.models import Skill, TaxonomyVersion

__all__ = ["sync_taxonomy"]


def _content_hash(taxonomy: Taxonomy) -> str:
    content = [
        (c.id, c.name, [(s, taxonomy.skills[s].name, list(taxonomy.skills[s].aliases))
                        for s in c.skill_ids])
        for c in taxonomy.categories
    ]
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
    hold them keep their data (and can be flagged).
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
    record_event(session, actor, "taxonomy.load", "taxonomy", version.id, source=taxonomy.source,
                 skills=len(taxonomy), retired=[s.id for s in dropped])
    session.flush()
    return version

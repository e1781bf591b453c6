"""The taxonomy as loaded into the database: its versions and skills."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, Boolean, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from mentorship.core.models import Base, UtcDateTime, utc_now

__all__ = ["Skill", "TaxonomyVersion"]


class TaxonomyVersion(Base):
    """A taxonomy file loaded into the database, identified by the hash of its content."""

    __tablename__ = "taxonomy_version"

    id: Mapped[int] = mapped_column(primary_key=True)
    content_hash: Mapped[str] = mapped_column(String(64), unique=True)
    source: Mapped[str] = mapped_column(String(500))
    loaded_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utc_now)


class Skill(Base):
    """A skill of the taxonomy. Never deleted: one a later taxonomy drops becomes inactive,
    so the profiles that name it keep their data and can be flagged."""

    __tablename__ = "skill"

    id: Mapped[str] = mapped_column(String(80), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    category_id: Mapped[str] = mapped_column(String(80))
    category_name: Mapped[str] = mapped_column(String(200))
    aliases: Mapped[list[str]] = mapped_column(JSON, default=list)
    position: Mapped[int] = mapped_column(Integer, default=0)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    taxonomy_version_id: Mapped[int | None] = mapped_column(ForeignKey("taxonomy_version.id"))

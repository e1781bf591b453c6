"""The skill taxonomy: the default vocabulary shipped with the package, and its database sync."""

from __future__ import annotations

from pathlib import Path

from matching import Taxonomy
from matching import load_taxonomy as _read_taxonomy_file

__all__ = ["DEFAULT_TAXONOMY_PATH", "Taxonomy", "load_taxonomy"]

#: The default taxonomy, installed with the package (package data, so a wheel has it too).
DEFAULT_TAXONOMY_PATH = Path(__file__).resolve().parent / "skills.yaml"


def load_taxonomy(path: str | Path | None = None) -> Taxonomy:
    """Load the taxonomy at `path`, or the default one when `path` is None or empty."""
    return _read_taxonomy_file(path or DEFAULT_TAXONOMY_PATH)

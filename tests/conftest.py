"""Fixtures shared by every test package."""

import pytest

from matching import load_taxonomy


@pytest.fixture(scope="session")
def taxonomy():
    """The default taxonomy, config/skills.yaml."""
    return load_taxonomy()

"""The matching engine's own exception hierarchy."""

__all__ = ["InfeasibleLockError", "MatchingError", "TaxonomyError"]


class MatchingError(Exception):
    """Base class of every error the engine raises on purpose."""


class TaxonomyError(MatchingError):
    """A taxonomy file is missing, unreadable or malformed."""


class InfeasibleLockError(MatchingError):
    """A locked pair breaks a hard rule (exclusion, role or capacity)."""

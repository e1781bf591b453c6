"""Pausing Python's cyclic garbage collector around work that makes many long-lived objects.

Here, not in `mentorship.core.db`: the command line pauses it too, and must not import
SQLAlchemy to do so (`mentorship --help` starts without it).
"""

from __future__ import annotations

import gc
import threading
from collections.abc import Iterator
from contextlib import contextmanager

__all__ = ["paused_gc"]

_gc_lock = threading.Lock()
_gc_pauses = 0
_gc_was_enabled = False


@contextmanager
def paused_gc() -> Iterator[None]:
    """Pause Python's cyclic garbage collector while bulk rows or a pool's records are built.

    Reading a pool or storing a round makes hundreds of thousands of small objects beside the
    engine's large ones; each collection then walks them all, and at 10,000 people that cost
    more than the queries (a CLI match: some 700 scans, 0.4 s, that found nothing to free).
    Refcounting still frees everything meanwhile; cycles wait for the end. Re-entrant and
    shared between threads: collection resumes when the last pause ends (and only if it was
    on). Also a decorator: ``@paused_gc()``.
    """
    global _gc_pauses, _gc_was_enabled
    with _gc_lock:
        if _gc_pauses == 0:
            _gc_was_enabled = gc.isenabled()
            gc.disable()
        _gc_pauses += 1
    try:
        yield
    finally:
        with _gc_lock:
            _gc_pauses -= 1
            if _gc_pauses == 0 and _gc_was_enabled:
                gc.enable()

"""The garbage collector's pause: re-entrant, and it resumes only what was on."""

import gc

from mentorship.core.collector import paused_gc


def test_the_collector_resumes_when_the_last_pause_ends():
    assert gc.isenabled()
    with paused_gc():
        with paused_gc():
            assert not gc.isenabled()
        assert not gc.isenabled()  # the outer pause still holds
    assert gc.isenabled()


def test_a_collector_that_was_off_stays_off():
    gc.disable()
    try:
        with paused_gc():
            assert not gc.isenabled()
        assert not gc.isenabled()
    finally:
        gc.enable()


def test_it_decorates_a_function():
    @paused_gc()
    def collecting() -> bool:
        return gc.isenabled()

    assert collecting() is False and gc.isenabled()

"""The pair-health rule and its periods, on literal dates."""

from datetime import UTC, datetime

import pytest

from mentorship.pairs_health.rule import Answer, Health, pair_health, period_bounds, period_of

START = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)   # a Monday; 4-week periods below
WEEKS = 4


def at(month: int, day: int) -> datetime:
    return datetime(2026, month, day, 12, 0, tzinfo=UTC)


def test_periods_count_from_the_publication_in_whole_intervals():
    assert period_of(START, START, WEEKS) == 1
    assert period_of(START, at(1, 1), WEEKS) == 1           # before the start: the first
    assert period_of(START, datetime(2026, 2, 2, 8, 59, tzinfo=UTC), WEEKS) == 1
    assert period_of(START, datetime(2026, 2, 2, 9, 0, tzinfo=UTC), WEEKS) == 2
    assert period_of(START, at(3, 3), WEEKS) == 3           # 57 days in
    assert period_of(START, at(3, 3), 1) == 9
    assert period_bounds(START, 2, WEEKS) == (datetime(2026, 2, 2, 9, 0, tzinfo=UTC),
                                              datetime(2026, 3, 2, 9, 0, tzinfo=UTC))


def test_a_new_pair_without_answers_needs_a_check_in():
    assert pair_health(START, at(1, 20), WEEKS, []) == Health.NEEDS_CHECK_IN
    assert pair_health(START, at(2, 20), WEEKS, []) == Health.NEEDS_CHECK_IN  # period 2


def test_a_meeting_this_period_or_the_last_is_on_track():
    met = [Answer(1, 1, "met", at(1, 20))]
    assert pair_health(START, at(1, 21), WEEKS, met) == Health.ON_TRACK
    assert pair_health(START, at(2, 20), WEEKS, met) == Health.ON_TRACK       # period 2
    assert pair_health(START, at(3, 10), WEEKS, met) == Health.NEEDS_CHECK_IN  # period 3


def test_two_whole_periods_without_a_meeting_are_inactive():
    # Period 3 begins on 2 March; nobody said "we met" in periods 1-3.
    not_yet = [Answer(1, 1, "not_yet", at(1, 20)), Answer(2, 2, "not_yet", at(2, 10))]
    assert pair_health(START, at(3, 1), WEEKS, not_yet) == Health.NEEDS_CHECK_IN  # period 2
    assert pair_health(START, at(3, 3), WEEKS, not_yet) == Health.INACTIVE
    assert pair_health(START, at(3, 3), WEEKS, []) == Health.INACTIVE
    # A meeting in period 1 keeps period 3 from being inactive; in period 4 it no longer does.
    met_early = [Answer(1, 1, "met", at(1, 20))]
    assert pair_health(START, at(3, 3), WEEKS, met_early) == Health.NEEDS_CHECK_IN
    assert pair_health(START, at(4, 1), WEEKS, met_early) == Health.INACTIVE


def test_a_call_for_help_wins_until_that_person_says_they_met():
    help_ = [Answer(1, 1, "met", at(1, 10)), Answer(2, 1, "need_help", at(1, 20))]
    assert pair_health(START, at(1, 21), WEEKS, help_) == Health.ASKED_FOR_HELP
    assert pair_health(START, at(2, 20), WEEKS, help_) == Health.ASKED_FOR_HELP   # period 2
    assert pair_health(START, at(3, 10), WEEKS, help_) == Health.NEEDS_CHECK_IN  # out of reach
    resolved = [*help_, Answer(2, 2, "met", at(2, 5))]
    assert pair_health(START, at(2, 6), WEEKS, resolved) == Health.ON_TRACK
    # The other member's later "met" does not cancel it: the one who asked has not said so.
    other = [*help_, Answer(1, 2, "met", at(2, 5))]
    assert pair_health(START, at(2, 6), WEEKS, other) == Health.ASKED_FOR_HELP


@pytest.mark.parametrize("weeks", [1, 2, 4, 8])
def test_the_interval_scales_the_periods(weeks):
    start = START
    answers = [Answer(1, 1, "met", start)]
    # Inside period 2 the period-1 meeting still counts; from period 3 on it does not.
    assert pair_health(start, period_bounds(start, 2, weeks)[0], weeks, answers) == Health.ON_TRACK
    assert pair_health(start, period_bounds(start, 3, weeks)[0], weeks,
                       answers) == Health.NEEDS_CHECK_IN
    assert pair_health(start, period_bounds(start, 4, weeks)[0], weeks, answers) == Health.INACTIVE

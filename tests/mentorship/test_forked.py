"""A call run in a forked copy of the process: its answer, its errors, and the fallbacks."""

from __future__ import annotations

import multiprocessing
import os
import threading

import pytest

from mentorship.core.errors import InvalidInput, RowError
from mentorship.core.forked import ForkedCall

# Python 3.12+ warns about fork() in a process with threads; the copy here only computes and
# answers, and takes no lock another thread could hold.
pytestmark = pytest.mark.filterwarnings("ignore:.*use of fork\\(\\) may lead to deadlocks")

HERE = os.getpid()


def test_the_call_runs_in_another_process_and_its_answer_comes_back():
    assert ForkedCall(os.getpid).result() != HERE
    assert ForkedCall(lambda: {"rows": list(range(5))}).result() == {"rows": [0, 1, 2, 3, 4]}


def test_the_copy_starts_with_what_this_process_holds():
    local = {"seen": "set before the fork"}  # a closure: nothing about the call is pickled
    seen, pid = ForkedCall(lambda: (local["seen"], os.getpid())).result()
    assert seen == "set before the fork"
    assert pid != HERE  # answered by the copy, not by the fallback here


def test_an_input_error_comes_back_with_every_located_problem():
    problems = [RowError(3, "email", "x", "not an email"), RowError(2, "name", "", "required")]

    def refuse():
        raise InvalidInput("2 problems", problems)

    with pytest.raises(InvalidInput) as caught:
        ForkedCall(refuse).result()
    assert str(caught.value) == "2 problems"
    assert caught.value.errors == sorted(problems)


def test_a_copy_that_dies_before_answering_is_done_here_instead():
    def die_in_the_copy():
        if os.getpid() != HERE:
            os._exit(9)  # as if killed, or out of memory
        return "answered here"

    assert ForkedCall(die_in_the_copy).result() == "answered here"


def test_an_answer_that_cannot_be_pickled_is_computed_here_instead():
    def lock_where_called():
        return threading.Lock(), os.getpid()

    _, pid = ForkedCall(lock_where_called).result()
    assert pid == HERE


def test_without_fork_the_call_runs_here(monkeypatch):
    monkeypatch.setattr(multiprocessing, "get_all_start_methods", lambda: ["spawn"])
    assert ForkedCall(os.getpid).result() == HERE

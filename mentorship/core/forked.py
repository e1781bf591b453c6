"""One call run in a forked copy of this process while this one goes on.

The command line reads and validates its profile file in such a copy while it imports the
engine (scikit-learn and SciPy): each takes about 0.7 s at 10,000 people, and on two cores
they overlap instead of adding up. The copy starts with everything this process holds, so the
call and its arguments are not pickled; only its answer (or its error) comes back, pickled.
"""

from __future__ import annotations

import multiprocessing
from collections.abc import Callable
from multiprocessing.connection import Connection
from typing import Any, Generic, TypeVar

__all__ = ["ForkedCall"]

T = TypeVar("T")


class ForkedCall(Generic[T]):
    """Start `call` in a forked copy of this process; `result()` waits for its answer.

    Where the platform cannot fork, or the copy dies before it answers (killed, out of
    memory, an answer that cannot be pickled), `result()` runs the call here instead: the
    answer is the same, only later. An exception the call raises is raised again by
    `result()`, so it should survive pickling (see `mentorship.core.errors.InvalidInput`).
    Call `result()` once, before this process ends.
    """

    def __init__(self, call: Callable[[], T]) -> None:
        self._call = call
        self._answers: Connection | None = None
        if "fork" not in multiprocessing.get_all_start_methods():
            return
        context = multiprocessing.get_context("fork")
        self._answers, sender = context.Pipe(duplex=False)
        self._process = context.Process(target=_answer, args=(call, sender), daemon=True,
                                        name="forked-call")
        self._process.start()
        sender.close()  # the copy holds the sending end; EOF here means it died

    def result(self) -> T:
        """Return what the call returned, or raise what it raised."""
        if self._answers is not None:
            try:
                succeeded, value = self._answers.recv()
            except EOFError:
                succeeded, value = None, None
            finally:
                self._answers.close()
                self._process.join()
            if succeeded:
                return value
            if succeeded is False and isinstance(value, BaseException):
                raise value
        return self._call()


def _answer(call: Callable[[], Any], sender: Connection) -> None:
    """In the copy: send (True, the answer) or (False, the exception) back."""
    try:
        outcome = (True, call())
    except Exception as error:
        outcome = (False, error)
    try:
        sender.send(outcome)
    except Exception:  # an answer or error that cannot be pickled: the caller runs it itself
        pass
    finally:
        sender.close()

"""The numpydoc examples in matching/ run, and pass."""

import doctest
import importlib
import pkgutil

import pytest

import matching

MODULES = sorted(
    info.name for info in pkgutil.walk_packages(matching.__path__, prefix="matching.")
)


@pytest.mark.parametrize("name", MODULES)
def test_examples_pass(name):
    module = importlib.import_module(name)
    result = doctest.testmod(module, optionflags=doctest.ELLIPSIS, verbose=False)
    assert result.failed == 0


def test_examples_exist():
    attempted = sum(
        doctest.testmod(importlib.import_module(name), report=False).attempted for name in MODULES
    )
    assert attempted >= 40

"""Rules every template keeps, checked on the source (the browser tests see only the pages they visit)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

TEMPLATES = sorted((Path(__file__).resolve().parents[2] / "webapp" / "templates").rglob("*.html"))


def test_the_templates_are_found():
    assert len(TEMPLATES) > 10


@pytest.mark.parametrize("template", TEMPLATES, ids=lambda path: path.name)
def test_scrolling_tables_can_be_reached_by_keyboard(template):
    # axe's scrollable-region-focusable: a wide table scrolls in its box, so the box must take
    # the focus (and then needs a name).
    for wrapper in re.findall(r'<div class="table-scroll"[^>]*>', template.read_text()):
        assert 'tabindex="0"' in wrapper and 'role="region"' in wrapper, wrapper
        assert "aria-label=" in wrapper or "aria-labelledby=" in wrapper, wrapper


@pytest.mark.parametrize("template", TEMPLATES, ids=lambda path: path.name)
def test_no_inline_script_style_or_handler(template):
    # The Content-Security-Policy allows none of them: they would silently not work.
    text = template.read_text()
    assert not re.search(r"<script(?![^>]*\bsrc=)", text)
    assert not re.search(r"\sstyle=", text)
    assert not re.search(r"\son[a-z]+=", text)

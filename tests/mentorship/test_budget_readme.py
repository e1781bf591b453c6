"""The README's training budget is what `mentorship match examples/library_staff.csv` prints."""

from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner

from mentorship.cli import cli

ROOT = Path(__file__).resolve().parents[2]


def test_the_readmes_budget_table_is_a_real_run():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme[readme.index("## What a run prints"):]
    start = section.index("Training budget (")
    shown = section[start:section.index("```", start)].rstrip("\n")
    result = CliRunner().invoke(cli, ["match", str(ROOT / "examples" / "library_staff.csv")])
    assert result.exit_code == 0, result.output
    printed = result.stdout[result.stdout.index("Training budget ("):].rstrip("\n")
    assert shown == printed

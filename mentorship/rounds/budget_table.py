"""The training budget as text cells: the table the CLI prints, the Skills page shows and the
CSV download holds (`mentorship.rounds.budget` reads a stored round for it).

No database here: `mentorship match` renders an engine run's budget without loading SQLAlchemy.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from matching import MatchSettings, Profile, Taxonomy
from matching.budget import BudgetLine, Cause, TrainingBudget, training_budget
from mentorship.core.spreadsheet import spreadsheet_safe

__all__ = ["ACTIONS", "CAUSE_HEADS", "BudgetTable", "budget_csv", "budget_lines", "budget_table",
           "pool_budget"]

#: What to do about demand left unmet for each cause.
ACTIONS = {
    Cause.FULL: "recruit mentors or run a group session",
    Cause.REASSIGN: "reassign (review the round)",
    Cause.EXCLUDED: "look in another team (the rules exclude every teacher)",
    Cause.ASK: "ask the colleagues who could teach it",
    Cause.BUY: "buy training",
}
#: Column heads of the causes, short enough for a terminal.
CAUSE_HEADS = {
    Cause.FULL: "Teachers full",
    Cause.REASSIGN: "Free teacher",
    Cause.EXCLUDED: "Rules exclude",
    Cause.ASK: "Not offered",
    Cause.BUY: "Nobody has it",
}
_NO_DEPARTMENT = "(no department)"


@dataclass(frozen=True)
class BudgetTable:
    """The budget as text cells: a skill table and a department table, heads and rows."""

    skill_heads: tuple[str, ...]
    skill_rows: tuple[tuple[str, ...], ...]
    department_heads: tuple[str, ...]
    department_rows: tuple[tuple[str, ...], ...]
    budget: TrainingBudget


def _number(value: float) -> str:
    return f"{value:.2f}"


def _action(line: BudgetLine) -> str:
    cause = line.main_cause
    if cause is None:
        return "none: met"
    if cause is Cause.ASK and line.colleagues:
        who = "colleague" if line.colleagues == 1 else "colleagues"
        return f"ask the {line.colleagues} {who} who could teach it"
    return ACTIONS[cause]


def _figures(line: BudgetLine) -> list[str]:
    return ([str(line.wants), _number(line.demand), _number(line.met)]
            + [_number(line.unmet[cause]) for cause in Cause])


def budget_table(budget: TrainingBudget, taxonomy: Taxonomy) -> BudgetTable:
    """Return the budget's cells, skills and departments most unmet first."""
    figures = ["Wants", "Demand", "Met", *CAUSE_HEADS.values()]

    def name(skill: str) -> str:
        try:
            return taxonomy.name(skill)
        except KeyError:  # a skill since removed from the taxonomy
            return skill

    skill_rows = tuple(
        (name(line.key), *_figures(line), str(line.colleagues), _action(line))
        for line in budget.skills)
    department_rows = tuple(
        (line.key or _NO_DEPARTMENT, *_figures(line), _action(line))
        for line in budget.departments)
    return BudgetTable(("Skill", *figures, "Colleagues", "Main action"), skill_rows,
                       ("Department", *figures, "Main action"), department_rows, budget)


def _text_table(heads: Sequence[str], rows: Sequence[Sequence[str]]) -> list[str]:
    widths = [max([len(h)] + [len(r[i]) for r in rows]) for i, h in enumerate(heads)]
    # Names and the action left-aligned, figures right-aligned.
    align = ["<" if i in (0, len(heads) - 1) else ">" for i in range(len(heads))]
    line = "  ".join(f"{{:{a}{w}}}" for a, w in zip(align, widths, strict=True))
    return [line.format(*heads).rstrip(), line.format(*("-" * w for w in widths)).rstrip()] + [
        line.format(*row).rstrip() for row in rows]


def budget_lines(table: BudgetTable, *, limit: int | None = None) -> list[str]:
    """Return the budget as terminal lines: a legend, the skills (first `limit`), departments."""
    lines = ["Training budget (weighted by want rank: 1st want 1, 2nd 1/2, 3rd 1/3 ...; "
             "unmet demand by cause, most unmet first):"]
    if not table.skill_rows:
        return [*lines, "  (nobody wants to learn anything)"]
    rows = table.skill_rows if limit is None else table.skill_rows[:limit]
    lines += ["  " + row for row in _text_table(table.skill_heads, rows)]
    if limit is not None and len(table.skill_rows) > limit:
        lines.append(f"  … {len(table.skill_rows) - limit} more skills (the CSV lists all)")
    lines += ["", "  By department (of the learner):"]
    lines += ["  " + row for row in _text_table(table.department_heads, table.department_rows)]
    lines += ["", "  Causes: " + "; ".join(f"{CAUSE_HEADS[c].lower()}: {ACTIONS[c]}"
                                           for c in Cause)]
    return lines


def budget_csv(table: BudgetTable) -> str:
    """Return the budget as CSV: one row per skill, then one per department (column scope)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["scope", "name", *table.skill_heads[1:]])
    for row in table.skill_rows:
        writer.writerow([spreadsheet_safe(c) for c in ("skill", *row)])
    for row in table.department_rows:
        head, *rest = row
        writer.writerow([spreadsheet_safe(c) for c in ("department", head, *rest[:-1], "",
                                                       rest[-1])])
    return out.getvalue()


def pool_budget(profiles: Sequence[Profile], pairs: Sequence[tuple[str, str]],
                settings: MatchSettings, departments: Mapping[str, str],
                taxonomy: Taxonomy) -> BudgetTable:
    """Return the budget table of an engine run (the CLI's `match`)."""
    return budget_table(training_budget(profiles, pairs, settings=settings,
                                        departments=departments), taxonomy)

"""Render a match result for people: a terminal table, a spreadsheet CSV or JSON."""

from __future__ import annotations

import csv
import io
import json
import textwrap
from collections.abc import Mapping

from matching import MatchResult, Mode, Taxonomy
from mentorship.rounds.budget import BudgetTable, budget_lines

__all__ = ["render_csv", "render_json", "render_table"]

_SKILL_ROWS = 12


def render_json(result: MatchResult) -> str:
    """Return the JSON interchange form, indented."""
    return json.dumps(result.to_dict(), indent=2) + "\n"


def render_csv(result: MatchResult, names: Mapping[str, str]) -> str:
    """Return one pair per row, for a spreadsheet."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    if result.mode is Mode.MENTOR:
        writer.writerow(["mentor_email", "mentor_name", "mentee_email", "mentee_name", "score",
                         "locked", "reasons", "alternatives"])
        for pair in result.pairs:
            writer.writerow([
                pair.mentor, names.get(pair.mentor, ""), pair.mentee, names.get(pair.mentee, ""),
                f"{pair.score:.3f}", "yes" if pair.locked else "", "; ".join(pair.reasons),
                "; ".join(f"{m} ({s:.3f})" for m, s in pair.alternatives),
            ])
    else:
        # A circle of three fills person_c (in teaching order: a teaches b teaches c teaches a).
        writer.writerow(["person_a_email", "person_a_name", "person_b_email", "person_b_name",
                         "person_c_email", "person_c_name", "score", "locked", "reasons"])
        for pair in result.pairs:
            third = pair.third or ""
            writer.writerow([
                pair.mentor, names.get(pair.mentor, ""), pair.mentee, names.get(pair.mentee, ""),
                third, names.get(third, ""), f"{pair.score:.3f}", "yes" if pair.locked else "",
                "; ".join(pair.reasons),
            ])
    return out.getvalue()


def _table(headers: list[str], rows: list[list[str]]) -> list[str]:
    widths = [max([len(h)] + [len(r[i]) for r in rows]) for i, h in enumerate(headers)]
    line = "  ".join(f"{{:<{w}}}" for w in widths)
    return [line.format(*headers).rstrip(), line.format(*("-" * w for w in widths)).rstrip()] + [
        line.format(*row).rstrip() for row in rows
    ]


def render_table(result: MatchResult, names: Mapping[str, str], taxonomy: Taxonomy, *,
                 budget: BudgetTable | None = None) -> str:
    """Return a readable report: pairs with their main reasons, the unmatched, a summary and,
    given one, the training budget (its first skills)."""

    def who(person: str) -> str:
        return f"{names.get(person, person)} <{person}>"

    lines: list[str] = []
    summary = result.summary
    if result.mode is Mode.MENTOR:
        lines.append(f"Mentor mode: {summary['matched']} of {summary['mentees_seeking']} mentees "
                     f"matched with {summary['mentors_offering']} mentors")
        headers = ["Mentee", "Mentor", "Score", "Why"]
        first, second = "mentee", "mentor"
    else:
        circles = summary.get("circles", 0)
        lines.append(f"Peer mode: {summary['pairs']} pairs"
                     + (f" and {circles} circles of three" if circles else "")
                     + f" of {summary['people']} people")
        headers = ["Peer", "Peer", "Score", "Why"]
        first, second = "mentor", "mentee"
    lines.append("")
    rows = []
    for pair in result.pairs:
        reasons = textwrap.shorten("; ".join(pair.reasons), width=80, placeholder=" ...")
        second_names = [names.get(getattr(pair, second), getattr(pair, second))]
        if pair.third is not None:  # a circle: the second column holds its other two
            second_names.append(names.get(pair.third, pair.third))
        rows.append([names.get(getattr(pair, first), getattr(pair, first)),
                     ", ".join(second_names), f"{pair.score:.3f}", reasons])
    lines += _table(headers, rows) if rows else ["(no pairs)"]

    titles = {"mentee": "Mentees without a mentor", "mentor": "Mentors without mentees",
              "peer": "People without a partner"}
    for side, title in titles.items():
        left_out = [u for u in result.unmatched if u.side == side]
        if left_out:
            lines += ["", f"{title} ({len(left_out)}):"]
            lines += [f"  {who(u.id)}: {u.reason}" for u in left_out]

    lines += ["", "Summary:"]
    for key, value in summary.items():
        if isinstance(value, dict):
            value = ", ".join(f"{k} {v}" for k, v in value.items())
        lines.append(f"  {key.replace('_', ' ')}: {value}")

    if budget is not None:
        lines += ["", *budget_lines(budget, limit=_SKILL_ROWS)]
    return "\n".join(lines) + "\n"

"""Render a match result for people: a terminal table, a spreadsheet CSV or JSON."""

from __future__ import annotations

import csv
import io
import json
import textwrap
from collections.abc import Mapping
from typing import Any

from matching import MatchResult, Mode, Taxonomy
from matching.explain import LEGACY, render, shown
from mentorship.core.jsontext import to_json
from mentorship.rounds.budget_table import BudgetTable, budget_lines

__all__ = ["reason_codes_cell", "render_csv", "render_json", "render_table"]

_SKILL_ROWS = 12


def _namer(names: Mapping[str, str]):
    """Name a person of the file by their name, else by their email."""
    return lambda email: names.get(email) or email


def reason_codes_cell(reasons: list[dict[str, Any]]) -> str:
    """Return reasons as a CSV cell carries their codes: compact JSON, without the rendered
    text (which the reasons column holds), except for an old string reason, whose text is it."""
    return json.dumps([{k: v for k, v in r.items() if k != "text" or r["code"] == LEGACY}
                       for r in reasons], ensure_ascii=False, separators=(",", ":"))


def render_json(result: MatchResult, names: Mapping[str, str] | None = None,
                taxonomy: Taxonomy | None = None) -> str:
    """Return the JSON interchange form, indented, each reason with its code and its text
    (orjson, `to_json`: a large round's report is megabytes)."""
    data = result.to_dict()
    words = {"taxonomy": taxonomy, "person_name": _namer(names or {})}
    for pair in data["pairs"]:
        pair["reasons"] = [shown(r, **words) for r in pair["reasons"]]
    for entry in data["unmatched"]:
        entry["reason"] = shown(entry["reason"], **words)
        entry["details"] = [shown(d, **words) for d in entry["details"]]
    return to_json(data, indent=True) + "\n"


def render_csv(result: MatchResult, names: Mapping[str, str],
               taxonomy: Taxonomy | None = None) -> str:
    """Return one pair per row, for a spreadsheet: reasons as text and as codes."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    person_name = _namer(names)

    def texts(pair) -> str:
        return "; ".join(render(r, taxonomy=taxonomy, person_name=person_name)
                         for r in pair.reasons)

    if result.mode is Mode.MENTOR:
        writer.writerow(["mentor_email", "mentor_name", "mentee_email", "mentee_name", "score",
                         "locked", "reasons", "alternatives", "reason_codes"])
        for pair in result.pairs:
            writer.writerow([
                pair.mentor, names.get(pair.mentor, ""), pair.mentee, names.get(pair.mentee, ""),
                f"{pair.score:.3f}", "yes" if pair.locked else "", texts(pair),
                "; ".join(f"{m} ({s:.3f})" for m, s in pair.alternatives),
                reason_codes_cell(list(pair.reasons)),
            ])
    else:
        # A circle of three fills person_c (in teaching order: a teaches b teaches c teaches a).
        writer.writerow(["person_a_email", "person_a_name", "person_b_email", "person_b_name",
                         "person_c_email", "person_c_name", "score", "locked", "reasons",
                         "reason_codes"])
        for pair in result.pairs:
            third = pair.third or ""
            writer.writerow([
                pair.mentor, names.get(pair.mentor, ""), pair.mentee, names.get(pair.mentee, ""),
                third, names.get(third, ""), f"{pair.score:.3f}", "yes" if pair.locked else "",
                texts(pair), reason_codes_cell(list(pair.reasons)),
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

    def text(value) -> str:
        return render(value, taxonomy=taxonomy, person_name=_namer(names))

    lines: list[str] = []
    summary = result.summary
    if result.mode is Mode.MENTOR:
        lines.append(f"Mentor mode: {summary['matched']} of {summary['mentees_seeking']} mentees "
                     f"matched with {summary['mentors_offering']} mentors")
        headers = ["Mentee", "Mentor", "Score", "Close call", "Why"]
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
        # A close call gets its own column (who else fits, and how well); the rest is the Why.
        close = next((r for r in pair.reasons if r["code"] == "close_call"), None)
        reasons = textwrap.shorten("; ".join(text(r) for r in pair.reasons if r is not close),
                                   width=80, placeholder=" ...")
        second_names = [names.get(getattr(pair, second), getattr(pair, second))]
        if pair.third is not None:  # a circle: the second column holds its other two
            second_names.append(names.get(pair.third, pair.third))
        row = [names.get(getattr(pair, first), getattr(pair, first)), ", ".join(second_names),
               f"{pair.score:.3f}"]
        if result.mode is Mode.MENTOR:
            row.append(f"{names.get(close['other'], close['other'])} ({close['other_score']:.3f})"
                       if close else "")
        rows.append([*row, reasons])
    lines += _table(headers, rows) if rows else ["(no pairs)"]

    titles = {"mentee": "Mentees without a mentor",
              "mentor": "Mentor offers with a free place, and people taking part in neither way",
              "peer": "People without a partner"}
    for side, title in titles.items():
        left_out = [u for u in result.unmatched if u.side == side]
        if left_out:
            lines += ["", f"{title} ({len(left_out)}):"]
            for u in left_out:
                lines.append(f"  {who(u.id)}: {text(u.reason)}")
                lines += [f"    - {text(d)}" for d in u.details]

    lines += ["", "Summary:"]
    for key, value in summary.items():
        if isinstance(value, dict):
            value = ", ".join(f"{k} {v}" for k, v in value.items())
        lines.append(f"  {key.replace('_', ' ')}: {value}")

    if budget is not None:
        lines += ["", *budget_lines(budget, limit=_SKILL_ROWS)]
    return "\n".join(lines) + "\n"

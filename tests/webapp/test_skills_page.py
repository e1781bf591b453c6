"""The Skills page: the newest round's training budget, then skills in force by category with
know, want and teach counts (tests/webapp/test_training_budget.py checks the budget itself)."""

from __future__ import annotations

import re

import pytest

from mentorship.profiles.operations import register_person
from tests.webapp.conftest import email

#: A second learner of MARC 21, who joined after the seeded round "Spring" was computed.
EXTRA = {"learner": {"name": "Lou Learner", "department": "Systems", "role": "mentee",
                     "skills": "MARC 21=3", "learn": "MARC 21", "goals": "Learn MARC"}}


@pytest.fixture(scope="module", autouse=True)
def extra_learner(app, ids, taxonomy):
    with app.extensions["mentorship.sessions"]() as db:
        for who, fields in EXTRA.items():
            register_person(db, None, {"email": email(who), **fields}, taxonomy)
        db.commit()


def counts_table(html: str) -> str:
    """The table of people counts (the budget's tables come before it)."""
    return re.search(r'<table class="data" id="skill-counts">.*?</table>', html, re.S).group(0)


def row_of(html: str, skill: str) -> list[str]:
    """The numbers in a skill's row of the counts: know, want, teach."""
    html = counts_table(html)
    row = re.search(rf'<th scope="row">{re.escape(skill)}</th>(.*?)</tr>', html, re.S).group(1)
    return re.findall(r'<td class="number">(?:<strong>)?(\d+)', row)


def categories(html: str) -> list[str]:
    return re.findall(r'<th scope="rowgroup" colspan="4" class="category">([^<]+?)\s*<',
                      counts_table(html))


def test_the_page_is_for_coordinators_only(as_role):
    assert as_role("coordinator").get("/coordinator/skills").status_code == 200
    assert as_role("admin").get("/coordinator/skills").status_code == 200
    assert as_role("staff").get("/coordinator/skills").status_code == 403
    anonymous = as_role(None).get("/coordinator/skills")
    assert anonymous.status_code == 303 and "/sign-in" in anonymous.headers["Location"]


def test_counts_of_know_want_and_teach(as_role):
    html = as_role("coordinator").get("/coordinator/skills").get_data(as_text=True)
    # The mentor (level 4) teaches MARC 21; the mentee and the extra learner want it, and the
    # learner's level 3 counts as knowing it.
    assert row_of(html, "MARC 21") == ["2", "2", "1"]
    assert row_of(html, "RDA") == ["1", "0", "1"]
    assert row_of(html, "BIBFRAME") == ["0", "1", "0"]
    assert not re.search(r"\sstyle=|<script", html)


def test_skills_are_grouped_by_category_in_taxonomy_order(as_role, taxonomy):
    html = as_role("coordinator").get("/coordinator/skills").get_data(as_text=True)
    assert categories(html) == [category.name for category in taxonomy.categories]
    first = taxonomy.categories[0]
    names = re.findall(r'<th scope="row">([^<]+)</th>', counts_table(html))
    assert names[:len(first.skill_ids)] == [taxonomy.skills[s].name for s in first.skill_ids]


def test_the_budget_is_the_newest_rounds(as_role, ids):
    html = as_role("coordinator").get("/coordinator/skills").get_data(as_text=True)
    assert "Training budget: Spring" in html
    assert f'href="/coordinator/skills/budget.csv?round={ids["round"]}"' in html
    # Spring met the mentee's MARC 21; nobody has BIBFRAME, which Sam wants. Lou came later.
    budget = re.search(r'<table class="data" id="budget-skills">.*?</table>', html, re.S).group(0)
    rows = re.findall(r'<th scope="row">([^<]+)</th>((?:<td[^>]*>[^<]*</td>)+)', budget)
    cells = {name: re.findall(r">([^<]*)</td>", rest) for name, rest in rows}
    assert cells["BIBFRAME"][:3] == ["1", "1.00", "0.00"] and cells["BIBFRAME"][-1] == "buy training"
    assert cells["MARC 21"][:3] == ["1", "1.00", "1.00"] and cells["MARC 21"][-1] == "none: met"

"""The training-gap page: skills in force by category, with know, want, teach and gap counts."""

from __future__ import annotations

import re

import pytest

from mentorship.profiles.operations import register_person
from tests.webapp.conftest import email

#: A second learner of MARC 21, so that its one teacher (the seeded mentor) leaves a gap of 1.
EXTRA = {"learner": {"name": "Lou Learner", "department": "Systems", "role": "mentee",
                     "skills": "MARC 21=3", "learn": "MARC 21", "goals": "Learn MARC"}}


@pytest.fixture(scope="module", autouse=True)
def extra_learner(app, ids, taxonomy):
    with app.extensions["mentorship.sessions"]() as db:
        for who, fields in EXTRA.items():
            register_person(db, None, {"email": email(who), **fields}, taxonomy)
        db.commit()


def row_of(html: str, skill: str) -> list[str]:
    """The numbers in a skill's row: know, want, teach, gap."""
    row = re.search(rf'<th scope="row">{re.escape(skill)}</th>(.*?)</tr>', html, re.S).group(1)
    return re.findall(r'<td class="number">(?:<strong>)?(\d+)', row)


def categories(html: str) -> list[str]:
    return re.findall(r'<th scope="rowgroup" colspan="5" class="category">([^<]+?)\s*<', html)


def test_the_page_is_for_coordinators_only(as_role):
    assert as_role("coordinator").get("/coordinator/skills").status_code == 200
    assert as_role("admin").get("/coordinator/skills").status_code == 200
    assert as_role("staff").get("/coordinator/skills").status_code == 403
    anonymous = as_role(None).get("/coordinator/skills")
    assert anonymous.status_code == 303 and "/sign-in" in anonymous.headers["Location"]


def test_counts_of_know_want_teach_and_gap(as_role):
    html = as_role("coordinator").get("/coordinator/skills").get_data(as_text=True)
    # The mentor (level 4) teaches MARC 21; the mentee and the extra learner want it, and the
    # learner's level 3 counts as knowing it.
    assert row_of(html, "MARC 21") == ["2", "2", "1", "1"]
    assert row_of(html, "RDA") == ["1", "0", "1", "0"]
    assert row_of(html, "BIBFRAME") == ["0", "1", "0", "1"]
    assert re.search(r"<strong>(BIBFRAME|MARC 21)</strong>.*?a gap of 1", html, re.S)
    assert not re.search(r"\sstyle=|<script", html)


def test_skills_are_grouped_by_category_in_taxonomy_order(as_role, taxonomy):
    html = as_role("coordinator").get("/coordinator/skills").get_data(as_text=True)
    assert categories(html) == [category.name for category in taxonomy.categories]
    first = taxonomy.categories[0]
    names = re.findall(r'<th scope="row">([^<]+)</th>', html)
    assert names[:len(first.skill_ids)] == [taxonomy.skills[s].name for s in first.skill_ids]


def test_sorting_by_gap_puts_the_biggest_gaps_first(as_role, taxonomy):
    html = as_role("coordinator").get("/coordinator/skills?sort=gap").get_data(as_text=True)
    # Every gap is in the metadata standards: MARC 21 (2 want, 1 teaches), BIBFRAME (1 wants).
    assert categories(html)[0] == taxonomy.categories[1].name == "Metadata standards"
    assert "(gap 2 in all)" in html
    assert re.findall(r'<th scope="row">([^<]+)</th>', html)[:2] == ["MARC 21", "BIBFRAME"]
    assert 'aria-sort="descending"' in html
    assert re.search(r'href="/coordinator/skills\?sort=gap#all-skills" aria-current="true"', html)
    unknown = as_role("coordinator").get("/coordinator/skills?sort=nonsense")
    assert unknown.status_code == 200
    assert 'aria-sort="descending"' not in unknown.get_data(as_text=True)

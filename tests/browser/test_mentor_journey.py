"""A mentor's journey: sign in, see the mentee and why, decline; the mentee gets a new mentor."""

from __future__ import annotations

from playwright.sync_api import expect

from mentorship.profiles.operations import register_person
from tests.browser.conftest import check_accessibility, sign_in


def test_mentor_declines_and_the_mentee_sees_a_new_mentor(new_page, db_sessions, live_ids, taxonomy,
                                                           screenshot):
    # A second mentor who teaches MARC 21, free to take the mentee once the pair is declined.
    with db_sessions() as db:
        register_person(db, None, {"email": "noor.second@example.org", "name": "Noor Second",
                                   "role": "mentor", "skills": "MARC 21=3", "teach": "MARC 21"},
                        taxonomy)
        db.commit()

    mentor = new_page()
    sign_in(mentor, "mentor")
    expect(mentor).to_have_url("/matches")
    expect(mentor.get_by_role("heading", name="My matches", level=1)).to_be_visible()
    card = mentor.locator("article.card", has=mentor.get_by_role("heading", name="Eli Mentee"))
    expect(card).to_contain_text("Your mentee")
    expect(card).to_contain_text("Learn original cataloguing")
    expect(card.locator(".reasons")).to_contain_text("MARC 21 (want 1): mentor expert (4), mentee aware (1)")
    check_accessibility(mentor)
    screenshot(mentor, "my-matches")

    card.get_by_role("link", name="Decline Eli Mentee").click()
    expect(mentor).to_have_url(f"/matches/{live_ids['match']}/decline")
    expect(mentor.get_by_role("heading", level=1)).to_have_text("Decline your pair with Eli Mentee")
    check_accessibility(mentor)
    mentor.get_by_label("Why are you declining? (optional)").fill("I am moving to another team.")
    screenshot(mentor, "decline")
    mentor.get_by_role("button", name="Decline the pair").click()
    expect(mentor).to_have_url("/matches")
    expect(mentor.get_by_role("status")).to_contain_text("You declined the pair.")
    expect(mentor.get_by_role("heading", name="Eli Mentee")).to_have_count(0)
    check_accessibility(mentor)

    mentee = new_page()
    sign_in(mentee, "mentee")
    expect(mentee).to_have_url("/matches")
    card = mentee.locator("article.card", has=mentee.get_by_role("heading", name="Noor Second"))
    expect(card).to_contain_text("Your mentor")
    expect(card).to_contain_text("noor.second@example.org")
    expect(card.locator(".reasons")).to_contain_text("MARC 21")
    expect(mentee.get_by_role("heading", name="Mina Mentor")).to_have_count(0)
    check_accessibility(mentee)
    screenshot(mentee, "my-matches-mentee")

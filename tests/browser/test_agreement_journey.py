"""After the match: a mentor accepts, the mentee proposes the agreement (fixing a date first),
the mentor confirms it, and both see the pair active with its history.

The journey makes its own pair in a published round of its own (not through a preview, which
would pair the other journeys' people), so it runs in any order beside them.
"""

from __future__ import annotations

from datetime import UTC, datetime

from playwright.sync_api import expect

from mentorship.people.accounts import set_password
from mentorship.profiles.operations import register_person
from mentorship.programmes.queries import default_programme
from mentorship.rounds.models import Agreement, Match, MatchStatus, Round, RoundStatus
from tests.browser.conftest import check_accessibility, sign_in
from tests.conftest import AGREEMENT_END, AGREEMENT_START
from tests.webapp.conftest import PASSWORD


def test_accept_propose_confirm_and_the_pair_is_active(new_page, db_sessions, taxonomy,
                                                       screenshot):
    with db_sessions() as db:
        mentor = register_person(db, None, {
            "email": "ada.agree@example.org", "name": "Ada Agree", "role": "mentor",
            "skills": "DSpace=4", "teach": "DSpace", "format_preference": "remote"}, taxonomy)
        mentee = register_person(db, None, {
            "email": "ben.agree@example.org", "name": "Ben Agree", "role": "mentee",
            "skills": "DSpace=1", "learn": "DSpace", "goals": "Run our repository",
            "format_preference": "either"}, taxonomy)
        for person in (mentor, mentee):
            set_password(db, None, person.id, PASSWORD)
        summer = Round(name="Summer", status=RoundStatus.PUBLISHED, published_at=datetime.now(UTC),
                       programme_id=default_programme(db).id)
        db.add(summer)
        db.flush()
        pair = Match(round_id=summer.id, mentor_id=mentor.id, mentee_id=mentee.id, score=0.5)
        db.add(pair)
        db.commit()
        match_id = pair.id

    ada = new_page()
    sign_in(ada, "ada.agree@example.org")
    card = ada.locator("article.card", has=ada.get_by_role("heading", name="Ben Agree"))
    card.get_by_role("button", name="Accept Ben Agree").click()
    expect(ada.get_by_role("status")).to_contain_text("You accepted the pair.")
    card = ada.locator("article.card", has=ada.get_by_role("heading", name="Ben Agree"))
    expect(card).to_contain_text("Mentoring agreement: not yet proposed.")

    ben = new_page()
    sign_in(ben, "ben.agree@example.org")
    ben.get_by_role("link", name="The pair’s agreement and history with Ada Agree").click()
    expect(ben).to_have_url(f"/matches/{match_id}")
    expect(ben.locator(".timeline")).to_contain_text("Ada Agree accepted")
    check_accessibility(ben)
    ben.get_by_role("link", name="Propose an agreement").click()
    expect(ben.get_by_label("Goals")).to_have_value("Learn DSpace\nRun our repository")
    ben.get_by_label("Every two weeks").check()
    ben.get_by_label("Hybrid").check()
    ben.get_by_label("Start date").fill("2027-03-01")
    ben.get_by_label("End date").fill("2027-02-01")
    ben.get_by_role("button", name="Propose the agreement").click()
    expect(ben.locator("#end_date-error")).to_contain_text(
        "the end date must be after the start date")
    expect(ben.get_by_label("End date")).to_have_attribute("aria-invalid", "true")
    check_accessibility(ben)
    ben.get_by_label("End date").fill("2027-08-31")
    screenshot(ben, "agreement")
    ben.get_by_role("button", name="Propose the agreement").click()
    expect(ben.get_by_role("status")).to_contain_text("Your agreement is proposed")
    expect(ben.get_by_role("button", name="Confirm the agreement")).to_have_count(0)

    ada.goto(f"/matches/{match_id}")
    expect(ada.locator("dl")).to_contain_text("Every two weeks")
    ada.get_by_role("button", name="Confirm the agreement").click()
    expect(ada.get_by_role("status")).to_contain_text("You confirmed the agreement.")
    expect(ada.locator(".lead .tag")).to_have_text("active")
    expect(ada.locator(".timeline")).to_contain_text("Active: the agreement is confirmed")
    check_accessibility(ada)
    screenshot(ada, "pair-active")

    ben.reload()
    expect(ben.locator(".lead .tag")).to_have_text("active")
    expect(ben.locator(".timeline")).to_contain_text("You proposed the agreement (version 1)")
    expect(ben.locator(".timeline")).to_contain_text("Ada Agree confirmed the agreement")
    # At a phone's width the pair's page, the agreement form and My matches never scroll sideways.
    ben.set_viewport_size({"width": 375, "height": 800})
    for path in (f"/matches/{match_id}", f"/matches/{match_id}/agreement", "/matches"):
        ben.goto(path)
        assert ben.evaluate("document.documentElement.scrollWidth") <= 375, path


def test_long_unbroken_text_wraps_on_a_phone(new_page, db_sessions, taxonomy):
    unbroken = "x" * 4000  # a pasted link or a word with no space: it wraps, never scrolls
    with db_sessions() as db:
        mentor = register_person(db, None, {
            "email": "cy.long@example.org", "name": "Cy Long", "role": "mentor",
            "skills": "DSpace=4", "teach": "DSpace"}, taxonomy)
        mentee = register_person(db, None, {
            "email": "di.long@example.org", "name": "Di Long", "role": "mentee",
            "skills": "DSpace=1", "learn": "DSpace", "goals": unbroken}, taxonomy)
        for person in (mentor, mentee):
            set_password(db, None, person.id, PASSWORD)
        autumn = Round(name="Autumn long", status=RoundStatus.PUBLISHED,
                       published_at=datetime.now(UTC), programme_id=default_programme(db).id)
        db.add(autumn)
        db.flush()
        pair = Match(round_id=autumn.id, mentor_id=mentor.id, mentee_id=mentee.id, score=0.5,
                     status=MatchStatus.ACCEPTED)
        db.add(pair)
        db.flush()
        db.add(Agreement(match_id=pair.id, goals=unbroken, frequency="monthly",
                         meeting_format="hybrid", start_date=AGREEMENT_START,
                         end_date=AGREEMENT_END, proposed_by_id=mentee.id))
        db.commit()
        match_id = pair.id

    cy = new_page()
    sign_in(cy, "cy.long@example.org")
    cy.set_viewport_size({"width": 375, "height": 800})
    for path in (f"/matches/{match_id}", "/matches"):
        cy.goto(path)
        expect(cy.locator("h1")).to_be_visible()
        assert cy.evaluate("document.documentElement.scrollWidth") <= 375, path

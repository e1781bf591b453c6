"""After the match: a mentee asks for help in a check-in, the coordinator sees it on Health,
the round closes and the mentee answers the survey and updates their level."""

from __future__ import annotations

from playwright.sync_api import Page, expect
from sqlalchemy import select

from mentorship.people.models import Person
from mentorship.profiles.models import ProfileSkill
from mentorship.profiles.operations import register_person
from mentorship.rounds.models import Match
from mentorship.rounds.operations import close_round, create_round, publish_round
from mentorship.rounds.pairs import accept_match
from mentorship.rounds.run import preview_round
from tests.browser.conftest import check_accessibility, sign_in

NARROW = {"width": 375, "height": 800}


def assert_no_sideways_scroll(page: Page) -> None:
    """At 375 px wide the page fits: nothing makes the window scroll sideways."""
    page.set_viewport_size(NARROW)
    width = page.evaluate("() => document.documentElement.scrollWidth")
    assert width <= NARROW["width"], f"{page.url} is {width} px wide at {NARROW['width']} px"
    page.set_viewport_size({"width": 1280, "height": 900})


def test_a_check_in_asks_for_help_and_the_survey_updates_the_level(
        new_page, db_sessions, taxonomy, screenshot):
    with db_sessions() as db:
        teacher = register_person(db, None, {
            "email": "rae.teacher@example.org", "name": "Rae Teacher", "role": "mentor",
            "skills": "SPARQL=4", "teach": "SPARQL", "goals": "Share linked data"}, taxonomy)
        learner = register_person(db, None, {
            "email": "tam.learner@example.org", "name": "Tam Learner", "role": "mentee",
            "learn": "SPARQL", "goals": "Query Wikidata"}, taxonomy)
        summer = create_round(db, None, "Summer")
        preview_round(db, None, summer.id, taxonomy=taxonomy)
        publish_round(db, None, summer.id)
        match = db.scalar(select(Match).where(Match.round_id == summer.id,
                                              Match.mentee_id == learner.id))
        assert match.mentor_id == teacher.id
        accept_match(db, learner, match.id)
        db.commit()
        round_id, match_id = summer.id, match.id
    with db_sessions() as db:
        password = "correct horse battery staple"
        from mentorship.people.accounts import set_password
        for person_id in (teacher.id, learner.id):
            set_password(db, None, person_id, password)
        db.commit()

    mentee = new_page()
    sign_in(mentee, "tam.learner@example.org", password)
    expect(mentee).to_have_url("/matches")
    banner = mentee.get_by_role("region", name="Check-in: how is it going with Rae Teacher?")
    expect(banner).to_be_visible()
    check_accessibility(mentee)
    assert_no_sideways_scroll(mentee)
    banner.get_by_label("A note for your coordinator (optional)").fill("We cannot find a time.")
    screenshot(mentee, "check-in")
    banner.get_by_role("button", name="We need help").click()
    expect(mentee.get_by_role("status")).to_contain_text("your check-in is recorded")
    expect(mentee.get_by_role("region", name="Check-in: how is it going with Rae Teacher?")
           ).to_have_count(0)

    coordinator = new_page()
    sign_in(coordinator, "coordinator", then="/coordinator/health")
    expect(coordinator.get_by_role("heading", name="Programme health", level=1)).to_be_visible()
    attention = coordinator.locator("#attention")
    expect(attention).to_contain_text("Rae Teacher and Tam Learner")
    expect(attention).to_contain_text("asked for help")
    expect(attention).to_contain_text("We cannot find a time.")
    check_accessibility(coordinator)
    screenshot(coordinator, "programme-health")
    assert_no_sideways_scroll(coordinator)

    with db_sessions() as db:
        close_round(db, None, round_id)
        db.commit()
    mentee.goto("/matches")
    survey = mentee.get_by_role("region", name="Your pair with Rae Teacher has ended")
    survey.get_by_role("link", name="Answer the survey").click()
    expect(mentee).to_have_url(f"/matches/{match_id}/feedback")
    check_accessibility(mentee)
    mentee.get_by_role("button", name="Send my feedback").click()
    expect(mentee.locator("#rating-error")).to_be_visible()     # no rating, no yes or no
    check_accessibility(mentee)
    mentee.get_by_role("group", name="How would you rate the pair").get_by_label("4").check()
    mentee.get_by_label("What worked? (optional)").fill("Weekly queries together")
    mentee.get_by_role("group", name="Would you be mentored again?").get_by_label("Yes").check()
    mentee.get_by_label("SPARQL").select_option("2")
    mentee.get_by_label("Yes, update my profile with these levels").check()
    screenshot(mentee, "feedback")
    assert_no_sideways_scroll(mentee)
    mentee.get_by_role("button", name="Send my feedback").click()
    expect(mentee).to_have_url("/matches")
    expect(mentee.get_by_role("status")).to_contain_text("Your profile has your new levels.")
    with db_sessions() as db:
        tam = db.scalar(select(Person).where(Person.email == "tam.learner@example.org"))
        assert db.get(ProfileSkill, (tam.id, "sparql")).level == 2

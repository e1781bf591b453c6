"""A choice round's journey: the coordinator opens the window, a mentee requests a suggested
mentor, the mentor accepts, the window closes and the fill is published."""

from __future__ import annotations

from playwright.sync_api import expect

from mentorship.profiles.operations import register_person
from mentorship.rounds.operations import create_round
from tests.browser.conftest import check_accessibility, sign_in
from tests.webapp.conftest import PASSWORD

# Two DSpace mentors with one place each and two mentees who want DSpace (a skill nobody else
# in the live database teaches or wants): one mentee chooses, the fill places the other.
PEOPLE = [
    {"email": "greta.guide@repo.example.org", "name": "Greta Guide", "role": "mentor",
     "capacity": "1", "skills": "DSpace=4", "teach": "DSpace",
     "goals": "Help colleagues run DSpace upgrades", "department": "Repository"},
    {"email": "hugo.helper@repo.example.org", "name": "Hugo Helper", "role": "mentor",
     "capacity": "1", "skills": "DSpace=3", "teach": "DSpace",
     "goals": "Share what I learnt migrating to DSpace 7", "department": "Digital Collections"},
    {"email": "ines.intern@repo.example.org", "name": "Ines Intern", "role": "mentee",
     "skills": "DSpace=0", "learn": "DSpace", "goals": "Deposit theses in DSpace",
     "department": "Scholarly Communication"},
    {"email": "jon.junior@repo.example.org", "name": "Jon Junior", "role": "mentee",
     "skills": "DSpace=1", "learn": "DSpace", "goals": "Configure DSpace submission forms",
     "department": "Systems"},
]
ROUND_NAME = "Repository choice"


def test_mentee_chooses_mentor_accepts_window_closes_fill_is_published(
        new_page, db_sessions, taxonomy, screenshot):
    from mentorship.people.accounts import set_password

    with db_sessions() as db:
        for fields in PEOPLE:
            person = register_person(db, None, fields, taxonomy)
            set_password(db, None, person.id, PASSWORD)
        round_id = create_round(db, None, ROUND_NAME,
                                settings={"selection": "choice", "accept_days": 5}).id
        db.commit()

    coordinator = new_page()
    sign_in(coordinator, "coordinator", then=f"/coordinator/rounds/{round_id}")
    expect(coordinator.get_by_role("heading", name="Mentees choose")).to_be_visible()
    coordinator.get_by_role("button", name="Open the choice window").click()
    expect(coordinator.get_by_role("status")).to_contain_text("choice window")
    expect(coordinator.locator(".lead .tag")).to_have_text("choosing")
    check_accessibility(coordinator)

    mentee = new_page()
    sign_in(mentee, "ines.intern@repo.example.org")
    expect(mentee.get_by_role("heading", name="Choose your mentor")).to_be_visible()
    mentee.get_by_role("link", name="See your suggested mentors").click()
    expect(mentee).to_have_url("/matches/choose")
    hugo = mentee.locator("article.card", has=mentee.get_by_role("heading", name="Hugo Helper"))
    expect(hugo).to_contain_text("Share what I learnt migrating to DSpace 7")
    expect(hugo.locator(".reasons")).to_contain_text("DSpace")
    expect(mentee.locator("article.card")).to_have_count(2)
    check_accessibility(mentee)
    screenshot(mentee, "choose-mentor")
    mentee.set_viewport_size({"width": 375, "height": 800})  # a phone: no sideways scroll
    assert mentee.evaluate("document.documentElement.scrollWidth") <= 375
    mentee.set_viewport_size({"width": 1280, "height": 900})
    hugo.get_by_role("button", name="Request Hugo Helper").click()
    expect(mentee.get_by_role("status")).to_contain_text("Your request is sent")
    expect(mentee.get_by_text("You asked Hugo Helper")).to_be_visible()
    expect(mentee.get_by_role("button", name="Request Greta Guide")).to_have_count(0)

    mentor = new_page()
    sign_in(mentor, "hugo.helper@repo.example.org")
    expect(mentor).to_have_url("/matches")
    request = mentor.locator("article.card", has=mentor.get_by_role("heading", name="Ines Intern"))
    expect(request).to_contain_text("Deposit theses in DSpace")
    expect(request).to_contain_text("requested")
    check_accessibility(mentor)
    screenshot(mentor, "mentor-requests")
    mentor.set_viewport_size({"width": 375, "height": 800})
    assert mentor.evaluate("document.documentElement.scrollWidth") <= 375
    mentor.set_viewport_size({"width": 1280, "height": 900})
    request.get_by_role("button", name="Accept Ines Intern").click()
    expect(mentor.get_by_role("status")).to_contain_text("You accepted the request")
    expect(request).to_contain_text("You accepted")

    coordinator.reload()
    window = coordinator.get_by_role("region", name="Choice window")
    expect(window.get_by_role("row", name="Accepted")).to_contain_text("1")
    screenshot(coordinator, "choice-window")
    coordinator.set_viewport_size({"width": 375, "height": 800})
    assert coordinator.evaluate("document.documentElement.scrollWidth") <= 375
    coordinator.set_viewport_size({"width": 1280, "height": 900})
    coordinator.get_by_role("button", name="Close the window and fill").click()
    expect(coordinator.get_by_role("status")).to_contain_text("filled around the accepted pairs")
    expect(coordinator.locator(".lead .tag")).to_have_text("previewed")
    chosen = coordinator.locator("table.pairs tbody tr", has_text="Ines Intern")
    expect(chosen).to_contain_text("Hugo Helper")
    expect(chosen).to_contain_text("accepted")
    filled_in = coordinator.locator("table.pairs tbody tr", has_text="Jon Junior")
    expect(filled_in).to_contain_text("Greta Guide")
    expect(filled_in).to_contain_text("proposed")
    check_accessibility(coordinator)
    coordinator.get_by_role("link", name="Publish the round…").click()
    coordinator.get_by_role("button", name="Publish").click()
    expect(coordinator.locator(".lead .tag")).to_have_text("published")

    mentee.goto("/matches")
    card = mentee.locator("article.card", has=mentee.get_by_role("heading", name="Hugo Helper"))
    expect(card).to_contain_text("Your mentor")
    expect(card).to_contain_text("hugo.helper@repo.example.org")
    filled = new_page()
    sign_in(filled, "jon.junior@repo.example.org")
    expect(filled.locator("article.card", has=filled.get_by_role(
        "heading", name="Greta Guide"))).to_contain_text("Your mentor")

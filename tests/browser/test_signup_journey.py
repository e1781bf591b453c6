"""Someone new signs up through a programme's link: confirms the address from the mail, sets a
password and fills in the profile."""

from __future__ import annotations

import re

from playwright.sync_api import Page, expect
from sqlalchemy import select

from mentorship.mail.models import OutboxMessage
from tests.browser.conftest import check_accessibility, sign_in

NAME, ADDRESS = "Sol Signup", "sol.signup@westbrook.edu"
NEW_PASSWORD = "quiet harbour lantern mosaic"
GOALS = "Learn how our repository handles digital preservation."


def no_sideways_scroll(page: Page) -> bool:
    """Whether the page fits its viewport's width."""
    return page.evaluate("() => document.documentElement.scrollWidth <= window.innerWidth")


def make_signup_link(coordinator: Page) -> str:
    """As a coordinator, make the default programme's link for @westbrook.edu; return it."""
    coordinator.goto("/coordinator/sign-up")
    check_accessibility(coordinator)
    section = coordinator.locator("section", has_text="Library mentoring")
    section.get_by_label("Only addresses at these domains").check()
    section.get_by_label("Email domains").fill("@westbrook.edu")
    section.get_by_role("button", name="Make the sign-up link").click()
    expect(coordinator.locator("#fresh-link")).to_contain_text("shown only this once")
    check_accessibility(coordinator)
    return coordinator.locator("#fresh-link a.token-link").get_attribute("href")


def confirmation_link(db_sessions, address: str) -> str:
    """The link in the newest confirmation mail to the address (read from the outbox)."""
    with db_sessions() as db:
        body = db.scalars(select(OutboxMessage.text_body).where(
            OutboxMessage.email == address, OutboxMessage.kind == "signup_verification")
            .order_by(OutboxMessage.id.desc())).first()
    return re.search(r"(http\S+/sign-up/verify/\S+)", body).group(1)


def test_someone_new_signs_up_through_a_link_confirms_and_fills_in_the_profile(
        new_page, db_sessions, screenshot):
    coordinator = new_page()
    sign_in(coordinator, "coordinator", then="/coordinator/sign-up")
    link = make_signup_link(coordinator)
    assert "/sign-up/" in link

    page = new_page()
    page.goto(link)
    expect(page.get_by_role("heading", level=1)).to_have_text("Sign up for Library mentoring")
    check_accessibility(page)
    page.get_by_label("Your name").fill(NAME)
    page.get_by_label("Email").fill("sol@gmail.com")
    page.get_by_role("button", name="Sign up").click()
    # Refused beside the field, with the domain it takes; the name typed stays.
    expect(page.locator("#email-error")).to_contain_text("addresses ending @westbrook.edu")
    expect(page.get_by_label("Your name")).to_have_value(NAME)
    check_accessibility(page)
    page.get_by_label("Email").fill(ADDRESS)
    page.get_by_role("button", name="Sign up").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Check your mail")
    check_accessibility(page)
    screenshot(page, "sign-up-sent")

    page.goto(confirmation_link(db_sessions, ADDRESS))
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Welcome, {NAME}")
    check_accessibility(page)
    page.get_by_label("New password").fill(NEW_PASSWORD)
    page.get_by_label("The same password again").fill(NEW_PASSWORD)
    page.get_by_role("button", name="Confirm and set password").click()
    expect(page).to_have_url("/profile")
    expect(page.get_by_role("status")).to_contain_text("Your address is confirmed")
    check_accessibility(page)

    page.locator("input[name=role][value=mentee]").check()
    page.locator("#goals").fill(GOALS)
    page.get_by_role("button", name="Save my profile").click()
    expect(page.get_by_role("status")).to_have_text("Your profile is saved.")
    page.reload()
    expect(page.locator("#goals")).to_have_value(GOALS)
    expect(page.locator("input[name=role][value=mentee]")).to_be_checked()

    # The link was used: a second visit says so. The pages fit a phone's width.
    page.set_viewport_size({"width": 375, "height": 800})
    page.goto(confirmation_link(db_sessions, ADDRESS))
    expect(page.get_by_role("heading", level=1)).to_have_text("This link does not work")
    check_accessibility(page)
    assert no_sideways_scroll(page)
    page.goto(link)
    assert no_sideways_scroll(page)
    coordinator.set_viewport_size({"width": 375, "height": 800})
    coordinator.goto("/coordinator/sign-up")
    assert no_sideways_scroll(coordinator)
    screenshot(coordinator, "sign-up-links")

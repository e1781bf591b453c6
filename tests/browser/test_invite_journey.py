"""A new staff member's journey: an invite link, a password, and the profile, by keyboard alone."""

from __future__ import annotations

from playwright.sync_api import Page, expect

from mentorship.profiles.operations import register_person
from tests.browser.conftest import check_accessibility, sign_in

NEWCOMER = {"email": "nia.newcomer@example.org", "name": "Nia Newcomer",
            "department": "Special Collections", "role": "mentee"}
NEW_PASSWORD = "paper lantern orchard velvet"
GOALS = "Learn linked data for our special collections; happy to show people around Alma."


def focused(page: Page, selector: str) -> bool:
    """Whether the element that has the keyboard focus matches a CSS selector."""
    return page.evaluate("s => !!document.activeElement && document.activeElement.matches(s)",
                         selector)


def tab_to(page: Page, selector: str, *, backwards: bool = False, limit: int = 400) -> None:
    """Press Tab (Shift+Tab backwards) until the focus is on an element matching the selector."""
    key = "Shift+Tab" if backwards else "Tab"
    for _ in range(limit):
        if focused(page, selector):
            return
        page.keyboard.press(key)
    raise AssertionError(f"{selector} is not reachable with {key} in {limit} presses")


def arrow_to(page: Page, key: str, selector: str, *, limit: int = 6) -> None:
    """Press an arrow key until the focused control matches (a radio checked, an option chosen)."""
    for _ in range(limit):
        page.keyboard.press(key)
        if focused(page, selector):
            return
    raise AssertionError(f"{key} never reached {selector}")


def invite_link(coordinator: Page) -> str:
    """As a signed-in coordinator, make an invite link for the newcomer on the People page."""
    coordinator.goto("/coordinator/people?q=nia.newcomer")
    check_accessibility(coordinator)
    coordinator.get_by_role("checkbox", name=f"Invite {NEWCOMER['name']}").check()
    coordinator.get_by_role("button", name="Make invite links for the people ticked").click()
    expect(coordinator.get_by_role("heading", name="Invite links", level=1)).to_be_visible()
    check_accessibility(coordinator)
    row = coordinator.locator("#invite-links tbody tr", has_text=NEWCOMER["email"])
    return row.locator("a.invite-link").get_attribute("href")


def test_invited_person_sets_a_password_and_fills_in_the_profile_by_keyboard(
        new_page, db_sessions, live_ids, taxonomy, screenshot):
    with db_sessions() as db:
        register_person(db, None, NEWCOMER, taxonomy)
        db.commit()
    coordinator = new_page()
    sign_in(coordinator, "coordinator", then="/coordinator/people")
    link = invite_link(coordinator)
    assert "/invite/" in link

    page = new_page()
    page.goto(link)
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Welcome, {NEWCOMER['name']}")
    check_accessibility(page)
    screenshot(page, "set-password")
    tab_to(page, "#password")
    page.keyboard.type(NEW_PASSWORD)
    page.keyboard.press("Tab")
    assert focused(page, "#confirm")
    page.keyboard.type(NEW_PASSWORD)
    page.keyboard.press("Enter")
    expect(page).to_have_url("/profile")
    expect(page.get_by_role("status")).to_contain_text("Your password is set.")
    check_accessibility(page)

    # The skip link leads into the page; the first stop in it is the role radio group.
    tab_to(page, ".skip-link")
    page.keyboard.press("Enter")
    page.keyboard.press("Tab")
    assert focused(page, "input[name=role][value=mentee]:checked")
    arrow_to(page, "ArrowDown", "input[name=role][value=both]:checked")
    page.keyboard.press("Tab")
    assert focused(page, "#capacity")
    page.keyboard.press("Control+A")
    page.keyboard.type("12")  # out of range: the form has novalidate, so the server answers
    page.keyboard.press("Tab")
    assert focused(page, "input[name=format_preference][value=either]:checked")
    page.keyboard.press("Tab")
    assert focused(page, "#goals")
    page.keyboard.type(GOALS)
    # Back up to the meeting format after all (a radio group is one Tab stop).
    page.keyboard.press("Shift+Tab")
    assert focused(page, "input[name=format_preference]:checked")
    arrow_to(page, "ArrowDown", "input[name=format_preference][value=remote]:checked")
    # The first category (integrated library systems) is open: rate Alma "3 proficient".
    tab_to(page, "#level-alma")
    for _ in range(3):
        page.keyboard.press("ArrowDown")
    expect(page.locator("#level-alma")).to_have_value("3")
    # Open the closed "Metadata standards" category: BIBFRAME is the first thing to learn.
    tab_to(page, "details:has(#learn-bibframe) > summary")
    page.keyboard.press("Enter")
    tab_to(page, "#learn-bibframe")
    page.keyboard.type("1")
    tab_to(page, "main form button[type=submit]")
    page.keyboard.press("Enter")

    # The error is beside the field, and nothing else typed is lost.
    expect(page.locator(".error-summary")).to_contain_text("How many mentees you can take")
    capacity = page.locator("#capacity")
    expect(capacity).to_have_attribute("aria-invalid", "true")
    expect(capacity).to_have_attribute("aria-describedby", "capacity-hint capacity-error")
    expect(page.locator("#capacity-error")).to_contain_text("whole number 0-10")
    expect(capacity).to_have_value("12")
    expect(page.locator("input[name=role][value=both]")).to_be_checked()
    expect(page.locator("input[name=format_preference][value=remote]")).to_be_checked()
    expect(page.locator("#goals")).to_have_value(GOALS)
    expect(page.locator("#level-alma")).to_have_value("3")
    expect(page.locator("#learn-bibframe")).to_have_value("1")
    check_accessibility(page)
    page.evaluate("() => window.scrollTo(0, 0)")
    screenshot(page, "profile-error", full_page=False)  # every category is open: a long page

    # The error summary's link takes the focus to the field; fix it and save with Enter.
    tab_to(page, ".error-summary a[href='#capacity']")
    page.keyboard.press("Enter")
    assert focused(page, "#capacity")
    page.keyboard.press("Control+A")
    page.keyboard.type("2")
    page.keyboard.press("Enter")
    expect(page.get_by_role("status")).to_have_text("Your profile is saved.")
    check_accessibility(page)
    screenshot(page, "profile")

    page.reload()
    expect(page.locator("input[name=role][value=both]")).to_be_checked()
    expect(page.locator("#capacity")).to_have_value("2")
    expect(page.locator("#capacity")).not_to_have_attribute("aria-invalid", "true")
    expect(page.locator("input[name=format_preference][value=remote]")).to_be_checked()
    expect(page.locator("#goals")).to_have_value(GOALS)
    expect(page.locator("#level-alma")).to_have_value("3")
    expect(page.locator("#learn-bibframe")).to_have_value("1")
    expect(page.locator("#learn-alma")).to_have_value("")
    check_accessibility(page)

"""A coordinator creates a programme and opens its pages, at 1280 px and at 375 px wide."""

from __future__ import annotations

from playwright.sync_api import Page, expect

from tests.browser.conftest import check_accessibility, sign_in

PAGES = ("/coordinator/programmes", "/coordinator/programmes/new", "{programme}",
         "{programme}/edit", "/coordinator/rounds/new", "/coordinator/people/import",
         "/coordinator/skills")


def no_sideways_scroll(page: Page) -> None:
    wide = page.evaluate("() => document.documentElement.scrollWidth"
                         " - document.documentElement.clientWidth")
    assert wide <= 0, f"{page.url} scrolls sideways by {wide} px"


def test_a_coordinator_creates_a_programme_and_its_pages_fit_a_phone(new_page):
    page = new_page()
    sign_in(page, "coordinator", then="/coordinator/programmes/new")
    page.get_by_label("Name").fill("Branch libraries 2027")
    page.get_by_label("Peer mode").check()
    page.get_by_label("Ends on").fill("2027-06-30")
    page.get_by_label("Default round settings").fill("{not json")
    page.get_by_role("button", name="Create the programme").click()
    expect(page.locator("#round_settings-error")).to_contain_text("is not JSON")
    check_accessibility(page)
    page.get_by_label("Default round settings").fill('{"min_score": 0.2}')
    page.get_by_role("button", name="Create the programme").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Branch libraries 2027")
    programme = page.url.removeprefix(page.url.split("/coordinator")[0])
    for width in (1280, 375):
        page.set_viewport_size({"width": width, "height": 900})
        for path in PAGES:
            page.goto(path.format(programme=programme))
            check_accessibility(page)
            no_sideways_scroll(page)

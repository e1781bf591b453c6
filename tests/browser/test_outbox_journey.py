"""A coordinator reads the outbox and a mail in it, at desktop and phone widths."""

from __future__ import annotations

from playwright.sync_api import expect

from tests.browser.conftest import check_accessibility, sign_in


def no_sideways_scroll(page) -> bool:
    return page.evaluate("() => document.documentElement.scrollWidth <= window.innerWidth")


def test_coordinator_reads_the_outbox_and_a_mail(new_page, screenshot):
    page = new_page()
    sign_in(page, "coordinator")
    page.get_by_role("link", name="Outbox").click()
    expect(page.get_by_role("heading", name="Outbox")).to_be_visible()
    expect(page.get_by_text("No mail server is set (SMTP_HOST)")).to_be_visible()
    check_accessibility(page)
    screenshot(page, "outbox")
    page.get_by_role("link", name="Your match in Spring is published").first.click()
    expect(page.locator("#text-body")).to_contain_text("Why you were paired")
    check_accessibility(page)
    assert no_sideways_scroll(page)
    page.set_viewport_size({"width": 375, "height": 800})
    assert no_sideways_scroll(page)  # the mail's long lines wrap
    page.goto("/coordinator/outbox")
    assert no_sideways_scroll(page)
    # Each mail is a block of its own: nothing scrolls inside the table's box or is cut off.
    box = page.locator(".table-scroll").first
    assert box.evaluate("element => element.scrollWidth <= element.clientWidth")
    subject = page.get_by_role("link", name="Your match in Spring is published").first
    bounds = subject.bounding_box()
    assert bounds is not None and bounds["x"] >= 0 and bounds["x"] + bounds["width"] <= 375
    screenshot(page, "outbox-375")

"""A coordinator's journey: import people from CSV, then a round from preview to publication."""

from __future__ import annotations

import os
import signal
import threading
from collections.abc import Callable, Iterator

import pytest
from playwright.sync_api import Page, expect

from mentorship.rounds import jobs
from tests.browser.conftest import SERVER_PROCESSES, check_accessibility, sign_in

HEADER = "email,name,department,role,capacity,skills,learn,teach,goals,bio"
# Two mentors, each the only one teaching what one new mentee wants: the pairs are certain.
GOOD_ROWS = [
    "rosa.sparql@branch.example.org,Rosa Quint,Linked Data,mentor,1,SPARQL=4; SKOS=3,,SPARQL,"
    "Show colleagues how to query our triple store,Linked data librarian",
    "theo.xslt@branch.example.org,Theo Transform,Metadata Services,mentor,1,XSLT=4,,XSLT,"
    "Pass on stylesheet tricks,Writes our MARCXML crosswalks",
    "lena.learner@branch.example.org,Lena Learner,Archives,mentee,,SPARQL=1,SPARQL,,"
    "Query our finding aids as linked data,",
    "omar.novice@branch.example.org,Omar Novice,Systems,mentee,,,XSLT,,Transform EAD with XSLT,",
]
BAD_ROWS = [
    "ivy.wrong@branch.example.org,Ivy Wrong,Archives,mentor,eleven,SPARQL=4,,,,",
    "not-an-email,Nobody,Archives,mentee,,,SPARQL,,,",
    # An unknown skill would only be a warning (the row kept): a level out of range is an error.
    "kit.odd@branch.example.org,Kit Odd,Archives,mentee,,SPARQL=7,,,,",
]
ROUND_NAME = "Autumn cohort"


def csv_file(name: str, rows: list[str]) -> dict:
    """A CSV upload for a file input."""
    return {"name": name, "mimeType": "text/csv",
            "buffer": "\n".join([HEADER, *rows, ""]).encode()}


def status_tag(page: Page):
    """The round's status tag at the top of its review page."""
    return page.locator(".lead .tag")


class HeldPreview:
    """A preview job held at a known stage from `hold` until `set` is called (what the page
    then shows)."""

    def __init__(self, stage: str, percent: str, release: Callable[[], None],
                 hold: Callable[[], None] = lambda: None) -> None:
        self.progress_text = f"The preview is running. Stage: {stage}."
        self.percent = percent
        self.set = release
        self.hold = hold


@pytest.fixture
def held_preview(monkeypatch) -> Iterator[HeldPreview]:
    """Hold the next preview job until released, so the test sees the progress bar move.

    When the job runs in a thread of this process, it is held at its scoring stage (30%);
    heartbeats come often, so the progress shows quickly. When gunicorn serves the app and an
    RQ worker runs the jobs, the worker is paused (SIGSTOP) from `hold` on, so the job waits in
    the queue; the jobs before it (an import) run as usual.
    """
    worker = SERVER_PROCESSES.get("worker")
    if worker is not None:
        held = HeldPreview("queued", "0%", lambda: os.kill(worker.pid, signal.SIGCONT),
                           hold=lambda: os.kill(worker.pid, signal.SIGSTOP))
        yield held
        held.set()
        return
    release = threading.Event()
    real_compute_round = jobs.compute_round

    def compute_round(profiles, settings, taxonomy, report):
        report("scoring", 0.375)  # the engine is the first 80% of a preview: 30% in all
        release.wait(timeout=30)
        return real_compute_round(profiles, settings, taxonomy, report)

    monkeypatch.setattr(jobs, "compute_round", compute_round)
    monkeypatch.setattr(jobs, "HEARTBEAT_SECONDS", 0.2)
    yield HeldPreview("scoring", "30%", release.set)
    release.set()


def import_people(page: Page, screenshot) -> None:
    """From the rounds page to People, Import: a file with errors, then a good one."""
    page.get_by_role("navigation", name="Main").get_by_role("link", name="People").click()
    expect(page.get_by_role("heading", name="People", level=1)).to_be_visible()
    check_accessibility(page)
    page.get_by_role("link", name="Import a CSV").click()
    expect(page).to_have_url("/coordinator/people/import")
    check_accessibility(page)

    page.get_by_label("CSV file").set_input_files(csv_file("staff-with-errors.csv",
                                                           GOOD_ROWS[:1] + BAD_ROWS))
    page.get_by_role("button", name="Import").click()
    expect(page.locator("#import-problem")).to_contain_text("Nothing was imported")
    errors = page.locator("table#import-errors")
    expect(errors.locator("thead th")).to_have_text(["Row", "Column", "Value", "What is wrong"])
    rows = errors.locator("tbody tr")
    expect(rows).to_have_count(3)
    expect(rows.nth(0).locator("td")).to_have_text(["3", "capacity", "eleven",
                                                    "must be a whole number 0-10"])
    expect(rows.nth(1).locator("td").nth(1)).to_have_text("email")
    expect(rows.nth(1).locator("td").nth(2)).to_have_text("not-an-email")
    expect(rows.nth(2).locator("td").nth(1)).to_have_text("skills")
    expect(rows.nth(2).locator("td").nth(2)).to_contain_text("SPARQL=7")
    check_accessibility(page)
    screenshot(page, "import-errors")
    # Not even the good row of the file was saved.
    page.goto("/coordinator/people?q=branch.example.org")
    expect(page.locator("table.data caption")).to_have_text("0 people match the filters")
    check_accessibility(page)

    page.goto("/coordinator/people/import")
    page.get_by_label("CSV file").set_input_files(csv_file("branch-staff.csv", GOOD_ROWS))
    page.get_by_role("button", name="Import").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Imported branch-staff.csv")
    expect(page.get_by_role("status").filter(has_text="added")).to_have_text(
        "4 people added, 0 updated.")
    check_accessibility(page)
    screenshot(page, "import-done")


def pair_row(page: Page, mentor: str, mentee: str):
    """The row of the review's pairs table that pairs these two people."""
    return page.locator("section:has(#pairs) table.data tbody tr").filter(has_text=mentor).filter(
        has_text=mentee)


def test_coordinator_imports_people_and_runs_a_round_to_publication(new_page, held_preview,
                                                                    screenshot):
    page = new_page()
    sign_in(page, "coordinator")
    expect(page).to_have_url("/coordinator/rounds")
    check_accessibility(page)
    import_people(page, screenshot)

    page.get_by_role("navigation", name="Main").get_by_role("link", name="Rounds").click()
    expect(page.get_by_role("heading", name="Matching rounds", level=1)).to_be_visible()
    page.get_by_role("link", name="Create a new round").click()
    expect(page).to_have_url("/coordinator/rounds/new")
    check_accessibility(page)
    page.get_by_label("Name").fill(ROUND_NAME)
    expect(page.get_by_role("radio", name="Mentor mode")).to_be_checked()
    screenshot(page, "new-round")
    page.get_by_role("button", name="Create the round").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Round “{ROUND_NAME}”")
    expect(status_tag(page)).to_have_text("draft")
    check_accessibility(page)

    # The preview runs in the background: a progress bar, updated by static/progress.js.
    held_preview.hold()
    page.get_by_role("button", name="Run the preview").click()
    expect(status_tag(page)).to_have_text("running")
    expect(page.get_by_label("Preview progress")).to_be_visible()
    expect(page.get_by_role("link", name="Check progress")).to_be_visible()
    expect(page.locator("#progress-text")).to_have_text(held_preview.progress_text)
    expect(page.locator("#progress-percent")).to_have_text(held_preview.percent)
    check_accessibility(page)
    screenshot(page, "preview-running")
    held_preview.set()
    expect(status_tag(page)).to_have_text("previewed", timeout=20_000)  # the page reloads itself

    rosa = pair_row(page, "rosa.sparql@branch.example.org", "lena.learner@branch.example.org")
    theo = pair_row(page, "theo.xslt@branch.example.org", "omar.novice@branch.example.org")
    expect(rosa).to_have_count(1)
    expect(theo).to_have_count(1)
    expect(rosa.locator(".reasons").first).to_contain_text("SPARQL")
    check_accessibility(page)
    screenshot(page, "review")

    rosa.get_by_role("button", name="Lock Rosa Quint and Lena Learner").click()
    expect(page.get_by_role("status")).to_contain_text("is locked")
    locks = page.locator("section:has(#locks) table.data")
    expect(locks.locator("tbody tr")).to_have_count(1)
    expect(locks.locator("tbody tr")).to_contain_text("Rosa Quint")
    expect(rosa).to_contain_text("Locked")
    check_accessibility(page)

    page.get_by_role("button", name="Run the preview again").click()
    # The old page said "previewed" too: wait for the new one first.
    expect(page.get_by_role("status").first).to_contain_text("The preview is running")
    expect(status_tag(page)).to_have_text("previewed", timeout=20_000)
    expect(rosa).to_contain_text("Locked")
    expect(theo).to_have_count(1)
    summary = page.locator("section:has(#summary-title) tr", has_text="Locked pairs kept")
    expect(summary.locator("td")).to_have_text("1")
    check_accessibility(page)

    page.get_by_role("link", name="Publish the round…").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Publish")
    page.get_by_role("button", name="Publish the round").click()
    expect(page.get_by_role("status")).to_contain_text("The round is published")
    expect(status_tag(page)).to_have_text("published")
    expect(rosa).to_have_count(1)
    check_accessibility(page)
    screenshot(page, "round-published")

    page.get_by_role("link", name="All rounds").click()
    row = page.locator("table.data tbody tr", has_text=ROUND_NAME)
    expect(row.locator(".tag")).to_have_text("published")
    check_accessibility(page)
    screenshot(page, "rounds")

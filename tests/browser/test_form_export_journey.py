"""A coordinator imports a Google Forms sign-up export through the mapping step: the fields
guessed from its headers, one corrected, a preview of the rows as they will be read, then the
import; the map is offered again for the next export."""

from __future__ import annotations

import csv
import io

from playwright.sync_api import expect

from tests.browser.conftest import check_accessibility, sign_in

HEADER = ["Timestamp", "Email Address", "Your name", "Team", "Your manager's email",
          "Would you like to mentor, be mentored, or both?",
          "How many colleagues could you mentor at once?",
          "What would you like to learn? (most important first)",
          "What could you help a colleague learn?",
          "What do you hope to get out of the programme?", "Tell us about your work"]
# Skills no other journey's people want or teach, so this import changes no one else's pairs.
ROWS = [
    ["3/2/2026 9:14:03", "wren.forms@forms.example.org", "Wren Forms", "Repository",
     "head.forms@forms.example.org", "I'd like to mentor", "2", "",
     "DSpace, Cloud (AWS)", "Share repository know-how", "Repository manager"],
    ["3/2/2026 9:30:00", "kai.forms@forms.example.org", "Kai Forms", "Systems",
     "head.forms@forms.example.org", "I'd like a mentor", "", "Cloud (AWS), DSpace", "",
     "Run our repository in the cloud", "Systems assistant"],
    ["3/4/2026 16:31:05", "kai.forms@forms.example.org", "Kai Forms", "Systems",
     "head.forms@forms.example.org", "I'd like a mentor", "", "DSpace, Cloud (AWS)", "",
     "Run our repository in the cloud", "Systems assistant"],
]


def forms_export() -> dict:
    buffer = io.StringIO()
    csv.writer(buffer).writerows([HEADER, *ROWS])
    return {"name": "Sign-up (Responses).csv", "mimeType": "text/csv",
            "buffer": buffer.getvalue().encode()}


def test_coordinator_imports_a_forms_export_through_the_mapping_step(new_page, screenshot):
    page = new_page()
    sign_in(page, "coordinator")
    page.goto("/coordinator/people/import")
    page.get_by_label("CSV file").set_input_files(forms_export())
    page.get_by_label("a form export").check()
    page.get_by_role("button", name="Import").click()

    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Map the columns of Sign-up (Responses).csv")
    expect(page.get_by_label("email (required)")).to_have_value("1")  # guessed
    expect(page.get_by_label("Time of the answer")).to_have_value("0")
    # "Team" is read as the department.
    expect(page.get_by_label("department")).to_have_value("3")
    preview = page.locator("table#map-preview tbody tr")
    expect(preview).to_have_count(2)
    expect(preview.nth(1)).to_contain_text("mentee")
    expect(page.locator("#map-warnings")).to_contain_text(
        "row 3: replaced by the later answer on row 4 (the same email)")
    expect(page.locator("table#skill-warnings")).to_contain_text("Cloud (AWS)")
    check_accessibility(page)

    # Answers that are not YAML: the error is beside the box, every choice stays.
    page.get_by_label("Answers read as our values").fill("role: [unclosed")
    page.get_by_role("button", name="Preview with these choices").click()
    expect(page.locator("#values-error")).to_contain_text("the answers are not valid YAML")
    expect(page.get_by_label("email (required)")).to_have_value("1")
    expect(page.get_by_label("Time of the answer")).to_have_value("0")
    expect(page.get_by_label("department")).to_have_value("3")
    check_accessibility(page)

    page.get_by_label("Answers read as our values").fill(
        "role: {\"I'd like a mentor\": mentee, \"I'd like to mentor\": mentor}\n"
        "skills: {\"Cloud (AWS)\": aws}\n")
    page.get_by_label("Level of a taught skill the form did not rate").select_option("4")
    page.get_by_role("button", name="Preview with these choices").click()
    expect(page.locator("table#skill-warnings")).to_have_count(0)
    expect(page.locator("table#map-preview tbody tr").nth(0)).to_contain_text(
        "DSpace (4); Amazon Web Services (4)")
    check_accessibility(page)
    screenshot(page, "import-mapping")
    page.set_viewport_size({"width": 375, "height": 800})
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
    page.set_viewport_size({"width": 1280, "height": 900})

    page.get_by_role("button", name="Import", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Imported Sign-up (Responses).csv")
    expect(page.get_by_role("status").filter(has_text="added")).to_have_text(
        "2 people added, 0 updated.")
    expect(page.get_by_text("manager head.forms@forms.example.org is not in the file or the "
                            "database").first).to_be_visible()
    check_accessibility(page)

    # The next export of the same form comes with the saved map.
    page.goto("/coordinator/people/import")
    page.get_by_label("CSV file").set_input_files(forms_export())
    page.get_by_label("a form export").check()
    page.get_by_role("button", name="Import").click()
    expect(page.get_by_label("Level of a taught skill the form did not rate")).to_have_value("4")
    expect(page.locator("table#skill-warnings")).to_have_count(0)

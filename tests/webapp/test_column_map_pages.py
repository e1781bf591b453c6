"""The mapping step of an import: upload a form export, correct the guessed fields, preview,
import; the map is saved for next time."""

from __future__ import annotations

import io
import re
import time
from pathlib import Path

import openpyxl
import pytest

from tests.webapp.conftest import csrf_token

EXPORT = Path(__file__).resolve().parents[2] / "examples" / "forms_export.csv"
HEADERS = EXPORT.read_text(encoding="utf-8").splitlines()[0]


def upload_for_mapping(client, data: bytes, name: str = "forms.csv", **extra):
    token = csrf_token(client, "/coordinator/people/import")
    return client.post("/coordinator/people/import", data={
        "csrf_token": token, "format": "map", "file": (io.BytesIO(data), name), **extra},
        content_type="multipart/form-data")


def mapping_page(client, data: bytes | None = None, name: str = "forms.csv", **extra) -> str:
    response = upload_for_mapping(client, EXPORT.read_bytes() if data is None else data, name,
                                  **extra)
    assert response.status_code == 303, response.get_data(as_text=True)
    return response.headers["Location"]


def selected(page: str, field: str) -> str | None:
    """The header chosen for a field on the mapping page (its option's text), or None."""
    select = page[page.index(f'id="{field}"'):]
    select = select[:select.index("</select>")]
    chosen = re.search(r'<option value="\d+" selected>([^<]*)</option>', select)
    return chosen.group(1) if chosen else None


def choices(page: str) -> dict[str, str]:
    """The form as the page shows it: each select's chosen value, and the answers."""
    form = {}
    for name, body in re.findall(r'<select id="([\w-]+)" name="[\w-]+">(.*?)</select>', page,
                                 re.S):
        chosen = re.search(r'<option value="(\d*)" selected>', body)
        form[name] = chosen.group(1) if chosen else ""
    values = re.search(r'<textarea id="values"[^>]*>(.*?)</textarea>', page, re.S).group(1)
    form["values"] = (values.replace("&#34;", '"').replace("&#39;", "'")
                      .replace("&quot;", '"').replace("&amp;", "&"))
    return form


def post_map(client, location: str, form: dict[str, str], action: str):
    return client.post(location, data={"csrf_token": csrf_token(client, location),
                                       "action": action, **form})


def test_the_headers_come_with_our_fields_guessed_and_a_preview(as_role):
    client = as_role("coordinator")
    page = client.get(mapping_page(client)).get_data(as_text=True)
    assert selected(page, "column-email") == "Email Address"
    assert selected(page, "column-role") == "Would you like to mentor, be mentored, or both?"
    assert selected(page, "timestamp") == "Timestamp"
    assert selected(page, "column-skills") is None
    preview = page[page.index('id="map-preview"'):]
    assert "priya.shah@westbrook.edu" in preview and "mentee" in preview
    # The labels the taxonomy does not know are listed, not guessed.
    assert "Cloud (AWS)" in page[page.index('id="skill-warnings"'):]
    assert "row 2: replaced by the later answer on row 8" in page


def test_corrections_preview_then_import_and_the_map_is_saved(as_role):
    client = as_role("coordinator")
    location = mapping_page(client)
    form = choices(client.get(location).get_data(as_text=True))
    form["values"] += 'skills: {"Cloud (AWS)": aws, "Linked data (RDF, SPARQL)": rdf}\n'
    form["column-department"] = ""
    form["teach_level"] = "4"
    preview = post_map(client, location, form, "preview")
    page = preview.get_data(as_text=True)
    assert preview.status_code == 200 and 'id="skill-warnings"' not in page
    row = page[page.index("tomas.reyes@westbrook.edu"):]
    assert "Amazon Web Services (4)" in row[:row.index("</tr>")]

    imported = post_map(client, location, form, "import")
    assert imported.status_code == 200, imported.get_data(as_text=True)
    assert "6 people added" in imported.get_data(as_text=True)
    # The managers who take no part are people without a profile, with pages of their own.
    listed = client.get("/coordinator/people?q=dean%40westbrook.edu").get_data(as_text=True)
    dean_page = re.search(r'href="(/coordinator/people/\d+)"[^>]*>dean@westbrook.edu', listed)
    assert dean_page, listed
    assert client.get(dean_page.group(1)).status_code == 200
    gone = client.get(location).get_data(as_text=True)
    assert "That upload is no longer kept" in gone

    # Next time the saved map is offered, corrections and all.
    again = client.get(mapping_page(client)).get_data(as_text=True)
    assert selected(again, "column-department") is None
    assert "Cloud (AWS)" in again and 'id="skill-warnings"' not in again
    assert '<option value="4" selected>' in again[again.index('id="teach_level"'):]


def test_an_unmapped_required_field_says_which_headers_the_file_has(as_role):
    client = as_role("coordinator")
    location = mapping_page(client)
    form = choices(client.get(location).get_data(as_text=True))
    form["column-email"] = ""
    response = post_map(client, location, form, "import")
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "required field email is not mapped to a header" in page
    assert "Email Address; Your name" in page
    assert "Nothing was imported" in page


def test_bad_answers_yaml_is_a_message_not_an_error_page(as_role):
    client = as_role("coordinator")
    location = mapping_page(client)
    form = choices(client.get(location).get_data(as_text=True))
    form["values"] = "role: [unclosed"
    response = post_map(client, location, form, "preview")
    assert response.status_code == 422
    assert "the answers are not valid YAML" in response.get_data(as_text=True)
    form["column-email"] = "99"
    response = post_map(client, location, dict(form, values=""), "preview")
    assert response.status_code == 422
    assert "choose one of the file" in response.get_data(as_text=True)


def test_bad_answers_keep_the_choices_and_the_error_is_beside_the_answers(as_role):
    client = as_role("coordinator")
    location = mapping_page(client)
    form = choices(client.get(location).get_data(as_text=True))
    assert form["column-email"] and form["timestamp"]
    response = post_map(client, location, dict(form, values="role: [unclosed"), "preview")
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    kept = choices(page)
    assert {name: kept[name] for name in form if name != "values"} == {
        name: form[name] for name in form if name != "values"}
    assert kept["values"] == "role: [unclosed"
    beside = page[page.index('<label for="values"'):page.index('<textarea id="values"')]
    assert 'id="values-error"' in beside and "the answers are not valid YAML" in beside
    assert 'aria-describedby="values-hint values-error"' in page
    # Corrected, the same choices preview and import.
    assert post_map(client, location, form, "preview").status_code == 200
    imported = post_map(client, location, form, "import")
    assert imported.status_code == 200, imported.get_data(as_text=True)


def test_our_fields_are_shown_by_readable_names(as_role):
    client = as_role("coordinator")
    page = client.get(mapping_page(client)).get_data(as_text=True)
    for label in ("Manager&#39;s email", "Meeting format", "Years of experience", "Time zone",
                  "Email (required)"):
        assert label in page, label
    for name in ("manager_email", "format_preference", "years_experience", "time_zone"):
        assert f'>{name}<' not in page and f'>{name} ' not in page


@pytest.mark.parametrize(("form", "field", "message"), [
    # A few hundred bytes of aliases expand to ten million nodes ("billion laughs").
    ({"values": "role:\n  k0: &a0 [x,x,x,x,x,x,x,x,x,x]\n" + "".join(
        f"  k{i}: &a{i} [" + ",".join([f"*a{i - 1}"] * 10) + "]\n" for i in range(1, 7))},
     "values", "anchors (&amp;a0) are not allowed"),
    ({"values": "role: {a: *x}"}, "values", "aliases (*x) are not allowed"),
    ({"values": "role: " + "[" * 3000 + "]" * 3000}, "values", "nests deeper than 10 levels"),
    ({"values": "role: {a: " + "{a: " * 2000 + "1" + "}" * 2001}, "values", "nests deeper"),
    ({"values": "role: {a: " + "9" * 5000 + "}"}, "values", "not valid YAML"),
    ({"teach_level": "²"}, "teach_level", "the teach level must be a level 1-4"),
    ({"teach_level": "9" * 5000}, "teach_level", "the teach level must be a level 1-4"),
    ({"column-email": "²"}, "email", "choose one of the file"),
    ({"column-email": "9" * 5000}, "email", "choose one of the file"),
    ({"timestamp": "³"}, "timestamp", "choose one of the file"),
])
def test_hostile_choices_are_a_message_naming_the_field(as_role, form, field, message):
    client = as_role("coordinator")
    location = mapping_page(client)
    chosen = choices(client.get(location).get_data(as_text=True))
    started = time.perf_counter()
    response = post_map(client, location, {**chosen, **form}, "preview")
    assert time.perf_counter() - started < 5  # refused, not expanded
    page = response.get_data(as_text=True)
    assert response.status_code == 422, page
    errors = page[page.index('id="import-errors"'):page.index("</table>", page.index(
        'id="import-errors"'))]
    assert f"<td>{field}</td>" in errors and message in errors


def test_an_upload_is_only_for_the_coordinator_who_made_it(as_role):
    location = mapping_page(as_role("coordinator"))
    other = as_role("admin")
    for response in (other.get(location), other.post(location, data={
            "csrf_token": csrf_token(other, "/profile"), "action": "import"})):
        # Another's token is as unknown as a made-up one: a 404 page that says what to do.
        assert response.status_code == 404
        assert "That upload is no longer kept" in response.get_data(as_text=True)
    assert other.get("/coordinator/people/import/map/..%2F..%2Fsecret_key").status_code == 404
    unknown = other.get("/coordinator/people/import/map/" + "A" * 32)
    assert unknown.status_code == 404 and "no longer kept" in unknown.get_data(as_text=True)


def test_an_xlsx_export_goes_through_the_mapping_step(as_role):
    book = openpyxl.Workbook()
    book.active.append(["Notes"])
    sheet = book.create_sheet("Responses")
    sheet.append(["Email", "Full name", "Mentor or mentee?", "Mentees at once"])
    sheet.append(["xena.new@example.org", "Xena New", "mentor", 2])
    buffer = io.BytesIO()
    book.save(buffer)
    client = as_role("coordinator")
    location = mapping_page(client, buffer.getvalue(), "responses.xlsx", sheet="Responses")
    page = client.get(location).get_data(as_text=True)
    assert selected(page, "column-email") == "Email"
    assert selected(page, "column-name") == "Full name"
    imported = post_map(client, location, choices(page), "import")
    assert "1 person added" in imported.get_data(as_text=True)


def test_an_unreadable_upload_is_refused_before_the_mapping_step(as_role):
    client = as_role("coordinator")
    response = upload_for_mapping(client, "Email,Name\né,x".encode("latin-1"))
    assert response.status_code == 422 and "not UTF-8" in response.get_data(as_text=True)
    response = upload_for_mapping(client, b"PK\x03\x04 not really", "x.xlsx")
    assert response.status_code == 422
    assert "not a readable XLSX workbook" in response.get_data(as_text=True)


def test_a_skill_named_nowhere_sends_the_coordinator_to_the_skills_page(as_role):
    client = as_role("coordinator")
    data = EXPORT.read_bytes().replace(b"Cloud (AWS)", b"Zzqxw Vvkj")
    page = client.get(mapping_page(client, data)).get_data(as_text=True)
    warnings = page[page.index('id="skill-warnings"'):]
    assert "unknown skill &#39;Zzqxw Vvkj&#39;" in warnings
    assert "see the Skills page for the skill names" in warnings
    assert "skills.yaml" not in page  # a server's file is no help to a coordinator

"""The web import of a CSV with skill names it does not know: imported, with a warnings table."""

from __future__ import annotations

import html
import io
import re

from tests.webapp.conftest import csrf_token

ROW = re.compile(r'<tr><td class="number">(\d+)</td><td>(\w+)</td><td>([^<]*)</td><td>([^<]*)</td></tr>')


def upload(client, text: str):
    token = csrf_token(client, "/coordinator/people/import")
    return client.post("/coordinator/people/import", data={
        "csrf_token": token, "file": (io.BytesIO(text.encode()), "staff.csv")},
        content_type="multipart/form-data")


def test_an_unknown_skill_is_imported_without_it_and_shown_in_the_warnings_table(as_role):
    client = as_role("coordinator")
    response = upload(client, "email,name,role,skills,learn\n"
                              "dana.new@example.org,Dana Private,mentee,Koha=1; MARK 21=2,Pyhton; ROR\n")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "1 person added" in page
    start = page.index('id="skill-warnings"')
    table = page[start:page.index("</table>", start)]
    rows = ROW.findall(table)
    assert [(row, column, html.unescape(value)) for row, column, value, _ in rows] == [
        ("2", "skills", "MARK 21=2"), ("2", "learn", "Pyhton"), ("2", "learn", "ROR")]
    reasons = [html.unescape(reason) for *_, reason in rows]
    assert reasons[0] == "unknown skill 'MARK 21', left out; did you mean 'MARC 21'?"
    assert reasons[1] == "unknown skill 'Pyhton', wish left out; did you mean 'Python'?"
    assert reasons[2].endswith("read as 'Research Organization Registry'")
    assert "Dana" not in table and "dana.new" not in table
    found = client.get("/coordinator/people?q=dana").get_data(as_text=True)
    assert "Dana Private" in found

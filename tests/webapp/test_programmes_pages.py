"""Coordinators' programme pages: the list, a new programme with its errors, one programme's
page, its edit, a round made within it, and an import into it."""

from __future__ import annotations

import io
import re
from html.parser import HTMLParser

from sqlalchemy import select

from mentorship.rounds.models import Round
from tests.webapp.conftest import csrf_token

FORMS_CSV = (
    "email,name,department,role,skills,learn\n"
    "ivy.branch@example.org,Ivy Branch,Branches,mentee,Koha=1,Koha\n"
    "ian.branch@example.org,Ian Branch,Branches,mentor,Koha=4,\n"
)


def text_of(response) -> str:
    return response.get_data(as_text=True)


def new_programme(client, **fields):
    token = csrf_token(client, "/coordinator/programmes/new")
    return client.post("/coordinator/programmes/new", data={"csrf_token": token, **fields})


def test_the_list_shows_the_default_programme_with_its_counts(as_role):
    page = text_of(as_role("coordinator").get("/coordinator/programmes"))
    assert "Library mentoring" in page and ">default<" in page
    assert 'href="/coordinator/programmes/new"' in page


def test_a_bad_programme_is_shown_again_with_every_error_beside_its_field(as_role):
    client = as_role("coordinator")
    response = new_programme(client, name="", mode="peer", signup_opens="2027-03-01",
                             signup_closes="2027-02-01", round_settings="{nope",
                             description="Kept as typed")
    assert response.status_code == 422
    page = text_of(response)
    assert 'id="name-error"' in page and "required, at most 200 characters" in page
    assert 'id="round_settings-error"' in page and "is not JSON" in page
    # Nothing typed is lost.
    assert "Kept as typed" in page and "{nope" in page and 'value="2027-03-01"' in page
    clash = new_programme(client, name="library mentoring")
    assert clash.status_code == 422 and "another programme has this name" in text_of(clash)


def summary(page: str) -> list[tuple[str, str]]:
    """The error summary's entries: (the field linked, the label it is told under)."""
    block = re.search(r'<div class="error-summary".*?</ul>', page, re.S).group(0)
    return re.findall(r'<li><a href="#(\w+)">([^:<]+):', block)


def test_every_error_is_told_at_once_in_the_forms_order(as_role):
    client = as_role("coordinator")
    response = new_programme(client, name="", signup_opens="2027-03-01",
                             signup_closes="2027-02-01", matching_date="2027-02-15",
                             ends_on="2026-12-01", round_settings='{"min_score": 2}')
    assert response.status_code == 422
    assert summary(text_of(response)) == [
        ("name", "Name"), ("signup_closes", "Sign-up closes"), ("ends_on", "Ends on"),
        ("round_settings", "Default round settings")]
    made = new_programme(client, name="Dated")
    edit_url = made.headers["Location"] + "/edit"
    version = re.search(r'name="version" value="(\d+)"', text_of(client.get(edit_url))).group(1)
    edited = client.post(edit_url, data={"csrf_token": csrf_token(client, edit_url),
                                         "version": version, "name": "", "mode": "mentor",
                                         "signup_opens": "2027-03-01", "ends_on": "2027-01-01"})
    assert edited.status_code == 422
    assert summary(text_of(edited)) == [("name", "Name"), ("ends_on", "Ends on")]


def test_a_programme_is_created_edited_and_its_round_takes_its_defaults(as_role):
    client = as_role("coordinator")
    made = new_programme(client, name="Branch swaps", mode="peer", ends_on="2027-06-30",
                         round_settings='{"min_score": 0.3}')
    assert made.status_code == 303
    programme_url = made.headers["Location"]
    programme_id = int(re.search(r"/programmes/(\d+)", programme_url).group(1))
    page = text_of(client.get(programme_url))
    assert "Branch swaps" in page and "2027-06-30" in page and "lowest score 0.3" in page
    assert "0 participants" in page and "No rounds yet." in page

    edit_url = f"/coordinator/programmes/{programme_id}/edit"
    form = text_of(client.get(edit_url))
    version = re.search(r'name="version" value="(\d+)"', form).group(1)
    token = csrf_token(client, edit_url)
    saved = client.post(edit_url, data={"csrf_token": token, "version": version,
                                        "name": "Branch swaps", "mode": "peer",
                                        "description": "Koha and more",
                                        "round_settings": '{"min_score": 0.3}'})
    assert saved.status_code == 303
    stale = client.post(edit_url, data={"csrf_token": token, "version": version,
                                        "name": "Branch swaps", "mode": "peer"})
    assert stale.status_code == 409
    assert "Koha and more" in text_of(client.get(programme_url))
    # A version that is not one is refused, not taken as none (which skips the stale check).
    for bad in ("9" * 30, "9" * 5000, "x", "²", "0"):
        refused = client.post(edit_url, data={"csrf_token": token, "version": bad,
                                              "name": "Overwritten", "mode": "peer"})
        assert refused.status_code == 422, bad
        assert "must be the version read" in text_of(refused)
    assert "Overwritten" not in text_of(client.get(programme_url))

    # The new-round form within the programme starts from its mode and settings.
    new_round = text_of(client.get(f"/coordinator/rounds/new?programme={programme_id}"))
    assert re.search(r'value="peer"\s+checked', new_round)
    assert re.search(r'id="min_score" name="min_score" type="text" inputmode="decimal" '
                     r'value="0.3"', new_round)
    assert re.search(rf'<option value="{programme_id}" selected>Branch swaps</option>', new_round)
    token = csrf_token(client, "/coordinator/rounds/new")
    created = client.post("/coordinator/rounds/new", data={
        "csrf_token": token, "name": "Swap spring", "mode": "peer", "min_score": "0.3",
        "text_weight": "0.1", "programme": str(programme_id)})
    assert created.status_code == 303, text_of(created)
    review = text_of(client.get(created.headers["Location"]))
    assert f'href="/coordinator/programmes/{programme_id}">Branch swaps</a>' in review
    listed = text_of(client.get(f"/coordinator/rounds?programme={programme_id}"))
    assert "Swap spring" in listed and "Spring</a>" not in listed
    assert "Swap spring" in text_of(client.get(programme_url))


def test_an_import_into_a_programme_enrols_its_people_there(as_role):
    client = as_role("coordinator")
    made = new_programme(client, name="Branch import")
    programme_id = int(re.search(r"/programmes/(\d+)", made.headers["Location"]).group(1))
    form = text_of(client.get(f"/coordinator/people/import?programme={programme_id}"))
    assert re.search(rf'<option value="{programme_id}" selected>Branch import</option>', form)
    token = csrf_token(client, "/coordinator/people/import")
    response = client.post("/coordinator/people/import", data={
        "csrf_token": token, "programme": str(programme_id),
        "file": (io.BytesIO(FORMS_CSV.encode()), "branch.csv")},
        content_type="multipart/form-data")
    assert response.status_code == 200, text_of(response)
    page = text_of(client.get(f"/coordinator/programmes/{programme_id}"))
    assert "2 participants" in page and "Ivy Branch" in page and "Mina Mentor" not in page
    people = text_of(client.get(f"/coordinator/people?programme={programme_id}"))
    assert "Ian Branch" in people and "Mina Mentor" not in people
    exported = text_of(client.get(f"/coordinator/people/export.csv?programme={programme_id}"))
    assert exported.count("\n") == 3 and "ivy.branch@example.org" in exported
    skills = text_of(client.get(f"/coordinator/skills?programme={programme_id}"))
    assert "Of the programme" in skills and "Branch import" in skills
    missing = client.get("/coordinator/people?programme=x1")
    assert missing.status_code == 404


class _FormValues(HTMLParser):
    """What a browser without scripts posts for a page's form: each field as it is shown."""

    def __init__(self):
        super().__init__()
        self.values, self._select = {}, None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "input" and a.get("name"):
            if a.get("type") in ("checkbox", "radio"):
                if "checked" in a:
                    self.values[a["name"]] = a.get("value", "on")
            else:
                self.values[a["name"]] = a.get("value", "")
        elif tag == "select":
            self._select = a.get("name")
        elif tag == "option" and self._select and (
                "selected" in a or self._select not in self.values):
            self.values[self._select] = a.get("value", "")

    def handle_endtag(self, tag):
        if tag == "select":
            self._select = None


def form_values(html: str) -> dict[str, str]:
    parser = _FormValues()
    parser.feed(html)
    return parser.values


def test_a_new_round_takes_the_chosen_programmes_defaults_for_what_was_left_as_shown(
        as_role, app):
    client = as_role("coordinator")
    made = new_programme(client, name="Fair cataloguing", mode="mentor",
                         round_settings='{"min_score": 0.2, "fair": true}')
    programme_id = int(re.search(r"/programmes/(\d+)", made.headers["Location"]).group(1))
    form = text_of(client.get("/coordinator/rounds/new"))  # the default programme's defaults
    assert "takes that programme's default when you create the round" in form
    values = form_values(form)
    assert values["min_score"] == "0.0" and "fair" not in values
    # The coordinator names the round, picks the programme, changes one setting, and posts.
    values.update(name="Fair spring", programme=str(programme_id), text_weight="0.3")
    created = client.post("/coordinator/rounds/new", data=values)
    assert created.status_code == 303, text_of(created)
    review = text_of(client.get(created.headers["Location"], follow_redirects=True))
    assert "defaults of “Fair cataloguing”" in review
    with app.extensions["mentorship.sessions"]() as db:
        settings = db.scalar(select(Round.settings).where(Round.name == "Fair spring"))
    assert settings["min_score"] == 0.2 and settings["fair"] is True
    assert settings["text_weight"] == 0.3  # what the coordinator changed is kept

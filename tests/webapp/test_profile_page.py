"""My profile: shows what is stored, keeps everything typed when a field is wrong, saves."""

from __future__ import annotations

import re

from sqlalchemy import select

from mentorship.people.models import Person
from tests.webapp.conftest import csrf_token, email


def _form(client) -> dict[str, str]:
    """The profile form as the browser would submit it untouched."""
    page = client.get("/profile").get_data(as_text=True)
    form = {"csrf_token": csrf_token(client, "/profile")}
    for select_name, body in re.findall(r'<select name="([^"]+)"[^>]*>(.*?)</select>', page, re.S):
        chosen = re.search(r'<option value="(\d)" selected>', body)
        form[select_name] = chosen.group(1) if chosen else "0"
    for name in re.findall(r'<input type="checkbox" name="([^"]+)"[^>]* checked', page):
        form[name] = "1"
    for name, value in re.findall(r'class="rank" name="([^"]+)" id="[^"]+" value="([^"]*)"', page):
        if value:
            form[name] = value
    for name, value in re.findall(r'<input type="radio" name="([^"]+)" value="([^"]+)" checked>', page):
        form[name] = value
    form["capacity"] = re.search(r'id="capacity" name="capacity"[^>]*value="([^"]*)"', page).group(1)
    for name in ("goals", "bio"):
        form[name] = re.search(rf'id="{name}" name="{name}"[^>]*>(.*?)</textarea>', page, re.S).group(1)
    return form


def test_the_page_shows_the_stored_profile(as_role):
    page = as_role("mentor").get("/profile").get_data(as_text=True)
    assert "Mina Mentor" in page and "Pass on cataloguing practice" in page
    marc = re.search(r'<select name="level-marc21".*?</select>', page, re.S).group(0)
    assert '<option value="4" selected>4 expert</option>' in marc
    assert re.search(r'name="teach-marc21"[^>]*checked', page)
    assert 'value="mentor" checked' in page


def test_a_wrong_field_is_reported_beside_it_and_nothing_typed_is_lost(app, as_role):
    client = as_role("staff")
    form = _form(client)
    form.update({"capacity": "12", "goals": "Learn BIBFRAME conversion", "level-rda": "2",
                 "learn-dspace": "1"})
    response = client.post("/profile", data=form)
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert re.search(r'id="capacity-error">.*must be a whole number 0-10', page)
    assert re.search(r'id="capacity"[^>]*value="12"[^>]*aria-describedby="capacity-hint '
                     r'capacity-error"[^>]*aria-invalid="true"', page)
    assert "Learn BIBFRAME conversion</textarea>" in page
    rda = re.search(r'<select name="level-rda".*?</select>', page, re.S).group(0)
    assert '<option value="2" selected>' in rda
    assert re.search(r'name="learn-dspace"[^>]*value="1"', page)
    with app.extensions["mentorship.sessions"]() as db:  # nothing was saved
        person = db.scalar(select(Person).where(Person.email == email("staff")))
        assert person.profile.goals == "Linked data"


def test_a_good_form_saves_and_keeps_the_learning_order(app, as_role):
    client = as_role("staff")
    form = _form(client)
    form.update({"capacity": "0", "goals": "Learn BIBFRAME and DSpace", "level-rda": "2",
                 "learn-dspace": "1"})
    response = client.post("/profile", data=form, follow_redirects=True)
    assert "Your profile is saved." in response.get_data(as_text=True)
    with app.extensions["mentorship.sessions"]() as db:
        person = db.scalar(select(Person).where(Person.email == email("staff")))
        skills = {s.skill_id: s for s in person.profile.skills}
        assert person.profile.goals == "Learn BIBFRAME and DSpace"
        assert skills["rda"].level == 2
        # BIBFRAME was the first learning goal; DSpace, added now, comes after it.
        assert skills["bibframe"].learn_rank == 1 and skills["dspace"].learn_rank == 2
        assert person.profile.teach_explicit is False  # nothing ticked: levels decide


def test_the_priority_numbers_set_the_order_of_the_wants(app, as_role):
    client = as_role("staff")
    form = _form(client)
    assert form["learn-bibframe"] == "1"
    form.update({"learn-dspace": "1", "learn-bibframe": "2", "learn-rda": "7"})
    response = client.post("/profile", data=form, follow_redirects=True)
    page = response.get_data(as_text=True)
    assert "Your profile is saved." in page
    wants = re.search(r'<ol class="wants".*?</ol>', page, re.S).group(0)
    assert re.findall(r"<li>(.*?)</li>", wants) == ["DSpace", "BIBFRAME", "RDA"]
    # Gaps in the numbering close up: the stored ranks are 1, 2, 3.
    assert re.search(r'name="learn-rda" id="learn-rda" value="3"', page)
    with app.extensions["mentorship.sessions"]() as db:
        person = db.scalar(select(Person).where(Person.email == email("staff")))
        ranks = {s.skill_id: s.learn_rank for s in person.profile.skills if s.learn_rank}
        assert ranks == {"dspace": 1, "bibframe": 2, "rda": 3}


def test_a_priority_that_is_not_a_number_is_reported_and_nothing_is_saved(app, as_role):
    client = as_role("staff")
    form = _form(client)
    with app.extensions["mentorship.sessions"]() as db:
        person = db.scalar(select(Person).where(Person.email == email("staff")))
        before = sorted((s.skill_id, s.learn_rank) for s in person.profile.skills)
    form.update({"learn-dspace": "first", "learn-rda": "0"})
    response = client.post("/profile", data=form)
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert re.search(r'id="learn-error">.*?RDA, DSpace must be a whole number, 1 for the most '
                     r'wanted, or empty', page, re.S)
    assert re.search(r'name="learn-dspace" id="learn-dspace" value="first"', page)
    with app.extensions["mentorship.sessions"]() as db:
        person = db.scalar(select(Person).where(Person.email == email("staff")))
        assert sorted((s.skill_id, s.learn_rank) for s in person.profile.skills) == before


def test_a_post_without_the_forms_fields_changes_nothing(app, as_role):
    client = as_role("mentor")
    response = client.post("/profile", data={"csrf_token": csrf_token(client, "/profile")})
    assert response.status_code == 422
    with app.extensions["mentorship.sessions"]() as db:
        person = db.scalar(select(Person).where(Person.email == email("mentor")))
        assert str(person.profile.role) == "mentor" and person.profile.skills


def test_the_factors_are_saved_and_a_bad_time_zone_is_reported_beside_it(app, as_role):
    client = as_role("staff")
    form = _form(client)
    form.update({"years_experience": "7", "institution": "Hill College", "location": "Main",
                 "time_zone": "Mars/Olympus", "goals": "Learn BIBFRAME"})
    response = client.post("/profile", data=form)
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert re.search(r'id="time_zone-error">.*not a time zone', page)
    assert re.search(r'id="time_zone"[^>]*value="Mars/Olympus"', page)
    assert re.search(r'id="years_experience"[^>]*value="7"', page)
    assert 'href="#time_zone"' in page
    form["time_zone"] = "europe/dublin"
    response = client.post("/profile", data=form, follow_redirects=True)
    assert "Your profile is saved." in response.get_data(as_text=True)
    with app.extensions["mentorship.sessions"]() as db:
        profile = db.scalar(select(Person).where(Person.email == email("staff"))).profile
        assert (profile.years_experience, profile.institution, profile.location,
                profile.time_zone) == (7, "Hill College", "Main", "Europe/Dublin")
    page = client.get("/profile").get_data(as_text=True)
    assert re.search(r'id="time_zone"[^>]*value="Europe/Dublin"', page)
    assert re.search(r'id="institution"[^>]*value="Hill College"', page)


def test_every_wrong_field_is_reported_at_once_in_the_forms_order_under_its_label(app, as_role):
    client = as_role("staff")
    form = _form(client)
    form.update({"learn-dspace": "abc", "capacity": "99", "years_experience": "200",
                 "time_zone": "Mars/Olympus", "goals": "Not saved"})
    response = client.post("/profile", data=form)
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    summary = re.search(r'<div class="error-summary".*?</ul>', page, re.S).group(0)
    listed = re.findall(r'<li><a href="#([\w]+)">([^:<]+):', summary)
    assert listed == [("capacity", "How many mentees you can take"),
                      ("years_experience", "Years of library experience"),
                      ("time_zone", "Time zone"), ("skills", "Want to learn")]
    for field in ("capacity", "years_experience", "time_zone", "learn"):
        assert f'id="{field}-error"' in page, field
    with app.extensions["mentorship.sessions"]() as db:  # nothing was saved
        person = db.scalar(select(Person).where(Person.email == email("staff")))
        assert person.profile.goals != "Not saved"

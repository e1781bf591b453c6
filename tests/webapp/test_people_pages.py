"""Coordinators' people pages: list and filters, CSV import with its error table, export, invites."""

from __future__ import annotations

import csv
import io
import re

from tests.webapp.conftest import csrf_token, person_id, sign_in

GOOD_CSV = (
    "email,name,department,role,skills,learn\n"
    "ana.new@example.org,Ana New,Systems,mentee,Koha=1,Koha\n"
    "ben.new@example.org,Ben New,Systems,mentor,Koha=4,\n"
)
BAD_CSV = (
    "email,name,department,role,capacity,skills\n"
    "not-an-email,Bad Email,Systems,mentee,,\n"
    "carl.new@example.org,Carl New,Systems,teacher,99,MARK 21=3\n"
)


def upload(client, text: str, name: str = "staff.csv", **extra):
    token = csrf_token(client, "/coordinator/people/import")
    return client.post("/coordinator/people/import", data={
        "csrf_token": token, "file": (io.BytesIO(text.encode()), name), **extra},
        content_type="multipart/form-data")


def test_people_list_searches_and_filters(as_role):
    client = as_role("coordinator")
    page = client.get("/coordinator/people").get_data(as_text=True)
    assert "Mina Mentor" in page and "Ada Admin" in page
    found = client.get("/coordinator/people?q=systems&role=mentee").get_data(as_text=True)
    assert "Eli Mentee" in found and "Sam Staff" in found and "Mina Mentor" not in found


def test_a_bad_csv_shows_every_problem_in_a_table_and_saves_nothing(as_role):
    client = as_role("coordinator")
    response = upload(client, BAD_CSV)
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    table = page[page.index('id="import-errors"'):]
    assert "not-an-email" in table and "not a valid email address" in table
    assert "teacher" in table and "99" in table
    assert "Carl New" not in client.get("/coordinator/people?q=carl").get_data(as_text=True)


def test_a_good_csv_imports_and_offers_invites(as_role):
    client = as_role("coordinator")
    response = upload(client, GOOD_CSV)
    assert response.status_code == 200
    assert "2 people added" in response.get_data(as_text=True)
    invites = client.post("/coordinator/people/invite", data={
        "csrf_token": csrf_token(client, "/coordinator/people"), "scope": "uninvited"})
    page = invites.get_data(as_text=True)
    links = re.findall(r'class="invite-link">([^<]+)<', page)
    assert len(links) == 2 and "ana.new@example.org" in page
    newcomer = as_role(None)
    assert newcomer.get(links[0].replace("http://localhost", "")).status_code == 200


def test_partial_import_keeps_the_good_rows(as_role):
    client = as_role("coordinator")
    mixed = BAD_CSV + "dora.new@example.org,Dora New,Systems,mentee,,\n"
    response = upload(client, mixed, partial="1")
    page = response.get_data(as_text=True)
    assert response.status_code == 200 and "1 person added" in page and "left out" in page


def test_a_file_that_is_not_utf8_is_refused_with_a_message(as_role):
    client = as_role("coordinator")
    token = csrf_token(client, "/coordinator/people/import")
    response = client.post("/coordinator/people/import", data={
        "csrf_token": token, "file": (io.BytesIO("email,name\né,x".encode("latin-1")), "x.csv")},
        content_type="multipart/form-data")
    assert response.status_code == 422 and "not UTF-8" in response.get_data(as_text=True)


def test_export_reads_back_as_the_import_format(as_role):
    response = as_role("coordinator").get("/coordinator/people/export.csv")
    assert response.headers["Content-Disposition"].startswith("attachment")
    rows = {row["email"]: row for row in csv.DictReader(io.StringIO(response.get_data(as_text=True)))}
    assert rows["mentor@example.org"]["skills"] == "MARC 21=4; RDA=4"
    assert rows["mentor@example.org"]["teach"] == "MARC 21; RDA"
    assert rows["mentee@example.org"]["learn"] == "MARC 21"


def test_deactivate_and_reactivate(app, as_role, ids):
    client = as_role("coordinator")
    token = csrf_token(client, "/coordinator/people")
    response = client.post(f"/coordinator/people/{ids['other']}/deactivate",
                           data={"csrf_token": token}, follow_redirects=True)
    assert "Olga Other is deactivated" in response.get_data(as_text=True)
    assert sign_in(app.test_client(), "other").status_code == 401
    client.post(f"/coordinator/people/{ids['other']}/activate", data={"csrf_token": token})
    assert sign_in(app.test_client(), "other").status_code == 303
    history = client.get(f"/coordinator/people/{ids['other']}").get_data(as_text=True)
    assert "Cora Coordinator deactivated the account" in history  # in words, with who did it
    assert "Cora Coordinator reactivated the account" in history


def test_coordinators_cannot_deactivate_themselves(as_role, ids):
    client = as_role("coordinator")
    token = csrf_token(client, "/coordinator/people")
    response = client.post(f"/coordinator/people/{ids['coordinator']}/deactivate",
                           data={"csrf_token": token})
    assert response.status_code == 409


def test_admin_changes_roles_and_the_last_admin_stays(as_role, ids):
    client = as_role("admin")
    token = csrf_token(client, "/admin/roles")
    response = client.post(f"/admin/people/{ids['staff']}/roles",
                           data={"csrf_token": token, "coordinator": "1"}, follow_redirects=True)
    assert "Sam Staff is now coordinator" in response.get_data(as_text=True)
    client.post(f"/admin/people/{ids['staff']}/roles", data={"csrf_token": token})
    last = client.post(f"/admin/people/{ids['admin']}/roles", data={"csrf_token": token})
    assert last.status_code == 409 and "last admin" in last.get_data(as_text=True)


def test_with_an_smtp_host_invites_are_mailed(app, as_role, smtp_server):
    client = as_role("coordinator")
    newcomer = person_id(app, "ana.new@example.org")  # imported above, not signed up
    response = client.post("/coordinator/people/invite", data={
        "csrf_token": csrf_token(client, "/coordinator/people"), "person_id": str(newcomer)})
    assert "Queued 1 invite to be mailed" in response.get_data(as_text=True)
    [message] = smtp_server.mail_to("ana.new@example.org")
    assert "/invite/" in message.get_body(("plain",)).get_content()


def test_coordinators_cannot_take_over_accounts_or_remove_admins(as_role, ids):
    client = as_role("coordinator")
    token = csrf_token(client, "/coordinator/people")
    for who in ("admin", "mentor"):  # an admin; someone who has signed up
        response = client.post("/coordinator/people/invite",
                               data={"csrf_token": token, "person_id": str(ids[who])})
        assert response.status_code == 403, who
    response = client.post(f"/coordinator/people/{ids['admin']}/deactivate",
                           data={"csrf_token": token})
    assert response.status_code == 403


def test_the_last_admin_cannot_be_deactivated(as_role, ids):
    client = as_role("admin")
    response = client.post(f"/coordinator/people/{ids['admin']}/deactivate",
                           data={"csrf_token": csrf_token(client, "/coordinator/people")})
    assert response.status_code == 409  # their own account, and the last admin


def test_an_import_keeps_the_profile_a_person_wrote(app, as_role):
    client = as_role("coordinator")
    response = upload(client, "email,name,department,role,goals\n"
                              "mentor@example.org,Mina Mentor-Renamed,Metadata,mentee,Other goals\n")
    page = response.get_data(as_text=True)
    assert response.status_code == 200 and "keeps the profile they wrote" in page
    with app.extensions["mentorship.sessions"]() as db:
        from sqlalchemy import select

        from mentorship.people.models import Person
        mentor = db.scalar(select(Person).where(Person.email == "mentor@example.org"))
        assert mentor.name == "Mina Mentor-Renamed"
        assert str(mentor.profile.role) == "mentor" and mentor.profile.goals.startswith("Pass on")
        assert {s.skill_id for s in mentor.profile.skills} >= {"marc21", "rda"}


def test_exports_guard_cells_against_spreadsheet_formulas(app, as_role, taxonomy):
    from mentorship.profiles.operations import register_person

    with app.extensions["mentorship.sessions"]() as db:
        register_person(db, None, {"email": "formula@example.org", "name": "=HYPERLINK(1)",
                                   "role": "mentee"}, taxonomy)
        db.commit()
    client = as_role("coordinator")
    text = client.get("/coordinator/people/export.csv").get_data(as_text=True)
    assert "'=HYPERLINK(1)" in text
    reimport = upload(client, text)  # the guard comes off again on import
    assert reimport.status_code == 200
    with app.extensions["mentorship.sessions"]() as db:
        from sqlalchemy import select

        from mentorship.people.models import Person
        assert db.scalar(select(Person.name).where(Person.email == "formula@example.org")) \
            == "=HYPERLINK(1)"


def test_an_upload_over_the_size_limit_gets_a_clear_message(app, as_role, monkeypatch):
    monkeypatch.setitem(app.config, "MAX_CONTENT_LENGTH", 100 * 1024)
    client = as_role("coordinator")
    response = upload(client, "email,name\n" + "x" * 150 * 1024)
    assert response.status_code == 413
    assert "larger than 100 KB" in response.get_data(as_text=True)


def test_a_person_page_shows_profile_pairs_and_history(as_role, ids):
    client = as_role("coordinator")
    people = client.get("/coordinator/people").get_data(as_text=True)
    assert f'href="/coordinator/people/{ids["mentee"]}"' in people  # names link to the page
    page = client.get(f"/coordinator/people/{ids['mentee']}")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "Profile" in html and "Pairs" in html and "History" in html
    assert "Spring" in html  # the published round their pair is in
    assert re.search(r"<dt>Experience</dt><dd>—</dd>", html)  # not given
    assert client.get("/coordinator/people/999999").status_code == 404


def test_a_conflict_is_a_message_on_the_page_it_came_from(as_role, ids):
    client = as_role("admin")
    page = "/coordinator/people"
    response = client.post(f"/coordinator/people/{ids['admin']}/deactivate",
                           data={"csrf_token": csrf_token(client, page)},
                           headers={"Referer": f"http://localhost{page}?q=ad"})
    assert response.status_code == 303 and response.location.endswith(f"{page}?q=ad")
    shown = client.get(response.location).get_data(as_text=True)
    assert ('class="flash flash-error" role="alert"' in shown
            and "you cannot deactivate your own account" in shown)
    # Another site's page is not "where it came from": the error page says it instead.
    elsewhere = client.post(f"/coordinator/people/{ids['admin']}/deactivate",
                            data={"csrf_token": csrf_token(client, page)},
                            headers={"Referer": "http://evil.example/coordinator/people"})
    assert elsewhere.status_code == 409


def test_a_forms_redirect_goes_back_only_to_a_page_of_this_site(as_role, ids):
    coordinator, admin = as_role("coordinator"), as_role("admin")
    hostile = ["https://evil.example/phish", "http://localhost//evil.example/x",
               "http://localhost/\\evil.example", "http://evil.example/coordinator/people"]
    for referer in hostile:
        for client, path, data in (
                (coordinator, f"/coordinator/people/{ids['other']}/deactivate", {}),
                (coordinator, f"/coordinator/people/{ids['other']}/activate", {}),
                (coordinator, "/coordinator/people/invite", {}),  # no one ticked: back
                (admin, f"/admin/people/{ids['other']}/roles", {})):
            response = client.post(path, headers={"Referer": referer}, data={
                "csrf_token": csrf_token(client, "/profile"), **data})
            assert response.status_code == 303, (path, referer)
            location = response.headers["Location"]
            assert "evil" not in location and location.startswith("/"), (path, referer, location)
    # A page of this site is where it goes back to, with its query.
    back = coordinator.post(f"/coordinator/people/{ids['other']}/activate", data={
        "csrf_token": csrf_token(coordinator, "/profile")},
        headers={"Referer": "http://localhost/coordinator/people?q=Olga"})
    assert back.headers["Location"] == "/coordinator/people?q=Olga"

"""Choice rounds on the pages and the API: the round form, a request that loses the last place,
a mentor's answer, the coordinator's window, and what each side then sees."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from mentorship.mail.models import OutboxMessage
from mentorship.people.accounts import set_password
from mentorship.profiles.operations import register_person
from mentorship.rounds.models import Match, MatchStatus, Round, RoundStatus, Suggestion
from tests.webapp.conftest import PASSWORD, csrf_token

PEOPLE = [
    {"email": "greta@repo.example.org", "name": "Greta Guide", "role": "mentor", "capacity": "1",
     "skills": "DSpace=4", "teach": "DSpace", "goals": "Run DSpace upgrades"},
    {"email": "ines@repo.example.org", "name": "Ines Intern", "role": "mentee",
     "skills": "DSpace=0", "learn": "DSpace", "goals": "Deposit theses"},
    {"email": "jon@repo.example.org", "name": "Jon Junior", "role": "mentee",
     "skills": "DSpace=1", "learn": "DSpace", "goals": "Submission forms"},
]


def signed_in(app, address):
    client = app.test_client()
    token = csrf_token(client)
    response = client.post("/sign-in", data={"email": address, "password": PASSWORD,
                                             "csrf_token": token})
    assert response.status_code == 303
    return client


def api_token(client):
    return client.get("/api/v1/session").get_json()["csrf_token"]


@pytest.fixture(scope="module")
def people(app, ids, taxonomy):
    with app.extensions["mentorship.sessions"]() as db:
        found = {}
        for fields in PEOPLE:
            person = register_person(db, None, fields, taxonomy)
            set_password(db, None, person.id, PASSWORD)
            found[fields["name"].split()[0].lower()] = person.id
        db.commit()
    return found


def test_the_round_form_makes_a_choice_round_and_checks_its_numbers(as_role):
    coordinator = as_role("coordinator")
    form = coordinator.get("/coordinator/rounds/new").get_data(as_text=True)
    assert "Who chooses" in form and "Mentees choose" in form
    token = csrf_token(coordinator, "/coordinator/rounds/new")
    bad = coordinator.post("/coordinator/rounds/new", data={
        "csrf_token": token, "name": "Bad", "mode": "mentor",
        "text_weight": "0.2", "min_score": "0", "selection": "choice",
        "suggestions": "9", "accept_days": "a week"})
    page = bad.get_data(as_text=True)
    assert bad.status_code == 422
    assert 'id="suggestions-error"' in page and "from 3 to 5" in page
    assert 'id="accept_days-error"' in page and 'value="a week"' in page
    made = coordinator.post("/coordinator/rounds/new", data={
        "csrf_token": token, "name": "Chosen", "mode": "mentor",
        "text_weight": "0.2", "min_score": "0", "selection": "choice",
        "suggestions": "4", "accept_days": "5"})
    assert made.status_code == 303
    review = coordinator.get(made.headers["Location"]).get_data(as_text=True)
    assert "Open the choice window" in review and "Run the preview" not in review
    plain = coordinator.post("/coordinator/rounds/new", data={
        "csrf_token": token, "name": "Plain", "mode": "mentor",
        "text_weight": "0.2", "min_score": "0", "selection": "coordinator",
        "suggestions": "4", "accept_days": "5"})
    review = coordinator.get(plain.headers["Location"]).get_data(as_text=True)
    assert "Open the choice window" not in review and "selection" not in review


def test_a_choice_round_through_the_api_and_the_pages(app, people, as_role):
    app.config["BASE_URL"] = "https://mentoring.example.edu"
    coordinator = as_role("coordinator")
    token = api_token(coordinator)
    created = coordinator.post("/api/v1/rounds", headers={"X-CSRFToken": token}, json={
        "name": "Repository", "mode": "mentor", "settings": {"selection": "choice"}})
    assert created.status_code == 201, created.get_json()
    round_id = created.get_json()["id"]
    opened = coordinator.post(f"/api/v1/rounds/{round_id}/choice/open",
                              headers={"X-CSRFToken": token})
    assert opened.get_json()["status"] == "choosing"
    assert coordinator.post(f"/api/v1/rounds/{round_id}/preview",
                            headers={"X-CSRFToken": token}).status_code == 409
    # While the window is open there is no preview to run, and the page does not ask for one.
    choosing = coordinator.get(f"/coordinator/rounds/{round_id}").get_data(as_text=True)
    assert "run the preview" not in choosing and "when you close the choice window" in choosing

    ines, jon = signed_in(app, "ines@repo.example.org"), signed_in(app, "jon@repo.example.org")
    [choice] = ines.get("/api/v1/choices").get_json()
    [greta] = [s for s in choice["suggestions"] if s["mentor"]["name"] == "Greta Guide"]
    assert greta["mentor"]["goals"] == "Run DSpace upgrades" and greta["reasons"]
    asked = ines.post(f"/api/v1/choices/{greta['id']}/request",
                      headers={"X-CSRFToken": api_token(ines)})
    assert asked.status_code == 201 and asked.get_json()["status"] == "requested"
    # The mentor's mail links to the app's BASE_URL, as every other mail does.
    with app.extensions["mentorship.sessions"]() as db:
        mail = db.scalar(select(OutboxMessage).where(OutboxMessage.kind == "choice_request"))
    assert "https://mentoring.example.edu/matches" in mail.text_body
    assert "127.0.0.1" not in mail.text_body
    # Jon's page: Greta's one place is held, his request is refused with a clear message.
    with app.extensions["mentorship.sessions"]() as db:
        jons = db.scalar(select(Suggestion.id).where(Suggestion.round_id == round_id,
                                                     Suggestion.mentee_id == people["jon"],
                                                     Suggestion.mentor_id == people["greta"]))
    assert "No place left right now" in jon.get("/matches/choose").get_data(as_text=True)
    refused = jon.post(f"/matches/suggestions/{jons}/request",
                       data={"csrf_token": csrf_token(jon, "/matches/choose")},
                       follow_redirects=True)
    assert "Not requested: this mentor has no place left" in refused.get_data(as_text=True)
    api_refused = jon.post(f"/api/v1/choices/{jons}/request",
                           headers={"X-CSRFToken": api_token(jon)})
    assert api_refused.status_code == 409 and "no place left" in api_refused.get_json()["message"]

    mentor = signed_in(app, "greta@repo.example.org")
    [pending] = mentor.get("/api/v1/requests").get_json()
    assert pending["mentee"]["name"] == "Ines Intern" and pending["status"] == "requested"
    page = mentor.get("/matches").get_data(as_text=True)
    assert "Requests from mentees" in page and "Deposit theses" in page
    # Only the mentor answers; the mentee cannot accept her own request.
    assert ines.post(f"/api/v1/requests/{pending['id']}/accept",
                     headers={"X-CSRFToken": api_token(ines)}).status_code == 403
    accepted = mentor.post(f"/matches/requests/{pending['id']}/accept",
                           data={"csrf_token": csrf_token(mentor, "/matches")})
    assert accepted.status_code == 303
    assert "Greta Guide accepted your request" in ines.get("/matches/choose").get_data(
        as_text=True)
    window = coordinator.get(f"/api/v1/rounds/{round_id}/choice").get_json()
    assert (window["pending"], window["accepted"], window["mentees"]) == (0, 1, 2)

    filled = coordinator.post(f"/coordinator/rounds/{round_id}/close-choice",
                              data={"csrf_token": csrf_token(coordinator, "/profile")})
    assert filled.status_code == 303
    with app.extensions["mentorship.sessions"]() as db:
        assert db.get(Round, round_id).status == RoundStatus.PREVIEWED
        kept = db.get(Match, pending["id"])
        assert kept.status == MatchStatus.ACCEPTED and kept.locked
    # The accepted pair's lock stays and it cannot be removed: the page offers neither.
    review = coordinator.get(f"/coordinator/rounds/{round_id}").get_data(as_text=True)
    pairs = review.split('id="pairs"', 1)[1].split("</table>", 1)[0]
    [accepted_row] = [row for row in pairs.split("<tr>") if "Ines Intern" in row]
    assert f'id="pick-{kept.id}"' not in accepted_row  # not offered for a swap either
    assert "Accepted in the choice window" in accepted_row
    assert "Remove" not in accepted_row and "Unlock" not in accepted_row
    locks = review.split('id="locks"', 1)[1].split("</table>", 1)[0]
    assert "the lock stays" in locks and "Unlock" not in locks
    assert coordinator.post(f"/api/v1/rounds/{round_id}/publish",
                            headers={"X-CSRFToken": token}).status_code == 200
    mine = ines.get("/api/v1/matches").get_json()
    assert [(m["other"]["name"], m["status"]) for m in mine] == [("Greta Guide", "accepted")]


def test_a_mentee_choosing_a_new_mentor_is_not_told_they_wait_for_one(app, people, as_role, ids,
                                                                    taxonomy):
    mentor, mentee = as_role("mentor"), as_role("mentee")
    with app.extensions["mentorship.sessions"]() as db:  # a mentor Eli was never paired with
        hugo = register_person(db, None, {
            "email": "hugo@repo.example.org", "name": "Hugo Helper", "role": "mentor",
            "capacity": "1", "skills": "MARC 21=4", "teach": "MARC 21"}, taxonomy)
        set_password(db, None, hugo.id, PASSWORD)
        db.commit()
    assert mentor.post(f"/matches/{ids['match']}/accept",
                       data={"csrf_token": csrf_token(mentor, "/matches")}).status_code == 303
    assert mentee.post(f"/matches/{ids['match']}/end", data={
        "csrf_token": csrf_token(mentee, "/matches"), "reason": "Moved team"}).status_code == 303
    assert "You are waiting for a new mentor" in mentee.get("/matches").get_data(as_text=True)
    coordinator = as_role("coordinator")
    token = api_token(coordinator)
    created = coordinator.post("/api/v1/rounds", headers={"X-CSRFToken": token}, json={
        "name": "Autumn", "mode": "mentor", "settings": {"selection": "choice"}})
    round_id = created.get_json()["id"]
    assert coordinator.post(f"/api/v1/rounds/{round_id}/choice/open",
                            headers={"X-CSRFToken": token}).status_code == 200
    [choice] = mentee.get("/api/v1/choices").get_json()
    html = mentee.get("/matches").get_data(as_text=True)
    assert "See your suggested mentors" in html
    assert "waiting for a new mentor" not in html
    [suggested] = [s for s in choice["suggestions"] if s["mentor"]["name"] == "Hugo Helper"]
    assert mentee.post(f"/api/v1/choices/{suggested['id']}/request",
                       headers={"X-CSRFToken": api_token(mentee)}).status_code == 201
    assert "waiting for a new mentor" not in mentee.get("/matches").get_data(as_text=True)
    helper = signed_in(app, "hugo@repo.example.org")
    [asked] = helper.get("/api/v1/requests").get_json()
    assert helper.post(f"/matches/requests/{asked['id']}/accept",
                       data={"csrf_token": csrf_token(helper, "/matches")}).status_code == 303
    html = mentee.get("/matches").get_data(as_text=True)
    assert "Your request to Hugo Helper in “Autumn” is accepted" in html
    assert "waiting for a new mentor" not in html

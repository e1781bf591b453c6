"""Peer circles of three on the web: the round page, My matches, the API, the CSV, a decline."""

from __future__ import annotations

import csv
import io
import re

import pytest
from sqlalchemy import select

from mentorship.people.accounts import set_password
from mentorship.profiles.operations import register_person
from mentorship.rounds.models import Match, MatchStatus, Round
from mentorship.rounds.operations import create_round, publish_round
from mentorship.rounds.run import preview_round
from tests.webapp.conftest import PASSWORD, csrf_token, email, sign_in, wait_for_rematch

# ann teaches bo Python, bo teaches cy SPARQL, cy teaches ann Alma; no two can swap.
CIRCLE = {
    "ann": {"name": "Ann Arc", "department": "Systems", "role": "both", "skills": "Python=4",
            "learn": "Alma", "goals": "Run Alma"},
    "bo": {"name": "Bo Bend", "department": "Research", "role": "both", "skills": "SPARQL=4",
           "learn": "Python", "goals": "Script things"},
    "cy": {"name": "Cy Curve", "department": "Metadata", "role": "both", "skills": "Alma=4",
           "learn": "SPARQL", "goals": "Query linked data"},
}


@pytest.fixture(scope="module")
def circle(app, ids, taxonomy):
    """A published peer round whose only group is the circle ann -> bo -> cy -> ann."""
    with app.extensions["mentorship.sessions"]() as db:
        for who, fields in CIRCLE.items():
            person = register_person(db, None, {"email": email(who), **fields}, taxonomy)
            set_password(db, None, person.id, PASSWORD)
        current = create_round(db, None, "Peers", mode="peer")
        preview_round(db, None, current.id, taxonomy=taxonomy)
        publish_round(db, None, current.id)
        db.commit()
        (match,) = [m for m in db.get(Round, current.id).matches if m.third_id is not None]
        return {"round": current.id, "match": match.id}


def signed_in(app, who):
    client = app.test_client()
    assert sign_in(client, who).status_code == 303
    return client


def test_the_round_page_shows_the_circle_as_one_group_of_three(app, circle):
    html = signed_in(app, "coordinator").get(
        f"/coordinator/rounds/{circle['round']}").get_data(as_text=True)
    assert "Circle of three" in html
    assert "Ann Arc → Bo Bend → Cy Curve → Ann Arc" in html


def test_the_csv_export_has_the_third_member(app, circle):
    text = signed_in(app, "coordinator").get(
        f"/coordinator/rounds/{circle['round']}/export.csv").get_data(as_text=True)
    (row,) = [r for r in csv.DictReader(io.StringIO(text)) if r["person_c_email"]]
    assert (row["person_a_email"], row["person_b_email"], row["person_c_email"]) == (
        email("ann"), email("bo"), email("cy"))


def test_each_member_sees_the_circle_in_my_matches_and_the_api(app, circle):
    client = signed_in(app, "bo")
    html = client.get("/matches").get_data(as_text=True)
    assert "Your circle of three" in html
    assert "You teach Cy Curve, Cy Curve teaches Ann Arc, and Ann Arc teaches you." in html
    mine = client.get("/api/v1/matches").get_json()
    (group,) = [m for m in mine if m["id"] == circle["match"]]
    assert [p["email"] for p in group["circle"]] == [email("cy"), email("ann")]
    detail = client.get(f"/api/v1/matches/{circle['match']}").get_json()
    assert detail["third"]["email"] == email("cy") and detail["third_id"] is not None


def test_someone_outside_the_circle_cannot_see_it(app, circle):
    assert signed_in(app, "other").get(f"/api/v1/matches/{circle['match']}").status_code == 403


def test_the_new_round_form_offers_the_same_manager_choice(app):
    client = signed_in(app, "coordinator")
    html = client.get("/coordinator/rounds/new").get_data(as_text=True)
    assert re.search(r'<option value="" selected>The mode&#39;s default', html)
    assert re.search(r'name="trios" value="1" checked', html)  # circles are on by default
    token = csrf_token(client, "/coordinator/rounds/new")
    created = client.post("/coordinator/rounds/new", data={
        "name": "Teams apart", "mode": "peer", "skill_weight": "0.8", "text_weight": "0.2",
        "min_score": "0", "allow_same_manager": "refuse", "csrf_token": token})
    assert created.status_code == 303
    with app.extensions["mentorship.sessions"]() as db:
        settings = db.scalar(select(Round.settings).where(Round.name == "Teams apart"))
    # An unticked box is off, as for every flag of the form.
    assert settings["allow_same_manager"] is False and settings["trios"] is False


def test_a_decline_by_one_member_ends_the_circle_for_all_three(app, circle):
    client = signed_in(app, "cy")
    page = client.get(f"/matches/{circle['match']}/decline").get_data(as_text=True)
    assert "Decline your circle with Ann Arc and Bo Bend" in page
    token = csrf_token(client, "/matches")
    response = client.post(f"/matches/{circle['match']}/decline",
                           data={"csrf_token": token, "reason": "no time"})
    assert response.status_code == 303
    assert wait_for_rematch(app, circle["match"]) == "done"
    with app.extensions["mentorship.sessions"]() as db:
        assert db.get(Match, circle["match"]).status == MatchStatus.DECLINED
    for who in ("ann", "bo", "cy"):
        assert "Your circle" not in signed_in(app, who).get("/matches").get_data(as_text=True)

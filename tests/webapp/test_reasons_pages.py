"""Reasons on the pages and in the API: code and text, close calls for coordinators only,
old string reasons still shown."""

from __future__ import annotations

import pytest

from mentorship.people.models import Person
from mentorship.rounds.models import Match, Round

API = "/api/v1"
OLD = "an old reason, stored as a sentence"


@pytest.fixture(scope="module")
def flagged(app, ids):
    """The seeded pair, its reasons replaced by a skill code, a close call naming another
    mentor, and an old string; the round's unmatched list holds an old string entry too."""
    with app.extensions["mentorship.sessions"]() as db:
        match = db.get(Match, ids["match"])
        other = db.get(Person, ids["other"])
        match.reasons = [
            {"code": "skill", "skill": "marc21", "mentor_level": 4, "mentee_level": 1, "rank": 1},
            {"code": "close_call", "other": other.id, "score": 0.7, "other_score": 0.69,
             "margin": 0.02},
            OLD,
        ]
        db.get(Round, ids["round"]).unmatched = [
            {"id": "other@example.org", "side": "mentee", "reason": OLD},
            {"id": "staff@example.org", "side": "mentor", "details": [],
             "reason": {"code": "no_demand", "free": 1, "capacity": 1}},
        ]
        mentee = db.get(Person, match.mentee_id)
        facts = {"other": other.name, "mentee": mentee.email.split("@")[0],
                 "round": ids["round"], "match": match.id}
        db.commit()
    return facts


def test_the_round_page_flags_the_close_call_with_the_other_name(as_role, flagged):
    page = as_role("coordinator").get(f"/coordinator/rounds/{flagged['round']}").get_data(
        as_text=True)
    assert "Close call</span> " + flagged["other"] + " fits within 0.010" in page
    assert "MARC 21 (want 1): mentor expert (4), mentee aware (1)" in page
    assert OLD in page
    assert "1 of 1 places free: no mentee in the pool wants what they teach" in page


def test_participants_never_see_the_close_call(as_role, flagged):
    """A close call is a note for the coordinator's review, not something to tell the pair."""
    client = as_role(flagged["mentee"])
    page = client.get("/matches").get_data(as_text=True)
    assert "close call" not in page.casefold()
    assert flagged["other"] not in page
    assert OLD in page
    [pair] = [p for p in client.get(f"{API}/matches").get_json() if p["id"] == flagged["match"]]
    assert "close_call" not in [r["code"] for r in pair["reasons"]]
    assert "MARC 21 (want 1)" in pair["reasons"][0]["text"]
    detail = client.get(f"{API}/matches/{flagged['match']}").get_json()
    assert flagged["other"] not in str(detail["reasons"])
    assert "close_call" not in str(detail["reasons"])


def test_the_api_carries_code_and_text(as_role, flagged):
    client = as_role("coordinator")
    pairs = client.get(f"{API}/rounds/{flagged['round']}/matches").get_json()
    [pair] = [p for p in pairs if p["id"] == flagged["match"]]
    assert pair["reasons"][0] == {
        "code": "skill", "skill": "marc21", "mentor_level": 4, "mentee_level": 1, "rank": 1,
        "text": "MARC 21 (want 1): mentor expert (4), mentee aware (1)"}
    assert pair["reasons"][1]["other"] and flagged["other"] in pair["reasons"][1]["text"]
    assert pair["reasons"][2] == {"code": "text", "text": OLD}
    found = client.get(f"{API}/rounds/{flagged['round']}").get_json()
    assert found["unmatched"] == [
        {"email": "other@example.org", "side": "mentee", "details": [],
         "reason": {"code": "text", "text": OLD}},
        {"email": "staff@example.org", "side": "mentor", "details": [],
         "reason": {"code": "no_demand", "free": 1, "capacity": 1,
                    "text": "1 of 1 places free: no mentee in the pool wants what they teach "
                            "above the mentee's level"}},
    ]


def test_the_round_export_carries_text_and_codes(as_role, flagged):
    import csv
    import io
    import json

    text = as_role("coordinator").get(
        f"/coordinator/rounds/{flagged['round']}/export.csv").get_data(as_text=True)
    row = next(csv.DictReader(io.StringIO(text)))
    assert OLD in row["reasons"] and flagged["other"] in row["reasons"]
    assert [r["code"] for r in json.loads(row["reason_codes"])] == ["skill", "close_call", "text"]

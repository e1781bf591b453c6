"""A decline that leaves the mentee with no one free: they join the round's unmatched list."""

from __future__ import annotations

from mentorship.rounds.models import Round
from tests.webapp.conftest import csrf_token


def test_a_mentee_left_without_a_mentor_is_listed_with_the_engines_reason(app, as_role, ids):
    mentee = as_role("mentee")
    response = mentee.post(f"/matches/{ids['match']}/decline", data={
        "csrf_token": csrf_token(mentee, "/matches"), "reason": "not a fit"},
        follow_redirects=True)
    assert "No other partner is free right now" in response.get_data(as_text=True)
    with app.extensions["mentorship.sessions"]() as db:
        unmatched = {entry["id"]: entry for entry in db.get(Round, ids["round"]).unmatched}
    assert unmatched["mentee@example.org"]["side"] == "mentee"
    assert unmatched["mentee@example.org"]["reason"]

"""A decline that leaves the mentee with no one free: they join the round's unmatched list."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import update

from mentorship.rounds.models import Match, Round
from tests.webapp.conftest import csrf_token, wait_for_rematch


def test_a_mentee_left_without_a_mentor_is_listed_with_the_engines_reason(app, as_role, ids):
    mentee = as_role("mentee")
    response = mentee.post(f"/matches/{ids['match']}/decline", data={
        "csrf_token": csrf_token(mentee, "/matches"), "reason": "not a fit"},
        follow_redirects=True)
    assert "A new partner is being looked for" in response.get_data(as_text=True)
    assert wait_for_rematch(app, ids["match"]) == "done"
    page = mentee.get("/matches").get_data(as_text=True)
    assert "You are waiting for a new mentor" in page and "Finding you a new mentor" not in page
    with app.extensions["mentorship.sessions"]() as db:
        unmatched = {entry["id"]: entry for entry in db.get(Round, ids["round"]).unmatched}
    assert unmatched["mentee@example.org"]["side"] == "mentee"
    assert unmatched["mentee@example.org"]["reason"]


def test_while_the_rematch_runs_the_mentee_reads_that_a_new_mentor_is_being_found(app, as_role,
                                                                                   ids):
    # After the decline above: its re-match is pending again (a job took it, alive just now).
    with app.extensions["mentorship.sessions"]() as db:
        db.execute(update(Match).where(Match.id == ids["match"]).values(
            rematch_status="running", rematch_job_id="elsewhere",
            rematch_heartbeat_at=datetime.now(UTC)))
        db.commit()
    try:
        page = as_role("mentee").get("/matches").get_data(as_text=True)
        assert "Finding you a new mentor" in page and "A new mentor is being found" in page
        assert "You are waiting for a new mentor" not in page
    finally:
        with app.extensions["mentorship.sessions"]() as db:
            db.execute(update(Match).where(Match.id == ids["match"]).values(
                rematch_status="done"))
            db.commit()

"""After the match, as pages and API: accept, the agreement proposed and confirmed (the pair is
then active), its history for both sides and coordinators, and ending it with a reason.

The tests run in order on the module's one seeded pair (mentor and mentee of round Spring).
"""

from __future__ import annotations

import re

from sqlalchemy import select

from mentorship.core.audit import AuditEvent
from tests.conftest import AGREEMENT_END, AGREEMENT_START
from tests.webapp.conftest import csrf_token

GOOD = {"goals": "Learn MARC 21\nCatalogue a serial", "frequency": "every_two_weeks",
        "meeting_format": "hybrid", "start_date": AGREEMENT_START.isoformat(),
        "end_date": AGREEMENT_END.isoformat()}


def page(client, path):
    response = client.get(path)
    assert response.status_code == 200, path
    return response.get_data(as_text=True)


def post(client, path, data=None, **kwargs):
    return client.post(path, data={"csrf_token": csrf_token(client, "/matches"), **(data or {})},
                       **kwargs)


def api_token(client):
    return client.get("/api/v1/session").get_json()["csrf_token"]


def test_before_acceptance_there_is_no_agreement_to_make(as_role, ids):
    mentee = as_role("mentee")
    html = page(mentee, f"/matches/{ids['match']}")
    assert "An agreement is made once the pair is accepted" in html
    assert "Proposed: the round was published" in html
    assert "once the pair is accepted" in page(mentee, f"/matches/{ids['match']}/agreement")
    assert post(mentee, f"/matches/{ids['match']}/agreement",
                dict(GOOD, version="0")).status_code == 409


def test_the_mentor_accepts_and_both_see_it(as_role, ids):
    mentor = as_role("mentor")
    assert post(mentor, f"/matches/{ids['match']}/accept").status_code == 303
    for who in ("mentor", "mentee"):
        html = page(as_role(who), "/matches")
        assert 'class="tag status-accepted"' in html
        assert "Mentoring agreement: not yet proposed." in html
    history = page(as_role("mentee"), f"/matches/{ids['match']}")
    assert "Mina Mentor accepted" in history and "(proposed → accepted)" in history


def test_the_agreement_form_is_seeded_and_reports_each_bad_field_beside_it(as_role, ids):
    mentee = as_role("mentee")
    form = page(mentee, f"/matches/{ids['match']}/agreement")
    assert "Learn MARC 21\nLearn original cataloguing</textarea>" in form  # wants, then goals
    # The date control shows the browser's own format: the hint says the bounds, not a format.
    assert "YYYY-MM-DD" not in form and "Up to a year ago, or up to two years ahead" in form
    far = post(mentee, f"/matches/{ids['match']}/agreement", dict(
        GOOD, start_date="1900-01-01", end_date="9999-12-31", version="0"))
    assert far.status_code == 422
    html = far.get_data(as_text=True)
    assert re.search(r'id="start_date-error">.*the start must be between', html)
    assert re.search(r'id="end_date-error">.*at most three years after the start', html)
    bad = post(mentee, f"/matches/{ids['match']}/agreement", dict(
        GOOD, goals="Keep this text", frequency="hourly", start_date=AGREEMENT_END.isoformat(),
        end_date=AGREEMENT_START.isoformat(), version="0"))
    assert bad.status_code == 422
    html = bad.get_data(as_text=True)
    assert re.search(r'id="end_date-error">.*the end date must be after the start date', html)
    assert 'id="frequency-error"' in html and 'aria-invalid="true"' in html
    assert "Keep this text</textarea>" in html  # nothing typed is lost
    assert as_role("coordinator").get(f"/matches/{ids['match']}/agreement").status_code == 403


def test_the_mentee_proposes_and_the_mentor_confirms_then_the_pair_is_active(app, as_role, ids):
    mentee, mentor = as_role("mentee"), as_role("mentor")
    saved = post(mentee, f"/matches/{ids['match']}/agreement", dict(GOOD, version="0"))
    assert saved.status_code == 303
    mine = page(mentee, f"/matches/{ids['match']}")
    assert "proposed by you on " in mine and "the other side confirms it" in mine
    assert "Confirm the agreement" not in mine
    assert "<title>Your pair with Mina Mentor" in mine  # not "Pair 1"
    assert "Every two weeks" in mine and "Catalogue a serial" in mine
    # The proposer cannot confirm their own proposal.
    assert post(mentee, f"/matches/{ids['match']}/agreement/confirm",
                {"version": "1"}).status_code == 409
    theirs = page(mentor, f"/matches/{ids['match']}")
    assert "Version 1, proposed by Eli Mentee on " in theirs  # who proposed it
    assert "Confirm the agreement" in theirs and 'name="version" value="1"' in theirs
    assert post(mentor, f"/matches/{ids['match']}/agreement/confirm",
                {"version": "1"}).status_code == 303
    for who in ("mentor", "mentee"):
        html = page(as_role(who), f"/matches/{ids['match']}")
        assert 'class="tag status-active"' in html and "confirmed" in html
        assert "Active: the agreement is confirmed" in html
    assert "Mentoring agreement: confirmed." in page(mentee, "/matches")
    with app.extensions["mentorship.sessions"]() as db:
        actions = db.scalars(select(AuditEvent.action).where(
            AuditEvent.target_type == "match", AuditEvent.target_id == str(ids["match"]))
            .order_by(AuditEvent.id)).all()
    assert actions == ["match.accept", "agreement.propose", "agreement.confirm", "match.activate"]


def test_coordinators_see_the_agreement_history_and_status_from_the_round(as_role, ids):
    coordinator = as_role("coordinator")
    review = page(coordinator, f"/coordinator/rounds/{ids['round']}")
    assert 'class="tag status-active"' in review
    assert f'href="/matches/{ids["match"]}"' in review
    html = page(coordinator, f"/matches/{ids['match']}")
    assert "Pair " in html and "mentor Mina Mentor, mentee Eli Mentee" in html
    assert "Eli Mentee proposed the agreement (version 1)" in html
    assert "Mina Mentor confirmed the agreement (version 1)" in html
    assert "Confirm the agreement" not in html and "Change the agreement" not in html
    assert "End the pair" in html  # coordinators may end it
    assert page(as_role("staff"), "/matches").count("Mina Mentor") == 0
    assert as_role("staff").get(f"/matches/{ids['match']}").status_code == 403


def test_the_api_edits_and_confirms_with_versions(as_role, ids):
    mentor, mentee = as_role("mentor"), as_role("mentee")
    base = f"/api/v1/matches/{ids['match']}"
    current = mentor.get(f"{base}/agreement").get_json()
    assert (current["status"], current["version"], current["frequency"]) == (
        "confirmed", 1, "every_two_weeks")
    headers = {"X-CSRFToken": api_token(mentor)}
    bad = mentor.put(f"{base}/agreement", json={**GOOD, "end_date": "2026-01-01", "version": 1},
                     headers=headers)
    assert bad.status_code == 422
    assert bad.get_json()["errors"] == {"end_date": ["the end date must be after the start date"]}
    edited = mentor.put(f"{base}/agreement", json={**GOOD, "frequency": "monthly", "version": 1},
                        headers=headers)
    assert edited.status_code == 200
    assert (edited.get_json()["status"], edited.get_json()["version"]) == ("proposed", 2)
    stale = mentee.post(f"{base}/agreement/confirm", json={"version": 1},
                        headers={"X-CSRFToken": api_token(mentee)})
    assert stale.status_code == 409
    confirmed = mentee.post(f"{base}/agreement/confirm", json={"version": 2},
                            headers={"X-CSRFToken": api_token(mentee)})
    assert confirmed.status_code == 200 and confirmed.get_json()["status"] == "confirmed"
    history = mentee.get(f"{base}/history").get_json()
    assert history[0]["action"] == "match.proposed"
    assert [(h["action"], h["from"], h["to"]) for h in history if h["action"].startswith("match.")
            ] == [("match.proposed", "", "proposed"), ("match.accept", "proposed", "accepted"),
                  ("match.activate", "accepted", "active")]
    assert history[-1]["actor"]["email"] == "mentee@example.org"


def test_a_version_past_the_database_integer_is_refused_not_a_500(as_role, ids):
    mentor, mentee = as_role("mentor"), as_role("mentee")
    base = f"/api/v1/matches/{ids['match']}"
    before = mentor.get(f"{base}/agreement").get_json()
    for version in (2**31, 2**63, 2**70, -1):
        put = mentor.put(f"{base}/agreement", json={**GOOD, "version": version},
                         headers={"X-CSRFToken": api_token(mentor)})
        assert put.status_code == 422, (version, put.get_data(as_text=True))
        assert "version" in put.get_json()["errors"]
        confirm = mentee.post(f"{base}/agreement/confirm", json={"version": version},
                              headers={"X-CSRFToken": api_token(mentee)})
        assert confirm.status_code == 422 and "version" in confirm.get_json()["errors"]
    # The form's hidden version, tampered with: a conflict to reload, never a 500.
    for version in ("9" * 30, "9" * 10, "²", "x"):
        response = post(mentee, f"/matches/{ids['match']}/agreement/confirm",
                        {"version": version})
        assert response.status_code == 409, version
    assert mentor.get(f"{base}/agreement").get_json() == before


def test_ending_needs_a_reason_and_both_sides_then_see_it_ended(as_role, ids):
    mentee = as_role("mentee")
    form = page(mentee, f"/matches/{ids['match']}/end")
    assert "Why does the pair end?" in form
    empty = post(mentee, f"/matches/{ids['match']}/end", {"reason": " "})
    assert empty.status_code == 422 and 'id="reason-error"' in empty.get_data(as_text=True)
    assert post(mentee, f"/matches/{ids['match']}/end",
                {"reason": "Goals met early"}).status_code == 303
    mentor_page = page(as_role("mentor"), "/matches")
    assert "Your mentee" not in mentor_page  # no longer live
    assert ("Your pair with your mentee Eli Mentee (Spring): ended, Eli Mentee ended "
            "it (“Goals met early”)") in re.sub(r"\s+", " ", mentor_page)
    assert "ended, you ended it" in re.sub(r"\s+", " ", page(mentee, "/matches"))
    mentee_page = page(mentee, "/matches")
    assert "You are waiting for a new mentor" in mentee_page
    pair = page(as_role("mentor"), f"/matches/{ids['match']}")
    assert "Eli Mentee ended the pair" in pair and "Goals met early" in pair
    assert "The pair has ended: Eli Mentee ended it." in pair
    assert "End the pair" not in pair and "Change the agreement" not in pair
    review = page(as_role("coordinator"), f"/coordinator/rounds/{ids['round']}")
    assert 'class="tag status-ended"' in review and "a member of the pair ended it" in review
    assert post(as_role("mentor"), f"/matches/{ids['match']}/end",
                {"reason": "again"}).status_code == 409


def test_an_ended_pair_has_no_end_form_and_a_late_end_is_said_on_the_page(as_role, ids):
    mentor = as_role("mentor")
    end = f"/matches/{ids['match']}/end"
    html = page(mentor, end)
    assert "This pair has ended already." in html and "<textarea" not in html
    assert f'href="/matches/{ids["match"]}">Back to the pair' in html
    # The form sent from a tab opened before the pair ended: back to that page, with why.
    late = post(mentor, end, {"reason": "again"}, headers={"Referer": f"http://localhost{end}"})
    assert late.status_code == 303 and late.location.endswith(end)
    shown = mentor.get(late.location).get_data(as_text=True)
    assert 'class="flash flash-error"' in shown
    assert "this pair is ended now: it cannot be ended" in shown

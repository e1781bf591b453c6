"""My matches: both sides see the pair and its reasons; accept; decline and re-match."""

from __future__ import annotations

from mentorship.profiles.operations import register_person
from tests.webapp.conftest import csrf_token, wait_for_rematch


def test_mentee_sees_their_mentor_with_reasons_goals_and_contact(as_role):
    page = as_role("mentee").get("/matches").get_data(as_text=True)
    assert "Your mentor" in page and "Mina Mentor" in page
    assert "mentor@example.org" in page and "Pass on cataloguing practice" in page
    assert "MARC 21 (want 1): mentor expert (4), mentee aware (1)" in page


def test_mentor_sees_their_mentee(as_role):
    page = as_role("mentor").get("/matches").get_data(as_text=True)
    assert "Your mentee" in page and "Eli Mentee" in page and "Learn original cataloguing" in page


def test_someone_without_a_pair_is_told_so(as_role):
    page = as_role("staff").get("/matches").get_data(as_text=True)
    assert "You have no match yet" in page and "Mina" not in page


def test_no_one_else_can_accept_or_decline_a_pair(as_role, ids):
    client = as_role("other")
    token = csrf_token(client, "/matches")
    assert client.post(f"/matches/{ids['match']}/accept", data={"csrf_token": token}).status_code == 403
    assert client.get(f"/matches/{ids['match']}/decline").status_code == 403
    assert client.post(f"/matches/{ids['match']}/decline",
                       data={"csrf_token": token}).status_code == 403


def test_accept_then_decline_rematches_the_mentee(app, as_role, ids, taxonomy):
    # A second mentor who also teaches MARC 21, free to take the mentee after the decline.
    with app.extensions["mentorship.sessions"]() as db:
        register_person(db, None, {"email": "second@example.org", "name": "Noor Second",
                                   "role": "mentor", "skills": "MARC 21=3",
                                   "teach": "MARC 21"}, taxonomy)
        db.commit()
    mentor = as_role("mentor")
    token = csrf_token(mentor, "/matches")
    accepted = mentor.post(f"/matches/{ids['match']}/accept", data={"csrf_token": token})
    assert accepted.status_code == 303
    assert "accepted" in mentor.get("/matches").get_data(as_text=True)
    form = mentor.get(f"/matches/{ids['match']}/decline").get_data(as_text=True)
    assert "Why are you declining?" in form
    # One word for it on a participant's page: a pair, not sometimes a match.
    assert "Decline your pair with Eli Mentee" in form and "Decline the pair</button>" in form
    assert "match" not in form.lower().replace("/matches", "").replace("my matches", "")
    declined = mentor.post(f"/matches/{ids['match']}/decline",
                           data={"csrf_token": token, "reason": "moving teams"},
                           follow_redirects=True)
    # Declining is instant: the re-match is a job, and the page says so.
    assert "A new partner is being looked for" in declined.get_data(as_text=True)
    assert wait_for_rematch(app, ids["match"]) == "done"
    page = mentor.get("/matches").get_data(as_text=True)
    # The mentor has no live mentee now; the declined pair is in what happened, by them.
    assert "Your mentee" not in page and "Learn original cataloguing" not in page
    assert "Your pair with your mentee Eli Mentee (Spring): declined by you" in page
    mentee_page = as_role("mentee").get("/matches").get_data(as_text=True)
    # The mentee sees their new mentor, and that the first one declined (never why).
    new_card = mentee_page.split("What happened to earlier pairs")[0]
    assert "Noor Second" in new_card and "Mina Mentor" not in new_card
    assert "Your pair with your mentor Mina Mentor (Spring): declined by Mina Mentor" in mentee_page
    assert "You have a new mentor above" in mentee_page and "moving teams" not in mentee_page


def test_the_rounds_unmatched_list_follows_the_decline(app, ids):
    # After the decline above: the mentee has a new mentor, the declined mentor has no mentee.
    from mentorship.rounds.models import Round

    with app.extensions["mentorship.sessions"]() as db:
        unmatched = {entry["id"]: entry for entry in db.get(Round, ids["round"]).unmatched}
    assert "mentee@example.org" not in unmatched and "second@example.org" not in unmatched
    assert unmatched["mentor@example.org"]["side"] == "mentor"


def test_the_round_page_shows_pair_status_and_the_decline_reason(as_role, ids):
    # After the decline above: coordinators see the declined pair and its reason on the page.
    html = as_role("coordinator").get(f"/coordinator/rounds/{ids['round']}").get_data(as_text=True)
    assert "Declined pairs" in html and "moving teams" in html
    # The re-match job finished (the test above waited for it), and the page says so.
    declined_table = html.split('id="declined"')[1].split("</table>")[0]
    assert '<td class="rematch" role="status">Done</td>' in declined_table
    assert 'class="tag status-proposed"' in html  # the re-matched pair, live in a published round

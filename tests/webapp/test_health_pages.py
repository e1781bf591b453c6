"""Check-ins and the survey on My matches, and the programme-health page, its CSV and API.

The module's tests run in order on one seeded database: the seeded pair (Mina mentors Eli) is
accepted, checked in on, its round closed, then surveyed.
"""

from __future__ import annotations

import csv
import io

from sqlalchemy import select

from mentorship.pairs_health.dashboard import programme_health
from mentorship.pairs_health.models import CheckIn, Feedback
from mentorship.profiles.models import ProfileSkill
from mentorship.programmes.operations import create_programme
from tests.webapp.conftest import csrf_token

BANNER = "Check-in: how is it going with"


def test_no_check_in_is_asked_before_the_pair_is_accepted(as_role):
    assert BANNER not in as_role("mentee").get("/matches").get_data(as_text=True)


def test_both_members_of_an_accepted_pair_are_asked_to_check_in(as_role, ids):
    mentee = as_role("mentee")
    token = csrf_token(mentee, "/matches")
    assert mentee.post(f"/matches/{ids['match']}/accept",
                       data={"csrf_token": token}).status_code == 303
    page = mentee.get("/matches").get_data(as_text=True)
    assert f"{BANNER} Mina Mentor?" in page
    for words in ("We met", "Not yet", "We need help"):
        assert words in page
    assert f"{BANNER} Eli Mentee?" in as_role("mentor").get("/matches").get_data(as_text=True)
    assert BANNER not in as_role("staff").get("/matches").get_data(as_text=True)


def test_a_too_long_note_is_shown_beside_the_field_and_kept(app, as_role, ids):
    mentee = as_role("mentee")
    token = csrf_token(mentee, "/matches")
    note = "x" * 2001
    response = mentee.post(f"/matches/{ids['match']}/check-in",
                           data={"csrf_token": token, "answer": "met", "note": note})
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert f'id="note-{ids["match"]}-error"' in page and "at most 2000 characters" in page
    assert note in page
    with app.extensions["mentorship.sessions"]() as db:
        assert db.scalars(select(CheckIn)).all() == []


def test_one_click_checks_in_once_a_period(app, as_role, ids):
    mentee = as_role("mentee")
    token = csrf_token(mentee, "/matches")
    done = mentee.post(f"/matches/{ids['match']}/check-in", follow_redirects=True,
                       data={"csrf_token": token, "answer": "need_help", "note": "No reply yet"})
    page = done.get_data(as_text=True)
    assert "your check-in is recorded" in page and f"{BANNER} Mina Mentor?" not in page
    again = mentee.post(f"/matches/{ids['match']}/check-in", follow_redirects=True,
                        data={"csrf_token": token, "answer": "met"})
    assert "You had checked in for this period already" in again.get_data(as_text=True)
    with app.extensions["mentorship.sessions"]() as db:
        [check_in] = db.scalars(select(CheckIn)).all()
        assert (check_in.answer, check_in.note, check_in.period) == ("need_help", "No reply yet", 1)
    # The mentor is still asked: each member answers for themselves.
    assert f"{BANNER} Eli Mentee?" in as_role("mentor").get("/matches").get_data(as_text=True)


def test_the_api_checks_in_too(as_role, ids):
    mentor = as_role("mentor")
    token = mentor.get("/api/v1/session").get_json()["csrf_token"]
    response = mentor.post(f"/api/v1/matches/{ids['match']}/check-in", json={"answer": "met"},
                           headers={"X-CSRFToken": token})
    assert response.status_code == 200
    body = response.get_json()
    assert (body["answer"], body["period"], body["created"]) == ("met", 1, True)
    bad = mentor.post(f"/api/v1/matches/{ids['match']}/check-in", json={"answer": "maybe"},
                      headers={"X-CSRFToken": token})
    assert bad.status_code == 422 and "answer" in bad.get_json()["errors"]


def test_coordinators_see_the_pair_asking_for_help_and_the_figures(app, as_role, ids, taxonomy):
    page = as_role("coordinator").get("/coordinator/health")
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert "Pairs that need attention (1)" in text
    assert "Mina Mentor and Eli Mentee" in text and "asked for help" in text
    assert "No reply yet" in text
    assert ": we need help —" in text and ": need help" not in text   # words, not codes
    assert "Every live pair (1)" in text and 'id="pairs"' in text
    only_help = as_role("coordinator").get("/coordinator/health?state=asked_for_help&page=1")
    assert "Every live pair: asked for help (1)" in only_help.get_data(as_text=True)
    assert '<svg role="img"' in text and 'id="health-table"' in text
    with app.extensions["mentorship.sessions"]() as db:
        figures = programme_health(db, None)
    assert figures.acceptance_rate == 1.0 and figures.at_risk == 1
    assert (figures.check_ins_due, figures.check_ins_given) == (2, 2)
    api = as_role("admin").get("/api/v1/health").get_json()
    assert api["figures"]["acceptance_rate"] == 1.0 and api["figures"]["at_risk"] == 1
    assert api["figures"]["check_in_rate"] == 1.0
    assert api["figures"]["health"]["asked_for_help"] == 1
    assert [row["health"] for row in api["attention"]] == ["asked_for_help"]
    assert api["attention_total"] == 1
    assert api["attention"][0]["match_id"] == ids["match"]
    download = as_role("coordinator").get("/coordinator/health/export.csv")
    assert download.mimetype == "text/csv"
    rows = list(csv.reader(io.StringIO(download.get_data(as_text=True))))
    assert rows[0] == ["figure", "group", "value"]
    assert ["acceptance rate", "", "1.000"] in rows
    assert ["live pairs by health", "asked for help", "1"] in rows
    assert as_role("mentee").get("/coordinator/health").status_code == 403


def test_the_survey_opens_when_the_round_closes(as_role, ids):
    mentee = as_role("mentee")
    waiting = mentee.get(f"/matches/{ids['match']}/feedback").get_data(as_text=True)
    assert "The survey opens when the pair ends" in waiting
    coordinator = as_role("coordinator")
    token = csrf_token(coordinator, f"/coordinator/rounds/{ids['round']}/close")
    closed = coordinator.post(f"/coordinator/rounds/{ids['round']}/close",
                              data={"csrf_token": token})
    assert closed.status_code == 303
    page = mentee.get("/matches").get_data(as_text=True)
    assert "Your pair with Mina Mentor has ended" in page and BANNER not in page
    form = mentee.get(f"/matches/{ids['match']}/feedback").get_data(as_text=True)
    assert 'name="level-marc21"' in form and "Yes, update my profile with these levels" in form
    assert "Would you be mentored again?" in form
    assert "Would you mentor again?" in as_role("mentor").get(
        f"/matches/{ids['match']}/feedback").get_data(as_text=True)
    # The ended pair's check-ins and its call for help stay in the figures.
    figures = as_role("coordinator").get("/api/v1/health").get_json()["figures"]
    assert (figures["check_ins_due"], figures["check_ins_given"]) == (2, 2)
    assert figures["at_risk"] == 0 and figures["ended_asking_help"] == 1
    health = as_role("coordinator").get("/coordinator/health").get_data(as_text=True)
    assert "Ended asking for help</dt><dd>1</dd>" in health and "2 of 2 due" in health
    assert figures["ended_asking_help_ids"] == [ids["match"]]
    assert "Pairs that ended asking for help (1)" in health and 'id="ended-help"' in health
    assert f'<a href="/matches/{ids["match"]}">Mina Mentor and Eli Mentee</a>' in health
    assert "No reply yet" in health


def test_a_wrong_survey_keeps_what_was_written_and_marks_each_field(app, as_role, ids):
    mentee = as_role("mentee")
    token = csrf_token(mentee, f"/matches/{ids['match']}/feedback")
    response = mentee.post(f"/matches/{ids['match']}/feedback", data={
        "csrf_token": token, "worked": "Reading records together", "level-marc21": "7"})
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert 'id="rating-error"' in page and 'id="again-error"' in page
    assert 'id="level-marc21-error"' in page and "Reading records together" in page
    with app.extensions["mentorship.sessions"]() as db:
        assert db.scalars(select(Feedback)).all() == []


def test_a_confirmed_survey_updates_the_mentees_level(app, as_role, ids):
    mentee = as_role("mentee")
    token = csrf_token(mentee, f"/matches/{ids['match']}/feedback")
    response = mentee.post(f"/matches/{ids['match']}/feedback", follow_redirects=True, data={
        "csrf_token": token, "rating": "5", "worked": "Reading records together",
        "again": "yes", "level-marc21": "3", "apply_levels": "yes"})
    page = response.get_data(as_text=True)
    assert "Thank you for your feedback. Your profile has your new levels." in page
    assert "has ended" not in page
    with app.extensions["mentorship.sessions"]() as db:
        level = db.scalar(select(ProfileSkill.level).where(
            ProfileSkill.person_id == ids["mentee"], ProfileSkill.skill_id == "marc21"))
        assert level == 3
    sent = mentee.get(f"/matches/{ids['match']}/feedback").get_data(as_text=True)
    assert "You answered this survey" in sent and "aware before, proficient now" in sent
    assert "<dt>Would you be mentored again?</dt><dd>yes</dd>" in sent
    health = as_role("coordinator").get("/coordinator/health").get_data(as_text=True)
    assert "of 5, from 1 answer</dd>" in health
    again = mentee.post(f"/matches/{ids['match']}/feedback", data={
        "csrf_token": token, "rating": "1", "again": "no", "level-marc21": "0"})
    assert again.status_code == 409


def test_the_mentor_answers_through_the_api_and_the_figures_follow(app, as_role, ids):
    mentor = as_role("mentor")
    token = mentor.get("/api/v1/session").get_json()["csrf_token"]
    response = mentor.post(f"/api/v1/matches/{ids['match']}/feedback",
                           json={"rating": 4, "again": False}, headers={"X-CSRFToken": token})
    assert response.status_code == 201
    assert response.get_json()["side"] == "mentor"
    figures = as_role("coordinator").get("/api/v1/health").get_json()["figures"]
    assert figures["responses"] == 2 and figures["mean_rating"] == 4.5
    assert figures["would_again_share"] == 0.5
    assert figures["skills"] == [{"skill": "marc21", "rated": 1, "gained": 1,
                                  "levels_gained": 2}]
    page = as_role("coordinator").get("/coordinator/health").get_data(as_text=True)
    assert 'id="skills-table"' in page and "MARC 21" in page and "from 2 answers</dd>" in page


def test_the_check_ins_and_surveys_are_history_lines_in_words(as_role, ids):
    pair = as_role("mentor").get(f"/matches/{ids['match']}").get_data(as_text=True)
    assert "Eli Mentee checked in" in pair and "You checked in" in pair
    assert "Eli Mentee answered the end-of-pair survey" in pair
    assert "match.check_in" not in pair and "match.feedback" not in pair
    person = as_role("coordinator").get(f"/coordinator/people/{ids['mentee']}").get_data(
        as_text=True)
    assert "They updated the skill levels (from the end-of-pair survey)" in person
    assert "</time>:" not in person and "profile levels" not in person


def test_every_live_pair_is_listed_with_its_health_and_can_be_filtered(as_role):
    # By now the seeded round is closed: no live pair is left in it. A filter by a state that
    # does not exist is refused with a message.
    coordinator = as_role("coordinator")
    page = coordinator.get("/coordinator/health?state=inactive").get_data(as_text=True)
    assert "Every live pair: inactive (0)" in page and "No live pair is inactive." in page
    refused = coordinator.get("/coordinator/health?state=sleeping")
    assert refused.status_code == 422 and "choose on_track" in refused.get_data(as_text=True)


def test_health_is_scoped_by_programme_like_the_other_pages(app, as_role, ids):
    with app.extensions["mentorship.sessions"]() as db:
        other = create_programme(db, None, {"name": "Archives exchange"}).id
        db.commit()
    coordinator = as_role("coordinator")
    mine = coordinator.get(f"/coordinator/health?programme={ids['programme']}")
    page = mine.get_data(as_text=True)
    assert mine.status_code == 200 and "Health of Library mentoring" in page
    assert '<select id="programme" name="programme"' in page
    assert f'<option value="{ids["programme"]}" selected>Library mentoring</option>' in page
    assert f'href="/coordinator/health/export.csv?programme={ids["programme"]}"' in page
    empty = coordinator.get(f"/coordinator/health?programme={other}").get_data(as_text=True)
    assert "Health of Archives exchange" in empty and "Pairs that need attention (0)" in empty
    every = coordinator.get("/coordinator/health").get_data(as_text=True)
    assert "Programme health" in every and '<option value="">All of yours</option>' in every

    def pairs_in(url):
        rows = csv.reader(io.StringIO(coordinator.get(url).get_data(as_text=True)))
        return next(row[2] for row in rows if row[0] == "pairs")
    assert pairs_in(f"/coordinator/health/export.csv?programme={ids['programme']}") == "1"
    assert pairs_in(f"/coordinator/health/export.csv?programme={other}") == "0"
    assert pairs_in("/coordinator/health/export.csv") == "1"
    api = coordinator.get(f"/api/v1/health?programme={other}").get_json()
    assert api["programme_id"] == other and api["figures"]["pairs"] == 0
    assert coordinator.get("/api/v1/health").get_json()["programme_id"] is None
    for unknown in ("999999", "abc", "99999999999999999999"):
        assert coordinator.get(f"/coordinator/health?programme={unknown}").status_code == 404
        assert coordinator.get(
            f"/coordinator/health/export.csv?programme={unknown}").status_code == 404
    assert coordinator.get("/api/v1/health?programme=999999").status_code == 404
    assert coordinator.get("/api/v1/health?programme=abc").status_code == 422
    show = coordinator.get(f"/coordinator/programmes/{ids['programme']}").get_data(as_text=True)
    assert f'href="/coordinator/health?programme={ids["programme"]}"' in show

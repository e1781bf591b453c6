"""The coordinator's rounds pages: history, a new round, the review and its actions, export."""

from __future__ import annotations

import csv
import io
import re
import time
from datetime import UTC, datetime, timedelta
from html import unescape as html_unescape

import pytest
from sqlalchemy import event, select, update

from mentorship.profiles.operations import register_person
from mentorship.rounds.models import Match, MatchStatus, Round, RoundStatus
from mentorship.rounds.operations import create_round
from tests.webapp.conftest import csrf_token, email

#: Two more mentors' worth of pairs, so that a new round has pairs to swap. The seeded mentee is
#: already paired by the published round "Spring", so a new mentor-mode round leaves them out.
EXTRA = {
    "mentor2": {"name": "Max Mentor", "department": "Cataloguing", "role": "mentor",
                "capacity": "1", "skills": "MARC 21=4; RDA=3", "teach": "MARC 21; RDA"},
    "learner1": {"name": "Lea Learner", "department": "Systems", "role": "mentee",
                 "skills": "RDA=1", "learn": "RDA", "goals": "Learn RDA"},
    "learner2": {"name": "Leo Learner", "department": "Acquisitions", "role": "mentee",
                 "skills": "MARC 21=1", "learn": "MARC 21", "goals": "Learn MARC"},
}
PAGES = ["/coordinator/rounds", "/coordinator/rounds/new", "/coordinator/rounds/{round}",
         "/coordinator/rounds/{round}/status", "/coordinator/rounds/{round}/export.csv"]


@pytest.fixture(scope="module")
def extra_people(app, ids, taxonomy):
    """Register the extra mentor and learners once for the module."""
    with app.extensions["mentorship.sessions"]() as db:
        for who, fields in EXTRA.items():
            register_person(db, None, {"email": email(who), **fields}, taxonomy)
        db.commit()
    return list(EXTRA)


def page_text(response) -> str:
    return response.get_data(as_text=True)


def assert_csp_clean(html: str) -> None:
    """No inline script, style attribute or event handler: the CSP would block them."""
    assert not re.search(r"<script(?![^>]*\bsrc=)", html)
    assert not re.search(r"\sstyle=", html)
    assert not re.search(r"\son[a-z]+=", html)
    assert 'http-equiv="refresh"' not in html


def add_round(app, name: str, **values) -> int:
    """A round made directly in the database, in whatever state `values` say."""
    with app.extensions["mentorship.sessions"]() as db:
        made = create_round(db, None, name)
        db.flush()
        if values:
            db.execute(update(Round).where(Round.id == made.id).values(**values))
        db.commit()
        return made.id


def wait_for_preview(client, round_id: int) -> dict:
    """Poll the status endpoint until the background preview has finished (20 s at most)."""
    deadline = time.monotonic() + 20
    while True:
        state = client.get(f"/coordinator/rounds/{round_id}/status").get_json()
        if state["status"] != "running" or time.monotonic() > deadline:
            return state
        time.sleep(0.1)


def post(client, path: str, data: dict | None = None, page: str | None = None):
    token = csrf_token(client, page or path.rsplit("/", 1)[0])
    return client.post(path, data={**(data or {}), "csrf_token": token})


def live_pairs(app, round_id: int) -> list[tuple[int, int, int, bool]]:
    with app.extensions["mentorship.sessions"]() as db:
        return [tuple(row) for row in db.execute(
            select(Match.id, Match.mentor_id, Match.mentee_id, Match.locked)
            .where(Match.round_id == round_id, Match.status != MatchStatus.DECLINED)
            .order_by(Match.id))]


@pytest.mark.parametrize("path", PAGES)
def test_every_page_is_for_coordinators_only(as_role, ids, path):
    path = path.format(round=ids["round"])
    coordinator = as_role("coordinator").get(path)
    assert coordinator.status_code == 200
    assert as_role("admin").get(path).status_code == 200
    assert as_role("staff").get(path).status_code == 403
    anonymous = as_role(None).get(path)
    assert anonymous.status_code == 303
    assert "/sign-in" in anonymous.headers["Location"]


def test_history_lists_each_round_with_its_settings_and_pairs(as_role, ids):
    html = page_text(as_role("coordinator").get("/coordinator/rounds"))
    assert f'href="/coordinator/rounds/{ids["round"]}">Spring</a>' in html
    assert "published" in html and "defaults" in html
    assert 'href="/coordinator/rounds/new"' in html
    row = re.search(r"Spring</a>.*?</tr>", html, re.S).group(0)
    assert re.search(r'class="number">1</td>', row)
    assert_csp_clean(html)


def test_the_settings_line_reads_as_words_and_only_what_the_mode_uses(as_role, app):
    round_id = add_round(app, "Worded", settings={
        "management_chain": "chain", "institution": "auto", "meeting_format": "require",
        "selection": "choice", "trios": True, "min_score": 0.2, "fair": True})
    html = page_text(as_role("coordinator").get(f"/coordinator/rounds/{round_id}"))
    line = re.search(r"<p>Settings: (.*?)</p>", html).group(1)
    assert "nobody paired with a manager above them" in line and "mentees choose" in line
    assert "lowest score 0.2" in line and "meeting format respected" in line
    assert "chain chain" not in line and "institution auto" not in line
    assert "circles of three" not in line.lower()  # a mentor-mode round makes no circles
    listed = page_text(as_role("coordinator").get("/coordinator/rounds"))
    assert "nobody paired with a manager above them" in listed


def test_a_bad_setting_is_shown_beside_its_field_and_nothing_typed_is_lost(as_role, app):
    client = as_role("coordinator")
    response = post(client, "/coordinator/rounds/new", {
        "name": "Summer", "mode": "mentor", "priority": "loud", "text_weight": "lots",
        "min_score": "2", "allow_repeat": "1"}, page="/coordinator/rounds/new")
    assert response.status_code == 422
    html = page_text(response)
    assert re.search(r'id="text_weight-error">.*?Enter a number', html)
    assert re.search(r'id="priority-error">.*?Must be strict or soft', html)
    assert re.search(r'id="min_score-error">.*?between 0 and 1', html)
    assert re.search(r'id="min_score"[^>]*aria-describedby="min_score-hint min_score-error"', html)
    assert 'value="Summer"' in html and 'value="lots"' in html and 'value="2"' in html
    assert re.search(r'name="allow_repeat" value="1" checked', html)
    assert 'href="#min_score"' in html  # the error summary links to the field
    with app.extensions["mentorship.sessions"]() as db:
        assert db.scalar(select(Round.id).where(Round.name == "Summer")) is None


def test_the_error_summary_follows_the_form_under_its_labels(as_role):
    response = post(as_role("coordinator"), "/coordinator/rounds/new", {
        "name": "", "mode": "mentor", "priority": "loud", "text_weight": "lots",
        "min_score": "2", "max_time_zone_hours": "30", "experience_weight": "-1",
        "selection": "choice", "suggestions": "9"}, page="/coordinator/rounds/new")
    assert response.status_code == 422
    html = page_text(response)
    block = re.search(r'<div class="error-summary".*?</ul>', html, re.S).group(0)
    listed = re.findall(r'<li><a href="#(\w+)">([^:<]+):', block)
    assert [field for field, _ in listed] == [
        "name", "suggestions", "priority", "text_weight", "min_score", "max_time_zone_hours",
        "experience_weight"]
    for field, label in listed:  # told under the words the form shows for the field
        shown = re.search(rf'<label for="{field}">([^<]*)</label>', html) or re.search(
            rf'id="{field}"[^>]*>\s*<legend>([^<]*)</legend>', html)
        assert shown and html_unescape(shown.group(1)) == html_unescape(label), field


def test_the_factor_settings_are_set_on_the_form(as_role, app):
    client = as_role("coordinator")
    form = page_text(client.get("/coordinator/rounds/new"))
    assert re.search(r'<option value="chain" selected>[^<]*\(default\)', form)
    bad = post(client, "/coordinator/rounds/new", {
        "name": "Factors", "mode": "mentor", "skill_weight": "0.8", "text_weight": "0.2",
        "min_score": "0", "max_time_zone_hours": "30"}, page="/coordinator/rounds/new")
    assert bad.status_code == 422
    assert re.search(r'id="max_time_zone_hours-error">.*?between 0 and 12', page_text(bad))
    created = post(client, "/coordinator/rounds/new", {
        "name": "Factors", "mode": "mentor", "skill_weight": "0.8", "text_weight": "0.2",
        "min_score": "0", "department": "require", "management_chain": "direct",
        "max_time_zone_hours": "3", "preference_weight": ""}, page="/coordinator/rounds/new")
    assert created.status_code == 303
    with app.extensions["mentorship.sessions"]() as db:
        settings = db.scalar(select(Round.settings).where(Round.name == "Factors"))
    assert (settings["department"], settings["management_chain"],
            settings["max_time_zone_hours"]) == ("require", "direct", 3.0)
    assert "preference_weight" not in settings  # left empty: the default


def test_a_missing_name_and_fairness_in_peer_mode_are_field_errors(as_role):
    response = post(as_role("coordinator"), "/coordinator/rounds/new", {
        "name": " ", "mode": "peer", "priority": "strict", "text_weight": "0.2",
        "min_score": "0", "fair": "1"}, page="/coordinator/rounds/new")
    assert response.status_code == 422
    html = page_text(response)
    assert re.search(r'id="name-error">.*?[Rr]equired', html)
    assert re.search(r'id="fair-error">.*?mentor mode only', html)
    assert re.search(r'value="peer" checked', html)


def test_create_preview_adjust_rerun_publish(as_role, app, ids, extra_people):
    client = as_role("coordinator")
    created = post(client, "/coordinator/rounds/new", {
        "name": "Autumn", "mode": "mentor", "priority": "strict", "text_weight": "0.2",
        "min_score": "0"}, page="/coordinator/rounds/new")
    assert created.status_code == 303
    round_id = int(re.search(r"/coordinator/rounds/(\d+)$", created.headers["Location"]).group(1))
    draft = page_text(client.get(f"/coordinator/rounds/{round_id}"))
    assert "draft" in draft and "Run the preview" in draft
    assert "Publish the round" not in draft

    started = post(client, f"/coordinator/rounds/{round_id}/preview",
                   page=f"/coordinator/rounds/{round_id}")
    assert started.status_code == 303
    state = wait_for_preview(client, round_id)
    assert state == {"status": "previewed", "stage": "done", "percent": 100, "stalled": False}

    html = page_text(client.get(f"/coordinator/rounds/{round_id}"))
    assert_csp_clean(html)
    for who in ("mentor", "mentor2", "learner1", "learner2"):
        assert email(who) in html
    assert "Publish the round" in html and "Run the preview again" in html
    assert html.count('role="img"') == 3
    for caption in ("Pairs by score band", "Mentors by number of mentees",
                    "Demand and supply of the most wanted skills"):
        assert f"<caption>{caption}</caption>" in html
        assert f">{caption}</title>" in html
    assert 'class="bar"' in html and 'class="bar second"' in html
    assert '<th scope="row">MARC 21</th>' in html
    assert email("staff") in html  # unmatched, wanting BIBFRAME that nobody teaches
    assert "Mentees seeking a mentor" in html

    pairs = live_pairs(app, round_id)
    assert len(pairs) == 2
    (first, mentor_a, mentee_a, _), (second, mentor_b, mentee_b, _) = pairs
    assert mentor_a != mentor_b
    review = f"/coordinator/rounds/{round_id}"

    # Lock and unlock a pair from the table.
    locked = post(client, f"{review}/lock", {"mentor": email("mentor"), "mentee": email("learner2")},
                  page=review)
    assert locked.status_code == 303
    followed = page_text(client.get(locked.headers["Location"]))
    assert "re-run the preview to apply" in followed
    assert "<caption>1 locked pair</caption>" in followed
    unlocked = post(client, f"{review}/unlock", {"mentor": email("mentor"),
                                                 "mentee": email("learner2")}, page=review)
    assert unlocked.status_code == 303
    assert "No pairs are locked" in page_text(client.get(unlocked.headers["Location"]))

    # Swap: one pair ticked is not enough; the error is beside the swap fields.
    one = post(client, f"{review}/swap", {"pair": str(first)}, page=review)
    assert one.status_code == 422
    assert re.search(r'id="swap-error">.*?exactly two', page_text(one))
    swapped = post(client, f"{review}/swap", {"pair": [str(first), str(second)]}, page=review)
    assert swapped.status_code == 303
    assert "re-run the preview to apply" in page_text(client.get(swapped.headers["Location"]))

    removed = post(client, f"{review}/remove", {"match_id": str(first)}, page=review)
    assert removed.status_code == 303
    assert "re-run the preview to apply" in page_text(client.get(removed.headers["Location"]))
    assert live_pairs(app, round_id) == pairs  # nothing changes until the preview runs again

    assert post(client, f"{review}/preview", page=review).status_code == 303
    assert wait_for_preview(client, round_id)["status"] == "previewed"
    after = {(mentor, mentee): is_locked for _, mentor, mentee, is_locked in live_pairs(app, round_id)}
    assert after == {(mentor_a, mentee_b): True, (mentor_b, mentee_a): True}

    confirm = page_text(client.get(f"{review}/publish"))
    assert re.search(r"Publishing shows its \d+ pairs? to the \d+ mentees?", confirm)
    published = post(client, f"{review}/publish", page=review)
    assert published.status_code == 303
    html = page_text(client.get(published.headers["Location"]))
    assert "The round is published" in html and "Close the round" in html
    assert "Remove" not in html and 'form="swap-form"' not in html
    again = post(client, f"{review}/publish", page=review)
    assert again.status_code == 409
    assert "not previewed" in page_text(again)
    assert post(client, f"{review}/swap", {"first": str(first), "second": str(second)},
                page=review).status_code == 409

    closed = post(client, f"{review}/close", page=review)
    assert closed.status_code == 303
    assert "The round is closed" in page_text(client.get(closed.headers["Location"]))


def test_export_is_a_csv_attachment_of_the_pairs(as_role, ids):
    response = as_role("coordinator").get(f"/coordinator/rounds/{ids['round']}/export.csv")
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    assert response.headers["Content-Disposition"] == (
        f'attachment; filename="round-{ids["round"]}-pairs.csv"')
    rows = list(csv.DictReader(io.StringIO(page_text(response))))
    assert len(rows) == 1
    assert rows[0]["mentor_email"] == email("mentor")
    assert rows[0]["mentor_name"] == "Mina Mentor"
    assert rows[0]["mentee_email"] == email("mentee")
    assert rows[0]["mentee_name"] == "Eli Mentee"
    assert rows[0]["status"] == "proposed"
    assert "MARC 21" in rows[0]["reasons"]
    assert 0 < float(rows[0]["score"]) <= 1


def test_a_running_round_shows_a_progress_bar_that_works_without_scripts(as_role, app):
    round_id = add_round(app, "Running", status=RoundStatus.RUNNING, progress_stage="scoring",
                         progress_percent=40, heartbeat_at=datetime.now(UTC))
    client = as_role("coordinator")
    html = page_text(client.get(f"/coordinator/rounds/{round_id}"))
    assert_csp_clean(html)
    assert re.search(r'<progress id="progress-bar" max="100" value="40">', html)
    assert "Stage: scoring" in html
    assert f'href="/coordinator/rounds/{round_id}">Check progress</a>' in html
    assert re.search(r'<script src="/static/progress\.js" defer></script>', html)
    assert f'data-status-url="/coordinator/rounds/{round_id}/status"' in html
    assert "Run the preview" not in html and "Run again" not in html
    assert client.get(f"/coordinator/rounds/{round_id}/status").get_json() == {
        "status": "running", "stage": "scoring", "percent": 40, "stalled": False}
    script = client.get("/static/progress.js")
    assert script.status_code == 200 and b"location.reload" in script.data
    script.close()


def test_a_stalled_or_failed_round_can_be_run_again(as_role, app):
    client = as_role("coordinator")
    stalled = add_round(app, "Stalled", status=RoundStatus.RUNNING, progress_stage="scoring",
                        heartbeat_at=datetime.now(UTC) - timedelta(hours=1))
    html = page_text(client.get(f"/coordinator/rounds/{stalled}"))
    assert "stopped reporting" in html and ">Run again</button>" in html
    assert "progress.js" not in html
    assert client.get(f"/coordinator/rounds/{stalled}/status").get_json()["stalled"] is True
    with app.extensions["mentorship.sessions"]() as db:  # reading changed nothing
        assert db.get(Round, stalled).status == RoundStatus.RUNNING

    failed = add_round(app, "Failed", status=RoundStatus.FAILED,
                       failure_reason="locked pairs break the rules")
    html = page_text(client.get(f"/coordinator/rounds/{failed}"))
    assert "locked pairs break the rules" in html and ">Run again</button>" in html


def test_pairs_are_searched_and_the_unmatched_listed(as_role, ids):
    client = as_role("coordinator")
    review = f"/coordinator/rounds/{ids['round']}"
    found = page_text(client.get(f"{review}?q=eli"))
    assert email("mentee") in found and "1 pair matching" in found
    none = page_text(client.get(f"{review}?q=nobody-like-this"))
    assert "No pair matches" in none
    html = page_text(client.get(f"{review}?upage=1"))
    assert re.search(r'id="unmatched".*Sam Staff.*?mentee', html, re.S)


def test_the_review_does_not_query_per_row(as_role, app, ids):
    client = as_role("coordinator")
    client.get(f"/coordinator/rounds/{ids['round']}")  # warm up: sign-in, taxonomy
    engine = app.extensions["mentorship.engine"]
    statements = []

    def count(*args):
        statements.append(args[2])

    event.listen(engine, "before_cursor_execute", count)
    try:
        assert client.get(f"/coordinator/rounds/{ids['round']}").status_code == 200
    finally:
        event.remove(engine, "before_cursor_execute", count)
    assert len(statements) <= 15, statements


def test_state_changes_need_the_csrf_token(as_role, ids):
    client = as_role("coordinator")
    review = f"/coordinator/rounds/{ids['round']}"
    for action in ("preview", "publish", "close", "lock", "unlock", "remove", "swap"):
        assert client.post(f"{review}/{action}").status_code == 400
    assert client.post("/coordinator/rounds/new", data={"name": "No token"}).status_code == 400


def test_adjusting_a_published_round_is_a_conflict(as_role, ids):
    client = as_role("coordinator")
    review = f"/coordinator/rounds/{ids['round']}"
    assert post(client, f"{review}/remove", {"match_id": str(ids["match"])},
                page=review).status_code == 409
    assert post(client, f"{review}/preview", page=review).status_code == 409
    assert client.get("/coordinator/rounds/999999").status_code == 404


def test_a_lock_naming_an_unknown_person_is_reported_beside_that_field(as_role):
    client = as_role("coordinator")
    created = post(client, "/coordinator/rounds/new", {
        "name": "Locks", "mode": "mentor", "priority": "strict", "text_weight": "0.2",
        "min_score": "0"}, page="/coordinator/rounds/new")
    round_path = created.headers["Location"]
    response = post(client, f"{round_path}/lock", {"mentor": "nobody@example.org",
                                                   "mentee": "mentee@example.org"},
                    page=round_path)
    assert response.status_code == 422
    html = page_text(response)
    assert re.search(r'id="lock_mentor-error">.*?No person has this email', html, re.S)
    assert 'id="lock_mentee-error"' not in html
    assert 'value="nobody@example.org"' in html


def test_publish_and_close_ask_to_confirm_with_the_counts(as_role, ids):
    client = as_role("coordinator")
    review = f"/coordinator/rounds/{ids['round']}"
    # The published round: closing asks first, and says how many live pairs end.
    html = page_text(client.get(f"{review}/close"))
    assert "Close “" in html and "live pair" in html and "cannot be undone" in html
    assert 'action="' + f"{review}/close" + '"' in client.get(f"{review}/close").get_data(as_text=True)
    assert "Close the round…" in page_text(client.get(review))
    # Publishing it again is not offered: the page says why.
    assert "only a previewed round can be published" in page_text(client.get(f"{review}/publish"))


def test_a_lock_that_breaks_a_rule_is_refused_when_made(as_role):
    client = as_role("coordinator")
    created = post(client, "/coordinator/rounds/new", {
        "name": "Rule locks", "mode": "mentor", "priority": "strict", "text_weight": "0.2",
        "min_score": "0"}, page="/coordinator/rounds/new")
    round_path = created.headers["Location"]
    # The mentee takes no mentees: the engine's rule, said beside the form before any preview.
    response = post(client, f"{round_path}/lock", {"mentor": "mentee@example.org",
                                                   "mentee": "staff@example.org"},
                    page=round_path)
    assert response.status_code == 422
    assert re.search(r'id="lock_mentee-error">.*?not taking mentees', page_text(response), re.S)
    assert "No pairs are locked" in page_text(client.get(round_path))

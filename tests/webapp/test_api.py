"""The JSON API at /api/v1: its OpenAPI document, each endpoint, and every kind of error.

The seeded database is shared by the module's tests: a test that changes something puts it
back (roles, activation, a profile) or works on a round of its own. Accepting the seeded pair
leaves it accepted, which is still live, so nothing else notices.
"""

from __future__ import annotations

import json
import re
import time

import pytest

from tests.webapp.conftest import csrf_token, email, wait_for_rematch

API = "/api/v1"

#: Every operation the API offers: (path as the OpenAPI document writes it, method).
OPERATIONS = {
    ("/api/v1/session", "get"),
    ("/api/v1/people", "get"),
    ("/api/v1/people/{person_id}", "get"),
    ("/api/v1/people/{person_id}/roles", "put"),
    ("/api/v1/people/{person_id}/deactivate", "post"),
    ("/api/v1/people/{person_id}/activate", "post"),
    ("/api/v1/profiles/{person_id}", "get"),
    ("/api/v1/profiles/{person_id}", "put"),
    ("/api/v1/rounds", "get"),
    ("/api/v1/rounds", "post"),
    ("/api/v1/rounds/{round_id}", "get"),
    ("/api/v1/rounds/{round_id}/preview", "post"),
    ("/api/v1/rounds/{round_id}/publish", "post"),
    ("/api/v1/rounds/{round_id}/close", "post"),
    ("/api/v1/rounds/{round_id}/matches", "get"),
    ("/api/v1/matches", "get"),
    ("/api/v1/matches/{match_id}", "get"),
    ("/api/v1/matches/{match_id}/accept", "post"),
    ("/api/v1/matches/{match_id}/decline", "post"),
    ("/api/v1/matches/{match_id}/check-in", "post"),
    ("/api/v1/matches/{match_id}/feedback", "post"),
    ("/api/v1/health", "get"),
    ("/api/v1/programmes", "get"),
    ("/api/v1/programmes", "post"),
    ("/api/v1/programmes/{programme_id}", "get"),
    ("/api/v1/programmes/{programme_id}", "put"),
    ("/api/v1/programmes/{programme_id}/enrol", "post"),
    ("/api/v1/programmes/{programme_id}/unenrol", "post"),
    ("/api/v1/programmes/{programme_id}/coordinators", "post"),
    ("/api/v1/programmes/{programme_id}/coordinators/{person_id}", "delete"),
    ("/api/v1/choices", "get"),
    ("/api/v1/choices/{suggestion_id}/request", "post"),
    ("/api/v1/requests", "get"),
    ("/api/v1/requests/{match_id}/accept", "post"),
    ("/api/v1/requests/{match_id}/decline", "post"),
    ("/api/v1/rounds/{round_id}/choice", "get"),
    ("/api/v1/rounds/{round_id}/choice/open", "post"),
    ("/api/v1/rounds/{round_id}/choice/close", "post"),
    ("/api/v1/matches/{match_id}/activate", "post"),
    ("/api/v1/matches/{match_id}/end", "post"),
    ("/api/v1/matches/{match_id}/history", "get"),
    ("/api/v1/matches/{match_id}/agreement", "get"),
    ("/api/v1/matches/{match_id}/agreement", "put"),
    ("/api/v1/matches/{match_id}/agreement/confirm", "post"),
}
COORDINATOR_ONLY = {
    ("/api/v1/health", "get"),
    ("/api/v1/people", "get"),
    ("/api/v1/people/{person_id}/deactivate", "post"),
    ("/api/v1/people/{person_id}/activate", "post"),
    ("/api/v1/rounds", "get"),
    ("/api/v1/rounds", "post"),
    ("/api/v1/rounds/{round_id}", "get"),
    ("/api/v1/rounds/{round_id}/preview", "post"),
    ("/api/v1/rounds/{round_id}/publish", "post"),
    ("/api/v1/rounds/{round_id}/close", "post"),
    ("/api/v1/rounds/{round_id}/matches", "get"),
    ("/api/v1/programmes", "get"),
    ("/api/v1/programmes", "post"),
    ("/api/v1/programmes/{programme_id}", "get"),
    ("/api/v1/programmes/{programme_id}", "put"),
    ("/api/v1/programmes/{programme_id}/enrol", "post"),
    ("/api/v1/programmes/{programme_id}/unenrol", "post"),
    ("/api/v1/programmes/{programme_id}/coordinators", "post"),
    ("/api/v1/programmes/{programme_id}/coordinators/{person_id}", "delete"),
    ("/api/v1/rounds/{round_id}/choice", "get"),
    ("/api/v1/rounds/{round_id}/choice/open", "post"),
    ("/api/v1/rounds/{round_id}/choice/close", "post"),
}
SECRETS = ("password_hash", "session_token", "argon2")


def signed_in(as_role, who: str):
    """A client signed in as `who`, and the headers that carry its CSRF token."""
    client = as_role(who)
    response = client.get(f"{API}/session")
    assert response.status_code == 200, response.get_data(as_text=True)
    return client, {"X-CSRFToken": response.get_json()["csrf_token"]}


def error_of(response, status: int) -> dict:
    """Check that `response` is the API's JSON error with this status; return its body."""
    assert response.status_code == status, response.get_data(as_text=True)
    assert response.is_json
    body = response.get_json()
    assert body["code"] == status
    assert isinstance(body["status"], str) and body["status"]
    assert isinstance(body["message"], str) and body["message"]
    return body


def url_of(path: str, ids: dict[str, int], person: str = "mentor") -> str:
    """A documented path with the seeded ids put in."""
    return (path.replace("{person_id}", str(ids[person]))
            .replace("{round_id}", str(ids["round"]))
            .replace("{match_id}", str(ids["match"]))
            .replace("{programme_id}", str(ids["programme"]))
            .replace("{suggestion_id}", "1"))


def call(client, method: str, url: str, headers: dict | None = None, body=None):
    """Make a request; changes send a JSON body (empty unless given)."""
    if method == "get":
        return client.get(url, headers=headers)
    return client.open(url, method=method.upper(), headers=headers, json={} if body is None else body)


def wait_for_preview(client, round_id: int, timeout: float = 60.0) -> dict:
    """Poll a round until its preview job has finished; return the round."""
    deadline = time.monotonic() + timeout
    while True:
        found = client.get(f"{API}/rounds/{round_id}").get_json()
        if found["status"] != "running":
            return found
        assert time.monotonic() < deadline, f"the preview is still running: {found['progress']}"
        time.sleep(0.05)


# --- the OpenAPI document ----------------------------------------------------------------------

def test_openapi_document_is_served_and_lists_every_endpoint(client):
    response = client.get(f"{API}/openapi.json")
    assert response.status_code == 200
    spec = response.get_json()
    assert spec["openapi"] == "3.0.3"
    documented = {(path, method) for path, operations in spec["paths"].items()
                  for method in operations if method != "parameters"}
    assert documented == OPERATIONS
    for path, method in OPERATIONS:
        operation = spec["paths"][path][method]
        assert operation["summary"], (path, method)
        assert "401" in operation["responses"], (path, method)
    assert {"session", "csrf_token"} <= set(spec["components"]["securitySchemes"])
    assert "capacity" in spec["components"]["schemas"]["ProfileUpdate"]["properties"]
    for secret in SECRETS:
        assert secret not in json.dumps(spec["components"]["schemas"])


def test_openapi_document_is_valid(client):
    validator = pytest.importorskip("openapi_spec_validator")
    validator.validate(client.get(f"{API}/openapi.json").get_json())


def test_every_api_rule_is_documented(app, client):
    spec = client.get(f"{API}/openapi.json").get_json()
    rules = [rule for rule in app.url_map.iter_rules() if rule.rule.startswith(f"{API}/")]
    assert rules
    for rule in rules:
        if rule.rule == f"{API}/openapi.json":
            continue
        path = re.sub(r"<(?:[^:<>]+:)?([^<>]+)>", r"{\1}", rule.rule)
        assert path in spec["paths"], rule.rule
        for method in rule.methods - {"HEAD", "OPTIONS"}:
            assert method.lower() in spec["paths"][path], f"{method} {rule.rule}"


# --- errors common to every endpoint ------------------------------------------------------------

@pytest.mark.parametrize(("path", "method"), sorted(OPERATIONS))
def test_anonymous_calls_are_401(client, ids, path, method):
    token = csrf_token(client)
    response = call(client, method, url_of(path, ids), {"X-CSRFToken": token})
    error_of(response, 401)


@pytest.mark.parametrize(("path", "method"), sorted(COORDINATOR_ONLY))
def test_staff_calling_coordinator_endpoints_get_403(as_role, ids, path, method):
    client, headers = signed_in(as_role, "other")
    response = call(client, method, url_of(path, ids), headers, body={"name": "x"})
    error_of(response, 403)


@pytest.mark.parametrize(("path", "method"), sorted(op for op in OPERATIONS if op[1] != "get"))
def test_changes_without_csrf_token_are_400(as_role, ids, path, method):
    client, _ = signed_in(as_role, "admin")
    response = call(client, method, url_of(path, ids))
    body = error_of(response, 400)
    assert "token" in body["message"].lower()


def test_a_wrong_csrf_token_is_400(as_role):
    client, _ = signed_in(as_role, "coordinator")
    error_of(client.post(f"{API}/rounds", json={"name": "x"}, headers={"X-CSRFToken": "forged"}), 400)


def test_unknown_ids_are_404(as_role):
    client, headers = signed_in(as_role, "admin")
    for url in ("people/999999", "profiles/999999", "rounds/999999", "rounds/999999/matches",
                "matches/999999"):
        error_of(client.get(f"{API}/{url}"), 404)
    error_of(client.post(f"{API}/rounds/999999/publish", headers=headers), 404)
    error_of(client.put(f"{API}/people/999999/roles", json={"coordinator": False, "admin": False},
                        headers=headers), 404)


# --- session ------------------------------------------------------------------------------------

def test_session_names_the_signed_in_person_and_their_token(as_role, ids):
    client = as_role("coordinator")
    response = client.get(f"{API}/session")
    assert response.status_code == 200
    body = response.get_json()
    assert body["person"] == {"id": ids["coordinator"], "email": email("coordinator"),
                              "name": "Cora Coordinator", "roles": ["coordinator"]}
    assert body["csrf_token"]
    assert response.headers["Cache-Control"] == "no-store"


# --- people -------------------------------------------------------------------------------------

def test_people_list_is_paged_and_filtered(as_role, ids):
    client, _ = signed_in(as_role, "coordinator")
    response = client.get(f"{API}/people", query_string={"page_size": 2, "page": 2})
    assert response.status_code == 200
    paging = json.loads(response.headers["X-Pagination"])
    assert paging["total"] == 6 and paging["total_pages"] == 3 and paging["page"] == 2
    everyone = client.get(f"{API}/people", query_string={"page_size": 100}).get_json()
    assert [p["name"] for p in everyone] == sorted(p["name"] for p in everyone)
    assert response.get_json() == everyone[2:4]
    for person in everyone:
        assert not set(person) & {"password_hash", "session_token"}
        assert person["password_set"] is True
    found = client.get(f"{API}/people", query_string={"q": "systems", "role": "mentee"}).get_json()
    assert {p["email"] for p in found} == {email("mentee"), email("staff")}
    assert client.get(f"{API}/people", query_string={"status": "inactive"}).get_json() == []


def test_people_list_rejects_unknown_filters_with_422(as_role):
    client, _ = signed_in(as_role, "coordinator")
    body = error_of(client.get(f"{API}/people", query_string={"role": "boss", "status": "x"}), 422)
    assert body["errors"] == {"role": ["must be mentor, mentee or both"],
                              "status": ["must be active, inactive, invited or uninvited"]}
    body = error_of(client.get(f"{API}/people", query_string={"page": 0, "page_size": 1000}), 422)
    assert set(body["errors"]) == {"page", "page_size"}


def test_a_person_is_seen_by_themselves_and_coordinators_only(as_role, ids):
    staff, _ = signed_in(as_role, "mentee")
    own = staff.get(f"{API}/people/{ids['mentee']}")
    assert own.status_code == 200
    assert own.get_json()["email"] == email("mentee")
    assert own.get_json()["roles"] == []
    assert not any(secret in own.get_data(as_text=True) for secret in SECRETS)
    error_of(staff.get(f"{API}/people/{ids['mentor']}"), 403)
    coordinator, _ = signed_in(as_role, "coordinator")
    seen = coordinator.get(f"{API}/people/{ids['mentor']}").get_json()
    assert seen["name"] == "Mina Mentor" and seen["mentoring_role"] == "mentor"


def test_admins_change_roles(as_role, ids):
    client, headers = signed_in(as_role, "admin")
    url = f"{API}/people/{ids['other']}/roles"
    response = client.put(url, json={"coordinator": True, "admin": False}, headers=headers)
    assert response.status_code == 200
    assert response.get_json()["roles"] == ["coordinator"]
    restored = client.put(url, json={"coordinator": False, "admin": False}, headers=headers)
    assert restored.get_json()["roles"] == []
    body = error_of(client.put(url, json={"coordinator": "maybe"}, headers=headers), 422)
    assert set(body["errors"]) == {"coordinator", "admin"}
    last_admin = {"coordinator": False, "admin": False}
    error_of(client.put(f"{API}/people/{ids['admin']}/roles", json=last_admin, headers=headers), 409)
    coordinator, coordinator_headers = signed_in(as_role, "coordinator")
    error_of(coordinator.put(url, json={"coordinator": True, "admin": True},
                             headers=coordinator_headers), 403)


def test_coordinators_deactivate_and_reactivate_people(as_role, ids):
    client, headers = signed_in(as_role, "coordinator")
    url = f"{API}/people/{ids['other']}"
    response = client.post(f"{url}/deactivate", headers=headers)
    assert response.status_code == 200
    assert response.get_json()["active"] is False
    reactivated = client.post(f"{url}/activate", headers=headers)
    assert reactivated.get_json()["active"] is True
    error_of(client.post(f"{API}/people/{ids['coordinator']}/deactivate", headers=headers), 409)


# --- profiles -----------------------------------------------------------------------------------

def test_a_profile_is_seen_by_its_person_and_coordinators_only(as_role, ids):
    client, _ = signed_in(as_role, "mentor")
    response = client.get(f"{API}/profiles/{ids['mentor']}")
    assert response.status_code == 200
    profile = response.get_json()
    assert profile["person_id"] == ids["mentor"]
    assert profile["role"] == "mentor" and profile["capacity"] == 2
    assert profile["skills"] == {"marc21": 4, "rda": 4}
    assert sorted(profile["teach"]) == ["marc21", "rda"]
    assert profile["goals"] == "Pass on cataloguing practice"
    error_of(client.get(f"{API}/profiles/{ids['mentee']}"), 403)
    coordinator, _ = signed_in(as_role, "coordinator")
    assert coordinator.get(f"{API}/profiles/{ids['mentee']}").get_json()["learn"] == ["marc21"]


def test_a_person_replaces_their_profile_and_the_stored_one_round_trips(as_role, ids):
    client, headers = signed_in(as_role, "other")
    url = f"{API}/profiles/{ids['other']}"
    before = client.get(url).get_json()
    body = {"role": "both", "capacity": 1, "skills": "RDA=2; BIBFRAME=3", "learn": ["MARC 21"],
            "teach": None, "goals": "Learn MARC", "bio": "New here.", "format_preference": "remote"}
    try:
        response = client.put(url, json=body, headers=headers)
        assert response.status_code == 200, response.get_data(as_text=True)
        saved = response.get_json()
        assert saved["skills"] == {"rda": 2, "bibframe": 3}
        assert saved["learn"] == ["marc21"] and saved["teach"] is None
        assert saved["format_preference"] == "remote" and saved["goals"] == "Learn MARC"
        assert client.get(url).get_json() == saved
    finally:
        writable = {k: v for k, v in before.items() if k not in ("person_id", "updated_at")}
        restored = client.put(url, json=writable, headers=headers)
    assert restored.status_code == 200, restored.get_data(as_text=True)
    assert {k: v for k, v in restored.get_json().items() if k != "updated_at"} == {
        k: v for k, v in before.items() if k != "updated_at"}


def test_the_profile_factors_round_trip_through_the_api(as_role, ids):
    client, headers = signed_in(as_role, "other")
    url = f"{API}/profiles/{ids['other']}"
    before = client.get(url).get_json()
    writable = {k: v for k, v in before.items() if k not in ("person_id", "updated_at")}
    try:
        bad = client.put(url, json={**writable, "time_zone": "Atlantis", "years_experience": -2},
                         headers=headers)
        problems = error_of(bad, 422)
        assert "time_zone" in str(problems) and "years_experience" in str(problems)
        saved = client.put(url, json={**writable, "years_experience": 15, "time_zone": "Asia/Tokyo",
                                      "institution": "City U", "location": "Branch"},
                           headers=headers)
        assert saved.status_code == 200, saved.get_data(as_text=True)
        got = client.get(url).get_json()
        assert (got["years_experience"], got["time_zone"], got["institution"],
                got["location"]) == (15, "Asia/Tokyo", "City U", "Branch")
    finally:
        restored = client.put(url, json=writable, headers=headers)
    assert restored.status_code == 200
    assert restored.get_json()["years_experience"] is None


def test_only_the_person_or_an_admin_replaces_a_profile(as_role, ids):
    url = f"{API}/profiles/{ids['mentee']}"
    for who in ("other", "coordinator"):
        client, headers = signed_in(as_role, who)
        error_of(client.put(url, json={"role": "mentee"}, headers=headers), 403)
    admin, headers = signed_in(as_role, "admin")
    stored = admin.get(url).get_json()
    writable = {k: v for k, v in stored.items() if k not in ("person_id", "updated_at")}
    response = admin.put(url, json=writable, headers=headers)
    assert response.status_code == 200
    assert response.get_json()["learn"] == ["marc21"]


def test_a_bad_profile_is_422_with_a_message_per_field(as_role, ids):
    client, headers = signed_in(as_role, "other")
    url = f"{API}/profiles/{ids['other']}"
    body = error_of(client.put(url, json={"capacity": "lots", "role": "boss", "skills": "Knitting=3",
                                          "email": "me@example.org"}, headers=headers), 422)
    errors = body["errors"]
    assert set(errors) == {"capacity", "role", "skills", "email"}
    assert errors["capacity"] == ["must be a whole number 0-10"]
    assert errors["role"] == ["must be mentor, mentee or both"]
    assert all(isinstance(messages, list) and messages for messages in errors.values())
    error_of(client.put(url, json=["not", "an", "object"], headers=headers), 422)
    assert client.get(url).get_json()["goals"] == "Nothing yet"  # nothing was saved


def test_a_profile_body_must_be_json(as_role, ids):
    """A form post or an empty PUT must not read as {} and reset the profile to defaults."""
    client, headers = signed_in(as_role, "other")
    url = f"{API}/profiles/{ids['other']}"
    error_of(client.put(url, data={"goals": "x"}, headers=headers), 415)
    error_of(client.put(url, headers=headers), 415)
    error_of(client.put(url, data="{not json", headers=headers, content_type="application/json"), 400)
    assert client.get(url).get_json()["goals"] == "Nothing yet"


# --- rounds -------------------------------------------------------------------------------------

def test_rounds_are_listed_with_their_pair_counts(as_role, ids):
    client, _ = signed_in(as_role, "coordinator")
    response = client.get(f"{API}/rounds")
    assert response.status_code == 200
    spring = next(r for r in response.get_json() if r["id"] == ids["round"])
    assert spring["name"] == "Spring" and spring["status"] == "published"
    assert spring["pairs"] == 1 and spring["mode"] == "mentor"
    assert spring["progress"] == {"stage": "done", "percent": 100}


def test_a_round_shows_its_summary_and_unmatched(as_role, ids):
    client, _ = signed_in(as_role, "admin")
    spring = client.get(f"{API}/rounds/{ids['round']}").get_json()
    assert spring["status"] == "published" and spring["published_at"]
    assert spring["summary"]["matched"] == 1
    assert {"email": email("staff"), "side": "mentee"}.items() <= next(
        u for u in spring["unmatched"] if u["email"] == email("staff")).items()
    assert any(s["skill"] == "marc21" for s in spring["skills"])
    assert "pairs" not in spring


def test_a_round_lists_its_pairs_by_page(as_role, ids):
    client, _ = signed_in(as_role, "coordinator")
    response = client.get(f"{API}/rounds/{ids['round']}/matches")
    assert response.status_code == 200
    assert json.loads(response.headers["X-Pagination"])["total"] == 1
    [pair] = response.get_json()
    assert pair["id"] == ids["match"]
    assert pair["mentor"] == {"id": ids["mentor"], "name": "Mina Mentor", "email": email("mentor")}
    assert pair["mentee"]["email"] == email("mentee")
    assert pair["reasons"] and 0 < pair["score"] <= 1 and pair["locked"] is False
    assert pair["status"] in ("proposed", "accepted")


def test_creating_a_round_checks_its_settings(as_role):
    client, headers = signed_in(as_role, "coordinator")
    response = client.post(f"{API}/rounds", json={"name": "Autumn", "settings": {"min_score": 0.2}},
                           headers=headers)
    assert response.status_code == 201
    created = response.get_json()
    assert created["status"] == "draft" and created["mode"] == "mentor"
    assert created["settings"] == {"min_score": 0.2}
    assert response.headers["Location"].endswith(f"{API}/rounds/{created['id']}")
    body = error_of(client.post(f"{API}/rounds", json={"name": "Bad", "mode": "solo",
                                                       "settings": {"bogus": 1}}, headers=headers), 422)
    assert set(body["errors"]) == {"mode", "bogus"}
    body = error_of(client.post(f"{API}/rounds", json={"mode": "peer"}, headers=headers), 422)
    assert set(body["errors"]) == {"name"}


def test_a_round_is_previewed_published_and_closed_once_each(as_role):
    client, headers = signed_in(as_role, "coordinator")
    round_id = client.post(f"{API}/rounds", json={"name": "Lifecycle"}, headers=headers).get_json()["id"]
    error_of(client.post(f"{API}/rounds/{round_id}/publish", headers=headers), 409)
    started = client.post(f"{API}/rounds/{round_id}/preview", headers=headers)
    assert started.status_code == 202
    assert started.get_json()["round_id"] == round_id and started.get_json()["job_id"]
    assert started.headers["Location"].endswith(f"{API}/rounds/{round_id}")
    previewed = wait_for_preview(client, round_id)
    assert previewed["status"] == "previewed", previewed["failure_reason"]
    assert previewed["progress"] == {"stage": "done", "percent": 100}
    published = client.post(f"{API}/rounds/{round_id}/publish", headers=headers)
    assert published.status_code == 200 and published.get_json()["status"] == "published"
    again = error_of(client.post(f"{API}/rounds/{round_id}/publish", headers=headers), 409)
    assert "published" in again["message"]
    error_of(client.post(f"{API}/rounds/{round_id}/preview", headers=headers), 409)
    closed = client.post(f"{API}/rounds/{round_id}/close", headers=headers)
    assert closed.status_code == 200 and closed.get_json()["status"] == "closed"
    error_of(client.post(f"{API}/rounds/{round_id}/close", headers=headers), 409)


# --- matches ------------------------------------------------------------------------------------

def test_people_see_their_own_pairs_from_their_side(as_role, ids):
    mentee, _ = signed_in(as_role, "mentee")
    [pair] = mentee.get(f"{API}/matches").get_json()
    assert pair["id"] == ids["match"] and pair["my_side"] == "mentee"
    assert pair["round"]["id"] == ids["round"] and pair["round"]["name"] == "Spring"
    assert pair["other"]["name"] == "Mina Mentor" and pair["other"]["email"] == email("mentor")
    assert pair["other"]["goals"] == "Pass on cataloguing practice"
    assert pair["reasons"] and 0 < pair["score"] <= 1
    mentor, _ = signed_in(as_role, "mentor")
    [pair] = mentor.get(f"{API}/matches").get_json()
    assert pair["my_side"] == "mentor" and pair["other"]["goals"] == "Learn original cataloguing"
    other, _ = signed_in(as_role, "other")
    assert other.get(f"{API}/matches").get_json() == []


def test_a_pair_is_seen_by_its_people_and_coordinators_only(as_role, ids):
    url = f"{API}/matches/{ids['match']}"
    for who in ("mentor", "mentee", "coordinator"):
        client, _ = signed_in(as_role, who)
        response = client.get(url)
        assert response.status_code == 200, who
        pair = response.get_json()
        assert pair["mentor"]["id"] == ids["mentor"] and pair["mentee"]["id"] == ids["mentee"]
        assert pair["round_id"] == ids["round"]
    other, _ = signed_in(as_role, "other")
    error_of(other.get(url), 403)


def test_the_mentee_accepts_their_pair(as_role, ids):
    url = f"{API}/matches/{ids['match']}/accept"
    other, other_headers = signed_in(as_role, "other")
    error_of(other.post(url, headers=other_headers), 403)
    mentee, headers = signed_in(as_role, "mentee")
    response = mentee.post(url, headers=headers)
    assert response.status_code == 200
    assert response.get_json()["status"] == "accepted"
    assert mentee.post(url, headers=headers).status_code == 200  # accepting twice changes nothing


def test_declining_a_pair_rematches_its_round(app, as_role, ids):
    """In a round of its own: `other` learns RDA, gets the mentor's free place, and declines it."""
    other, other_headers = signed_in(as_role, "other")
    profile_url = f"{API}/profiles/{ids['other']}"
    before = other.get(profile_url).get_json()
    coordinator, headers = signed_in(as_role, "coordinator")
    round_id = None
    try:
        wants_rda = {"role": "mentee", "learn": ["RDA"], "goals": "Learn RDA"}
        assert other.put(profile_url, json=wants_rda, headers=other_headers).status_code == 200
        round_id = coordinator.post(f"{API}/rounds", json={"name": "Decline"},
                                    headers=headers).get_json()["id"]
        coordinator.post(f"{API}/rounds/{round_id}/preview", headers=headers)
        assert wait_for_preview(coordinator, round_id)["status"] == "previewed"
        coordinator.post(f"{API}/rounds/{round_id}/publish", headers=headers)
        [pair] = [p for p in other.get(f"{API}/matches").get_json() if p["round"]["id"] == round_id]
        assert pair["other"]["email"] == email("mentor") and pair["my_side"] == "mentee"

        url = f"{API}/matches/{pair['id']}/decline"
        stranger, stranger_headers = signed_in(as_role, "staff")
        error_of(stranger.post(url, json={"reason": "no"}, headers=stranger_headers), 403)
        body = error_of(other.post(url, json={"reason": 42}, headers=other_headers), 422)
        assert set(body["errors"]) == {"reason"}
        response = other.post(url, json={"reason": "We work in the same team"}, headers=other_headers)
        assert response.status_code == 200, response.get_data(as_text=True)
        declined = response.get_json()
        assert declined["match"]["id"] == pair["id"] and declined["match"]["status"] == "declined"
        assert declined["rematch"] == "queued"  # instant: a job looks for a new mentor
        assert wait_for_rematch(app, pair["id"]) == "done"
        # The only mentor teaching RDA was declined: no new pair.
        assert not [p for p in other.get(f"{API}/matches").get_json() if p["round"]["id"] == round_id]
        error_of(other.post(url, json={}, headers=other_headers), 409)
    finally:
        if round_id is not None:
            coordinator.post(f"{API}/rounds/{round_id}/close", headers=headers)
        writable = {k: v for k, v in before.items() if k not in ("person_id", "updated_at")}
        assert other.put(profile_url, json=writable, headers=other_headers).status_code == 200


def test_lone_surrogates_and_deep_json_are_400_with_a_message(as_role, ids):
    client, headers = signed_in(as_role, "mentor")
    url = f"{API}/profiles/{ids['mentor']}"
    surrogate = client.put(url, data='{"role": "mentor", "goals": "\\ud800"}',
                           content_type="application/json", headers=headers)
    assert "lone surrogate" in error_of(surrogate, 400)["message"]
    deep = client.put(url, data="[" * 5000 + "]" * 5000, content_type="application/json",
                      headers=headers)
    assert "nested more than" in error_of(deep, 400)["message"]
    # A surrogate pair is an ordinary character (here U+1F600) and is fine.
    smile = client.put(url, data='{"role": "mentor", "goals": "\\ud83d\\ude00"}',
                       content_type="application/json", headers=headers)
    assert smile.status_code != 400


# --- programmes ---------------------------------------------------------------------------------

def test_programmes_are_created_read_edited_and_filter_rounds_and_people(as_role, ids):
    client, headers = signed_in(as_role, "coordinator")
    listed = client.get(f"{API}/programmes").get_json()
    assert listed[0]["is_default"] and listed[0]["name"] == "Library mentoring"
    assert listed[0]["participants"] >= 6 and listed[0]["rounds"] >= 1

    bad = client.post(f"{API}/programmes", headers=headers,
                      json={"name": "", "mode": "solo", "ends_on": "never"})
    assert error_of(bad, 422)["errors"] == {
        "name": ["required, at most 200 characters"], "mode": ["must be mentor or peer"],
        "ends_on": ["enter a date as YYYY-MM-DD"]}
    made = client.post(f"{API}/programmes", headers=headers, json={
        "name": "API cohort", "mode": "peer", "round_settings": {"min_score": 0.25},
        "signup_opens": "2027-01-10", "ends_on": "2027-06-30"})
    assert made.status_code == 201, made.get_data(as_text=True)
    programme = made.get_json()
    assert made.headers["Location"].endswith(f"/programmes/{programme['id']}")
    assert (programme["mode"], programme["round_settings"], programme["ends_on"]) == (
        "peer", {"min_score": 0.25}, "2027-06-30")

    changed = client.put(f"{API}/programmes/{programme['id']}", headers=headers,
                         json={"description": "Swaps", "settings": {"checkin_days": 14},
                               "version": programme["version"]})
    assert changed.status_code == 200 and changed.get_json()["settings"] == {"checkin_days": 14}
    stale = client.put(f"{API}/programmes/{programme['id']}", headers=headers,
                       json={"description": "Late", "version": programme["version"]})
    error_of(stale, 409)
    for bad in (2**31, 10**30, "2", 1.5, True, [1]):
        refused = client.put(f"{API}/programmes/{programme['id']}", headers=headers,
                             json={"description": "Late", "version": bad})
        assert error_of(refused, 422)["errors"] == {"version": [
            "must be the version read (a whole number): load the programme again"]}, bad

    enrolled = client.post(f"{API}/programmes/{programme['id']}/enrol", headers=headers,
                           json={"person_ids": [ids["staff"], ids["other"]]})
    assert enrolled.get_json() == {"changed": 2}
    again = client.post(f"{API}/programmes/{programme['id']}/enrol", headers=headers,
                        json={"person_ids": [ids["staff"]]})
    assert again.get_json() == {"changed": 0}
    unknown = client.post(f"{API}/programmes/{programme['id']}/enrol", headers=headers,
                          json={"person_ids": [2_000_000]})
    error_of(unknown, 404)
    people = client.get(f"{API}/people?programme={programme['id']}").get_json()
    assert sorted(p["id"] for p in people) == sorted([ids["staff"], ids["other"]])

    created = client.post(f"{API}/rounds", headers=headers,
                          json={"name": "API swaps", "programme_id": programme["id"]})
    assert created.status_code == 201, created.get_data(as_text=True)
    round_ = created.get_json()
    assert (round_["programme_id"], round_["mode"], round_["settings"]["min_score"]) == (
        programme["id"], "peer", 0.25)
    only = client.get(f"{API}/rounds?programme={programme['id']}").get_json()
    assert [r["id"] for r in only] == [round_["id"]]
    assert round_["id"] in {r["id"] for r in client.get(f"{API}/rounds").get_json()}
    left = client.post(f"{API}/programmes/{programme['id']}/unenrol", headers=headers,
                       json={"person_ids": [ids["other"]]})
    assert left.get_json() == {"changed": 1}


def test_only_admins_give_a_coordinator_a_programme(as_role, ids):
    client, headers = signed_in(as_role, "coordinator")
    refused = client.post(f"{API}/programmes/{ids['programme']}/coordinators", headers=headers,
                          json={"person_id": ids["coordinator"]})
    error_of(refused, 403)
    admin, admin_headers = signed_in(as_role, "admin")
    not_coordinator = admin.post(f"{API}/programmes/{ids['programme']}/coordinators",
                                 headers=admin_headers, json={"person_id": ids["staff"]})
    error_of(not_coordinator, 409)
    given = admin.post(f"{API}/programmes/{ids['programme']}/coordinators",
                       headers=admin_headers, json={"person_id": ids["coordinator"]})
    assert given.status_code == 204
    try:
        names = [p["name"] for p in client.get(f"{API}/programmes").get_json()]
        assert names == ["Library mentoring"]  # given one, they see only it
    finally:
        taken = admin.delete(f"{API}/programmes/{ids['programme']}/coordinators/"
                             f"{ids['coordinator']}", headers=admin_headers)
        assert taken.status_code == 204
